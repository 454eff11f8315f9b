//! Helpers shared by the AWS operations adapters (Backup, CloudTrail, SSM, KMS, S3, RDS, ELBv2)
//! and `sshd`: timestamps with diagnostics, system maps, counted notes.

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Severity};
use jiff::Timestamp;
use serde_json::Value;

use crate::emit::Emitter;
use crate::read::At;

/// A timestamp field: `Ok(None)` when absent or a sentinel; a value that is not a timestamp is an
/// Error diagnostic on the record (what happens to the record is said by `then`).
pub(crate) fn time(
    v: &Value,
    field: &str,
    at: &At,
    em: &mut Emitter,
    then: &str,
) -> Result<Option<Timestamp>, ()> {
    match crate::value::json_time(v, None) {
        Ok(t) => Ok(t),
        Err(e) => {
            em.bad_record(
                &at.file,
                at.line,
                at.path(),
                "bad-value",
                format!("`{field}` is not a timestamp ({e})"),
                then,
            );
            Err(())
        }
    }
}

/// The system a resource belongs to: the first `map` entry (in file order) whose key equals one
/// of `names` or matches `names[0]` as a glob; else `fallback`.
pub(crate) fn system_for(
    map: &[(String, String)],
    names: &[&str],
    fallback: Option<&str>,
) -> Option<String> {
    map.iter()
        .find(|(k, _)| {
            names.iter().any(|n| !n.is_empty() && n == k)
                || names
                    .first()
                    .is_some_and(|n| !n.is_empty() && crate::files::matches(k, n))
        })
        .map(|(_, v)| v.clone())
        .or_else(|| fallback.map(str::to_string))
}

/// Counts of things skipped, by label.
#[derive(Default)]
pub(crate) struct Counts(pub BTreeMap<String, u64>);

impl Counts {
    /// Counts one `label`.
    pub fn add(&mut self, label: impl Into<String>) {
        *self.0.entry(label.into()).or_default() += 1;
    }

    /// The total.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The labels, most frequent first (at most `n`), as `` `label` ×k ``.
    pub fn top(&self, n: usize) -> String {
        let mut v: Vec<(&String, &u64)> = self.0.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut s: Vec<String> = v
            .iter()
            .take(n)
            .map(|(l, k)| format!("`{l}` ×{k}"))
            .collect();
        if v.len() > n {
            s.push(format!("and {} more", v.len() - n));
        }
        s.join(", ")
    }

    /// Reports the counts as one Note (nothing when empty): `{total} {what}: {top}`.
    pub fn note(&self, code: &'static str, what: &str, help: &str) -> Option<Diagnostic> {
        self.report(Severity::Note, code, what, help)
    }

    /// Reports the counts as one diagnostic of `severity` (nothing when empty).
    pub fn report(
        &self,
        severity: Severity,
        code: &'static str,
        what: &str,
        help: &str,
    ) -> Option<Diagnostic> {
        let total = self.total();
        (total > 0).then(|| {
            Diagnostic::new(severity, code, format!("{total} {what}: {}", self.top(5)))
                .help(help.to_string())
        })
    }
}

/// Reports one warning per resource that no system claims (`resources` → record count).
pub(crate) fn no_system_warnings(
    em: &mut Emitter,
    resources: &BTreeMap<String, u64>,
    what: &str,
    option: &str,
) {
    for (r, n) in resources {
        em.diag(
            Diagnostic::warning(
                "source-no-system",
                format!(
                    "{n} {what}{} of `{r}` skipped: no system claims it",
                    if *n == 1 { "" } else { "s" }
                ),
            )
            .help(format!(
                "map it in the source's `{option}` option or set the source's `system_id`"
            )),
        );
    }
}

/// `s` or "s" for plurals.
pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The last segment of an ARN (after the last `/` or `:`).
pub(crate) fn arn_last(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// A trimmed, non-sentinel string.
pub(crate) fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().and_then(crate::value::present)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_example_block_is_a_valid_source() {
        for name in [
            "aws-backup",
            "aws-cloudtrail",
            "aws-ssm-sessions",
            "sshd",
            "aws-kms",
            "aws-s3-encryption",
            "aws-rds",
            "aws-elbv2",
        ] {
            let a = crate::adapter(name).expect("registered");
            let text = format!(
                "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n{}\n",
                a.spec.example
            );
            let (config, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
            let config = config.unwrap_or_else(|| panic!("{name}: {diags:?}"));
            let mut d = Vec::new();
            crate::Options::parse(&config.sources[0], a.spec, "fieldcheck.toml", &mut d);
            assert!(d.is_empty(), "{name}: {d:?}");
        }
    }
}
