//! A small Jira Cloud site served as Atlassian documents its REST API v3, for the collector's
//! tests.
//!
//! Shapes: `GET /rest/api/3/search/jql` pages `{"issues": [...], "nextPageToken": "...",
//! "isLast": false}` as in the reference
//! (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get),
//! issues as in the issue resource with `expand=changelog` (`changelog {startAt, maxResults,
//! total, histories[] {id, author, created, items[] {field, fieldtype, fieldId, from,
//! fromString, to, toString}}}`,
//! https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get);
//! users as Cloud sends them (`accountId`, `displayName`, `emailAddress` when visible); dates
//! `2026-03-02T11:20:45.000+0000`. Basic authentication with the account's email and API token
//! (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/); a refused
//! token answers `401` with Jira Cloud's text "Client must be authenticated to access this
//! resource." (the reference documents the status only).

#![allow(dead_code)]

use super::{Once, Reply, Request, too_many_requests};

/// `Basic base64("ann@acme.io:ATATT3xFfGF0-test-jira-token")`, computed apart from fieldcheck.
pub const AUTH: &str = "Basic YW5uQGFjbWUuaW86QVRBVFQzeEZmR0YwLXRlc3QtamlyYS10b2tlbg==";
/// The account's email.
pub const EMAIL: &str = "ann@acme.io";
/// The account's API token.
pub const TOKEN: &str = "ATATT3xFfGF0-test-jira-token";
/// The JQL the site expects: the configured `project = CHG` and the window's clause.
pub const JQL: &str = "(project = CHG) AND updated >= \"2025-12-31\"";

/// Faults the site shows, once each.
#[derive(Default)]
pub struct Faults {
    /// The first page answers `503` once.
    pub server_error_page_1: bool,
    /// The second page answers `429` with `Retry-After: 1` once.
    pub rate_limit_page_2: bool,
    /// Every request answers `401`.
    pub expired: bool,
}

fn user(id: &str, name: &str, email: &str) -> String {
    format!(
        r#"{{"self":"https://acme.atlassian.net/rest/api/3/user?accountId={id}","accountId":"{id}","emailAddress":"{email}","avatarUrls":{{}},"displayName":"{name}","active":true,"timeZone":"Europe/London","accountType":"atlassian"}}"#
    )
}

const ALICE: (&str, &str, &str) = ("5b10a2844c20165700ede21g", "Alice Ito", "alice@acme.io");
const BOB: (&str, &str, &str) = ("5b10ac8d82e05b22cc7d4ef5", "Bob Ng", "bob@acme.io");
const CAROL: (&str, &str, &str) = (
    "712020:2c8e3b1a-5f0e-4b7e-9d55-0a6f1e2c3d4b",
    "Carol Diaz",
    "carol@acme.io",
);

fn u(p: (&str, &str, &str)) -> String {
    user(p.0, p.1, p.2)
}

fn status_history(id: u32, who: (&str, &str, &str), at: &str, from: &str, to: &str) -> String {
    format!(
        r#"{{"id":"{id}","author":{},"created":"{at}","items":[{{"field":"status","fieldtype":"jira","fieldId":"status","from":"1","fromString":"{from}","to":"2","toString":"{to}"}}]}}"#,
        u(who)
    )
}

#[allow(clippy::too_many_arguments)]
fn issue(
    id: u32,
    key: &str,
    ty: &str,
    summary: &str,
    created: &str,
    updated: &str,
    reporter: (&str, &str, &str),
    histories: &[String],
    total: usize,
) -> String {
    format!(
        r#"{{"expand":"operations,versionedRepresentations,editmeta,changelog,renderedFields","id":"{id}","self":"https://acme.atlassian.net/rest/api/3/issue/{id}","key":"{key}","changelog":{{"startAt":0,"maxResults":{},"total":{total},"histories":[{}]}},"fields":{{"summary":"{summary}","issuetype":{{"self":"https://acme.atlassian.net/rest/api/3/issuetype/10005","id":"10005","description":"","name":"{ty}","subtask":false,"hierarchyLevel":0}},"project":{{"id":"10000","key":"CHG","name":"Change Management"}},"status":{{"name":"Done","id":"10003","statusCategory":{{"id":3,"key":"done","name":"Done"}}}},"labels":[],"created":"{created}","updated":"{updated}","reporter":{},"creator":{},"assignee":null,"description":null}}}}"#,
        histories.len(),
        histories.join(","),
        u(reporter),
        u(reporter),
    )
}

