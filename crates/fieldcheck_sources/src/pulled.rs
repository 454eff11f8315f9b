//! A pulled source's retrieval: `fieldcheck pull` writes `[[sources]]` entries with
//! `pulled = "exports/<collector>/pull.json"` (and `pulled_calls`, the calls that feed the
//! source). What that record says about the calls decides whether the source's population can be
//! complete:
//! - a call that could not reach back to the window's start (an API's retention) is an error, so
//!   the controls fed by the source are `not_evidenced`;
//! - a call the record does not name (it failed, or the record is from another pull) is an error;
//! - events pulled before the window closed are a warning: the population is incomplete until
//!   the window closes and the source is pulled again;
//! - configuration state keeps the moment it was observed, for the report.

use std::path::Path;

use fieldcheck_kit::time::Window;
use fieldcheck_kit::{ConfigValue, Diagnostic, Kind, PulledCall, SourceSection};
use jiff::Timestamp;

use crate::emit::Emitter;
use crate::options::at;

/// Reads the `pulled` record of `section` (when it has one) into `em`: the calls' facts, and
/// errors that mark `produces` incomplete.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    section: &SourceSection,
    config: &str,
    base: &Path,
    adapter: &str,
    system_id: Option<&str>,
    produces: &[Kind],
    window: &Window,
    em: &mut Emitter,
) {
    let Some(entry) = section.get("pulled") else {
        return;
    };
    let ConfigValue::Str(record) = &entry.value else {
        em.diag(
            at(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceInvalidOption,
                    format!("`pulled` must be a string, not {}", entry.value.type_name()),
                ),
                config,
                &entry.value_at,
            )
            .help("write the collector's record, as `fieldcheck pull` does: `pulled = \"exports/okta/pull.json\"`"),
        );
        return;
    };
    let wanted: Option<Vec<&str>> = match section.get("pulled_calls").map(|e| &e.value) {
        None => None,
        Some(ConfigValue::Str(s)) => Some(vec![s.as_str()]),
        Some(ConfigValue::Array(l)) if l.iter().all(|v| matches!(v, ConfigValue::Str(_))) => Some(
            l.iter()
                .filter_map(|v| match v {
                    ConfigValue::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        Some(other) => {
            let e = section.get("pulled_calls").expect("present");
            em.diag(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::SourceInvalidOption,
                        format!(
                            "`pulled_calls` must be a list of strings, not {}",
                            other.type_name()
                        ),
                    ),
                    config,
                    &e.value_at,
                )
                .help("name the collector's calls that feed this source: `pulled_calls = [\"system-log\"]`"),
            );
            return;
        }
    };
    let incomplete = |em: &mut Emitter, why: String| {
        for &k in produces {
            em.sourced.problems[k as usize].push(why.clone());
        }
    };
    let path = base.join(record);
    let text = match fieldcheck_kit::fsafe::read_to_string(&path, Some(base)) {
        Ok(t) => t,
        Err(r) => {
            em.diag(
                at(
                    Diagnostic::error(
                        fieldcheck_kit::Code::PullRecordUnreadable,
                        format!("the pull record `{record}` {}", r.describe()),
                    ),
                    config,
                    &entry.value_at,
                )
                .help("run `fieldcheck pull` again: without its record, nothing says the pulled files are the whole population"),
            );
            incomplete(em, format!("the pull record `{record}` cannot be read"));
            return;
        }
    };
    let calls = match parse(&text) {
        Some(c) => c,
        None => {
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::PullRecordUnreadable,
                    format!("the pull record `{record}` is not the JSON `fieldcheck pull` writes"),
                )
                .file(record.clone())
                .help("run `fieldcheck pull` again; the record must not be edited"),
            );
            incomplete(em, format!("the pull record `{record}` is damaged"));
            return;
        }
    };
    let names: Vec<&str> = match &wanted {
        Some(w) => w.clone(),
        None => calls.iter().map(|c| c.call.as_str()).collect(),
    };
    for name in names {
        let Some(c) = calls.iter().find(|c| c.call == name) else {
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::PullCallMissing,
                    format!("`{record}` has no record of the `{name}` call that feeds `{adapter}`"),
                )
                .file(record.clone())
                .help("run `fieldcheck pull` again and check that the call succeeds; the files of an unrecorded call cannot be shown to be the whole population"),
            );
            incomplete(
                em,
                format!("the `{name}` call is not recorded in `{record}`"),
            );
            continue;
        };
        let fact = PulledCall {
            adapter: adapter.to_string(),
            system_id: system_id.map(str::to_string),
            record: record.clone(),
            call: c.call.clone(),
            from: c.from.clone(),
            to: c.to.clone(),
            observed_at: c.observed_at.clone(),
            shortfall: c.shortfall.clone(),
        };
        if let Some(why) = &c.shortfall {
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::PullShortfall,
                    format!(
                        "the `{}` call could not cover the whole window: {why}",
                        c.call
                    ),
                )
                .file(record.clone())
                .help(format!(
                    "the API keeps only recent events: export the older ones from your archive (a SIEM, an S3 log bucket) and read them with a `[[sources]]` entry of adapter `{adapter}`, then remove `pulled` from the pulled entry once the archive covers the window's start"
                )),
            );
            incomplete(
                em,
                format!("the `{}` call could not cover the window ({why})", c.call),
            );
        }
        if let Some(to) = c.to.as_deref().and_then(|t| t.parse::<Timestamp>().ok())
            // `until` parameters are inclusive to the second: one second before the window's
            // exclusive end covers it.
            && to < window.end_ts - jiff::SignedDuration::from_secs(1)
        {
            em.diag(
                Diagnostic::warning(
                    fieldcheck_kit::Code::WindowOpen,
                    format!(
                        "window still open: population incomplete; the `{}` events were pulled up to {to}, before the window ends on {}",
                        c.call, window.end
                    ),
                )
                .file(record.clone())
                .help("the population grows until the window closes: run `fieldcheck pull` again after it ends for the auditor's population"),
            );
        }
        em.sourced.pulls.push(fact);
    }
}

