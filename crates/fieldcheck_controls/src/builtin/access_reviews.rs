//! `access-reviews` (CC6.2): every in-scope system with accounts is reviewed every quarter, on
//! time, completely, independently, and its revocations are applied.

use fieldcheck_kit::FastMap;

use fieldcheck_kit::{AccessReview, Account, Decision, DecisionKind, Name, Ts};
use jiff::Timestamp;

use super::{plural, short_list};
use crate::control_params::access_reviews::Params;
use crate::reasons::access_reviews::QuarterlyReviews;
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let grace = cx.p.completion_grace_days;
    let revoke_days = cx.p.revoke_grace_days;
    // Decisions name their review, system and account by handles of the kit's names: accounts
    // and reviews are indexed by the same handles (an id no decision names has none, and no
    // decision to find), so joining 700,000 decisions hashes numbers, not strings.
    let names = &kit.names;
    let mut accounts_by_system: FastMap<&str, Vec<(Option<Name>, &Account)>> = FastMap::default();
    // An account by its system and account handles; an account whose system has no handle (no
    // decision names it) by its system's text, for the decisions that name no system and belong
    // to a review of that system.
    let mut account_by_key: FastMap<(Name, Name), &Account> =
        FastMap::with_capacity_and_hasher(kit.accounts.len(), Default::default());
    let mut account_by_text: FastMap<(&str, Name), &Account> = FastMap::default();
    // (Accounts come grouped by system: the last system's handle is kept.)
    let mut last_system: Option<(&str, Option<Name>)> = None;
    let account_names = names.find_all(kit.accounts.iter().map(|a| &*a.account_id));
    for (a, account) in kit.accounts.iter().zip(account_names) {
        accounts_by_system
            .entry(&a.system_id)
            .or_default()
            .push((account, a));
        if let Some(n) = account {
            let system = match last_system {
                Some((text, handle)) if text == &*a.system_id => handle,
                _ => {
                    let handle = names.find(&a.system_id);
                    last_system = Some((&a.system_id, handle));
                    handle
                }
            };
            match system {
                Some(s) => account_by_key.insert((s, n), a),
                None => account_by_text.insert((&a.system_id, n), a),
            };
        }
    }
    // The accounts a review decided, as a mark per name: the review's number when it decided
    // the account (a set per review outgrows the caches at 50,000 people).
    let mut decided_by: Vec<u32> = vec![0; names.len()];
    let mut review_no = 0u32;
    let mut reviews_by_system: FastMap<&str, Vec<&AccessReview>> = FastMap::default();
    for r in &kit.access_reviews {
        reviews_by_system.entry(&r.system_id).or_default().push(r);
    }
    let mut decisions_by_review: FastMap<Name, Vec<&Decision>> = FastMap::default();
    for d in &kit.access_review_decisions {
        decisions_by_review.entry(d.review_id).or_default().push(d);
    }
    let quarters = cx.w.quarters();
    let mut tally = Tally::default();
    for sys in kit
        .systems
        .iter()
        .filter(|s| cx.in_scope(&s.system_id) && accounts_by_system.contains_key(&*s.system_id))
    {
        let sid: &str = &sys.system_id;
        let sid_name = names.find(sid);
        let accounts = &accounts_by_system[sid];
        let reviews = reviews_by_system.get(sid).map_or(&[][..], |v| v.as_slice());
        for q in &quarters {
            let item = format!("{sid}/{}", q.label);
            let mut dev = Dev::new(item).at(q.start).period(&q.label).system(sid);
            dev.ev(sys.loc);
            // The latest review started in the quarter; on equal starts, the first in file order.
            let mut review: Option<(&AccessReview, Timestamp)> = None;
            for r in reviews.iter() {
                let Some(t) = r.started_at.map(Ts::get).filter(|t| q.contains(*t)) else {
                    continue;
                };
                if review.is_none_or(|(_, bt)| t > bt) {
                    review = Some((r, t));
                }
            }
            let Some((review, started)) = review else {
                dev.fail(
                    QuarterlyReviews::MissingReview,
                    format!("no access review of {sid} was started in {}", q.label),
                );
                tally.add(dev);
                continue;
            };
            let mut dev = dev.lead(format!(
                "{sid} {} review {} started {}",
                q.label,
                review.review_id,
                cx.w.fmt(started)
            ));
            dev.ev(review.loc);
            dev.person("owner", review.owner_id.as_deref());
            let deadline = cx.w.end_of_day(
                q.last_day
                    .checked_add(jiff::Span::new().days(grace))
                    .unwrap_or(q.last_day),
            );
            match review.completed_at {
                None => dev.fail(
                    QuarterlyReviews::LateReview,
                    format!("never completed (due by the end of {})", cx.w.local_date(deadline).yesterday().unwrap_or(q.last_day)),
                ),
                Some(c) if c > deadline => dev.fail(
                    QuarterlyReviews::LateReview,
                    format!(
                        "completed {}, {} after the deadline (end of {}, {} days after the quarter)",
                        cx.w.fmt(c),
                        fieldcheck_kit::time::human_duration(c.duration_since(deadline)),
                        cx.w.local_date(deadline).yesterday().unwrap_or(q.last_day),
                        grace
                    ),
                ),
                Some(_) => {}
            }
            let decisions = names
                .find(&review.review_id)
                .and_then(|r| decisions_by_review.get(&r))
                .map_or(&[][..], |v| v.as_slice());
            // A row whose `decision` is empty records no decision, and a keep or revoke with no
            // reviewer was decided by nobody on record: neither covers the account. (A
            // no_response row has no reviewer by nature.)
            review_no += 1;
            for d in decisions.iter().filter(|d| match d.decision {
                None => false,
                Some(DecisionKind::NoResponse) => true,
                Some(_) => d.reviewer_id.is_some(),
            }) {
                if d.system_id.is_none_or(|s| Some(s) == sid_name) {
                    decided_by[d.account_id.slot()] = review_no;
                }
            }
            let decided = |n: Name| decided_by[n.slot()] == review_no;
            let active = |a: &Account| {
                a.created_at.is_none_or(|c| c <= started)
                    && a.disabled_at.is_none_or(|d| d > started)
            };
            let missing: Vec<&Account> = accounts
                .iter()
                .filter(|(n, a)| active(a) && !n.is_some_and(decided))
                .map(|&(_, a)| a)
                .collect();
            if !missing.is_empty() {
                let active_count = accounts.iter().filter(|(_, a)| active(a)).count();
                let ids: Vec<&str> = missing.iter().map(|a| &*a.account_id).collect();
                dev.fail(
                    QuarterlyReviews::IncompleteCoverage,
                    format!(
                        "{} of {} active at its start have no decision ({})",
                        plural(missing.len(), "account"),
                        active_count,
                        short_list(&ids)
                    ),
                );
                for a in &missing {
                    dev.ev(a.loc);
                }
            }
            let mut selfs = Vec::new();
            let mut unapplied = Vec::new();
            let mut unrevoked = Vec::new();
            for d in decisions {
                // (A decision without a system is of the review's, which may have no handle.)
                let account = match d.system_id.or(sid_name) {
                    Some(dsys) => account_by_key.get(&(dsys, d.account_id)),
                    None => account_by_text.get(&(sid, d.account_id)),
                }
                .copied();
                if let (Some(r), Some(a)) = (&d.reviewer_id, account)
                    && a.person_id.as_ref() == Some(r)
                {
                    selfs.push(format!(
                        "{} reviewed own account {}",
                        cx.who(r),
                        d.account(names)
                    ));
                    dev.ev(d.loc);
                    dev.ev(a.loc);
                }
                let disabled_by = |t: Option<Timestamp>| -> bool {
                    match (account.and_then(|a| a.disabled_at), t) {
                        (Some(dis), Some(limit)) => dis <= limit,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }
                };
                let state = |a: Option<&Account>| match a {
                    None => "is not in accounts".to_string(),
                    Some(a) => match a.disabled_at {
                        Some(t) => format!("was disabled {}", cx.w.fmt(t)),
                        None => "was never disabled".to_string(),
                    },
                };
                match d.decision {
                    Some(DecisionKind::Revoke) => {
                        let from = d.decided_at.or(review.completed_at);
                        let limit = from.map(|t| fieldcheck_kit::time::add_days(t, revoke_days));
                        if !disabled_by(limit) {
                            unapplied.push(format!(
                                "{} (revoke decided {}) {}",
                                d.account(names),
                                from.map_or("at an unknown time".to_string(), |t| cx.w.fmt(t)),
                                state(account)
                            ));
                            dev.ev(d.loc);
                            if let Some(a) = account {
                                dev.ev(a.loc);
                            }
                        }
                    }
                    Some(DecisionKind::NoResponse) => {
                        let limit = review
                            .completed_at
                            .map(|t| fieldcheck_kit::time::add_days(t, revoke_days));
                        if !disabled_by(limit) {
                            unrevoked.push(format!("{} {}", d.account(names), state(account)));
                            dev.ev(d.loc);
                            if let Some(a) = account {
                                dev.ev(a.loc);
                            }
                        }
                    }
                    Some(DecisionKind::Keep) | None => {}
                }
            }
            if !selfs.is_empty() {
                dev.fail(
                    QuarterlyReviews::SelfReview,
                    format!("self-review: {}", short_list(&selfs)),
                );
            }
            if !unapplied.is_empty() {
                dev.fail(
                    QuarterlyReviews::RevocationNotApplied,
                    format!(
                        "{} not applied within {} days: {}",
                        plural(unapplied.len(), "revocation"),
                        revoke_days,
                        short_list(&unapplied)
                    ),
                );
            }
            if !unrevoked.is_empty() {
                dev.fail(
                    QuarterlyReviews::NoResponseNotRevoked,
                    format!(
                        "{} not revoked within {} days of completion: {}",
                        plural(unrevoked.len(), "unanswered account"),
                        revoke_days,
                        short_list(&unrevoked)
                    ),
                );
            }
            tally.add(dev);
        }
    }
    vec![tally.finish("quarterly-reviews", Vec::new())]
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;

    const SYSTEMS: &str = "system_id,name,kind,tier,in_scope\nokta,Okta,idp,1,true\ngithub,GitHub,saas,1,true\nold,Old,saas,3,false\n";
    const ACCOUNTS: &str = "system_id,account_id,kind,person_id,created_at,disabled_at\n\
        okta,alice,human,p1,2025-01-01T00:00:00Z,\n\
        okta,bob,human,p2,2025-01-01T00:00:00Z,\n\
        old,zed,human,p2,,\n";

    /// The population of every case: okta, the one in-scope system with accounts, two quarters.
    const BOTH: [&str; 2] = ["okta/2026-Q1", "okta/2026-Q2"];

    fn kit(reviews: &str, decisions: &str) -> KitBuilder {
        KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file("people.csv", "person_id,email,start_date\np1,alice@acme.test,2020-01-01\np2,bob@acme.test,2020-01-01\n")
            .file("accounts.csv", ACCOUNTS)
            .file("access_reviews.csv", &format!("review_id,system_id,started_at,completed_at,owner_id\n{reviews}"))
            .file("access_review_decisions.csv", &format!("review_id,system_id,account_id,reviewer_id,decision,decided_at\n{decisions}"))
    }

    const FULL_Q1: &str = "r1,okta,2026-02-01T10:00:00-05:00,2026-02-10T10:00:00-05:00,p1\n";
    const FULL_Q2: &str = "r2,okta,2026-05-01T10:00:00-04:00,2026-05-10T10:00:00-04:00,p1\n";
    const DEC_Q1: &str =
        "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,p1,keep,2026-02-02T10:00:00Z\n";
    const DEC_Q2: &str =
        "r2,okta,alice,p2,keep,2026-05-02T10:00:00Z\nr2,okta,bob,p1,keep,2026-05-02T10:00:00Z\n";

    #[test]
    fn clean_reviews_pass_and_population_counts_systems_with_accounts() {
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        let r = run_control(&k, "access-reviews", |_| {});
        // okta × 2 quarters; github has no accounts and `old` is out of scope.
        all_pass(&r, &BOTH);
        excluded(&r, "github/2026-Q1");
        excluded(&r, "old/2026-Q1");
    }

    #[test]
    fn each_quarter_carries_its_period_system_and_owner() {
        let k = kit(FULL_Q1, DEC_Q1).build();
        let r = run_control(&k, "access-reviews", |_| {});
        let t = &r.tests[0];
        assert_eq!(t.items, ["okta/2026-Q1", "okta/2026-Q2"]);
        let facts: Vec<(Option<&str>, Option<&str>, usize)> = t
            .facts
            .iter()
            .map(|f| (f.period(), f.system(), f.people().len()))
            .collect();
        // The missed quarter has no review, so no owner.
        assert_eq!(
            facts,
            [
                (Some("2026-Q1"), Some("okta"), 1),
                (Some("2026-Q2"), Some("okta"), 0)
            ]
        );
        let fact = |i| t.facts.get(i).expect("facts").to_facts();
        assert_eq!(fact(0).people, [("owner", "p1".into())]);
        assert_eq!(
            fact(1).at.map(|t| t.to_string()).as_deref(),
            Some("2026-04-01T04:00:00Z")
        );
    }

    #[test]
    fn missing_review() {
        let k = kit(FULL_Q1, DEC_Q1).build();
        let r = run_control(&k, "access-reviews", |_| {});
        assert_eq!(
            reasons(&r),
            [("okta/2026-Q2".to_string(), vec!["missing_review"])]
        );
    }

    #[test]
    fn late_review_at_the_day_boundary() {
        // Q1 ends 2026-03-31; 14 days of grace end at midnight after 2026-04-14 (EDT).
        let on_time = "r1,okta,2026-03-20T10:00:00-04:00,2026-04-15T00:00:00-04:00,p1\n";
        let k = kit(&format!("{on_time}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        all_pass(&run_control(&k, "access-reviews", |_| {}), &BOTH);
        let late = "r1,okta,2026-03-20T10:00:00-04:00,2026-04-15T00:00:01-04:00,p1\n";
        let k = kit(&format!("{late}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["late_review"])]
        );
        let never = "r1,okta,2026-03-20T10:00:00-04:00,,p1\n";
        let k = kit(&format!("{never}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["late_review"])]
        );
    }

    #[test]
    fn review_started_on_the_quarters_last_local_day_counts_for_that_quarter() {
        // 2026-03-31 23:30 in New York is already April in UTC.
        let q1 = "r1,okta,2026-04-01T03:30:00Z,2026-04-02T10:00:00Z,p1\n";
        let k = kit(&format!("{q1}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        all_pass(&run_control(&k, "access-reviews", |_| {}), &BOTH);
        let q2 = "r1,okta,2026-04-01T04:00:00Z,2026-04-02T10:00:00Z,p1\n";
        let k = kit(q2, DEC_Q1).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["missing_review"])]
        );
    }

    #[test]
    fn the_latest_review_of_the_quarter_is_judged() {
        let two = "r0,okta,2026-01-05T10:00:00Z,,p1\nr1,okta,2026-02-01T10:00:00Z,2026-02-03T10:00:00Z,p1\n";
        let k = kit(&format!("{two}{FULL_Q2}"), &format!("{DEC_Q1}{DEC_Q2}")).build();
        all_pass(&run_control(&k, "access-reviews", |_| {}), &BOTH);
    }

    #[test]
    fn incomplete_coverage_counts_accounts_active_at_the_start() {
        let only_alice = "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\n";
        let k = kit(
            &format!("{FULL_Q1}{FULL_Q2}"),
            &format!("{only_alice}{DEC_Q2}"),
        )
        .build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["incomplete_coverage"])]
        );
        // bob disabled exactly at the review's start is not active then.
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{only_alice}{DEC_Q2}"))
            .file("accounts.csv", "system_id,account_id,kind,person_id,created_at,disabled_at\nokta,alice,human,p1,,\nokta,bob,human,p2,,2026-02-01T10:00:00-05:00\n")
            .build();
        let r = run_control(&k, "access-reviews", |_| {});
        all_pass(&r, &BOTH);
    }

    #[test]
    fn a_row_without_a_decision_does_not_cover_its_account() {
        let empty_bob =
            "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,p1,,2026-02-02T10:00:00Z\n";
        let k = kit(
            &format!("{FULL_Q1}{FULL_Q2}"),
            &format!("{empty_bob}{DEC_Q2}"),
        )
        .build();
        let r = run_control(&k, "access-reviews", |_| {});
        assert_eq!(
            reasons(&r),
            [("okta/2026-Q1".to_string(), vec!["incomplete_coverage"])]
        );
        // A keep with no reviewer was decided by nobody on record.
        let anon_bob =
            "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,,keep,2026-02-02T10:00:00Z\n";
        let k = kit(
            &format!("{FULL_Q1}{FULL_Q2}"),
            &format!("{anon_bob}{DEC_Q2}"),
        )
        .build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["incomplete_coverage"])]
        );
        // Boundary: a no_response row is a decision (nobody answered, and the account must then
        // be revoked), so it covers the account.
        let silent_bob = "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,,no_response,\n";
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{silent_bob}{DEC_Q2}"))
            .file("accounts.csv", "system_id,account_id,kind,person_id,created_at,disabled_at\nokta,alice,human,p1,,\nokta,bob,human,p2,,2026-02-11T00:00:00Z\n")
            .build();
        let r = run_control(&k, "access-reviews", |_| {});
        all_pass(&r, &BOTH);
    }

    #[test]
    fn self_review_uses_resolved_people() {
        let selfie = "r1,okta,alice,ALICE@acme.test,keep,2026-02-02T10:00:00Z\nr1,okta,bob,p1,keep,2026-02-02T10:00:00Z\n";
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{selfie}{DEC_Q2}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["self_review"])]
        );
    }

    #[test]
    fn a_decision_without_a_system_is_of_its_reviews_system() {
        // No row names okta but the review and the accounts: the decisions, without a system,
        // still reach okta's accounts (a self-review, coverage), and the boundary, a decision
        // of another system, covers none of them.
        let q1 = "r1,,alice,p1,keep,2026-02-02T10:00:00Z\nr1,,bob,p1,keep,2026-02-02T10:00:00Z\n";
        let q2 = "r2,,alice,p2,keep,2026-05-02T10:00:00Z\nr2,,bob,p1,keep,2026-05-02T10:00:00Z\n";
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{q1}{q2}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q1".to_string(), vec!["self_review"])]
        );
        let other =
            "r2,github,alice,p2,keep,2026-05-02T10:00:00Z\nr2,,bob,p1,keep,2026-05-02T10:00:00Z\n";
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{q1}{other}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [
                ("okta/2026-Q1".to_string(), vec!["self_review"]),
                ("okta/2026-Q2".to_string(), vec!["incomplete_coverage"])
            ]
        );
        // When other rows name okta, a decision without a system still reaches okta's accounts
        // (through okta's handle, where the accounts are found).
        let mixed = "r2,,alice,p1,keep,2026-05-02T10:00:00Z
