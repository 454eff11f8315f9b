//! The GitHub collector against a local server replaying GitHub's documented answers: `Link`
//! paging, a `429` with `Retry-After`, a `403` with `x-ratelimit-remaining: 0`, a `502` retried,
//! bad credentials, a token without `checks:read`. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use std::path::Path;

use fieldcheck_pull::collectors::github::{GITHUB, SPEC};
use fieldcheck_pull::{Configured, PullError, PullRecord, Retrieval, check_collectors};
use harness::read;
use server::Server;
use server::github::{Faults, repo};

const TOKEN: &str = "ghp_TestToken0000github0000000000000000";

fn configured(base: &str, extra: &str) -> Configured {
    harness::configured(
        &SPEC,
        &format!("base_url = \"{base}\"\nsystem_id = \"api\"\nrepos = [\"acme/api\"]\n{extra}"),
    )
}

fn pull(
    c: &Configured,
    token: &str,
    stage: &Path,
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    harness::pull_with(&GITHUB, c, &[("GITHUB_TOKEN", token)], stage)
}

#[test]
fn pulls_prs_reviews_deployments_statuses_and_checks_unedited() {
    let srv = Server::start(repo(
        TOKEN,
        Faults {
            rate_limit_statuses: true,
            server_error_checks: true,
            primary_limit_pulls: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull(&c, TOKEN, dir.path()).expect("pulled");
    let d = dir.path();
    let pages = server::github::pull_pages();
    assert_eq!(read(d, "repos/acme/api/pulls/page-0001.json"), pages[0]);
    assert_eq!(read(d, "repos/acme/api/pulls/page-0002.json"), pages[1]);
    assert_eq!(
        read(d, "repos/acme/api/deployments/page-0001.json"),
        server::github::deployments_page()
    );
    assert_eq!(
        read(d, "repos/acme/api/deployment-statuses/9002/page-0001.json"),
        server::github::statuses(9002)
    );
    assert_eq!(
        read(d, "repos/acme/api/reviews/7/page-0001.json"),
        server::github::reviews(7)
    );
    let h8 = "h8000000000000000000000000000000000000b8";
    assert_eq!(
        read(d, &format!("repos/acme/api/check-runs/{h8}/page-0001.json")),
        server::github::check_runs(h8)
    );
    // The deployment created before the window is listed, but its statuses are not asked for;
    // the open PR has no reviews asked for.
    assert!(!d.join("repos/acme/api/deployment-statuses/8000").exists());
    assert!(!d.join("repos/acme/api/reviews/9").exists());
    let calls: Vec<(&str, u32, u32)> = records
        .iter()
        .map(|r| (r.call.as_str(), r.page, r.attempts))
        .collect();
    assert_eq!(
        calls,
        vec![
            ("pulls", 1, 1),
            ("pulls", 2, 2), // after the 403 with x-ratelimit-remaining: 0
            ("deployments", 1, 1),
            ("deployment-statuses", 1, 2), // 9002, after the 429
            ("deployment-statuses", 1, 1), // 9001
            ("reviews", 1, 1),
            ("reviews", 1, 1),
            ("check-runs", 1, 1), // m7 (deployed)
            ("check-runs", 1, 1), // m8 (deployed)
            ("check-runs", 1, 1), // h7 (head of the PR deployed)
            ("check-runs", 1, 2), // h8, after the 502
        ]
    );
    assert_eq!(
        records[1].request,
        format!("GET {}/repositories/1296269/pulls", srv.url)
    );
    assert_eq!(records[1].params.get("page").map(String::as_str), Some("2"));
    let jsonl = read(d, "retrieval.jsonl");
    assert!(!jsonl.contains(TOKEN));
    let outcome = |name: &str| {
        record
            .calls
            .iter()
            .find(|c| c.call == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(outcome("pulls").pages, 2);
    assert_eq!(outcome("check-runs").pages, 4);
    assert_eq!(
        outcome("deployments").observed_at.as_deref(),
        Some("2026-12-05T12:00:00Z")
    );
    let reqs = srv.requests();
    assert!(reqs.iter().all(|r| !r.target.contains(TOKEN)));
    assert!(
        reqs.iter()
            .all(|r| r.header("x-github-api-version") == Some("2022-11-28"))
    );
}

#[test]
fn an_org_lists_its_repositories_first() {
    let inner = repo(TOKEN, Faults::default());
    let srv = Server::start(move |req: &server::Request, base: &str| {
        if req.path() == "/orgs/acme/repos" {
            // https://docs.github.com/en/rest/repos/repos#list-organization-repositories
            return server::Reply::json(
                r#"[{"id":1296269,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2MjY5","name":"api","full_name":"acme/api","private":true,"archived":false},{"id":1296270,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2Mjcw","name":"old","full_name":"acme/old","private":true,"archived":true}]"#,
            );
        }
        inner(req, base)
    });
    let text = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\ncollector = \"github\"\nbase_url = \"{}\"\nsystem_id = \"api\"\norg = \"acme\"\n",
        srv.url
    );
    let (cfg, _) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    let (c, d) = check_collectors(
        &cfg.expect("config").collectors,
        "fieldcheck.toml",
        &[&SPEC],
    );
    assert!(d.is_empty(), "{d:?}");
    let c = c.into_iter().next().expect("one");
    let dir = tempfile::tempdir().expect("tmp");
    let (_, record) = pull(&c, TOKEN, dir.path()).expect("pulled");
    assert!(dir.path().join("org-repos/page-0001.json").exists());
    assert!(
        dir.path()
            .join("repos/acme/api/pulls/page-0001.json")
            .exists()
    );
    // The archived repository is not pulled.
    assert!(!dir.path().join("repos/acme/old").exists());
    assert_eq!(record.calls[0].call, "org-repos");
}

#[test]
fn bad_credentials_are_a_clear_error_without_the_token() {
    let srv = Server::start(repo(
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
    assert!(
        text.contains("401") && text.contains("Bad credentials"),
        "{text}"
    );
    assert!(text.contains("GITHUB_TOKEN"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn a_token_without_checks_read_names_it() {
    let srv = Server::start(repo(
        TOKEN,
        Faults {
            no_checks_scope: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("checks:read"), "{text}");
    assert!(text.contains("check-runs"), "{text}");
    assert!(
        text.contains("Resource not accessible by personal access token"),
        "{text}"
    );
}

#[test]
fn without_repos_or_org_nothing_is_asked() {
    let srv = Server::start(repo(TOKEN, Faults::default()));
    let text = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[collectors]]\ncollector = \"github\"\nbase_url = \"{}\"\nsystem_id = \"api\"\n",
        srv.url
    );
    let (cfg, _) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    let (c, _) = check_collectors(
        &cfg.expect("config").collectors,
        "fieldcheck.toml",
        &[&SPEC],
    );
    let c = c.into_iter().next().expect("one");
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("no repos");
    assert!(e.to_string().contains("neither `repos` nor `org`"), "{e}");
    assert!(srv.requests().is_empty());
}
