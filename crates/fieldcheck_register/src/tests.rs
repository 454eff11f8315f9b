//! The register's behaviour: reconciliation across runs, acceptance and expiry, history,
//! atomicity and concurrent runs, on every backend: SQLite always, and PostgreSQL when
//! `FIELDCHECK_TEST_POSTGRES` names a server (the project's test script starts one).

use super::*;

/// A fresh, empty register location per backend: an SQLite path, and a new PostgreSQL database.
fn locations() -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("tmp");
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut out = vec![(
        dir.path()
            .join(".fieldcheck/fieldcheck.db")
            .to_string_lossy()
            .into_owned(),
        Some(dir),
    )];
    // Under CI a missing server is a failure, not a silent skip: scripts/test.sh starts one.
    assert!(
        std::env::var_os("CI").is_none() || std::env::var_os("FIELDCHECK_TEST_POSTGRES").is_some(),
        "CI is set but FIELDCHECK_TEST_POSTGRES is not: run the tests with scripts/test.sh"
    );
    #[cfg(feature = "postgres")]
    if let Ok(admin) = std::env::var("FIELDCHECK_TEST_POSTGRES") {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "fc_test_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the test PostgreSQL server answers");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        out.push((format!("{admin} dbname={name}"), None));
    }
    #[cfg(not(feature = "postgres"))]
    assert!(
        std::env::var("FIELDCHECK_TEST_POSTGRES").is_err(),
        "FIELDCHECK_TEST_POSTGRES is set but the postgres feature is off"
    );
    out
}

fn found(control: &str, item: &str, reasons: &[&str]) -> Found {
    Found {
        control: control.into(),
        test: "t".into(),
        item: item.into(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        detail: format!("{item} deviates"),
        owner: Some("owner@acme.test".into()),
        target: "2026-07-15".into(),
    }
}

/// A run of `controls` on complete evidence, whose test `t` has the items every case here uses.
fn run(n: u32, controls: &[&str]) -> Run {
    let items: Vec<String> = ["p1", "p2", "v1"]
        .iter()
        .map(|i| i.to_string())
        .chain((0..2_000).map(|i| format!("p{i}")))
        .collect();
    let with: Vec<(&str, &[String])> = controls.iter().map(|c| (*c, &items[..])).collect();
    run_of(n, &with)
}

/// A run on complete evidence of controls whose test `t` has these populations.
fn run_of(n: u32, controls: &[(&str, &[String])]) -> Run {
    Run {
        at: format!("2026-07-{n:02}T12:00:00Z"),
        today: format!("2026-07-{n:02}"),
        actor: "ci".into(),
        kit: "kit".into(),
        window: "2026-01-01..2026-06-30 UTC".into(),
        controls: controls
            .iter()
            .map(|(c, items)| Evaluated {
                control: c.to_string(),
                unverifiable: None,
                reads: vec![format!("{c}.csv")],
                tests: vec![Population {
                    test: "t".into(),
                    items: items.to_vec(),
                }],
                conclusion: None,
            })
            .collect(),
        files: controls
            .iter()
            .map(|(c, _)| (format!("{c}.csv"), 100))
            .collect(),
    }
}

fn status_of(reg: &mut Register, id: &str) -> ExceptionStatus {
    reg.show(id).expect("exists").0.status
}

/// Runs a case on every backend.
fn each(case: impl Fn(&str)) {
    for (location, _dir) in locations() {
        case(&location);
    }
}

#[test]
fn runs_open_remediate_and_reopen_as_regressions() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let all = ["leavers", "vendors"];
        let r1 = reg
            .record(
                &run(1, &all),
                &[
                    found("leavers", "p1", &["late_deprovision"]),
                    found("vendors", "v1", &["no_tier"]),
                ],
            )
            .expect("run 1");
        assert_eq!((r1.run, r1.opened, r1.remediated), (1, 2, 0));
        // Run 2: p1 is fixed, v1 is still there with another reason.
        let r2 = reg
            .record(
                &run(2, &all),
                &[found("vendors", "v1", &["no_tier", "stale_record"])],
            )
            .expect("run 2");
        assert_eq!((r2.opened, r2.remediated, r2.unchanged), (0, 1, 1));
        assert_eq!(
            status_of(&mut reg, "leavers/t/p1"),
            ExceptionStatus::Remediated
        );
        let (v1, history) = reg.show("vendors/t/v1").expect("v1");
        assert_eq!(v1.reasons, "no_tier stale_record");
        assert_eq!(
            history.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["status", "reasons"]
        );
        // Run 3: p1 is back: reopened as a regression.
        let r3 = reg
            .record(
                &run(3, &all),
                &[
                    found("leavers", "p1", &["late_deprovision"]),
                    found("vendors", "v1", &["no_tier"]),
                ],
            )
            .expect("run 3");
        assert_eq!(r3.reopened, 1);
        let (p1, history) = reg.show("leavers/t/p1").expect("p1");
        assert!(p1.regression);
        assert_eq!(p1.status, ExceptionStatus::Open);
        assert_eq!(
            history
                .iter()
                .map(|c| (c.old.as_str(), c.new.as_str(), c.run))
                .collect::<Vec<_>>(),
            [
                ("", "open", Some(1)),
                ("open", "remediated", Some(2)),
                ("remediated", "open", Some(3))
            ]
        );
        assert_eq!(
            reg.runs()
                .expect("runs")
                .iter()
                .map(|r| (r.open, r.overdue))
                .collect::<Vec<_>>(),
            [(2, 0), (1, 0), (2, 0)]
        );
    });
}

#[test]
fn a_run_of_some_controls_remediates_only_theirs() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        reg.record(
            &run(1, &["leavers", "vendors"]),
            &[
                found("leavers", "p1", &["x"]),
                found("vendors", "v1", &["y"]),
            ],
        )
        .expect("run 1");
        let r = reg.record(&run(2, &["leavers"]), &[]).expect("run 2");
        assert_eq!(r.remediated, 1);
        assert_eq!(
            status_of(&mut reg, "leavers/t/p1"),
            ExceptionStatus::Remediated
        );
        assert_eq!(status_of(&mut reg, "vendors/t/v1"), ExceptionStatus::Open);
    });
}

#[test]
fn rerunning_the_same_audit_changes_nothing_but_the_run_log() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let f = [
            found("leavers", "p1", &["x"]),
            found("leavers", "p2", &["y"]),
        ];
        reg.record(&run(1, &["leavers"]), &f).expect("run 1");
        let before = reg.list(&Filter::default()).expect("list");
        let again = reg.record(&run(1, &["leavers"]), &f).expect("run 1 again");
        assert_eq!(
            (
                again.opened,
                again.remediated,
                again.reopened,
                again.unchanged
            ),
            (0, 0, 0, 2)
        );
        let after: Vec<Exception> = reg.list(&Filter::default()).expect("list");
        let strip = |v: Vec<Exception>| {
            v.into_iter()
                .map(|e| (e.id, e.status, e.owner, e.target))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(before), strip(after));
    });
}

