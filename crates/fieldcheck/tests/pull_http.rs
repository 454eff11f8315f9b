//! End to end: `fieldcheck pull` from the GitHub, GitLab and Entra collectors against local
//! servers replaying each vendor's documented answers (the same as the collectors' own tests),
//! then `fieldcheck audit` on the pulled kit: the `[[sources]]` the pull writes read the pulled
//! files as they are, and the controls find the deviations the replayed organisations hold.

mod common;
#[path = "../../fieldcheck_pull/tests/server/mod.rs"]
mod server;

use std::path::Path;

use common::{control, diagnostics, run, s, text};
use serde_json::Value;
use server::Server;

const NOW: &str = "2026-12-05T12:00:00Z";

fn kit(dir: &Path, systems: &str, extra: &str, collector: &str) {
    std::fs::write(
        dir.join("systems.csv"),
        format!("system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\n{systems}"),
    )
    .expect("systems");
    std::fs::write(
        dir.join("fieldcheck.toml"),
        format!(
            "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n{extra}\n[[collectors]]\n{collector}\n"
        ),
    )
    .expect("config");
}

fn pull(dir: &Path, env: &[(&str, &str)]) -> String {
    common::pull(dir, NOW, env);
    std::fs::read_to_string(dir.join("fieldcheck.toml")).expect("config")
}

