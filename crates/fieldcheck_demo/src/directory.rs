//! The inventory and directory files: systems, people, identities, accounts and service-account credentials.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::org::{AWS_PROD, AWS_STAGING, CredType, DATADOG, GITHUB, Org, SYSTEMS};
use crate::rng::{Rng, mix64, push_base36, push_base62, push_hex};
use crate::time::{Clock, DAY, MINUTE, Ts, days};

pub(crate) fn write_systems(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::SYSTEMS.0, files::SYSTEMS.1, clock)?;
    for (i, def) in SYSTEMS.iter().enumerate() {
        out.text(def.id)?
            .text(def.name)?
            .text(def.kind)?
            .int(i64::from(def.tier))?
            .flag(def.in_scope)?
            .text(def.classification)?
            .opt_int(def.rto_minutes)?
            .text(org.person_ref(org.owner_of(i as u8), false))?
            .end()?;
    }
    out.finish()
}

pub(crate) fn write_people(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::PEOPLE.0, files::PEOPLE.1, clock)?;
    for p in &org.people {
        out.text(&p.id)?
            .text(&p.email)?
            .text(&p.name)?
            .opt(p.manager.map(|m| org.people[m as usize].id.as_str()))?
            .text(if p.contractor {
                "contractor"
            } else {
                "employee"
            })?
            .date(p.start)?
            .opt_ts(p.term)?
            .flag(p.privileged)?
            .end()?;
    }
    out.finish()
}

pub(crate) fn write_identities(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::IDENTITIES.0, files::IDENTITIES.1, clock)?;
    for p in &org.people {
        if let Some(login) = &p.github {
            out.text("github")?.text(login)?.text(&p.id)?.end()?;
        }
        if let Some(id) = &p.jira {
            out.text("jira")?.text(id)?.text(&p.id)?.end()?;
        }
    }
    out.finish()
}

pub(crate) fn write_accounts(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::ACCOUNTS.0, files::ACCOUNTS.1, clock)?;
    for sys in 0..SYSTEMS.len() as u8 {
        // Cloud and developer tools export UTC; the rest export local time.
        let utc = matches!(sys, AWS_PROD | AWS_STAGING | GITHUB | DATADOG);
        for a in org.accounts.iter().filter(|a| a.sys == sys) {
            let status = match a.disabled {
                None => "active",
                Some(_) if a.deleted => "deleted",
                Some(_) => "disabled",
            };
            out.text(SYSTEMS[sys as usize].id)?
                .text(&a.id)?
                .text(if a.service { "service" } else { "human" })?
                .opt((!a.service).then_some(a.person_ref.as_str()))?
                .opt(a.owner_ref.as_deref())?
                .flag(a.privileged)?
                .text(status)?
                .stamp(a.created, utc)?;
            match a.disabled {
                Some(d) => out.stamp(d, utc)?,
                None => out.null()?,
            };
            out.flag(a.interactive)?.text(a.mfa.as_str())?.end()?;
        }
    }
    out.finish()
}

/// Writes the rotation history of every service account's secret.
///
/// A healthy secret is rotated every 55 to 85 days, and the replaced one revoked within the hour;
/// a stale one was left unrotated for more than 90 days at some point of the window.
pub(crate) fn write_credentials(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Written> {
    let mut out = Csv::create(dir, files::CREDENTIALS.0, files::CREDENTIALS.1, clock)?;
    let salt = mix64(org.seed ^ 0xc4ed_0000);
    let mut counter = 0u64;
    let history_from = clock.midnight(days(2025, 7, 1));
    let w0 = org.w0;
    for (i, a) in org.accounts.iter().enumerate() {
        if !a.service {
            continue;
        }
        let mut rng = Rng::stream(org.seed, "credentials", i as u64);
        let end = a.disabled.unwrap_or(org.collect);
        let mut t: Ts = if a.created < history_from {
            history_from + rng.range(0, 60 * DAY)
        } else {
            a.created + rng.range(MINUTE, 2 * 3600)
        };
        if t >= end {
            t = (end - rng.range(20 * DAY, 80 * DAY)).max(a.created);
        }
        let marker = a
            .stale
            .then(|| clock.midnight(days(2025, 10, 15)) + rng.range(0, 168 * DAY));
        let never_again = rng.chance(0.5);
        let mut lapsed = false;
        let mut version = 1u32;
        loop {
            let long = !lapsed && marker.is_some_and(|m| t >= m);
            let (revoked, next) = if long && never_again {
                (a.disabled, None)
            } else {
                let gap = if long {
                    lapsed = true;
                    rng.range(110 * DAY, 200 * DAY).max(w0 + 20 * DAY - t)
                } else {
                    rng.range(55 * DAY, 85 * DAY)
                };
                let next = t + gap;
                if next >= end {
                    (a.disabled, None)
                } else {
                    (Some(next + rng.range(5 * MINUTE, 50 * MINUTE)), Some(next))
                }
            };
            counter += 1;
            let key = mix64(salt ^ counter);
            let mut id = String::with_capacity(48);
            match a.cred {
                CredType::AccessKey => {
                    id.push_str("AKIA");
                    push_base36(&mut id, key);
                    id.push_str(&format!("{:03}", mix64(key) % 1000));
                }
                CredType::ApiToken => {
                    id.push_str("tok_");
                    push_base62(&mut id, key, 11);
                    push_base62(&mut id, mix64(key), 8);
                }
                CredType::SshKey => {
                    id.push_str("SHA256:");
                    push_base62(&mut id, key, 11);
                    push_base62(&mut id, mix64(key), 11);
                }
                CredType::Certificate => {
                    id.push_str("cert-");
                    push_hex(&mut id, key, 16);
                }
                CredType::Password => {
                    id = format!(
                        "secret:{}/{}:v{}",
                        SYSTEMS[a.sys as usize].id, a.id, version
                    );
                }
            }
            out.text(SYSTEMS[a.sys as usize].id)?
                .text(&a.id)?
                .text(&id)?
                .text(a.cred.as_str())?
                .ts(t)?
                .opt_ts(revoked)?
                .end()?;
            version += 1;
            match next {
                Some(n) => t = n,
                None => break,
            }
        }
    }
    out.finish()
}