#[test]
fn people_move_exceptions_along_with_history() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        reg.record(&run(1, &["leavers"]), &[found("leavers", "p1", &["x"])])
            .expect("run");
        let id = "leavers/t/p1";
        reg.assign(
            id,
            "it@acme.test",
            "2026-07-02T09:00:00Z",
            "ana",
            "IT owns deprovisioning",
        )
        .expect("assign");
        reg.target(
            id,
            "2026-07-20",
            "2026-07-02T09:01:00Z",
            "ana",
            "agreed with IT",
        )
        .expect("target");
        reg.set_status(
            id,
            ExceptionStatus::InRemediation,
            "2026-07-02T09:02:00Z",
            "it",
            "ticket IT-42",
        )
        .expect("status");
        reg.note(
            id,
            "access removed, waiting for the next run",
            "2026-07-03T09:00:00Z",
            "it",
        )
        .expect("note");
        let (e, h) = reg.show(id).expect("show");
        assert_eq!(
            (e.owner.as_str(), e.target.as_str(), e.status.as_str()),
            ("it@acme.test", "2026-07-20", "in_remediation")
        );
        assert_eq!(
            h.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["status", "owner", "target", "status", "note"]
        );
        assert_eq!(h[1].old, "owner@acme.test");
        assert!(matches!(
            reg.set_status(id, ExceptionStatus::RiskAccepted, "t", "a", "why"),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            reg.set_status(id, ExceptionStatus::Remediated, "t", "a", " "),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            reg.assign("nope", "x", "t", "a", "w"),
            Err(Error::Refused(_))
        ));
        // Filters.
        assert_eq!(
            reg.list(&Filter {
                owner: Some("IT@acme.test".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            1
        );
        assert_eq!(
            reg.list(&Filter {
                overdue_on: Some("2026-07-21".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            1
        );
        assert_eq!(
            reg.list(&Filter {
                overdue_on: Some("2026-07-20".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            0
        );
        assert_eq!(
            reg.list(&Filter {
                statuses: vec![ExceptionStatus::Open],
                ..Filter::default()
            })
            .expect("list")
            .len(),
            0
        );
    });
}

#[test]
fn risk_acceptance_needs_an_approver_a_reason_and_an_expiry() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        reg.record(
            &run(1, &["vendors"]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run");
        let id = "vendors/t/v1";
        assert!(
            reg.accept(id, "", "low risk", "2026-09-30", "2026-07-01", "t", "a")
                .is_err()
        );
        assert!(
            reg.accept(id, "cfo", "low risk", "2026-07-01", "2026-07-01", "t", "a")
                .is_err()
        );
        reg.accept(
            id,
            "cfo@acme.test",
            "vendor being offboarded",
            "2026-07-10",
            "2026-07-01",
            "2026-07-01T10:00:00Z",
            "ana",
        )
        .expect("accept");
        let (e, _) = reg.show(id).expect("show");
        assert_eq!(e.status, ExceptionStatus::RiskAccepted);
        assert_eq!(
            e.accepted,
            Some((
                "cfo@acme.test".into(),
                "vendor being offboarded".into(),
                "2026-07-10".into()
            ))
        );
        // Still found before the expiry: stays accepted.
        reg.record(
            &run(9, &["vendors"]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run");
        assert_eq!(status_of(&mut reg, id), ExceptionStatus::RiskAccepted);
        // After it: reopened.
        let r = reg
            .record(
                &run(11, &["vendors"]),
                &[found("vendors", "v1", &["no_tier"])],
            )
            .expect("run");
        assert_eq!(r.expired, 1);
        assert_eq!(status_of(&mut reg, id), ExceptionStatus::Open);
        // Expiry also applies without a run.
        reg.accept(
            id,
            "cfo@acme.test",
            "again",
            "2026-07-20",
            "2026-07-11",
            "t",
            "a",
        )
        .expect("accept");
        assert_eq!(
            reg.expire_acceptances("2026-07-21", "2026-07-21T00:00:00Z", "fieldcheck")
                .expect("expire"),
            1
        );
        assert_eq!(status_of(&mut reg, id), ExceptionStatus::Open);
    });
}

#[test]
fn an_interrupted_run_leaves_the_register_as_it_was() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        reg.record(&run(1, &["leavers"]), &[found("leavers", "p1", &["x"])])
            .expect("run 1");
        // A run that dies before committing: its writes vanish with its connection.
        reg.db.begin().expect("begin");
        reg.db
            .exec("UPDATE exceptions SET status = 'remediated'", &[])
            .expect("write");
        reg.db.exec("INSERT INTO runs (id, at, actor, kit, controls, deviations, open_after) VALUES (2, 'x', 'x', 'x', 'x', 0, 0)", &[]).expect("write");
        drop(reg);
        let mut reg = Register::at(loc).expect("reopen");
        assert_eq!(status_of(&mut reg, "leavers/t/p1"), ExceptionStatus::Open);
        assert_eq!(reg.runs().expect("runs").len(), 1);
    });
}

#[test]
fn concurrent_runs_neither_corrupt_nor_duplicate() {
    each(|loc| {
        Register::at(loc).expect("create");
        let many: Vec<Found> = (0..2_000)
            .map(|i| found("leavers", &format!("p{i}"), &["x"]))
            .collect();
        std::thread::scope(|s| {
            for n in 1..=4 {
                let many = &many;
                s.spawn(move || {
                    let mut reg = Register::at(loc).expect("open");
                    reg.record(&run(n, &["leavers"]), many).expect("record");
                });
            }
        });
        let mut reg = Register::at(loc).expect("open");
        assert_eq!(reg.list(&Filter::default()).expect("list").len(), 2_000);
        assert_eq!(
            reg.runs()
                .expect("runs")
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let (_, h) = reg.show("leavers/t/p7").expect("show");
        assert_eq!(h.len(), 1, "opened once, by the first run to commit");
    });
}

#[test]
fn runs_count_what_is_overdue_on_their_day() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        // Targets are 2026-07-15: on time on the 15th, overdue from the 16th.
        reg.record(&run(15, &["leavers"]), &[found("leavers", "p1", &["x"])])
            .expect("run");
        reg.record(
            &run(16, &["leavers"]),
            &[
                found("leavers", "p1", &["x"]),
                found("leavers", "p2", &["x"]),
            ],
        )
        .expect("run");
        let runs = reg.runs().expect("runs");
        assert_eq!(
            runs.iter().map(|r| (r.open, r.overdue)).collect::<Vec<_>>(),
            [(1, 0), (2, 2)]
        );
    });
}

#[test]
fn reopening_gives_a_fresh_target_and_only_runs_make_regressions() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let id = "leavers/t/p1";
        reg.record(&run(1, &["leavers"]), &[found("leavers", "p1", &["x"])])
            .expect("run 1");
        // Closed by hand while still present: it reopens, without the regression flag.
        reg.set_status(
            id,
            ExceptionStatus::Remediated,
            "t",
            "ana",
            "fixed, I think",
        )
        .expect("status");
        let mut again = found("leavers", "p1", &["x"]);
        again.target = "2026-08-01".into();
        reg.record(&run(2, &["leavers"]), &[again.clone()])
            .expect("run 2");
        let (e, h) = reg.show(id).expect("show");
        assert_eq!(
            (e.status.as_str(), e.regression, e.target.as_str()),
            ("open", false, "2026-08-01")
        );
        assert!(
            h.iter().any(|c| c
                .why
                .starts_with("marked remediated by hand but still found")),
            "{h:?}"
        );
        // Remediated by a run, then back: a regression, with a fresh target.
        reg.record(&run(3, &["leavers"]), &[]).expect("run 3");
        again.target = "2026-09-01".into();
        reg.record(&run(4, &["leavers"]), &[again]).expect("run 4");
        let (e, _) = reg.show(id).expect("show");
        assert_eq!(
            (e.status.as_str(), e.regression, e.target.as_str()),
            ("open", true, "2026-09-01")
        );
    });
}

#[test]
fn changes_that_change_nothing_are_refused() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let id = "vendors/t/v1";
        reg.record(
            &run(1, &["vendors"]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run");
        assert!(
            matches!(reg.set_status(id, ExceptionStatus::Open, "t", "a", "why"), Err(Error::Refused(m)) if m.contains("already open"))
        );
        assert!(
            matches!("closed".parse::<ExceptionStatus>(), Err(Error::Refused(m)) if m == "unknown status `closed`; the statuses are: open, in_remediation, remediated, risk_accepted")
        );
        assert!(matches!(
            reg.assign(id, "  ", "t", "a", "why"),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            reg.note(id, " ", "t", "a"),
            Err(Error::Refused(_))
        ));
        // Withdrawing an acceptance clears it.
        reg.accept(id, "cfo", "low risk", "2026-12-31", "2026-07-01", "t", "a")
            .expect("accept");
        reg.set_status(id, ExceptionStatus::Open, "t", "a", "acceptance withdrawn")
            .expect("status");
        assert_eq!(reg.show(id).expect("show").0.accepted, None);
        assert_eq!(reg.show(id).expect("show").1.len(), 3);
    });
}

fn items(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// The history entries of one field, as (old, new).
fn changes_of(reg: &mut Register, id: &str, field: &str) -> Vec<(String, String)> {
    reg.show(id)
        .expect("exists")
        .1
        .into_iter()
        .filter(|c| c.field == field)
        .map(|c| (c.old, c.new))
        .collect()
}

#[test]
fn a_control_without_complete_evidence_remediates_nothing() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let pop = items(&["v1", "v2"]);
        reg.record(
            &run_of(1, &[("vendors", &pop)]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run 1");
        // vendors.csv is deleted: the control is not evidenced, its population empty.
        let mut missing = run_of(2, &[("vendors", &[])]);
        missing.controls[0].unverifiable = Some("vendors.csv is missing".into());
        let r = reg.record(&missing, &[]).expect("run 2");
        assert_eq!((r.remediated, r.unverified), (0, 1));
        assert!(
            r.departures.is_empty(),
            "an unverifiable population is not compared"
        );
        let (e, _) = reg.show("vendors/t/v1").expect("v1");
        assert_eq!(e.status, ExceptionStatus::Open);
        assert_eq!(e.unverified.as_deref(), Some("vendors.csv is missing"));
        // Again, for the same reason: the history says it once.
        let mut missing = run_of(3, &[("vendors", &[])]);
        missing.controls[0].unverifiable = Some("vendors.csv is missing".into());
        reg.record(&missing, &[]).expect("run 3");
        // Then for another reason: said again.
        let mut bad = run_of(4, &[("vendors", &pop)]);
        bad.controls[0].unverifiable = Some("vendors.csv: 2 rows rejected as bad input".into());
        reg.record(&bad, &[]).expect("run 4");
        assert_eq!(
            changes_of(&mut reg, "vendors/t/v1", "unverified"),
            [
                (String::new(), "vendors.csv is missing".to_string()),
                (
                    "vendors.csv is missing".to_string(),
                    "vendors.csv: 2 rows rejected as bad input".to_string()
                )
            ]
        );
        assert_eq!(status_of(&mut reg, "vendors/t/v1"), ExceptionStatus::Open);
        // The boundary: complete evidence, v1 re-tested and fixed: remediated.
        let r = reg
            .record(&run_of(5, &[("vendors", &pop)]), &[])
            .expect("run 5");
        assert_eq!((r.remediated, r.unverified), (1, 0));
        let (e, h) = reg.show("vendors/t/v1").expect("v1");
        assert_eq!((e.status.as_str(), e.unverified), ("remediated", None));
        assert_eq!(h.last().map(|c| c.run), Some(Some(5)));
    });
}

