//! `leaver-deprovisioning` (CC6.2): every account of a leaver is disabled by its deadline, the
//! identity provider's sessions are revoked, and nothing logs in after the termination; and every
//! human account belongs to a known person who had not left before the window (the accounts the
//! leaver test cannot see).

use fieldcheck_kit::{FastMap, FastSet};

use fieldcheck_kit::time::{add, human_duration};
use fieldcheck_kit::{Account, AccountEvent, AccountKind, EventKind, Name, SystemKind, Ts};
use jiff::Timestamp;

use super::{Unknown, unknown_notes};
use crate::control_params::leaver_deprovisioning::Params;
use crate::params::Sla;
use crate::reasons::leaver_deprovisioning::{AccountOwnership, Leavers};
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    vec![leavers(cx), ownership(cx)]
}

fn leavers(cx: &Cx<'_, Params>) -> TestResult {
    let kit = cx.kit;
    let sla = cx.p.sla;
    let privileged_sla = cx.p.privileged_sla;
    let leavers: Vec<_> = kit
        .people
        .iter()
        .filter(|p| p.terminated_at.is_some_and(|t| cx.w.contains(t)))
        .collect();
    let leaver_ids: FastSet<&str> = leavers.iter().map(|p| &*p.person_id).collect();
    let mut accounts: FastMap<&str, Vec<&Account>> = FastMap::default();
    for a in &kit.accounts {
        if let Some(p) = a.person_id.as_deref()
            && leaver_ids.contains(p)
            && cx.in_scope(&a.system_id)
        {
            accounts.entry(p).or_default().push(a);
        }
    }
    // One pass over the events, keeping only those of leavers' accounts. An event names its
    // system and account by handles into the kit's names: an id no event names has no handle,
    // and its account no events.
    let key = |a: &Account| {
        Some((
            kit.names.find(&a.system_id)?,
            kit.names.find(&a.account_id)?,
        ))
    };
    let keys: FastSet<(Name, Name)> = accounts.values().flatten().filter_map(|a| key(a)).collect();
    // Most events are not of a leaver's account: a flag per name turns them away before the set
    // is hashed (5.7 million events at 50,000 people).
    let mut leaver_account = vec![false; kit.names.len()];
    for (_, account) in &keys {
        leaver_account[account.slot()] = true;
    }
    let mut events: FastMap<(Name, Name), Vec<&AccountEvent>> = FastMap::default();
    for e in &kit.account_events {
        if leaver_account[e.account_id.slot()]
            && matches!(e.event, Some(EventKind::Login | EventKind::SessionsRevoked))
        {
            let k = (e.system_id, e.account_id);
            if keys.contains(&k) {
                events.entry(k).or_default().push(e);
            }
        }
    }
    let deadline_of = |sla: Sla, t: Timestamp| match sla {
        Sla::SameDay => cx.w.end_of_day(cx.w.local_date(t)),
        Sla::After(d) => add(t, d),
    };
    let mut tally = Tally::default();
    let mut no_privileged = Unknown::new(
        "people.privileged",
        "leaver",
        "the standard SLA applied (the spec applies `privileged_sla` to `privileged = true`)",
    );
    for person in &leavers {
        if person.privileged.is_none() {
            no_privileged.add(&*person.person_id);
        }
        let term = person
            .terminated_at
            .expect("leavers have a termination")
            .get();
        let mut dev = Dev::new(&*person.person_id).at(term).lead(format!(
            "{} left {}",
            cx.who(&person.person_id),
            cx.w.fmt(term)
        ));
        dev.ev(person.loc);
        for a in accounts
            .get(&*person.person_id)
            .map_or(&[][..], |v| v.as_slice())
        {
            let evs = key(a)
                .and_then(|k| events.get(&k))
                .map_or(&[][..], |v| v.as_slice());
            let logins: Vec<&&AccountEvent> = evs
                .iter()
                .filter(|e| e.event == Some(EventKind::Login) && e.at.is_some_and(|t| t > term))
                .collect();
            if let Some(first) = logins.iter().min_by_key(|e| e.at) {
                for e in logins.iter().take(10) {
                    dev.ev(e.loc);
                }
                dev.ev(a.loc);
                dev.fail(
                    Leavers::ActivityAfterTermination,
                    format!(
                        "{} account {} logged in {} after leaving ({} {})",
                        a.system_id,
                        a.account_id,
                        if logins.len() == 1 {
                            "once".to_string()
                        } else {
                            format!("{} times", logins.len())
                        },
                        if logins.len() == 1 { "at" } else { "first at" },
                        cx.w.fmt_near(first.at.map_or(term, Ts::get), term)
                    ),
                );
            }
            if a.disabled_at.is_some_and(|d| d <= term) {
                continue; // Already disabled when the termination took effect.
            }
            let privileged = person.privileged == Some(true) || a.privileged == Some(true);
            let rule = if privileged { privileged_sla } else { sla };
            let deadline = deadline_of(rule, term);
            let rule_text = format!(
                "{}SLA {}",
                if privileged { "privileged " } else { "" },
                rule.describe()
            );
            match a.disabled_at {
                None => {
                    dev.ev(a.loc);
                    dev.fail(
                        Leavers::NotDeprovisioned,
                        format!(
                            "{} account {} was never disabled ({rule_text})",
                            a.system_id, a.account_id
                        ),
                    );
                }
                Some(d) if d > deadline => {
                    dev.ev(a.loc);
                    dev.fail(
                        Leavers::LateDeprovision,
                        format!(
                            "{} disabled {}, {} after, {rule_text}",
                            a.system_id,
                            cx.w.fmt_near(d, term),
                            human_duration(d.duration_since(term))
                        ),
                    );
                }
                Some(_) => {}
            }
            let idp = cx
                .in_scope
                .get(&*a.system_id)
                .is_some_and(|s| s.kind == Some(SystemKind::Idp));
            if idp {
                let revoked = evs.iter().any(|e| {
                    e.event == Some(EventKind::SessionsRevoked)
                        && e.at.is_some_and(|t| t >= term && t <= deadline)
                });
                if !revoked {
                    dev.ev(a.loc);
                    dev.fail(
                        Leavers::SessionsNotRevoked,
                        format!(
                            "{} sessions of {} were not revoked by {}",
                            a.system_id,
                            a.account_id,
                            cx.w.fmt_near(deadline, term)
                        ),
                    );
                }
            }
        }
        tally.add(dev);
    }
    tally.finish("leavers", unknown_notes([no_privileged]))
}

