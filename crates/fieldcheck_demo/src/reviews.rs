//! Quarterly user access reviews of every in-scope system, and the revocations they trigger.
//!
//! Reviews run before the accounts are written, because a `revoke` decision disables the account.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{
    AWS_PROD, AWS_STAGING, Actor, DATADOG, Event, EventKind, GITHUB, GOOGLE, HEAD_IT, JIRA, OKTA,
    Org, POSTGRES, Role, SALESFORCE, SLACK, SYSTEMS, VP_ENG, VP_SALES, work_time,
};
use crate::rng::Rng;
use crate::time::{Clock, DAY, HOUR, MINUTE, Ts, days, quarter_end, workday_on_or_after};

/// Which accounts a review's export left out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Omit {
    Nothing,
    /// The export listed human users only.
    ServiceAccounts,
    /// The export predated the newest accounts.
    RecentAccounts,
}

struct Plan {
    sys: u8,
    year: i32,
    q: u32,
    start: Ts,
    complete: Option<Ts>,
    self_review: bool,
    omit: Omit,
    force_unapplied: bool,
}

/// The review's decision on one account.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Keep,
    Revoke,
    NoResponse,
}

/// Writes access_reviews.csv and access_review_decisions.csv, disabling the accounts that reviews revoked.
pub(crate) fn write(dir: &Path, clock: &Clock, org: &mut Org) -> io::Result<Vec<Written>> {
    let mut rng = Rng::stream(org.seed, "access-reviews", 0);
    let mut by_sys: Vec<Vec<u32>> = vec![Vec::new(); SYSTEMS.len()];
    for (i, a) in org.accounts.iter().enumerate() {
        by_sys[a.sys as usize].push(i as u32);
    }
    let systems: Vec<u8> = (0..SYSTEMS.len() as u8)
        .filter(|&s| SYSTEMS[s as usize].in_scope && !by_sys[s as usize].is_empty())
        .collect();

    let quarter = |rng: &mut Rng| if rng.chance(0.5) { 2 } else { 3 };
    let late = (
        *rng.pick(&[SALESFORCE, JIRA, DATADOG, GOOGLE, SLACK, AWS_STAGING]),
        if rng.chance(0.7) { 3 } else { 2 },
    );
    let self_candidates: Vec<u8> = [
        (DATADOG, VP_ENG),
        (JIRA, VP_ENG),
        (SALESFORCE, VP_SALES),
        (GITHUB, VP_ENG),
    ]
    .iter()
    .filter(|&&(sys, seat)| {
        (seat as u32) < org.people.len() as u32
            && org.people[seat].account_on(&org.accounts, sys).is_some()
            && org.owner_of(sys) == seat as u32
    })
    .map(|c| c.0)
    .collect();
    let self_review = if self_candidates.is_empty() {
        None
    } else {
        Some((*rng.pick(&self_candidates), 3))
    };
    let omit_service = (*rng.pick(&[AWS_PROD, POSTGRES, OKTA]), quarter(&mut rng));
    let omit_recent = (*rng.pick(&[OKTA, GOOGLE, SLACK, JIRA]), quarter(&mut rng));
    let unapplied = (*rng.pick(&[GITHUB, AWS_PROD, SALESFORCE, JIRA, DATADOG]), 3);

    let mut plans = Vec::new();
    for q in 1..=3u32 {
        for &sys in &systems {
            let pair = (sys, q);
            let (start, complete) = if sys == GITHUB && q == 2 {
                // GitHub's second-quarter review slipped into July: the quarter has no review.
                let day = workday_on_or_after(days(2026, 7, 6) + rng.range(0, 4) as i32);
                let start = clock.local(day, 10 * HOUR + rng.range(0, 2 * HOUR));
                (
                    start,
                    work_time(clock, day + rng.range(7, 14) as i32, &mut rng),
                )
            } else {
                let day = workday_on_or_after(days(2026, 3 * q, 1) + rng.range(0, 12) as i32);
                let start = clock.local(day, 10 * HOUR + rng.range(0, 2 * HOUR));
                let complete = if pair == late {
                    clock.local(
                        quarter_end(2026, q) - 1 + rng.range(18, 35) as i32,
                        15 * HOUR,
                    )
                } else {
                    work_time(clock, day + rng.range(4, 16) as i32, &mut rng)
                };
                (start, complete)
            };
            let omit = if pair == omit_service {
                Omit::ServiceAccounts
            } else if pair == omit_recent {
                Omit::RecentAccounts
            } else {
                Omit::Nothing
            };
            plans.push(Plan {
                sys,
                year: 2026,
                q,
                start,
                complete: Some(complete),
                self_review: Some(pair) == self_review,
                omit,
                force_unapplied: pair == unapplied,
            });
        }
    }
    plans.sort_by_key(|p| (p.start, p.sys));

    let it_admins = {
        let mut v = org.staff(|p| p.role == Role::It || p.exec == Some(HEAD_IT));
        if v.is_empty() {
            v.push(0);
        }
        v
    };
    let mut reviews = Csv::create(dir, files::ACCESS_REVIEWS.0, files::ACCESS_REVIEWS.1, clock)?;
    let mut decisions = Csv::create(
        dir,
        files::ACCESS_REVIEW_DECISIONS.0,
        files::ACCESS_REVIEW_DECISIONS.1,
        clock,
    )?;
    for plan in &plans {
        let sys = plan.sys;
        let sys_id = SYSTEMS[sys as usize].id;
        let owner = org.owner_of(sys);
        let as_email = matches!(sys, GOOGLE | SALESFORCE | SLACK);
        let review_id = format!("AR-{}Q{}-{}", plan.year, plan.q, sys_id);
        reviews
            .text(&review_id)?
            .text(sys_id)?
            .ts(plan.start)?
            .opt_ts(plan.complete)?
            .text(org.person_ref(owner, as_email))?
            .end()?;
        let end = plan.complete.unwrap_or(plan.start + 10 * DAY);
        let app = matches!(
            sys,
            GITHUB | AWS_PROD | AWS_STAGING | POSTGRES | SALESFORCE | JIRA | DATADOG
        );
        let revocable = |org: &Org, a: u32| {
            let acct = &org.accounts[a as usize];
            app && !acct.service
                && !acct.orphan
                && acct.disabled.is_none()
                && acct.person.is_some_and(|p| {
                    let p = &org.people[p as usize];
                    p.stays() && p.exec.is_none()
                })
        };
        let listed: Vec<u32> = by_sys[sys as usize]
            .iter()
            .copied()
            .filter(|&a| {
                let acct = &org.accounts[a as usize];
                acct.created <= plan.start && acct.disabled.is_none_or(|d| d > plan.start)
            })
            .collect();
        let forced = if plan.force_unapplied {
            let pool: Vec<u32> = listed
                .iter()
                .copied()
                .filter(|&a| revocable(org, a))
                .collect();
            (!pool.is_empty()).then(|| *rng.pick(&pool))
        } else {
            None
        };
        for a in listed {
            let acct = &org.accounts[a as usize];
            let omitted = match plan.omit {
                Omit::Nothing => false,
                Omit::ServiceAccounts => acct.service,
                Omit::RecentAccounts => acct.created > plan.start - 21 * DAY,
            };
            if omitted {
                continue;
            }
            let reviewer = if plan.self_review || acct.service {
                owner
            } else {
                let p = acct.person.unwrap_or(owner);
                let mut r = org.people[p as usize].manager.unwrap_or(owner);
                if r == p {
                    r = owner;
                }
                if r == p {
                    r = if p == 0 {
                        (org.people.len() as u32 - 1).min(1)
                    } else {
                        0
                    };
                }
                r
            };
            // Reviewers decide during working hours, between the start and the completion.
            let day = clock.day_of(plan.start)
                + rng.range(
                    0,
                    i64::from(clock.day_of(end) - clock.day_of(plan.start)) + 1,
                ) as i32;
            let decided = work_time(clock, day, &mut rng)
                .max(plan.start + 30 * MINUTE)
                .min(end - 30 * MINUTE);
            let decision = if Some(a) == forced {
                Decision::Revoke
            } else if revocable(org, a) {
                let r = rng.unit();
                if r < 0.012 {
                    Decision::Revoke
                } else if r < 0.017 {
                    Decision::NoResponse
                } else {
                    Decision::Keep
                }
            } else {
                Decision::Keep
            };
            decisions
                .text(&review_id)?
                .text(sys_id)?
                .text(&acct.id)?
                .text(org.person_ref(reviewer, as_email))?
                .text(match decision {
                    Decision::Keep => "keep",
                    Decision::Revoke => "revoke",
                    Decision::NoResponse => "no_response",
                })?
                .ts(decided)?
                .end()?;
            let disabled = match decision {
                Decision::Keep => None,
                Decision::Revoke if Some(a) == forced => None,
                Decision::Revoke if rng.chance(0.07) => {
                    if plan.q == 3 || rng.chance(0.5) {
                        None
                    } else {
                        Some(decided + rng.range(9 * DAY, 25 * DAY))
                    }
                }
                Decision::Revoke => Some(decided + rng.range(2 * HOUR, 5 * DAY)),
                Decision::NoResponse => Some(end + rng.range(HOUR, 6 * DAY)),
            };
            if let Some(at) = disabled {
                let actor = if decision == Decision::NoResponse {
                    Actor::Tool("access-review-bot")
                } else {
                    Actor::Person(*rng.pick(&it_admins))
                };
                org.events.push(Event {
                    ts: at,
                    acct: a,
                    kind: EventKind::Disabled,
                    actor,
                });
                if sys == OKTA {
                    org.events.push(Event {
                        ts: at,
                        acct: a,
                        kind: EventKind::SessionsRevoked,
                        actor,
                    });
                }
                org.accounts[a as usize].disabled = Some(at);
            }
        }
    }
    Ok(vec![reviews.finish()?, decisions.finish()?])
}