#[test]
fn an_unchanged_population_is_kept_and_dated_by_the_latest_run() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let pop = items(&["d1", "d2"]);
        for run in 1..=3 {
            let r = reg
                .record(&run_of(run, &[("changes", &pop)]), &[])
                .expect("run");
            assert!(r.departures.is_empty(), "run {run}");
        }
        // d2 leaves after three runs of the same population: it was last seen by run 3, the
        // run that re-tested the unchanged population without rewriting it.
        let r = reg
            .record(&run_of(4, &[("changes", &items(&["d1"]))]), &[])
            .expect("run 4");
        assert_eq!(
            r.departures,
            [Departure {
                control: "changes".into(),
                test: "t".into(),
                since: 3,
                items: items(&["d2"]),
            }]
        );
    });
}

#[test]
fn an_item_that_left_its_population_is_not_a_fix() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let before = items(&["d1", "d2", "d3"]);
        reg.record(
            &run_of(1, &[("changes", &before)]),
            &[found("changes", "d2", &["no_ticket"])],
        )
        .expect("run 1");
        // d2's row is deleted, d3's too; d4 is new.
        let after = items(&["d1", "d4"]);
        let r = reg
            .record(&run_of(2, &[("changes", &after)]), &[])
            .expect("run 2");
        assert_eq!((r.remediated, r.unverified), (0, 1));
        assert_eq!(
            r.departures,
            [Departure {
                control: "changes".into(),
                test: "t".into(),
                since: 1,
                items: items(&["d2", "d3"]),
            }]
        );
        let (e, _) = reg.show("changes/t/d2").expect("d2");
        assert_eq!(e.status, ExceptionStatus::Open);
        assert_eq!(
            e.unverified.as_deref(),
            Some("no longer in the population of test `t`")
        );
        // Compared with the last run of the same window: run 3 sees nothing new leave; a run of
        // another window compares with nothing.
        let r = reg
            .record(&run_of(3, &[("changes", &after)]), &[])
            .expect("run 3");
        assert!(r.departures.is_empty());
        let mut other = run_of(4, &[("changes", &items(&["d9"]))]);
        other.window = "2026-07-01..2026-12-31 UTC".into();
        assert!(
            reg.record(&other, &[])
                .expect("run 4")
                .departures
                .is_empty()
        );
        // A test the run did not run re-tests nothing.
        let mut renamed = run_of(5, &[("changes", &before)]);
        renamed.controls[0].tests[0].test = "t2".into();
        let r = reg.record(&renamed, &[]).expect("run 5");
        assert_eq!((r.remediated, r.unverified), (0, 1));
        assert_eq!(
            reg.show("changes/t/d2")
                .expect("d2")
                .0
                .unverified
                .as_deref(),
            Some("test `t` was not run")
        );
        // d2 is back in the population without its deviation: now that is a fix.
        let r = reg
            .record(&run_of(6, &[("changes", &before)]), &[])
            .expect("run 6");
        assert_eq!(r.remediated, 1);
    });
}

#[test]
fn evidence_that_shrank_since_the_deviation_was_found_is_not_a_fix() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let pop = items(&["p1", "p2"]);
        let mut first = run_of(1, &[("leavers", &pop)]);
        first.controls[0].reads.push("accounts.csv".into());
        first.files.push(("accounts.csv".into(), 40));
        reg.record(&first, &[found("leavers", "p1", &["not_deprovisioned"])])
            .expect("run 1");
        // p1's account row is deleted: p1 is still a leaver, its deviation gone with the row.
        let mut second = first.clone();
        second.at = "2026-07-02T12:00:00Z".into();
        second.files[1].1 = 39;
        let r = reg.record(&second, &[]).expect("run 2");
        assert_eq!((r.remediated, r.unverified), (0, 1));
        assert_eq!(
            reg.show("leavers/t/p1")
                .expect("p1")
                .0
                .unverified
                .as_deref(),
            Some("accounts.csv has fewer records (39) than when run 1 last found it (40)")
        );
        // The account comes back, disabled in time: a fix, seen on complete evidence.
        let r = reg.record(&first, &[]).expect("run 3");
        assert_eq!(r.remediated, 1);
    });
}

#[test]
fn management_responds_and_the_response_stays() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let id = "vendors/t/v1";
        reg.record(
            &run(1, &["vendors"]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run 1");
        assert!(matches!(
            reg.respond(id, "  ", "t", "cfo"),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            reg.respond("vendors/t/nope", "x", "t", "cfo"),
            Err(Error::Refused(_))
        ));
        reg.respond(
            id,
            "Tiering was added to onboarding in May; all vendors tiered by 2026-07-20.",
            "2026-07-02T10:00:00Z",
            "cfo@acme.test",
        )
        .expect("respond");
        reg.record(&run(3, &["vendors"]), &[]).expect("run 3");
        let (e, h) = reg.show(id).expect("show");
        assert_eq!(e.status, ExceptionStatus::Remediated);
        assert_eq!(
            e.response,
            Some((
                "Tiering was added to onboarding in May; all vendors tiered by 2026-07-20.".into(),
                "cfo@acme.test".into(),
                "2026-07-02T10:00:00Z".into()
            ))
        );
        assert_eq!(
            h.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["status", "response", "status"]
        );
        // A new response replaces it; the history keeps both.
        reg.respond(id, "Done.", "2026-07-04T10:00:00Z", "cfo@acme.test")
            .expect("respond");
        assert_eq!(
            changes_of(&mut reg, id, "response")
                .last()
                .map(|c| c.0.as_str()),
            Some("Tiering was added to onboarding in May; all vendors tiered by 2026-07-20.")
        );
        assert!(
            reg.list(&Filter::default()).expect("list")[0]
                .response
                .is_some()
        );
    });
}

/// The first schema, as registers written before schema versions have it.
const V1: &str = "
CREATE TABLE runs (id BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, kit TEXT NOT NULL, controls TEXT NOT NULL,
    deviations BIGINT NOT NULL, open_after BIGINT NOT NULL, overdue_after BIGINT NOT NULL DEFAULT 0);
CREATE TABLE exceptions (id TEXT PRIMARY KEY, control TEXT NOT NULL, test TEXT NOT NULL, item TEXT NOT NULL, reasons TEXT NOT NULL,
    detail TEXT NOT NULL, owner TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL, regression BIGINT NOT NULL DEFAULT 0,
    opened_run BIGINT NOT NULL, last_seen_run BIGINT NOT NULL, accepted_by TEXT, accepted_reason TEXT, accepted_until TEXT);
CREATE TABLE history (seq BIGINT PRIMARY KEY, exception_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, why TEXT NOT NULL, run BIGINT);
INSERT INTO runs VALUES (1, '2026-06-01T12:00:00Z', 'ci', 'kit', 'vendors', 1, 1, 0);
INSERT INTO exceptions VALUES ('vendors/t/v1', 'vendors', 't', 'v1', 'no_tier', 'v1 deviates', 'owner@acme.test', '2026-07-15',
    'open', 0, 1, 1, NULL, NULL, NULL);
INSERT INTO history VALUES (1, 'vendors/t/v1', '2026-06-01T12:00:00Z', 'ci', 'status', '', 'open', 'found by run 1', 1);
";

fn raw(loc: &str) -> Box<dyn Backend> {
    backend::open(loc).expect("open")
}

