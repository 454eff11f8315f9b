//! Helpers shared by the end-to-end tests: running the binary and reading its audit JSON.

#![allow(dead_code)] // Each test file uses some of them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `fieldcheck` with `args` and extra environment, without colours or test hooks.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fieldcheck"));
    c.args(args)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FIELDCHECK_LOCKER_CRASH_AFTER")
        .env_remove("FIELDCHECK_PULL_CRASH_AFTER")
        .env_remove("FIELDCHECK_REGISTER_CRASH_AFTER");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

/// Runs `fieldcheck` with `args`.
pub fn fieldcheck(args: &[&str]) -> Output {
    run(args, &[])
}

/// Bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// `fieldcheck audit ARGS --format json`, which must run (exit 0 or 1).
pub fn audit_json(args: &[&str]) -> Value {
    let mut a = vec!["audit"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let o = fieldcheck(&a);
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

/// The audit's findings without where the evidence is: summary, statuses, reasons,
/// populations, deviations and (with `notes`) the tests' notes.
pub fn findings(v: &Value, notes: bool) -> Value {
    let controls: Vec<Value> = v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            let tests: Vec<Value> = c["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .map(|t| {
                    let devs: Vec<Value> = t["deviations"]
                        .as_array()
                        .expect("deviations")
                        .iter()
                        .map(|d| serde_json::json!([d["item"], d["reasons"], d["detail"]]))
                        .collect();
                    let notes = if notes { t.get("notes").cloned() } else { None };
                    serde_json::json!({"id": t["id"], "population": t["population"], "deviations": devs, "notes": notes})
                })
                .collect();
            serde_json::json!({"id": c["id"], "status": c["status"], "reason": c.get("reason"), "tests": tests})
        })
        .collect();
    serde_json::json!({"summary": v["summary"], "controls": controls})
}
