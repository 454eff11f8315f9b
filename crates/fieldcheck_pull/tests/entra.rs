//! The Entra collector against a local server replaying Microsoft Graph's and the identity
//! platform's documented answers: a client-credentials token, `@odata.nextLink` paging, a `429`
//! with `Retry-After`, a `503` retried, the 30-day audit log shortfall, an expired client secret,
//! a missing `AuditLog.Read.All`. Nothing of fieldcheck is mocked.

mod harness;
mod server;

use std::path::Path;

use fieldcheck_pull::collectors::entra::{ENTRA, SPEC};
use fieldcheck_pull::{Configured, PullError, PullRecord, Retrieval};
use harness::{YEAR, assert_error_names, assert_kept_out, assert_pages, calls, outcome, pull_err};
use server::Server;
use server::entra::{ACCESS, CLIENT, Faults, TENANT, tenant};

const SECRET: &str = "Zx~8Q~test.client-secret_entra";
const SECRETS: &[(&str, &str)] = &[
    ("ENTRA_TENANT_ID", TENANT),
    ("ENTRA_CLIENT_ID", CLIENT),
    ("ENTRA_CLIENT_SECRET", SECRET),
];

fn configured(base: &str, extra: &str) -> Configured {
    harness::configured(
        &SPEC,
        &format!(
            "base_url = \"{base}/v1.0\"\nlogin_url = \"{base}\"\nsystem_id = \"entra\"\n{extra}"
        ),
    )
}

fn pull(
    c: &Configured,
    stage: &Path,
    window: (&str, &str),
) -> Result<(Vec<Retrieval>, PullRecord), PullError> {
    harness::pull_in(&ENTRA, c, SECRETS, stage, window)
}

#[test]
fn pulls_users_audits_reviews_and_apps_unedited() {
    let srv = Server::start(tenant(
        SECRET,
        Faults {
            throttle_users_page_2: true,
            server_error_audits: true,
            ..Faults::default()
        },
    ));
    let c = configured(&srv.url, "");
    let dir = tempfile::tempdir().expect("tmp");
    let (records, record) = pull(&c, dir.path(), YEAR).expect("pulled");
    let d = dir.path();
    assert_pages(d, "users", &server::entra::user_pages(&srv.url));
    assert_pages(d, "users-deleted", &[server::entra::deleted_page()]);
    assert_pages(d, "directory-audits", &[server::entra::audits_page()]);
    assert_pages(
        d,
        "access-review-definitions",
        &[server::entra::definitions_page()],
    );
    assert_pages(
        d,
        "access-review-instances/2b83cc42-09db-46f6-8c6e-16fec466a82d",
        &[server::entra::instances_page()],
    );
    assert_pages(
        d,
        "access-review-decisions/2b83cc42-09db-46f6-8c6e-16fec466a82d/6444d4fd-ab55-4608-8cf9-c6702d172bfc",
        &[server::entra::decisions_page()],
    );
    assert_pages(
        d,
        "service-principals",
        &[server::entra::service_principals_page()],
    );
    assert_eq!(
        calls(&records),
        vec![
            ("users", 1, 1),
            ("users", 2, 2), // after the 429
            ("users-deleted", 1, 1),
            ("directory-audits", 1, 2), // after the 503
            ("access-review-definitions", 1, 1),
            ("access-review-instances", 1, 1),
            // Only the instance that ended in the window: the 2025 one's decisions are not asked.
            ("access-review-decisions", 1, 1),
            ("service-principals", 1, 1),
        ]
    );
    // The token came from the client credentials grant, and never reached a file.
    let reqs = srv.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path(), format!("/{TENANT}/oauth2/v2.0/token"));
    for secret in [SECRET, ACCESS] {
        assert_kept_out(d, &reqs, secret);
    }
    // The users were asked with the properties the adapter reads.
    let users_req = &records[0];
    assert_eq!(
        users_req.params.get("$select").map(String::as_str),
        Some("id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime")
    );
    // The audit log from as far back as Graph keeps it (30 days), with the shortfall.
    let audit = &records[3];
    assert_eq!(
        audit.params.get("$filter").map(String::as_str),
        Some(
            "activityDateTime ge 2026-11-05T12:00:00Z and activityDateTime le 2026-12-05T12:00:00Z"
        )
    );
    let out = outcome(&record, "directory-audits");
    assert_eq!(out.from.as_deref(), Some("2026-11-05T12:00:00Z"));
    assert!(
        out.shortfall
            .as_deref()
            .is_some_and(|s| s.contains("30 days") && s.contains("2026-01-01T00:00:00Z")),
        "{out:?}"
    );
    let users_out = outcome(&record, "users");
    assert_eq!(users_out.pages, 2);
    assert_eq!(
        users_out.observed_at.as_deref(),
        Some("2026-12-05T12:00:00Z")
    );
}

#[test]
fn a_window_within_the_audit_retention_has_no_shortfall() {
    let srv = Server::start(tenant(SECRET, Faults::default()));
    let c = configured(&srv.url, "access_reviews = false");
    let dir = tempfile::tempdir().expect("tmp");
    let (_, record) = pull(
        &c,
        dir.path(),
        ("2026-11-10T00:00:00Z", "2026-12-01T00:00:00Z"),
    )
    .expect("pulled");
    let out = outcome(&record, "directory-audits");
    assert_eq!(out.from.as_deref(), Some("2026-11-10T00:00:00Z"));
    assert_eq!(out.to.as_deref(), Some("2026-12-01T00:00:00Z"));
    assert_eq!(out.shortfall, None);
    assert!(
        srv.requests()
            .iter()
            .all(|r| !r.path().contains("accessReviews"))
    );
}

#[test]
fn an_expired_client_secret_is_a_clear_error_without_secrets() {
    let srv = Server::start(tenant(
        SECRET,
        Faults {
            expired_secret: true,
            ..Faults::default()
        },
    ));
    let e = pull_err(&ENTRA, &configured(&srv.url, ""), SECRETS);
    assert_error_names(
        &e,
        &[
            "401",
            "invalid_client",
            "AADSTS7000222",
            "ENTRA_CLIENT_SECRET",
        ],
        &[SECRET],
    );
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn a_missing_audit_permission_names_it() {
    let srv = Server::start(tenant(
        SECRET,
        Faults {
            no_audit_permission: true,
            ..Faults::default()
        },
    ));
    let e = pull_err(&ENTRA, &configured(&srv.url, ""), SECRETS);
    assert_error_names(
        &e,
        &[
            "403",
            "Authorization_RequestDenied",
            "AuditLog.Read.All",
            "directory-audits",
        ],
        &[ACCESS, SECRET],
    );
}
