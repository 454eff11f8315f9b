//! `privileged-sessions` (CC6.6, CC7.2): every privileged production session reaches the
//! central log, rides on an approved, unexpired just-in-time request of its own person and
//! system (not self-approved), and is recorded.

use fieldcheck_kit::{FastMap, FastSet};

use fieldcheck_kit::JitRequest;

use super::{Unknown, unknown_notes};
use crate::control_params::privileged_sessions::Params;
use crate::reasons::privileged_sessions::SessionLogging;
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let require_recording = cx.p.require_recording;
    let logged: FastSet<&str> = kit.central_log.iter().map(|c| &*c.session_id).collect();
    let jit: FastMap<&str, &JitRequest> = kit
        .jit_requests
        .iter()
        .map(|j| (&*j.request_id, j))
        .collect();
    let mut tally = Tally::default();
    let mut no_expiry = Unknown::new(
        "jit_requests.expires_at",
        "session",
        "its request was read as not expired (the spec flags an expiry before the session)",
    );
    let mut no_approver = Unknown::new(
        "jit_requests.approver_id",
        "session",
        "self_approved_elevation was not judged",
    );
    let names = &kit.names;
    for s in &kit.sessions {
        let Some(started) = s.started_at.filter(|t| cx.w.contains(*t)) else {
            continue;
        };
        let system = s.system(names);
        if !cx.in_scope(system) {
            continue;
        }
        let mut dev = Dev::new(&*s.session_id).at(started).system(system);
        dev.ev(s.loc);
        if !logged.contains(&*s.session_id) {
            dev.fail(
                SessionLogging::NotCentrallyLogged,
                "the central log has no record of it",
            );
        }
        match s
            .jit_request_id
            .as_deref()
            .map(|id| (id, jit.get(id).copied()))
        {
            None => dev.fail(SessionLogging::NoJitApproval, "no just-in-time request"),
            Some((id, None)) => dev.fail(
                SessionLogging::NoJitApproval,
                format!("request {id} is not in jit_requests"),
            ),
            Some((id, Some(j))) => {
                dev.ev(j.loc);
                // The request must be shown to be the session's person's: two unknowns are not
                // the same person.
                if j.person_id.is_none() || j.person_id != s.person_id {
                    dev.fail(
                        SessionLogging::NoJitApproval,
                        format!(
                            "request {id} is for {}",
                            j.person_id
                                .as_deref()
                                .map_or("nobody".into(), |p| cx.who(p))
                        ),
                    );
                }
                if j.system_id.as_deref() != Some(system) {
                    dev.fail(
                        SessionLogging::NoJitApproval,
                        format!(
                            "request {id} is for {}",
                            j.system_id.as_deref().unwrap_or("no system")
                        ),
                    );
                }
                match j.approved_at {
                    None => dev.fail(
                        SessionLogging::NoJitApproval,
                        format!("request {id} was never approved"),
                    ),
                    Some(a) if a > started => dev.fail(
                        SessionLogging::NoJitApproval,
                        format!(
                            "request {id} was approved only {}",
                            cx.w.fmt_near(a, started)
                        ),
                    ),
                    Some(_) => {}
                }
                if j.expires_at.is_none() {
                    no_expiry.add(&*s.session_id);
                }
                if j.approver_id.is_none() && j.approved_at.is_some() {
                    no_approver.add(&*s.session_id);
                }
                if let Some(e) = j.expires_at
                    && e < started
                {
                    dev.fail(
                        SessionLogging::NoJitApproval,
                        format!("request {id} expired {}", cx.w.fmt_near(e, started)),
                    );
                }
                if let (Some(ap), Some(p)) = (&j.approver_id, &j.person_id)
                    && ap == p
                {
                    dev.fail(
                        SessionLogging::SelfApprovedElevation,
                        format!("{} approved their own request {id}", cx.who(p)),
                    );
                }
            }
        }
        if require_recording && !s.recorded {
            dev.fail(SessionLogging::NoRecording, "it was not recorded");
        }
        dev.lead_with(|| {
            let who = s
                .person_id
                .as_deref()
                .map(|p| cx.who(p))
                .or_else(|| s.account(names).map(str::to_string))
                .unwrap_or_else(|| "an unknown person".into());
            format!(
                "{} session {} by {who} on {} at {}",
                s.method.map_or("privileged", |m| m.as_str()),
                s.session_id,
                system,
                cx.w.fmt(started)
            )
        });
        tally.add(dev);
    }
    vec![tally.finish("session-logging", unknown_notes([no_expiry, no_approver]))]
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;
    use crate::params::ParamValue;

    const S_OK: &str =
        "s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,2026-02-01T11:00:00Z,j1,s3://rec/s1\n";
    const J_OK: &str =
        "j1,p1,prod,2026-02-01T09:00:00Z,p2,2026-02-01T10:00:00Z,2026-02-01T10:00:00Z\n";

    fn kit(sessions: &str, logs: &str, jit: &str) -> Kit {
        KitBuilder::new()
            .file("systems.csv", "system_id,in_scope\nprod,true\nlab,false\n")
            .file("people.csv", "person_id,email,start_date\np1,p1@acme.test,2020-01-01\np2,p2@acme.test,2020-01-01\n")
            .file("sessions.csv", &format!("session_id,system_id,account_id,person_id,method,started_at,ended_at,jit_request_id,recording_ref\n{sessions}"))
            .file("central_log.csv", &format!("session_id,received_at\n{logs}"))
            .file("jit_requests.csv", &format!("request_id,person_id,system_id,requested_at,approver_id,approved_at,expires_at\n{jit}"))
            .build()
    }

    /// The reasons of the one session `s1`, which must be the population.
    fn one(sessions: &str, logs: &str, jit: &str) -> Vec<&'static str> {
        let r = run_control(&kit(sessions, logs, jit), "privileged-sessions", |_| {});
        assert_eq!(items(&r), ["s1"]);
        reasons_of(&r, "s1")
    }

    const LOG: &str = "s1,2026-02-01T10:00:05Z\n";

    #[test]
    fn a_clean_session_passes_at_the_approval_and_expiry_edges() {
        assert!(one(S_OK, LOG, J_OK).is_empty());
        let r = run_control(
            &kit(
                &format!(
                    "{S_OK}s2,lab,root,p1,ssh,2026-02-01T10:00:00Z,,,\ns3,prod,root,p1,ssh,2026-07-01T04:00:00Z,,,\n"
                ),
                LOG,
                J_OK,
            ),
            "privileged-sessions",
            |_| {},
        );
        // s2 is on an out-of-scope system and s3 starts after the window.
        all_pass(&r, &["s1"]);
    }

    #[test]
    fn central_logging_and_recording() {
        assert_eq!(one(S_OK, "", J_OK), ["not_centrally_logged"]);
        assert_eq!(
            one("s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,,j1,\n", LOG, J_OK),
            ["no_recording"]
        );
        // The record keeps only whether a reference is given: a blank one is none.
        assert_eq!(
            one(
                "s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,,j1,\"  \"\n",
                LOG,
                J_OK
            ),
            ["no_recording"]
        );
        let r = run_control(
            &kit("s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,,j1,\n", LOG, J_OK),
            "privileged-sessions",
            |p| {
                p.set(
                    "privileged-sessions",
                    "require_recording",
                    ParamValue::Bool(false),
                )
            },
        );
        all_pass(&r, &["s1"]);
    }

    #[test]
    fn jit_approval() {
        assert_eq!(
            one(
                "s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,,,rec\n",
                LOG,
                J_OK
            ),
            ["no_jit_approval"]
        );
        assert_eq!(
            one(
                "s1,prod,root,p1,ssm,2026-02-01T10:00:00Z,,j9,rec\n",
                LOG,
                J_OK
            ),
            ["no_jit_approval"]
        );
        assert_eq!(
            one(S_OK, LOG, "j1,p2,prod,,p1,2026-02-01T09:00:00Z,\n"),
            ["no_jit_approval"]
        );
        assert_eq!(
            one(S_OK, LOG, "j1,p1,lab,,p2,2026-02-01T09:00:00Z,\n"),
            ["no_jit_approval"]
        );
        assert_eq!(one(S_OK, LOG, "j1,p1,prod,,p2,,\n"), ["no_jit_approval"]);
        assert_eq!(
            one(S_OK, LOG, "j1,p1,prod,,p2,2026-02-01T10:00:01Z,\n"),
            ["no_jit_approval"]
        );
        assert_eq!(
            one(
                S_OK,
                LOG,
                "j1,p1,prod,,p2,2026-02-01T09:00:00Z,2026-02-01T09:59:59Z\n"
            ),
            ["no_jit_approval"]
        );
    }

    #[test]
    fn an_unknown_expiry_or_approver_is_noted() {
        let notes = |jit: &str| {
            let r = run_control(&kit(S_OK, LOG, jit), "privileged-sessions", |_| {});
            all_pass(&r, &["s1"]);
            note_items(&r)
        };
        assert_eq!(
            notes("j1,p1,prod,,,2026-02-01T09:00:00Z,\n"),
            ["jit_requests.expires_at", "jit_requests.approver_id"]
        );
        // Boundary: a request with both is not noted.
        assert!(notes(J_OK).is_empty());
    }

    #[test]
    fn a_request_and_a_session_of_unknown_people_do_not_match() {
        // Neither the session nor its request names a person: nothing shows the request is the
        // session's.
        assert_eq!(
            one(
                "s1,prod,root,,ssm,2026-02-01T10:00:00Z,,j1,rec\n",
                LOG,
                "j1,,prod,,p2,2026-02-01T09:00:00Z,\n"
            ),
            ["no_jit_approval"]
        );
        // Boundary: the same person named two ways (id and email) matches.
        assert!(
            one(
                "s1,prod,root,p1@acme.test,ssm,2026-02-01T10:00:00Z,,j1,rec\n",
                LOG,
                "j1,p1,prod,,p2,2026-02-01T09:00:00Z,\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn self_approved_elevation() {
        assert_eq!(
            one(
                S_OK,
                LOG,
                "j1,p1,prod,,p1@ACME.test,2026-02-01T09:00:00Z,\n"
            ),
            ["self_approved_elevation"]
        );
    }
}
