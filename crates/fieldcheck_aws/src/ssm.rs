//! Systems Manager: Session Manager sessions, the history over the window (30 days at most) and
//! the ones active now.

use aws_sdk_ssm::types::{SessionFilter, SessionFilterKey, SessionState};

use crate::json::{J, Obj};
use crate::{Call, Ctx, client, retention};
use fieldcheck_pull::PullError;

/// How far back `DescribeSessions` reaches for ended sessions.
pub(crate) const HISTORY_DAYS: i64 = 30;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let ssm = client!(ctx, aws_sdk_ssm);
    let spec = ctx.call("ssm-describe-sessions");
    let (from, to) = ctx.range();
    let (start, shortfall) = retention(
        ctx.now(),
        from,
        HISTORY_DAYS,
        "Session Manager's session history (DescribeSessions)",
        "pull monthly into the evidence locker (`fieldcheck pull --locker`), or keep the sessions' CloudTrail StartSession records",
    );
    ctx.covered(spec, from, to, shortfall);
    // The API's own timestamp form for these filters (`2018-08-29T00:00:00Z`).
    let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    for state in [SessionState::History, SessionState::Active] {
        // A window that ended before the history's reach: nothing to ask, and no file (an empty
        // history would read as "no sessions"); the shortfall says why.
        if state == SessionState::History && start >= to {
            ctx.none(spec);
            continue;
        }
        let mut filters = Vec::new();
        let mut call = Call::new(spec, "ssm:DescribeSessions").param("State", state.as_str());
        if state == SessionState::History {
            for (key, t) in [
                (SessionFilterKey::InvokedAfter, start),
                (SessionFilterKey::InvokedBefore, to),
            ] {
                call = call.param(key.as_str(), stamp(t));
                filters.push(
                    SessionFilter::builder()
                        .key(key)
                        .value(stamp(t))
                        .build()
                        .map_err(|e| crate::fail_at(spec.name, e.to_string(), ""))?,
                );
            }
        }
        let mut sessions = Vec::new();
        let mut token: Option<String> = None;
        loop {
            ctx.page(&mut call);
            let out = match ssm
                .describe_sessions()
                .state(state.clone())
                .set_filters((!filters.is_empty()).then(|| filters.clone()))
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Err(ctx.error(&call, e)),
            };
            ctx.answered();
            for s in out.sessions.as_deref().unwrap_or_default() {
                sessions.push(
                    Obj::new()
                        .s("SessionId", s.session_id.as_deref())
                        .s("Target", s.target.as_deref())
                        .s("Status", s.status.as_ref().map(|x| x.as_str()))
                        .t("StartDate", s.start_date.as_ref())
                        .t("EndDate", s.end_date.as_ref())
                        .s("DocumentName", s.document_name.as_deref())
                        .s("Owner", s.owner.as_deref())
                        .s("Reason", s.reason.as_deref())
                        .s("Details", s.details.as_deref())
                        .put(
                            "OutputUrl",
                            s.output_url.as_ref().map(|u| {
                                Obj::new()
                                    .s("S3OutputUrl", u.s3_output_url.as_deref())
                                    .s("CloudWatchOutputUrl", u.cloud_watch_output_url.as_deref())
                                    .done()
                            }),
                        )
                        .s("MaxSessionDuration", s.max_session_duration.as_deref())
                        .s("AccessType", s.access_type.as_ref().map(|x| x.as_str()))
                        .done(),
                );
            }
            token = out.next_token.clone();
            if token.is_none() {
                break;
            }
        }
        let body = Obj::new().put("Sessions", J::Arr(sessions)).done();
        let file = format!(
            "ssm/describe-sessions-{}.json",
            state.as_str().to_ascii_lowercase()
        );
        ctx.save(call, file, &body)?;
    }
    Ok(())
}
