//! The Workday collector against a local server serving a custom report as a web service:
//! one GET with `format=json`, saved unedited; a 503 and a 429 retried; a refused login.
//! Nothing of fieldcheck is mocked.

mod server;

use std::collections::BTreeMap;
use std::path::Path;

use fieldcheck_pull::http::RetryPolicy;
use fieldcheck_pull::{
    Collector, CollectorSpec, Configured, PullError, PullRecord, Retrieval, Secret, Session,
    check_collectors,
};
use jiff::Timestamp;
use server::Server;

use fieldcheck_pull::collectors::workday::{SPEC, WORKDAY};
use server::workday::{Faults, PASSWORD, PATH, REPORT, USER, tenant};

const NOW: &str = "2026-12-05T12:00:00Z";

fn configured(spec: &'static CollectorSpec, block: &str) -> Configured {
    let text = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\ncollector = \"{}\"\n{block}",
        spec.name
    );
    let (cfg, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    assert!(diags.is_empty(), "{diags:?}");
    let (c, d) = check_collectors(&cfg.expect("config").collectors, "fieldcheck.toml", &[spec]);
    assert!(d.is_empty(), "{d:?}");
    c.into_iter().next().expect("one")
}

/// Pulls into `stage` with these secrets; the records, and `pull.json` as written.
fn pull_with(
    collector: &dyn Collector,
    c: &Configured,
    secrets: &[(&str, &str)],
    stage: &Path,
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    let secrets: BTreeMap<String, Secret> = secrets
        .iter()
        .map(|(k, v)| (k.to_string(), Secret::new(v.to_string())))
        .collect();
    let window = (
        "2026-01-01T00:00:00Z".parse().expect("ts"),
        "2027-01-01T00:00:00Z".parse().expect("ts"),
    );
    let mut s = Session::new(
        c.spec,
        &c.entries,
        &secrets,
        stage.to_path_buf(),
        format!("exports/{}", c.spec.name),
        NOW.parse::<Timestamp>().expect("ts"),
        window,
    );
    // The retry waits cut to milliseconds (as `FIELDCHECK_PULL_MAX_WAIT_MS` does for the CLI).
    s.set_retry_policy(RetryPolicy {
        cap: Some(std::time::Duration::from_millis(5)),
        ..RetryPolicy::default()
    });
    collector.pull(&mut s)?;
    let records = s.records().to_vec();
    s.write_records()?;
    let record: PullRecord =
        serde_json::from_slice(&std::fs::read(stage.join("pull.json")).expect("pull.json"))
            .expect("json");
    Ok((records, record))
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

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
    let jsonl = read(dir.path(), "retrieval.jsonl");
    assert!(!jsonl.contains(PASSWORD));
}

#[test]
fn a_csv_report_url_is_refused_before_any_request() {
    let srv = Server::start(tenant(Faults::default()));
    let c = configured(
        &SPEC,
        &format!("report_url = \"{}{PATH}?format=csv\"\n", srv.url),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&WORKDAY, &c, SECRETS, dir.path()).expect_err("csv");
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
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&WORKDAY, &c, SECRETS, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("answered 401"), "{text}");
    assert!(
        text.contains("WORKDAY_USERNAME and WORKDAY_PASSWORD"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD));
    assert_eq!(srv.requests().len(), 1);
}