#[derive(serde::Deserialize)]
struct Call {
    call: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    observed_at: Option<String>,
    #[serde(default)]
    shortfall: Option<String>,
}

#[derive(serde::Deserialize)]
struct Record {
    calls: Vec<Call>,
}

fn parse(text: &str) -> Option<Vec<Call>> {
    serde_json::from_str::<Record>(text).ok().map(|r| r.calls)
}

#[cfg(test)]
mod tests {
    use crate::testkit::run;

    const LOG: &str = r#"{"uuid":"1","published":"2026-03-13T09:00:00.000Z","eventType":"user.session.start","outcome":{"result":"SUCCESS"},"actor":{"id":"00u1","type":"User","alternateId":"kenji@example.com"},"target":[]}"#;
    const BLOCK: &str = "[[sources]]\nadapter = \"okta-system-log\"\npath = \"exports/okta/system-log/*.json\"\nsystem_id = \"okta\"\npulled = \"exports/okta/pull.json\"\npulled_calls = [\"system-log\"]";

    fn record(calls: &str) -> String {
        format!(r#"{{"collector":"okta","calls":[{calls}]}}"#)
    }

    #[test]
    fn a_call_covering_the_closed_window_is_complete_and_kept_for_the_report() {
        let rec = record(
            r#"{"call":"users","pages":1,"bytes":10,"observed_at":"2026-07-02T10:00:00Z"},{"call":"system-log","pages":1,"bytes":10,"from":"2026-01-01T05:00:00Z","to":"2026-07-01T03:59:59Z"}"#,
        );
        let out = run(
            BLOCK,
            &[
                ("exports/okta/system-log/page-0001.json", LOG.as_bytes()),
                ("exports/okta/pull.json", rec.as_bytes()),
            ],
        );
        assert!(out.codes().is_empty(), "{:?}", out.diags);
        assert!(out.problems("account_events").is_empty());
        // Only the call that feeds the source is kept.
        assert_eq!(out.sourced.pulls.len(), 1);
        assert_eq!(out.sourced.pulls[0].call, "system-log");
        assert_eq!(out.rows("account_events").len(), 1);
    }

    #[test]
    fn a_shortfall_makes_the_kinds_incomplete() {
        let rec = record(
            r#"{"call":"system-log","pages":1,"bytes":10,"from":"2026-01-01T05:00:00Z","to":"2026-07-01T03:59:59Z","shortfall":"the Okta System Log keeps 90 days: events before 2026-04-02 could not be pulled"}"#,
        );
        let out = run(
            BLOCK,
            &[
                ("exports/okta/system-log/page-0001.json", LOG.as_bytes()),
                ("exports/okta/pull.json", rec.as_bytes()),
            ],
        );
        assert_eq!(out.codes(), ["pull-shortfall"]);
        assert_eq!(out.problems("account_events").len(), 1);
        assert!(out.problems("account_events")[0].contains("90 days"));
    }

    #[test]
    fn events_pulled_before_the_window_closes_are_a_warning_not_an_error() {
        // Two seconds before the window's end (midnight after 2026-06-30 in New York); one
        // second before it covers the window (the first test).
        let rec = record(
            r#"{"call":"system-log","pages":1,"bytes":10,"from":"2026-01-01T05:00:00Z","to":"2026-07-01T03:59:58Z"}"#,
        );
        let out = run(
            BLOCK,
            &[
                ("exports/okta/system-log/page-0001.json", LOG.as_bytes()),
                ("exports/okta/pull.json", rec.as_bytes()),
            ],
        );
        assert_eq!(out.codes(), ["window-open"]);
        assert!(
            out.diags[0]
                .message
                .starts_with("window still open: population incomplete")
        );
        assert!(out.problems("account_events").is_empty());
    }

    #[test]
    fn a_missing_record_or_call_is_an_error() {
        let out = run(
            BLOCK,
            &[("exports/okta/system-log/page-0001.json", LOG.as_bytes())],
        );
        assert_eq!(out.codes(), ["pull-record-unreadable"]);
        assert_eq!(out.problems("account_events").len(), 1);

        let rec = record(r#"{"call":"users","pages":1,"bytes":10}"#);
        let out = run(
            BLOCK,
            &[
                ("exports/okta/system-log/page-0001.json", LOG.as_bytes()),
                ("exports/okta/pull.json", rec.as_bytes()),
            ],
        );
        assert_eq!(out.codes(), ["pull-call-missing"]);
        assert_eq!(out.problems("account_events").len(), 1);

        let out = run(
            BLOCK,
            &[
                ("exports/okta/system-log/page-0001.json", LOG.as_bytes()),
                ("exports/okta/pull.json", b"{\"calls\": [".as_slice()),
            ],
        );
        assert_eq!(out.codes(), ["pull-record-unreadable"]);
    }
}
