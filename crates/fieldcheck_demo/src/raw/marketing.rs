//! The marketing site's own stack, inherited with the agency that built it: its editors in a
//! Microsoft Entra ID tenant (users, directory audits, access reviews, the site's SSO app) and
//! its code on GitLab (merge requests, approvals, deployments).
//!
//! The site is out of scope, so this is evidence no control tests: the canonical kit leaves it
//! out, and the raw demo still audits exactly like it. Every record is derived from the site's
//! accounts and sign-ins in the canonical kit, without randomness.
//! Shapes: Microsoft Graph v1.0 (`user`, `directoryAudit`, `accessReviewScheduleDefinition`,
//! `accessReviewInstance`, `accessReviewInstanceDecisionItem`, `servicePrincipal` resources,
//! learn.microsoft.com/graph/api/resources/), GitLab REST v4 (merge requests, merge request
//! approvals, deployments; docs.gitlab.com/api/).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::{Row, get, okta_time, ts, write_json};

const GRAPH: &str = "https://graph.microsoft.com/v1.0/$metadata";
const PROJECT: &str = "northpeak-marketing/wordpress-site";
const PROJECT_ID: u64 = 4_182_736;

/// A GUID made from `n` and a salt, the way Entra ids look.
fn guid(salt: u64, n: u64) -> String {
    let mut x = salt ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    let y = x.wrapping_mul(0x94d0_49bb_1331_11eb) ^ (x >> 29);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (y >> 52) & 0xfff,
        y & 0xffff_ffff_ffff
    )
}

fn sha(n: u64) -> String {
    let a = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    let b = a.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!("{a:016x}{b:016x}{:08x}", (a ^ b) as u32)
}

fn page(context: &str, value: Vec<Value>) -> Value {
    json!({"@odata.context": format!("{GRAPH}#{context}"), "value": value})
}