#[test]
fn a_register_of_the_first_schema_is_migrated_in_place() {
    each(|loc| {
        raw(loc).batch(V1).expect("a v1 register");
        let mut reg = Register::at(loc).expect("migrates");
        assert_eq!(
            reg.schema_version().expect("version"),
            backend::SCHEMA_VERSION
        );
        let (e, h) = reg.show("vendors/t/v1").expect("kept");
        assert_eq!((e.status.as_str(), e.response, h.len()), ("open", None, 1));
        // Opening again changes nothing; the register works as a new one.
        let mut reg = Register::at(loc).expect("reopens");
        let r = reg.record(&run(2, &["vendors"]), &[]).expect("run 2");
        assert_eq!((r.run, r.remediated), (2, 1));
        assert_eq!(reg.runs().expect("runs").len(), 2);
        // A register from a newer fieldcheck is refused, not damaged.
        raw(loc)
            .exec("UPDATE schema_version SET version = 99", &[])
            .expect("bump");
        assert!(
            matches!(Register::at(loc), Err(Error::Refused(m)) if m.contains("newer fieldcheck"))
        );
    });
}

#[test]
fn item_keys_survive_storage_whatever_they_hold() {
    let keys = items(&["a", "b\\n", "c\nd", "\\", "", "e"]);
    // An empty key cannot be told from an empty population at the end; elsewhere it survives.
    assert_eq!(split_items(&join_items(&keys)), keys);
    assert!(split_items(&join_items(&[])).is_empty());
}

/// A run of `controls` (test `t`, complete evidence) whose computed conclusions are given.
fn concluded_run(n: u32, controls: &[(&str, Option<Conclusion>)]) -> Run {
    let names: Vec<&str> = controls.iter().map(|(c, _)| *c).collect();
    let mut r = run(n, &names);
    for (e, (_, k)) in r.controls.iter_mut().zip(controls) {
        e.conclusion = *k;
    }
    r
}

const W: &str = "2026-01-01..2026-06-30 UTC";

fn refused(r: Result<Override>) -> String {
    match r {
        Err(Error::Refused(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn conclusions_parse_and_order_by_harshness() {
    for c in Conclusion::ALL {
        assert_eq!(Conclusion::parse(c.as_str()), Some(c));
        assert_eq!(c.as_str().parse::<Conclusion>().ok(), Some(c));
    }
    assert_eq!(Conclusion::parse("Effective"), None);
    assert!("passed".parse::<Conclusion>().is_err());
    use Conclusion::*;
    assert_eq!(
        Direction::of(Some(Ineffective), EffectiveWithExceptions),
        Direction::Softer
    );
    assert_eq!(
        Direction::of(Some(EffectiveWithExceptions), Effective),
        Direction::Softer
    );
    assert_eq!(
        Direction::of(Some(Effective), Ineffective),
        Direction::Harsher
    );
    assert_eq!(
        Direction::of(Some(Ineffective), Ineffective),
        Direction::Same
    );
    assert_eq!(Direction::of(None, Ineffective), Direction::Unknown);
    assert_eq!(
        Direction::of(Some(NotEvidenced), Effective),
        Direction::Unknown
    );
    assert_eq!(window_dates(W), Some(("2026-01-01", "2026-06-30")));
    assert_eq!(window_dates(""), None);
    assert_eq!(window_dates("2026-01-01/2026-06-30"), None);
}

#[test]
fn a_recorded_run_keeps_each_controls_computed_conclusion() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let mut r = concluded_run(
            1,
            &[
                ("changes", Some(Conclusion::Ineffective)),
                ("vendors", None),
            ],
        );
        r.controls[1].unverifiable = Some("vendors.csv is missing".into());
        reg.record(&r, &[found("changes", "p1", &["no_ticket"])])
            .expect("run 1");
        reg.record(
            &concluded_run(2, &[("changes", Some(Conclusion::EffectiveWithExceptions))]),
            &[],
        )
        .expect("run 2");
        assert_eq!(reg.windows().expect("windows"), [W]);
        assert_eq!(
            reg.recorded_conclusions(W).expect("conclusions"),
            [
                RecordedConclusion {
                    control: "changes".into(),
                    run: 2,
                    conclusion: Some(Conclusion::EffectiveWithExceptions),
                    unverifiable: None,
                },
                RecordedConclusion {
                    control: "vendors".into(),
                    run: 1,
                    conclusion: None,
                    unverifiable: Some("vendors.csv is missing".into()),
                },
            ]
        );
        assert!(
            reg.recorded_conclusions("2025-01-01..2025-12-31 UTC")
                .expect("none")
                .is_empty()
        );
    });
}

#[test]
fn a_person_concludes_within_the_rules() {
    use Conclusion::*;
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let at = "2026-07-02T09:00:00Z";
        // Nothing recorded yet: nothing to conclude on.
        let m = refused(reg.conclude("changes", None, Ineffective, "x", at, "ana"));
        assert!(m.contains("no recorded run yet"), "{m}");
        let mut r = concluded_run(
            1,
            &[
                ("changes", Some(Ineffective)),
                ("vendors", Some(EffectiveWithExceptions)),
                ("leavers", Some(Effective)),
                ("backups", Some(NotEvidenced)),
                ("restores", Some(NotOccurring)),
                ("access", None),
                ("risks", None),
            ],
        );
        r.controls[6].unverifiable = Some("risks.csv is missing".into());
        reg.record(&r, &[]).expect("run 1");
        // Only the three concludable conclusions.
        for c in [NotEvidenced, NotOccurring] {
            let m = refused(reg.conclude("changes", None, c, "because", at, "ana"));
            assert!(m.contains("from the evidence alone"), "{m}");
        }
        // Softer needs a reason; a blank one is none.
        for why in ["", "  "] {
            let m = refused(reg.conclude("changes", None, EffectiveWithExceptions, why, at, "ana"));
            assert!(m.contains("softer") && m.contains("--why"), "{m}");
        }
        let o = reg
            .conclude(
                "changes",
                None,
                EffectiveWithExceptions,
                " the 3 deploys were one hotfix weekend ",
                at,
                "ana",
            )
            .expect("softer with a reason");
        assert_eq!(
            (
                o.window.as_str(),
                o.run,
                o.computed,
                o.direction,
                o.why.as_str()
            ),
            (
                W,
                1,
                Some(Ineffective),
                Direction::Softer,
                "the 3 deploys were one hotfix weekend"
            )
        );
        assert!(o.is_softer() && o.applies());
        // Harsher or equal needs none.
        let o = reg
            .conclude("vendors", Some(W), Ineffective, "", at, "ana")
            .expect("harsher");
        assert_eq!((o.direction, o.is_softer()), (Direction::Harsher, false));
        let o = reg
            .conclude("leavers", None, Effective, "", at, "ana")
            .expect("same");
        assert_eq!(o.direction, Direction::Same);
        // Only evidence changes not_evidenced and not_occurring, whatever the reason.
        let m = refused(reg.conclude("backups", None, Effective, "restores work", at, "ana"));
        assert!(
            m.contains("is not_evidenced") && m.contains("only evidence"),
            "{m}"
        );
        let m = refused(reg.conclude("restores", None, Ineffective, "no test at all", at, "ana"));
        assert!(m.contains("is not_occurring"), "{m}");
        let m = refused(reg.conclude("risks", None, Ineffective, "x", at, "ana"));
        assert!(m.contains("risks.csv is missing"), "{m}");
        // An unknown computed conclusion cannot be judged: a reason is needed, even to be harsh.
        let m = refused(reg.conclude("access", None, Ineffective, "", at, "ana"));
        assert!(m.contains("cannot be judged") && m.contains("--why"), "{m}");
        let o = reg
            .conclude(
                "access",
                None,
                Ineffective,
                "Q2 was never reviewed",
                at,
                "ana",
            )
            .expect("with a reason");
        assert_eq!((o.direction, o.is_softer()), (Direction::Unknown, true));
        // A window without a recorded run, and a control none of its runs evaluated.
        let m = refused(reg.conclude(
            "changes",
            Some("2025-01-01..2025-12-31 UTC"),
            Ineffective,
            "x",
            at,
            "ana",
        ));
        assert!(
            m.contains("no recorded run of the window") && m.contains(W),
            "{m}"
        );
        let m = refused(reg.conclude("nope", None, Ineffective, "x", at, "ana"));
        assert!(m.contains("evaluated `nope`"), "{m}");
        // Append-only: a second conclusion replaces the first in the list, the log keeps both.
        reg.conclude(
            "changes",
            None,
            Ineffective,
            "",
            "2026-07-03T09:00:00Z",
            "bo",
        )
        .expect("back to the computed one");
        let latest = reg.overrides(W).expect("overrides");
        assert_eq!(
            latest
                .iter()
                .map(|o| (o.control.as_str(), o.concluded, o.actor.as_str()))
                .collect::<Vec<_>>(),
            [
                ("access", Ineffective, "ana"),
                ("changes", Ineffective, "bo"),
                ("leavers", Effective, "ana"),
                ("vendors", Ineffective, "ana"),
            ]
        );
        let log = reg.override_log(W).expect("log");
        assert_eq!(log.len(), 5);
        assert_eq!(
            log.iter()
                .filter(|o| o.control == "changes")
                .map(|o| o.seq)
                .collect::<Vec<_>>(),
            [1, 5]
        );
        assert!(
            reg.overrides("2025-01-01..2025-12-31 UTC")
                .expect("none")
                .is_empty()
        );
    });
}