fn audit(dir: &Path) -> Value {
    let o = run(
        &["audit", s(dir), "--format", "json"],
        &[("FIELDCHECK_NOW", NOW)],
    );
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

/// A control's first test's deviations as `(item, [reasons])`.
fn deviations(v: &Value, control_id: &str) -> Vec<(String, Vec<String>)> {
    common::deviations(&control(v, control_id)["tests"][0])
}

fn population(v: &Value, control_id: &str) -> u64 {
    let t = &control(v, control_id)["tests"][0];
    t["population"]["size"]
        .as_u64()
        .or_else(|| t["population"].as_u64())
        .unwrap_or_else(|| panic!("{t}"))
}

/// A kit with the `api` system, one change ticket (a `changes.csv` row) and the forge's
/// `collector` entry, pulled with `token_env` and audited: the config gains the source `entry`,
/// the pulled files are read with no error, and change-management's population is two deploys.
/// Its deviations.
fn forge_pull_then_audit(
    collector: &str,
    change: &str,
    token_env: (&str, &str),
    entry: &str,
) -> Vec<(String, Vec<String>)> {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    kit(d, "api,API,saas,1,true,confidential,240,\n", "", collector);
    std::fs::write(
        d.join("changes.csv"),
        format!("ticket_id,type,title,created_at,requester_id,approver_id,approved_at,retro_reviewed_at\n{change}\n"),
    )
    .expect("changes");
    let config = pull(d, &[token_env]);
    assert!(config.contains(entry), "{config}");
    let v = audit(d);
    no_errors(&v);
    assert_eq!(population(&v, "change-management"), 2);
    deviations(&v, "change-management")
}

#[test]
fn github_pull_then_audit() {
    let token = "ghp_e2eToken000000000000000000000000000";
    let srv = Server::start(server::github::repo(
        token,
        server::github::Faults::default(),
    ));
    // ACME-12 is a normal change approved by dave before the deploy.
    let devs = forge_pull_then_audit(
        &format!(
            "collector = \"github\"\nbase_url = \"{}\"\nsystem_id = \"api\"\nrepos = [\"acme/api\"]",
            srv.url
        ),
        "ACME-12,normal,Rotate the signing keys,2026-10-30T09:00:00Z,alice,dave,2026-10-31T09:00:00Z,",
        ("GITHUB_TOKEN", token),
        "adapter = \"github\"\npath = \"exports/github/repos/**/page-*.json\"\nsystem_id = \"api\"",
    );
    // Deployment 9001 (PR #7: ticketed, approved by carol, checks green) passes; 9002 (PR #8:
    // no ticket, approved only by its author, a failed check) does not; 8000 is from 2025.
    assert_eq!(
        devs,
        vec![(
            "acme/api/deployments/9002".to_string(),
            strings(&["no_peer_review", "no_ticket", "tests_failed"])
        )]
    );
}

/// Every pulled file was read: no error diagnostic.
fn no_errors(v: &Value) {
    let errors = diagnostics(v, |d| d["severity"] == "error");
    assert!(errors.is_empty(), "{errors:?}");
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn gitlab_pull_then_audit() {
    let token = "glpat-e2eToken0000000000";
    let srv = Server::start(server::gitlab::project(
        token,
        server::gitlab::Faults::default(),
    ));
    let devs = forge_pull_then_audit(
        &format!(
            "collector = \"gitlab\"\nbase_url = \"{}/api/v4\"\nsystem_id = \"api\"\nprojects = [\"acme/api\"]",
            srv.url
        ),
        "ACME-31,normal,Limit the login rate,2026-09-30T09:00:00Z,dana,frank,2026-09-30T12:00:00Z,",
        ("GITLAB_TOKEN", token),
        "adapter = \"gitlab\"\npath = \"exports/gitlab/projects/**/page-*.json\"\nsystem_id = \"api\"",
    );
    // Deployment 41 (MR !3: ticketed, approved by erin) lacks only test evidence: the `gitlab`
    // adapter does not read pipelines; 42 (MR !4: no ticket, no approval) lacks all three; 43
    // failed and is no deploy.
    assert_eq!(
        devs,
        vec![
            (
                "acme/api/deployments/41".to_string(),
                strings(&["no_test_evidence"])
            ),
            (
                "acme/api/deployments/42".to_string(),
                strings(&["no_peer_review", "no_test_evidence", "no_ticket"])
            ),
        ]
    );
}

#[test]
fn entra_pull_then_audit() {
    let secret = "Zx~8Q~e2e.client-secret";
    let srv = Server::start(server::entra::tenant(
        secret,
        server::entra::Faults::default(),
    ));
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    kit(
        d,
        "entra,Entra ID,idp,1,true,confidential,240,\n",
        "",
        &format!(
            "collector = \"entra\"\nbase_url = \"{0}/v1.0\"\nlogin_url = \"{0}\"\nsystem_id = \"entra\"\nservice_accounts = [\"svc-*\"]",
            srv.url
        ),
    );
    let config = pull(
        d,
        &[
            ("ENTRA_TENANT_ID", server::entra::TENANT),
            ("ENTRA_CLIENT_ID", server::entra::CLIENT),
            ("ENTRA_CLIENT_SECRET", secret),
        ],
    );
    for (adapter, path) in [
        ("entra-users", "exports/entra/users*/page-*.json"),
        ("entra-audit", "exports/entra/directory-audits/page-*.json"),
        (
            "entra-access-reviews",
            "exports/entra/access-review-*/**/page-*.json",
        ),
        ("entra-apps", "exports/entra/service-principals/page-*.json"),
    ] {
        assert!(
            config.contains(&format!(
                "adapter = \"{adapter}\"\npath = \"{path}\"\nsystem_id = \"entra\""
            )),
            "{config}"
        );
    }
    let v = audit(d);
    // The tenant's only access review ran in Q4 (its 2025 instance is long over): Q1-Q3 have
    // none; in Q4 svc-ci, gina and the ci-deployer app got no decision, and frank, revoked on
    // 2026-10-12, is disabled (`accountEnabled: false`) with no time the users listing gives.
    assert_eq!(population(&v, "access-reviews"), 4);
    assert_eq!(
        deviations(&v, "access-reviews"),
        vec![
            ("entra/2026-Q1".to_string(), strings(&["missing_review"])),
            ("entra/2026-Q2".to_string(), strings(&["missing_review"])),
            ("entra/2026-Q3".to_string(), strings(&["missing_review"])),
            (
                "entra/2026-Q4".to_string(),
                strings(&["incomplete_coverage", "revocation_not_applied"])
            ),
        ]
    );
    // svc-ci has no owner; the ci-deployer app is owned by ann (not in people: there is no
    // people.csv) and its client secret is older than 90 days.
    assert_eq!(
        deviations(&v, "service-accounts"),
        vec![
            (
                "entra/c9a8b7d6-5e4f-4a3b-8c2d-1e0f9a8b7c6d".to_string(),
                strings(&["no_owner"])
            ),
            (
                "entra/65415bb1-9267-4313-bbf5-ae259732ee12".to_string(),
                strings(&["owner_unknown", "stale_credential"])
            ),
        ]
    );
    // Graph keeps 30 days of directory audits and the window started in January: the only
    // error is that shortfall, which leaves the leaver control without its events.
    let errors: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(errors, ["pull-shortfall"]);
    let leavers = control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "not_evidenced");
}