/// Writes the Entra and GitLab exports of the marketing site; `accounts` are its accounts,
/// `logins` its sign-ins, `owner` the email of its owner.
pub(super) fn marketing_site(
    dir: &Path,
    config: &mut String,
    accounts: &[Row],
    logins: &[Row],
    owner: &str,
) -> io::Result<()> {
    let people: Vec<&str> = accounts
        .iter()
        .filter_map(|a| get(a, "person_id"))
        .collect();
    let users: Vec<(String, &str)> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (guid(0xe17a, i as u64), *p))
        .collect();
    let created: Vec<Option<String>> = accounts
        .iter()
        .map(|a| get(a, "created_at").map(okta_time))
        .collect();

    // Users: GET /users?$select=id,userPrincipalName,mail,accountEnabled,createdDateTime
    let value: Vec<Value> = users
        .iter()
        .zip(&created)
        .map(|((id, mail), c)| {
            json!({"id": id, "userPrincipalName": mail, "mail": mail, "accountEnabled": true, "createdDateTime": c})
        })
        .collect();
    write_json(
        dir,
        "exports/marketing-site/entra-users-001.json",
        &page(
            "users(id,userPrincipalName,mail,accountEnabled,createdDateTime)",
            value,
        ),
    )?;

    // Directory audits: each month one editor's sessions revoked after a password reset.
    let mut months: Vec<String> = logins
        .iter()
        .filter_map(|l| get(l, "at"))
        .map(|t| ts(t).strftime("%Y-%m").to_string())
        .collect();
    months.dedup();
    let admin = guid(0xad31, 0);
    for (m, month) in months.iter().enumerate() {
        let Some((id, mail)) = users.get(m % users.len().max(1)) else {
            break;
        };
        let record = json!({
            "id": format!("Directory_{}", guid(0xa0d1, m as u64)),
            "category": "UserManagement",
            "correlationId": guid(0xc0e1, m as u64),
            "result": "success",
            "resultReason": "",
            "activityDisplayName": "Update StsRefreshTokenValidFrom Timestamp",
            "activityDateTime": format!("{month}-10T15:04:05.1234567Z"),
            "loggedByService": "Core Directory",
            "operationType": "Update",
            "initiatedBy": {"app": null, "user": {"id": admin, "displayName": null, "userPrincipalName": owner, "ipAddress": "", "userType": null}},
            "targetResources": [{"id": id, "displayName": null, "type": "User", "userPrincipalName": mail, "groupType": null, "modifiedProperties": [{"displayName": "StsRefreshTokensValidFrom", "oldValue": "[]", "newValue": format!("[\"{month}-10T15:04:05Z\"]")}]}],
            "additionalDetails": []
        });
        write_json(
            dir,
            &format!("exports/marketing-site/entra-directory-audits-{month}.json"),
            &page("auditLogs/directoryAudits", vec![record]),
        )?;
    }

    // Access reviews: a quarterly review of the site's editors, every editor kept.
    let def = guid(0xdef0, 1);
    let reviewer = guid(0x5e71, 7);
    write_json(
        dir,
        "exports/marketing-site/entra-access-reviews-definitions.json",
        &page(
            "identityGovernance/accessReviews/definitions",
            vec![json!({
                "id": def,
                "displayName": "Quarterly review of the marketing site's editors",
                "status": "InProgress",
                "createdDateTime": "2025-12-15T14:00:00.000Z",
                "lastModifiedDateTime": "2025-12-15T14:00:00.000Z",
                "descriptionForAdmins": "Editors of the marketing site (WordPress SSO)",
                "createdBy": {"id": reviewer, "displayName": owner, "userPrincipalName": owner},
                "scope": {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/9f1d2b37-5c1e-4d4b-9a55-0e4f3c2a1b77/transitiveMembers", "queryType": "MicrosoftGraph"}
            })],
        ),
    )?;
    let quarters = [
        ("2026-01-05", "2026-01-19"),
        ("2026-04-06", "2026-04-20"),
        ("2026-07-06", "2026-07-20"),
    ];
    let mut instances = Vec::new();
    for (q, (start, end)) in quarters.iter().enumerate() {
        let inst = guid(0x1257, q as u64);
        instances.push(json!({
            "id": inst,
            "startDateTime": format!("{start}T14:00:00Z"),
            "endDateTime": format!("{end}T14:00:00Z"),
            "status": "Completed",
            "scope": {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/9f1d2b37-5c1e-4d4b-9a55-0e4f3c2a1b77/transitiveMembers", "queryType": "MicrosoftGraph"}
        }));
        let decisions: Vec<Value> = users
            .iter()
            .enumerate()
            .map(|(k, (id, mail))| {
                let at = format!("{end}T1{}:{:02}:00Z", k % 8, (k * 7) % 60);
                json!({
                    "id": guid(0xdec1 + q as u64, k as u64),
                    "accessReviewId": inst,
                    "reviewedBy": {"id": reviewer, "displayName": owner, "userPrincipalName": owner},
                    "reviewedDateTime": at,
                    "decision": "Approve",
                    "justification": "Still edits the site",
                    "appliedBy": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""},
                    "appliedDateTime": null,
                    "applyResult": "New",
                    "recommendation": "Approve",
                    "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": id, "displayName": mail, "userPrincipalName": mail}
                })
            })
            .collect();
        write_json(
            dir,
            &format!(
                "exports/marketing-site/entra-access-reviews-decisions-{}.json",
                q + 1
            ),
            &page(
                &format!(
                    "identityGovernance/accessReviews/definitions('{def}')/instances('{inst}')/decisions"
                ),
                decisions,
            ),
        )?;
    }
    write_json(
        dir,
        "exports/marketing-site/entra-access-reviews-instances.json",
        &page(
            &format!("identityGovernance/accessReviews/definitions('{def}')/instances"),
            instances,
        ),
    )?;

    // The site's single sign-on app: its service principal with its client secret.
    let app_id = guid(0xa99, 3);
    write_json(
        dir,
        "exports/marketing-site/entra-service-principals.json",
        &page(
            "servicePrincipals(owners())",
            vec![json!({
                "id": guid(0x5e9, 3),
                "appId": app_id,
                "displayName": "Marketing site WordPress SSO",
                "accountEnabled": true,
                "createdDateTime": "2024-05-21T13:40:12Z",
                "appOwnerOrganizationId": guid(0x7e4a, 0),
                "servicePrincipalType": "Application",
                "signInAudience": "AzureADMyOrg",
                "passwordCredentials": [{"customKeyIdentifier": null, "displayName": "wp-sso", "endDateTime": "2026-11-21T13:40:12Z", "hint": "Qx7", "keyId": guid(0x5ec, 3), "secretText": null, "startDateTime": "2025-05-21T13:40:12Z"}],
                "keyCredentials": [],
                "owners": [{"@odata.type": "#microsoft.graph.user", "id": reviewer, "userPrincipalName": owner, "mail": owner}]
            })],
        ),
    )?;
    config.push_str("\n# The marketing site's editors: its Microsoft Entra ID tenant through Microsoft Graph: users (GET /users?$select=id,userPrincipalName,mail,accountEnabled,createdDateTime), directory audits (GET /auditLogs/directoryAudits, monthly), access reviews (definitions, instances, decisions) and its SSO app (GET /servicePrincipals?$expand=owners).\n[[sources]]\nadapter = \"entra-users\"\npath = \"exports/marketing-site/entra-users-*.json\"\nsystem_id = \"marketing-site\"\n");
    if !months.is_empty() && !users.is_empty() {
        config.push_str("\n[[sources]]\nadapter = \"entra-audit\"\npath = \"exports/marketing-site/entra-directory-audits-*.json\"\nsystem_id = \"marketing-site\"\n");
    }
    config.push_str("\n[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"exports/marketing-site/entra-access-reviews-*.json\"\nsystem_id = \"marketing-site\"\n\n[[sources]]\nadapter = \"entra-apps\"\npath = \"exports/marketing-site/entra-service-principals.json\"\nsystem_id = \"marketing-site\"\n");
    gitlab(dir, config, logins)
}

