//! The Jira collector against a local server replaying Jira Cloud's documented search pages:
//! `nextPageToken`/`isLast` paging, the window's JQL clause, a 503 retried, a 429 with
//! `Retry-After`, a refused token. Nothing of fieldcheck is mocked.

mod server;

use std::collections::BTreeMap;
use std::path::Path;

use fieldcheck_pull::collectors::jira::{JIRA, SPEC};
use fieldcheck_pull::http::RetryPolicy;
use fieldcheck_pull::{
    Collector, CollectorSpec, Configured, PullError, PullRecord, Retrieval, Secret, Session,
    check_collectors,
};
use jiff::Timestamp;
use server::Server;
use server::jira::{EMAIL, Faults, JQL, TOKEN, pages, site};

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
    let p = pages();
    assert_eq!(read(dir.path(), "issues/page-0001.json"), p[0]);
    assert_eq!(read(dir.path(), "issues/page-0002.json"), p[1]);
    assert!(!dir.path().join("issues/page-0003.json").exists());
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
    let jsonl = read(dir.path(), "retrieval.jsonl");
    assert!(!jsonl.contains(TOKEN) && !jsonl.contains("Basic "));
    for q in srv.requests() {
        assert!(!q.target.contains(TOKEN));
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
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("answered 401"), "{text}");
    assert!(text.contains("JIRA_EMAIL and JIRA_API_TOKEN"), "{text}");
    assert!(text.contains("Browse projects"), "{text}");
    assert!(!text.contains(TOKEN) && !format!("{e:?}").contains(TOKEN));
    assert_eq!(srv.requests().len(), 1);
    assert!(!dir.path().join("issues").exists());
}

#[test]
fn a_missing_secret_names_the_variable() {
    let srv = Server::start(site(Faults::default()));
    let c = configured(&SPEC, &block(&srv.url));
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull_with(&JIRA, &c, &[("JIRA_API_TOKEN", TOKEN)], dir.path()).expect_err("no email");
    assert!(e.to_string().contains("JIRA_EMAIL"), "{e}");
    assert!(srv.requests().is_empty());
}

#[test]
fn the_dry_run_shows_the_windowed_query() {
    let c = configured(&SPEC, &block("https://acme.atlassian.net"));
    let secrets = BTreeMap::new();
    let s = Session::new(
        c.spec,
        &c.entries,
        &secrets,
        std::env::temp_dir(),
        "exports/jira".into(),
        NOW.parse().expect("ts"),
        (
            "2026-01-01T00:00:00Z".parse().expect("ts"),
            "2027-01-01T00:00:00Z".parse().expect("ts"),
        ),
    );
    let plan = JIRA.plan(&s);
    assert_eq!(plan.len(), 1);
    assert_eq!(
        plan[0].request,
        "GET https://acme.atlassian.net/rest/api/3/search/jql"
    );
    assert_eq!(plan[0].params.get("jql").map(String::as_str), Some(JQL));
}
