//! The Okta collector against a local server replaying Okta's documented pages: paging by
//! `Link` headers and `_links.next`, a 429 with `Retry-After`, a 503 retried, an expired token,
//! a missing scope. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use fieldcheck_pull::Configured;
use fieldcheck_pull::collectors::okta::OKTA;
use harness::{
    assert_error_names, assert_kept_out, assert_pages, calls, outcome, pull_err, pull_with, read,
};
use server::Server;
use server::okta::{Faults, org};

const TOKEN: &str = "00aTestToken-okta-7f3c9e";
const SECRETS: &[(&str, &str)] = &[("OKTA_API_TOKEN", TOKEN)];

fn configured(base: &str, extra: &str) -> Configured {
    harness::configured(
        &fieldcheck_pull::collectors::okta::SPEC,
        &format!("base_url = \"{base}\"\nsystem_id = \"okta\"\n{extra}"),
    )
}

#[test]
fn pulls_every_page_unedited_with_its_retrieval() {
    let srv = Server::start(org(
        TOKEN,
        Faults {
            rate_limit_users_page_2: true,
            server_error_logs: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull_with(&OKTA, &c, SECRETS, dir.path()).expect("pulled");
    // Every page as served, byte for byte.
    let d = dir.path();
    assert_pages(d, "users", &server::okta::user_pages());
    assert_pages(
        d,
        "users-deprovisioned",
        &[server::okta::deprovisioned_page()],
    );
    assert_pages(d, "system-log", &server::okta::log_pages());
    assert_pages(
        d,
        "iga-reviews/icizigd86iM9sOcbN1d6",
        &server::okta::review_pages(&srv.url),
    );
    // One record per response, with the request (no token), status, attempts and digest.
    assert_eq!(
        calls(&records),
        vec![
            ("users", 1, 1),
            ("users", 2, 2), // after the 429
            ("users", 3, 1),
            ("users-deprovisioned", 1, 1),
            ("system-log", 1, 2), // after the 503
            ("system-log", 2, 1),
            ("iga-campaigns", 1, 1),
            ("iga-reviews", 1, 1),
            ("iga-reviews", 2, 1),
        ]
    );
    let r = &records[3];
    assert_eq!(r.request, format!("GET {}/api/v1/users", srv.url));
    assert_eq!(
        r.params.get("search").map(String::as_str),
        Some("status eq \"DEPROVISIONED\"")
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.file, "exports/okta/users-deprovisioned/page-0001.json");
    use sha2::Digest;
    let digest = sha2::Sha256::digest(server::okta::deprovisioned_page().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(r.sha256, hex);
    assert_eq!(read(d, "retrieval.jsonl").lines().count(), records.len());
    // The System Log from as far back as Okta keeps it (90 days before now), with the shortfall.
    let log = outcome(&record, "system-log");
    assert_eq!(log.from.as_deref(), Some("2026-09-06T12:00:00Z"));
    assert_eq!(log.to.as_deref(), Some("2026-12-05T12:00:00Z"));
    assert!(
        log.shortfall
            .as_deref()
            .is_some_and(|s| s.contains("90 days") && s.contains("2026-01-01T00:00:00Z"))
    );
    let users = outcome(&record, "users");
    assert_eq!(users.observed_at.as_deref(), Some("2026-12-05T12:00:00Z"));
    assert_eq!(users.pages, 3);
    assert!(record.window_open);
    // The server saw the window in the query, and the token only in the header.
    let reqs = srv.requests();
    let logs = reqs
        .iter()
        .find(|r| r.path() == "/api/v1/logs")
        .expect("logs asked");
    assert_eq!(logs.param("since").as_deref(), Some("2026-09-06T12:00:00Z"));
    assert_eq!(logs.param("until").as_deref(), Some("2026-12-05T12:00:00Z"));
    assert_kept_out(d, &reqs, TOKEN);
}

#[test]
fn a_window_within_retention_has_no_shortfall() {
    let srv = Server::start(org(TOKEN, Faults::default()));
    let c = configured(&srv.url, "governance = false");
    let dir = tempfile::tempdir().expect("tmp");
    let (_, record) = harness::pull_in(
        &OKTA,
        &c,
        SECRETS,
        dir.path(),
        ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"),
    )
    .expect("pulled");
    let log = outcome(&record, "system-log");
    assert_eq!(log.from.as_deref(), Some("2026-10-01T00:00:00Z"));
    assert_eq!(log.to.as_deref(), Some("2026-11-01T00:00:00Z"));
    assert_eq!(log.shortfall, None);
    // Governance off: no campaigns asked.
    assert!(
        srv.requests()
            .iter()
            .all(|r| !r.path().starts_with("/governance"))
    );
}

#[test]
fn an_expired_token_is_a_clear_error_without_the_token() {
    let srv = Server::start(org(
        TOKEN,
        Faults {
            expired: true,
            ..Faults::default()
        },
    ));
    let e = pull_err(&OKTA, &configured(&srv.url, ""), SECRETS);
    assert_error_names(
        &e,
        &[
            "401",
            "E0000011: Invalid token provided",
            "okta.users.read",
            "OKTA_API_TOKEN",
        ],
        &[TOKEN],
    );
    // No retry of a refused token.
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn a_missing_scope_names_it() {
    let srv = Server::start(org(
        TOKEN,
        Faults {
            no_governance_scope: true,
            ..Faults::default()
        },
    ));
    let e = pull_err(&OKTA, &configured(&srv.url, ""), SECRETS);
    assert_error_names(
        &e,
        &[
            "403",
            "okta.governance.accessCertifications.read",
            "iga-campaigns",
        ],
        &[TOKEN],
    );
}

#[test]
fn a_server_that_keeps_failing_is_given_up_on() {
    let srv = Server::start(|_: &server::Request, _: &str| {
        server::Reply::status(502, "<html>bad gateway</html>")
    });
    let c = configured(&srv.url, "");
    let e = pull_err(&OKTA, &c, SECRETS);
    assert!(e.to_string().contains("gave up after 5 attempts"), "{e}");
    assert_eq!(srv.requests().len(), 5);
}

#[test]
fn a_next_link_to_another_site_is_refused() {
    let srv = Server::start(|req: &server::Request, _: &str| {
        server::Reply::json("[]").header(
            "link",
            format!("<https://evil.example{}>; rel=\"next\"", req.target),
        )
    });
    let c = configured(&srv.url, "");
    let e = pull_err(&OKTA, &c, SECRETS);
    assert!(e.to_string().contains("another site"), "{e}");
    assert_eq!(srv.requests().len(), 1);
}
