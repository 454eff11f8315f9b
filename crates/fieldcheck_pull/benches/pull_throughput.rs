//! Throughput of a pull: 50,000 Okta users' worth of pages (250 pages of 200 users, shaped as the
//! Users API returns them) from the local test server, through the real client, paging and
//! staging (each page written, synced and hashed, with its retrieval record).
//!
//! Run: `cargo bench -p fieldcheck_pull --bench pull_throughput` (see BENCHMARKS.md for the
//! `/usr/bin/time -v` line). Prints MB/s of JSON and the process's peak memory; the server
//! holds one page, the client one page at a time, so the peak stays near one page whatever the
//! number of users.

#[path = "../tests/server/mod.rs"]
mod server;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use fieldcheck_pull::http::{Auth, Http, RetryPolicy};
use fieldcheck_pull::paging::{Pager, list};
use fieldcheck_pull::{Secret, Session, check_collectors};

const USERS: usize = 50_000;
const PER_PAGE: usize = 200;

fn page() -> Vec<u8> {
    let mut s = String::from("[");
    for i in 0..PER_PAGE {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"id":"00u{i:017}","status":"ACTIVE","created":"2025-06-02T10:11:12.000Z","activated":"2025-06-02T10:11:13.000Z","statusChanged":"2025-06-02T10:11:13.000Z","lastLogin":"2026-11-30T09:00:00.000Z","lastUpdated":"2026-11-30T09:00:00.000Z","passwordChanged":"2025-06-02T10:11:12.000Z","type":{{"id":"oty1default00001"}},"profile":{{"firstName":"User","lastName":"Number{i}","mobilePhone":null,"secondEmail":null,"login":"user{i}@acme.io","email":"user{i}@acme.io","department":"Engineering","title":"Engineer"}},"credentials":{{"password":{{}},"provider":{{"type":"OKTA","name":"OKTA"}}}},"_links":{{"self":{{"href":"https://acme.okta.com/api/v1/users/00u{i:017}"}}}}}}"#
        ));
    }
    s.push(']');
    s.into_bytes()
}

fn peak_rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let body = Arc::new(page());
    let pages = USERS / PER_PAGE;
    let b2 = body.clone();
    let srv = server::Server::start(move |req: &server::Request, base: &str| {
        let n: usize = req.param("after").and_then(|a| a.parse().ok()).unwrap_or(0);
        let mut r = server::Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: b2.clone(),
        };
        if n + 1 < pages {
            r = r.header(
                "link",
                format!(
                    "<{base}/api/v1/users?limit=200&after={}>; rel=\"next\"",
                    n + 1
                ),
            );
        }
        r
    });
    let text = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\ncollector = \"okta\"\nbase_url = \"{}\"\nsystem_id = \"okta\"\n",
        srv.url
    );
    let (cfg, _) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    let cfg = cfg.expect("config");
    let (c, _) = check_collectors(
        &cfg.collectors,
        "fieldcheck.toml",
        &[&fieldcheck_pull::collectors::okta::SPEC],
    );
    let c = &c[0];
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tmp");
    let secrets = BTreeMap::new();
    let now = jiff::Timestamp::now();
    let mut session = Session::new(
        c.spec,
        &c.entries,
        &secrets,
        dir.path().to_path_buf(),
        "exports/okta".into(),
        now,
        (now, now),
    );
    let http = Http::new(
        "okta",
        &srv.url,
        Some(Auth {
            header: "Authorization",
            prefix: "SSWS ",
            secret: Secret::new("bench-token".into()),
            env: "OKTA_API_TOKEN",
        }),
        RetryPolicy::default(),
    )
    .expect("client");
    let call = &fieldcheck_pull::collectors::okta::SPEC.calls[0];
    let url = http.url("/api/v1/users", &[("limit", "200".into())]);
    let t = Instant::now();
    let listed = list(
        &http,
        &mut session,
        call,
        url,
        &Pager::LinkHeader,
        "users",
        &mut |_| Ok(()),
    )
    .expect("pulled");
    let secs = t.elapsed().as_secs_f64();
    let mb = listed.bytes as f64 / 1e6;
    assert_eq!(listed.pages as usize, pages);
    assert_eq!(session.records().len(), pages);
    println!(
        "pull_throughput: {USERS} users, {} pages, {:.1} MB of JSON in {:.3} s = {:.0} MB/s; page {} KB; peak RSS {} KB",
        listed.pages,
        mb,
        secs,
        mb / secs,
        body.len() / 1024,
        peak_rss_kb().map_or("?".into(), |k| k.to_string())
    );
}
