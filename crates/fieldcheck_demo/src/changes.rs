//! Change management: pull requests, code reviews, Jira change tickets and deploys.
//!
//! Engineers ship through pull requests merged on GitHub, staged, then deployed to production with a
//! change ticket; about one production deploy in four misses something (see DEMO.md for the rates).

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::names::{PR_OBJECTS, PR_ODD_TITLES, PR_VERBS, REPOS};
use crate::org::{
    AWS_PROD, AWS_STAGING, CTO, GITHUB, Org, POSTGRES, Role, SYSTEMS, VP_ENG, work_time,
};
use crate::rng::{Rng, mix64, push_hex};
use crate::time::{Clock, DAY, HOUR, MINUTE, SPAN0_DAY, SPAN1_DAY, Ts, is_workday, weekday};

struct Pr {
    repo: usize,
    /// `None` for a bot (Dependabot).
    author: Option<u32>,
    created: Ts,
    merged: Option<Ts>,
    checks: Option<bool>,
    number: u32,
    sha: u64,
}

struct Review {
    pr: u32,
    reviewer: u32,
    state: &'static str,
    at: Ts,
}

struct Ticket {
    kind: &'static str,
    title: String,
    created: Ts,
    requester: u32,
    approver: Option<u32>,
    approver_email: bool,
    approved: Option<Ts>,
    retro: Option<Ts>,
    number: u32,
}

#[derive(Clone, Copy)]
enum TicketRef {
    Missing,
    /// The deploy cites an incident ticket instead of a change ticket.
    Foreign(u32),
    Known(u32),
}

struct Deploy {
    sys: u8,
    env: &'static str,
    at: Ts,
    deployer: u32,
    deployer_email: bool,
    sha: u64,
    pr: Option<u32>,
    ticket: TicketRef,
}

