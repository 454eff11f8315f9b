//! End-to-end tests of the `fieldcheck` binary: exit codes, formats, determinism and bad input,
//! as a user runs it.

mod common;

use std::process::Output;

use common::fieldcheck;
use fieldcheck_testkit::write_files;

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf8 stderr")
}

const CONFIG: &str = "[org]\nname = \"Acme Cloud\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n";

#[test]
fn no_such_folder_exits_2() {
    let o = fieldcheck(&["audit", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a folder"), "{}", stderr(&o));
}

#[test]
fn a_missing_config_exits_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&["audit", dir.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("fieldcheck init"), "{}", stderr(&o));
}

#[test]
fn a_bad_config_is_diagnosed_and_exits_2() {
    let dir = tempfile::tempdir().expect("tmp");
    write_files(
        dir.path(),
        &[(
            "fieldcheck.toml",
            &format!("{CONFIG}[controls.leaver-deprovisioning]\nprivilegd_sla = \"4h\"\n"),
        )],
    );
    let o = fieldcheck(&["audit", dir.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error[config-unknown-key]: unknown key `privilegd_sla` in `[controls.leaver-deprovisioning]`"), "{err}");
    assert!(err.contains("fieldcheck.toml:8:1"), "{err}");
    assert!(err.contains("did you mean `privileged_sla`?"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no colour when not a terminal: {err}"
    );
}

#[test]
fn an_effective_subset_exits_0() {
    let dir = tempfile::tempdir().expect("tmp");
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "vendors.csv",
                "vendor_id,name,tier,data_access,status,last_reviewed_at,assurance_type,report_period_end,assurance_reviewed_at,subprocessor_clause\nv1,Pay,1,production,active,2026-03-01T00:00:00Z,soc2_type2,2026-03-31,2026-04-10T00:00:00Z,true\n",
            ),
        ],
    );
    let d = dir.path().to_str().expect("utf8");
    let o = fieldcheck(&[
        "audit",
        d,
        "--control",
        "vendor-management",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["summary"]["risk"], "low");
    assert_eq!(v["controls"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["controls"][0]["status"], "effective");
    assert_eq!(v["controls"][0]["tests"][0]["population"], 1);
    let o = fieldcheck(&["audit", d, "--control", "vendor-managment"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `vendor-management`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_row_is_reported_skipped_and_makes_its_control_not_evidenced() {
    let dir = tempfile::tempdir().expect("tmp");
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "vendors.csv",
                "vendor_id,name,tier,last_reviewed_at\nv1,Pay,2,2026-03-01T00:00:00\nv2,Mail,,2026-03-01T00:00:00Z\n",
            ),
        ],
    );
    let d = dir.path().to_str().expect("utf8");
    let o = fieldcheck(&[
        "audit",
        d,
        "--control",
        "vendor-management",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let c = &v["controls"][0];
    assert_eq!(c["status"], "not_evidenced");
    assert_eq!(c["reason"], "vendors.csv: 1 row rejected as bad input");
    // The rest of the file is still tested.
    assert_eq!(c["tests"][0]["population"], 1);
    assert_eq!(c["tests"][0]["deviations"][0]["item"], "v2");
    assert_eq!(
        c["tests"][0]["deviations"][0]["reasons"],
        serde_json::json!(["no_tier"])
    );
    assert_eq!(
        c["tests"][0]["deviations"][0]["evidence"],
        serde_json::json!([{"file": "vendors.csv", "line": 3}])
    );
    let diag = &v["diagnostics"][0];
    assert_eq!(
        (
            diag["code"].as_str(),
            diag["file"].as_str(),
            diag["line"].as_u64(),
            diag["column"].as_u64()
        ),
        (
            Some("naive-timestamp"),
            Some("vendors.csv"),
            Some(2),
            Some(10)
        )
    );
    // In text, the diagnostic shows the offending line with a caret.
    let o = fieldcheck(&["audit", d, "--control", "vendor-management"]);
    let err = stderr(&o);
    assert!(
        err.contains("--> vendors.csv:2:10 (field `last_reviewed_at`)"),
        "{err}"
    );
    assert!(err.contains("2 | v1,Pay,2,2026-03-01T00:00:00"), "{err}");
    assert!(err.contains("^^^^^^^^^^^^^^^^^^^"), "{err}");
    assert!(
        stdout(&o).contains("not evidenced: vendors.csv: 1 row rejected as bad input"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn init_writes_a_kit_that_audits() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("kit");
    let k = kit.to_str().expect("utf8");
    let o = fieldcheck(&["init", k]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(kit.join("people.csv"))
            .expect("people")
            .starts_with("person_id,email,name,manager_id,")
    );
    let o = fieldcheck(&["init", k]);
    assert_eq!(o.status.code(), Some(2), "refuses to overwrite");
    let o = fieldcheck(&["audit", k, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["controls"].as_array().map(Vec::len), Some(10));
    let statuses: Vec<&str> = v["controls"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["status"].as_str().unwrap_or(""))
        .collect();
    // An empty kit shows no control effective: empty populations did not occur, except change
    // management's, which must not be empty (v2).
    assert_eq!(
        statuses,
        [
            "not_occurring",
            "not_occurring",
            "not_evidenced",
            "not_occurring",
            "not_occurring",
            "not_occurring",
            "not_occurring",
            "not_occurring",
            "exceptions",
            "exceptions"
        ]
    );
    assert_eq!(
        v["controls"][2]["reason"],
        "no production deploys of in-scope systems in the window"
    );
    assert_eq!(v["controls"][2]["tests"][0]["status"], "not_occurring");
    // Quarters still need a phishing simulation and a risk review.
    assert_eq!(v["summary"]["failing"], 3);
    assert_eq!(v["summary"]["not_occurring"], 7);
    // The security-training control failed on phishing, and names its test that did not occur.
    let training = &v["controls"][8];
    assert_eq!(training["tests"][0]["status"], "not_occurring");
    assert_eq!(training["tests"][1]["status"], "exceptions");
    assert_eq!(training["notes"][0]["item"], "training-completion");
    // The text report lists the controls that never ran apart from the effective ones.
    let o = fieldcheck(&["audit", k]);
    let text = stdout(&o);
    assert!(
        text.contains("7 not occurring, never ran in the window (access-reviews, service-accounts, vendor-management, backup-restore, leaver-deprovisioning, privileged-sessions, encryption); 0 effective"),
        "{text}"
    );
    // A sample of a test that did not occur is empty.
    let out = dir.path().join("pbc.csv");
    let o = fieldcheck(&["sample", k, "--out", out.to_str().expect("utf8")]);
    assert!(
        stdout(&o).contains("did not occur: no sample"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn population_zero_is_never_effective_and_exits_0() {
    // One vendor-management kit with no vendor: the control never ran; not failing, exit 0.
    let dir = tempfile::tempdir().expect("tmp");
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            ("vendors.csv", "vendor_id,name,tier\n"),
        ],
    );
    let d = dir.path().to_str().expect("utf8");
    let o = fieldcheck(&[
        "audit",
        d,
        "--control",
        "vendor-management",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["controls"][0]["status"], "not_occurring");
    assert_eq!(v["controls"][0]["conclusion"], "not_occurring");
    assert_eq!(
        v["controls"][0]["conclusion_reason"],
        "not occurring: no vendors in the window; an auditor asks for the recorded zero"
    );
    assert_eq!(v["summary"]["conclusions"]["not_occurring"], 1);
    assert_eq!(v["controls"][0]["tests"][0]["status"], "not_occurring");
    assert_eq!(v["summary"]["failing"], 0);
    assert_eq!(v["summary"]["not_occurring"], 1);
    assert_eq!(v["summary"]["risk"], "low");
    let o = fieldcheck(&[
        "audit",
        d,
        "--control",
        "vendor-management",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(
            "| `vendor-management` | CC9.2 | ⏸️ not occurring | not occurring | 0 | 0 | 0 % |"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn controls_lists_the_catalog() {
    let o = fieldcheck(&["controls", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(10));
    assert_eq!(v[5]["id"], "leaver-deprovisioning");
    assert_eq!(v[5]["parameters"][0]["default"], "same_day");
    let o = fieldcheck(&["controls"]);
    assert!(stdout(&o).contains("late_deprovision"));
}

#[test]
fn scoped_out_controls_are_not_applicable() {
    let dir = tempfile::tempdir().expect("tmp");
    write_files(
        dir.path(),
        &[(
            "fieldcheck.toml",
            &format!(
                "{CONFIG}[controls.backup-restore]\nenabled = false\nreason = \"no stored customer data\"\n"
            ),
        )],
    );
    let o = fieldcheck(&[
        "audit",
        dir.path().to_str().expect("utf8"),
        "--control",
        "backup-restore",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["controls"][0]["status"], "not_applicable");
    assert_eq!(v["controls"][0]["reason"], "no stored customer data");
}

#[test]
fn the_demo_kit_audits_in_every_format_deterministically() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("demo");
    let k = kit.to_str().expect("utf8");
    let o = fieldcheck(&["demo", "--out", k]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(kit.join("fieldcheck.toml").is_file());

    // The user's cache key lives in the user's cache folder, here the test's own.
    let user = dir.path().join("user-cache");
    let u = user.to_str().expect("utf8");
    let audit = |user: &str, extra: &[&str]| {
        let mut args = vec!["audit", k, "--format", "json"];
        args.extend_from_slice(extra);
        // Every file of 1 MiB or more: the demo's login events, not its small files.
        common::run(
            &args,
            &[
                ("XDG_CACHE_HOME", user),
                ("FIELDCHECK_CACHE_MIN_BYTES", "1048576"),
            ],
        )
    };
    let cold = audit(u, &["--no-cache"]);
    assert!(
        !kit.join(".fieldcheck/cache").exists(),
        "--no-cache writes none"
    );
    let a = audit(u, &[]);
    let b = audit(u, &[]);
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(a.stdout, b.stdout, "two runs give byte-identical JSON");
    // The first run wrote the cache of parsed files and the second read from it: both say what
    // a run reading every file says. The cache keeps itself out of git.
    assert_eq!(a.stdout, cold.stdout);
    let cache = kit.join(".fieldcheck/cache");
    let written = std::fs::read(cache.join("account_events.fcc")).expect("a cache file");
    assert!(std::fs::read_to_string(cache.join(".gitignore")).is_ok_and(|t| t.ends_with("*\n")));
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(user.join("fieldcheck/cache.key")).expect("the user's key");
        assert_eq!((key.len(), key.permissions().mode() & 0o777), (32, 0o600));
    }
    // Another user (a cache shipped in a kit is someone else's): it is not used but replaced,
    // and the report is the same.
    let other = dir.path().join("other-user");
    let c = audit(other.to_str().expect("utf8"), &[]);
    assert_eq!(c.stdout, cold.stdout);
    let rewritten = std::fs::read(cache.join("account_events.fcc")).expect("a cache file");
    assert_ne!(
        rewritten, written,
        "the other user's audit wrote its own cache"
    );
    assert_eq!(b.stdout, audit(u, &[]).stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).expect("json");
    assert_eq!(v["format"], "fieldcheck.audit/v1");
    let ids: Vec<&str> = v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "access-reviews",
            "service-accounts",
            "change-management",
            "vendor-management",
            "backup-restore",
            "leaver-deprovisioning",
            "privileged-sessions",
            "encryption",
            "security-training",
            "risk-register"
        ]
    );
    assert_eq!(v["summary"]["risk"], "material");
    // Readiness: effective controls cannot produce an exception; failing ones can.
    assert_eq!(v["controls"][6]["exception_probability"], 0.0);
    assert!(
        v["controls"][0]["exception_probability"]
            .as_f64()
            .unwrap_or(0.0)
            > 0.0
    );
    assert!(
        v["summary"]["exception_probability"]
            .as_f64()
            .unwrap_or(0.0)
            > 0.99
    );
    for c in v["controls"].as_array().expect("controls") {
        for t in c["tests"].as_array().expect("tests") {
            for d in t["deviations"].as_array().expect("deviations") {
                let reasons: Vec<&str> = d["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| r.as_str().unwrap_or(""))
                    .collect();
                let mut sorted = reasons.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(reasons, sorted, "reasons are sorted and unique");
                // Every deviation points at evidence, except the absence of anything in a period.
                let period_only = ["phishing-simulations", "register-refresh"]
                    .contains(&t["id"].as_str().unwrap_or(""));
                assert!(
                    period_only || !d["evidence"].as_array().expect("evidence").is_empty(),
                    "every deviation points at evidence: {d}"
                );
            }
        }
    }

    let text = fieldcheck(&["audit", k]);
    assert_eq!(text.status.code(), Some(1));
    let t = stdout(&text);
    assert!(t.contains("fieldcheck audit · Northpeak Software"), "{t}");
    assert!(t.contains("self-check: material"), "{t}");
    assert!(!t.contains('\u{1b}'), "plain text when not a terminal");

    let md = fieldcheck(&["audit", k, "--format", "markdown"]);
    assert_eq!(md.status.code(), Some(1));
    let m = stdout(&md);
    assert!(
        m.starts_with("# SOC 2 readiness: Northpeak Software"),
        "{m}"
    );
    assert!(m.contains("| `access-reviews` | CC6.2 |"), "{m}");

    // `demo` without --out audits the same kit and exits 0.
    let shown = fieldcheck(&["demo", "--format", "json"]);
    assert_eq!(shown.status.code(), Some(0));
    let w: serde_json::Value = serde_json::from_str(&stdout(&shown)).expect("json");
    assert_eq!(w["controls"], v["controls"]);
}

#[test]
fn the_auditors_sample_is_reproducible_and_written_as_a_pbc_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("demo");
    let k = kit.to_str().expect("utf8");
    assert_eq!(fieldcheck(&["demo", "--out", k]).status.code(), Some(0));
    let out_a = dir.path().join("a");
    let out_b = dir.path().join("b");
    let a = fieldcheck(&[
        "sample",
        k,
        "--engagement",
        "2026",
        "--out",
        out_a.to_str().expect("utf8"),
    ]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert!(
        stdout(&a).contains("fieldcheck sample · engagement 2026"),
        "{}",
        stdout(&a)
    );
    let b = fieldcheck(&[
        "sample",
        k,
        "--engagement",
        "2026",
        "--out",
        out_b.to_str().expect("utf8"),
    ]);
    assert_eq!(b.status.code(), Some(0));
    let csv_a = std::fs::read_to_string(out_a.join("pbc-request-list.csv")).expect("csv");
    let csv_b = std::fs::read_to_string(out_b.join("pbc-request-list.csv")).expect("csv");
    assert_eq!(csv_a, csv_b, "same seed, same sample");
    assert!(csv_a.starts_with("request,control,criteria,test,unit,rank,item,evidence requested,fieldcheck finding,reasons,detail,evidence\n"));
    // The XLSX is a real workbook (a zip with both sheets).
    let xlsx = std::fs::read(out_a.join("pbc-request-list.xlsx")).expect("xlsx");
    assert_eq!(&xlsx[..2], b"PK");
    // Sampled items are items of the audited population, and deviations match the audit's.
    let audit: serde_json::Value =
        serde_json::from_str(&stdout(&fieldcheck(&["audit", k, "--format", "json"])))
            .expect("json");
    let mut deviating = std::collections::BTreeSet::new();
    for c in audit["controls"].as_array().expect("controls") {
        for t in c["tests"].as_array().expect("tests") {
            for d in t["deviations"].as_array().expect("devs") {
                deviating.insert(format!(
                    "{}/{}/{}",
                    c["id"].as_str().unwrap_or(""),
                    t["id"].as_str().unwrap_or(""),
                    d["item"].as_str().unwrap_or("")
                ));
            }
        }
    }
    let mut rows = 0;
    let mut reader = csv_rows(&csv_a);
    for row in reader.by_ref() {
        rows += 1;
        let (key, finding) = (format!("{}/{}/{}", row[1], row[3], row[6]), &row[8]);
        assert_eq!(
            finding == "deviation",
            deviating.contains(&key),
            "{key}: {finding}"
        );
    }
    // One sample per test, as the plan sizes it (never more than the population).
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_a.join("sample-plan.json")).expect("plan"),
    )
    .expect("json");
    let planned: usize = plan["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| t["sample_size"].as_u64().unwrap_or(0) as usize)
        .sum();
    assert_eq!(rows, planned);
    let deploys = &audit["controls"][2]["tests"][0]["sampling"];
    assert_eq!(
        (
            deploys["frequency"].as_str(),
            deploys["sample_size"].as_u64(),
            deploys["extended_sample_size"].as_u64()
        ),
        (Some("event"), Some(29), Some(46))
    );
    // Another engagement draws another sample.
    let c = fieldcheck(&[
        "sample",
        k,
        "--engagement",
        "2027",
        "--out",
        out_b.to_str().expect("utf8"),
    ]);
    assert_eq!(c.status.code(), Some(0));
    assert_ne!(
        std::fs::read_to_string(out_b.join("pbc-request-list.csv")).expect("csv"),
        csv_a
    );
}

#[test]
fn a_firms_own_sample_sizes_replace_the_table() {
    let dir = tempfile::tempdir().expect("tmp");
    let table = stdout(&fieldcheck(&["sample", "--print-table"]));
    assert!(table.contains("[[population]]"), "{table}");
    write_files(
        dir.path(),
        &[
            (
                "fieldcheck.toml",
                &format!("{CONFIG}[sampling]\ntable = \"sizes.toml\"\n"),
            ),
            ("sizes.toml", &table.replace("size = 29", "size = 40")),
            (
                "vendors.csv",
                &format!(
                    "vendor_id,tier,last_reviewed_at\n{}",
                    (0..100)
                        .map(|i| format!("v{i},2,2026-03-01T00:00:00Z\n"))
                        .collect::<String>()
                ),
            ),
        ],
    );
    let d = dir.path().to_str().expect("utf8");
    let v: serde_json::Value = serde_json::from_str(&stdout(&fieldcheck(&[
        "audit",
        d,
        "--control",
        "vendor-management",
        "--format",
        "json",
    ])))
    .expect("json");
    assert_eq!(v["controls"][0]["tests"][0]["sampling"]["sample_size"], 40);
    write_files(dir.path(), &[("sizes.toml", "name = \"broken\"\n")]);
    let o = fieldcheck(&["audit", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sample-size table"), "{}", stderr(&o));
}

/// The rows of a CSV text (without its header).
fn csv_rows(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    csv::Reader::from_reader(text.as_bytes())
        .into_records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
}

fn fieldcheck_at(now: &str, args: &[&str]) -> Output {
    common::run(args, &[("FIELDCHECK_NOW", now), ("USER", "tester")])
}

#[test]
fn a_control_that_did_not_occur_or_is_not_evidenced_remediates_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let k = dir.path().to_str().expect("utf8");
    let head = "vendor_id,name,tier,data_access,last_reviewed_at,subprocessor_clause\n";
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "vendors.csv",
                &format!("{head}v2,Mail,,none,2026-03-01T00:00:00Z,\n"),
            ),
        ],
    );
    let record = |now: &str| {
        fieldcheck_at(
            now,
            &["audit", k, "--control", "vendor-management", "--record"],
        )
    };
    let o = record("2026-07-10T12:00:00Z");
    assert!(stderr(&o).contains("1 opened"), "{}", stderr(&o));
    // The vendor list comes back empty: nothing was tested, so v2 is not remediated.
    write_files(dir.path(), &[("vendors.csv", head)]);
    let o = record("2026-07-11T12:00:00Z");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 remediated"), "{}", stderr(&o));
    // Nor when the file is missing (not evidenced).
    std::fs::remove_file(dir.path().join("vendors.csv")).expect("remove");
    let o = record("2026-07-12T12:00:00Z");
    assert!(stderr(&o).contains("0 remediated"), "{}", stderr(&o));
    // Boundary: a tested population without the deviation remediates it.
    write_files(
        dir.path(),
        &[(
            "vendors.csv",
            &format!("{head}v2,Mail,3,none,2026-03-01T00:00:00Z,\n"),
        )],
    );
    let o = record("2026-07-13T12:00:00Z");
    assert!(stderr(&o).contains("1 remediated"), "{}", stderr(&o));
}

#[test]
fn the_burndown_projects_only_after_a_week_of_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let k = dir.path().to_str().expect("utf8");
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "vendors.csv",
                "vendor_id,name,tier,data_access,last_reviewed_at,subprocessor_clause\nv1,Pay,,none,2026-03-01T00:00:00Z,\nv2,Mail,,none,2026-03-01T00:00:00Z,\n",
            ),
        ],
    );
    let record = |now: &str| {
        fieldcheck_at(
            now,
            &["audit", k, "--control", "vendor-management", "--record"],
        )
    };
    let why = "a projection needs at least 7 days between the first and last recorded runs";
    record("2026-07-10T12:00:00Z");
    // Two runs seconds apart: no rate, and the reason.
    let o = record("2026-07-10T12:00:05Z");
    assert!(
        stderr(&o).contains(&format!(
            "remediation: 2 exceptions open after run 2 on 2026-07-10 (none of them overdue then); runs span 0.0 days so far; {why}"
        )),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("a day"), "{}", stderr(&o));
    // The vendor reviewed 6 days 23 hours later: still too short to project.
    write_files(
        dir.path(),
        &[(
            "vendors.csv",
            "vendor_id,name,tier,data_access,last_reviewed_at,subprocessor_clause\nv1,Pay,2,none,2026-03-01T00:00:00Z,\nv2,Mail,,none,2026-03-01T00:00:00Z,\n",
        )],
    );
    record("2026-07-17T11:00:00Z");
    let burndown = |now: &str| stdout(&fieldcheck_at(now, &["exceptions", "--kit", k, "burndown"]));
    let b = burndown("2026-07-17T11:00:00Z");
    assert!(
        b.contains(&format!("runs span 6.9 days so far; {why}")),
        "{b}"
    );
    // A week after the first run it projects: 1 closed in 7 days, 1 left.
    record("2026-07-17T12:00:00Z");
    let b = burndown("2026-07-17T12:00:00Z");
    assert!(
        b.contains("1 exception open after run 4 on 2026-07-17 (none of them overdue then), closing 0.1 a day: zero projected around 2026-07-24"),
        "{b}"
    );
}

#[test]
fn the_register_runs_from_first_audit_to_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let k = dir.path().to_str().expect("utf8");
    let vendors = |rows: &str| {
        format!("vendor_id,name,tier,data_access,last_reviewed_at,subprocessor_clause\n{rows}")
    };
    write_files(
        dir.path(),
        &[
            (
                "fieldcheck.toml",
                &format!(
                    "{CONFIG}[controls.vendor-management]\nowner = \"procurement@acme.test\"\ntarget_days = 30\n"
                ),
            ),
            (
                "vendors.csv",
                &vendors(
                    "v1,Pay,2,none,2026-03-01T00:00:00Z,\nv2,Mail,,none,2026-03-01T00:00:00Z,\nv3,Ads,2,production,2026-03-01T00:00:00Z,false\n",
                ),
            ),
        ],
    );
    // First recorded audit: two exceptions, owned and targeted from the config.
    let o = fieldcheck_at(
        "2026-07-10T12:00:00Z",
        &["audit", k, "--control", "vendor-management", "--record"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("run 1 recorded") && stderr(&o).contains("2 opened"),
        "{}",
        stderr(&o)
    );
    let list: serde_json::Value = serde_json::from_str(&stdout(&fieldcheck_at(
        "2026-07-10T12:00:00Z",
        &["exceptions", "--kit", k, "list", "--format", "json"],
    )))
    .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["id"], "vendor-management/vendor-records/v2");
    assert_eq!(
        (
            list[0]["owner"].as_str(),
            list[0]["target"].as_str(),
            list[0]["status"].as_str()
        ),
        (
            Some("procurement@acme.test"),
            Some("2026-08-09"),
            Some("open")
        )
    );
    // People work on them.
    let id = "vendor-management/vendor-records/v3";
    assert_eq!(
        fieldcheck_at(
            "2026-07-11T09:00:00Z",
            &[
                "exceptions",
                "--kit",
                k,
                "assign",
                id,
                "legal@acme.test",
                "--why",
                "contract change"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        fieldcheck_at(
            "2026-07-11T09:00:00Z",
            &[
                "exceptions",
                "--kit",
                k,
                "status",
                id,
                "in_remediation",
                "--why",
                "DPA sent"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    let bad = fieldcheck_at(
        "2026-07-11T09:00:00Z",
        &[
            "exceptions",
            "--kit",
            k,
            "accept",
            id,
            "--approver",
            "cfo",
            "--reason",
            "x",
            "--until",
            "2026-07-01",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("must expire after today"),
        "{}",
        stderr(&bad)
    );
    // The fix lands: the next recorded run remediates v3, and v2 is fixed too.
    write_files(
        dir.path(),
        &[(
            "vendors.csv",
            &vendors(
                "v1,Pay,2,none,2026-03-01T00:00:00Z,\nv2,Mail,3,none,2026-03-01T00:00:00Z,\nv3,Ads,2,production,2026-03-01T00:00:00Z,true\n",
            ),
        )],
    );
    let o = fieldcheck_at(
        "2026-07-20T12:00:00Z",
        &["audit", k, "--control", "vendor-management", "--record"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("2 remediated"), "{}", stderr(&o));
    let show = stdout(&fieldcheck_at(
        "2026-07-20T12:00:00Z",
        &["exceptions", "--kit", k, "show", id],
    ));
    assert!(
        show.contains("owner: procurement@acme.test → legal@acme.test (contract change)"),
        "{show}"
    );
    assert!(
        show.contains(
            "status: in_remediation → remediated (not found by run 2, which re-tested it on complete evidence)"
        ),
        "{show}"
    );
    // A regression reopens.
    write_files(
        dir.path(),
        &[(
            "vendors.csv",
            &vendors(
                "v1,Pay,2,none,2026-03-01T00:00:00Z,\nv2,Mail,,none,2026-03-01T00:00:00Z,\nv3,Ads,2,production,2026-03-01T00:00:00Z,true\n",
            ),
        )],
    );
    let o = fieldcheck_at(
        "2026-07-25T12:00:00Z",
        &["audit", k, "--control", "vendor-management", "--record"],
    );
    assert!(stderr(&o).contains("1 reopened"), "{}", stderr(&o));
    // Burndown and export.
    let b = fieldcheck_at(
        "2026-07-25T12:00:00Z",
        &[
            "exceptions",
            "--kit",
            k,
            "burndown",
            "--csv",
            &format!("{k}/burndown.csv"),
        ],
    );
    assert!(stdout(&b).contains("run   3"), "{}", stdout(&b));
    // 15 days from the first run (2 open) to the latest (1 open): one closed in 15 days.
    assert!(
        stdout(&b).contains(
            "1 exception open after run 3 on 2026-07-25 (none of them overdue then), closing 0.1 a day: zero projected around 2026-08-09"
        ),
        "{}",
        stdout(&b)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("burndown.csv"))
            .expect("csv")
            .lines()
            .count(),
        4
    );
    assert_eq!(
        fieldcheck_at(
            "2026-07-25T12:00:00Z",
            &[
                "exceptions",
                "--kit",
                k,
                "export",
                "--out",
                &format!("{k}/register.xlsx")
            ]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        &std::fs::read(dir.path().join("register.xlsx")).expect("xlsx")[..2],
        b"PK"
    );
    let overdue = stdout(&fieldcheck_at(
        "2026-09-01T12:00:00Z",
        &[
            "exceptions",
            "--kit",
            k,
            "list",
            "--overdue",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(overdue.lines().count(), 2, "{overdue}");
}

#[test]
fn a_shared_register_in_postgresql() {
    // scripts/test.sh starts a throwaway PostgreSQL server and names it here.
    let Some(url) = common::postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let k = dir.path().to_str().expect("utf8");
    write_files(
        dir.path(),
        &[
            ("fieldcheck.toml", CONFIG),
            (
                "vendors.csv",
                "vendor_id,tier,last_reviewed_at\nv1,,2026-03-01T00:00:00Z\nv2,,2026-03-01T00:00:00Z\n",
            ),
        ],
    );
    let o = fieldcheck_at(
        "2026-07-10T12:00:00Z",
        &[
            "audit",
            k,
            "--control",
            "vendor-management",
            "--record",
            "--database",
            &url,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 opened") || stderr(&o).contains("still open"),
        "{}",
        stderr(&o)
    );
    let list = stdout(&fieldcheck_at(
        "2026-07-10T12:00:00Z",
        &[
            "exceptions",
            "--database",
            &url,
            "list",
            "--control",
            "vendor-management",
            "--format",
            "csv",
        ],
    ));
    assert!(
        list.lines()
            .any(|l| l.starts_with("vendor-management/vendor-records/v1,")),
        "{list}"
    );
}

#[test]
fn ingest_carries_a_utf16_or_cr_only_kit_file_over_as_it_reads() {
    let tmp = tempfile::tempdir().expect("temp");
    let kit = tmp.path().join("kit");
    let o = fieldcheck(&["demo", "--people", "60", "--out", kit.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let clean_out = tmp.path().join("clean");
    let o = fieldcheck(&[
        "ingest",
        kit.to_str().unwrap(),
        "--out",
        clean_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // vendors.csv as UTF-16 with its byte-order mark, systems.csv with CR line ends.
    let vendors = std::fs::read_to_string(kit.join("vendors.csv")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in vendors.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    std::fs::write(kit.join("vendors.csv"), utf16).unwrap();
    let systems = std::fs::read_to_string(kit.join("systems.csv")).unwrap();
    std::fs::write(kit.join("systems.csv"), systems.replace('\n', "\r")).unwrap();
    let out = tmp.path().join("out");
    let o = fieldcheck(&[
        "ingest",
        kit.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["vendors.csv", "systems.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(clean_out.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn demo_out_refuses_a_folder_with_files_unless_forced() {
    let dir = tempfile::tempdir().expect("tmp");
    let k = dir.path().to_str().expect("utf8");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let o = fieldcheck(&["demo", "--people", "20", "--out", k]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(
        !dir.path().join("fieldcheck.toml").exists(),
        "nothing written"
    );
    // Boundary: an empty folder takes the demo without --force, and --force writes beside files.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let o = fieldcheck(&["demo", "--people", "20", "--out", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = fieldcheck(&["demo", "--people", "20", "--out", k, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("fieldcheck.toml").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn demo_with_no_people_says_so() {
    let o = fieldcheck(&["demo", "--people", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least one person"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("temporary"), "{}", stderr(&o));
    // Boundary: one person is a company.
    let o = fieldcheck(&["demo", "--people", "1", "--format", "json"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Does this output hold an ANSI escape?
fn has_escape(b: &[u8]) -> bool {
    b.contains(&0x1b)
}

#[test]
fn the_kit_is_positional_everywhere_with_kit_as_an_alias_and_help_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("kit");
    let k = kit.to_str().expect("utf8");
    let o = fieldcheck(&["demo", "--people", "40", "--out", k]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The same audit, by KIT or by `--kit`; both at once is refused.
    let by_arg = fieldcheck(&["audit", k, "--format", "json"]);
    let by_flag = fieldcheck(&["audit", "--kit", k, "--format", "json"]);
    assert_eq!(by_arg.status.code(), Some(1), "{}", stderr(&by_arg));
    assert_eq!(stdout(&by_arg), stdout(&by_flag));
    let both = fieldcheck(&["audit", k, "--kit", k]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
    // The help says what is required: audit's kit is, sample's is unless it prints a table.
    let help = stdout(&fieldcheck(&["audit", "--help"]));
    assert!(
        help.contains("fieldcheck audit [OPTIONS] <KIT|--kit <DIR>>"),
        "{help}"
    );
    let missing = fieldcheck(&["audit"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("<KIT|--kit <DIR>>"),
        "{}",
        stderr(&missing)
    );
    let help = stdout(&fieldcheck(&["sample", "--help"]));
    assert!(
        help.contains("required, except with `--print-table`, `--table` or `--rederive`"),
        "{help}"
    );
    assert_eq!(fieldcheck(&["sample"]).status.code(), Some(2));
    assert_eq!(
        fieldcheck(&["sample", "--print-table"]).status.code(),
        Some(0)
    );
    let by_flag = fieldcheck(&[
        "sample",
        "--kit",
        k,
        "--engagement",
        "e",
        "--format",
        "json",
    ]);
    let by_arg = fieldcheck(&["sample", k, "--engagement", "e", "--format", "json"]);
    assert_eq!(by_flag.status.code(), Some(0), "{}", stderr(&by_flag));
    assert_eq!(stdout(&by_flag), stdout(&by_arg));
    // The register's commands take the kit last, or `--kit` (the only form before).
    let o = common::run(
        &["audit", k, "--record", "--format", "json"],
        &[
            ("FIELDCHECK_NOW", "2026-07-10T12:00:00Z"),
            ("USER", "tester"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let positional = fieldcheck(&["exceptions", "list", k, "--format", "json"]);
    assert_eq!(positional.status.code(), Some(0), "{}", stderr(&positional));
    assert_eq!(
        stdout(&positional),
        stdout(&fieldcheck(&[
            "exceptions",
            "--kit",
            k,
            "list",
            "--format",
            "json"
        ]))
    );
    assert_eq!(
        stdout(&positional),
        stdout(&fieldcheck(&[
            "exceptions",
            "list",
            "--kit",
            k,
            "--format",
            "json"
        ]))
    );
    let two = fieldcheck(&["exceptions", "--kit", "elsewhere", "list", k]);
    assert_eq!(two.status.code(), Some(2));
    assert!(stderr(&two).contains("two kits given"), "{}", stderr(&two));
    let help = stdout(&fieldcheck(&["exceptions", "list", "--help"]));
    assert!(
        help.contains("fieldcheck exceptions list [OPTIONS] [KIT]"),
        "{help}"
    );
    // The locker's commands take the locker or a kit holding it, or `--kit`.
    let now = [("FIELDCHECK_NOW", "2026-07-10T12:00:00Z")];
    assert_eq!(
        common::run(&["collect", "--kit", k], &now).status.code(),
        Some(0)
    );
    let a = common::run(&["locker", "log", k, "--format", "json"], &now);
    let b = common::run(&["locker", "log", "--kit", k, "--format", "json"], &now);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn one_format_vocabulary_with_markdown_wherever_a_report_prints() {
    // `controls --format markdown` is the reference, no longer refused.
    let md = fieldcheck(&["controls", "--format", "markdown"]);
    assert_eq!(md.status.code(), Some(0), "{}", stderr(&md));
    let md = stdout(&md);
    assert!(md.starts_with("# Controls\n"), "{md}");
    assert!(md.contains("access-reviews"), "{md}");
    // A format a command cannot write is refused with the ones it can.
    let o = fieldcheck(&["controls", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("[possible values: text, json, markdown]"),
        "{}",
        stderr(&o)
    );
    let o = fieldcheck(&["audit", ".", "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("possible values: text, json, markdown"),
        "{}",
        stderr(&o)
    );
    // Every report command takes the three.
    for args in [
        &["sources", "okta-users"][..],
        &["sources"][..],
        &["controls"][..],
    ] {
        for (format, starts) in [("text", ""), ("json", ""), ("markdown", "#")] {
            let mut all = args.to_vec();
            all.extend_from_slice(&["--format", format]);
            let o = fieldcheck(&all);
            assert_eq!(o.status.code(), Some(0), "{all:?}: {}", stderr(&o));
            let out = stdout(&o);
            assert!(out.starts_with(starts), "{all:?}: {out}");
            if format == "json" {
                serde_json::from_str::<serde_json::Value>(&out).expect("json");
            }
        }
    }
    let md = stdout(&fieldcheck(&[
        "sources",
        "okta-users",
        "--format",
        "markdown",
    ]));
    assert!(md.contains("### `okta-users`"), "{md}");
    assert!(!md.contains("`okta-system-log`"), "one adapter: {md}");
    // The sample's summary, as JSON (the plan) and as a table.
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("kit");
    let k = kit.to_str().expect("utf8");
    assert_eq!(
        fieldcheck(&["demo", "--people", "40", "--out", k])
            .status
            .code(),
        Some(0)
    );
    let plan: serde_json::Value =
        serde_json::from_str(&stdout(&fieldcheck(&["sample", k, "--format", "json"])))
            .expect("json");
    assert_eq!(plan["format"], "fieldcheck-sample-plan/1");
    let md = stdout(&fieldcheck(&["sample", k, "--format", "markdown"]));
    let header = "| Test | Unit | Frequency | Sample | Deviations | P(find) | UDL | Reliance |";
    assert!(md.contains(header), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows.len() > 10, "{md}");
    for r in rows {
        // 8 cells are 9 pipes (escaped ones are inside a cell).
        assert_eq!(r.matches('|').count() - r.matches("\\|").count(), 9, "{r}");
    }
    // The locker's verify and log.
    let now = [("FIELDCHECK_NOW", "2026-07-10T12:00:00Z")];
    assert_eq!(common::run(&["collect", k], &now).status.code(), Some(0));
    let v = common::run(&["locker", "verify", k, "--format", "markdown"], &now);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    assert!(
        stdout(&v).starts_with("# Evidence locker verification\n"),
        "{}",
        stdout(&v)
    );
    assert!(stdout(&v).contains("intact"), "{}", stdout(&v));
    let l = common::run(&["locker", "log", k, "--format", "markdown"], &now);
    assert_eq!(l.status.code(), Some(0), "{}", stderr(&l));
    assert!(
        stdout(&l).contains("| Source | Cadence | First | Last | Coverage of the window |"),
        "{}",
        stdout(&l)
    );
}

#[test]
fn color_is_chosen_by_the_flag_then_no_color() {
    // Piped, colours are off unless asked for; `--color` is global (before or after the command).
    assert!(!has_escape(&fieldcheck(&["controls"]).stdout));
    assert!(has_escape(
        &fieldcheck(&["--color", "always", "controls"]).stdout
    ));
    assert!(has_escape(
        &fieldcheck(&["controls", "--color", "always"]).stdout
    ));
    assert!(!has_escape(
        &fieldcheck(&["controls", "--color", "never"]).stdout
    ));
    // NO_COLOR turns `auto` off, even against CLICOLOR_FORCE; an explicit `always` wins.
    let env_run = |args: &[&str], env: &[(&str, &str)]| common::run(args, env).stdout;
    assert!(has_escape(&env_run(
        &["controls"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(!has_escape(&env_run(
        &["controls"],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
    )));
    assert!(has_escape(&env_run(
        &["--color", "always", "controls"],
        &[("NO_COLOR", "1")]
    )));
    // Errors on stderr follow the same choice.
    let o = fieldcheck(&["--color", "always", "audit", "/no/such/kit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(has_escape(&o.stderr), "{}", stderr(&o));
    let o = fieldcheck(&["--color", "never", "audit", "/no/such/kit"]);
    assert!(!has_escape(&o.stderr), "{}", stderr(&o));
    // JSON is never coloured.
    assert!(!has_escape(
        &fieldcheck(&["--color", "always", "controls", "--format", "json"]).stdout
    ));
}
