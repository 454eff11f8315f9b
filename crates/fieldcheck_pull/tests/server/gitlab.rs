//! A small GitLab project (`acme/api`, id 42) served as the GitLab REST v4 API documents it, for
//! the collector's tests.
//!
//! Shapes, trimmed to the documented fields that matter but otherwise as documented:
//! merge requests as in "List project merge requests" (https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests),
//! approvals as in "Get configuration" of a merge request (`GET /projects/:id/merge_requests/:iid/approvals`,
//! https://docs.gitlab.com/api/merge_request_approvals/#get-configuration-1),
//! deployments as in "List project deployments" (https://docs.gitlab.com/api/deployments/#list-project-deployments),
//! pipelines as in "List project pipelines" (https://docs.gitlab.com/api/pipelines/#list-project-pipelines),
//! offset paging with `Link`, `X-Next-Page`, `X-Page`, `X-Per-Page` as in https://docs.gitlab.com/api/rest/#pagination,
//! the `401 Unauthorized` and `insufficient_scope` answers as in
//! https://docs.gitlab.com/api/rest/troubleshooting/#status-codes, and `429` with `Retry-After` as
//! in https://docs.gitlab.com/security/rate_limits/.
//!
//! The story: MR !3 (ACME-31, by dana, approved by erin) is deployed to production as
//! deployment 41; MR !4 (no ticket, by erin, no approval) is deployed as 42; deployment 43 failed;
//! MR !5 is open.

#![allow(dead_code)]

use super::{Once, Reply, Request};

/// Faults the project shows, once each.
#[derive(Default)]
pub struct Faults {
    /// The approvals of !4 answer `429` with `Retry-After` once.
    pub rate_limit_approvals: bool,
    /// The deployments answer `500` once.
    pub server_error_deployments: bool,
    /// Every request answers `401` (an expired or revoked token).
    pub expired: bool,
    /// Every request answers `403 insufficient_scope` (a token with `read_repository` only).
    pub no_read_api: bool,
}

const WEB: &str = "https://gitlab.example.com";

fn user(username: &str, id: u32) -> String {
    format!(
        r#"{{"id":{id},"username":"{username}","name":"{username}","state":"active","locked":false,"avatar_url":null,"web_url":"{WEB}/{username}"}}"#
    )
}

#[allow(clippy::too_many_arguments)]
fn mr(
    iid: u32,
    state: &str,
    title: &str,
    author: &str,
    branch: &str,
    created: &str,
    merged: Option<&str>,
    sha: &str,
    merge_sha: &str,
) -> String {
    let merged_at = merged.map_or("null".to_string(), |m| format!("\"{m}\""));
    let merge_sha = if merge_sha.is_empty() {
        "null".to_string()
    } else {
        format!("\"{merge_sha}\"")
    };
    format!(
        r#"{{"id":{id},"iid":{iid},"project_id":42,"title":"{title}","description":"","state":"{state}","created_at":"{created}","updated_at":"{created}","merged_by":null,"merge_user":null,"merged_at":{merged_at},"closed_by":null,"closed_at":null,"target_branch":"main","source_branch":"{branch}","user_notes_count":1,"upvotes":0,"downvotes":0,"author":{a},"assignees":[],"reviewers":[],"source_project_id":42,"target_project_id":42,"labels":[],"draft":false,"work_in_progress":false,"milestone":null,"merge_when_pipeline_succeeds":false,"merge_status":"can_be_merged","detailed_merge_status":"mergeable","sha":"{sha}","merge_commit_sha":{merge_sha},"squash_commit_sha":null,"discussion_locked":null,"should_remove_source_branch":true,"force_remove_source_branch":false,"reference":"!{iid}","references":{{"short":"!{iid}","relative":"!{iid}","full":"acme/api!{iid}"}},"web_url":"{WEB}/acme/api/-/merge_requests/{iid}","time_stats":{{"time_estimate":0,"total_time_spent":0,"human_time_estimate":null,"human_total_time_spent":null}},"squash":false,"task_completion_status":{{"count":0,"completed_count":0}},"has_conflicts":false,"blocking_discussions_resolved":true}}"#,
        id = 1000 + iid,
        a = user(author, author.len() as u32),
    )
}