#[test]
fn an_override_lapses_when_the_evidence_no_longer_supports_it() {
    use Conclusion::*;
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let at = "2026-07-02T09:00:00Z";
        reg.record(
            &concluded_run(
                1,
                &[
                    ("changes", Some(Ineffective)),
                    ("vendors", Some(EffectiveWithExceptions)),
                    ("leavers", Some(Ineffective)),
                ],
            ),
            &[],
        )
        .expect("run 1");
        reg.conclude(
            "changes",
            None,
            EffectiveWithExceptions,
            "one weekend",
            at,
            "ana",
        )
        .expect("softer");
        reg.conclude("vendors", None, Ineffective, "", at, "ana")
            .expect("harsher");
        reg.conclude("leavers", None, Effective, "all fixed", at, "ana")
            .expect("softer");
        // The same facts again: every override applies.
        reg.record(
            &concluded_run(
                2,
                &[
                    ("changes", Some(Ineffective)),
                    ("vendors", Some(EffectiveWithExceptions)),
                    ("leavers", Some(Ineffective)),
                ],
            ),
            &[],
        )
        .expect("run 2");
        assert!(reg.overrides(W).expect("o").iter().all(Override::applies));
        // New facts: changes is not evidenced, vendors effective, leavers with exceptions.
        let mut r = concluded_run(
            3,
            &[
                ("changes", Some(NotEvidenced)),
                ("vendors", Some(Effective)),
                ("leavers", Some(EffectiveWithExceptions)),
            ],
        );
        r.controls[0].unverifiable = Some("changes.csv is missing".into());
        reg.record(&r, &[]).expect("run 3");
        let o = reg.overrides(W).expect("o");
        let by = |c: &str| o.iter().find(|x| x.control == c).expect("override").clone();
        let changes = by("changes");
        assert_eq!(changes.current, Some(NotEvidenced));
        assert_eq!(changes.shown(), Some(NotEvidenced));
        assert!(
            changes
                .lapsed
                .as_deref()
                .is_some_and(|l| l.contains("only evidence")),
            "{changes:?}"
        );
        // A harsher conclusion hides nothing: it stays.
        let vendors = by("vendors");
        assert_eq!(
            (vendors.applies(), vendors.shown()),
            (true, Some(Ineffective))
        );
        // A softer one made against other facts lapses until someone concludes again.
        let leavers = by("leavers");
        assert_eq!(leavers.shown(), Some(EffectiveWithExceptions));
        assert_eq!(
            leavers.lapsed.as_deref(),
            Some(
                "made against ineffective (run 1); run 3 computed effective_with_exceptions since: conclude again"
            )
        );
        // The same rules against an audit that was not recorded.
        let again = leavers.against(Some(Ineffective));
        assert_eq!((again.applies(), again.shown()), (true, Some(Effective)));
        let gone = vendors.against(Some(NotOccurring));
        assert_eq!(
            gone.lapsed.as_deref(),
            Some("this audit computed not_occurring: only evidence changes that")
        );
        assert_eq!(
            by("changes").against(None).lapsed.as_deref(),
            Some(
                "made against ineffective (run 1); this audit computed none since: conclude again"
            )
        );
        // Nor can a new one be made on missing evidence.
        let m = refused(reg.conclude("changes", None, Ineffective, "x", at, "ana"));
        assert!(m.contains("not_evidenced"), "{m}");
    });
}

/// A run of `window` that found deviations in the tests named (control, item).
fn window_run(n: u32, window: &str, found_in: &[(&str, &str)]) -> (Run, Vec<Found>) {
    let mut r = run(n, &["leavers", "vendors"]);
    r.window = window.into();
    (
        r,
        found_in.iter().map(|(c, i)| found(c, i, &["x"])).collect(),
    )
}

#[test]
fn the_prior_period_is_the_latest_window_that_ends_before_this_one_starts() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let h2_2025 = "2025-07-01..2025-12-31 UTC";
        let h1 = W;
        let h2 = "2026-07-01..2026-12-31 UTC";
        for (n, w, f) in [
            (1, h2_2025, &[("vendors", "v1")][..]),
            // The first half: leavers in run 2, vendors in run 3 only (a later run that finds none
            // does not undo a deviation in the window).
            (2, h1, &[("leavers", "p1")][..]),
            (3, h1, &[("vendors", "v1")][..]),
            (4, h1, &[][..]),
            // An overlapping window recorded later is not a prior period of the second half.
            (5, "2026-04-01..2026-09-30 UTC", &[("leavers", "p2")][..]),
        ] {
            let (r, found) = window_run(n, w, f);
            reg.record(&r, &found).expect("run");
        }
        let pair = |c: &str| (c.to_string(), "t".to_string());
        assert_eq!(reg.prior_window(h2).expect("prior").as_deref(), Some(h1));
        assert_eq!(
            reg.prior_deviations(h2).expect("prior"),
            BTreeSet::from([pair("leavers"), pair("vendors")])
        );
        assert_eq!(
            reg.prior_deviations(h1).expect("prior"),
            BTreeSet::from([pair("vendors")])
        );
        assert!(reg.prior_deviations(h2_2025).expect("none").is_empty());
        // A window that was never recorded still has a prior period.
        assert_eq!(
            reg.prior_window("2027-01-01..2027-12-31 UTC")
                .expect("prior")
                .as_deref(),
            Some("2026-04-01..2026-09-30 UTC")
        );
        // On a tie of end dates, the window recorded last.
        let (r, f) = window_run(6, "2026-04-01..2026-06-30 UTC", &[]);
        reg.record(&r, &f).expect("run 6");
        assert_eq!(
            reg.prior_window(h2).expect("prior").as_deref(),
            Some("2026-04-01..2026-06-30 UTC")
        );
        assert!(reg.prior_deviations(h2).expect("none").is_empty());
        assert!(matches!(
            reg.prior_deviations("last year"),
            Err(Error::Refused(_))
        ));
    });
}

#[test]
fn a_register_of_the_second_schema_is_migrated_and_keeps_conclusions_from_then_on() {
    each(|loc| {
        let mut db = raw(loc);
        db.batch(V1).expect("a v1 register");
        db.batch(V2_V3.split("-- v3").next().expect("v2 part"))
            .expect("to v2");
        db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL); INSERT INTO schema_version (version) VALUES (2); UPDATE runs SET audit_window = '2026-01-01..2026-06-30 UTC';")
            .expect("v2");
        drop(db);
        let mut reg = Register::at(loc).expect("migrates");
        assert_eq!(
            reg.schema_version().expect("version"),
            backend::SCHEMA_VERSION
        );
        // Run 1 kept no conclusions: nothing to conclude on, and no prior-period counts.
        let m = refused(reg.conclude("vendors", None, Conclusion::Ineffective, "x", "t", "ana"));
        assert!(m.contains("recorded by this fieldcheck"), "{m}");
        assert!(
            reg.prior_deviations("2026-07-01..2026-12-31 UTC")
                .expect("prior")
                .is_empty()
        );
        reg.record(
            &concluded_run(2, &[("vendors", Some(Conclusion::Ineffective))]),
            &[found("vendors", "v1", &["no_tier"])],
        )
        .expect("run 2");
        reg.conclude("vendors", None, Conclusion::Ineffective, "", "t", "ana")
            .expect("concluded");
        assert_eq!(
            reg.prior_deviations("2026-07-01..2026-12-31 UTC")
                .expect("prior"),
            BTreeSet::from([("vendors".to_string(), "t".to_string())])
        );
    });
}

/// Schema versions 2 and 3 as fieldcheck wrote them (before the CHECK constraints of version 4):
/// applied after [`V1`], they make a version-3 register.
const V2_V3: &str = "
ALTER TABLE runs ADD COLUMN audit_window TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN files TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN unverified TEXT;
ALTER TABLE exceptions ADD COLUMN response TEXT;
ALTER TABLE exceptions ADD COLUMN response_by TEXT;
ALTER TABLE exceptions ADD COLUMN response_at TEXT;
CREATE TABLE populations (audit_window TEXT NOT NULL, control TEXT NOT NULL, test TEXT NOT NULL, run BIGINT NOT NULL,
    items TEXT NOT NULL, PRIMARY KEY (audit_window, control, test));
-- v3
CREATE TABLE run_controls (run BIGINT NOT NULL, control TEXT NOT NULL, conclusion TEXT, unverifiable TEXT, PRIMARY KEY (run, control));
CREATE TABLE run_tests (run BIGINT NOT NULL, control TEXT NOT NULL, test TEXT NOT NULL, population BIGINT NOT NULL,
    deviations BIGINT NOT NULL, PRIMARY KEY (run, control, test));