/// The two search pages.
pub fn pages() -> Vec<String> {
    let chg101 = issue(
        10101,
        "CHG-101",
        "Change",
        "Rotate production DB credentials",
        "2026-03-02T11:20:45.000+0000",
        "2026-03-04T16:00:03.000+0000",
        ALICE,
        &[
            status_history(
                20001,
                ALICE,
                "2026-03-02T12:00:00.000+0000",
                "Open",
                "In Review",
            ),
            status_history(
                20002,
                BOB,
                "2026-03-03T15:00:00.000+0000",
                "In Review",
                "Approved",
            ),
        ],
        2,
    );
    let chg102 = issue(
        10102,
        "CHG-102",
        "Emergency Change",
        "Hotfix payment timeout",
        "2026-04-10T01:00:00.000-0500",
        "2026-04-15T10:00:00.000+0000",
        BOB,
        &[
            status_history(
                20003,
                CAROL,
                "2026-04-11T09:00:00.000+0000",
                "Done",
                "Approved",
            ),
            status_history(
                20004,
                CAROL,
                "2026-04-15T10:00:00.000+0000",
                "Approved",
                "Retro Reviewed",
            ),
        ],
        2,
    );
    // A ticket with 120 histories: the search page carries the first 100 (description edits).
    let mut long: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#"{{"id":"{}","author":{},"created":"2026-05-06T09:{:02}:00.000+0000","items":[{{"field":"description","fieldtype":"jira","fieldId":"description","from":null,"fromString":"v{i}","to":null,"toString":"v{}"}}]}}"#,
                30000 + i,
                u(ALICE),
                i % 60,
                i + 1
            )
        })
        .collect();
    long.truncate(100);
    let chg103 = issue(
        10103,
        "CHG-103",
        "Change",
        "Migrate the queue cluster",
        "2026-05-05T08:00:00.000+0000",
        "2026-06-01T08:00:00.000+0000",
        ALICE,
        &long,
        120,
    );
    vec![
        format!(r#"{{"issues":[{chg101},{chg102}],"nextPageToken":"CAEaAggD","isLast":false}}"#),
        format!(r#"{{"issues":[{chg103}],"isLast":true}}"#),
    ]
}

/// The site's handler.
pub fn site(f: Faults) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, _base: &str| {
        if f.expired || req.header("authorization") != Some(AUTH) {
            return Reply::status(401, "Client must be authenticated to access this resource.")
                .header("Content-Type", "text/plain;charset=UTF-8");
        }
        if req.path() != "/rest/api/3/search/jql" {
            return Reply::status(404, r#"{"errorMessages":["Not found"],"errors":{}}"#);
        }
        if req.param("jql").as_deref() != Some(JQL)
            || req.param("expand").as_deref() != Some("changelog")
            || req.param("fields").as_deref() != Some("*all")
        {
            return Reply::status(
                400,
                r#"{"errorMessages":["Error in the JQL Query: unexpected parameters."],"errors":{}}"#,
            );
        }
        let pages = pages();
        match req.param("nextPageToken").as_deref() {
            None => {
                if errored.first(f.server_error_page_1) {
                    return Reply::status(503, r#"{"errorMessages":["Service Unavailable"]}"#);
                }
                Reply::json(pages[0].clone())
            }
            Some("CAEaAggD") => {
                if limited.first(f.rate_limit_page_2) {
                    // https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
                    return too_many_requests();
                }
                Reply::json(pages[1].clone())
            }
            Some(_) => Reply::status(
                400,
                r#"{"errorMessages":["The nextPageToken is invalid."],"errors":{}}"#,
            ),
        }
    }
}
