//! A small GitHub repository (`acme/api`) served as the GitHub REST API documents it, for the
//! collector's tests.
//!
//! Shapes, trimmed to the documented fields that matter but otherwise as documented:
//! pull requests as in "List pull requests" (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests),
//! reviews as in "List reviews for a pull request" (https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request),
//! deployments as in "List deployments" (https://docs.github.com/en/rest/deployments/deployments#list-deployments),
//! statuses as in "List deployment statuses" (https://docs.github.com/en/rest/deployments/statuses#list-deployment-statuses),
//! check runs as in "List check runs for a Git reference" (https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference),
//! `Link` paging as in https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api,
//! rate limits (`403`/`429` with `x-ratelimit-remaining: 0`, `retry-after`) as in
//! https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit,
//! and the `Bad credentials` / `Resource not accessible by personal access token` errors as
//! GitHub answers them (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
//!
//! The story: PR #7 (ACME-12, by alice, approved by carol, checks green) is deployed to production
//! as deployment 9001; PR #8 (no ticket, by bob, approved only by bob himself, a check failed) is
//! deployed as 9002; PR #9 is open; deployment 8000 was created in 2025, before the window.

#![allow(dead_code)]

use super::{Once, Reply, Request};

/// Faults the repository shows, once each.
#[derive(Default)]
pub struct Faults {
    /// The statuses of deployment 9002 answer `429` with `Retry-After` once.
    pub rate_limit_statuses: bool,
    /// The check runs of PR #8's head answer `502` once.
    pub server_error_checks: bool,
    /// The second pull requests page answers `403` with `x-ratelimit-remaining: 0` once (the
    /// primary rate limit spent).
    pub primary_limit_pulls: bool,
    /// Every request answers `401` (an expired token).
    pub expired: bool,
    /// The check runs answer `403` (a fine-grained token without `checks:read`).
    pub no_checks_scope: bool,
}

const BAD_CREDENTIALS: &str = r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#;
const NOT_ACCESSIBLE: &str = r#"{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference","status":"403"}"#;

const API: &str = "https://api.github.com/repos/acme/api";

fn user(login: &str, id: u32) -> String {
    format!(
        r#"{{"login":"{login}","id":{id},"node_id":"MDQ6VXNlcj{id}","avatar_url":"https://github.com/images/error/{login}.gif","url":"https://api.github.com/users/{login}","html_url":"https://github.com/{login}","type":"User","site_admin":false}}"#
    )
}

#[allow(clippy::too_many_arguments)]
fn pull(
    n: u32,
    state: &str,
    title: &str,
    body: &str,
    author: &str,
    created: &str,
    merged: Option<&str>,
    merge_sha: &str,
    head_ref: &str,
    head_sha: &str,
) -> String {
    let merged_at = merged.map_or("null".to_string(), |m| format!("\"{m}\""));
    let closed_at = merged_at.clone();
    let author_id = author.len() as u32;
    format!(
        r#"{{"url":"{API}/pulls/{n}","id":{id},"node_id":"MDExOlB1bGxSZXF1ZXN0{n}","html_url":"https://github.com/acme/api/pull/{n}","diff_url":"https://github.com/acme/api/pull/{n}.diff","issue_url":"{API}/issues/{n}","number":{n},"state":"{state}","locked":false,"title":"{title}","user":{u},"body":"{body}","labels":[],"milestone":null,"active_lock_reason":null,"created_at":"{created}","updated_at":"{created}","closed_at":{closed_at},"merged_at":{merged_at},"merge_commit_sha":"{merge_sha}","assignee":null,"assignees":[],"requested_reviewers":[],"requested_teams":[],"head":{{"label":"acme:{head_ref}","ref":"{head_ref}","sha":"{head_sha}","user":{org},"repo":{{"id":1296269,"full_name":"acme/api","private":true}}}},"base":{{"label":"acme:main","ref":"main","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","user":{org},"repo":{{"id":1296269,"full_name":"acme/api","private":true}}}},"author_association":"MEMBER","auto_merge":null,"draft":false}}"#,
        id = 1_000_000 + n,
        u = user(author, author_id),
        org = user("acme", 9),
    )
}

