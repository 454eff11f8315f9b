//! The GitLab collector against a local server replaying GitLab's documented answers: `Link`
//! paging, a `429` with `Retry-After`, a `500` retried, a revoked token, a token without
//! `read_api`. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use fieldcheck_pull::Configured;
use fieldcheck_pull::collectors::gitlab::{GITLAB, SPEC};
use harness::{
    assert_error_names, assert_kept_out, assert_pages, calls, outcome, pull_err, pull_with,
};
use server::Server;
use server::gitlab::{Faults, project};

const TOKEN: &str = "glpat-TestToken00gitlab000";
const SECRETS: &[(&str, &str)] = &[("GITLAB_TOKEN", TOKEN)];

fn configured(base: &str) -> Configured {
    harness::configured(
        &SPEC,
        &format!("base_url = \"{base}/api/v4\"\nsystem_id = \"api\"\nprojects = [\"acme/api\"]\n"),
    )
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
    let (records, record) = pull_with(&GITLAB, &c, SECRETS, dir.path()).expect("pulled");
    let d = dir.path();
    let api = "projects/acme/api";
    assert_pages(
        d,
        &format!("{api}/merge-requests"),
        &server::gitlab::mr_pages(),
    );
    assert_pages(
        d,
        &format!("{api}/approvals/4"),
        &[server::gitlab::approvals(4)],
    );
    assert_pages(
        d,
        &format!("{api}/deployments"),
        &[server::gitlab::deployments_page()],
    );
    assert_pages(d, "pipelines/acme/api", &[server::gitlab::pipelines_page()]);
    // The open MR has no approvals asked for.
    assert!(!d.join("projects/acme/api/approvals/5").exists());
    assert_eq!(
        calls(&records),
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
    assert_kept_out(d, &reqs, TOKEN);
    let dep = outcome(&record, "deployments");
    assert_eq!(dep.from.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(dep.to.as_deref(), Some("2026-12-05T12:00:00Z"));
    assert_eq!(dep.shortfall, None);
    assert_eq!(outcome(&record, "approvals").pages, 2);
    assert_eq!(
        outcome(&record, "merge-requests").observed_at.as_deref(),
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
    let e = pull_err(&GITLAB, &configured(&srv.url), SECRETS);
    assert_error_names(&e, &["401 Unauthorized", "GITLAB_TOKEN"], &[TOKEN]);
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
    let e = pull_err(&GITLAB, &configured(&srv.url), SECRETS);
    assert_error_names(&e, &["403", "insufficient_scope", "`read_api`"], &[TOKEN]);
}
