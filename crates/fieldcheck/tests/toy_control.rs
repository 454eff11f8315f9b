//! ARCHITECTURE.md's "Adding a control", followed: the toy control of
//! `crates/fieldcheck_controls/tests/toy-control/` (one `catalog.toml` entry and one
//! `control.rs`, no other file) appears in `controls`, `audit`, `sample` and the register.
//! Built only with the `toy-control` feature (scripts/test.sh runs every feature).

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_exit, control, text};
use serde_json::Value;

const CONFIG: &str = "[org]\nname = \"Acme Cloud\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n[controls.system-ownership]\nmax_tier = 1\n";

/// `fieldcheck ARGS` at a fixed time, as `tester`; with `extra`, the toy control compiled in
/// is switched on.
fn run(args: &[&str], extra: bool) -> Output {
    let mut env = vec![
        ("FIELDCHECK_NOW", "2026-07-10T12:00:00Z"),
        ("USER", "tester"),
    ];
    if extra {
        env.push(("FIELDCHECK_EXTRA_CONTROLS", "1"));
    }
    common::run(args, &env)
}

fn out(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

fn kit(dir: &Path) {
    fieldcheck_testkit::write_files(
        dir,
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "systems.csv",
                "system_id,tier,in_scope,owner_id\nbilling,1,true,p1\nledger,1,true,\nwiki,1,true,ghost\nblog,2,true,\nlab,1,false,\n",
            ),
            (
                "people.csv",
                "person_id,email,start_date\np1,p1@acme.test,2020-01-01\n",
            ),
        ],
    );
}

#[test]
fn a_toy_control_in_one_folder_appears_in_controls_audit_sample_and_the_register() {
    let dir = tempfile::tempdir().expect("tmp");
    kit(dir.path());
    let k = dir.path().to_str().expect("utf8");

    // `controls`: listed after the built-in ones, with its test, codes and typed parameter.
    let o = run(&["controls", "--format", "json"], true);
    assert_exit(&o, 0);
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = list
        .as_array()
        .expect("controls")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 11, "{ids:?}");
    assert_eq!(ids[10], "system-ownership");
    let text = out(&run(&["controls"], true));
    assert!(text.contains("owner_unknown"), "{text}");
    assert!(text.contains("max_tier"), "{text}");
    // Boundary: without the switch the binary is the ten built-in controls.
    let o = run(&["controls", "--format", "json"], false);
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(10));

    // `audit`: its population follows the typed parameter (`max_tier = 1`: blog is out, lab is
    // out of scope), each failing item with its code.
    let o = run(&["audit", k, "--format", "json"], true);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", out(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let toy = control(&v, "system-ownership");
    assert_eq!(toy["status"], "exceptions");
    let t = &toy["tests"][0];
    assert_eq!(t["id"], "owned-systems");
    assert_eq!(t["population"], 3);
    let devs: Vec<(String, Value)> = t["deviations"]
        .as_array()
        .expect("deviations")
        .iter()
        .map(|d| {
            (
                d["item"].as_str().unwrap_or("").to_string(),
                d["reasons"].clone(),
            )
        })
        .collect();
    assert_eq!(
        devs,
        [
            ("ledger".to_string(), serde_json::json!(["no_owner"])),
            ("wiki".to_string(), serde_json::json!(["owner_unknown"]))
        ]
    );
    // The text report groups by the toy's codes in its catalog order.
    let text = out(&run(&["audit", k, "--control", "system-ownership"], true));
    let (a, b) = (text.find("no_owner"), text.find("owner_unknown"));
    assert!(a.is_some() && a < b, "{text}");

    // `sample`: the toy's test is sampled and requested.
    let pbc = dir.path().join("pbc");
    let o = run(
        &[
            "sample",
            k,
            "--control",
            "system-ownership",
            "--out",
            pbc.to_str().expect("utf8"),
        ],
        true,
    );
    assert_exit(&o, 0);
    let csv = std::fs::read_to_string(pbc.join("pbc-request-list.csv")).expect("pbc csv");
    assert!(csv.contains("system-ownership"), "{csv}");
    assert!(csv.contains("owned-systems"), "{csv}");

    // The register: a recorded audit opens the toy's two exceptions.
    let o = run(
        &["audit", k, "--control", "system-ownership", "--record"],
        true,
    );
    assert!(out(&o).contains("2 opened"), "{}", out(&o));
    let o = run(
        &["exceptions", "--kit", k, "list", "--format", "json"],
        true,
    );
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = list
        .as_array()
        .expect("exceptions")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "system-ownership/owned-systems/ledger",
            "system-ownership/owned-systems/wiki"
        ]
    );
}