/// The pull requests' pages (two, then one).
pub fn pull_pages() -> Vec<String> {
    vec![
        format!(
            "[{},{}]",
            pull(
                7,
                "closed",
                "ACME-12 rotate the signing keys",
                "Rotates the keys.",
                "alice",
                "2026-11-01T09:00:00Z",
                Some("2026-11-02T10:00:00Z"),
                "m7000000000000000000000000000000000000a7",
                "acme-12-rotate",
                "h7000000000000000000000000000000000000a7",
            ),
            pull(
                8,
                "closed",
                "fix a typo",
                "",
                "bob",
                "2026-11-09T09:00:00Z",
                Some("2026-11-10T10:00:00Z"),
                "m8000000000000000000000000000000000000b8",
                "typo",
                "h8000000000000000000000000000000000000b8",
            )
        ),
        format!(
            "[{}]",
            pull(
                9,
                "open",
                "ACME-20 new endpoint",
                "",
                "carol",
                "2026-11-20T09:00:00Z",
                None,
                "",
                "acme-20",
                "h9000000000000000000000000000000000000c9",
            )
        ),
    ]
}

fn review(id: u32, n: u32, login: &str, state: &str, at: &str, commit: &str) -> String {
    format!(
        r#"{{"id":{id},"node_id":"MDE3OlB1bGxSZXF1ZXN0UmV2aWV3{id}","user":{u},"body":"","state":"{state}","html_url":"https://github.com/acme/api/pull/{n}#pullrequestreview-{id}","pull_request_url":"{API}/pulls/{n}","_links":{{"html":{{"href":"https://github.com/acme/api/pull/{n}#pullrequestreview-{id}"}},"pull_request":{{"href":"{API}/pulls/{n}"}}}},"submitted_at":"{at}","commit_id":"{commit}","author_association":"MEMBER"}}"#,
        u = user(login, login.len() as u32)
    )
}

/// The reviews of PR `n`.
pub fn reviews(n: u32) -> String {
    match n {
        7 => format!(
            "[{}]",
            review(
                80,
                7,
                "carol",
                "APPROVED",
                "2026-11-01T15:00:00Z",
                "h7000000000000000000000000000000000000a7"
            )
        ),
        8 => format!(
            "[{}]",
            review(
                81,
                8,
                "bob",
                "APPROVED",
                "2026-11-09T12:00:00Z",
                "h8000000000000000000000000000000000000b8"
            )
        ),
        _ => "[]".into(),
    }
}

fn deployment(id: u32, sha: &str, env: &str, creator: &str, at: &str) -> String {
    format!(
        r#"{{"url":"{API}/deployments/{id}","id":{id},"node_id":"MDEwOkRlcGxveW1lbnQx{id}","sha":"{sha}","ref":"main","task":"deploy","payload":{{}},"original_environment":"{env}","environment":"{env}","description":"Deploy request from GitHub Actions","creator":{u},"created_at":"{at}","updated_at":"{at}","statuses_url":"{API}/deployments/{id}/statuses","repository_url":"{API}","transient_environment":false,"production_environment":true}}"#,
        u = user(creator, creator.len() as u32)
    )
}

/// The deployments page.
pub fn deployments_page() -> String {
    format!(
        "[{},{},{}]",
        deployment(
            9002,
            "m8000000000000000000000000000000000000b8",
            "production",
            "bob",
            "2026-11-10T11:00:00Z"
        ),
        deployment(
            9001,
            "m7000000000000000000000000000000000000a7",
            "production",
            "alice",
            "2026-11-02T11:00:00Z"
        ),
        deployment(
            8000,
            "0ld0000000000000000000000000000000000000",
            "production",
            "alice",
            "2025-03-02T11:00:00Z"
        ),
    )
}

/// The statuses of deployment `id`.
pub fn statuses(id: u32) -> String {
    let at = match id {
        9001 => "2026-11-02T11:05:00Z",
        9002 => "2026-11-10T11:05:00Z",
        _ => "2025-03-02T11:05:00Z",
    };
    format!(
        r#"[{{"url":"{API}/deployments/{id}/statuses/{s}","id":{s},"node_id":"MDE2OkRlcGxveW1lbnRTdGF0dXMx{s}","state":"success","creator":{u},"description":"Deployment finished successfully.","environment":"production","target_url":"https://api.acme.example","created_at":"{at}","updated_at":"{at}","deployment_url":"{API}/deployments/{id}","repository_url":"{API}","environment_url":"https://api.acme.example","log_url":"https://github.com/acme/api/actions/runs/{s}"}}]"#,
        s = id + 1,
        u = user("github-actions[bot]", 41898282)
    )
}