/// `account-ownership`: human accounts of in-scope systems active at some time in the window
/// belong to a known person who had not left before the window.
fn ownership(cx: &Cx<'_, Params>) -> TestResult {
    let (ws, we) = (cx.w.start_ts, cx.w.end_ts);
    let mut tally = Tally::default();
    let mut no_kind = Unknown::new(
        "accounts.kind",
        "account",
        "in neither this population nor service-accounts' (the spec's are `kind = human` and `kind = service`)",
    );
    for a in &cx.kit.accounts {
        if a.kind == Some(AccountKind::Service) || !cx.in_scope(&a.system_id) {
            continue;
        }
        let active = a.created_at.is_none_or(|c| c < we) && a.disabled_at.is_none_or(|d| d > ws);
        if !active {
            continue;
        }
        if a.kind.is_none() {
            no_kind.add(format!("{}/{}", a.system_id, a.account_id));
            continue;
        }
        let mut dev = Dev::new(format!("{}/{}", a.system_id, a.account_id)).system(&*a.system_id);
        dev.ev(a.loc);
        match a.person_id.as_deref() {
            None => dev.fail(
                AccountOwnership::NoPerson,
                "names no person, so no leaver test can reach it",
            ),
            Some(p) => match cx.people.get(p) {
                None => dev.fail(
                    AccountOwnership::PersonUnknown,
                    format!("its person `{p}` is not in people (by id, email or identities)"),
                ),
                Some(person) => {
                    if let Some(t) = person.terminated_at
                        && t < ws
                    {
                        dev.ev(person.loc);
                        dev.fail(
                            AccountOwnership::ActiveAfterDeparture,
                            format!(
                                "{} left {}, before the window, and the account {}",
                                cx.who(p),
                                cx.w.fmt(t),
                                match a.disabled_at {
                                    None => "was never disabled".to_string(),
                                    Some(d) => format!("was disabled only {}", cx.w.fmt(d)),
                                }
                            ),
                        );
                    }
                }
            },
        }
        dev.lead_with(|| format!("human account {} on {}", a.account_id, a.system_id));
        tally.add(dev);
    }
    tally.finish("account-ownership", unknown_notes([no_kind]))
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;
    use crate::params::{ParamValue, Sla};

    // Jane leaves 2026-03-06 17:05 EST; the end of that day is 2026-03-07T05:00Z.
    const PEOPLE: &str = "person_id,email,start_date,terminated_at,privileged\njane,jane@acme.test,2020-01-01,2026-03-06T17:05:00-05:00,false\nsam,sam@acme.test,2020-01-01,2026-03-06T17:05:00-05:00,true\nstay,stay@acme.test,2020-01-01,,false\nlate,late@acme.test,2020-01-01,2026-07-01T04:00:00Z,false\n";
    const SYSTEMS: &str =
        "system_id,kind,in_scope\nokta,idp,true\ngithub,saas,true\nlab,saas,false\n";
    const REVOKED: &str = "okta,jane-okta,sessions_revoked,2026-03-06T22:10:00Z,admin\n";

    fn kit(accounts: &str, events: &str) -> Kit {
        KitBuilder::new()
            .file("people.csv", PEOPLE)
            .file("systems.csv", SYSTEMS)
            .file(
                "accounts.csv",
                &format!("system_id,account_id,kind,person_id,privileged,disabled_at\n{accounts}"),
            )
            .file(
                "account_events.csv",
                &format!("system_id,account_id,event,at,actor_id\n{events}"),
            )
            .build()
    }

    fn jane(accounts: &str, events: &str) -> Vec<&'static str> {
        let r = run_control(&kit(accounts, events), "leaver-deprovisioning", |_| {});
        reasons_of(&r, "jane")
    }

    // The window starts 2026-01-01T05:00Z. `gone` left just before it, `edge` exactly at it.
    const OWNERS: &str = "person_id,email,start_date,terminated_at,privileged
