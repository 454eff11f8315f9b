//! `backup-restore` (CC9.1, A1.2): tier-1 systems are restore-tested every month and tier-2
//! systems every quarter, successfully, in isolation, with a measured recovery within the RTO.

use fieldcheck_kit::FastMap;

use fieldcheck_kit::{BackupJob, BackupStatus, RestoreStatus, RestoreTest};

use super::{Unknown, periods};
use crate::control_params::backup_restore::Params;
use crate::reasons::backup_restore::RestoreTests;
use crate::{Cx, Dev, Note, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let mut tests_by_system: FastMap<&str, Vec<&RestoreTest>> = FastMap::default();
    for t in &kit.restore_tests {
        tests_by_system.entry(&t.system_id).or_default().push(t);
    }
    let mut jobs_by_system: FastMap<&str, Vec<&BackupJob>> = FastMap::default();
    for j in &kit.backup_jobs {
        jobs_by_system.entry(&j.system_id).or_default().push(j);
    }
    let tier1 = periods(cx.w, cx.p.tier1_cadence);
    let tier2 = periods(cx.w, cx.p.tier2_cadence);
    let mut tally = Tally::default();
    let mut notes = Vec::new();
    let mut no_tier = Unknown::new(
        "systems.tier",
        "in-scope system",
        "not restore-tested (the spec tests tiers 1 and 2)",
    );
    for sys in kit.systems.iter().filter(|s| cx.in_scope(&s.system_id)) {
        let sid: &str = &sys.system_id;
        let periods = match sys.tier {
            Some(1) => &tier1,
            Some(2) => &tier2,
            None => {
                no_tier.add(sid);
                continue;
            }
            _ => continue,
        };
        let tests = tests_by_system.get(sid).map_or(&[][..], |v| v.as_slice());
        let jobs = jobs_by_system.get(sid).map_or(&[][..], |v| v.as_slice());
        let passes = |t: &RestoreTest| {
            t.status == Some(RestoreStatus::Succeeded)
                && t.isolated == Some(true)
                && t.recovery_minutes
                    .is_some_and(|m| sys.rto_minutes.is_none_or(|rto| m <= rto))
        };
        for p in periods {
            let mut dev = Dev::new(format!("{sid}/{}", p.label))
                .at(p.start)
                .period(&p.label)
                .system(sid)
                .lead(format!(
                    "{sid} (tier {}) in {}",
                    sys.tier.unwrap_or(0),
                    p.label
                ));
            dev.ev(sys.loc);
            let in_period: Vec<&RestoreTest> = tests
                .iter()
                .copied()
                .filter(|t| t.started_at.is_some_and(|at| p.contains(at)))
                .collect();
            if in_period.is_empty() {
                dev.fail(RestoreTests::NoRestoreTest, "no restore test was started");
            } else if !in_period.iter().any(|t| passes(t)) {
                let mut latest = in_period[0];
                for t in &in_period[1..] {
                    if t.started_at > latest.started_at {
                        latest = t;
                    }
                }
                dev.ev(latest.loc);
                let tid = &latest.test_id;
                match latest.status {
                    Some(RestoreStatus::Failed) => dev.fail(
                        RestoreTests::RestoreFailed,
                        format!(
                            "the latest restore test {tid} ({}) failed",
                            latest.started_at.map_or_else(String::new, |t| cx.w.fmt(t))
                        ),
                    ),
                    // A test whose result is unknown did not succeed (the item passes only on a
                    // test that succeeded); it must not be an item that fails with no reason.
                    None => dev.fail(
                        RestoreTests::RestoreFailed,
                        format!(
                            "the latest restore test {tid} ({}) has no recorded result",
                            latest.started_at.map_or_else(String::new, |t| cx.w.fmt(t))
                        ),
                    ),
                    Some(RestoreStatus::Succeeded) => {}
                }
                if latest.isolated != Some(true) {
                    dev.fail(
                        RestoreTests::NotIsolated,
                        format!("restore test {tid} did not run in an isolated environment"),
                    );
                }
                match (latest.recovery_minutes, sys.rto_minutes) {
                    (None, _) => dev.fail(
                        RestoreTests::RecoveryNotMeasured,
                        format!("restore test {tid} did not measure its recovery time"),
                    ),
                    (Some(m), Some(rto)) if m > rto => {
                        dev.fail(
                            RestoreTests::RtoExceeded,
                            format!("restore test {tid} took {m} minutes against an RTO of {rto}"),
                        );
                    }
                    _ => {}
                }
            }
            let completed = jobs.iter().any(|j| {
                j.status == Some(BackupStatus::Completed)
                    && j.started_at.is_some_and(|t| p.contains(t))
            });
            if !completed {
                let failed: Vec<&&BackupJob> = jobs
                    .iter()
                    .filter(|j| j.started_at.is_some_and(|t| p.contains(t)))
                    .collect();
                for j in failed.iter().take(5) {
                    dev.ev(j.loc);
                }
                dev.fail(
                    RestoreTests::NoSuccessfulBackup,
                    if failed.is_empty() {
                        "no backup job was started".to_string()
                    } else {
                        format!("none of its {} backup jobs completed", failed.len())
                    },
                );
            }
            tally.add(dev);
        }
        let in_window: Vec<&&BackupJob> = jobs
            .iter()
            .filter(|j| j.started_at.is_some_and(|t| cx.w.contains(t)))
            .collect();
        if !in_window.is_empty() {
            let ok = in_window
                .iter()
                .filter(|j| j.status == Some(BackupStatus::Completed))
                .count();
            notes.push(Note {
                item: sid.to_string(),
                detail: format!(
                    "{sid}: {ok} of {} backup jobs in the window completed ({:.1} %)",
                    in_window.len(),
                    ok as f64 * 100.0 / in_window.len() as f64
                ),
            });
        }
    }
    notes.extend(no_tier.note());
    vec![tally.finish("restore-tests", notes)]
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;
    use crate::params::{Cadence, ParamValue};

    const SYSTEMS: &str = "system_id,tier,in_scope,rto_minutes\ndb,1,true,60\nwiki,2,true,\nchat,3,true,\nlab,1,false,\n";

    fn backups() -> String {
        let mut s = String::from("job_id,system_id,started_at,completed_at,status\n");
        for m in 1..=6 {
            s.push_str(&format!(
                "b{m},db,2026-{m:02}-10T02:00:00Z,2026-{m:02}-10T03:00:00Z,completed\n"
            ));
            s.push_str(&format!(
                "w{m},wiki,2026-{m:02}-10T02:00:00Z,2026-{m:02}-10T03:00:00Z,completed\n"
            ));
        }
        s
    }

    fn restores(db_line: &str) -> String {
        let mut s = String::from(
            "test_id,system_id,started_at,completed_at,status,isolated,recovery_minutes,performed_by\n",
        );
        for m in 1..=6 {
            if m != 3 {
                s.push_str(&format!(
                    "t{m},db,2026-{m:02}-15T10:00:00Z,,succeeded,true,30,ops\n"
                ));
            }
        }
        s.push_str("q1,wiki,2026-02-01T10:00:00Z,,succeeded,true,500,ops\nq2,wiki,2026-05-01T10:00:00Z,,succeeded,true,500,ops\n");
        s.push_str(db_line);
        s
    }

    fn march(db_line: &str) -> Vec<&'static str> {
        let k = KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file("backup_jobs.csv", &backups())
            .file("restore_tests.csv", &restores(db_line))
            .build();
        let r = run_control(&k, "backup-restore", |_| {});
        let others: Vec<_> = reasons(&r)
            .into_iter()
            .filter(|(i, _)| i != "db/2026-03")
            .collect();
        assert!(others.is_empty(), "{others:?}");
        reasons_of(&r, "db/2026-03")
    }

    #[test]
    fn population_is_tier1_monthly_and_tier2_quarterly() {
        let k = KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file("backup_jobs.csv", &backups())
            .file("restore_tests.csv", &restores(""))
            .build();
        let r = run_control(&k, "backup-restore", |_| {});
        // db monthly, wiki quarterly; chat (tier 3) and lab (out of scope) are not in it.
        assert_eq!(
            test_items(&r, 0),
            [
                "db/2026-01",
                "db/2026-02",
                "db/2026-03",
                "db/2026-04",
                "db/2026-05",
                "db/2026-06",
                "wiki/2026-Q1",
                "wiki/2026-Q2"
            ]
        );
        assert_eq!(
            reasons(&r),
            [("db/2026-03".to_string(), vec!["no_restore_test"])]
        );
        assert_eq!(note_items_of(&r, 0), ["db", "wiki"]);
    }

    #[test]
    fn each_failure_of_the_latest_test() {
        assert!(march("t3,db,2026-03-15T10:00:00Z,,succeeded,true,60,ops\n").is_empty());
        assert_eq!(
            march("t3,db,2026-03-15T10:00:00Z,,succeeded,true,61,ops\n"),
            ["rto_exceeded"]
        );
        assert_eq!(
            march("t3,db,2026-03-15T10:00:00Z,,failed,false,,ops\n"),
            ["not_isolated", "recovery_not_measured", "restore_failed"]
        );
        assert_eq!(
            march("t3,db,2026-03-15T10:00:00Z,,succeeded,,30,ops\n"),
            ["not_isolated"]
        );
    }

    #[test]
    fn a_system_of_unknown_tier_is_noted() {
        let k = KitBuilder::new()
            .file(
                "systems.csv",
                "system_id,tier,in_scope\ndb,,true\nlab,,false\n",
            )
            .file("backup_jobs.csv", "job_id,system_id,started_at,status\n")
            .file("restore_tests.csv", "test_id,system_id,started_at,status\n")
            .build();
        let r = run_control(&k, "backup-restore", |_| {});
        let items: Vec<&str> = r.tests[0].notes.iter().map(|n| n.item.as_str()).collect();
        assert_eq!(items, ["systems.tier"]);
        assert!(
            r.tests[0].notes[0].detail.ends_with("(db)"),
            "{}",
            r.tests[0].notes[0].detail
        );
        // Boundary: tier 3 is out of the population by the spec, and not noted.
        let k = KitBuilder::new()
            .file("systems.csv", "system_id,tier,in_scope\ndb,3,true\n")
            .file("backup_jobs.csv", "job_id,system_id,started_at,status\n")
            .file("restore_tests.csv", "test_id,system_id,started_at,status\n")
            .build();
        assert!(
            run_control(&k, "backup-restore", |_| {}).tests[0]
                .notes
                .is_empty()
        );
    }

    #[test]
    fn a_latest_test_of_unknown_result_did_not_succeed() {
        // Isolated, measured and within the RTO, but no result: not a pass, and not a
        // deviation without a reason.
        assert_eq!(
            march("t3,db,2026-03-15T10:00:00Z,,,true,30,ops\n"),
            ["restore_failed"]
        );
        // Boundary: an earlier test of the period that succeeded passes it.
        assert!(
            march("t3a,db,2026-03-02T10:00:00Z,,succeeded,true,30,ops\nt3b,db,2026-03-20T10:00:00Z,,,true,30,ops\n")
                .is_empty()
        );
    }

    #[test]
    fn any_passing_test_passes_the_period_and_otherwise_the_latest_is_judged() {
        let two = "t3a,db,2026-03-02T10:00:00Z,,succeeded,true,30,ops\nt3b,db,2026-03-20T10:00:00Z,,failed,true,30,ops\n";
        assert!(march(two).is_empty());
        let two_bad = "t3a,db,2026-03-02T10:00:00Z,,failed,true,30,ops\nt3b,db,2026-03-20T10:00:00Z,,succeeded,false,30,ops\n";
        assert_eq!(march(two_bad), ["not_isolated"]);
    }

    #[test]
    fn period_edges_are_local() {
        // 2026-03-31 23:30 New York (EDT) is in March; 2026-04-01 00:00 EDT is not.
        assert!(march("t3,db,2026-04-01T03:30:00Z,,succeeded,true,30,ops\n").is_empty());
    }

    #[test]
    fn no_rto_means_never_exceeded_and_backups_are_checked_even_when_restores_pass() {
        let k = KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file(
                "backup_jobs.csv",
                &backups().replace(
                    "b4,db,2026-04-10T02:00:00Z,2026-04-10T03:00:00Z,completed",
                    "b4,db,2026-04-10T02:00:00Z,,failed",
                ),
            )
            .file(
                "restore_tests.csv",
                &restores("t3,db,2026-03-15T10:00:00Z,,succeeded,true,30,ops\n"),
            )
            .build();
        let r = run_control(&k, "backup-restore", |_| {});
        assert_eq!(
            reasons(&r),
            [("db/2026-04".to_string(), vec!["no_successful_backup"])]
        );
    }

    #[test]
    fn cadence_is_a_parameter() {
        let k = KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file("backup_jobs.csv", &backups())
            .file("restore_tests.csv", &restores(""))
            .build();
        let r = run_control(&k, "backup-restore", |p| {
            p.set(
                "backup-restore",
                "tier1_cadence",
                ParamValue::Cadence(Cadence::Quarterly),
            )
        });
        assert_eq!(
            test_items(&r, 0),
            ["db/2026-Q1", "db/2026-Q2", "wiki/2026-Q1", "wiki/2026-Q2"]
        );
        assert!(reasons(&r).is_empty());
    }
}
