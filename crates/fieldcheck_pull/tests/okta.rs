//! The Okta collector against a local server replaying Okta's documented pages: paging by
//! `Link` headers and `_links.next`, a 429 with `Retry-After`, a 503 retried, an expired token,
//! a missing scope. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use std::collections::BTreeMap;
use std::path::Path;

use fieldcheck_pull::collectors::okta::OKTA;
use fieldcheck_pull::{Collector, Configured, PullError, PullRecord, Retrieval, Secret, Session};
use harness::{fast, now};
use server::Server;
use server::okta::{Faults, org};

const TOKEN: &str = "00aTestToken-okta-7f3c9e";

fn configured(base: &str, extra: &str) -> Configured {
    harness::configured(
        &fieldcheck_pull::collectors::okta::SPEC,
        &format!("base_url = \"{base}\"\nsystem_id = \"okta\"\n{extra}"),
    )
}

fn pull(
    c: &Configured,
    token: &str,
    stage: &Path,
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    harness::pull_with(&OKTA, c, &[("OKTA_API_TOKEN", token)], stage)
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
    let (records, record) = pull(&c, TOKEN, dir.path()).expect("pulled");
    // Every page as served, byte for byte.
    let pages = server::okta::user_pages();
    for (i, p) in pages.iter().enumerate() {
        let f = dir.path().join(format!("users/page-{:04}.json", i + 1));
        assert_eq!(std::fs::read_to_string(&f).expect("page"), *p);
    }
    assert!(!dir.path().join("users/page-0004.json").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("users-deprovisioned/page-0001.json"))
            .expect("deprov"),
        server::okta::deprovisioned_page()
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("system-log/page-0002.json")).expect("log"),
        server::okta::log_pages()[1]
    );
    let reviews = server::okta::review_pages(&srv.url);
    assert_eq!(
        std::fs::read_to_string(
            dir.path()
                .join("iga-reviews/icizigd86iM9sOcbN1d6/page-0002.json")
        )
        .expect("reviews"),
        reviews[1]
    );
    // One record per response, with the request (no token), status, attempts and digest.
    let calls: Vec<(&str, u32, u32)> = records
        .iter()
        .map(|r| (r.call.as_str(), r.page, r.attempts))
        .collect();
    assert_eq!(
        calls,
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
    let jsonl = std::fs::read_to_string(dir.path().join("retrieval.jsonl")).expect("jsonl");
    assert_eq!(jsonl.lines().count(), records.len());
    assert!(!jsonl.contains(TOKEN));
    // The System Log from as far back as Okta keeps it (90 days before now), with the shortfall.
    let log = record
        .calls
        .iter()
        .find(|c| c.call == "system-log")
        .expect("log outcome");
    assert_eq!(log.from.as_deref(), Some("2026-09-06T12:00:00Z"));
    assert_eq!(log.to.as_deref(), Some("2026-12-05T12:00:00Z"));
    assert!(
        log.shortfall
            .as_deref()
            .is_some_and(|s| s.contains("90 days") && s.contains("2026-01-01T00:00:00Z"))
    );
    let users = record
        .calls
        .iter()
        .find(|c| c.call == "users")
        .expect("users outcome");
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
    assert!(reqs.iter().all(|r| !r.target.contains(TOKEN)));
}

#[test]
fn a_window_within_retention_has_no_shortfall() {
    let srv = Server::start(org(TOKEN, Faults::default()));
    let c = configured(&srv.url, "governance = false");
    let dir = tempfile::tempdir().expect("tmp");
    let mut secrets = BTreeMap::new();
    secrets.insert("OKTA_API_TOKEN".to_string(), Secret::new(TOKEN.into()));
    let w = (
        "2026-10-01T00:00:00Z".parse().expect("ts"),
        "2026-11-01T00:00:00Z".parse().expect("ts"),
    );
    let mut s = Session::new(
        c.spec,
        &c.entries,
        &secrets,
        dir.path().to_path_buf(),
        "exports/okta".into(),
        now(),
        w,
    );
    s.set_retry_policy(fast());
    OKTA.pull(&mut s).expect("pulled");
    let (_, outcomes) = s.finish();
    let log = outcomes
        .iter()
        .find(|o| o.call == "system-log")
        .expect("log");
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
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("401"), "{text}");
    assert!(text.contains("E0000011: Invalid token provided"), "{text}");
    assert!(text.contains("okta.users.read"), "{text}");
    assert!(text.contains("OKTA_API_TOKEN"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!format!("{e:?}").contains(TOKEN));
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
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("403"), "{text}");
    assert!(
        text.contains("okta.governance.accessCertifications.read"),
        "{text}"
    );
    assert!(text.contains("iga-campaigns"), "{text}");
}

#[test]
fn a_server_that_keeps_failing_is_given_up_on() {
    let srv = Server::start(|_: &server::Request, _: &str| {
        server::Reply::status(502, "<html>bad gateway</html>")
    });
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("gave up");
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
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    assert!(e.to_string().contains("another site"), "{e}");
    assert_eq!(srv.requests().len(), 1);
}
