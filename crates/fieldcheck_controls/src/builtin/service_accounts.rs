//! `service-accounts` (CC6.1): every service account has a current human owner, interactive ones
//! enforce MFA, and no credential stays valid past its maximum age.

use fieldcheck_kit::FastMap;

use fieldcheck_kit::time::{add_days, human_duration};
use fieldcheck_kit::{AccountKind, Credential, Mfa};

use super::{Unknown, unknown_notes};
use crate::control_params::service_accounts::Params;
use crate::reasons::service_accounts::ServiceAccounts;
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let (ws, we) = (cx.w.start_ts, cx.w.end_ts);
    let grace = cx.p.reassign_grace_days;
    let max_age = cx.p.max_credential_age_days;
    let mut creds: FastMap<(&str, &str), Vec<&Credential>> = FastMap::default();
    for c in &kit.credentials {
        creds
            .entry((&c.system_id, &c.account_id))
            .or_default()
            .push(c);
    }
    let mut tally = Tally::default();
    let mut no_interactive = Unknown::new(
        "accounts.interactive",
        "service account",
        "mfa_not_enforced was not judged (the spec flags `interactive = true` with `mfa = not_enforced`)",
    );
    let mut no_mfa = Unknown::new(
        "accounts.mfa",
        "interactive service account",
        "mfa_not_enforced was not judged (the spec flags `mfa = not_enforced`)",
    );
    for a in &kit.accounts {
        if a.kind != Some(AccountKind::Service) || !cx.in_scope(&a.system_id) {
            continue;
        }
        let active = a.created_at.is_none_or(|c| c < we) && a.disabled_at.is_none_or(|d| d > ws);
        if !active {
            continue;
        }
        let mut dev = Dev::new(format!("{}/{}", a.system_id, a.account_id))
            .system(&*a.system_id)
            .lead(format!(
                "service account {} on {}",
                a.account_id, a.system_id
            ));
        dev.ev(a.loc);
        dev.person("owner", a.owner_id.as_deref());
        match &a.owner_id {
            None => dev.fail(ServiceAccounts::NoOwner, "has no owner"),
            Some(o) => match cx.people.get(&**o) {
                None => dev.fail(
                    ServiceAccounts::OwnerUnknown,
                    format!("owner `{o}` is not in people"),
                ),
                Some(owner) => {
                    if let Some(t) = owner.terminated_at {
                        let until = a.disabled_at.map_or(we, |d| d.get().min(we));
                        let reassign_by = add_days(t, grace);
                        if reassign_by < until {
                            dev.ev(owner.loc);
                            dev.fail(
                                ServiceAccounts::OwnerDeparted,
                                format!("owner {} left {} and the account was not reassigned within {grace} days", cx.who(o), cx.w.fmt(t)),
                            );
                        }
                    }
                }
            },
        }
        if a.interactive == Some(true) && a.mfa == Some(Mfa::NotEnforced) {
            dev.fail(
                ServiceAccounts::MfaNotEnforced,
                "can log in interactively without MFA",
            );
        }
        let key = || format!("{}/{}", a.system_id, a.account_id);
        if a.interactive.is_none() && !matches!(a.mfa, Some(Mfa::Enforced | Mfa::NotApplicable)) {
            no_interactive.add(key());
        } else if a.interactive == Some(true) && a.mfa.is_none() {
            no_mfa.add(key());
        }
        for c in creds
            .get(&(&*a.system_id, &*a.account_id))
            .map_or(&[][..], |v| v.as_slice())
        {
            // Stale from created_at + max age (exclusive) until revoked_at (exclusive). A
            // credential of unknown age that was still valid at some moment in the window cannot
            // be shown younger than the maximum: it counts as stale.
            let Some(created) = c.created_at else {
                if c.revoked_at.is_none_or(|r| r > ws) {
                    dev.ev(c.loc);
                    dev.fail(
                        ServiceAccounts::StaleCredential,
                        format!(
                            "credential {}{} has no creation or rotation date and {}",
                            c.credential_id,
                            c.ctype
                                .map(|t| format!(" ({})", t.as_str()))
                                .unwrap_or_default(),
                            match c.revoked_at {
                                Some(r) if r < we => format!("was revoked only {}", cx.w.fmt(r)),
                                _ => "was still valid at the window's end".to_string(),
                            }
                        ),
                    );
                }
                continue;
            };
            let stale_from = add_days(created, max_age);
            let lower = stale_from.max(ws);
            let upper = c.revoked_at.map_or(we, |r| r.get().min(we));
            if lower < upper {
                dev.ev(c.loc);
                let age_at_end = upper.duration_since(created.get());
                dev.fail(
                    ServiceAccounts::StaleCredential,
                    format!(
                        "credential {}{} created {} {}",
                        c.credential_id,
                        c.ctype
                            .map(|t| format!(" ({})", t.as_str()))
                            .unwrap_or_default(),
                        cx.w.fmt(created),
                        match c.revoked_at {
                            Some(r) if r < we => format!(
                                "was revoked only {} ({} old, max {max_age} days)",
                                cx.w.fmt(r),
                                human_duration(age_at_end)
                            ),
                            _ => format!(
                                "was still valid at the window's end ({} old, max {max_age} days)",
                                human_duration(age_at_end)
                            ),
                        }
                    ),
                );
            }
        }
        tally.add(dev);
    }
    vec![tally.finish("service-accounts", unknown_notes([no_interactive, no_mfa]))]
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;

    fn kit(accounts: &str, creds: &str) -> KitBuilder {
        KitBuilder::new()
            .file("systems.csv", "system_id,in_scope\naws,true\nlab,false\n")
            .file(
                "people.csv",
                "person_id,email,start_date,terminated_at\np1,alice@acme.test,2020-01-01,\np2,bob@acme.test,2020-01-01,2026-02-01T12:00:00Z\n",
            )
            .file("accounts.csv", &format!("system_id,account_id,kind,owner_id,created_at,disabled_at,interactive,mfa\n{accounts}"))
            .file("credentials.csv", &format!("system_id,account_id,credential_id,type,created_at,revoked_at\n{creds}"))
    }

    fn one(accounts: &str, creds: &str) -> Vec<&'static str> {
        let k = kit(accounts, creds).build();
        let r = run_control(&k, "service-accounts", |_| {});
        assert_eq!(items(&r), ["aws/ci"]);
        reasons_of(&r, "aws/ci")
    }

    #[test]
    fn population_is_active_in_scope_service_accounts() {
        let k = kit(
            "aws,ci,service,p1,,,false,\naws,human1,human,,,,,\nlab,ci,service,,,,,\naws,old,service,,,2026-01-01T05:00:00Z,,\naws,new,service,,2026-07-01T04:00:00Z,,,\naws,edge,service,p1,2026-07-01T03:59:59Z,,,\n",
            "",
        )
        .build();
        let r = run_control(&k, "service-accounts", |_| {});
        // ci and edge; `old` was disabled exactly at the window's start, `new` created at its end.
        assert_eq!(test_items(&r, 0), ["aws/ci", "aws/edge"]);
    }

    #[test]
    fn ownership() {
        assert_eq!(one("aws,ci,service,,,,false,\n", ""), ["no_owner"]);
        assert_eq!(
            one("aws,ci,service,ghost,,,false,\n", ""),
            ["owner_unknown"]
        );
        assert_eq!(
            one("aws,ci,service,bob@acme.test,,,false,\n", ""),
            ["owner_departed"]
        );
        assert!(one("aws,ci,service,alice@acme.test,,,false,\n", "").is_empty());
    }

    #[test]
    fn owner_departed_boundary_is_thirty_exact_days_before_disabling() {
        // Bob left 2026-02-01T12:00Z; 30 days later is 2026-03-03T12:00Z.
        assert!(one("aws,ci,service,p2,,2026-03-03T12:00:00Z,false,\n", "").is_empty());
        assert_eq!(
            one("aws,ci,service,p2,,2026-03-03T12:00:01Z,false,\n", ""),
            ["owner_departed"]
        );
    }

    #[test]
    fn mfa() {
        assert_eq!(
            one("aws,ci,service,p1,,,true,not_enforced\n", ""),
            ["mfa_not_enforced"]
        );
        assert!(one("aws,ci,service,p1,,,true,enforced\n", "").is_empty());
        assert!(one("aws,ci,service,p1,,,false,not_enforced\n", "").is_empty());
    }

    #[test]
    fn a_valid_credential_of_unknown_age_is_stale() {
        let acct = "aws,ci,service,p1,,,false,\n";
        assert_eq!(one(acct, "aws,ci,k1,access_key,,\n"), ["stale_credential"]);
        assert_eq!(
            one(acct, "aws,ci,k1,access_key,,2026-01-01T05:00:01Z\n"),
            ["stale_credential"]
        );
        // Boundary: revoked exactly at the window's start, it was never valid in the window.
        assert!(one(acct, "aws,ci,k1,access_key,,2026-01-01T05:00:00Z\n").is_empty());
    }

    #[test]
    fn unknown_interactivity_or_mfa_is_noted_not_passed_silently() {
        let notes = |accounts: &str| {
            let k = kit(accounts, "").build();
            let r = run_control(&k, "service-accounts", |_| {});
            all_pass(&r, &["aws/ci"]);
            note_items(&r)
        };
        assert_eq!(
            notes("aws,ci,service,p1,,,,not_enforced\n"),
            ["accounts.interactive"]
        );
        assert_eq!(notes("aws,ci,service,p1,,,true,\n"), ["accounts.mfa"]);
        // Boundary: known on both sides, or MFA enforced whatever the interactivity: no note.
        assert!(notes("aws,ci,service,p1,,,false,\n").is_empty());
        assert!(notes("aws,ci,service,p1,,,,enforced\n").is_empty());
    }

    #[test]
    fn stale_credentials_at_exactly_ninety_days() {
        let acct = "aws,ci,service,p1,,,false,\n";
        // Revoked exactly 90 days after creation: never older than 90 days.
        assert!(
            one(
                acct,
                "aws,ci,k1,access_key,2026-02-01T00:00:00Z,2026-05-02T00:00:00Z\n"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                acct,
                "aws,ci,k1,access_key,2026-02-01T00:00:00Z,2026-05-02T00:00:01Z\n"
            ),
            ["stale_credential"]
        );
        // Turns 90 days old exactly at the window's end: not stale within the window.
        assert!(one(acct, "aws,ci,k1,access_key,2026-04-02T04:00:00Z,\n").is_empty());
        assert_eq!(
            one(acct, "aws,ci,k1,access_key,2026-04-02T03:59:59Z,\n"),
            ["stale_credential"]
        );
        // Old key revoked exactly at the window's start never met the window.
        assert!(
            one(
                acct,
                "aws,ci,k1,access_key,2025-01-01T00:00:00Z,2026-01-01T05:00:00Z\n"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                acct,
                "aws,ci,k1,access_key,2025-01-01T00:00:00Z,2026-01-01T05:00:01Z\n"
            ),
            ["stale_credential"]
        );
    }
}
