//! The register never mistakes missing evidence for a fix, end to end on the demo kit: deleted
//! files and rows remediate nothing (a property over random deletions), a fix seen on complete
//! evidence does, departures from a population are printed, management's response is kept; and
//! every CSV fieldcheck writes is neutralised against formulas.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{run, s, text};
use serde_json::Value;

const NOW: &str = "2026-10-20T15:00:00Z";

/// `fieldcheck ARGS` at a fixed time, as `tester`.
fn at(now: &str, args: &[&str]) -> Output {
    run(args, &[("FIELDCHECK_NOW", now), ("USER", "tester")])
}

/// A recorded audit of `kit` into `db`, which must run (exit 0 or 1); its stderr.
fn record(kit: &Path, db: &Path, now: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "audit",
        s(kit),
        "--record",
        "--database",
        s(db),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = at(now, &args);
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&o.stderr)
    );
    text(&o.stderr)
}

/// The register's exceptions as JSON.
fn exceptions(db: &Path, filter: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "exceptions",
        "--database",
        s(db),
        "list",
        "--format",
        "json",
    ];
    args.extend_from_slice(filter);
    let o = at(NOW, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice::<Value>(&o.stdout)
        .expect("json")
        .as_array()
        .expect("a list")
        .clone()
}

fn show(db: &Path, id: &str) -> Value {
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(db),
            "show",
            id,
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// The demo kit in `dir/kit`.
fn demo(dir: &Path) -> PathBuf {
    let kit = dir.join("kit");
    let o = run(&["demo", "--out", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    kit
}

/// Rewrites a kit CSV: keeps the header and the rows `keep` says yes to (by their cells).
fn filter_rows(path: &Path, mut keep: impl FnMut(&[String]) -> bool) -> usize {
    let text = std::fs::read_to_string(path).expect("read");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().expect("header").clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("write");
    let mut dropped = 0;
    for rec in r.records() {
        let cells: Vec<String> = rec.expect("row").iter().map(str::to_string).collect();
        if keep(&cells) {
            w.write_record(&cells).expect("write");
        } else {
            dropped += 1;
        }
    }
    std::fs::write(path, w.into_inner().expect("flush")).expect("write");
    dropped
}

/// Rewrites the cells of the rows whose first cell is `key`.
fn edit_row(path: &Path, key: &str, edit: impl Fn(&csv::StringRecord, &mut Vec<String>)) {
    let text = std::fs::read_to_string(path).expect("read");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().expect("header").clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("write");
    let mut found = false;
    for rec in r.records() {
        let mut cells: Vec<String> = rec.expect("row").iter().map(str::to_string).collect();
        if cells[0] == key {
            edit(&header, &mut cells);
            found = true;
        }
        w.write_record(&cells).expect("write");
    }
    assert!(found, "no row {key} in {}", path.display());
    std::fs::write(path, w.into_inner().expect("flush")).expect("write");
}

fn column(header: &csv::StringRecord, name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn ids_with_status(db: &Path, status: &str) -> Vec<String> {
    exceptions(db, &["--status", status])
        .iter()
        .map(|e| e["id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_deleted_file_remediates_nothing_and_says_why_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let vendors = exceptions(&db, &["--control", "vendor-management"]);
    assert_eq!(vendors.len(), 9, "the demo's vendor exceptions");
    std::fs::remove_file(kit.join("vendors.csv")).expect("rm");
    let err = record(&kit, &db, "2026-10-21T15:00:00Z", &[]);
    assert!(err.contains("0 remediated"), "{err}");
    // Those of vendor-management and risk-register's vendor coverage.
    assert!(err.contains("12 not found but not verified fixed"), "{err}");
    record(&kit, &db, "2026-10-22T15:00:00Z", &[]);
    assert!(ids_with_status(&db, "remediated").is_empty());
    let id = vendors[0]["id"].as_str().expect("id");
    let e = show(&db, id);
    assert_eq!(e["status"], "open");
    assert_eq!(e["unverified"], "vendors.csv is missing");
    let unverified: Vec<&Value> = e["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|c| c["field"] == "unverified")
        .collect();
    assert_eq!(
        unverified.len(),
        1,
        "said when it first appears, not every run"
    );
    assert_eq!(unverified[0]["new"], "vendors.csv is missing");
    assert_eq!(unverified[0]["run"], 2);
}

#[test]
fn a_deleted_deviating_row_is_not_a_fix_and_its_departure_is_printed() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let deploy = exceptions(&db, &["--control", "change-management"])[0]["item"]
        .as_str()
        .expect("item")
        .to_string();
    assert_eq!(filter_rows(&kit.join("deploys.csv"), |c| c[0] != deploy), 1);
    let err = record(&kit, &db, "2026-10-21T15:00:00Z", &[]);
    assert!(err.contains("0 remediated"), "{err}");
    assert!(
        err.contains("1 item left a population since the last recorded run of this window")
            && err.contains(&format!(
                "change-management/deploy-traceability (1 since run 1): {deploy}"
            )),
        "{err}"
    );
    let e = show(
        &db,
        &format!("change-management/deploy-traceability/{deploy}"),
    );
    assert_eq!(e["status"], "open");
    assert_eq!(
        e["unverified"],
        "no longer in the population of test `deploy-traceability`"
    );
    // The departure is against the last recorded run: recorded again, nothing else left.
    let err = record(&kit, &db, "2026-10-22T15:00:00Z", &[]);
    assert!(!err.contains("left a population"), "{err}");
}

#[test]
fn a_real_fix_on_complete_evidence_remediates_and_a_fix_beside_bad_evidence_does_not() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let stale = exceptions(&db, &["--control", "vendor-management"])
        .into_iter()
        .find(|e| e["reasons"] == serde_json::json!(["stale_record"]))
        .expect("a vendor whose only reason is a stale record");
    let (id, vendor) = (
        stale["id"].as_str().expect("id").to_string(),
        stale["item"].as_str().expect("item").to_string(),
    );
    let vendors = kit.join("vendors.csv");
    edit_row(&vendors, &vendor, |h, cells| {
        cells[column(h, "last_reviewed_at")] = "2026-06-01T00:00:00Z".into();
    });
    // The fix lands, but another vendor row is now unreadable: the control is not evidenced.
    let original = std::fs::read_to_string(&vendors).expect("read");
    std::fs::write(
        &vendors,
        format!("{original}V-9999,Broken,not-a-tier,,,,,,,,,\n"),
    )
    .expect("write");
    let err = record(&kit, &db, "2026-10-21T15:00:00Z", &[]);
    assert!(err.contains("0 remediated"), "{err}");
    let e = show(&db, &id);
    assert_eq!(e["status"], "open");
    assert!(
        e["unverified"]
            .as_str()
            .is_some_and(|u| u.contains("rejected as bad input")),
        "{e}"
    );
    // The bad row is fixed: complete evidence, the vendor re-tested and fixed: remediated.
    std::fs::write(&vendors, original).expect("write");
    let err = record(&kit, &db, "2026-10-22T15:00:00Z", &[]);
    assert!(err.contains("1 remediated"), "{err}");
    assert_eq!(
        ids_with_status(&db, "remediated"),
        std::slice::from_ref(&id)
    );
    let e = show(&db, &id);
    assert_eq!(e["unverified"], Value::Null);
}

#[test]
fn a_deleted_supporting_row_is_not_a_fix() {
    // A leaver whose only account row is deleted has nothing left to deprovision: the deviation
    // disappears with the evidence, though the leaver is still in the population.
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let leaver = exceptions(&db, &["--control", "leaver-deprovisioning"])
        .into_iter()
        .find(|e| e["test"] == "leavers")
        .expect("a leaver exception");
    let (id, person) = (
        leaver["id"].as_str().expect("id").to_string(),
        leaver["item"].as_str().expect("item").to_string(),
    );
    // Accounts name their person by id, by email or by an identity's external id.
    let mut aliases = vec![person.clone()];
    filter_rows(&kit.join("people.csv"), |c| {
        if c[0] == person {
            aliases.extend(c.iter().find(|x| x.contains('@')).cloned());
        }
        true
    });
    filter_rows(&kit.join("identities.csv"), |c| {
        if c[2] == person {
            aliases.push(c[1].clone());
        }
        true
    });
    let names = |c: &[String]| {
        c.iter()
            .any(|x| aliases.iter().any(|a| x.eq_ignore_ascii_case(a)))
    };
    assert!(filter_rows(&kit.join("accounts.csv"), |c| !names(c)) > 0);
    let err = record(&kit, &db, "2026-10-21T15:00:00Z", &[]);
    assert!(err.contains("0 remediated"), "{err}");
    let e = show(&db, &id);
    assert_eq!(e["status"], "open");
    assert!(
        e["unverified"]
            .as_str()
            .is_some_and(|u| u.starts_with("accounts.csv has fewer records")),
        "{e}"
    );
}

/// SplitMix64: a seeded, portable stream of numbers for the property below.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("ls") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

#[test]
fn random_deletions_of_rows_or_files_never_remediate() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = demo(dir.path());
    let base_db = dir.path().join("base.db");
    record(&base, &base_db, NOW, &[]);
    let items: Vec<String> = exceptions(&base_db, &[])
        .iter()
        .map(|e| e["item"].as_str().unwrap_or("").to_string())
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(&base)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    files.sort();
    let (mut kept_open, mut departures) = (0usize, 0usize);
    for case in 0..32u64 {
        let mut rng = Prng(case);
        let kit = dir.path().join(format!("case-{case}"));
        copy_dir(&base, &kit);
        let db = dir.path().join(format!("case-{case}.db"));
        std::fs::copy(&base_db, &db).expect("copy the register after run 1");
        let mut did = Vec::new();
        match case % 3 {
            // Whole files.
            0 => {
                for _ in 0..=rng.below(3) {
                    let f = &files[rng.below(files.len())];
                    if std::fs::remove_file(kit.join(f)).is_ok() {
                        did.push(format!("rm {f}"));
                    }
                }
            }
            // Random rows of random files.
            1 => {
                for _ in 0..=rng.below(4) {
                    let f = files[rng.below(files.len())].clone();
                    let one_in = 2 + rng.below(40);
                    let n = filter_rows(&kit.join(&f), |_| rng.below(one_in) != 0);
                    did.push(format!("{n} rows of {f}"));
                }
            }
            // Every row that names a deviating item, in every file.
            _ => {
                for _ in 0..=rng.below(3) {
                    let item = items[rng.below(items.len())].clone();
                    let parts: Vec<&str> = item.split('/').collect();
                    let key = parts.last().copied().unwrap_or("");
                    for f in &files {
                        let n = filter_rows(&kit.join(f), |c| !c.iter().any(|x| x == key));
                        if n > 0 {
                            did.push(format!("{n} rows naming {key} in {f}"));
                        }
                    }
                }
            }
        }
        let err = record(&kit, &db, "2026-10-21T15:00:00Z", &[]);
        let remediated = ids_with_status(&db, "remediated");
        assert!(
            remediated.is_empty(),
            "case {case} ({}) remediated {remediated:?}\n{err}",
            did.join(", ")
        );
        kept_open += exceptions(&db, &[])
            .iter()
            .filter(|e| !e["unverified"].is_null())
            .count();
        departures += usize::from(err.contains("left a population"));
    }
    // The property was put to the test: deviations did disappear, and populations did shrink.
    assert!(kept_open > 0 && departures > 0, "{kept_open} {departures}");
}

#[test]
fn the_response_is_kept_with_the_exception_in_every_list_and_export() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let id = exceptions(&db, &["--control", "vendor-management"])
        .into_iter()
        .find(|e| e["reasons"] == serde_json::json!(["stale_record"]))
        .expect("a vendor whose only reason is a stale record")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let response = "Vendor reviews are now calendared; this one was reviewed on 2026-10-21.";
    let o = at(
        "2026-10-21T09:00:00Z",
        &[
            "exceptions",
            "--database",
            s(&db),
            "--actor",
            "cfo@northpeak.io",
            "respond",
            &id,
            "--text",
            response,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "respond",
            &id,
            "--text",
            " ",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("the response is empty"));
    let e = show(&db, &id);
    assert_eq!(
        e["response"],
        serde_json::json!({"text": response, "by": "cfo@northpeak.io", "at": "2026-10-21T09:00:00Z"})
    );
    let listed = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "list",
            "--control",
            "vendor-management",
        ],
    );
    assert!(text(&listed.stdout).contains(response));
    let shown = at(NOW, &["exceptions", "--database", s(&db), "show", &id]);
    assert!(
        text(&shown.stdout).contains(&format!("response   {response} (cfo@northpeak.io")),
        "{}",
        text(&shown.stdout)
    );
    assert!(text(&shown.stdout).contains(&format!("response: {response}")));
    let csv_file = dir.path().join("register.csv");
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "export",
            "--out",
            s(&csv_file),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let mut r = csv::Reader::from_path(&csv_file).expect("csv");
    let header = r.headers().expect("header").clone();
    let row = r
        .records()
        .map(|x| x.expect("row"))
        .find(|x| x.get(0) == Some(id.as_str()))
        .expect("the exception");
    assert_eq!(row.get(column(&header, "response")), Some(response));
    assert_eq!(
        row.get(column(&header, "response_by")),
        Some("cfo@northpeak.io")
    );
    // The deviation is fixed: remediated, and the response still goes with it.
    let vendor = e["item"].as_str().expect("item");
    edit_row(&kit.join("vendors.csv"), vendor, |h, cells| {
        cells[column(h, "last_reviewed_at")] = "2026-06-01T00:00:00Z".into();
    });
    record(&kit, &db, "2026-10-22T15:00:00Z", &[]);
    let e = show(&db, &id);
    assert_eq!(
        (e["status"].as_str(), e["response"]["text"].as_str()),
        (Some("remediated"), Some(response))
    );
}

#[test]
fn every_csv_fieldcheck_writes_neutralises_formulas() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = dir.path().join("kit");
    std::fs::create_dir_all(&kit).expect("mkdir");
    std::fs::write(
        kit.join("fieldcheck.toml"),
        "[org]\nname = \"Acme Cloud\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n",
    )
    .expect("write");
    std::fs::write(
        kit.join("vendors.csv"),
        "vendor_id,name,tier,data_access,last_reviewed_at\n=1+2,@SUM(A1),,none,2026-03-01T00:00:00Z\nv2,Mail,2,none,2026-03-01T00:00:00Z\n",
    )
    .expect("write");
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &["--control", "vendor-management"]);
    let cells_of = |text: &str, first: &str| -> Vec<String> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.expect("row"))
            .find(|r| r.iter().any(|c| c == first))
            .unwrap_or_else(|| panic!("no row with {first} in\n{text}"))
            .iter()
            .map(str::to_string)
            .collect()
    };
    // The register's export and list.
    let csv_file = dir.path().join("register.csv");
    assert_eq!(
        at(
            NOW,
            &[
                "exceptions",
                "--database",
                s(&db),
                "export",
                "--out",
                s(&csv_file)
            ]
        )
        .status
        .code(),
        Some(0)
    );
    let export = std::fs::read_to_string(&csv_file).expect("csv");
    let row = cells_of(&export, "'=1+2");
    assert_eq!(
        row[0], "vendor-management/vendor-records/=1+2",
        "only cells that start like a formula"
    );
    assert!(!export.contains(",=1+2,"), "{export}");
    let listed = text(
        &at(
            NOW,
            &[
                "exceptions",
                "--database",
                s(&db),
                "list",
                "--format",
                "csv",
            ],
        )
        .stdout,
    );
    // id, control, criteria, test, item…
    assert_eq!(cells_of(&listed, "'=1+2")[4], "'=1+2");
    // The PBC request list.
    let pbc = dir.path().join("pbc");
    let o = at(
        NOW,
        &["sample", s(&kit), "--engagement", "7", "--out", s(&pbc)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let list = std::fs::read_to_string(pbc.join("pbc-request-list.csv")).expect("csv");
    assert_eq!(cells_of(&list, "'=1+2")[6], "'=1+2");
    // The ingested kit.
    let out = dir.path().join("ingested");
    let o = at(NOW, &["ingest", s(&kit), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let ingested = std::fs::read_to_string(out.join("vendors.csv")).expect("csv");
    let row = cells_of(&ingested, "'=1+2");
    assert_eq!(row[..2], ["'=1+2", "'@SUM(A1)"]);
    assert!(cells_of(&ingested, "v2").contains(&"Mail".to_string()));
}

/// The register's whole exception list as CSV (every column), or `None` before it exists.
fn register_state(db: &Path) -> Option<String> {
    if !db.exists() {
        return None;
    }
    let o = at(
        NOW,
        &["exceptions", "--database", s(db), "list", "--format", "csv"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the register still reads: {}",
        text(&o.stderr)
    );
    Some(text(&o.stdout))
}

/// `audit --record` with the register's crash hook at step `n`: whether it was killed there.
fn record_crashing_at(kit: &Path, db: &Path, n: u32) -> bool {
    let o = run(
        &[
            "audit",
            s(kit),
            "--record",
            "--database",
            s(db),
            "--format",
            "json",
        ],
        &[
            ("FIELDCHECK_NOW", NOW),
            ("USER", "tester"),
            ("FIELDCHECK_REGISTER_CRASH_AFTER", &n.to_string()),
        ],
    );
    match o.status.code() {
        Some(0 | 1) => false,
        None => true, // aborted by the hook (a signal)
        other => panic!("step {n}: exit {other:?}: {}", text(&o.stderr)),
    }
}

#[test]
fn killing_a_recording_run_at_every_durable_step_leaves_the_register_before_or_after() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    // The register before (opened, empty) and after one uninterrupted run.
    let clean = dir.path().join("clean.db");
    record(&kit, &clean, NOW, &[]);
    let after = register_state(&clean).expect("recorded");
    assert!(
        after.lines().count() > 300,
        "the demo records its exceptions: {after}"
    );
    // Before: the register created (by the run opening it) and holding no exception.
    let before = Some(format!("{}\n", after.lines().next().expect("a header")));

    // Each kill: the process died at step n, and the register is whole before or whole after.
    let check = |n: u32| -> bool {
        let db = dir.path().join(format!("killed-{n}.db"));
        let killed = record_crashing_at(&kit, &db, n);
        let state = register_state(&db);
        if killed {
            assert!(
                state == before || state.as_deref() == Some(&after[..]),
                "killed at step {n}: the register is half-written"
            );
        } else {
            assert_eq!(
                state.as_deref(),
                Some(&after[..]),
                "step {n}: finished differently"
            );
        }
        let _ = std::fs::remove_file(&db);
        killed
    };
    // Every early step, then a stride, then every step up to the last (found by bisection):
    // the commit, after which the register is whole.
    let mut n = 1;
    let mut last_killed = 0;
    while check(n) {
        last_killed = n;
        n = if n < 8 { n + 1 } else { n + 97 };
    }
    assert!(last_killed >= 3, "the hook fired: lock, statements, commit");
    let (mut lo, mut hi) = (last_killed, n);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if check(mid) { lo = mid } else { hi = mid }
    }
    // The last step is the commit: killed after it, the register is whole and after.
    let db = dir.path().join("at-commit.db");
    assert!(record_crashing_at(&kit, &db, lo), "step {lo} is the commit");
    assert_eq!(
        register_state(&db).as_deref(),
        Some(&after[..]),
        "killed after the commit"
    );
    // Killed just before it (the last statement run), nothing shows.
    let db = dir.path().join("before-commit.db");
    assert!(record_crashing_at(&kit, &db, lo - 1));
    assert_eq!(register_state(&db), before, "killed before the commit");
}

#[test]
fn a_status_typed_on_the_command_line_is_one_of_the_four() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let id = exceptions(&db, &["--control", "vendor-management"])[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (args, bad) in [
        (
            vec!["list", "--status", "open", "--status", "closed"],
            "closed",
        ),
        (vec!["status", &id, "closed", "--why", "done"], "closed"),
        (vec!["status", &id, "Open", "--why", "done"], "Open"),
    ] {
        let mut all = vec!["exceptions", "--database", s(&db)];
        all.extend_from_slice(&args);
        let o = at(NOW, &all);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("unknown status `{bad}`; the statuses are: open, in_remediation, remediated, risk_accepted")),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // Refused, the register is as it was; a status the register takes is kept as typed.
    assert_eq!(show(&db, &id)["status"], "open");
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "status",
            &id,
            "risk_accepted",
            "--why",
            "fine",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("accept a risk with `fieldcheck exceptions accept`"));
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "status",
            &id,
            "in_remediation",
            "--why",
            "ticket VEN-1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(ids_with_status(&db, "in_remediation"), [id.as_str()]);
    let e = show(&db, &id);
    assert_eq!(e["status"], "in_remediation");
    let last = e["history"].as_array().expect("history").last().cloned();
    assert_eq!(
        last.map(|c| (c["field"].clone(), c["old"].clone(), c["new"].clone())),
        Some(("status".into(), "open".into(), "in_remediation".into()))
    );
}

/// `fieldcheck exceptions --database DB ARGS` at NOW as `tester`: its stderr, which must be one
/// line, after exit 0.
fn change(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["exceptions", "--database", s(db)];
    all.extend_from_slice(args);
    let o = at(NOW, &all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err.trim_end().to_string()
}

#[test]
fn every_change_says_what_it_changed_and_history_reads_in_the_org_zone() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let e = exceptions(&db, &["--control", "access-reviews"])[0].clone();
    let id = e["id"].as_str().expect("id").to_string();
    let owner = e["owner"].as_str().expect("owner").to_string();
    let target = e["target"].as_str().expect("target").to_string();
    let old_owner = if owner.is_empty() {
        "unassigned"
    } else {
        &owner
    };
    assert_eq!(
        change(&db, &["assign", &id, "alice@example.com"]),
        format!("{id}: owner {old_owner} → alice@example.com")
    );
    assert_eq!(
        change(&db, &["target", &id, "2026-12-31", "--why", "next sprint"]),
        format!("{id}: target {target} → 2026-12-31 (next sprint)")
    );
    assert_eq!(
        change(
            &db,
            &["status", &id, "in_remediation", "--why", "ticket AR-1"]
        ),
        format!("{id}: status open → in_remediation (ticket AR-1)")
    );
    assert_eq!(
        change(&db, &["note", &id, "asked the owner"]),
        format!("{id}: note added: asked the owner")
    );
    assert_eq!(
        change(&db, &["respond", &id, "--text", "reviews now run"]),
        format!("{id}: management's response recorded: reviews now run")
    );
    assert_eq!(
        change(
            &db,
            &[
                "accept",
                &id,
                "--approver",
                "cfo",
                "--reason",
                "low",
                "--until",
                "2027-01-31"
            ]
        ),
        format!(
            "{id}: status in_remediation → risk_accepted (accepted by cfo until 2027-01-31: low)"
        )
    );
    let concluded = change(
        &db,
        &[
            "conclude",
            "access-reviews",
            "--as",
            "ineffective",
            "--why",
            "too many",
        ],
    );
    assert!(
        concluded.starts_with("concluded `access-reviews` ineffective"),
        "{concluded}"
    );
    // The history in text: the org's zone (the demo's is America/New_York), to the minute.
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "--kit",
            s(&kit),
            "show",
            &id,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(
        shown.contains("  2026-10-20 11:00 EDT  tester  owner: "),
        "{shown}"
    );
    assert!(!shown.contains("T15:00:00"), "no UTC timestamps: {shown}");
    // The JSON keeps the exact UTC time, and adds the org's local time.
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "--kit",
            s(&kit),
            "show",
            &id,
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let last = v["history"]
        .as_array()
        .expect("history")
        .last()
        .cloned()
        .expect("one");
    assert_eq!(last["at"], NOW);
    assert_eq!(last["local"], "2026-10-20T11:00:00-04:00");
    assert_eq!(v["criteria"], serde_json::json!(["CC6.2"]));
    // Markdown: a table whose rows have as many cells as its header.
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "--kit",
            s(&kit),
            "show",
            &id,
            "--format",
            "markdown",
        ],
    );
    let md = text(&o.stdout);
    assert!(
        md.contains("| Time | Actor | Field | Old | New | Why |"),
        "{md}"
    );
    assert!(
        md.contains("| 2026-10-20 11:00 EDT | tester | owner |"),
        "{md}"
    );
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "list",
            "--format",
            "markdown",
        ],
    );
    let md = text(&o.stdout);
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows.len() > 2, "{md}");
    for r in &rows {
        assert_eq!(r.matches('|').count() - r.matches("\\|").count(), 9, "{r}");
    }
}

