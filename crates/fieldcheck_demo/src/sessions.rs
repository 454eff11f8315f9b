//! sessions.csv, central_log.csv and jit_requests.csv: privileged production access, approved just in time.
//!
//! This is the part Northpeak gets right: every session in the window has an approved, unexpired request of
//! the same person for the same system, approved by someone else, a recording and a copy in the SIEM.
//! Recording was only rolled out in mid-March, so sessions before it (outside the window) have none.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{AWS_PROD, Org, POSTGRES, SYSTEMS};
use crate::rng::{Rng, mix64, push_hex};
use crate::time::{Clock, HOUR, MINUTE, SPAN0_DAY, SPAN1_DAY, Ts, days, is_workday};

struct Request {
    person: u32,
    sys: u8,
    requested: Ts,
    approver: u32,
    approver_email: bool,
    approved: Ts,
    expires: Ts,
}

struct Session {
    request: u32,
    acct: u32,
    method: &'static str,
    started: Ts,
    ended: Ts,
    received: Ts,
}

pub(crate) fn write(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Vec<Written>> {
    // People with privileged accounts on the production systems, and who may approve their requests.
    let mut engineers: Vec<(u32, Vec<u32>)> = Vec::new();
    for (i, p) in org.people.iter().enumerate() {
        let accts: Vec<u32> = p
            .accounts
            .iter()
            .copied()
            .filter(|&a| {
                let acct = &org.accounts[a as usize];
                acct.privileged && matches!(acct.sys, AWS_PROD | POSTGRES)
            })
            .collect();
        if !accts.is_empty() {
            engineers.push((i as u32, accts));
        }
    }
    let approvers: Vec<u32> = engineers.iter().map(|e| e.0).collect();
    let recording_from = clock.midnight(days(2026, 3, 16));

    let mut requests: Vec<Request> = Vec::new();
    let mut sessions: Vec<Session> = Vec::new();
    for day in SPAN0_DAY..SPAN1_DAY {
        let mut rng = Rng::stream(org.seed, "sessions", day as u64);
        let p_day = if is_workday(day) { 0.3 } else { 0.04 };
        for (person, accts) in &engineers {
            if !rng.chance(p_day) {
                continue;
            }
            let requested = clock.local(day, 8 * HOUR + 30 * MINUTE + rng.range(0, 10 * HOUR));
            let p = &org.people[*person as usize];
            if !p.employed_at(clock, requested) {
                continue;
            }
            let acct = *rng.pick(accts);
            let Some(approver) =
                org.pick_active(clock, &mut rng, &approvers, requested, &[*person])
            else {
                continue;
            };
            let approved = requested + rng.range(30, 12 * MINUTE);
            let expires = approved + *rng.pick(&[HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR]);
            let account = &org.accounts[acct as usize];
            let until = p.term.map_or(expires, |t| t.min(expires));
            let count = 1 + rng.below(3) as usize;
            let mut starts: Vec<Ts> = (0..count)
                .map(|_| {
                    approved
                        + MINUTE
                        + rng.range(0, (until - approved - 2 * MINUTE).clamp(1, 3 * HOUR))
                })
                .filter(|&s| account.active_at(s) && p.employed_at(clock, s) && s <= expires)
                .collect();
            if starts.is_empty() {
                continue;
            }
            starts.sort_unstable();
            let index = requests.len() as u32;
            requests.push(Request {
                person: *person,
                sys: account.sys,
                requested,
                approver,
                approver_email: rng.chance(0.2),
                approved,
                expires,
            });
            for started in starts {
                let method = match account.sys {
                    AWS_PROD => *rng.pick(&["ssm", "console", "kubectl", "ssm"]),
                    _ => *rng.pick(&["bastion", "pam"]),
                };
                sessions.push(Session {
                    request: index,
                    acct,
                    method,
                    started,
                    ended: started + rng.range(4 * MINUTE, 95 * MINUTE),
                    received: started + rng.range(1, 90),
                });
            }
        }
    }

    // Identifiers follow time order.
    let mut r_order: Vec<u32> = (0..requests.len() as u32).collect();
    r_order.sort_by_key(|&i| (requests[i as usize].requested, i));
    let mut r_number = vec![0u32; requests.len()];
    for (rank, &i) in r_order.iter().enumerate() {
        r_number[i as usize] = rank as u32 + 1;
    }
    sessions.sort_by_key(|s| (s.started, s.acct));
    let salt = mix64(org.seed ^ 0x5e55_1011);
    let session_id = |k: usize| {
        let mut s = String::from("ses-");
        push_hex(&mut s, mix64(salt ^ k as u64), 16);
        s
    };

    let mut out = Csv::create(dir, files::SESSIONS.0, files::SESSIONS.1, clock)?;
    let mut log = Csv::create(dir, files::CENTRAL_LOG.0, files::CENTRAL_LOG.1, clock)?;
    for (k, s) in sessions.iter().enumerate() {
        let id = session_id(k);
        let acct = &org.accounts[s.acct as usize];
        let req = &requests[s.request as usize];
        let recording = (s.started >= recording_from).then(|| match s.method {
            "console" => format!("cloudtrail://aws-prod/console-sessions/{id}"),
            _ => format!(
                "s3://northpeak-session-recordings/{}/{id}.cast",
                SYSTEMS[acct.sys as usize].id
            ),
        });
        out.text(&id)?
            .text(SYSTEMS[acct.sys as usize].id)?
            .text(&acct.id)?
            .text(&org.people[req.person as usize].id)?
            .text(s.method)?
            .utc(s.started)?
            .utc(s.ended)?
            .text(&format!("JIT-{:06}", r_number[s.request as usize]))?
            .opt(recording.as_deref())?
            .end()?;
        log.text(&id)?.utc(s.received)?.end()?;
    }
    let mut files = vec![out.finish()?, log.finish()?];

    let mut out = Csv::create(dir, files::JIT_REQUESTS.0, files::JIT_REQUESTS.1, clock)?;
    for &i in &r_order {
        let r = &requests[i as usize];
        out.text(&format!("JIT-{:06}", r_number[i as usize]))?
            .text(&org.people[r.person as usize].id)?
            .text(SYSTEMS[r.sys as usize].id)?
            .ts(r.requested)?
            .text(org.person_ref(r.approver, r.approver_email))?
            .ts(r.approved)?
            .ts(r.expires)?
            .end()?;
    }
    files.push(out.finish()?);
    Ok(files)
}
