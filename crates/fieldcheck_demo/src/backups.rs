//! backup_jobs.csv and restore_tests.csv: nightly backups of tier 1 and 2 systems, and their restore tests.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{
    AWS_PROD, AWS_STAGING, CTO, GITHUB, GOOGLE, JIRA, OKTA, Org, POSTGRES, Role, SALESFORCE,
    SYSTEMS,
};
use crate::rng::Rng;
use crate::time::{
    Clock, HOUR, MINUTE, SPAN0_DAY, SPAN1_DAY, W0_DAY, W1_DAY, civil, days, next_month,
    workday_on_or_after,
};

const BACKED_UP: [u8; 8] = [
    OKTA,
    AWS_PROD,
    GITHUB,
    POSTGRES,
    GOOGLE,
    JIRA,
    SALESFORCE,
    AWS_STAGING,
];

/// A restore test period: a month (tier 1) or a quarter (tier 2), as its first day and first day after.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Period {
    sys: u8,
    from: i32,
    to: i32,
}

pub(crate) fn write(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Vec<Written>> {
    let mut rng = Rng::stream(org.seed, "backups", 0);
    let tier1: Vec<u8> = BACKED_UP
        .iter()
        .copied()
        .filter(|&s| SYSTEMS[s as usize].tier == 1)
        .collect();

    // Months of the window, and the gaps: backup outages, skipped, unisolated and slow restores.
    let months: Vec<i32> = {
        let mut v = Vec::new();
        let mut d = days(2026, 3, 1);
        while d < SPAN1_DAY {
            v.push(d);
            d = next_month(d);
        }
        v
    };
    let window_months: Vec<i32> = months
        .iter()
        .copied()
        .filter(|&m| (W0_DAY..W1_DAY).contains(&m))
        .collect();
    let mut items: Vec<(u8, i32)> = tier1
        .iter()
        .flat_map(|&s| window_months.iter().map(move |&m| (s, m)))
        .collect();
    rng.shuffle(&mut items);
    let skipped = ((items.len() as f64 * 0.09).round() as usize).max(2);
    let mut take = items.into_iter();
    let skipped: Vec<(u8, i32)> = take.by_ref().take(skipped).collect();
    let not_isolated = take.next();
    let rto_exceeded = take.next();
    let retried = take.next();
    let outages: Vec<(u8, i32)> = {
        let first = (*rng.pick(&[GITHUB, OKTA]), *rng.pick(&window_months));
        let mut v = vec![first];
        if rng.chance(0.5) {
            let second = (*rng.pick(&[AWS_PROD, POSTGRES]), *rng.pick(&window_months));
            v.push(second);
        }
        v
    };

    let mut jobs = Csv::create(dir, files::BACKUP_JOBS.0, files::BACKUP_JOBS.1, clock)?;
    let mut counter = 0u32;
    for day in SPAN0_DAY..SPAN1_DAY {
        for (k, &sys) in BACKED_UP.iter().enumerate() {
            let runs: &[i64] = if sys == POSTGRES {
                &[3, 9, 15, 21]
            } else {
                &[3]
            };
            for &hour in runs {
                let started = clock.local(
                    day,
                    hour * HOUR + 10 * MINUTE + k as i64 * 6 * MINUTE + rng.range(0, 5 * MINUTE),
                );
                let down = outages
                    .iter()
                    .any(|&(s, m)| s == sys && day >= m - 2 && day < next_month(m) + 3);
                let roll = rng.below(1000);
                let status = if down {
                    "failed"
                } else {
                    match roll {
                        0..15 => "failed",
                        15..20 => "partial",
                        _ => "completed",
                    }
                };
                let took = if status == "completed" {
                    rng.range(4 * MINUTE, 50 * MINUTE)
                } else {
                    rng.range(MINUTE, 20 * MINUTE)
                };
                counter += 1;
                jobs.text(&format!("bk-{:07}", counter))?
                    .text(SYSTEMS[sys as usize].id)?
                    .utc(started)?
                    .utc(started + took)?
                    .text(status)?
                    .end()?;
            }
        }
    }

    let mut sres = org.staff(|p| p.role == Role::Sre || p.role == Role::Dba);
    if sres.is_empty() {
        sres.push(org.exec(CTO));
    }
    let mut periods: Vec<Period> = Vec::new();
    for &m in &months {
        for &sys in &tier1 {
            periods.push(Period {
                sys,
                from: m,
                to: next_month(m),
            });
        }
        let (_, month, _) = civil(m);
        if month % 3 == 1 {
            for &sys in BACKED_UP.iter().filter(|&&s| SYSTEMS[s as usize].tier == 2) {
                periods.push(Period {
                    sys,
                    from: m,
                    to: next_month(next_month(next_month(m))),
                });
            }
        }
    }
    let mut tests = Csv::create(dir, files::RESTORE_TESTS.0, files::RESTORE_TESTS.1, clock)?;
    for p in &periods {
        let key = (p.sys, p.from);
        if skipped.contains(&key) {
            continue;
        }
        let rto = SYSTEMS[p.sys as usize].rto_minutes.unwrap_or(1440);
        let span = i64::from((p.to - p.from).min(28));
        let day = workday_on_or_after(p.from + rng.range(5, span - 6) as i32);
        let mut started = clock.local(day, 10 * HOUR + rng.range(0, 5 * HOUR));
        let (y, m, _) = civil(p.from);
        let id_base = format!("RT-{y}-{m:02}-{}", SYSTEMS[p.sys as usize].id);
        let mut runs: Vec<(&str, bool, Option<i64>)> = Vec::new();
        if Some(key) == retried {
            runs.push(("failed", true, Some(rto * rng.range(20, 60) / 100)));
        }
        let recovery = if Some(key) == rto_exceeded {
            rto + rng.range(30, 200)
        } else {
            rto * rng.range(15, 70) / 100
        };
        runs.push(("succeeded", Some(key) != not_isolated, Some(recovery)));
        for (k, &(status, isolated, minutes)) in runs.iter().enumerate() {
            let performer = *rng.pick(&sres);
            let took = minutes.unwrap_or(60) * MINUTE + rng.range(5 * MINUTE, 60 * MINUTE);
            tests
                .text(&format!("{id_base}-{}", k + 1))?
                .text(SYSTEMS[p.sys as usize].id)?
                .ts(started)?
                .ts(started + took)?
                .text(status)?
                .flag(isolated)?
                .opt_int(minutes)?
                .text(org.person_ref(performer, rng.chance(0.3)))?
                .end()?;
            started += took + 2 * HOUR + rng.range(0, 2 * 24 * HOUR);
        }
    }
    Ok(vec![jobs.finish()?, tests.finish()?])
}
