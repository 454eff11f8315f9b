//! Small helpers the adapters share: timestamps with diagnostics, JSON text values, counted
//! notes, the deploy environment mapping and the ticket-key pattern.

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Severity};
use jiff::Timestamp;
use serde_json::Value;

use crate::Input;
use crate::emit::Emitter;
use crate::read::At;
use crate::value::{json_time, present};

/// "s" when `n` is not one.
pub(super) fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A timestamp field: `Ok(None)` when null or a sentinel, naive times read in `naive` (none:
/// refused); a value that is not a timestamp is an Error diagnostic on the record, `then` saying
/// what happened to the record, and `Err(())`.
pub(crate) fn time_in(
    v: &Value,
    naive: Option<&jiff::tz::TimeZone>,
    field: &str,
    at: &At,
    em: &mut Emitter,
    then: &str,
) -> Result<Option<Timestamp>, ()> {
    json_time(v, naive).map_err(|e| {
        at.bad(
            em,
            fieldcheck_kit::Code::BadValue,
            format!("`{field}` is not a timestamp ({e})"),
            then,
        );
    })
}

/// A timestamp the record cannot be placed without (an event's time): a missing or unreadable
/// one is an Error diagnostic and the record is skipped (`what`: "record", "event").
pub(crate) fn required_time(
    v: &Value,
    naive: Option<&jiff::tz::TimeZone>,
    field: &str,
    what: &str,
    at: &At,
    em: &mut Emitter,
) -> Option<Timestamp> {
    let skipped = format!("the {what} was skipped");
    match time_in(v, naive, field, at, em, &skipped) {
        Ok(Some(t)) => Some(t),
        Ok(None) => {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("the {what} has no `{field}`"),
                &skipped,
            );
            None
        }
        Err(()) => None,
    }
}

/// A timestamp field of the record at `at`, naive times in the source's zone: `None` when null
/// or a sentinel; a value that is not a timestamp is reported (the value is read as unknown, the
/// record kept).
pub(crate) fn time(
    input: &Input<'_>,
    em: &mut Emitter,
    at: &At,
    field: &str,
    v: &Value,
) -> Option<Timestamp> {
    time_in(v, Some(input.tz), field, at, em, "the value was read as unknown, and the controls that need this source are not evidenced until the export is fixed").unwrap_or(None)
}

/// A JSON scalar as text (`None` for null, empty strings and sentinels).
pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => present(s).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Counts of things skipped or unknown, reported as one diagnostic.
#[derive(Default)]
pub(super) struct Counts(pub BTreeMap<String, usize>);

impl Counts {
    /// Counts one `what`.
    pub fn add(&mut self, what: impl Into<String>) {
        *self.0.entry(what.into()).or_default() += 1;
    }

    /// The total.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// `\`a\` ×2, \`b\` ×1` (the first five).
    pub fn top(&self) -> String {
        let mut v: Vec<String> = self
            .0
            .iter()
            .take(5)
            .map(|(k, n)| format!("`{k}` ×{n}"))
            .collect();
        if self.0.len() > 5 {
            v.push(format!("and {} more", self.0.len() - 5));
        }
        v.join(", ")
    }
}

/// A note (counted, nothing lost).
pub(super) fn note(em: &mut Emitter, code: fieldcheck_kit::Code, message: String, help: &str) {
    em.diag(Diagnostic::new(Severity::Note, code, message).help(help.to_string()));
}

/// The environment names of a deploy source: the `environments` option (environment name →
/// `production`, `staging` or `development`, names compared case-insensitively). A name it does
/// not map is left unclassified: deciding which names are production is the change-management
/// control's judgement (`production_environments`), made on the deploy's `environment_name`.
pub(super) struct Environments(Vec<(String, &'static str)>);

impl Environments {
    /// Reads the `environments` option; a value that is not one of the three is reported.
    pub fn new(input: &Input<'_>, em: &mut Emitter) -> Self {
        let o = input.options;
        let mut v = Vec::new();
        for (k, val) in o.map("environments") {
            match val.trim().to_ascii_lowercase().as_str() {
                "production" => v.push((k.to_lowercase(), "production")),
                "staging" => v.push((k.to_lowercase(), "staging")),
                "development" => v.push((k.to_lowercase(), "development")),
                _ => input.option_error(em, "environments", format!("`environments` maps `{k}` to `{val}`, which is not an environment"), "map each environment name to `production`, `staging` or `development`; the name's default reading was used"),
            }
        }
        Environments(v)
    }

    /// The kit environment the option maps `name` to, if it does.
    pub fn of(&self, name: &str) -> Option<&'static str> {
        let l = name.trim().to_lowercase();
        self.0.iter().find(|(k, _)| *k == l).map(|(_, e)| *e)
    }
}

/// The default ticket key pattern.
pub(super) const TICKET_PATTERN: &str = "[A-Z][A-Z0-9]+-[0-9]+";

/// The ticket-key pattern of a deploy source (`ticket_pattern`, else [`TICKET_PATTERN`]).
pub(super) struct Tickets(Option<regex_lite::Regex>);

impl Tickets {
    /// Reads the `ticket_pattern` option; one that does not compile is reported and no
    /// tickets are linked.
    pub fn new(input: &Input<'_>, em: &mut Emitter) -> Self {
        let p = input
            .options
            .str("ticket_pattern")
            .unwrap_or(TICKET_PATTERN);
        match regex_lite::Regex::new(p) {
            Ok(r) => Tickets(Some(r)),
            Err(e) => {
                input.option_error(
                    em,
                    "ticket_pattern",
                    format!("`ticket_pattern` `{p}` is not a regular expression: {e}"),
                    "fix the pattern; no deploy was linked to a ticket",
                );
                Tickets(None)
            }
        }
    }

    /// The first match in the first of `texts` that has one.
    pub fn find(&self, texts: &[Option<&str>]) -> Option<String> {
        let r = self.0.as_ref()?;
        texts
            .iter()
            .flatten()
            .find_map(|t| r.find(t).map(|m| m.as_str().to_string()))
    }
}

pub(crate) use crate::value::clip;

/// A raw value that maps to no kit value (a status, a policy, an event outcome, a boolean that
/// fills a field a control reads): an error on the record's line, and the record is skipped,
/// so the kinds the source makes are `not_evidenced` rather than passing on an unknown.
pub(crate) fn unknown_value(em: &mut Emitter, at: &At, field: &str, value: &str, known: &str) {
    at.bad(
        em,
        fieldcheck_kit::Code::UnknownValue,
        format!("`{field}` is `{}`, which maps to no kit value", clip(value)),
        format!("{known}; the record was skipped and the controls that need it are not evidenced until the export is fixed"),
    );
}
