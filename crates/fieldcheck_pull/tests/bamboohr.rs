//! The BambooHR collector against a local server replaying BambooHR's documented custom report:
//! the fields asked for, active and inactive employees, a 429 with `Retry-After` and a 500
//! retried, a refused key, a field the key may not see. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use harness::{NOW, assert_error_names, assert_kept_out, configured, pull_err, pull_with, read};
use server::Server;

use fieldcheck_pull::collectors::bamboohr::{BAMBOOHR, FIELDS, SPEC};
use server::bamboohr::{Faults, KEY, company, report};

const SECRETS: &[(&str, &str)] = &[("BAMBOOHR_API_KEY", KEY)];

/// Pulls from a company showing `faults`; the error.
fn refused(faults: Faults) -> (fieldcheck_pull::PullError, Server) {
    let srv = Server::start(company(faults));
    let c = configured(&SPEC, &format!("base_url = \"{}\"\n", srv.url));
    (pull_err(&BAMBOOHR, &c, SECRETS), srv)
}

#[test]
fn posts_the_report_request_and_saves_the_answer_unedited() {
    let srv = Server::start(company(Faults {
        rate_limit: true,
        server_error: true,
        ..Faults::default()
    }));
    let c = configured(
        &SPEC,
        &format!(
            "base_url = \"{}\"\nreport_fields = [\"department\"]\n",
            srv.url
        ),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull_with(&BAMBOOHR, &c, SECRETS, dir.path()).expect("pulled");
    // The request: POST, JSON, every default field and the extra one.
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3, "the 429 and the 500 were retried");
    let q = &reqs[2];
    assert_eq!(q.method, "POST");
    assert_eq!(q.target, "/api/v1/reports/custom?format=JSON");
    assert_eq!(q.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&q.body).expect("json body");
    let asked: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f.as_str().expect("str"))
        .collect();
    let mut want: Vec<&str> = FIELDS.to_vec();
    want.push("department");
    assert_eq!(asked, want);
    // The answer as served, byte for byte, with every employee (the inactive one too).
    let saved = read(dir.path(), "employees/report.json");
    let fields: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    assert_eq!(saved, report("fieldcheck: employees", &fields, &[]));
    assert!(saved.contains("\"terminationDate\":\"2026-03-13\""));
    let r = &records[0];
    assert_eq!(r.request, format!("POST {}/api/v1/reports/custom", srv.url));
    assert_eq!(r.params.get("format").map(String::as_str), Some("JSON"));
    assert_eq!(r.params.get("body"), Some(&body.to_string()));
    assert_eq!((r.page, r.attempts, r.status), (1, 3, 200));
    assert_eq!(r.file, "exports/bamboohr/employees/report.json");
    let o = &record.calls[0];
    assert_eq!(o.observed_at.as_deref(), Some(NOW));
    assert_eq!(o.from, None);
    assert_kept_out(dir.path(), &reqs, KEY);
}

#[test]
fn a_report_without_termination_dates_stops_the_pull() {
    let (e, _) = refused(Faults {
        hide_termination: true,
        ..Faults::default()
    });
    assert_error_names(
        &e,
        &["left out `terminationDate`", "BAMBOOHR_API_KEY"],
        &[KEY],
    );
}

#[test]
fn a_refused_key_is_a_clear_error() {
    let (e, srv) = refused(Faults {
        expired: true,
        ..Faults::default()
    });
    assert_error_names(&e, &["POST", "answered 401", "BAMBOOHR_API_KEY"], &[KEY]);
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn the_subdomain_makes_the_url() {
    let plan = harness::plan(&BAMBOOHR, &configured(&SPEC, "subdomain = \"acme\"\n"));
    assert_eq!(
        plan[0].request,
        "POST https://acme.bamboohr.com/api/v1/reports/custom"
    );
}
