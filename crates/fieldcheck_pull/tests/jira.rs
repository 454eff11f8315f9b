//! The Jira collector against a local server replaying Jira Cloud's documented search pages:
//! `nextPageToken`/`isLast` paging, the window's JQL clause, a 503 retried, a 429 with
//! `Retry-After`, a refused token. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use fieldcheck_pull::collectors::jira::{JIRA, SPEC};
use harness::{assert_error_names, assert_kept_out, assert_pages, configured, pull_err, pull_with};
use server::Server;
use server::jira::{EMAIL, Faults, JQL, TOKEN, pages, site};

fn block(url: &str) -> String {
    format!("base_url = \"{url}\"\njql = \"project = CHG\"\nsystem_id = \"jira\"\n")
}

const SECRETS: &[(&str, &str)] = &[("JIRA_EMAIL", EMAIL), ("JIRA_API_TOKEN", TOKEN)];

#[test]
fn pulls_the_windowed_search_page_by_page_unedited() {
    let srv = Server::start(site(Faults {
        server_error_page_1: true,
        rate_limit_page_2: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &block(&srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull_with(&JIRA, &c, SECRETS, dir.path()).expect("pulled");
    assert_pages(dir.path(), "issues", &pages());
    let calls: Vec<(&str, u32, u32, u16)> = records
        .iter()
        .map(|r| (r.call.as_str(), r.page, r.attempts, r.status))
        .collect();
    // The 503 and the 429 were retried.
    assert_eq!(calls, [("issues", 1, 2, 200), ("issues", 2, 2, 200)]);
    let r = &records[1];
    assert_eq!(r.request, format!("GET {}/rest/api/3/search/jql", srv.url));
    assert_eq!(r.params.get("jql").map(String::as_str), Some(JQL));
    assert_eq!(
        r.params.get("expand").map(String::as_str),
        Some("changelog")
    );
    assert_eq!(
        r.params.get("nextPageToken").map(String::as_str),
        Some("CAEaAggD")
    );
    assert_eq!(r.file, "exports/jira/issues/page-0002.json");
    // The window asked for: from its start to now (the window is open).
    let o = &record.calls[0];
    assert_eq!(
        (o.call.as_str(), o.pages, o.from.as_deref(), o.to.as_deref()),
        (
            "issues",
            2,
            Some("2026-01-01T00:00:00Z"),
            Some("2026-12-05T12:00:00Z")
        )
    );
    assert_eq!(o.shortfall, None);
    // The credentials went only in the header, never in a record.
    let reqs = srv.requests();
    assert_kept_out(dir.path(), &reqs, TOKEN);
    assert_kept_out(dir.path(), &reqs, "Basic ");
    for q in &reqs {
        assert_eq!(q.header("authorization"), Some(server::jira::AUTH));
    }
}

#[test]
fn a_refused_token_is_a_clear_error_and_is_not_retried() {
    let srv = Server::start(site(Faults {
        expired: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &block(&srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&JIRA, &c, SECRETS, dir.path()).expect_err("refused");
    assert_error_names(
        &e,
        &[
            "answered 401",
            "JIRA_EMAIL and JIRA_API_TOKEN",
            "Browse projects",
        ],
        &[TOKEN],
    );
    assert_eq!(srv.requests().len(), 1);
    assert!(!dir.path().join("issues").exists());
}

#[test]
fn a_missing_secret_names_the_variable() {
    let srv = Server::start(site(Faults::default()));
    let c = configured(&SPEC, &block(&srv.url));
    let e = pull_err(&JIRA, &c, &[("JIRA_API_TOKEN", TOKEN)]);
    assert!(e.to_string().contains("JIRA_EMAIL"), "{e}");
    assert!(srv.requests().is_empty());
}

#[test]
fn the_dry_run_shows_the_windowed_query() {
    let plan = harness::plan(
        &JIRA,
        &configured(&SPEC, &block("https://acme.atlassian.net")),
    );
    assert_eq!(plan.len(), 1);
    assert_eq!(
        plan[0].request,
        "GET https://acme.atlassian.net/rest/api/3/search/jql"
    );
    assert_eq!(plan[0].params.get("jql").map(String::as_str), Some(JQL));
}
