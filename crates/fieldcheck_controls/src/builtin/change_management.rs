//! `change-management` (CC8.1): every production deploy traces to an approved ticket and a
//! peer-reviewed, tested pull request; emergency changes are reviewed after the fact in time.

use std::collections::BTreeMap;

use fieldcheck_kit::FastMap;

use fieldcheck_kit::time::{add, human_duration};
use fieldcheck_kit::{Change, ChangeType, Environment, Name, PrReview, PullRequest, ReviewState};
use jiff::SignedDuration;

use super::{Unknown, plural, unknown_notes};
use crate::control_params::change_management::Params;
use crate::reasons::change_management::DeployTraceability;
use crate::{Cx, Dev, Note, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let hours = cx.p.emergency_review_hours;
    let window_after = SignedDuration::from_hours(hours);
    let changes: FastMap<&str, &Change> = kit.changes.iter().map(|c| (&*c.ticket_id, c)).collect();
    let prs: FastMap<&str, &PullRequest> =
        kit.pull_requests.iter().map(|p| (&*p.pr_id, p)).collect();
    let mut reviews: FastMap<&str, Vec<&PrReview>> =
        FastMap::with_capacity_and_hasher(kit.pull_requests.len(), Default::default());
    for r in &kit.pr_reviews {
        reviews.entry(&r.pr_id).or_default().push(r);
    }
    let production_names = &cx.p.production_environments;
    let failed_checks = &cx.p.failed_check_conclusions;
    let passed_checks = &cx.p.passed_check_conclusions;
    // Every environment name of the deploys considered, with how it was classified: the note
    // (counted by the names' handles, named at the end; a name is classified once).
    let mut env_counts: FastMap<(Name, &'static str), usize> = FastMap::default();
    let mut production_of: FastMap<Name, bool> = FastMap::default();
    let mut tally = Tally::default();
    let mut no_env = Unknown::new(
        "deploys.environment",
        "deploy",
        "not in the population (the spec tests `environment = production`)",
    );
    let mut no_created = Unknown::new(
        "changes.created_at",
        "deploy",
        "retroactive_ticket was not judged (the spec flags a ticket created after the deploy)",
    );
    let mut no_deployer = Unknown::new(
        "deploys.deployer_id",
        "deploy",
        "self_approved was not judged against the deployer",
    );
    let mut no_author = Unknown::new(
        "pull_requests.author_id",
        "deploy",
        "the reviewer and the approver were not compared with the author",
    );
    let names = &kit.names;
    for d in &kit.deploys {
        let Some(deployed_at) = d.deployed_at.filter(|t| cx.w.contains(*t)) else {
            continue;
        };
        let system = d.system(names);
        if !cx.in_scope(system) {
            continue;
        }
        // A stated environment decides; else the source's name, by `production_environments`.
        let production = match (d.environment, d.environment_name) {
            (Some(e), name) => {
                if let Some(n) = name {
                    let how = match e {
                        Environment::Production => "production as its `environment` states",
                        Environment::Staging => "staging as its `environment` states",
                        Environment::Development => "development as its `environment` states",
                    };
                    *env_counts.entry((n, how)).or_default() += 1;
                }
                e == Environment::Production
            }
            (None, Some(n)) => {
                let p = *production_of
                    .entry(n)
                    .or_insert_with(|| is_production(production_names, names.get(n)));
                let how = if p {
                    "production by `production_environments`"
                } else {
                    "not production by `production_environments`"
                };
                *env_counts.entry((n, how)).or_default() += 1;
                p
            }
            (None, None) => {
                no_env.add(&*d.deploy_id);
                false
            }
        };
        if !production {
            continue;
        }
        let mut dev = Dev::new(&*d.deploy_id).at(deployed_at).system(system);
        dev.ev(d.loc);
        let ticket = d.ticket_id.as_deref().and_then(|t| changes.get(t).copied());
        let pr = d.pr_id.as_deref().and_then(|p| prs.get(p).copied());
        dev.person("deployer", d.deployer_id.as_deref());
        dev.person("approver", ticket.and_then(|c| c.approver_id.as_deref()));
        dev.person("author", pr.and_then(|p| p.author_id.as_deref()));
        match (&d.ticket_id, ticket) {
            (None, _) => dev.fail(DeployTraceability::NoTicket, "names no change ticket"),
            (Some(t), None) => dev.fail(
                DeployTraceability::NoTicket,
                format!("ticket {t} is not in changes"),
            ),
            (_, Some(c)) => {
                dev.ev(c.loc);
                if c.created_at.is_none() {
                    no_created.add(&*d.deploy_id);
                }
                if c.approver_id.is_some() && d.deployer_id.is_none() {
                    no_deployer.add(&*d.deploy_id);
                }
                if let Some(created) = c.created_at
                    && created > deployed_at
                {
                    dev.fail(
                        DeployTraceability::RetroactiveTicket,
                        format!(
                            "ticket {} was created {}, {} after the deploy",
                            c.ticket_id,
                            cx.w.fmt(created),
                            human_duration(created.duration_since(deployed_at))
                        ),
                    );
                }
                // The spec exempts standard changes (pre-approved) and emergency ones (reviewed
                // afterwards); a ticket of unknown type claims neither, so it needs approval.
                if matches!(c.ctype, Some(ChangeType::Normal) | None) {
                    let kind = if c.ctype.is_some() {
                        "normal change"
                    } else {
                        "change of unknown type"
                    };
                    match c.approved_at {
                        None => dev.fail(
                            DeployTraceability::NotApproved,
                            format!("{kind} {} was never approved", c.ticket_id),
                        ),
                        Some(a) if a > deployed_at => dev.fail(
                            DeployTraceability::NotApproved,
                            format!(
                                "{kind} {} was approved only {}, after the deploy",
                                c.ticket_id,
                                cx.w.fmt(a)
                            ),
                        ),
                        Some(_) => {}
                    }
                }
                if let Some(ap) = &c.approver_id {
                    if d.deployer_id.as_ref() == Some(ap) {
                        dev.fail(
                            DeployTraceability::SelfApproved,
                            format!("{} approved {} and deployed it", cx.who(ap), c.ticket_id),
                        );
                    } else if pr.and_then(|p| p.author_id.as_ref()) == Some(ap) {
                        dev.fail(
                            DeployTraceability::SelfApproved,
                            format!(
                                "{} approved {} and wrote the pull request",
                                cx.who(ap),
                                c.ticket_id
                            ),
                        );
                    }
                }
                if c.ctype == Some(ChangeType::Emergency) {
                    let due = add(deployed_at, window_after);
                    match c.retro_reviewed_at {
                        None => dev.fail(DeployTraceability::EmergencyReviewLate, format!("emergency change {} was never reviewed afterwards", c.ticket_id)),
                        Some(r) if r > due => dev.fail(
                            DeployTraceability::EmergencyReviewLate,
                            format!("emergency change {} was reviewed {}, {} after the deploy (limit {hours} hours)", c.ticket_id, cx.w.fmt(r), human_duration(r.duration_since(deployed_at))),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        match (&d.pr_id, pr) {
            (None, _) => {
                dev.fail(
                    DeployTraceability::NoPeerReview,
                    "names no pull request, so there is no peer review or test evidence",
                );
                dev.reason(DeployTraceability::NoTestEvidence);
            }
            (Some(p), None) => {
                dev.fail(DeployTraceability::NoPeerReview, format!("pull request {p} is not in pull_requests, so there is no peer review or test evidence"));
                dev.reason(DeployTraceability::NoTestEvidence);
            }
            (_, Some(p)) => {
                dev.ev(p.loc);
                if p.author_id.is_none() {
                    no_author.add(&*d.deploy_id);
                }
                let emergency = ticket.is_some_and(|c| c.ctype == Some(ChangeType::Emergency));
                // The review must be in by the merge; an emergency change's may also come up to
                // the review window after the deploy. Without a merge time only that window exists.
                let deadline = match (p.merged_at, emergency) {
                    (Some(m), false) => Some(m.get()),
                    (Some(m), true) => Some(m.get().max(add(deployed_at, window_after))),
                    (None, true) => Some(add(deployed_at, window_after)),
                    (None, false) => None,
                };
                let ok = reviews.get(&*p.pr_id).is_some_and(|rs| {
                    rs.iter().any(|r| {
                        r.state == Some(ReviewState::Approved)
                            && r.reviewer_id
                                .as_ref()
                                .is_some_and(|who| p.author_id.as_ref() != Some(who))
                            && r.submitted_at
                                .zip(deadline)
                                .is_some_and(|(t, limit)| t <= limit)
                    })
                });
                if !ok {
                    if let Some(rs) = reviews.get(&*p.pr_id) {
                        for r in rs {
                            dev.ev(r.loc);
                        }
                    }
                    dev.fail(
                        DeployTraceability::NoPeerReview,
                        match deadline {
                            Some(limit) if emergency => format!(
                                "pull request {} has no approving review by someone other than its author by {}",
                                p.pr_id,
                                cx.w.fmt(limit)
                            ),
                            Some(_) => format!(
                                "pull request {} has no approving review by someone other than its author before merge",
                                p.pr_id
                            ),
                            None => format!(
                                "pull request {} was never merged, so no review before merge is on record",
                                p.pr_id
                            ),
                        },
                    );
                }
                // The check runs' conclusions when the source gives them, else the stated flag.
                let checks = match p.check_conclusions.as_deref() {
                    Some(list) => judge_checks(list, failed_checks, passed_checks),
                    None => match p.checks_passed {
                        Some(true) => Checks::Passed,
                        Some(false) => Checks::Failed,
                        None => Checks::Unknown(None),
                    },
                };
                match checks {
                    Checks::Unknown(None) => dev.fail(
                        DeployTraceability::NoTestEvidence,
                        format!("pull request {} has no record of its checks", p.pr_id),
                    ),
                    Checks::Unknown(Some(open)) => dev.fail(
                        DeployTraceability::NoTestEvidence,
                        format!(
                            "pull request {} has checks that did not conclude ({open})",
                            p.pr_id
                        ),
                    ),
                    Checks::Failed => dev.fail(
                        DeployTraceability::TestsFailed,
                        format!("pull request {} failed its checks", p.pr_id),
                    ),
                    Checks::Passed => {}
                }
            }
        }
        dev.lead_with(|| {
            format!(
                "deploy {} to {} at {}",
                d.deploy_id,
                system,
                cx.w.fmt(deployed_at)
            )
        });
        tally.add(dev);
    }
    let mut notes = unknown_notes([no_env, no_created, no_deployer, no_author]);
    let env_names: BTreeMap<(&str, &'static str), usize> = env_counts
        .into_iter()
        .map(|((n, how), count)| ((names.get(n), how), count))
        .collect();
    if !env_names.is_empty() {
        notes.push(Note {
            item: "deploys.environment_name".to_string(),
            detail: format!(
                "environment names of in-scope deploys in the window: {}",
                env_names
                    .iter()
                    .map(|((name, how), n)| format!("`{name}` {how} ({})", plural(*n, "deploy")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    vec![tally.finish("deploy-traceability", notes)]
}

/// What a pull request's checks show.
enum Checks {
    Passed,
    Failed,
    /// Unknown: no record, or (with the conclusions that decided nothing) runs that did not
    /// conclude.
    Unknown(Option<String>),
}

/// Judges a pull request's `check_conclusions` (separated by spaces or commas, any case): one
/// failed conclusion fails them; they pass when every one passed; else they are unknown.
fn judge_checks(list: &str, failed: &[String], passed: &[String]) -> Checks {
    // Nothing is allocated for a list that passes or fails (a deploy's pull request, 270,000
    // times a year at 50,000 people); the open ones are named lower-cased.
    let each = || {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
    };
    let is_in = |l: &[String], c: &str| l.iter().any(|x| x.eq_ignore_ascii_case(c));
    if each().any(|c| is_in(failed, c)) {
        return Checks::Failed;
    }
    let open: Vec<String> = each()
        .filter(|c| !is_in(passed, c))
        .map(str::to_ascii_lowercase)
        .collect();
    match (each().next().is_none(), open.is_empty()) {
        (true, _) => Checks::Unknown(None),
        (false, true) => Checks::Passed,
        (false, false) => Checks::Unknown(Some(open.join(", "))),
    }
}

/// Whether an environment name is production: it matches a pattern of `production_environments`
/// and no `!` pattern, any case, `*` matching any text.
fn is_production(patterns: &[String], name: &str) -> bool {
    let name = name.trim().to_lowercase();
    let mut yes = false;
    for p in patterns {
        match p.strip_prefix('!') {
            Some(not) if glob(&not.to_lowercase(), &name) => return false,
            Some(_) => {}
            None => yes |= glob(&p.to_lowercase(), &name),
        }
    }
    yes
}

/// A `*`-only glob, matched over the whole text.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole text.
        return rest.is_empty();
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = &rest[i + m.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use crate::Status;
    use crate::builtin::testkit::*;

    const PR_OK: &str =
        "acme/api#1,acme/api,dev1,2026-02-01T09:00:00Z,2026-02-01T12:00:00Z,abc,true\n";
    const REVIEW_OK: &str = "acme/api#1,dev2,approved,2026-02-01T11:00:00Z\n";
    const TICKET_OK: &str =
        "CHG-1,normal,Ship it,2026-02-01T08:00:00Z,dev1,mgr,2026-02-01T10:00:00Z,\n";
    const DEPLOY: &str = "d1,api,production,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1\n";

    fn kit(deploys: &str, changes: &str, prs: &str, reviews: &str) -> KitBuilder {
        KitBuilder::new()
            .file("systems.csv", "system_id,in_scope\napi,true\nlab,false\n")
            .file("people.csv", "person_id,email,start_date\ndev1,dev1@acme.test,2020-01-01\ndev2,dev2@acme.test,2020-01-01\nops,ops@acme.test,2020-01-01\nmgr,mgr@acme.test,2020-01-01\n")
            .file("identities.csv", "system_id,external_id,person_id\ngithub,octo-dev1,dev1\n")
            .file("deploys.csv", &format!("deploy_id,system_id,environment,deployed_at,deployer_id,commit_sha,pr_id,ticket_id\n{deploys}"))
            .file("changes.csv", &format!("ticket_id,type,title,created_at,requester_id,approver_id,approved_at,retro_reviewed_at\n{changes}"))
            .file("pull_requests.csv", &format!("pr_id,repo,author_id,created_at,merged_at,merge_commit_sha,checks_passed\n{prs}"))
            .file("pr_reviews.csv", &format!("pr_id,reviewer_id,state,submitted_at\n{reviews}"))
    }

    fn one(deploys: &str, changes: &str, prs: &str, reviews: &str) -> Vec<&'static str> {
        let r = run_control(
            &kit(deploys, changes, prs, reviews).build(),
            "change-management",
            |_| {},
        );
        assert_eq!(items(&r), ["d1"]);
        reasons_of(&r, "d1")
    }

    #[test]
    fn each_deploy_carries_its_time_system_and_people() {
        let r = run_control(
            &kit(DEPLOY, TICKET_OK, PR_OK, REVIEW_OK).build(),
            "change-management",
            |_| {},
        );
        let t = &r.tests[0];
        assert_eq!(t.items, ["d1"]);
        // One facts entry per item, in the items' order.
        assert_eq!(t.facts.len(), t.items.len());
        let f = t.facts.get(0).expect("facts").to_facts();
        assert_eq!(
            f.at.map(|t| t.to_string()).as_deref(),
            Some("2026-02-01T13:00:00Z")
        );
        assert_eq!(f.system.as_deref(), Some("api"));
        assert_eq!(f.period, None);
        assert_eq!(
            f.people,
            [
                ("deployer", "ops".into()),
                ("approver", "mgr".into()),
                ("author", "dev1".into())
            ]
        );
    }

    #[test]
    fn a_clean_deploy_passes_and_the_population_is_production_in_scope_in_window() {
        let deploys = format!(
            "{DEPLOY}d2,api,staging,2026-02-01T13:00:00Z,ops,,,\nd3,lab,production,2026-02-01T13:00:00Z,ops,,,\nd4,api,production,2026-07-01T04:00:00Z,ops,,,\nd5,api,production,2026-01-01T04:59:59Z,ops,,,\n"
        );
        let r = run_control(
            &kit(&deploys, TICKET_OK, PR_OK, REVIEW_OK).build(),
            "change-management",
            |_| {},
        );
        // Staging (d2), out of scope (d3), after (d4) and before (d5) the window are not in it.
        all_pass(&r, &["d1"]);
        assert_eq!(r.status, Status::Effective);
    }

    #[test]
    fn an_empty_population_is_not_evidenced() {
        let r = run_control(
            &kit("d2,api,staging,2026-02-01T13:00:00Z,ops,,,\n", "", "", "").build(),
            "change-management",
            |_| {},
        );
        assert_eq!(r.status, Status::NotEvidenced);
        assert!(
            r.reason
                .as_deref()
                .unwrap_or("")
                .contains("no production deploys")
        );
    }

    #[test]
    fn tickets() {
        assert_eq!(
            one(
                "d1,api,production,2026-02-01T13:00:00Z,ops,abc,acme/api#1,\n",
                "",
                PR_OK,
                REVIEW_OK
            ),
            ["no_ticket"]
        );
        assert_eq!(one(DEPLOY, "", PR_OK, REVIEW_OK), ["no_ticket"]);
        // Created exactly at the deploy: not retroactive.
        let at = "CHG-1,standard,x,2026-02-01T13:00:00Z,,,,\n";
        assert!(one(DEPLOY, at, PR_OK, REVIEW_OK).is_empty());
        let after = "CHG-1,standard,x,2026-02-01T13:00:01Z,,,,\n";
        assert_eq!(one(DEPLOY, after, PR_OK, REVIEW_OK), ["retroactive_ticket"]);
    }

    #[test]
    fn approval_of_normal_changes() {
        assert_eq!(
            one(
                DEPLOY,
                "CHG-1,normal,x,2026-02-01T08:00:00Z,dev1,mgr,,\n",
                PR_OK,
                REVIEW_OK
            ),
            ["not_approved"]
        );
        assert!(
            one(
                DEPLOY,
                "CHG-1,normal,x,2026-02-01T08:00:00Z,dev1,mgr,2026-02-01T13:00:00Z,\n",
                PR_OK,
                REVIEW_OK
            )
            .is_empty()
        );
        assert_eq!(
            one(
                DEPLOY,
                "CHG-1,normal,x,2026-02-01T08:00:00Z,dev1,mgr,2026-02-01T13:00:01Z,\n",
                PR_OK,
                REVIEW_OK
            ),
            ["not_approved"]
        );
        // Standard changes are pre-approved.
        assert!(
            one(
                DEPLOY,
                "CHG-1,standard,x,2026-02-01T08:00:00Z,,,,\n",
                PR_OK,
                REVIEW_OK
            )
            .is_empty()
        );
    }

    #[test]
    fn values_the_spec_lets_pass_when_empty_are_noted() {
        let notes = |deploys: &str, changes: &str, prs: &str| {
            let r = run_control(
                &kit(deploys, changes, prs, REVIEW_OK).build(),
                "change-management",
                |_| {},
            );
            note_items(&r)
        };
        assert_eq!(
            notes(
                "d1,api,production,2026-02-01T13:00:00Z,,abc,acme/api#1,CHG-1\nd2,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1\n",
                "CHG-1,normal,Ship it,,dev1,mgr,2026-02-01T10:00:00Z,\n",
                "acme/api#1,acme/api,,2026-02-01T09:00:00Z,2026-02-01T12:00:00Z,abc,true\n"
            ),
            [
                "deploys.environment",
                "changes.created_at",
                "deploys.deployer_id",
                "pull_requests.author_id"
            ]
        );
        // Boundary: the clean deploy notes nothing.
        assert!(notes(DEPLOY, TICKET_OK, PR_OK).is_empty());
    }

    #[test]
    fn a_ticket_of_unknown_type_needs_approval() {
        assert_eq!(
            one(
                DEPLOY,
                "CHG-1,,x,2026-02-01T08:00:00Z,,,,\n",
                PR_OK,
                REVIEW_OK
            ),
            ["not_approved"]
        );
        // Boundary: approved exactly at the deploy, it passes like a normal change.
        assert!(
            one(
                DEPLOY,
                "CHG-1,,x,2026-02-01T08:00:00Z,dev1,mgr,2026-02-01T13:00:00Z,\n",
                PR_OK,
                REVIEW_OK
            )
            .is_empty()
        );
    }

    #[test]
    fn self_approval_through_identities() {
        // The approver is the PR author, named by their GitHub login.
        assert_eq!(
            one(
                DEPLOY,
                "CHG-1,normal,x,2026-02-01T08:00:00Z,,octo-dev1,2026-02-01T10:00:00Z,\n",
                PR_OK,
                REVIEW_OK
            ),
            ["self_approved"]
        );
        assert_eq!(
            one(
                DEPLOY,
                "CHG-1,normal,x,2026-02-01T08:00:00Z,,OPS@acme.test,2026-02-01T10:00:00Z,\n",
                PR_OK,
                REVIEW_OK
            ),
            ["self_approved"]
        );
    }

    #[test]
    fn peer_review() {
        assert_eq!(
            one(
                "d1,api,production,2026-02-01T13:00:00Z,ops,abc,,CHG-1\n",
                TICKET_OK,
                "",
                ""
            ),
            ["no_peer_review", "no_test_evidence"]
        );
        assert_eq!(
            one(
                "d1,api,production,2026-02-01T13:00:00Z,ops,abc,acme/api#9,CHG-1\n",
                TICKET_OK,
                "",
                ""
            ),
            ["no_peer_review", "no_test_evidence"]
        );
        // Approved exactly at merge: on time; one second later: not.
        assert!(
            one(
                DEPLOY,
                TICKET_OK,
                PR_OK,
                "acme/api#1,dev2,approved,2026-02-01T12:00:00Z\n"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                DEPLOY,
                TICKET_OK,
                PR_OK,
                "acme/api#1,dev2,approved,2026-02-01T12:00:01Z\n"
            ),
            ["no_peer_review"]
        );
        // The author's own approval, a comment, and an approval without reviewer do not count.
        assert_eq!(
            one(
                DEPLOY,
                TICKET_OK,
                PR_OK,
                "acme/api#1,octo-dev1,approved,2026-02-01T11:00:00Z\nacme/api#1,dev2,commented,2026-02-01T11:00:00Z\nacme/api#1,,approved,2026-02-01T11:00:00Z\n"
            ),
            ["no_peer_review"]
        );
    }

    #[test]
    fn an_unmerged_pull_request_has_no_review_before_merge() {
        let unmerged = "acme/api#1,acme/api,dev1,2026-02-01T09:00:00Z,,abc,true\n";
        assert_eq!(
            one(DEPLOY, TICKET_OK, unmerged, REVIEW_OK),
            ["no_peer_review"]
        );
        // An emergency change may still be reviewed within 48 hours of the deploy.
        let emergency = "CHG-1,emergency,x,2026-02-01T12:30:00Z,,mgr,,2026-02-02T13:00:00Z\n";
        assert!(one(DEPLOY, emergency, unmerged, REVIEW_OK).is_empty());
    }

    #[test]
    fn tests() {
        assert_eq!(
            one(
                DEPLOY,
                TICKET_OK,
                "acme/api#1,acme/api,dev1,,2026-02-01T12:00:00Z,abc,\n",
                REVIEW_OK
            ),
            ["no_test_evidence"]
        );
        assert_eq!(
            one(
                DEPLOY,
                TICKET_OK,
                "acme/api#1,acme/api,dev1,,2026-02-01T12:00:00Z,abc,false\n",
                REVIEW_OK
            ),
            ["tests_failed"]
        );
    }

    #[test]
    fn emergency_changes() {
        // Reviewed retroactively exactly 48 hours after the deploy: on time.
        let ok = "CHG-1,emergency,x,2026-02-01T12:30:00Z,,mgr,,2026-02-03T13:00:00Z\n";
        assert!(one(DEPLOY, ok, PR_OK, REVIEW_OK).is_empty());
        let late = "CHG-1,emergency,x,2026-02-01T12:30:00Z,,mgr,,2026-02-03T13:00:01Z\n";
        assert_eq!(
            one(DEPLOY, late, PR_OK, REVIEW_OK),
            ["emergency_review_late"]
        );
        let never = "CHG-1,emergency,x,2026-02-01T12:30:00Z,,mgr,,\n";
        assert_eq!(
            one(DEPLOY, never, PR_OK, REVIEW_OK),
            ["emergency_review_late"]
        );
        // An emergency PR may be peer-reviewed up to 48 hours after the deploy.
        assert!(
            one(
                DEPLOY,
                ok,
                PR_OK,
                "acme/api#1,dev2,approved,2026-02-03T13:00:00Z\n"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                DEPLOY,
                ok,
                PR_OK,
                "acme/api#1,dev2,approved,2026-02-03T13:00:01Z\n"
            ),
            ["no_peer_review"]
        );
    }

    /// A kit whose deploys and pull requests carry the source's facts: `environment_name` and
    /// `check_conclusions`.
    fn facts_kit(deploys: &str, prs: &str) -> fieldcheck_kit::Kit {
        kit("", TICKET_OK, "", REVIEW_OK)
            .file("deploys.csv", &format!("deploy_id,system_id,environment,deployed_at,deployer_id,commit_sha,pr_id,ticket_id,environment_name\n{deploys}"))
            .file("pull_requests.csv", &format!("pr_id,repo,author_id,created_at,merged_at,merge_commit_sha,checks_passed,check_conclusions\n{prs}"))
            .build()
    }

    const NAMED: &str = "d1,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,prod-us\n";

    fn pr(checks: &str) -> String {
        format!(
            "acme/api#1,acme/api,dev1,2026-02-01T09:00:00Z,2026-02-01T12:00:00Z,abc,,{checks}\n"
        )
    }

    fn set(p: &mut crate::Params, name: &str, values: &[&str]) {
        p.set(
            "change-management",
            name,
            crate::params::ParamValue::List(values.iter().map(|v| v.to_string()).collect()),
        );
    }

    #[test]
    fn failed_check_conclusions_fail_the_checks() {
        let run = |checks: &str, tweak: &dyn Fn(&mut crate::Params)| {
            run_control(&facts_kit(NAMED, &pr(checks)), "change-management", |p| {
                tweak(p)
            })
        };
        // GitHub's `cancelled` and `stale` are failures by default.
        for checks in ["success cancelled", "stale", "\"success,TIMED_OUT\""] {
            let r = run(checks, &|_| {});
            assert_eq!(reasons_of(&r, "d1"), ["tests_failed"], "{checks}");
        }
        // Boundary: `neutral` and `skipped` pass by default, so the deploy passes.
        let r = run("neutral skipped success", &|_| {});
        assert_eq!(r.tests[0].items, ["d1"]);
        assert!(reasons(&r).is_empty(), "{:?}", reasons(&r));
        // With `cancelled` not a failure, a cancelled run is in neither list: unknown.
        let r = run("success cancelled", &|p| {
            set(p, "failed_check_conclusions", &["failure"])
        });
        assert_eq!(reasons_of(&r, "d1"), ["no_test_evidence"]);
        assert_eq!(
            r.tests[0].deviations[0].detail,
            "deploy d1 to api at 2026-02-01 08:00 EST; pull request acme/api#1 has checks that did not conclude (cancelled)"
        );
    }

    #[test]
    fn passed_check_conclusions_decide_when_checks_pass() {
        // A run still in progress leaves the checks unknown.
        let r = run_control(
            &facts_kit(NAMED, &pr("in_progress success")),
            "change-management",
            |_| {},
        );
        assert_eq!(reasons_of(&r, "d1"), ["no_test_evidence"]);
        // `skipped` counts as passed by default; not once the parameter drops it.
        let r = run_control(
            &facts_kit(NAMED, &pr("success skipped")),
            "change-management",
            |p| set(p, "passed_check_conclusions", &["success"]),
        );
        assert_eq!(reasons_of(&r, "d1"), ["no_test_evidence"]);
        // Boundary: every conclusion passed.
        let r = run_control(
            &facts_kit(NAMED, &pr("success")),
            "change-management",
            |p| set(p, "passed_check_conclusions", &["success"]),
        );
        assert_eq!(r.tests[0].items, ["d1"]);
        assert!(reasons(&r).is_empty());
    }

    #[test]
    fn check_conclusions_win_over_a_stated_flag() {
        let prs =
            "acme/api#1,acme/api,dev1,2026-02-01T09:00:00Z,2026-02-01T12:00:00Z,abc,true,failure\n";
        let r = run_control(&facts_kit(NAMED, prs), "change-management", |_| {});
        assert_eq!(reasons_of(&r, "d1"), ["tests_failed"]);
        // Without conclusions the flag decides, as before.
        let prs = "acme/api#1,acme/api,dev1,2026-02-01T09:00:00Z,2026-02-01T12:00:00Z,abc,true,\n";
        let r = run_control(&facts_kit(NAMED, prs), "change-management", |_| {});
        assert_eq!(r.tests[0].items, ["d1"]);
        assert!(reasons(&r).is_empty());
    }

    #[test]
    fn production_environments_classify_environment_names() {
        // The default is the name rule the GitHub and GitLab sources used to apply.
        let names = [
            ("prod-us", true),
            ("Production", true),
            ("eu-PROD", true),
            ("preprod", false),
            ("pre-production", false),
            ("nonprod", false),
            ("non_prod-eu", false),
            ("staging", false),
            ("qa", false),
            ("review/fix", false),
        ];
        let deploys: String = names
            .iter()
            .enumerate()
            .map(|(i, (n, _))| {
                format!("d{i},api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,{n}\n")
            })
            .collect();
        let r = run_control(
            &facts_kit(&deploys, &pr("success")),
            "change-management",
            |_| {},
        );
        let expected: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(_, (_, prod))| *prod)
            .map(|(i, _)| format!("d{i}"))
            .collect();
        assert_eq!(r.tests[0].items, expected);
        assert!(reasons(&r).is_empty());
        // Set to the org's own names, `prod-us` is no longer production and `live` is.
        let deploys = "d1,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,prod-us\nd2,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,Live\n";
        let r = run_control(
            &facts_kit(deploys, &pr("success")),
            "change-management",
            |p| set(p, "production_environments", &["live", "live-*"]),
        );
        assert_eq!(r.tests[0].items, ["d2"]);
    }

    #[test]
    fn a_stated_environment_wins_and_every_name_is_noted() {
        let deploys = "d1,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,prod-us\nd2,api,staging,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,prod-eu\nd3,api,,2026-02-01T13:00:00Z,ops,abc,acme/api#1,CHG-1,preprod\nd4,api,,2026-02-02T13:00:00Z,ops,abc,acme/api#1,CHG-1,prod-us\nd5,lab,,2026-02-02T13:00:00Z,ops,abc,acme/api#1,CHG-1,lab-prod\n";
        let r = run_control(
            &facts_kit(deploys, &pr("success")),
            "change-management",
            |_| {},
        );
        // `prod-eu` is stated staging: not in the population; the out-of-scope system's deploy
        // is not counted.
        assert_eq!(r.tests[0].items, ["d1", "d4"]);
        let notes: Vec<(&str, &str)> = r.tests[0]
            .notes
            .iter()
            .map(|n| (n.item.as_str(), n.detail.as_str()))
            .collect();
        assert_eq!(
            notes,
            [(
                "deploys.environment_name",
                "environment names of in-scope deploys in the window: `preprod` not production by `production_environments` (1 deploy); `prod-eu` staging as its `environment` states (1 deploy); `prod-us` production by `production_environments` (2 deploys)"
            )]
        );
        // Boundary: deploys without names note nothing (the canonical kit's case).
        let r = run_control(
            &kit(DEPLOY, TICKET_OK, PR_OK, REVIEW_OK).build(),
            "change-management",
            |_| {},
        );
        assert!(r.tests[0].notes.is_empty());
    }

    #[test]
    fn globs() {
        use super::glob;
        assert!(glob("*prod*", "prod"));
        assert!(glob("prod", "prod"));
        assert!(!glob("prod", "prod-us"));
        assert!(glob("prod-*", "prod-us"));
        assert!(!glob("prod-*", "us-prod"));
        assert!(glob("*-us", "prod-us"));
        assert!(glob("a*b*c", "abc"));
        assert!(!glob("a*b*c", "acb"));
        assert!(!glob("ab*ba", "aba"));
    }
}
