//! `change-management` (CC8.1): every production deploy traces to an approved ticket and a
//! peer-reviewed, tested pull request; emergency changes are reviewed after the fact in time.

use fieldcheck_kit::FastMap;

use fieldcheck_kit::time::{add, human_duration};
use fieldcheck_kit::{Change, ChangeType, Environment, PrReview, PullRequest, ReviewState};
use jiff::SignedDuration;

use super::{Unknown, unknown_notes};
use crate::control_params::change_management::Params;
use crate::reasons::change_management::DeployTraceability;
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let hours = cx.p.emergency_review_hours;
    let window_after = SignedDuration::from_hours(hours);
    let changes: FastMap<&str, &Change> = kit.changes.iter().map(|c| (&*c.ticket_id, c)).collect();
    let prs: FastMap<&str, &PullRequest> =
        kit.pull_requests.iter().map(|p| (&*p.pr_id, p)).collect();
    let mut reviews: FastMap<&str, Vec<&PrReview>> = FastMap::default();
    for r in &kit.pr_reviews {
        reviews.entry(&r.pr_id).or_default().push(r);
    }
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
    for d in &kit.deploys {
        let Some(deployed_at) = d.deployed_at.filter(|t| cx.w.contains(*t)) else {
            continue;
        };
        if !cx.in_scope(&d.system_id) {
            continue;
        }
        if d.environment.is_none() {
            no_env.add(&*d.deploy_id);
        }
        if d.environment != Some(Environment::Production) {
            continue;
        }
        let mut dev = Dev::new(&*d.deploy_id)
            .at(deployed_at)
            .system(&*d.system_id)
            .lead(format!(
                "deploy {} to {} at {}",
                d.deploy_id,
                d.system_id,
                cx.w.fmt(deployed_at)
            ));
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
                    (Some(m), false) => Some(m),
                    (Some(m), true) => Some(m.max(add(deployed_at, window_after))),
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
                match p.checks_passed {
                    None => dev.fail(
                        DeployTraceability::NoTestEvidence,
                        format!("pull request {} has no record of its checks", p.pr_id),
                    ),
                    Some(false) => dev.fail(
                        DeployTraceability::TestsFailed,
                        format!("pull request {} failed its checks", p.pr_id),
                    ),
                    Some(true) => {}
                }
            }
        }
        tally.add(dev);
    }
    vec![tally.finish(
        "deploy-traceability",
        unknown_notes([no_env, no_created, no_deployer, no_author]),
    )]
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
        reasons(&r).into_iter().flat_map(|(_, r)| r).collect()
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
        assert_eq!(t.facts.len(), 1);
        let f = &t.facts[0];
        assert_eq!(
            f.at.map(|t| t.to_string()).as_deref(),
            Some("2026-02-01T13:00:00Z")
        );
        assert_eq!(f.system.as_deref(), Some("api"));
        assert_eq!(f.period, None);
        assert_eq!(
            f.people,
            [
                ("deployer", "ops".to_string()),
                ("approver", "mgr".to_string()),
                ("author", "dev1".to_string())
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
        assert_eq!(r.tests[0].population, 1);
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
}