alice,alice@acme.test,2020-01-01,,false
gone,gone@acme.test,2020-01-01,2026-01-01T04:59:59Z,false
edge,edge@acme.test,2020-01-01,2026-01-01T05:00:00Z,false
";

    /// The account-ownership test's population (sorted item keys) and deviations as (item,
    /// reasons).
    fn owned(accounts: &str) -> (Vec<String>, Vec<(String, Vec<&'static str>)>) {
        let k = KitBuilder::new()
            .file("people.csv", OWNERS)
            .file("systems.csv", SYSTEMS)
            .file(
                "identities.csv",
                "system_id,external_id,person_id
github,octo-alice,alice
",
            )
            .file(
                "accounts.csv",
                &format!("system_id,account_id,kind,person_id,created_at,disabled_at\n{accounts}"),
            )
            .file("account_events.csv", "system_id,account_id,event,at\n")
            .build();
        let r = run_control(&k, "leaver-deprovisioning", |_| {});
        let t = &r.tests[1];
        assert_eq!(t.id, "account-ownership");
        (
            test_items(&r, 1),
            t.deviations
                .iter()
                .map(|d| (d.item.clone(), d.reasons.clone()))
                .collect(),
        )
    }

    /// The population of one account, `github/a1`.
    fn a1() -> Vec<String> {
        vec!["github/a1".to_string()]
    }

    #[test]
    fn account_ownership_population_is_human_accounts_active_in_the_window() {
        let (population, devs) = owned(
            "github,a1,human,alice,,\n\
             github,svc,service,,,\n\
             lab,a2,human,,,\n\
             github,old,human,,,2026-01-01T05:00:00Z\n\
             github,new,human,,2026-07-01T04:00:00Z,\n\
             github,odd,,alice,,\n",
        );
        // a1 only: the service account, the account of unknown kind (the spec's population is
        // `kind = human`), the out-of-scope system, the account disabled exactly at the window's
        // start and the one created at its end are not in it.
        assert_eq!(population, ["github/a1"]);
        assert!(devs.is_empty(), "{devs:?}");
    }

    #[test]
    fn accounts_of_unknown_kind_and_leavers_of_unknown_privilege_are_noted() {
        let k = KitBuilder::new()
            .file("people.csv", "person_id,email,start_date,terminated_at\nx,x@acme.test,2020-01-01,2026-03-06T17:05:00-05:00\n")
            .file("systems.csv", SYSTEMS)
            .file(
                "accounts.csv",
                "system_id,account_id,kind,person_id,disabled_at\ngithub,x,human,x,2026-03-06T23:00:00Z\ngithub,odd,,,\n",
            )
            .file("account_events.csv", "system_id,account_id,event,at\n")
            .build();
        let r = run_control(&k, "leaver-deprovisioning", |_| {});
        all_pass(&r, &["github/x", "x"]);
        assert_eq!(r.tests[0].notes[0].item, "people.privileged");
        assert_eq!(
            r.tests[1].notes[0].detail,
            "1 account with an empty `accounts.kind`: in neither this population nor service-accounts' (the spec's are `kind = human` and `kind = service`) (github/odd)"
        );
        // Boundary: known values note nothing.
        let k = kit("github,jane-gh,human,jane,,2026-03-06T23:00:00Z\n", "");
        let r = run_control(&k, "leaver-deprovisioning", |_| {});
        assert!(r.tests.iter().all(|t| t.notes.is_empty()));
    }

    #[test]
    fn no_person() {
        assert_eq!(
            owned("github,a1,human,,,\n").1,
            [("github/a1".to_string(), vec!["no_person"])]
        );
        // Boundary: naming a person (here by email, in another case) passes.
        assert_eq!(owned("github,a1,human,ALICE@acme.test,,\n"), (a1(), vec![]));
    }

    #[test]
    fn person_unknown() {
        assert_eq!(
            owned("github,a1,human,ghost,,\n").1,
            [("github/a1".to_string(), vec!["person_unknown"])]
        );
        // Boundary: a value that resolves through identities.csv is a known person.
        assert_eq!(owned("github,a1,human,octo-alice,,\n"), (a1(), vec![]));
    }

    #[test]
    fn active_after_departure() {
        // Left one second before the window and never disabled, or disabled inside the window.
        assert_eq!(
            owned("github,a1,human,gone,,\n").1,
            [("github/a1".to_string(), vec!["active_after_departure"])]
        );
        let (_, devs) = owned("github,a1,human,gone,,2026-01-01T05:00:01Z\n");
        assert_eq!(
            devs,
            [("github/a1".to_string(), vec!["active_after_departure"])]
        );
        // Boundary: disabled exactly at the window's start is not active in it, and a person who
        // left exactly at the window's start is the leaver test's to judge.
        assert_eq!(
            owned("github,a1,human,gone,,2026-01-01T05:00:00Z\n"),
            (vec![], vec![])
        );
        assert_eq!(owned("github,a1,human,edge,,\n"), (a1(), vec![]));
    }

    #[test]
    fn active_after_departure_detail() {
        let k = KitBuilder::new()
            .file("people.csv", OWNERS)
            .file("systems.csv", SYSTEMS)
            .file(
                "accounts.csv",
                "system_id,account_id,kind,person_id,disabled_at\ngithub,g1,human,gone@acme.test,2026-02-03T10:00:00-05:00\n",
            )
            .file("account_events.csv", "system_id,account_id,event,at\n")
            .build();
        let r = run_control(&k, "leaver-deprovisioning", |_| {});
        assert_eq!(
            r.tests[1].deviations[0].detail,
            "human account g1 on github; gone@acme.test left 2025-12-31 23:59 EST, before the window, and the account was disabled only 2026-02-03 10:00 EST"
        );
    }

    #[test]
    fn population_is_terminations_in_the_window() {
        let r = run_control(&kit("", ""), "leaver-deprovisioning", |_| {});
        // `stay` has not left and `late` leaves after the window.
        all_pass(&r, &["jane", "sam"]);
    }

    #[test]
    fn same_day_is_the_end_of_the_local_day() {
        let a = |t: &str| format!("okta,jane-okta,human,jane,,{t}\n");
        assert!(jane(&a("2026-03-07T05:00:00Z"), REVOKED).is_empty());
        assert_eq!(
            jane(&a("2026-03-07T05:00:01Z"), REVOKED),
            ["late_deprovision"]
        );
        assert_eq!(jane(&a(""), REVOKED), ["not_deprovisioned"]);
        // Out-of-scope systems do not count.
        assert!(
            jane(
                &format!("{}lab,jane-lab,human,jane,,\n", a("2026-03-06T23:00:00Z")),
                REVOKED
            )
            .is_empty()
        );
    }

    #[test]
    fn a_duration_sla_is_exact() {
        let a = |t: &str| format!("github,jane-gh,human,jane@ACME.test,,{t}\n");
        let day = |p: &mut crate::Params| {
            p.set(
                "leaver-deprovisioning",
                "sla",
                ParamValue::Sla(Sla::After(jiff::SignedDuration::from_hours(24))),
            )
        };
        let r = run_control(
            &kit(&a("2026-03-07T22:05:00Z"), ""),
            "leaver-deprovisioning",
            day,
        );
        assert!(reasons_of(&r, "jane").is_empty());
        let r = run_control(
            &kit(&a("2026-03-07T22:05:01Z"), ""),
            "leaver-deprovisioning",
            day,
        );
        assert_eq!(reasons_of(&r, "jane"), ["late_deprovision"]);
    }

    #[test]
    fn privileged_people_or_accounts_get_four_hours() {
        // Sam is privileged: deadline 2026-03-07T02:05Z.
        let r = run_control(
            &kit("github,sam-gh,human,sam,,2026-03-07T02:05:00Z\n", ""),
            "leaver-deprovisioning",
            |_| {},
        );
        assert!(reasons_of(&r, "sam").is_empty());
        let r = run_control(
            &kit("github,sam-gh,human,sam,,2026-03-07T02:05:01Z\n", ""),
            "leaver-deprovisioning",
            |_| {},
        );
        assert_eq!(reasons_of(&r, "sam"), ["late_deprovision"]);
        assert_eq!(
            jane("github,jane-gh,human,jane,true,2026-03-07T02:05:01Z\n", ""),
            ["late_deprovision"]
        );
    }

    #[test]
    fn accounts_disabled_before_leaving_are_not_judged_but_logins_are() {
        assert!(jane("github,jane-gh,human,jane,,2026-03-01T00:00:00Z\n", "").is_empty());
        assert_eq!(
            jane(
                "github,jane-gh,human,jane,,2026-03-01T00:00:00Z\n",
                "github,jane-gh,login,2026-03-06T22:05:01Z,\n"
            ),
            ["activity_after_termination"]
        );
        // A login exactly at the termination is not after it.
        assert!(
            jane(
                "github,jane-gh,human,jane,,2026-03-06T23:00:00Z\n",
                "github,jane-gh,login,2026-03-06T22:05:00Z,\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn events_belong_to_the_account_on_their_own_system() {
        // Events name their system by a handle into the kit's names: the same account id on
        // another system, or on a system no event names, is another account.
        let a = "github,jane-x,human,jane,,2026-03-01T00:00:00Z\n";
        assert!(jane(a, "lab,jane-x,login,2026-03-06T22:05:01Z,\n").is_empty());
        assert!(jane(a, "okta,jane-x,login,2026-03-06T22:05:01Z,\n").is_empty());
        assert_eq!(
            jane(
                a,
                "okta,jane-x,login,2026-03-06T22:05:01Z,\ngithub,jane-x,login,2026-03-06T22:05:01Z,\n"
            ),
            ["activity_after_termination"]
        );
        // An IdP account whose system no event names has no revocation.
        assert_eq!(
            jane(
                "okta,jane-okta,human,jane,,2026-03-06T22:30:00Z\n",
                "github,jane-okta,sessions_revoked,2026-03-06T22:10:00Z,\n"
            ),
            ["sessions_not_revoked"]
        );
    }

    #[test]
    fn idp_sessions_must_be_revoked_by_the_deadline() {
        let a = "okta,jane-okta,human,jane,,2026-03-06T22:30:00Z\n";
        assert_eq!(jane(a, ""), ["sessions_not_revoked"]);
        assert!(jane(a, "okta,jane-okta,sessions_revoked,2026-03-07T05:00:00Z,\n").is_empty());
        assert!(jane(a, "okta,jane-okta,sessions_revoked,2026-03-06T22:05:00Z,\n").is_empty());
        assert_eq!(
            jane(a, "okta,jane-okta,sessions_revoked,2026-03-07T05:00:01Z,\n"),
            ["sessions_not_revoked"]
        );
        assert_eq!(
            jane(a, "okta,jane-okta,sessions_revoked,2026-03-06T22:04:59Z,\n"),
            ["sessions_not_revoked"]
        );
    }

    #[test]
    fn same_day_across_the_dst_change() {
        // Leaves 2026-03-08 01:30 EST; the day ends at 2026-03-09 00:00 EDT = 04:00Z.
        let people = "person_id,email,start_date,terminated_at\nx,x@acme.test,2020-01-01,2026-03-08T01:30:00-05:00\n";
        let k = |dis: &str| {
            KitBuilder::new()
                .file("people.csv", people)
                .file("systems.csv", SYSTEMS)
                .file(
                    "accounts.csv",
                    &format!(
                        "system_id,account_id,kind,person_id,disabled_at\ngithub,x,human,x,{dis}\n"
                    ),
                )
                .file("account_events.csv", "system_id,account_id,event,at\n")
                .build()
        };
        passes(
            &run_control(&k("2026-03-09T04:00:00Z"), "leaver-deprovisioning", |_| {}),
            "x",
        );
        assert_eq!(
            reasons_of(
                &run_control(&k("2026-03-09T04:00:01Z"), "leaver-deprovisioning", |_| {}),
                "x"
            ),
            ["late_deprovision"]
        );
    }

    #[test]
    fn detail_names_the_leaver_and_the_numbers() {
        let r = run_control(
            &kit(
                "okta,jane-okta,human,jane,,2026-03-10T09:12:00-04:00\n",
                REVOKED,
            ),
            "leaver-deprovisioning",
            |_| {},
        );
        let d = &r.tests[0].deviations[0];
        assert_eq!(
            d.detail,
            "jane@acme.test left 2026-03-06 17:05 EST; okta disabled 2026-03-10 09:12 EDT, 3 days 15 hours after, SLA same day"
        );
    }
}
