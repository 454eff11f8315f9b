//! `fieldcheck init`: a commented config with every parameter and a header-only file for every
//! record kind, so a kit can be filled from spreadsheets.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use fieldcheck_controls::catalog;
use fieldcheck_kit::{Kind, header_line};

/// The commented `fieldcheck.toml`, generated from the control catalog.
pub fn config_template() -> String {
    let mut o = String::new();
    o.push_str(
        "# fieldcheck.toml: the evidence kit's config (format v2).\n\
         # Every file of the kit is described in docs/evidence-kit.md; run `fieldcheck controls` for the tests.\n\
         \n\
         [org]\n\
         name = \"Your Company\"\n\
         timezone = \"America/New_York\"      # IANA name; all dates and calendar periods use it\n\
         \n\
         [window]                           # the observation window, both dates inclusive\n\
         start = \"2026-01-01\"\n\
         end = \"2026-06-30\"\n\
         \n\
         [evidence]\n\
         # naive_timestamps = \"reject\"      # or \"org\": read timestamps without an offset in the org time zone\n\
         # coverage_min_monthly = 20          # an event file this busy must have a row in every month of the window\n\
         # A month an event file may have no row, and why (otherwise a `coverage-gap` error):\n\
         # [[evidence.accepted_gaps]]\n\
         # file = \"sessions\"\n\
         # month = \"2026-05\"\n\
         # reason = \"bastion decommissioned for the migration; no production access that month\"\n\
         \n\
         [sampling]\n\
         # table = \"sample-sizes.toml\"     # a firm's own sample sizes; `fieldcheck sample --print-table` shows the shape\n\
         # unit = \"period\"                 # periodic tests run per system: \"period\" (test every system in the chosen periods), \"system\" or \"item\"\n\
         # confidence = 0.95                # the confidence level of the sizes and the sample's upper deviation limit\n\
         \n\
         [locker]\n\
         # Pin the evidence locker's key with `public_key = \"ed25519:<64 hex digits>\"`, the line of locker.pub\n\
         # (`fieldcheck locker keygen` prints it): `collect` must then sign with its secret key, and\n\
         # `audit --locker` refuses a locker it did not sign.\n\
         \n\
         # Raw exports read as they are, next to (or instead of) the kit files: one [[sources]] per export.\n\
         # `fieldcheck sources` lists the adapters (Okta, Entra ID, AWS, GitHub, Jira, Workday, ...) with examples.\n\
         # [[sources]]\n\
         # adapter = \"okta-system-log\"\n\
         # path = \"exports/okta/system-log-*.json\"   # a file or glob, relative to this file\n\
         # system_id = \"okta\"                       # the row of systems.csv the records belong to\n\
         # cadence = \"1d\"                           # how often `fieldcheck collect` should store it\n\
         \n\
         # Every control parameter, with its default. Uncomment a line to change it.\n\
         # To scope a control out: `enabled = false` with `reason = \"why it does not apply\"`.\n",
    );
    for c in catalog() {
        let _ = writeln!(o);
        let _ = writeln!(o, "[controls.{}]", c.id);
        let _ = writeln!(o, "# {} ({})", c.title, c.criteria.join(", "));
        let _ = writeln!(o, "# enabled = true");
        let _ = writeln!(
            o,
            "{:<40} # who owns its exceptions in the register (else the system's owner, else unassigned)",
            "# owner = \"jane@example.com\""
        );
        let _ = writeln!(
            o,
            "{:<40} # days from recording an exception to its target close date; per reason: {{ default = {}, <reason> = 7 }}",
            format!("# target_days = {}", c.target_days),
            c.target_days
        );
        for p in &c.params {
            let line = format!("# {} = {}", p.name, p.default);
            let _ = writeln!(o, "{line:<40} # {}", p.doc);
        }
    }
    o
}

/// Writes the template and the header-only files into `dir`; returns how many record files.
pub fn run(dir: &Path, force: bool) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut files: Vec<(String, String)> = vec![("fieldcheck.toml".into(), config_template())];
    for k in Kind::ALL {
        files.push((k.csv_name(), format!("{}\n", header_line(k.schema()))));
    }
    if !force {
        let existing: Vec<&str> = files
            .iter()
            .filter(|(n, _)| dir.join(n).exists())
            .map(|(n, _)| n.as_str())
            .collect();
        if !existing.is_empty() {
            anyhow::bail!(
                "`{}` already has {}; nothing was written (use --force to overwrite)",
                dir.display(),
                existing
                    .iter()
                    .take(5)
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)
            .with_context(|| format!("cannot write `{}`", dir.join(name).display()))?;
    }
    Ok(Kind::ALL.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_template_is_a_valid_config_with_every_parameter() {
        let t = super::config_template();
        let (c, d) = fieldcheck_kit::parse_config("fieldcheck.toml", &t);
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("valid");
        assert_eq!(c.controls.len(), 10);
        for meta in fieldcheck_controls::catalog() {
            for p in &meta.params {
                assert!(
                    t.contains(&format!("# {} = ", p.name)),
                    "{} missing",
                    p.name
                );
            }
        }
        // Uncommenting every parameter gives a valid config too.
        let uncommented: String = t
            .lines()
            .map(|l| {
                if let Some(header) = l.strip_prefix("# [[") {
                    return format!("[[{header}");
                }
                let key = l
                    .strip_prefix("# ")
                    .and_then(|r| r.split_once(" = "))
                    .map(|(k, _)| k);
                if key.is_some_and(|k| {
                    k.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                }) {
                    l[2..].split(" #").next().unwrap_or("").to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (c, d) = fieldcheck_kit::parse_config("fieldcheck.toml", &uncommented);
        let (_, pd) = fieldcheck_controls::resolve_params(c.as_ref());
        assert!(d.is_empty() && pd.is_empty(), "{d:?} {pd:?}");
    }
}
