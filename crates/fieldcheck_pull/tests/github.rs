//! The GitHub collector against a local server replaying GitHub's documented answers: `Link`
//! paging, a `429` with `Retry-After`, a `403` with `x-ratelimit-remaining: 0`, a `502` retried,
//! bad credentials, a token without `checks:read`. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use fieldcheck_pull::Configured;
use fieldcheck_pull::collectors::github::{GITHUB, SPEC};
use harness::{
    assert_error_names, assert_kept_out, assert_pages, calls, outcome, pull_err, pull_with,
};
use server::Server;
use server::github::{Faults, repo};

const TOKEN: &str = "ghp_TestToken0000github0000000000000000";
const SECRETS: &[(&str, &str)] = &[("GITHUB_TOKEN", TOKEN)];

fn configured(base: &str, extra: &str) -> Configured {
    harness::configured(
        &SPEC,
        &format!("base_url = \"{base}\"\nsystem_id = \"api\"\nrepos = [\"acme/api\"]\n{extra}"),
    )
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
    let (records, record) = pull_with(&GITHUB, &c, SECRETS, dir.path()).expect("pulled");
    let d = dir.path();
    let api = "repos/acme/api";
    assert_pages(d, &format!("{api}/pulls"), &server::github::pull_pages());
    assert_pages(
        d,
        &format!("{api}/deployments"),
        &[server::github::deployments_page()],
    );
    assert_pages(
        d,
        &format!("{api}/deployment-statuses/9002"),
        &[server::github::statuses(9002)],
    );
    assert_pages(
        d,
        &format!("{api}/reviews/7"),
        &[server::github::reviews(7)],
    );
    let h8 = "h8000000000000000000000000000000000000b8";
    assert_pages(
        d,
        &format!("{api}/check-runs/{h8}"),
        &[server::github::check_runs(h8)],
    );
    // The deployment created before the window is listed, but its statuses are not asked for;
    // the open PR has no reviews asked for.
    assert!(!d.join("repos/acme/api/deployment-statuses/8000").exists());
    assert!(!d.join("repos/acme/api/reviews/9").exists());
    assert_eq!(
        calls(&records),
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
    assert_eq!(outcome(&record, "pulls").pages, 2);
    assert_eq!(outcome(&record, "check-runs").pages, 4);
    assert_eq!(
        outcome(&record, "deployments").observed_at.as_deref(),
        Some("2026-12-05T12:00:00Z")
    );
    let reqs = srv.requests();
    assert_kept_out(d, &reqs, TOKEN);
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
    let c = harness::configured(
        &SPEC,
        &format!(
            "base_url = \"{}\"\nsystem_id = \"api\"\norg = \"acme\"\n",
            srv.url
        ),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (_, record) = pull_with(&GITHUB, &c, SECRETS, dir.path()).expect("pulled");
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
    let e = pull_err(&GITHUB, &configured(&srv.url, ""), SECRETS);
    assert_error_names(&e, &["401", "Bad credentials", "GITHUB_TOKEN"], &[TOKEN]);
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
    let e = pull_err(&GITHUB, &configured(&srv.url, ""), SECRETS);
    assert_error_names(
        &e,
        &[
            "403",
            "checks:read",
            "check-runs",
            "Resource not accessible by personal access token",
        ],
        &[TOKEN],
    );
}

#[test]
fn without_repos_or_org_nothing_is_asked() {
    let srv = Server::start(repo(TOKEN, Faults::default()));
    let c = harness::configured(
        &SPEC,
        &format!("base_url = \"{}\"\nsystem_id = \"api\"\n", srv.url),
    );
    let e = pull_err(&GITHUB, &c, SECRETS);
    assert!(e.to_string().contains("neither `repos` nor `org`"), "{e}");
    assert!(srv.requests().is_empty());
}
