//! Jira Cloud: the change tickets a JQL query finds, with their changelogs, through the current
//! search endpoint (`GET /rest/api/3/search/jql`, paged by `nextPageToken` until `isLast`), as
//! documented at
//! <https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get>.
//! Authentication: the account's email and an API token, as HTTP basic authentication
//! (<https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/>).
//!
//! The window: the query is the configured `jql` with `updated >= "<the day before the window
//! starts>"` added, so that every ticket created or touched in the window is listed (a ticket's
//! `updated` is never before its `created`); the day's margin covers the API user's time zone,
//! in which Jira reads JQL dates. No upper bound: a ticket created in the window and updated
//! after it must still be listed. The `jira` source reads the pages unedited; the audit places
//! each ticket in or out of the window by its own dates.
//!
//! Changelogs: a search page carries at most 100 histories of an issue. The rest are only at
//! `GET /rest/api/3/issue/{key}/changelog`, whose pages (`{"values": [...]}`, no issue) the
//! `jira` adapter does not read, so they are not pulled: the adapter's `source-partial-changelog`
//! warning names the issues cut short.

use jiff::ToSpan;

use super::{basic_client, call_error, plan_with, planned};
use crate::http::Http;
use crate::paging::{Listed, events_outcome, saved};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const EMAIL: &str = "JIRA_EMAIL";
const TOKEN: &str = "JIRA_API_TOKEN";

/// Issues per page: the search endpoint's largest page when fields are asked for.
pub const PAGE_SIZE: u32 = 100;

static CALLS: [CallSpec; 1] = [CallSpec {
    name: "issues",
    request: "GET /rest/api/3/search/jql?jql=<jql> AND updated >= <window start>&fields=*all&expand=changelog",
    scope: "Browse projects on the projects the JQL names (OAuth scope read:jira-work)",
    events: true,
}];

/// The Jira collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "jira",
    system: "Jira Cloud",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: true,
            help: "the Jira site (`https://acme.atlassian.net`)",
        },
        OptSpec {
            name: "jql",
            ty: OptTy::Str,
            required: true,
            help: "the JQL finding the change tickets (`project = CHG`); `updated >=` the window's start is added",
        },
        OptSpec {
            name: "system_id",
            ty: OptTy::Str,
            required: true,
            help: "the system (a row of systems.csv) the Jira accounts belong to",
        },
        OptSpec {
            name: "types",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `jira` source: issue type or label → `standard`, `normal` or `emergency`",
        },
        OptSpec {
            name: "approved_statuses",
            ty: OptTy::List,
            required: false,
            help: "passed to the `jira` source: statuses whose first entry is the approval",
        },
        OptSpec {
            name: "approver_field",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `jira` source: a user-picker field naming the approver",
        },
        OptSpec {
            name: "retro_statuses",
            ty: OptTy::List,
            required: false,
            help: "passed to the `jira` source: statuses whose first entry is the post-implementation review",
        },
    ],
    secrets: &[
        SecretSpec {
            env: EMAIL,
            help: "the email of the Atlassian account the API token belongs to",
        },
        SecretSpec {
            env: TOKEN,
            help: "an Atlassian API token of an account that can browse the change projects",
        },
    ],
    sources: &[SourceTemplate {
        adapter: "jira",
        path: "issues/page-*.json",
        calls: &["issues"],
        options: &[
            "types",
            "approved_statuses",
            "approver_field",
            "retro_statuses",
        ],
    }],
    example: "[[collectors]]\ncollector = \"jira\"\nbase_url = \"https://acme.atlassian.net\"\njql = \"project = CHG\"\nsystem_id = \"jira\"\napproved_statuses = [\"Approved\"]\n# JIRA_EMAIL and JIRA_API_TOKEN in the environment or the `[pull] secrets` file",
};

/// The Jira collector.
pub struct Jira;

/// The collector, to register.
pub static JIRA: Jira = Jira;

