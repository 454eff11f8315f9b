//! Systems Manager: Session Manager sessions, the history over the window (30 days at most) and
//! the ones active now.

use aws_sdk_ssm::types::{SessionFilter, SessionFilterKey, SessionState};

use crate::json::Obj;
use crate::{Call, Ctx, client};
use fieldcheck_pull::PullError;

/// How far back `DescribeSessions` reaches for ended sessions.
pub(crate) const HISTORY_DAYS: i64 = 30;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let ssm = client!(ctx, aws_sdk_ssm);
    let spec = ctx.call("ssm-describe-sessions");
    let range = ctx.event_range(
        spec,
        HISTORY_DAYS,
        "Session Manager's session history (DescribeSessions)",
        "pull monthly into the evidence locker (`fieldcheck pull --locker`), or keep the sessions' CloudTrail StartSession records",
    );
    // The API's own timestamp form for these filters (`2018-08-29T00:00:00Z`).
    let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    for state in [SessionState::History, SessionState::Active] {
        // The history of a window that ended before its reach is not asked (see
        // `Ctx::event_range`).
        if state == SessionState::History && range.is_none() {
            continue;
        }
        let mut filters = Vec::new();
        let mut call = Call::new(spec, "ssm:DescribeSessions").param("State", state.as_str());
        if let (SessionState::History, Some((start, to))) = (&state, range) {
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
        let request = |token| {
            ssm.describe_sessions()
                .state(state.clone())
                .set_filters((!filters.is_empty()).then(|| filters.clone()))
                .set_next_token(token)
                .send()
        };
        let file = format!(
            "ssm/describe-sessions-{}.json",
            state.as_str().to_ascii_lowercase()
        );
        ctx.listing(call, "Sessions", file, request, |out, sessions| {
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
            out.next_token.clone()
        })
        .await?;
    }
    Ok(())
}
