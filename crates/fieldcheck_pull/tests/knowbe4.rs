//! The KnowBe4 collector against a local server replaying the Reporting API: page-number paging
//! until a short page, a 429 with `Retry-After`, a 502 retried, the recipients of the tests in
//! the window only, a refused key. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use std::collections::BTreeMap;

use fieldcheck_pull::{Collector, Session};
use harness::{NOW, configured, pull_with, read};
use server::Server;

use fieldcheck_pull::collectors::knowbe4::{KNOWBE4, SPEC};
use server::knowbe4::{Faults, RECIPIENTS, TESTS, TOKEN, account, enrollment_pages};

const SECRETS: &[(&str, &str)] = &[("KNOWBE4_API_TOKEN", TOKEN)];

#[test]
fn pulls_enrollments_tests_and_the_recipients_of_the_tests_in_the_window() {
    let srv = Server::start(account(Faults {
        rate_limit_enrollments_page_2: true,
        server_error_tests: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &format!("base_url = \"{}\"\n", srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull_with(&KNOWBE4, &c, SECRETS, dir.path()).expect("pulled");
    let e = enrollment_pages();
    assert_eq!(
        read(dir.path(), "training-enrollments/page-0001.json"),
        e[0]
    );
    assert_eq!(
        read(dir.path(), "training-enrollments/page-0002.json"),
        e[1]
    );
    assert_eq!(
        read(dir.path(), "phishing-security-tests/page-0001.json"),
        TESTS
    );
    assert_eq!(
        read(dir.path(), "phishing-recipients/14240/page-0001.json"),
        RECIPIENTS
    );
    // The test before the window: its recipients were not asked for.
    assert!(!dir.path().join("phishing-recipients/13001").exists());
    let calls: Vec<(&str, u32, u32, Option<&str>)> = records
        .iter()
        .map(|r| {
            (
                r.call.as_str(),
                r.page,
                r.attempts,
                r.params.get("page").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("training-enrollments", 1, 1, Some("1")),
            ("training-enrollments", 2, 2, Some("2")), // after the 429
            ("phishing-security-tests", 1, 2, Some("1")), // after the 502
            ("phishing-recipients", 1, 1, Some("1")),
        ]
    );
    assert_eq!(
        records[3].request,
        format!(
            "GET {}/v1/phishing/security_tests/14240/recipients",
            srv.url
        )
    );
    assert!(
        records
            .iter()
            .all(|r| r.params.get("per_page").map(String::as_str) == Some("500"))
    );
    let names: Vec<(&str, u32)> = record
        .calls
        .iter()
        .map(|o| (o.call.as_str(), o.pages))
        .collect();
    assert_eq!(
        names,
        [
            ("training-enrollments", 2),
            ("phishing-security-tests", 1),
            ("phishing-recipients", 1)
        ]
    );
    assert!(
        record
            .calls
            .iter()
            .all(|o| o.observed_at.as_deref() == Some(NOW))
    );
    assert!(!read(dir.path(), "retrieval.jsonl").contains(TOKEN));
    assert!(srv.requests().iter().all(|q| !q.target.contains(TOKEN)));
}

#[test]
fn a_refused_key_is_a_clear_error() {
    let srv = Server::start(account(Faults {
        expired: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &format!("base_url = \"{}\"\n", srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&KNOWBE4, &c, SECRETS, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("answered 401"), "{text}");
    assert!(text.contains("KNOWBE4_API_TOKEN"), "{text}");
    assert!(text.contains("training-enrollments"), "{text}");
    assert!(!text.contains(TOKEN));
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn an_unknown_region_is_refused_and_the_default_is_us() {
    let c = configured(&SPEC, "region = \"mars\"\n");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&KNOWBE4, &c, SECRETS, dir.path()).expect_err("region");
    assert!(e.to_string().contains("not a KnowBe4 region"), "{e}");
    let c = configured(&SPEC, "");
    let secrets = BTreeMap::new();
    let s = Session::new(
        c.spec,
        &c.entries,
        &secrets,
        std::env::temp_dir(),
        "exports/knowbe4".into(),
        NOW.parse().expect("ts"),
        (
            "2026-01-01T00:00:00Z".parse().expect("ts"),
            "2027-01-01T00:00:00Z".parse().expect("ts"),
        ),
    );
    assert_eq!(
        KNOWBE4.plan(&s)[0].request,
        "GET https://us.api.knowbe4.com/v1/training/enrollments"
    );
}