CREATE TABLE overrides (seq BIGINT PRIMARY KEY, audit_window TEXT NOT NULL, control TEXT NOT NULL, run BIGINT NOT NULL,
    computed TEXT, concluded TEXT NOT NULL, why TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL);
CREATE INDEX history_by_exception ON history (exception_id, seq);
CREATE INDEX exceptions_by_status ON exceptions (status);
CREATE INDEX overrides_by_window ON overrides (audit_window, control, seq);
CREATE TABLE schema_version (version BIGINT NOT NULL);
INSERT INTO schema_version (version) VALUES (3);
";

/// A version-3 register at `loc` holding an exception in every status, a run's conclusions (one
/// not computed) and two people's conclusions (one made against no computed conclusion).
fn version_3(loc: &str) {
    let mut db = raw(loc);
    db.batch(V1).expect("v1");
    db.batch(V2_V3).expect("v3");
    db.batch(
        "
UPDATE runs SET audit_window = '2026-01-01..2026-06-30 UTC', files = 'vendors.csv=3';
INSERT INTO runs (id, at, actor, kit, controls, deviations, open_after, overdue_after, audit_window, files)
    VALUES (2, '2026-06-02T12:00:00Z', 'ci', 'kit', 'vendors leavers', 3, 4, 0, '2026-01-01..2026-06-30 UTC', 'vendors.csv=3');
INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run,
    accepted_by, accepted_reason, accepted_until, unverified, response, response_by, response_at) VALUES
    ('vendors/t/v2', 'vendors', 't', 'v2', 'no_tier', 'v2 deviates', 'it@acme.test', '2026-07-15', 'in_remediation', 0, 2, 2,
        NULL, NULL, NULL, NULL, 'on it', 'cfo', '2026-06-03T09:00:00Z'),
    ('leavers/t/p1', 'leavers', 't', 'p1', 'late', 'p1 deviates', 'it@acme.test', '2026-07-15', 'remediated', 1, 1, 1,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('leavers/t/p2', 'leavers', 't', 'p2', 'late', 'p2 deviates', 'it@acme.test', '2026-07-15', 'risk_accepted', 0, 2, 2,
        'cfo', 'low risk', '2026-12-31', NULL, NULL, NULL, NULL);
INSERT INTO history (seq, exception_id, at, actor, field, old, new, why, run) VALUES
    (2, 'vendors/t/v2', '2026-06-02T12:00:00Z', 'ci', 'status', '', 'open', 'found by run 2', 2),
    (3, 'vendors/t/v2', '2026-06-02T13:00:00Z', 'ana', 'status', 'open', 'in_remediation', 'ticket', NULL);
INSERT INTO run_controls (run, control, conclusion, unverifiable) VALUES
    (2, 'vendors', 'ineffective', NULL), (2, 'leavers', NULL, NULL);
INSERT INTO run_tests (run, control, test, population, deviations) VALUES (2, 'vendors', 't', 3, 2), (2, 'leavers', 't', 9, 1);
INSERT INTO overrides (seq, audit_window, control, run, computed, concluded, why, at, actor) VALUES
    (1, '2026-01-01..2026-06-30 UTC', 'vendors', 2, 'ineffective', 'effective_with_exceptions', 'isolated', '2026-06-04T09:00:00Z', 'ana'),
    (2, '2026-01-01..2026-06-30 UTC', 'leavers', 2, NULL, 'effective', 'reviewed', '2026-06-04T10:00:00Z', 'ana');
",
    )
    .expect("rows");
}

/// Every row of a register, as text, table by table (what a migration must keep).
fn all_rows(loc: &str) -> Vec<String> {
    let mut db = raw(loc);
    let mut out = Vec::new();
    for (table, order) in [
        ("runs", "id"),
        ("exceptions", "id"),
        ("history", "seq"),
        ("populations", "audit_window, control, test"),
        ("run_controls", "run, control"),
        ("run_tests", "run, control, test"),
        ("overrides", "seq"),
    ] {
        for r in db
            .query(&format!("SELECT * FROM {table} ORDER BY {order}"), &[])
            .expect("rows")
        {
            out.push(format!("{table}: {r:?}"));
        }
    }
    out
}

/// Whether raw SQL that writes a bad value is refused by the database.
fn refused_by_db(loc: &str, sql: &str) -> bool {
    matches!(raw(loc).exec(sql, &[]), Err(Error::Db(_)))
}

#[test]
fn a_register_of_the_third_schema_gets_checks_and_keeps_every_row() {
    each(|loc| {
        version_3(loc);
        let before = all_rows(loc);
        assert_eq!(before.len(), 15, "{before:#?}");
        let mut reg = Register::at(loc).expect("migrates");
        assert_eq!(
            reg.schema_version().expect("version"),
            backend::SCHEMA_VERSION
        );
        drop(reg);
        assert_eq!(all_rows(loc), before);
        let mut reg = Register::at(loc).expect("reopens");
        let statuses: Vec<(String, ExceptionStatus)> = reg
            .list(&Filter::default())
            .expect("list")
            .into_iter()
            .map(|e| (e.id, e.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("leavers/t/p1".to_string(), ExceptionStatus::Remediated),
                ("leavers/t/p2".to_string(), ExceptionStatus::RiskAccepted),
                ("vendors/t/v1".to_string(), ExceptionStatus::Open),
                ("vendors/t/v2".to_string(), ExceptionStatus::InRemediation),
            ]
        );
        let window = "2026-01-01..2026-06-30 UTC";
        let recorded = reg.recorded_conclusions(window).expect("conclusions");
        assert_eq!(
            recorded
                .iter()
                .map(|r| (r.control.as_str(), r.conclusion))
                .collect::<Vec<_>>(),
            [
                ("leavers", None),
                ("vendors", Some(Conclusion::Ineffective))
            ]
        );
        let log = reg.override_log(window).expect("log");
        assert_eq!(
            log.iter()
                .map(|o| (o.seq, o.computed, o.concluded))
                .collect::<Vec<_>>(),
            [
                (
                    1,
                    Some(Conclusion::Ineffective),
                    Conclusion::EffectiveWithExceptions
                ),
                (2, None, Conclusion::Effective)
            ]
        );
        // The indexes are there again (SQLite rebuilt the tables; PostgreSQL altered them).
        if !is_server(loc) {
            let mut db = raw(loc);
            let indexes: Vec<String> = db
                .query("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name", &[])
                .expect("indexes")
                .iter()
                .map(|r| r[0].text())
                .collect();
            assert_eq!(
                indexes,
                [
                    "exceptions_by_status",
                    "history_by_exception",
                    "overrides_by_window",
                    "sessions_by_email"
                ]
            );
        }
        // The register works on: a run reconciles, and its writes pass the checks.
        let r = reg
            .record(
                &concluded_run(3, &[("vendors", Some(Conclusion::Effective))]),
                &[],
            )
            .expect("run 3");
        assert_eq!((r.remediated, r.unverified), (1, 1), "{r:?}");
        // The database itself now refuses a status or conclusion outside the enums.
        assert!(refused_by_db(
            loc,
            "UPDATE exceptions SET status = 'closed' WHERE id = 'vendors/t/v1'"
        ));
        assert!(refused_by_db(
            loc,
            "INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run)
             VALUES ('x/t/1', 'x', 't', '1', '', '', 'o', '2026-07-15', 'Open', 0, 1, 1)"
        ));
        assert!(refused_by_db(
            loc,
            "INSERT INTO run_controls (run, control, conclusion) VALUES (3, 'x', 'passed')"
        ));
        assert!(refused_by_db(
            loc,
            "INSERT INTO overrides (seq, audit_window, control, run, computed, concluded, why, at, actor)
             VALUES (9, 'w', 'x', 3, 'effective', 'not_evidenced', 'x', 't', 'a')"
        ));
        assert!(refused_by_db(
            loc,
            "INSERT INTO overrides (seq, audit_window, control, run, computed, concluded, why, at, actor)
             VALUES (9, 'w', 'x', 3, 'fine', 'effective', 'x', 't', 'a')"
        ));
        // ... and accepts every name of the enums (NULL where nothing was computed).
        let mut db = raw(loc);
        for (n, s) in ExceptionStatus::ALL.into_iter().enumerate() {
            db.exec(
                "INSERT INTO exceptions (id, control, test, item, reasons, detail, owner, target, status, regression, opened_run, last_seen_run)
                 VALUES (?1, 'x', 't', ?1, '', '', 'o', '2026-07-15', ?2, 0, 1, 1)",
                &[format!("x/t/{n}").into(), s.into()],
            )
            .expect("a known status");
        }
        for (n, c) in Conclusion::ALL.into_iter().enumerate() {
            db.exec(
                "INSERT INTO run_controls (run, control, conclusion) VALUES (3, ?1, ?2)",
                &[format!("x{n}").into(), c.into()],
            )
            .expect("a known conclusion");
        }
        db.exec(
            "INSERT INTO run_controls (run, control, conclusion) VALUES (3, 'y', NULL)",
            &[],
        )
        .expect("no conclusion");
    });
}

