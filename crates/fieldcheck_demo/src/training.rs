//! training.csv, training_escalations.csv and phishing_campaigns.csv: security awareness.
//!
//! Northpeak gets this right: new hires complete `security-awareness` within their first 24 days (inside the
//! 30-day grace) and everyone renews it 300 to 357 days after the last completion (inside the 365 days), for as
//! long as they are employed, leavers included. So nobody is ever uncovered and no escalation is needed;
//! the escalations on file are friendly reminders to managers, sent before anyone was overdue.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{Org, Role, work_time};
use crate::rng::Rng;
use crate::time::{Clock, DAY, HOUR, MINUTE, Ts, W0_DAY, days, quarter_start, workday_on_or_after};

pub(crate) const COURSE: &str = "security-awareness";

pub(crate) fn write(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Vec<Written>> {
    let mut out = Csv::create(dir, files::TRAINING.0, files::TRAINING.1, clock)?;
    let mut esc = Csv::create(
        dir,
        files::TRAINING_ESCALATIONS.0,
        files::TRAINING_ESCALATIONS.1,
        clock,
    )?;
    for (pi, p) in org.people.iter().enumerate() {
        let mut rng = Rng::stream(org.seed, "training", pi as u64);
        let start = clock.midnight(p.start);
        // Coverage is needed for as long as they are employed, and renewals go on until the evidence is collected.
        let until = p.term.unwrap_or(org.collect).min(org.collect);
        let mut completions: Vec<Ts> = Vec::new();
        // Their latest completion before the window (or before they left, for earlier leavers).
        let anchor = W0_DAY.min(clock.day_of(until));
        if p.start > anchor - 330 {
            // A recent hire: within the first 22 days (plus a weekend), so inside the 30-day grace.
            let day = p.start + rng.range(1, 23) as i32;
            let c = work_time(clock, day, &mut rng);
            if c < until {
                completions.push(c);
            }
        } else {
            let day = anchor - rng.range(20, 331) as i32;
            let c = work_time(clock, day, &mut rng);
            // The year before, for the history (only if they were already there).
            let prior = clock.day_of(c) - rng.range(300, 358) as i32;
            if prior > p.start + 30 {
                completions.push(work_time(clock, prior, &mut rng));
            }
            completions.push(c);
        }
        while let Some(&last) = completions.last() {
            if last + 365 * DAY >= until {
                break;
            }
            let due_day = clock.day_of(last) + rng.range(300, 356) as i32;
            let next = work_time(clock, due_day, &mut rng);
            if next >= until {
                break;
            }
            // A reminder to the manager when the renewal came late in the year (nobody was overdue yet).
            if let Some(m) = p.manager
                && clock.day_of(next) - clock.day_of(last) > 340
                && rng.chance(0.6)
            {
                let notified = clock.local(
                    clock.day_of(last) + 335,
                    9 * HOUR + rng.range(0, 30 * MINUTE),
                );
                if notified > start && notified < until {
                    esc.text(&p.id)?
                        .text(COURSE)?
                        .ts(notified)?
                        .text(org.person_ref(m, pi % 2 == 0))?
                        .end()?;
                }
            }
            completions.push(next);
        }
        for &c in &completions {
            out.text(&p.id)?.text(COURSE)?.ts(c)?.end()?;
        }
        // Other courses do not count toward coverage.
        let other = if p.role.engineer() {
            Some("secure-coding")
        } else if matches!(p.role, Role::Cs | Role::Sales) {
            Some("privacy-basics")
        } else {
            None
        };
        if let Some(course) = other
            && rng.chance(0.8)
        {
            let day = days(2026, 5, 4) + rng.range(0, 60) as i32;
            let c = work_time(clock, day, &mut rng);
            if c > start && c < until {
                out.text(&p.id)?.text(course)?.ts(c)?.end()?;
            }
        }
    }
    let mut result = vec![out.finish()?, esc.finish()?];

    let mut rng = Rng::stream(org.seed, "phishing", 0);
    let mut out = Csv::create(
        dir,
        files::PHISHING_CAMPAIGNS.0,
        files::PHISHING_CAMPAIGNS.1,
        clock,
    )?;
    for (year, q) in [(2025, 4), (2026, 1), (2026, 2), (2026, 3)] {
        let day = workday_on_or_after(quarter_start(year, q) + 30 + rng.range(0, 25) as i32);
        let started = clock.local(day, 10 * HOUR + rng.range(0, 3 * HOUR));
        if started > org.collect {
            continue;
        }
        let recipients = org
            .people
            .iter()
            .filter(|p| p.employed_at(clock, started))
            .count() as i64;
        let clicked = recipients * rng.range(40, 110) / 1000;
        let reported = recipients * rng.range(200, 450) / 1000;
        let (y, m, _) = crate::time::civil(day);
        out.text(&format!("PH-{y}-{m:02}"))?
            .utc(started)?
            .int(recipients)?
            .int(clicked)?
            .int(reported)?
            .end()?;
    }
    result.push(out.finish()?);
    Ok(result)
}
