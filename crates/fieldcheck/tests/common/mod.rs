//! Helpers shared by the end-to-end tests: running the binary and reading its audit JSON.

#![allow(dead_code)] // Each test file uses some of them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `fieldcheck` with `args` and extra environment, without colours or test hooks, and
/// without the machine's git configuration (the actor falls back to `$USER`).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fieldcheck"));
    c.args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FIELDCHECK_LOCKER_CRASH_AFTER")
        .env_remove("FIELDCHECK_PULL_CRASH_AFTER")
        .env_remove("FIELDCHECK_REGISTER_CRASH_AFTER")
        .env_remove("FIELDCHECK_EXTRA_CONTROLS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

/// Runs `fieldcheck` with `args`.
pub fn fieldcheck(args: &[&str]) -> Output {
    run(args, &[])
}

/// Asserts that `o` exited with `code`, printing its stdout and stderr when it did not.
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// Asserts that `o` exited with `code` and that its stderr says `needle`.
pub fn assert_stderr(o: &Output, code: i32, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "{err}");
}

/// `fieldcheck pull DIR` at `now`, with the pull's retry waits cut to 5 ms and extra
/// environment, which must succeed.
pub fn pull(dir: &Path, now: &str, env: &[(&str, &str)]) {
    let mut e = vec![
        ("FIELDCHECK_NOW", now),
        ("FIELDCHECK_PULL_MAX_WAIT_MS", "5"),
    ];
    e.extend_from_slice(env);
    let o = run(&["pull", s(dir)], &e);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// The PostgreSQL server scripts/test.sh starts for the tests (`FIELDCHECK_TEST_POSTGRES`);
/// `None` (the test then has nothing to run) only outside CI: under CI a missing server fails.
pub fn postgres_url() -> Option<String> {
    let Ok(url) = std::env::var("FIELDCHECK_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but FIELDCHECK_TEST_POSTGRES is not: run the tests with scripts/test.sh"
        );
        eprintln!(
            "FIELDCHECK_TEST_POSTGRES is not set: run scripts/test.sh to test the PostgreSQL register"
        );
        return None;
    };
    Some(url)
}

/// The control `id` of an audit's JSON report, which must be there.
pub fn control<'v>(v: &'v Value, id: &str) -> &'v Value {
    v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id} in the report"))
}

/// A test's deviations (from an audit's JSON report) as `(item, [reasons])`, in report order.
pub fn deviations(test: &Value) -> Vec<(String, Vec<String>)> {
    let strs = |v: &Value, what: &str| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("{what} in {test}"))
            .iter()
            .map(|r| r.as_str().expect("a string").to_string())
            .collect()
    };
    test["deviations"]
        .as_array()
        .unwrap_or_else(|| panic!("deviations in {test}"))
        .iter()
        .map(|d| {
            let item = d["item"].as_str().expect("item").to_string();
            (item, strs(&d["reasons"], "reasons"))
        })
        .collect()
}

/// The diagnostics of an audit's JSON report that `keep` says yes to.
pub fn diagnostics(v: &Value, keep: impl Fn(&Value) -> bool) -> Vec<&Value> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| keep(d))
        .collect()
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