r2,,bob,p1,keep,2026-05-02T10:00:00Z
";
        let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{DEC_Q1}{mixed}")).build();
        assert_eq!(
            reasons(&run_control(&k, "access-reviews", |_| {})),
            [("okta/2026-Q2".to_string(), vec!["self_review"])]
        );
    }

    #[test]
    fn revocations_must_be_applied_within_seven_days() {
        let accounts = |dis: &str| {
            format!(
                "system_id,account_id,kind,person_id,created_at,disabled_at\nokta,alice,human,p1,,\nokta,bob,human,p2,,{dis}\n"
            )
        };
        let dec = "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,p1,revoke,2026-02-02T10:00:00Z\n";
        for (dis, expect) in [
            ("2026-02-09T10:00:00Z", vec![]),
            ("2026-02-09T10:00:01Z", vec!["revocation_not_applied"]),
            ("", vec!["revocation_not_applied"]),
        ] {
            let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{dec}{DEC_Q2}"))
                .file("accounts.csv", &accounts(dis))
                .build();
            let r = run_control(&k, "access-reviews", |_| {});
            let q1 = reasons_of(&r, "okta/2026-Q1");
            assert_eq!(q1, expect, "disabled at {dis:?}");
        }
    }

    #[test]
    fn no_response_is_revoked_within_seven_days_of_completion() {
        let accounts = |dis: &str| {
            format!(
                "system_id,account_id,kind,person_id,created_at,disabled_at\nokta,alice,human,p1,,\nokta,bob,human,p2,,{dis}\n"
            )
        };
        let dec = "r1,okta,alice,p2,keep,2026-02-02T10:00:00Z\nr1,okta,bob,,no_response,\n";
        // r1 completed 2026-02-10T10:00-05:00 = 15:00Z.
        for (dis, expect) in [
            ("2026-02-17T15:00:00Z", vec![]),
            ("2026-02-17T15:00:01Z", vec!["no_response_not_revoked"]),
        ] {
            let k = kit(&format!("{FULL_Q1}{FULL_Q2}"), &format!("{dec}{DEC_Q2}"))
                .file("accounts.csv", &accounts(dis))
                .build();
            let q1 = reasons_of(&run_control(&k, "access-reviews", |_| {}), "okta/2026-Q1");
            assert_eq!(q1, expect, "disabled at {dis:?}");
        }
        // Never completed: only a never-disabled account is a deviation.
        let open = "r1,okta,2026-02-01T10:00:00-05:00,,p1\n";
        let k = kit(&format!("{open}{FULL_Q2}"), &format!("{dec}{DEC_Q2}"))
            .file("accounts.csv", &accounts("2026-12-01T00:00:00Z"))
            .build();
        let q1 = reasons_of(&run_control(&k, "access-reviews", |_| {}), "okta/2026-Q1");
        assert_eq!(q1, ["late_review"]);
        let k = kit(&format!("{open}{FULL_Q2}"), &format!("{dec}{DEC_Q2}"))
            .file("accounts.csv", &accounts(""))
            .build();
        let q1 = reasons_of(&run_control(&k, "access-reviews", |_| {}), "okta/2026-Q1");
        assert_eq!(q1, ["late_review", "no_response_not_revoked"]);
    }
}