/// The merge requests' pages (two, then one).
pub fn mr_pages() -> Vec<String> {
    vec![
        format!(
            "[{},{}]",
            mr(
                3,
                "merged",
                "ACME-31 limit the login rate",
                "dana",
                "acme-31-rate",
                "2026-10-01T09:00:00.000Z",
                Some("2026-10-02T10:00:00.000Z"),
                "a3000000000000000000000000000000000000a3",
                "c3000000000000000000000000000000000000c3",
            ),
            mr(
                4,
                "merged",
                "bump the version",
                "erin",
                "bump",
                "2026-10-05T09:00:00.000Z",
                Some("2026-10-05T09:30:00.000Z"),
                "a4000000000000000000000000000000000000a4",
                "c4000000000000000000000000000000000000c4",
            )
        ),
        format!(
            "[{}]",
            mr(
                5,
                "opened",
                "ACME-40 draft",
                "dana",
                "acme-40",
                "2026-11-05T09:00:00.000Z",
                None,
                "a5000000000000000000000000000000000000a5",
                "",
            )
        ),
    ]
}

/// The approvals of !`iid`.
pub fn approvals(iid: u32) -> String {
    let by = match iid {
        3 => format!(r#"[{{"user":{}}}]"#, user("erin", 4)),
        _ => "[]".into(),
    };
    format!(
        r#"{{"id":{id},"iid":{iid},"project_id":42,"title":"","description":"","state":"merged","created_at":"2026-10-01T09:00:00.000Z","updated_at":"2026-10-01T15:00:00.000Z","merge_status":"can_be_merged","approved":{approved},"approvals_required":0,"approvals_left":0,"require_password_to_approve":false,"approved_by":{by},"suggested_approvers":[],"approvers":[],"approver_groups":[],"user_has_approved":false,"user_can_approve":false,"approval_rules_left":[],"has_approval_rules":false,"merge_request_approvers_available":false,"multiple_approval_rules_available":false}}"#,
        id = 1000 + iid,
        approved = iid == 3,
    )
}

fn deployment(id: u32, status: &str, sha: &str, username: &str, finished: &str) -> String {
    format!(
        r#"{{"created_at":"{finished}","deployable":{{"commit":{{"author_email":"admin@example.com","author_name":"Administrator","created_at":"{finished}","id":"{sha}","message":"Merge branch","short_id":"{short}","title":"Merge branch","web_url":"{WEB}/acme/api/-/commit/{sha}"}},"coverage":null,"created_at":"{finished}","finished_at":"{finished}","id":{job},"name":"deploy","ref":"main","runner":null,"stage":"deploy","started_at":"{finished}","status":"{status}","tag":false,"project":{{"ci_job_token_scope_enabled":false}},"user":{u},"pipeline":{{"created_at":"{finished}","id":{pipe},"ref":"main","sha":"{sha}","status":"{status}","updated_at":"{finished}","web_url":"{WEB}/acme/api/-/pipelines/{pipe}"}}}},"environment":{{"external_url":"https://api.acme.example","id":9,"name":"production"}},"id":{id},"iid":{iid},"ref":"main","sha":"{sha}","status":"{status}","updated_at":"{finished}","user":{u}}}"#,
        short = &sha[..8],
        job = 500 + id,
        pipe = 600 + id,
        iid = id - 40,
        u = user(username, username.len() as u32),
    )
}

/// The deployments page.
pub fn deployments_page() -> String {
    format!(
        "[{},{},{}]",
        deployment(
            41,
            "success",
            "c3000000000000000000000000000000000000c3",
            "dana",
            "2026-10-02T11:00:00.000Z"
        ),
        deployment(
            42,
            "success",
            "c4000000000000000000000000000000000000c4",
            "erin",
            "2026-10-05T10:00:00.000Z"
        ),
        deployment(
            43,
            "failed",
            "c4000000000000000000000000000000000000c4",
            "erin",
            "2026-10-05T09:50:00.000Z"
        ),
    )
}

/// The pipelines page.
pub fn pipelines_page() -> String {
    format!(
        r#"[{{"id":641,"iid":12,"project_id":42,"status":"success","source":"push","ref":"main","sha":"c3000000000000000000000000000000000000c3","web_url":"{WEB}/acme/api/-/pipelines/641","created_at":"2026-10-02T10:01:00.000Z","updated_at":"2026-10-02T11:00:00.000Z"}},{{"id":642,"iid":13,"project_id":42,"status":"success","source":"push","ref":"main","sha":"c4000000000000000000000000000000000000c4","web_url":"{WEB}/acme/api/-/pipelines/642","created_at":"2026-10-05T09:31:00.000Z","updated_at":"2026-10-05T10:00:00.000Z"}}]"#
    )
}

fn paged(r: Reply, page: u32, next: Option<u32>, base: &str, target: &str) -> Reply {
    let mut r = r
        .header("x-page", page.to_string())
        .header("x-per-page", "100")
        .header(
            "x-next-page",
            next.map(|n| n.to_string()).unwrap_or_default(),
        );
    if let Some(n) = next {
        let path = target.split('?').next().unwrap_or("");
        let q: Vec<&str> = target
            .split_once('?')
            .map(|x| x.1)
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.starts_with("page="))
            .collect();
        r = r.header(
            "link",
            format!(
                "<{base}{path}?{}&page={n}>; rel=\"next\", <{base}{path}?{}&page=1>; rel=\"first\"",
                q.join("&"),
                q.join("&")
            ),
        );
    }
    r
}

