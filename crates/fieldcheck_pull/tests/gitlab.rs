//! The GitLab collector against a local server replaying GitLab's documented answers: `Link`
//! paging, a `429` with `Retry-After`, a `500` retried, a revoked token, a token without
//! `read_api`. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use std::path::Path;

use fieldcheck_pull::collectors::gitlab::{GITLAB, SPEC};
use fieldcheck_pull::{Configured, PullError, PullRecord, Retrieval};
use harness::read;
use server::Server;
use server::gitlab::{Faults, project};

const TOKEN: &str = "glpat-TestToken00gitlab000";

fn configured(base: &str) -> Configured {
    harness::configured(
        &SPEC,
        &format!("base_url = \"{base}/api/v4\"\nsystem_id = \"api\"\nprojects = [\"acme/api\"]\n"),
    )
}

fn pull(
    c: &Configured,
    token: &str,
    stage: &Path,
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    harness::pull_with(&GITLAB, c, &[("GITLAB_TOKEN", token)], stage)
}

#[test]
fn pulls_merge_requests_approvals_deployments_and_pipelines_unedited() {
    let srv = Server::start(project(
        TOKEN,
        Faults {
            rate_limit_approvals: true,
            server_error_deployments: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url);
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull(&c, TOKEN, dir.path()).expect("pulled");
    let d = dir.path();
    let pages = server::gitlab::mr_pages();
    assert_eq!(
        read(d, "projects/acme/api/merge-requests/page-0001.json"),
        pages[0]
    );
    assert_eq!(
        read(d, "projects/acme/api/merge-requests/page-0002.json"),
        pages[1]
    );
    assert_eq!(
        read(d, "projects/acme/api/approvals/4/page-0001.json"),
        server::gitlab::approvals(4)
    );
    assert_eq!(
        read(d, "projects/acme/api/deployments/page-0001.json"),
        server::gitlab::deployments_page()
    );
    assert_eq!(
        read(d, "pipelines/acme/api/page-0001.json"),
        server::gitlab::pipelines_page()
    );
    // The open MR has no approvals asked for.
    assert!(!d.join("projects/acme/api/approvals/5").exists());
    let calls: Vec<(&str, u32, u32)> = records
        .iter()
        .map(|r| (r.call.as_str(), r.page, r.attempts))
        .collect();
    assert_eq!(
        calls,
        vec![
            ("merge-requests", 1, 1),
            ("merge-requests", 2, 1),
            ("deployments", 1, 2), // after the 500
            ("approvals", 1, 1),
            ("approvals", 1, 2), // after the 429
            ("pipelines", 1, 1),
        ]
    );
    // The project's path is encoded as GitLab asks (`acme%2Fapi`); the window is in the query.
    let reqs = srv.requests();
    let deps = reqs
        .iter()
        .find(|r| r.path().ends_with("/deployments"))
        .expect("deployments asked");
    assert_eq!(deps.path(), "/api/v4/projects/acme%2Fapi/deployments");
    assert_eq!(
        deps.param("updated_after").as_deref(),
        Some("2026-01-01T00:00:00Z")
    );
    assert_eq!(deps.param("order_by").as_deref(), Some("updated_at"));
    assert!(reqs.iter().all(|r| !r.target.contains(TOKEN)));
    assert!(!read(d, "retrieval.jsonl").contains(TOKEN));
    let outcome = |name: &str| {
        record
            .calls
            .iter()
            .find(|c| c.call == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let dep = outcome("deployments");
    assert_eq!(dep.from.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(dep.to.as_deref(), Some("2026-12-05T12:00:00Z"));
    assert_eq!(dep.shortfall, None);
    assert_eq!(outcome("approvals").pages, 2);
    assert_eq!(
        outcome("merge-requests").observed_at.as_deref(),
        Some("2026-12-05T12:00:00Z")
    );
}

#[test]
fn a_revoked_token_is_a_clear_error_without_the_token() {
    let srv = Server::start(project(
        TOKEN,
        Faults {
            expired: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url);
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("401 Unauthorized"), "{text}");
    assert!(text.contains("GITLAB_TOKEN"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn a_token_without_read_api_names_it() {
    let srv = Server::start(project(
        TOKEN,
        Faults {
            no_read_api: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url);
    let dir = tempfile::tempdir().expect("tmp");
    let e = pull(&c, TOKEN, dir.path()).expect_err("refused");
    let text = format!("{e} {}", e.help().unwrap_or(""));
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("insufficient_scope"), "{text}");
    assert!(text.contains("`read_api`"), "{text}");
}