/// The site's code: a merge request after every sixth sign-in, approved by the next editor who
/// signed in, merged the next day and deployed an hour later.
fn gitlab(dir: &Path, config: &mut String, logins: &[Row]) -> io::Result<()> {
    let user = |name: &str, id: u64| json!({"id": id, "username": name, "name": name, "state": "active", "web_url": format!("https://gitlab.com/{name}")});
    let mut ids: HashMap<&str, u64> = HashMap::new();
    let mut mrs = Vec::new();
    let mut approvals = String::new();
    let mut deployments = Vec::new();
    let day = jiff::SignedDuration::from_hours(24);
    for (k, l) in logins.iter().enumerate().filter(|(k, _)| k % 6 == 0) {
        let Some(author) = get(l, "account_id") else {
            continue;
        };
        let Some(approver) = logins[k..]
            .iter()
            .filter_map(|o| get(o, "account_id"))
            .find(|a| *a != author)
        else {
            continue;
        };
        let next = ids.len() as u64;
        let author_id = *ids.entry(author).or_insert(9_100_000 + next);
        let next = ids.len() as u64;
        let approver_id = *ids.entry(approver).or_insert(9_100_000 + next);
        let iid = 100 + k as u64 / 6;
        let created = ts(get(l, "at").unwrap_or_default());
        let approved = created + jiff::SignedDuration::from_hours(20);
        let merged = created + day;
        let deployed = merged + jiff::SignedDuration::from_hours(1);
        let t = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let (head, merge) = (sha(iid * 2), sha(iid * 2 + 1));
        let url = format!("https://gitlab.com/{PROJECT}/-/merge_requests/{iid}");
        let title = format!("Update landing page content ({iid})");
        mrs.push(json!({
            "id": 310_000_000 + iid, "iid": iid, "project_id": PROJECT_ID,
            "title": title, "description": "Copy and image updates for the campaign.",
            "state": "merged", "created_at": t(created), "updated_at": t(merged),
            "merged_by": user(author, author_id), "merge_user": user(author, author_id),
            "merged_at": t(merged), "closed_by": null, "closed_at": null,
            "target_branch": "main", "source_branch": format!("content/update-{iid}"),
            "author": user(author, author_id), "draft": false, "merge_when_pipeline_succeeds": false,
            "sha": head, "merge_commit_sha": merge, "squash_commit_sha": null,
            "references": {"short": format!("!{iid}"), "relative": format!("!{iid}"), "full": format!("{PROJECT}!{iid}")},
            "web_url": url
        }));
        let approval = json!({
            "id": 310_000_000 + iid, "iid": iid, "project_id": PROJECT_ID,
            "title": title, "description": "Copy and image updates for the campaign.",
            "state": "merged", "created_at": t(created), "updated_at": t(approved),
            "merge_status": "can_be_merged", "approved": true,
            "approvals_required": 1, "approvals_left": 0, "require_password_to_approve": false,
            "approved_by": [{"user": user(approver, approver_id)}],
            "suggested_approvers": [], "approvers": [], "approver_groups": [],
            "user_has_approved": false, "user_can_approve": false, "approval_rules_left": [], "has_approval_rules": true
        });
        let mut text = serde_json::to_string_pretty(&approval).map_err(io::Error::other)?;
        text.push('\n');
        approvals.push_str(&text);
        let pipeline = 1_200_000_000 + iid;
        deployments.push(json!({
            "id": 700_000 + iid, "iid": iid - 99, "ref": "main", "sha": merge,
            "created_at": t(merged), "updated_at": t(deployed), "status": "success",
            "user": user(author, author_id),
            "environment": {"id": 81_234, "name": "production", "external_url": "https://www.northpeak.io"},
            "deployable": {
                "id": 8_000_000_000 + iid, "status": "success", "stage": "deploy", "name": "deploy:production",
                "ref": "main", "tag": false, "created_at": t(merged), "started_at": t(merged), "finished_at": t(deployed),
                "commit": {"id": merge, "short_id": &merge[..8], "title": title, "web_url": format!("https://gitlab.com/{PROJECT}/-/commit/{merge}")},
                "pipeline": {"id": pipeline, "sha": merge, "ref": "main", "status": "success", "web_url": format!("https://gitlab.com/{PROJECT}/-/pipelines/{pipeline}")}
            }
        }));
    }
    if mrs.is_empty() {
        return Ok(());
    }
    write_json(
        dir,
        "exports/marketing-site/gitlab-merge-requests.json",
        &Value::Array(mrs),
    )?;
    std::fs::write(
        dir.join("exports/marketing-site/gitlab-approvals.json"),
        approvals,
    )?;
    write_json(
        dir,
        "exports/marketing-site/gitlab-deployments.json",
        &Value::Array(deployments),
    )?;
    let _ = write!(
        config,
        "\n# The marketing site's code on GitLab: merge requests (GET /projects/:id/merge_requests?state=merged), their approvals (one response per merge request, concatenated) and deployments (GET /projects/:id/deployments).\n[[sources]]\nadapter = \"gitlab\"\npath = \"exports/marketing-site/gitlab-*.json\"\nsystem_id = \"marketing-site\"\n"
    );
    Ok(())
}