/// The project as a handler, the token expected in `PRIVATE-TOKEN`.
pub fn project(
    token: &'static str,
    f: Faults,
) -> impl Fn(&Request, &str) -> Reply + Send + Sync + 'static {
    let (limited, errored) = (Once::default(), Once::default());
    move |req: &Request, base: &str| {
        if f.expired || req.header("private-token") != Some(token) {
            return Reply::status(401, r#"{"message":"401 Unauthorized"}"#);
        }
        if f.no_read_api {
            return Reply::status(
                403,
                r#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}"#,
            );
        }
        let Some(rest) = req.path().strip_prefix("/api/v4/projects/acme%2Fapi/") else {
            return Reply::status(404, r#"{"message":"404 Project Not Found"}"#);
        };
        let parts: Vec<String> = rest.split('/').map(str::to_string).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let page: u32 = req.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        match parts.as_slice() {
            ["merge_requests"] => {
                let pages = mr_pages();
                match page {
                    1 => paged(Reply::json(pages[0].clone()), 1, Some(2), base, &req.target),
                    _ => paged(Reply::json(pages[1].clone()), 2, None, base, &req.target),
                }
            }
            ["merge_requests", iid, "approvals"] => {
                if limited.first(*iid == "4" && f.rate_limit_approvals) {
                    return Reply::status(429, "Retry later")
                        .header("retry-after", "1")
                        .header("ratelimit-limit", "2000")
                        .header("ratelimit-remaining", "0");
                }
                Reply::json(approvals(iid.parse().unwrap_or(0)))
            }
            ["deployments"] => {
                if errored.first(f.server_error_deployments) {
                    return Reply::status(500, r#"{"message":"500 Internal Server Error"}"#);
                }
                paged(Reply::json(deployments_page()), 1, None, base, &req.target)
            }
            ["pipelines"] => paged(Reply::json(pipelines_page()), 1, None, base, &req.target),
            _ => Reply::status(404, r#"{"message":"404 Not found"}"#),
        }
    }
}
