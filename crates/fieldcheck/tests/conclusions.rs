//! A person's conclusion on a recorded demo audit, end to end: `exceptions conclude` keeps it in
//! the register with who, when and why, refuses a softer one without a reason and any on a
//! `not_evidenced` control, and `exceptions conclusions` shows it. On an SQLite file always, and
//! on PostgreSQL when `FIELDCHECK_TEST_POSTGRES` names a server (scripts/test.sh starts one).

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_stderr, run, s, text};
use serde_json::Value;

const NOW: &str = "2026-10-20T15:00:00Z";

/// `fieldcheck ARGS` at a fixed time, as `tester`.
fn at(now: &str, args: &[&str]) -> Output {
    run(args, &[("FIELDCHECK_NOW", now), ("USER", "tester")])
}

/// `fieldcheck exceptions --database DB ARGS` at `NOW`.
fn exceptions(db: &str, args: &[&str]) -> Output {
    let mut all = vec!["exceptions", "--database", db];
    all.extend_from_slice(args);
    at(NOW, &all)
}

/// A recorded audit of `kit` into `db`, which must run (exit 0 or 1).
fn record(kit: &Path, db: &str, now: &str) {
    let o = at(
        now,
        &[
            "audit",
            s(kit),
            "--record",
            "--database",
            db,
            "--format",
            "json",
        ],
    );
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&o.stderr)
    );
}

/// `exceptions conclusions --format json` (with `--all`).
fn conclusions(db: &str, extra: &[&str]) -> Value {
    let mut args = vec!["conclusions", "--format", "json", "--all"];
    args.extend_from_slice(extra);
    let o = exceptions(db, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn control<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["control"] == id)
        .unwrap_or_else(|| panic!("no {id} in {v}"))
}

/// A refused `exceptions ARGS`: exit 2, and its message.
fn refused(db: &str, args: &[&str]) -> String {
    let o = exceptions(db, args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    text(&o.stderr)
}

/// The whole flow on one register (a file path or a PostgreSQL connection string).
fn flow(kit: &Path, db: &str) {
    record(kit, db, NOW);
    let v = conclusions(db, &[]);
    let window = v["window"].as_str().expect("window").to_string();
    let dates = window.split(' ').next().expect("dates").replace("..", "/");
    // change-management is computed ineffective (23 % of deploys deviate): a softer conclusion
    // needs a reason.
    assert_eq!(control(&v, "change-management")["computed"], "ineffective");
    let m = refused(
        db,
        &[
            "conclude",
            "change-management",
            "--as",
            "effective_with_exceptions",
        ],
    );
    assert!(
        m.contains("`change-management`") && m.contains("--why") && m.contains("softer"),
        "{m}"
    );
    let why = "the three unticketed deploys were one hotfix weekend, reviewed after the fact";
    let o = exceptions(
        db,
        &[
            "conclude",
            "change-management",
            "--as",
            "effective_with_exceptions",
            "--why",
            why,
            "--window",
            &dates,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("concluded `change-management` effective_with_exceptions"),
        "{}",
        text(&o.stderr)
    );
    // encryption is effective (no deviation): a harsher conclusion needs no reason.
    assert_eq!(control(&v, "encryption")["computed"], "effective");
    let o = exceptions(db, &["conclude", "encryption", "--as", "ineffective"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A person never concludes what only evidence decides, nor an unknown control or window.
    let m = refused(
        db,
        &[
            "conclude",
            "encryption",
            "--as",
            "not_evidenced",
            "--why",
            "x",
        ],
    );
    assert!(m.contains("from the evidence alone"), "{m}");
    let m = refused(db, &["conclude", "encryption", "--as", "passed"]);
    assert!(m.contains("`--as passed`"), "{m}");
    let m = refused(db, &["conclude", "encryptoin", "--as", "ineffective"]);
    assert!(m.contains("did you mean `encryption`"), "{m}");
    let m = refused(
        db,
        &[
            "conclude",
            "encryption",
            "--as",
            "ineffective",
            "--window",
            "2020-01-01/2020-12-31",
        ],
    );
    assert!(
        m.contains("no recorded run of the window 2020-01-01/2020-12-31"),
        "{m}"
    );
    // Shown by the list, with who, when and why.
    let v = conclusions(db, &["--window", &dates]);
    let cm = control(&v, "change-management");
    assert_eq!(cm["conclusion"], "effective_with_exceptions");
    let o = &cm["override"];
    assert_eq!(
        (&o["concluded"], &o["why"], &o["by"], &o["at"]),
        (
            &Value::from("effective_with_exceptions"),
            &Value::from(why),
            &Value::from("tester"),
            &Value::from(NOW)
        )
    );
    assert_eq!(
        (&o["softer"], &o["applies"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    let enc = &control(&v, "encryption")["override"];
    assert_eq!(
        (&enc["direction"], &enc["softer"]),
        (&Value::from("harsher"), &Value::Bool(false))
    );
    // Only what was accepted is in the log (refusals record nothing).
    let mine: Vec<&Value> = v["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|x| x["at"] == NOW)
        .collect();
    assert!(mine.len() >= 2, "{v}");
    let o = exceptions(db, &["conclusions"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(
        shown.contains("effective_with_exceptions (softer override by tester, 2026-10-20)")
            && shown.contains(why),
        "{shown}"
    );
    // The audit report shows the person's conclusion over the computed one, as an override, and
    // counts it in the self-check.
    let o = at(
        NOW,
        &["audit", s(kit), "--database", db, "--format", "json"],
    );
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("no JSON report: {}", text(&o.stderr)));
    let cm = common::control(&report, "change-management");
    assert_eq!(cm["conclusion"], "effective_with_exceptions");
    assert_eq!(
        (
            &cm["override"]["computed"],
            &cm["override"]["softer"],
            &cm["override"]["why"]
        ),
        (
            &Value::from("ineffective"),
            &Value::Bool(true),
            &Value::from(why)
        )
    );
    assert_eq!(
        report["summary"]["conclusions"]["effective_with_exceptions"],
        1
    );
    // vendors.csv is deleted: vendor-management is not evidenced, and nobody can conclude it.
    std::fs::remove_file(kit.join("vendors.csv")).expect("rm");
    record(kit, db, "2026-10-21T15:00:00Z");
    assert_eq!(
        control(&conclusions(db, &[]), "vendor-management")["computed"],
        "not_evidenced"
    );
    let m = refused(
        db,
        &[
            "conclude",
            "vendor-management",
            "--as",
            "effective_with_exceptions",
            "--why",
            "the vendors are fine",
        ],
    );
    assert!(
        m.contains("`vendor-management` is not_evidenced") && m.contains("only evidence"),
        "{m}"
    );
}

/// The demo kit in `dir/kit`.
fn demo(dir: &Path) -> std::path::PathBuf {
    let kit = dir.join("kit");
    let o = run(&["demo", "--out", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    kit
}

#[test]
fn a_person_concludes_on_a_recorded_demo_audit() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    flow(&kit, s(&db));
}

#[test]
fn a_person_concludes_in_a_shared_register_in_postgresql() {
    // scripts/test.sh starts a throwaway PostgreSQL server and names it here.
    let Some(url) = common::postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    flow(&kit, &url);
}

#[test]
fn there_is_nothing_to_conclude_before_a_recorded_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let o = at(
        NOW,
        &[
            "exceptions",
            "--kit",
            s(&kit),
            "conclude",
            "encryption",
            "--as",
            "ineffective",
        ],
    );
    assert_stderr(&o, 2, "record an audit first");
}