/// Writes changes, pull_requests, pr_reviews and deploys; returns the files and some emergency ticket ids.
pub(crate) fn write(
    dir: &Path,
    clock: &Clock,
    org: &Org,
) -> io::Result<(Vec<Written>, Vec<String>)> {
    let n = org.people.len();
    let with_github = |p: &crate::org::Person| p.github.is_some();
    let engineers: Vec<u32> = (0..n as u32)
        .filter(|&i| {
            let p = &org.people[i as usize];
            with_github(p) && (p.role.engineer() || p.role == Role::Security)
        })
        .collect();
    let engineers = if engineers.is_empty() {
        (0..n as u32)
            .filter(|&i| with_github(&org.people[i as usize]))
            .collect()
    } else {
        engineers
    };
    let sres: Vec<u32> = engineers
        .iter()
        .copied()
        .filter(|&i| org.people[i as usize].role == Role::Sre)
        .collect();
    let mut approvers: Vec<u32> = (0..n as u32)
        .filter(|&i| {
            let p = &org.people[i as usize];
            p.is_manager && (p.role.engineer() || matches!(p.exec, Some(CTO | VP_ENG)))
        })
        .collect();
    if approvers.is_empty() {
        approvers.push(org.exec(CTO));
    }
    let github_of: Vec<Option<u32>> = org
        .people
        .iter()
        .map(|p| p.account_on(&org.accounts, GITHUB))
        .collect();
    let can_code = |p: u32, t: Ts| {
        org.people[p as usize].employed_at(clock, t)
            && github_of[p as usize].is_some_and(|a| org.accounts[a as usize].active_at(t))
    };
    let pick_coder = |rng: &mut Rng, pool: &[u32], times: &[Ts], not: Option<u32>| -> Option<u32> {
        if pool.is_empty() {
            return None;
        }
        for _ in 0..24 {
            let p = *rng.pick(pool);
            if Some(p) != not && times.iter().all(|&t| can_code(p, t)) {
                return Some(p);
            }
        }
        None
    };

    let extra_repos = n / 3000;
    let mut repo_names: Vec<String> = REPOS.iter().map(|r| r.0.to_string()).collect();
    let mut repo_weights: Vec<u32> = REPOS.iter().map(|r| r.1).collect();
    for k in 0..extra_repos {
        repo_names.push(format!("service-{:03}", k + 1));
        repo_weights.push(4);
    }
    let migrations = repo_names.iter().position(|r| r == "db-migrations");

    let mut prs: Vec<Pr> = Vec::new();
    let mut reviews: Vec<Review> = Vec::new();
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut deploys: Vec<Deploy> = Vec::new();
    let mut foreign = 0u32;
    let mut sha_counter = 0u64;
    let sha_salt = mix64(org.seed ^ 0x5a_a5a5);
    let base = (n as f64 / 60.0).max(3.0);

    for day in SPAN0_DAY..SPAN1_DAY {
        if !is_workday(day) {
            continue;
        }
        let mut rng = Rng::stream(org.seed, "changes", day as u64);
        let friday = if weekday(day) == 4 { 0.6 } else { 1.0 };
        let count = (base * friday * (0.6 + 0.8 * rng.unit())).round() as usize;
        for _ in 0..count {
            let repo = rng.weighted(&repo_weights);
            let prod_at = clock.local(day, 10 * HOUR + 30 * MINUTE + rng.range(0, 7 * HOUR));
            let bot = rng.chance(0.05);
            let emergency = !bot && rng.chance(0.04);
            let merged = prod_at - rng.range(30 * MINUTE, 3 * HOUR);
            let created = merged
                - if emergency {
                    rng.range(20 * MINUTE, 3 * HOUR)
                } else {
                    rng.range(2 * HOUR, 4 * DAY)
                };
            let author = if bot {
                None
            } else {
                match pick_coder(&mut rng, &engineers, &[created, merged], None) {
                    Some(a) => Some(a),
                    None => continue,
                }
            };
            let deployer = match author {
                Some(a) if rng.chance(0.7) => Some(a),
                _ => {
                    let pool = if sres.is_empty() { &engineers } else { &sres };
                    org.pick_active(clock, &mut rng, pool, prod_at, &[])
                }
            };
            let Some(deployer) = deployer else { continue };

            // Peer review, with the classic gaps.
            let r = rng.unit();
            let no_review = !emergency && r < 0.09;
            let variant = rng.below(100);
            let has_pr = !(no_review && variant >= 85);
            let pr_index = prs.len() as u32;
            let add_review = |rng: &mut Rng,
                              reviews: &mut Vec<Review>,
                              state: &'static str,
                              at: Ts,
                              not: Option<u32>| {
                let reviewer = pick_coder(rng, &engineers, &[at], not.or(author))?;
                reviews.push(Review {
                    pr: pr_index,
                    reviewer,
                    state,
                    at,
                });
                Some(reviewer)
            };
            let span = merged - created;
            let during = |rng: &mut Rng, lo: i64, hi: i64| created + span * rng.range(lo, hi) / 100;
            let mut retro = None;
            if has_pr {
                if emergency {
                    if rng.chance(0.6) {
                        {
                            let at = prod_at + rng.range(HOUR, 30 * HOUR);
                            add_review(&mut rng, &mut reviews, "approved", at, None)
                        };
                        retro = Some(prod_at + rng.range(2 * HOUR, 40 * HOUR));
                    } else {
                        if rng.chance(0.5) {
                            {
                                let at = prod_at + rng.range(50 * HOUR, 6 * DAY);
                                add_review(&mut rng, &mut reviews, "approved", at, None)
                            };
                        }
                        retro = rng
                            .chance(0.5)
                            .then(|| prod_at + rng.range(50 * HOUR, 8 * DAY));
                    }
                } else if no_review {
                    match variant {
                        0..40 => {}
                        40..65 => {
                            {
                                let at = during(&mut rng, 20, 90);
                                add_review(&mut rng, &mut reviews, "commented", at, None)
                            };
                        }
                        _ => {
                            {
                                let at = merged + rng.range(HOUR, 2 * DAY);
                                add_review(&mut rng, &mut reviews, "approved", at, None)
                            };
                        }
                    }
                } else {
                    if rng.chance(0.3) {
                        {
                            let at = during(&mut rng, 5, 40);
                            add_review(&mut rng, &mut reviews, "commented", at, None)
                        };
                    }
                    if rng.chance(0.1) {
                        if let Some(rv) = {
                            let at = during(&mut rng, 10, 50);
                            add_review(&mut rng, &mut reviews, "changes_requested", at, None)
                        } {
                            let at = during(&mut rng, 60, 98);
                            reviews.push(Review {
                                pr: pr_index,
                                reviewer: rv,
                                state: "approved",
                                at,
                            });
                        } else {
                            {
                                let at = during(&mut rng, 60, 98);
                                add_review(&mut rng, &mut reviews, "approved", at, None)
                            };
                        }
                    } else {
                        {
                            let at = during(&mut rng, 30, 98);
                            add_review(&mut rng, &mut reviews, "approved", at, None)
                        };
                    }
                    if rng.chance(0.25) {
                        {
                            let at = during(&mut rng, 30, 99);
                            add_review(&mut rng, &mut reviews, "approved", at, None)
                        };
                    }
                }
            }
            let check_roll = rng.below(1000);
            let checks = match check_roll {
                0..15 => None,
                15..22 => Some(false),
                _ => Some(true),
            };
            let title = if rng.chance(0.03) {
                rng.pick(PR_ODD_TITLES).to_string()
            } else if bot {
                format!(
                    "Bump {} in /{}",
                    rng.pick(&[
                        "serde",
                        "axios",
                        "lodash",
                        "urllib3",
                        "rack",
                        "jackson-databind"
                    ]),
                    repo_names[repo]
                )
            } else {
                format!("{} {}", rng.pick(PR_VERBS), rng.pick(PR_OBJECTS))
            };
            sha_counter += 1;
            let sha = sha_counter;
            if has_pr {
                prs.push(Pr {
                    repo,
                    author,
                    created,
                    merged: Some(merged),
                    checks,
                    number: 0,
                    sha,
                });
            }

            // The change ticket.
            let roll = rng.unit();
            let ticket = if roll < 0.06 {
                if rng.chance(0.2) {
                    foreign += 1;
                    TicketRef::Foreign(foreign)
                } else {
                    TicketRef::Missing
                }
            } else {
                let kind = if emergency {
                    "emergency"
                } else if bot || rng.chance(0.55) {
                    "standard"
                } else {
                    "normal"
                };
                let retroactive = rng.chance(0.03);
                let t_created = if retroactive {
                    prod_at + rng.range(20 * MINUTE, 2 * DAY)
                } else if emergency {
                    prod_at - rng.range(10 * MINUTE, 60 * MINUTE)
                } else {
                    // Opened during a working day before the pull request, or just before it.
                    let t = work_time(
                        clock,
                        clock.day_of(created) - rng.range(0, 3) as i32,
                        &mut rng,
                    );
                    if t < created {
                        t
                    } else {
                        created - rng.range(10 * MINUTE, 2 * HOUR)
                    }
                };
                let requester = author.unwrap_or(deployer);
                let (mut approver, mut approved) = match kind {
                    "normal" => {
                        let who = org.pick_active(
                            clock,
                            &mut rng,
                            &approvers,
                            t_created,
                            &[requester, deployer],
                        );
                        let at = if retroactive {
                            t_created + rng.range(10 * MINUTE, DAY)
                        } else {
                            (t_created + rng.range(10 * MINUTE, DAY))
                                .min(prod_at - 5 * MINUTE)
                                .max(t_created + MINUTE)
                        };
                        if rng.chance(0.05) {
                            (
                                who,
                                if rng.chance(0.6) {
                                    None
                                } else {
                                    Some(prod_at + rng.range(HOUR, 3 * DAY))
                                },
                            )
                        } else {
                            (who, Some(at))
                        }
                    }
                    "emergency" => {
                        let who = org.pick_active(
                            clock,
                            &mut rng,
                            &approvers,
                            prod_at,
                            &[requester, deployer],
                        );
                        (
                            who,
                            Some(
                                (prod_at - rng.range(2 * MINUTE, 8 * MINUTE))
                                    .max(t_created + MINUTE),
                            ),
                        )
                    }
                    _ => (None, None),
                };
                if rng.chance(0.02) {
                    approver = Some(if rng.chance(0.5) { requester } else { deployer });
                    if approved.is_none() && kind == "standard" {
                        approved = Some(t_created + 5 * MINUTE);
                    }
                }
                let title = match kind {
                    "emergency" => format!("Hotfix {}: {}", repo_names[repo], title),
                    _ if bot => format!("Dependency update in {}", repo_names[repo]),
                    _ => format!("Release {}: {}", repo_names[repo], title),
                };
                tickets.push(Ticket {
                    kind,
                    title,
                    created: t_created,
                    requester,
                    approver,
                    approver_email: rng.chance(0.1),
                    approved,
                    retro: if emergency { retro } else { None },
                    number: 0,
                });
                TicketRef::Known(tickets.len() as u32 - 1)
            };

            let sys = if Some(repo) == migrations {
                POSTGRES
            } else {
                AWS_PROD
            };
            let deployer_email = rng.chance(0.15);
            let pr = has_pr.then_some(pr_index);
            deploys.push(Deploy {
                sys: AWS_STAGING,
                env: "staging",
                at: merged + rng.range(3 * MINUTE, 25 * MINUTE),
                deployer,
                deployer_email,
                sha,
                pr,
                ticket: TicketRef::Missing,
            });
            if has_pr && rng.chance(0.05) {
                deploys.push(Deploy {
                    sys: AWS_STAGING,
                    env: "development",
                    at: created + rng.range(5 * MINUTE, HOUR),
                    deployer,
                    deployer_email,
                    sha,
                    pr,
                    ticket: TicketRef::Missing,
                });
            }
            deploys.push(Deploy {
                sys,
                env: "production",
                at: prod_at,
                deployer,
                deployer_email,
                sha,
                pr,
                ticket,
            });
        }
        // Pull requests closed without merging.
        for _ in 0..(count / 10) {
            let repo = rng.weighted(&repo_weights);
            let created = clock.local(day, 9 * HOUR + rng.range(0, 9 * HOUR));
            let Some(author) = pick_coder(&mut rng, &engineers, &[created], None) else {
                continue;
            };
            sha_counter += 1;
            let pr_index = prs.len() as u32;
            if rng.chance(0.5)
                && let Some(reviewer) =
                    pick_coder(&mut rng, &engineers, &[created + HOUR], Some(author))
            {
                reviews.push(Review {
                    pr: pr_index,
                    reviewer,
                    state: "changes_requested",
                    at: created + HOUR,
                });
            }
            prs.push(Pr {
                repo,
                author: Some(author),
                created,
                merged: None,
                checks: Some(rng.chance(0.5)),
                number: 0,
                sha: sha_counter,
            });
        }
    }

    // Numbers follow creation order, as in GitHub and Jira.
    let mut order: Vec<u32> = (0..prs.len() as u32).collect();
    order.sort_by_key(|&i| (prs[i as usize].repo, prs[i as usize].created, i));
    let mut last_repo = usize::MAX;
    let mut next = 0;
    for &i in &order {
        let pr = &mut prs[i as usize];
        if pr.repo != last_repo {
            last_repo = pr.repo;
            next = 1_000 + (pr.repo as u32 * 731) % 4_000;
        }
        pr.number = next;
        next += 1;
    }
    let mut t_order: Vec<u32> = (0..tickets.len() as u32).collect();
    t_order.sort_by_key(|&i| (tickets[i as usize].created, i));
    for (rank, &i) in t_order.iter().enumerate() {
        tickets[i as usize].number = 1_001 + rank as u32;
    }

    let sha_hex = |k: u64| {
        let mut s = String::with_capacity(40);
        push_hex(&mut s, mix64(sha_salt ^ k), 16);
        push_hex(&mut s, mix64(sha_salt.rotate_left(7) ^ k), 16);
        push_hex(&mut s, mix64(sha_salt.rotate_left(13) ^ k), 8);
        s
    };
    let pr_id = |pr: &Pr| format!("northpeak/{}#{}", repo_names[pr.repo], pr.number);
    let login = |p: u32| {
        org.people[p as usize]
            .github
            .as_deref()
            .unwrap_or(org.people[p as usize].email.as_str())
    };
    let jira_ref = |p: u32, email: bool| {
        let person = &org.people[p as usize];
        match (&person.jira, email) {
            (Some(j), false) => j.as_str(),
            _ => person.email.as_str(),
        }
    };

    let mut out = Csv::create(dir, files::CHANGES.0, files::CHANGES.1, clock)?;
    for &i in &t_order {
        let t = &tickets[i as usize];
        out.text(&format!("CHG-{}", t.number))?
            .text(t.kind)?
            .text(&t.title)?
            .ts(t.created)?
            .text(jira_ref(t.requester, false))?
            .opt(t.approver.map(|a| jira_ref(a, t.approver_email)))?
            .opt_ts(t.approved)?
            .opt_ts(t.retro)?
            .end()?;
    }
    let mut result = vec![out.finish()?];

    let mut by_created: Vec<u32> = (0..prs.len() as u32).collect();
    by_created.sort_by_key(|&i| (prs[i as usize].created, i));
    let mut out = Csv::create(dir, files::PULL_REQUESTS.0, files::PULL_REQUESTS.1, clock)?;
    for &i in &by_created {
        let pr = &prs[i as usize];
        out.text(&pr_id(pr))?
            .text(&format!("northpeak/{}", repo_names[pr.repo]))?
            .text(pr.author.map_or("dependabot[bot]", login))?
            .utc(pr.created)?
            .opt_utc(pr.merged)?
            .opt(pr.merged.map(|_| sha_hex(pr.sha)).as_deref())?
            .opt_flag(pr.checks)?
            .end()?;
    }
    result.push(out.finish()?);

    reviews.sort_by_key(|r| (r.at, r.pr));
    let mut out = Csv::create(dir, files::PR_REVIEWS.0, files::PR_REVIEWS.1, clock)?;
    for r in &reviews {
        out.text(&pr_id(&prs[r.pr as usize]))?
            .text(login(r.reviewer))?
            .text(r.state)?
            .utc(r.at)?
            .end()?;
    }
    result.push(out.finish()?);

    let mut d_order: Vec<u32> = (0..deploys.len() as u32).collect();
    d_order.sort_by_key(|&i| (deploys[i as usize].at, i));
    let mut out = Csv::create(dir, files::DEPLOYS.0, files::DEPLOYS.1, clock)?;
    for (rank, &i) in d_order.iter().enumerate() {
        let d = &deploys[i as usize];
        let deployer = if d.deployer_email {
            org.people[d.deployer as usize].email.as_str()
        } else {
            login(d.deployer)
        };
        out.text(&format!("dpl-{:07}", rank + 1))?
            .text(SYSTEMS[d.sys as usize].id)?
            .text(d.env)?
            .ts(d.at)?
            .text(deployer)?
            .text(&sha_hex(d.sha))?
            .opt(d.pr.map(|p| pr_id(&prs[p as usize])).as_deref())?;
        match d.ticket {
            TicketRef::Missing => out.null()?,
            TicketRef::Foreign(k) => out.text(&format!("INC-{}", 100 + k))?,
            TicketRef::Known(t) => out.text(&format!("CHG-{}", tickets[t as usize].number))?,
        };
        out.end()?;
    }
    result.push(out.finish()?);

    let emergencies: Vec<String> = t_order
        .iter()
        .filter(|&&i| tickets[i as usize].kind == "emergency")
        .take(6)
        .map(|&i| format!("CHG-{}", tickets[i as usize].number))
        .collect();
    Ok((result, emergencies))
}
