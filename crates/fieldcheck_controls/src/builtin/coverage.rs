//! Every reason code of the catalog is emitted by some test case.
//!
//! The check runs this crate's own test binary again (every test but this one) with
//! `FIELDCHECK_TEST_REASON_LOG` set; `testkit::run_control` then writes each reason code a
//! control reported to that file. A catalog code that no trigger case produces fails the check,
//! so deleting a control's only trigger case for a code fails it too.

use std::collections::BTreeSet;
use std::io::Write as _;

use crate::{ControlResult, catalog};

const LOG: &str = "FIELDCHECK_TEST_REASON_LOG";
const NAME: &str = "every_catalog_reason_is_emitted_by_a_test_case";

/// Appends the codes a control reported, when the check asked for them.
pub(crate) fn record(r: &ControlResult) {
    let Some(path) = std::env::var_os(LOG) else {
        return;
    };
    let mut lines = String::new();
    for t in &r.tests {
        for d in &t.deviations {
            for code in &d.reasons {
                lines.push_str(&format!("{}\t{}\t{code}\n", r.meta.id, t.id));
            }
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("reason log");
    // One write per control run: appends of a few lines do not interleave.
    f.write_all(lines.as_bytes()).expect("write reason log");
}

#[test]
fn every_catalog_reason_is_emitted_by_a_test_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("reasons.tsv");
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--skip", NAME, "--test-threads", "2"])
        .env(LOG, &log)
        .output()
        .expect("runs the crate's tests");
    assert!(
        out.status.success(),
        "the crate's tests failed, so they vouch for no reason code:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let emitted: BTreeSet<(&str, &str, &str)> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next()?))
        })
        .collect();
    let mut missing = Vec::new();
    for c in catalog() {
        for t in &c.tests {
            for (code, _) in &t.reasons {
                if !emitted.contains(&(c.id.as_str(), t.id.as_str(), code.as_str())) {
                    missing.push(format!("{}/{}: {code}", c.id, t.id));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "catalog reason codes no test case emits (add a trigger case next to the control): {missing:#?}"
    );
    // Boundary: the log is the real one (the check saw every control's codes).
    assert!(emitted.len() > 40, "{emitted:?}");
}