#[test]
fn a_register_holding_an_unknown_status_is_not_migrated_and_not_changed() {
    each(|loc| {
        version_3(loc);
        raw(loc)
            .exec(
                "UPDATE exceptions SET status = 'closed' WHERE id = 'leavers/t/p1'",
                &[],
            )
            .expect("a bad status");
        let before = all_rows(loc);
        let m = match Register::at(loc) {
            Err(Error::Refused(m)) => m,
            Err(e) => panic!("not a clear refusal: {e}"),
            Ok(_) => panic!("migrated a register holding status `closed`"),
        };
        assert_eq!(
            m,
            format!(
                "the register cannot be brought to schema version {}: its exceptions row id = 'leavers/t/p1' has status `closed`, which is not one of: open, in_remediation, remediated, risk_accepted; correct it (or restore the register from a backup) and run fieldcheck again",
                backend::SCHEMA_VERSION
            )
        );
        // Nothing changed: still version 3, every row as it was, the bad one included.
        assert_eq!(all_rows(loc), before);
        let v = raw(loc)
            .query("SELECT MAX(version) FROM schema_version", &[])
            .expect("version");
        assert_eq!(v[0][0].int(), 3);
        // A bad conclusion is named by its row too.
        raw(loc)
            .exec(
                "UPDATE exceptions SET status = 'remediated' WHERE id = 'leavers/t/p1'",
                &[],
            )
            .expect("fixed");
        raw(loc)
            .exec(
                "UPDATE run_controls SET conclusion = 'Effective' WHERE control = 'leavers'",
                &[],
            )
            .expect("a bad conclusion");
        let m = match Register::at(loc) {
            Err(Error::Refused(m)) => m,
            _ => panic!("migrated a register holding conclusion `Effective`"),
        };
        assert!(
            m.contains("its run_controls row (run, control) = (2, 'leavers') has conclusion `Effective`, which is not one of: effective, effective_with_exceptions, ineffective, not_occurring, not_evidenced"),
            "{m}"
        );
        raw(loc)
            .exec(
                "UPDATE run_controls SET conclusion = 'effective' WHERE control = 'leavers'",
                &[],
            )
            .expect("fixed");
        let mut reg = Register::at(loc).expect("migrates once corrected");
        assert_eq!(
            reg.schema_version().expect("version"),
            backend::SCHEMA_VERSION
        );
    });
}

#[test]
fn the_list_and_the_rule_agree_on_overdue_at_the_target_date() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        // Every target is 2026-07-15 (`found`).
        reg.record(
            &run(1, &["leavers"]),
            &[
                found("leavers", "p1", &["x"]),
                found("leavers", "p2", &["x"]),
                found("leavers", "v1", &["x"]),
            ],
        )
        .expect("run");
        reg.set_status(
            "leavers/t/p2",
            ExceptionStatus::InRemediation,
            "t",
            "ana",
            "ticket",
        )
        .expect("status");
        reg.accept(
            "leavers/t/v1",
            "cfo",
            "low risk",
            "2026-12-31",
            "2026-07-01",
            "t",
            "ana",
        )
        .expect("accept");
        let all = reg.list(&Filter::default()).expect("list");
        for (day, overdue) in [
            ("2026-07-14", &[][..]),
            ("2026-07-15", &[][..]),
            ("2026-07-16", &["leavers/t/p1", "leavers/t/p2"][..]),
        ] {
            let listed: Vec<String> = reg
                .list(&Filter {
                    overdue_on: Some(day.into()),
                    ..Filter::default()
                })
                .expect("list")
                .into_iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(listed, overdue, "{day}");
            let by_rule: Vec<&str> = all
                .iter()
                .filter(|e| rules::is_overdue(e.status, &e.target, day))
                .map(|e| e.id.as_str())
                .collect();
            assert_eq!(by_rule, overdue, "{day}");
        }
        // A run's overdue count applies the same rule on its day.
        for (n, overdue) in [(15, 0), (16, 2)] {
            reg.record(
                &run(n, &["leavers"]),
                &[
                    found("leavers", "p1", &["x"]),
                    found("leavers", "p2", &["x"]),
                    found("leavers", "v1", &["x"]),
                ],
            )
            .expect("run");
            let last = reg.runs().expect("runs").pop().expect("a run");
            assert_eq!((last.open, last.overdue), (3, overdue), "day {n}");
        }
    });
}

#[test]
fn statuses_and_conclusions_are_written_as_their_names() {
    for s in ExceptionStatus::ALL {
        assert_eq!(s.as_str().parse::<ExceptionStatus>().ok(), Some(s));
        assert_eq!(s.to_string(), s.as_str());
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            format!("\"{}\"", s.as_str())
        );
        assert_eq!(
            serde_json::from_str::<ExceptionStatus>(&format!("\"{s}\"")).expect("json"),
            s
        );
    }
    assert_eq!(
        ExceptionStatus::ALL.map(ExceptionStatus::as_str),
        ["open", "in_remediation", "remediated", "risk_accepted"]
    );
    for c in Conclusion::ALL {
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            format!("\"{}\"", c.as_str())
        );
    }
    // What the database's checks list is what the enums name.
    let conditions: Vec<String> = backend::CHECKS_V4.iter().map(|c| c.condition()).collect();
    assert_eq!(
        conditions,
        [
            "status IN ('open', 'in_remediation', 'remediated', 'risk_accepted')",
            "conclusion IS NULL OR conclusion IN ('effective', 'effective_with_exceptions', 'ineffective', 'not_occurring', 'not_evidenced')",
            "computed IS NULL OR computed IN ('effective', 'effective_with_exceptions', 'ineffective', 'not_occurring', 'not_evidenced')",
            "concluded IN ('effective', 'effective_with_exceptions', 'ineffective')",
        ]
    );
}

mod access_tests {
    use super::*;
    use crate::access::{NewUser, RequestStatus, Role, Session};

