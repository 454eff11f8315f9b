//! The Workday collector against a local server serving a custom report as a web service:
//! one GET with `format=json`, saved unedited; a 503 and a 429 retried; a refused login.
//! Nothing of fieldcheck is mocked.

mod harness;
mod server;

use harness::{NOW, assert_error_names, assert_kept_out, configured, pull_err, pull_with, read};
use server::Server;

use fieldcheck_pull::collectors::workday::{SPEC, WORKDAY};
use server::workday::{Faults, PASSWORD, PATH, REPORT, USER, tenant};

const SECRETS: &[(&str, &str)] = &[("WORKDAY_USERNAME", USER), ("WORKDAY_PASSWORD", PASSWORD)];

#[test]
fn gets_the_report_as_json_and_saves_it_unedited() {
    let srv = Server::start(tenant(Faults {
        server_error: true,
        rate_limit: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &format!("report_url = \"{}{PATH}\"\n", srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull_with(&WORKDAY, &c, SECRETS, dir.path()).expect("pulled");
    assert_eq!(read(dir.path(), "report/report.json"), REPORT);
    let r = &records[0];
    assert_eq!(r.request, format!("GET {}{PATH}", srv.url));
    assert_eq!(r.params.get("format").map(String::as_str), Some("json"));
    assert_eq!((r.attempts, r.status), (3, 200));
    assert_eq!(r.file, "exports/workday/report/report.json");
    assert_eq!(record.calls[0].observed_at.as_deref(), Some(NOW));
    assert_kept_out(dir.path(), &srv.requests(), PASSWORD);
}

#[test]
fn a_csv_report_url_is_refused_before_any_request() {
    let srv = Server::start(tenant(Faults::default()));
    let c = configured(
        &SPEC,
        &format!("report_url = \"{}{PATH}?format=csv\"\n", srv.url),
    );
    let e = pull_err(&WORKDAY, &c, SECRETS);
    assert!(e.to_string().contains("format=csv"), "{e}");
    assert!(srv.requests().is_empty());
}

#[test]
fn a_refused_login_is_a_clear_error() {
    let srv = Server::start(tenant(Faults {
        expired: true,
        ..Faults::default()
    }));
    let c = configured(&SPEC, &format!("report_url = \"{}{PATH}\"\n", srv.url));
    let e = pull_err(&WORKDAY, &c, SECRETS);
    assert_error_names(
        &e,
        &["answered 401", "WORKDAY_USERNAME and WORKDAY_PASSWORD"],
        &[PASSWORD],
    );
    assert_eq!(srv.requests().len(), 1);
}
