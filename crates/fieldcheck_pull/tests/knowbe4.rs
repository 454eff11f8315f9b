//! The KnowBe4 collector against a local server replaying the Reporting API: page-number paging
//! until a short page, a 429 with `Retry-After`, a 502 retried, the recipients of the tests in
//! the window only, a refused key. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use harness::{
    NOW, assert_error_names, assert_kept_out, assert_pages, configured, pull_err, pull_with,
};
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
    let d = dir.path();
    assert_pages(d, "training-enrollments", &enrollment_pages());
    assert_pages(d, "phishing-security-tests", &[TESTS]);
    assert_pages(d, "phishing-recipients/14240", &[RECIPIENTS]);
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
    assert_kept_out(d, &srv.requests(), TOKEN);
}

#[test]
fn a_refused_key_is_a_clear_error() {
    let srv = Server::start(account(Faults {
        expired: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &format!("base_url = \"{}\"\n", srv.url));
    let e = pull_err(&KNOWBE4, &c, SECRETS);
    assert_error_names(
        &e,
        &["answered 401", "KNOWBE4_API_TOKEN", "training-enrollments"],
        &[TOKEN],
    );
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn an_unknown_region_is_refused_and_the_default_is_us() {
    let e = pull_err(&KNOWBE4, &configured(&SPEC, "region = \"mars\"\n"), SECRETS);
    assert!(e.to_string().contains("not a KnowBe4 region"), "{e}");
    assert_eq!(
        harness::plan(&KNOWBE4, &configured(&SPEC, ""))[0].request,
        "GET https://us.api.knowbe4.com/v1/training/enrollments"
    );
}