    fn user<'a>(email: &'a str, role: Role) -> NewUser<'a> {
        NewUser {
            email,
            name: "",
            role,
            password: "$argon2id$v=19$stub",
            expires: None,
        }
    }

    #[test]
    fn users_are_unique_by_email_in_any_case_and_every_change_is_logged() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            assert!(!reg.has_admin().unwrap());
            let u = reg
                .add_user(&user(" Ana@Northpeak.io ", Role::Admin), "t1", "setup")
                .expect("added");
            assert_eq!(u.email, "ana@northpeak.io");
            assert!(reg.has_admin().unwrap());
            let again = reg
                .add_user(&user("ANA@northpeak.io", Role::Viewer), "t2", "setup")
                .unwrap_err();
            assert_eq!(
                again.to_string(),
                "there is already a user `ana@northpeak.io`"
            );
            let bad = reg
                .add_user(&user("ana", Role::Viewer), "t2", "setup")
                .unwrap_err();
            assert!(bad.to_string().contains("is not an email address"), "{bad}");
            reg.add_user(
                &NewUser {
                    expires: Some("2027-03-31"),
                    ..user("kim@audit.example", Role::Auditor)
                },
                "t3",
                "ana@northpeak.io",
            )
            .unwrap();
            reg.set_role(
                "kim@audit.example",
                Role::Viewer,
                None,
                "t4",
                "ana@northpeak.io",
            )
            .unwrap();
            reg.set_disabled("kim@audit.example", true, "t5", "ana@northpeak.io")
                .unwrap();
            let kim = reg.user("Kim@Audit.Example").unwrap().expect("found");
            assert_eq!(
                (kim.role, kim.disabled, kim.expires),
                (Role::Viewer, true, None)
            );
            let log: Vec<_> = reg
                .access_log()
                .unwrap()
                .into_iter()
                .map(|c| (c.action, c.email, c.detail, c.actor))
                .collect();
            assert_eq!(
                log,
                [
                    ("disabled", "kim@audit.example", "", "ana@northpeak.io"),
                    ("role", "kim@audit.example", "viewer", "ana@northpeak.io"),
                    (
                        "user_added",
                        "kim@audit.example",
                        "auditor until 2027-03-31",
                        "ana@northpeak.io"
                    ),
                    ("user_added", "ana@northpeak.io", "admin", "setup"),
                ]
                .map(|(a, e, d, w)| (
                    a.to_string(),
                    e.to_string(),
                    d.to_string(),
                    w.to_string()
                ))
            );
            let nobody = reg
                .set_role("nobody@x.io", Role::Admin, None, "t", "a")
                .unwrap_err();
            assert!(
                nobody.to_string().starts_with("no user `nobody@x.io`"),
                "{nobody}"
            );
        });
    }

    #[test]
    fn the_database_refuses_a_role_the_code_does_not_know() {
        each(|loc| {
            let _ = Register::at(loc).expect("open");
            let err = raw(loc)
                .exec(
                    "INSERT INTO users (email, name, role, password, created_at, created_by) VALUES ('x@y.z', '', 'superuser', '', 't', 'a')",
                    &[],
                )
                .unwrap_err();
            assert!(!err.to_string().is_empty());
            // The constraint's list is the enum's.
            let sql = match &backend::MIGRATIONS[3].1 {
                backend::Migration::Sql(s) => *s,
                _ => panic!("schema 5 is SQL"),
            };
            let list = Role::ALL.map(|r| format!("'{}'", r.as_str())).join(", ");
            assert!(sql.contains(&format!("role IN ({list})")), "{sql}");
        });
    }

    #[test]
    fn repeated_failures_lock_an_account_and_a_success_resets_the_count() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            reg.add_user(&user("o@n.io", Role::Owner), "t", "a")
                .unwrap();
            for _ in 0..4 {
                assert!(!reg.sign_in_failed("o@n.io", 5, 1_000).unwrap());
            }
            assert_eq!(reg.user("o@n.io").unwrap().unwrap().failures, 4);
            reg.sign_in_succeeded("o@n.io").unwrap();
            assert_eq!(reg.user("o@n.io").unwrap().unwrap().failures, 0);
            for _ in 0..4 {
                reg.sign_in_failed("o@n.io", 5, 1_000).unwrap();
            }
            assert!(
                reg.sign_in_failed("o@n.io", 5, 1_000).unwrap(),
                "the fifth locks"
            );
            assert_eq!(
                reg.user("o@n.io").unwrap().unwrap().locked_until,
                Some(1_000)
            );
            // An unknown account is no error (and reveals nothing).
            assert!(!reg.sign_in_failed("ghost@n.io", 5, 1_000).unwrap());
        });
    }

    #[test]
    fn sessions_end_with_a_password_change_and_when_stale() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            reg.add_user(&user("o@n.io", Role::Owner), "t", "a")
                .unwrap();
            let s = |h: &str, created: i64| Session {
                token_hash: h.into(),
                email: "o@n.io".into(),
                csrf: format!("csrf-{h}"),
                created_at: created,
                seen_at: created,
            };
            reg.start_session(&s("h1", 100)).unwrap();
            reg.start_session(&s("h2", 200)).unwrap();
            assert_eq!(reg.session("h1").unwrap(), Some(s("h1", 100)));
            reg.touch_session("h1", 300).unwrap();
            assert_eq!(reg.session("h1").unwrap().unwrap().seen_at, 300);
            reg.end_stale_sessions(250, 0).unwrap();
            assert!(reg.session("h2").unwrap().is_none(), "idle since 200");
            assert!(reg.session("h1").unwrap().is_some());
            reg.set_password("o@n.io", "$argon2id$new", "t", "o@n.io")
                .unwrap();
            assert!(
                reg.session("h1").unwrap().is_none(),
                "a new password ends sessions"
            );
        });
    }

    #[test]
    fn an_evidence_request_goes_to_the_exceptions_owner_and_into_its_history() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            reg.record(
                &run(1, &["leavers"]),
                &[found("leavers", "p1", &["late_deprovision"])],
            )
            .unwrap();
            reg.assign(
                "leavers/t/p1",
                "it@n.io",
                "t1",
                "lead",
                "owns HR offboarding",
            )
            .unwrap();
            let id = reg
                .file_request(
                    "leavers/t/p1",
                    "ignored",
                    "the HR ticket for p1",
                    "t2",
                    "kim@audit.example",
                )
                .unwrap();
            let other = reg
                .file_request(
                    "vendors/t/v9",
                    "vendor-team@n.io",
                    "the SOC 2 report",
                    "t3",
                    "kim@audit.example",
                )
                .unwrap();
            assert_eq!((id, other), (1, 2));
            let mine = reg.requests(Some("IT@n.io")).unwrap();
            assert_eq!(mine.len(), 1);
            assert_eq!(
                (mine[0].item.as_str(), mine[0].status),
                ("leavers/t/p1", RequestStatus::Open)
            );
            reg.answer_request(id, "ticket HR-88, attached", "t4", "it@n.io")
                .unwrap();
            let all = reg.requests(None).unwrap();
            assert_eq!(all[0].status, RequestStatus::Answered);
            assert_eq!(all[1].owner, "vendor-team@n.io");
            let (_, history) = reg.show("leavers/t/p1").unwrap();
            let fields: Vec<&str> = history.iter().map(|c| c.field.as_str()).collect();
            assert!(
                fields.ends_with(&["owner", "evidence_request", "evidence_answer"]),
                "{fields:?}"
            );
            assert!(reg.file_request("nonsense", "x", "y", "t", "a").is_err());
            assert!(reg.file_request("a/b/c", "x", "  ", "t", "a").is_err());
        });
    }

    #[test]
    fn a_save_against_an_older_version_is_refused_with_the_change_made_since() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            reg.record(
                &run(1, &["leavers"]),
                &[found("leavers", "p1", &["late_deprovision"])],
            )
            .unwrap();
            let id = "leavers/t/p1";
            let seen = reg.version(id).unwrap();
            assert!(seen > 0);
            // The first browser saves.
            reg.expect_version(id, seen)
                .set_status(
                    id,
                    ExceptionStatus::InRemediation,
                    "t1",
                    "ana@n.io",
                    "fix started",
                )
                .expect("first save");
            // The second, from the same version, is refused, and nothing is lost.
            let err = reg
                .expect_version(id, seen)
                .set_status(id, ExceptionStatus::Remediated, "t2", "bo@n.io", "done")
                .unwrap_err();
            match &err {
                Error::Conflict { since, .. } => {
                    assert_eq!(since.len(), 1);
                    assert_eq!(
                        (since[0].actor.as_str(), since[0].new.as_str()),
                        ("ana@n.io", "in_remediation")
                    );
                }
                e => panic!("not a conflict: {e}"),
            }
            assert!(
                err.to_string()
                    .contains("ana@n.io set status to `in_remediation`"),
                "{err}"
            );
            assert_eq!(status_of(&mut reg, id), ExceptionStatus::InRemediation);
            // The guard is used once: an unguarded change goes through.
            reg.note(id, "both saw it", "t3", "bo@n.io").unwrap();
            let now = reg.version(id).unwrap();
            reg.expect_version(id, now)
                .note(id, "current", "t4", "bo@n.io")
                .expect("current version");
        });
    }
}

mod guard_tests {
    use super::*;

    #[test]
    fn a_version_ahead_of_the_exception_is_refused_and_an_unused_check_can_be_dropped() {
        each(|loc| {
            let mut reg = Register::at(loc).expect("open");
            reg.record(
                &run(1, &["leavers"]),
                &[found("leavers", "p1", &["late_deprovision"])],
            )
            .unwrap();
            let id = "leavers/t/p1";
            let now = reg.version(id).unwrap();
            let err = reg
                .expect_version(id, now + 1_000_000)
                .note(id, "forged", "t1", "x")
                .unwrap_err();
            assert!(
                err.to_string()
                    .contains("is not at the version the change was made from"),
                "{err}"
            );
            // A check that a refused change never used is dropped, and the next write is free.
            let refused = reg.expect_version(id, 0).note(id, "   ", "t2", "x");
            assert!(refused.is_err(), "an empty note");
            reg.clear_expectation();
            reg.note(id, "fine", "t3", "x")
                .expect("no stale check left");
        });
    }
}

#[test]
fn an_exception_closed_by_hand_is_unverified_until_a_run_sees_it_fixed() {
    each(|loc| {
        let mut reg = Register::at(loc).expect("open");
        let all = ["leavers"];
        reg.record(
            &run(1, &all),
            &[
                found("leavers", "p1", &["late_deprovision"]),
                found("leavers", "p2", &["late_deprovision"]),
            ],
        )
        .unwrap();
        reg.set_status(
            "leavers/t/p1",
            ExceptionStatus::Remediated,
            "2026-07-01T15:00:00Z",
            "ana",
            "access removed",
        )
        .unwrap();
        assert_eq!(
            reg.closed_by_hand()
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["leavers/t/p1"]
        );
        // A run after the closure re-tested it: nothing is left closed by hand.
        reg.record(&run(2, &all), &[]).unwrap();
        assert!(reg.closed_by_hand().unwrap().is_empty());
        assert_eq!(
            status_of(&mut reg, "leavers/t/p2"),
            ExceptionStatus::Remediated
        );
    });
}
