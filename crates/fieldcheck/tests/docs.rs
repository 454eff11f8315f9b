//! Tidy checks: the generated parts of `docs/` match the code, and every diagnostic code the
//! code can emit is documented. Run with `UPDATE_DOCS=1` to rewrite the generated parts.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check_generated(file: &str, generated: &str) {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let (begin, end) = (
        "<!-- generated: do not edit by hand -->\n",
        "<!-- end generated -->",
    );
    let start = text
        .find(begin)
        .unwrap_or_else(|| panic!("{file} has no generated section"))
        + begin.len();
    let stop = text[start..]
        .find(end)
        .map(|i| start + i)
        .unwrap_or_else(|| panic!("{file} has no end marker"));
    if &text[start..stop] != generated {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(
                &path,
                format!("{}{}{}", &text[..start], generated, &text[stop..]),
            )
            .expect("write docs");
        } else {
            panic!(
                "{file} is out of date: run `UPDATE_DOCS=1 cargo test --test docs` and commit it"
            );
        }
    }
}

#[test]
fn evidence_kit_reference_is_current() {
    check_generated(
        "docs/evidence-kit.md",
        &fieldcheck_engine::docs::kit_reference(),
    );
}

#[test]
fn sources_reference_is_current() {
    check_generated(
        "docs/sources.md",
        &fieldcheck_engine::docs::sources_reference(),
    );
    check_generated("README.md", &fieldcheck_engine::docs::sources_table());
}

#[test]
fn controls_reference_is_current() {
    check_generated(
        "docs/controls.md",
        &fieldcheck_engine::docs::controls_reference(),
    );
}

/// Kebab-case literals in the scanned crates that are not diagnostic codes (control ids).
const KNOWN_NON_CODES: &[&str] = &[
    "access-reviews",
    "service-accounts",
    "change-management",
    "vendor-management",
    "backup-restore",
    "leaver-deprovisioning",
    "privileged-sessions",
    "security-training",
    "risk-register",
    "quarterly-reviews",
    "deploy-traceability",
    "vendor-records",
    "restore-tests",
    "session-logging",
    "at-rest",
    "key-rotation",
    "in-transit",
    "training-completion",
    "phishing-simulations",
    "risk-reviews",
    "register-refresh",
    "vendor-coverage",
    "security-awareness",
    "secure-coding",
    "pre-prod",
    "non-prod",
];

/// A GUID such as Microsoft's tenant ids, which adapters hold as data.
fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[test]
fn every_diagnostic_code_is_documented() {
    let documented =
        std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    let mut missing = Vec::new();
    let adapters: Vec<&str> = fieldcheck_sources::adapters()
        .iter()
        .map(|a| a.spec.name)
        .collect();
    for dir in [
        "crates/fieldcheck_kit/src",
        "crates/fieldcheck_controls/src",
        "crates/fieldcheck_sources/src",
        "crates/fieldcheck_sources/src/adapters",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).expect("src") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("source");
            // Unit tests below `#[cfg(test)]` hold sample data, not codes.
            let src = src.split("#[cfg(test)]").next().unwrap_or("");
            // Every kebab-case string literal in these crates is a diagnostic code.
            for (i, literal) in src.split('"').enumerate() {
                let kebab = i % 2 == 1
                    && literal.contains('-')
                    && literal.starts_with(|c: char| c.is_ascii_lowercase())
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if kebab
                    && !documented.contains(&format!("`{literal}`"))
                    && !KNOWN_NON_CODES.contains(&literal)
                    && !adapters.contains(&literal)
                    && !is_guid(literal)
                {
                    missing.push(format!("{}: `{literal}`", path.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented diagnostic codes: {missing:#?}"
    );
}

#[test]
fn every_test_declares_how_an_auditor_samples_it() {
    for c in fieldcheck_controls::catalog() {
        for t in &c.tests {
            assert!(
                fieldcheck_sampling::Frequency::parse(&t.frequency).is_some(),
                "{}/{}: frequency `{}`",
                c.id,
                t.id,
                t.frequency
            );
            assert!(
                t.request.len() > 20,
                "{}/{}: say what evidence the auditor asks for",
                c.id,
                t.id
            );
        }
    }
}

#[test]
fn the_code_enum_and_docs_diagnostics_agree_both_ways() {
    let documented =
        std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    let in_docs: std::collections::BTreeSet<&str> = documented
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    let in_enum: std::collections::BTreeSet<&str> = fieldcheck_kit::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        in_docs.difference(&in_enum).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "documented codes missing from fieldcheck_kit::Code"
    );
    assert_eq!(
        in_enum.difference(&in_docs).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "fieldcheck_kit::Code variants missing from docs/diagnostics.md"
    );
}
