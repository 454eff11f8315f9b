//! account_events.csv: the IdP and application logs, day by day, in time order.
//!
//! Logins dominate the kit (about 100 per person over the eight months of logs), so they are generated one
//! day at a time, merged with the lifecycle events of that day, sorted, and streamed out with pre-escaped rows.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written, write_text};
use crate::files;
use crate::org::{Actor, Event, EventKind, OKTA, Org, SYSTEMS};
use crate::rng::Rng;
use crate::time::{Clock, HOUR, SPAN0_DAY, SPAN1_DAY, is_workday};

pub(crate) fn write(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::ACCOUNT_EVENTS.0, files::ACCOUNT_EVENTS.1, clock)?;

    // Each account's `system_id,account_id` prefix and escaped id, written once.
    let mut prefix: Vec<Vec<u8>> = Vec::with_capacity(org.accounts.len());
    let mut own: Vec<Vec<u8>> = Vec::with_capacity(org.accounts.len());
    for a in &org.accounts {
        let mut p = Vec::with_capacity(48);
        write_text(&mut p, SYSTEMS[a.sys as usize].id)?;
        p.push(b',');
        write_text(&mut p, &a.id)?;
        prefix.push(p);
        let mut o = Vec::with_capacity(a.id.len());
        write_text(&mut o, &a.id)?;
        own.push(o);
    }
    let person_ids: Vec<Vec<u8>> = org
        .people
        .iter()
        .map(|p| {
            let mut v = Vec::new();
            write_text(&mut v, &p.id).map(|_| v)
        })
        .collect::<io::Result<_>>()?;

    // Each person's accounts with cumulative login weights.
    let plans: Vec<Vec<(u32, u32)>> = org
        .people
        .iter()
        .map(|p| {
            let mut total = 0;
            p.accounts
                .iter()
                .map(|&a| {
                    total += SYSTEMS[org.accounts[a as usize].sys as usize].login_weight;
                    (a, total)
                })
                .collect()
        })
        .collect();
    let okta: Vec<Option<u32>> = org
        .people
        .iter()
        .map(|p| p.account_on(&org.accounts, OKTA))
        .collect();
    let starts: Vec<i64> = org.people.iter().map(|p| clock.midnight(p.start)).collect();

    let mut life: Vec<Event> = org.events.clone();
    life.sort_unstable();
    let mut cursor = 0;
    let mut bucket: Vec<Event> = Vec::new();
    let write_event = |out: &mut Csv<'_>, e: &Event| -> io::Result<()> {
        out.raw(&prefix[e.acct as usize])?
            .text(e.kind.as_str())?
            .ts(e.ts)?;
        match e.actor {
            Actor::Own => out.raw(&own[e.acct as usize])?,
            Actor::Tool(name) => out.text(name)?,
            Actor::Person(p) => out.raw(&person_ids[p as usize])?,
        };
        out.end()
    };

    for day in SPAN0_DAY..SPAN1_DAY {
        let d0 = clock.midnight(day);
        let d1 = clock.midnight(day + 1);
        bucket.clear();
        while cursor < life.len() && life[cursor].ts < d1 {
            bucket.push(life[cursor]);
            cursor += 1;
        }
        let mut rng = Rng::stream(org.seed, "logins", day as u64);
        let workday = is_workday(day);
        for (pi, p) in org.people.iter().enumerate() {
            if starts[pi] >= d1 || p.term.is_some_and(|t| t <= d0) {
                continue;
            }
            let r = rng.below(100);
            let k = if workday {
                match r {
                    0..=42 => 0,
                    43..=84 => 1,
                    _ => 2,
                }
            } else if r < 8 {
                1
            } else {
                0
            };
            let plan = &plans[pi];
            let Some(&(_, total)) = plan.last() else {
                continue;
            };
            for _ in 0..k {
                let secs = 7 * HOUR + rng.range(0, 13 * HOUR / 2) + rng.range(0, 13 * HOUR / 2);
                let ts = d0 + secs;
                let w = rng.below(u64::from(total)) as u32;
                let mut acct = plan.iter().find(|x| w < x.1).map_or(plan[0].0, |x| x.0);
                if ts < starts[pi] || p.term.is_some_and(|t| ts >= t) {
                    continue;
                }
                if !org.accounts[acct as usize].active_at(ts) {
                    match okta[pi] {
                        Some(o) if org.accounts[o as usize].active_at(ts) => acct = o,
                        _ => continue,
                    }
                }
                bucket.push(Event {
                    ts,
                    acct,
                    kind: EventKind::Login,
                    actor: Actor::Own,
                });
            }
        }
        bucket.sort_unstable();
        for e in &bucket {
            write_event(&mut out, e)?;
        }
    }
    for e in &life[cursor..] {
        write_event(&mut out, e)?;
    }
    out.finish()
}