/// The configured JQL with the window's clause: `(<jql>) AND updated >= "<date>"`, keeping an
/// `ORDER BY` at the end.
pub fn windowed_jql(jql: &str, since: &str) -> String {
    let lower = jql.to_ascii_lowercase();
    let (query, order) = match lower.rfind("order by") {
        Some(i) => (jql[..i].trim(), Some(jql[i..].trim())),
        None => (jql.trim(), None),
    };
    let mut q = if query.is_empty() {
        format!("updated >= \"{since}\"")
    } else {
        format!("({query}) AND updated >= \"{since}\"")
    };
    if let Some(o) = order {
        q.push(' ');
        q.push_str(o);
    }
    q
}

/// The date of the `updated >=` clause: the day before the window's start (in UTC), so that
/// the API user's time zone cannot move the bound past the window's start.
pub fn since_date(session: &Session<'_>) -> String {
    let day = session
        .window_start()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    day.checked_sub(1.day()).unwrap_or(day).to_string()
}

fn first_url(http: &Http, session: &Session<'_>) -> String {
    let jql = session.option_str("jql").unwrap_or_default();
    http.url(
        "/rest/api/3/search/jql",
        &[
            ("jql", windowed_jql(jql, &since_date(session))),
            ("fields", "*all".into()),
            ("expand", "changelog".into()),
            ("maxResults", PAGE_SIZE.to_string()),
        ],
    )
}

fn base(session: &Session<'_>) -> Result<String, PullError> {
    super::base_url(session, "base_url")
}

impl Collector for Jira {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, base(session), |http| {
            vec![planned(&CALLS[0], &first_url(http, session))]
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let call = &CALLS[0];
        let b = base(session)?;
        let http = basic_client(
            session,
            &b,
            EMAIL,
            Some(TOKEN),
            "JIRA_EMAIL and JIRA_API_TOKEN",
        )?;
        let first = first_url(&http, session);
        let error = |message: String, help: &str| call_error(&SPEC, call.name, message, help);
        let mut listed = Listed::default();
        let mut next = Some(first.clone());
        let mut tokens = std::collections::BTreeSet::new();
        while let Some(url) = next.take() {
            let resp = http.get(call, &url)?;
            listed.pages += 1;
            listed.bytes += resp.body.len() as u64;
            let pages = listed.pages;
            session.save(saved(
                call,
                &resp,
                pages,
                format!("{}/page-{pages:04}.json", call.name),
            ))?;
            let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
                error(
                    format!("page {pages} of the search is not JSON ({e})"),
                    "check `base_url`: it must be the Jira site (`https://acme.atlassian.net`)",
                )
            })?;
            if !v.get("issues").is_some_and(|i| i.is_array()) {
                return Err(error(
                    format!("page {pages} of the search has no `issues` array"),
                    "check `base_url`: it must be the Jira Cloud site, whose `/rest/api/3/search/jql` answers `{\"issues\": [...]}`",
                ));
            }
            let last = v.get("isLast").and_then(|x| x.as_bool()).unwrap_or(false);
            let token = v
                .get("nextPageToken")
                .and_then(|x| x.as_str())
                .filter(|t| !t.is_empty());
            next = match token {
                Some(t) if !last => {
                    if !tokens.insert(t.to_string()) {
                        return Err(error(
                            format!("the search's `nextPageToken` repeats (`{t}`)"),
                            "report it to Atlassian; the pages read so far were not used",
                        ));
                    }
                    Some(format!("{first}&nextPageToken={}", crate::http::encode(t)))
                }
                _ => None,
            };
        }
        let range = (session.window_start(), session.events_until(), None);
        session.outcome(events_outcome(call, listed, range));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::windowed_jql;

    #[test]
    fn the_window_clause_goes_before_the_order() {
        assert_eq!(
            windowed_jql("project = CHG", "2025-12-31"),
            "(project = CHG) AND updated >= \"2025-12-31\""
        );
        assert_eq!(
            windowed_jql(
                "project = CHG OR labels = change ORDER BY created ASC",
                "2025-12-31"
            ),
            "(project = CHG OR labels = change) AND updated >= \"2025-12-31\" ORDER BY created ASC"
        );
        assert_eq!(
            windowed_jql("order by key", "2025-12-31"),
            "updated >= \"2025-12-31\" order by key"
        );
    }
}