/// The check runs of `sha`.
pub fn check_runs(sha: &str) -> String {
    let conclusion = if sha.starts_with("h8") {
        "failure"
    } else {
        "success"
    };
    format!(
        r#"{{"total_count":1,"check_runs":[{{"id":4{n},"head_sha":"{sha}","node_id":"MDg6Q2hlY2tSdW40","external_id":"","url":"{API}/check-runs/4","html_url":"https://github.com/acme/api/runs/4","details_url":"https://example.com","status":"completed","conclusion":"{conclusion}","started_at":"2026-11-01T10:00:00Z","completed_at":"2026-11-01T10:04:00Z","output":{{"title":"Tests","summary":"unit tests","text":"","annotations_count":0,"annotations_url":"{API}/check-runs/4/annotations"}},"name":"test","check_suite":{{"id":5}},"app":{{"id":15368,"slug":"github-actions","name":"GitHub Actions"}},"pull_requests":[]}}]}}"#,
        n = sha.len()
    )
}

/// The repository as a handler, the token expected as `Bearer`.
pub fn repo(
    token: &'static str,
    f: Faults,
) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored, primary) = (Once::default(), Once::default(), Once::default());
    move |req: &Request, base: &str| {
        let auth = req.header("authorization").unwrap_or("");
        if f.expired || auth != format!("Bearer {token}") {
            return Reply::status(401, BAD_CREDENTIALS);
        }
        let rl = |r: Reply| {
            r.header("x-ratelimit-limit", "5000")
                .header("x-ratelimit-remaining", "4999")
                .header("x-ratelimit-reset", "1764936000")
                .header("x-ratelimit-resource", "core")
        };
        let path = req.path().to_string();
        let Some(rest) = path
            .strip_prefix("/repos/acme/api/")
            .or_else(|| path.strip_prefix("/repositories/1296269/"))
        else {
            return Reply::status(
                404,
                r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}"#,
            );
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["pulls"] => {
                let pages = pull_pages();
                let page = req.param("page").unwrap_or_else(|| "1".into());
                if primary.first(page == "2" && f.primary_limit_pulls) {
                    return Reply::status(403, r#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}"#)
                        .header("x-ratelimit-limit", "5000")
                        .header("x-ratelimit-remaining", "0")
                        .header("x-ratelimit-reset", "1764936000")
                        .header("x-ratelimit-resource", "core");
                }
                let q = "state=all&sort=created&direction=asc&per_page=100";
                let r = match page.as_str() {
                    "1" => Reply::json(pages[0].clone()).header(
                        "link",
                        format!(
                            "<{base}/repositories/1296269/pulls?{q}&page=2>; rel=\"next\", <{base}/repositories/1296269/pulls?{q}&page=2>; rel=\"last\""
                        ),
                    ),
                    _ => Reply::json(pages[1].clone()).header(
                        "link",
                        format!(
                            "<{base}/repositories/1296269/pulls?{q}&page=1>; rel=\"prev\", <{base}/repositories/1296269/pulls?{q}&page=1>; rel=\"first\""
                        ),
                    ),
                };
                rl(r)
            }
            ["deployments"] => rl(Reply::json(deployments_page())),
            ["deployments", id, "statuses"] => {
                if limited.first(*id == "9002" && f.rate_limit_statuses) {
                    return Reply::status(429, r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"429"}"#)
                        .header("retry-after", "1");
                }
                rl(Reply::json(statuses(id.parse().unwrap_or(0))))
            }
            ["pulls", n, "reviews"] => rl(Reply::json(reviews(n.parse().unwrap_or(0)))),
            ["commits", sha, "check-runs"] => {
                if f.no_checks_scope {
                    return Reply::status(403, NOT_ACCESSIBLE)
                        .header("x-accepted-github-permissions", "checks=read");
                }
                if errored.first(sha.starts_with("h8") && f.server_error_checks) {
                    return Reply::status(502, r#"{"message":"Server Error"}"#);
                }
                rl(Reply::json(check_runs(sha)))
            }
            _ => Reply::status(
                404,
                r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}"#,
            ),
        }
    }
}