#[test]
fn the_register_exports_by_format_or_extension_with_the_criteria() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let listed = exceptions(&db, &[]);
    let export = |args: &[&str]| {
        let mut all = vec!["exceptions", "--database", s(&db), "export"];
        all.extend_from_slice(args);
        at(NOW, &all)
    };
    // JSON by the extension: the list's JSON, with each control's criteria.
    let json = dir.path().join("register.json");
    let o = export(&["--out", s(&json)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("wrote {} exceptions", listed.len())),
        "{}",
        text(&o.stderr)
    );
    let v: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("json");
    assert_eq!(v, listed);
    let criteria = |x: &Value| x["criteria"].as_array().map(Vec::len).unwrap_or(0);
    assert!(
        v.iter().all(|x| criteria(x) > 0),
        "every exception has its criteria"
    );
    let ar = v
        .iter()
        .find(|x| x["control"] == "access-reviews")
        .expect("one");
    assert_eq!(ar["criteria"], serde_json::json!(["CC6.2"]));
    // CSV named by `--format` whatever the extension; the criteria follow the control.
    let csv_file = dir.path().join("register.txt");
    let o = export(&["--out", s(&csv_file), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv_text = std::fs::read_to_string(&csv_file).expect("csv");
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let h = r.headers().expect("header").clone();
    assert_eq!(
        h.iter().take(3).collect::<Vec<_>>(),
        ["id", "control", "criteria"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), listed.len());
    assert!(
        rows.iter()
            .any(|x| &x[1] == "access-reviews" && &x[2] == "CC6.2")
    );
    // XLSX by `--format`; an extension it cannot tell is refused, naming the choices.
    let xlsx = dir.path().join("register.bin");
    assert_eq!(
        export(&["--out", s(&xlsx), "--format", "xlsx"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(&std::fs::read(&xlsx).expect("xlsx")[..2], b"PK");
    let o = export(&["--out", s(&dir.path().join("register.txt"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("`--format csv|xlsx|json`"),
        "{}",
        text(&o.stderr)
    );
    // A workbook does not go to a terminal: `list --format xlsx` needs `--out`.
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "list",
            "--format",
            "xlsx",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--out exceptions.xlsx"),
        "{}",
        text(&o.stderr)
    );
    let out = dir.path().join("list.xlsx");
    let o = at(
        NOW,
        &[
            "exceptions",
            "--database",
            s(&db),
            "list",
            "--format",
            "xlsx",
            "--out",
            s(&out),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(&std::fs::read(&out).expect("xlsx")[..2], b"PK");
    // The burndown in every format.
    let burndown = |format: &str| {
        let o = at(
            NOW,
            &[
                "exceptions",
                "--database",
                s(&db),
                "burndown",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{format}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    let v: Value = serde_json::from_str(&burndown("json")).expect("json");
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["runs"][0]["open"], listed.len());
    assert!(burndown("csv").starts_with("run,at,open,overdue\n"));
    assert!(burndown("markdown").contains("| Run | At | Open | Overdue |"));
    assert!(burndown("text").contains("run   1"));
}

#[test]
fn the_actor_is_given_else_gits_email_else_the_login_and_never_silently_unknown() {
    let dir = tempfile::tempdir().expect("tmp");
    let kit = demo(dir.path());
    let db = dir.path().join("register.db");
    record(&kit, &db, NOW, &[]);
    let id = exceptions(&db, &[])[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let gitconfig = dir.path().join("gitconfig");
    std::fs::write(&gitconfig, "[user]\n\temail = git-user@example.com\n").expect("write");
    // A note in the kit's folder with some environment, and who the history says wrote it.
    let note = |actor: Option<&str>, git: bool, user: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_fieldcheck"));
        c.args([
            "exceptions",
            "--database",
            s(&db),
            "--kit",
            s(&kit),
            "note",
            &id,
            "n",
        ])
        .env("FIELDCHECK_NOW", NOW)
        .env("HOME", dir.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CONFIG_GLOBAL",
            if git { s(&gitconfig) } else { "/dev/null" },
        )
        .env_remove("USER")
        .env_remove("USERNAME");
        if let Some(a) = actor {
            c.args(["--actor", a]);
        }
        if let Some(u) = user {
            c.env("USER", u);
        }
        let o = c.output().expect("runs");
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let last = show(&db, &id)["history"]
            .as_array()
            .and_then(|h| h.last().cloned())
            .expect("a change");
        (
            last["actor"].as_str().unwrap_or_default().to_string(),
            text(&o.stderr),
        )
    };
    let git_here = std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert_eq!(note(Some("carol"), true, Some("bob")).0, "carol");
    if git_here {
        assert_eq!(note(None, true, Some("bob")).0, "git-user@example.com");
    }
    assert_eq!(note(None, false, Some("bob")).0, "bob");
    let (who, err) = note(None, false, None);
    assert_eq!(who, "unknown");
    assert!(
        err.contains("warning: nobody to name in the history"),
        "{err}"
    );
    // Boundary: an empty `--actor` is no actor.
    assert_eq!(note(Some(" "), false, Some("bob")).0, "bob");
}
