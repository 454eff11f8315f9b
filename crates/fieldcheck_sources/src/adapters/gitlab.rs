//! GitLab: merge requests, their approvals and deployments (REST v4 as returned).

use std::collections::HashMap;

use fieldcheck_kit::{Diagnostic, Kind};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::common::{Counts, Environments, Tickets, note, s, time};
use crate::emit::Emitter;
use crate::read::{At, bad_json, json_file, parse_record};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `gitlab`.
pub(crate) static GITLAB: Adapter = Adapter {
    spec: &Spec {
        name: "gitlab",
        system: "GitLab",
        reads: "GitLab REST v4 responses as returned, in any mix of files: merge requests (`GET /projects/:id/merge_requests` pages or single MRs), MR approvals (`/merge_requests/:iid/approvals`) and deployments (`GET /projects/:id/deployments`)",
        produces: &[Kind::PullRequests, Kind::PrReviews, Kind::Deploys],
        needs_system: true,
        containers: &[],
        options: &[
            OptSpec {
                name: "project",
                ty: OptTy::Str,
                help: "the project path (`group/project`) all records belong to; default: read from `references.full` or `web_url`",
            },
            OptSpec {
                name: "environments",
                ty: OptTy::Map,
                help: "GitLab environment name → `production`, `staging` or `development`, stated as each deploy's `environment`; a name not mapped is left to the change-management control's `production_environments` (by default, names containing `prod` are production), and every deploy keeps its `environment_name`",
            },
            OptSpec {
                name: "ticket_pattern",
                ty: OptTy::Str,
                help: "the ticket key looked for in the deployed MR's title, then source branch, then description; default `[A-Z][A-Z0-9]+-[0-9]+`",
            },
        ],
        example: "[[sources]]\nadapter = \"gitlab\"\npath = \"exports/gitlab/*.json\"\nsystem_id = \"api\"\nproject = \"acme/api\"",
    },
    run,
};

#[derive(Deserialize, Default)]
struct User {
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize, Default)]
struct References {
    #[serde(default)]
    full: Option<String>,
}

#[derive(Deserialize)]
struct Mr {
    iid: u64,
    #[serde(default)]
    project_id: Option<u64>,
    #[serde(default)]
    author: Option<User>,
    #[serde(default)]
    created_at: Value,
    #[serde(default)]
    merged_at: Value,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    squash_commit_sha: Option<String>,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    references: Option<References>,
    #[serde(default)]
    web_url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    source_branch: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct Approver {
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    approved_at: Value,
}

#[derive(Deserialize)]
struct Approvals {
    #[serde(default)]
    iid: Option<u64>,
    #[serde(default)]
    project_id: Option<u64>,
    #[serde(default)]
    approved_by: Vec<Approver>,
    #[serde(default)]
    updated_at: Value,
}

#[derive(Deserialize, Default)]
struct Named {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct Linked {
    #[serde(default)]
    web_url: Option<String>,
}

#[derive(Deserialize, Default)]
struct Deployable {
    #[serde(default)]
    finished_at: Value,
    #[serde(default)]
    pipeline: Option<Linked>,
    #[serde(default)]
    commit: Option<Linked>,
}

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    updated_at: Value,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    environment: Option<Named>,
    #[serde(default)]
    deployable: Option<Deployable>,
}

/// The project path in a GitLab web URL (`https://gitlab.com/group/sub/proj/-/merge_requests/12`
/// gives `group/sub/proj`), also in the form without `/-/` that GitLab's API docs print
/// (`http://gitlab.dev/root/project/pipelines/12` gives `root/project`).
fn project_from_url(u: &str) -> Option<String> {
    let rest = u.split_once("://").map_or(u, |x| x.1);
    let (_, path) = rest.split_once('/')?;
    let p = match path.split_once("/-/") {
        Some((p, _)) => p,
        None => {
            let (head, _) = path.trim_end_matches('/').rsplit_once('/')?;
            let (p, kind) = head.rsplit_once('/')?;
            if !matches!(kind, "pipelines" | "commit" | "merge_requests" | "jobs") {
                return None;
            }
            p
        }
    };
    (!p.is_empty()).then(|| p.to_string())
}

struct MrRec {
    at: At,
    pr_id: String,
    project: String,
    author: Option<String>,
    created: Option<Timestamp>,
    merged: Option<Timestamp>,
    merge_sha: Option<String>,
    squash_sha: Option<String>,
    head_sha: Option<String>,
    title: Option<String>,
    branch: Option<String>,
    body: Option<String>,
}

struct ApprovalRec {
    at: At,
    project: Option<String>,
    project_id: Option<u64>,
    iid: u64,
    reviewer: Option<String>,
    when: Option<Timestamp>,
}

struct DepRec {
    at: At,
    id: u64,
    project: Option<String>,
    sha: Option<String>,
    env: String,
    user: Option<String>,
    when: Timestamp,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let envs = Environments::new(input, em);
    let tickets = Tickets::new(input, em);
    let opt_project = input.options.str("project").map(str::to_string);
    let mut mrs: Vec<MrRec> = Vec::new();
    let mut mr_index: HashMap<String, usize> = HashMap::new();
    let mut paths: HashMap<u64, String> = HashMap::new();
    let mut approvals: Vec<ApprovalRec> = Vec::new();
    let mut deps: Vec<DepRec> = Vec::new();
    let mut not_success = Counts::default();
    let mut unknown = Counts::default();
    for f in input.files {
        json_file(input, f, em, &mut |el, at, em| {
            let obj: Map<String, Value> = match serde_json::from_slice(el.bytes) {
                Ok(o) => o,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            if obj.contains_key("approved_by") {
                let Some(a) = parse_record::<Approvals>(input, em, el.bytes, at) else {
                    return;
                };
                let Some(iid) = a.iid else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the approvals response has no `iid`",
                        "approvals are linked to their merge request by `project_id` and `iid`; they were skipped",
                    );
                    return;
                };
                let updated = time(input, em, at, "updated_at", &a.updated_at);
                for (i, ap) in a.approved_by.into_iter().enumerate() {
                    let aat = At {
                        file: at.file.clone(),
                        line: at.line,
                        path: Some(format!("{}.approved_by[{i}]", at.path().unwrap_or("$"))),
                    };
                    let when = time(input, em, &aat, "approved_at", &ap.approved_at).or(updated);
                    approvals.push(ApprovalRec {
                        at: aat,
                        project: opt_project.clone(),
                        project_id: a.project_id,
                        iid,
                        reviewer: ap.user.and_then(|u| u.username),
                        when,
                    });
                }
            } else if obj.contains_key("sha")
                && obj.contains_key("environment")
                && obj.contains_key("status")
            {
                let Some(d) = parse_record::<Deployment>(input, em, el.bytes, at) else {
                    return;
                };
                let status = d
                    .status
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                match status.as_str() {
                    "success" => {}
                    "created" | "running" | "failed" | "canceled" | "skipped" | "blocked" => {
                        not_success.add(status);
                        return;
                    }
                    // The status decides whether a deploy happened.
                    other => {
                        super::common::unknown_value(
                            em,
                            at,
                            "status",
                            other,
                            "GitLab deployment statuses are created, running, success, failed, canceled, skipped and blocked",
                        );
                        return;
                    }
                }
                let dep = d.deployable.unwrap_or_default();
                let when = time(input, em, at, "deployable.finished_at", &dep.finished_at)
                    .or_else(|| time(input, em, at, "updated_at", &d.updated_at));
                let Some(when) = when else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        format!(
                            "deployment {} has no `deployable.finished_at` or `updated_at`",
                            d.id
                        ),
                        "the deployment was skipped",
                    );
                    return;
                };
                let project = opt_project.clone().or_else(|| {
                    [&dep.pipeline, &dep.commit]
                        .into_iter()
                        .flatten()
                        .find_map(|l| l.web_url.as_deref().and_then(project_from_url))
                });
                deps.push(DepRec {
                    at: at.clone(),
                    id: d.id,
                    project,
                    sha: d.sha,
                    env: d.environment.and_then(|e| e.name).unwrap_or_default(),
                    user: d.user.and_then(|u| u.username),
                    when,
                });
            } else if obj.contains_key("iid")
                && (obj.contains_key("references")
                    || obj.contains_key("web_url")
                    || obj.contains_key("source_branch"))
            {
                let Some(m) = parse_record::<Mr>(input, em, el.bytes, at) else {
                    return;
                };
                let project = opt_project
                    .clone()
                    .or_else(|| {
                        m.references
                            .as_ref()
                            .and_then(|r| r.full.as_deref())
                            .and_then(|f| f.rsplit_once('!'))
                            .map(|x| x.0.to_string())
                            .filter(|p| !p.is_empty())
                    })
                    .or_else(|| m.web_url.as_deref().and_then(project_from_url));
                let Some(project) = project else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        format!("cannot tell which project merge request !{} belongs to", m.iid),
                        "the record has no `references.full` or `web_url`; set `project = \"group/project\"` on the source",
                    );
                    return;
                };
                if let Some(pid) = m.project_id {
                    paths.entry(pid).or_insert_with(|| project.clone());
                }
                let created = time(input, em, at, "created_at", &m.created_at);
                let merged = time(input, em, at, "merged_at", &m.merged_at);
                let pr_id = format!("{project}!{}", m.iid);
                let rec = MrRec {
                    at: at.clone(),
                    pr_id: pr_id.clone(),
                    project,
                    author: m.author.and_then(|a| a.username),
                    created,
                    merged,
                    merge_sha: m.merge_commit_sha.filter(|_| merged.is_some()),
                    squash_sha: m.squash_commit_sha.filter(|_| merged.is_some()),
                    head_sha: m.sha,
                    title: m.title,
                    branch: m.source_branch,
                    body: m.description,
                };
                match mr_index.get(&pr_id) {
                    Some(&i) => {
                        let o = &mut mrs[i];
                        o.author = o.author.take().or(rec.author);
                        o.created = o.created.or(rec.created);
                        o.merged = o.merged.or(rec.merged);
                        o.merge_sha = o.merge_sha.take().or(rec.merge_sha);
                        o.squash_sha = o.squash_sha.take().or(rec.squash_sha);
                        o.head_sha = o.head_sha.take().or(rec.head_sha);
                        o.title = o.title.take().or(rec.title);
                        o.branch = o.branch.take().or(rec.branch);
                        o.body = o.body.take().or(rec.body);
                    }
                    None => {
                        mr_index.insert(pr_id, mrs.len());
                        mrs.push(rec);
                    }
                }
            } else {
                unknown.add(at.file.shown.clone());
            }
        });
    }
    for m in &mrs {
        em.row(Kind::PullRequests, &m.at.file, m.at.line, m.at.path())
            .set("pr_id", m.pr_id.as_str())
            .set("repo", m.project.as_str())
            .set("author_id", m.author.as_deref())
            .set("created_at", m.created)
            .set("merged_at", m.merged)
            .set(
                "merge_commit_sha",
                m.merge_sha.as_deref().or(m.squash_sha.as_deref()),
            )
            .emit();
    }
    for a in &approvals {
        let project = a
            .project
            .clone()
            .or_else(|| a.project_id.and_then(|p| paths.get(&p).cloned()));
        let Some(project) = project else {
            em.bad_record(
                &a.at.file,
                a.at.line,
                a.at.path(),
                fieldcheck_kit::Code::BadValue,
                format!("cannot tell which project's merge request !{} this approval is for", a.iid),
                "include the project's merge requests in the source, or set `project = \"group/project\"`; the approval was skipped",
            );
            continue;
        };
        em.row(Kind::PrReviews, &a.at.file, a.at.line, a.at.path())
            .set("pr_id", format!("{project}!{}", a.iid))
            .set("reviewer_id", a.reviewer.as_deref())
            .set("state", "approved")
            .set("submitted_at", a.when)
            .emit();
    }
    let mut by_sha: HashMap<&str, usize> = HashMap::new();
    for pass in 0..2 {
        for (i, m) in mrs.iter().enumerate() {
            let shas: Vec<&Option<String>> = if pass == 0 {
                vec![&m.merge_sha, &m.squash_sha]
            } else {
                vec![&m.head_sha]
            };
            for sha in shas.into_iter().flatten() {
                by_sha.entry(sha.as_str()).or_insert(i);
            }
        }
    }
    let mut no_project = 0usize;
    for d in &deps {
        let mr = d
            .sha
            .as_deref()
            .and_then(|s| by_sha.get(s))
            .and_then(|&i| mrs.get(i));
        let project = d.project.clone().or_else(|| mr.map(|m| m.project.clone()));
        let deploy_id = match project {
            Some(p) => format!("{p}/deployments/{}", d.id),
            None => {
                no_project += 1;
                format!("deployments/{}", d.id)
            }
        };
        let ticket = mr.and_then(|m| {
            tickets.find(&[m.title.as_deref(), m.branch.as_deref(), m.body.as_deref()])
        });
        em.row(Kind::Deploys, &d.at.file, d.at.line, d.at.path())
            .set("deploy_id", deploy_id)
            .set("environment", envs.of(&d.env))
            .set("deployed_at", d.when)
            .set("deployer_id", d.user.as_deref())
            .set("commit_sha", d.sha.as_deref())
            .set("pr_id", mr.map(|m| m.pr_id.as_str()))
            .set("ticket_id", ticket)
            .set(
                "environment_name",
                Some(d.env.trim()).filter(|e| !e.is_empty()),
            )
            .emit();
    }
    if not_success.total() > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} deployment{} not in status `success` were not counted as deploys: {}",
                not_success.total(),
                s(not_success.total()),
                not_success.top()
            ),
            "only a successful deployment put code in the environment",
        );
    }
    if no_project > 0 {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceAssumedValue,
                format!("{no_project} deployment{} did not name their project: their deploy_id is `deployments/{{id}}`", s(no_project)),
            )
            .help("set `project = \"group/project\"` on the source"),
        );
    }
    if unknown.total() > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} record{} of a shape this adapter does not read were skipped: {}",
                unknown.total(),
                s(unknown.total()),
                unknown.top()
            ),
            "the adapter reads merge requests, MR approvals and deployments",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const MRS_1: &str = r#"[{"id": 101, "iid": 12, "project_id": 3, "title": "Rotate DB creds", "description": "Closes OPS-3", "state": "merged",
  "created_at": "2026-03-01T10:00:00.123Z", "updated_at": "2026-03-02T11:00:00.222Z", "merged_at": "2026-03-02T11:00:00.222Z",
  "author": {"id": 1, "username": "alice", "name": "Alice"}, "source_branch": "CHG-7-rotate", "target_branch": "main",
  "sha": "head12", "merge_commit_sha": "merge12", "squash_commit_sha": null,
  "references": {"short": "!12", "relative": "!12", "full": "acme/api!12"}, "web_url": "https://gitlab.com/acme/api/-/merge_requests/12"},
 {"id": 102, "iid": 13, "project_id": 3, "title": "Squash fix", "state": "merged", "created_at": "2026-03-01T12:00:00.000Z",
  "merged_at": "2026-03-02T12:00:00.000Z", "author": {"username": "bob"}, "source_branch": "fix", "sha": "head13",
  "merge_commit_sha": null, "squash_commit_sha": "squash13", "web_url": "https://gitlab.com/acme/api/-/merge_requests/13"}]"#;
    const MRS_2: &str = r#"[{"id": 103, "iid": 14, "project_id": 3, "title": "WIP", "state": "opened", "created_at": "2026-03-04T09:00:00.000Z",
  "merged_at": null, "author": {"username": "carol"}, "source_branch": "wip", "sha": "head14", "merge_commit_sha": null,
  "references": {"full": "acme/api!14"}}]
[{"id": 104, "iid": "fifteen", "project_id": 3, "web_url": "https://gitlab.com/acme/api/-/merge_requests/15"}]
"#;
    const APPROVALS: &str = r#"{"id": 101, "iid": 12, "project_id": 3, "title": "Rotate DB creds", "state": "merged", "created_at": "2026-03-01T10:00:00.123Z",
 "updated_at": "2026-03-02T10:30:00.000Z", "merge_status": "can_be_merged", "approvals_required": 1, "approvals_left": 0,
 "approved_by": [{"user": {"id": 2, "username": "bob", "name": "Bob"}}]}
{"iid": 13, "project_id": 3, "updated_at": "2026-03-03T09:00:00.000Z",
 "approved_by": [{"user": {"username": "bob"}, "approved_at": "2026-03-03T08:55:00.000Z"}, {"user": {"username": "alice"}}]}
{"iid": 5, "project_id": 99, "updated_at": "2026-03-03T09:00:00.000Z", "approved_by": [{"user": {"username": "x"}}]}
"#;
    const DEPLOYMENTS: &str = r#"[{"id": 41, "iid": 7, "ref": "main", "sha": "merge12", "status": "success",
  "created_at": "2026-03-02T11:05:00.000Z", "updated_at": "2026-03-02T11:20:00.000Z",
  "user": {"id": 9, "username": "deployer", "name": "Deploy"},
  "environment": {"id": 1, "name": "production", "external_url": "https://api.acme.com"},
  "deployable": {"id": 500, "status": "success", "stage": "deploy", "name": "deploy-prod", "ref": "main",
   "created_at": "2026-03-02T11:05:00.000Z", "started_at": "2026-03-02T11:06:00.000Z", "finished_at": "2026-03-02T11:18:30.500Z",
   "commit": {"id": "merge12"}, "pipeline": {"id": 77, "sha": "merge12", "ref": "main", "status": "success", "web_url": "https://gitlab.com/acme/api/-/pipelines/77"}}},
 {"id": 42, "iid": 8, "sha": "squash13", "status": "success", "created_at": "2026-03-03T09:50:00.000Z", "updated_at": "2026-03-03T10:00:00.000Z",
  "user": {"username": "bob"}, "environment": {"name": "review/fix"}, "deployable": null},
 {"id": 43, "iid": 9, "sha": "head14", "status": "failed", "created_at": "2026-03-04T10:00:00.000Z", "updated_at": "2026-03-04T10:01:00.000Z",
  "user": {"username": "carol"}, "environment": {"name": "production"}},
 {"id": 44, "iid": 10, "sha": "head14", "status": "blocked", "created_at": "2026-03-04T10:00:00.000Z", "updated_at": "2026-03-04T10:01:00.000Z",
  "user": {"username": "carol"}, "environment": {"name": "production"}}]"#;

    #[test]
    fn merge_requests_approvals_and_deployments() {
        let out = run(
            "[[sources]]\nadapter = \"gitlab\"\npath = \"gl/*.json\"\nsystem_id = \"api\"\nenvironments = { \"Production\" = \"production\" }",
            &[
                ("gl/mrs-1.json", MRS_1.as_bytes()),
                ("gl/mrs-2.json", MRS_2.as_bytes()),
                ("gl/approvals.json", APPROVALS.as_bytes()),
                ("gl/deployments.json", DEPLOYMENTS.as_bytes()),
            ],
        );
        let prs: Vec<String> = out.rows("pull_requests").iter().map(flat).collect();
        assert_eq!(
            prs,
            [
                "author_id=alice|created_at=2026-03-01T10:00:00.123Z|merge_commit_sha=merge12|merged_at=2026-03-02T11:00:00.222Z|pr_id=acme/api!12|repo=acme/api",
                "author_id=bob|created_at=2026-03-01T12:00:00Z|merge_commit_sha=squash13|merged_at=2026-03-02T12:00:00Z|pr_id=acme/api!13|repo=acme/api",
                "author_id=carol|created_at=2026-03-04T09:00:00Z|pr_id=acme/api!14|repo=acme/api",
            ]
        );
        let reviews: Vec<String> = out.rows("pr_reviews").iter().map(flat).collect();
        assert_eq!(
            reviews,
            [
                "pr_id=acme/api!12|reviewer_id=bob|state=approved|submitted_at=2026-03-02T10:30:00Z",
                "pr_id=acme/api!13|reviewer_id=bob|state=approved|submitted_at=2026-03-03T08:55:00Z",
                "pr_id=acme/api!13|reviewer_id=alice|state=approved|submitted_at=2026-03-03T09:00:00Z",
            ]
        );
        // Every deploy keeps its environment's name; only a name the source's `environments`
        // maps is stated as a kit environment (`review/fix` is left to the control).
        let deploys: Vec<String> = out.rows("deploys").iter().map(flat).collect();
        assert_eq!(
            deploys,
            [
                "commit_sha=merge12|deploy_id=acme/api/deployments/41|deployed_at=2026-03-02T11:18:30.5Z|deployer_id=deployer|environment=production|environment_name=production|pr_id=acme/api!12|system_id=api|ticket_id=CHG-7",
                "commit_sha=squash13|deploy_id=acme/api/deployments/42|deployed_at=2026-03-03T10:00:00Z|deployer_id=bob|environment_name=review/fix|pr_id=acme/api!13|system_id=api",
            ]
        );
        assert_eq!(
            out.codes(),
            ["bad-json", "bad-value", "source-skipped-records"]
        );
        let d = &out.diags[0];
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("gl/mrs-2.json"), Some(4))
        );
        assert_eq!(out.diags[1].line, Some(6));
        assert!(
            out.diags[2].message.contains("`blocked` ×1, `failed` ×1"),
            "{}",
            out.diags[2].message
        );
        let o = &out.origins("pr_reviews")[2];
        assert_eq!(o.path.as_deref(), Some("#2 $.approved_by[1]"));
    }

    #[test]
    fn project_paths_from_web_urls() {
        assert_eq!(
            super::project_from_url("https://gitlab.com/g/sub/p/-/merge_requests/3").as_deref(),
            Some("g/sub/p")
        );
        assert_eq!(super::project_from_url("https://gitlab.com/g/p"), None);
        // The legacy form GitLab's API docs print, without `/-/`.
        assert_eq!(
            super::project_from_url("http://gitlab.dev/root/project/pipelines/12").as_deref(),
            Some("root/project")
        );
        assert_eq!(
            super::project_from_url("https://gitlab.com/g/sub/p/commit/a91957a8").as_deref(),
            Some("g/sub/p")
        );
        assert_eq!(
            super::project_from_url("https://gitlab.com/g/p/issues/3"),
            None
        );
    }

    /// "Get a specific deployment", the example response of GitLab's Deployments API docs,
    /// https://docs.gitlab.com/ee/api/deployments.html#get-a-specific-deployment
    /// (gitlabhq/gitlabhq, `doc/api/deployments.md`): its pipeline's `web_url` has no `/-/`.
    const DOC_DEPLOYMENT: &str = r#"{
  "id": 42,
  "iid": 2,
  "ref": "main",
  "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
  "created_at": "2016-08-11T11:32:35.444Z",
  "updated_at": "2016-08-11T11:34:01.123Z",
  "status": "success",
  "user": {
    "name": "Administrator",
    "username": "root",
    "id": 1,
    "state": "active",
    "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon",
    "web_url": "http://localhost:3000/root"
  },
  "environment": {
    "id": 9,
    "name": "production",
    "external_url": "https://about.gitlab.com"
  },
  "deployable": {
    "id": 664,
    "status": "success",
    "stage": "deploy",
    "name": "deploy",
    "ref": "main",
    "tag": false,
    "coverage": null,
    "created_at": "2016-08-11T11:32:24.456Z",
    "started_at": null,
    "finished_at": "2016-08-11T11:32:35.145Z",
    "project": {
      "ci_job_token_scope_enabled": false
    },
    "user": {
      "id": 1,
      "name": "Administrator",
      "username": "root",
      "state": "active",
      "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon",
      "web_url": "http://gitlab.dev/root",
      "created_at": "2015-12-21T13:14:24.077Z",
      "bio": null,
      "location": null,
      "skype": "",
      "linkedin": "",
      "twitter": "",
      "website_url": "",
      "organization": ""
    },
    "commit": {
      "id": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
      "short_id": "a91957a8",
      "title": "Merge branch 'rename-readme' into 'main'\r",
      "author_name": "Administrator",
      "author_email": "admin@example.com",
      "created_at": "2016-08-11T13:28:26.000+02:00",
      "message": "Merge branch 'rename-readme' into 'main'\r\n\r\nRename README\r\n\r\n\r\n\r\nSee merge request !2"
    },
    "pipeline": {
      "created_at": "2016-08-11T07:43:52.143Z",
      "id": 42,
      "ref": "main",
      "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
      "status": "success",
      "updated_at": "2016-08-11T07:43:52.143Z",
      "web_url": "http://gitlab.dev/root/project/pipelines/5"
    },
    "runner": null
  }
}"#;

    /// "Get configuration for a single merge request", the example response of GitLab's Merge
    /// request approvals API docs,
    /// https://docs.gitlab.com/ee/api/merge_request_approvals.html#get-configuration-1
    /// (gitlabhq/gitlabhq, `doc/api/merge_request_approvals.md`).
    const DOC_APPROVALS: &str = r#"{
  "id": 5,
  "iid": 5,
  "project_id": 1,
  "title": "Approvals API",
  "description": "Test",
  "state": "opened",
  "created_at": "2016-06-08T00:19:52.638Z",
  "updated_at": "2016-06-08T21:20:42.470Z",
  "merge_status": "cannot_be_merged",
  "approvals_required": 2,
  "approvals_left": 1,
  "approved_by": [
    {
      "user": {
        "name": "Administrator",
        "username": "root",
        "id": 1,
        "state": "active",
        "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80\u0026d=identicon",
        "web_url": "http://localhost:3000/root"
      }
    }
  ]
}"#;

    #[test]
    fn documented_deployment_and_approvals_are_read_as_printed() {
        let block = "[[sources]]\nadapter = \"gitlab\"\npath = \"gl/*.json\"\nsystem_id = \"api\"";
        let files: &[(&str, &[u8])] = &[
            ("gl/approvals.json", DOC_APPROVALS.as_bytes()),
            ("gl/deployment.json", DOC_DEPLOYMENT.as_bytes()),
        ];
        let out = run(block, files);
        // The project comes from the pipeline's web URL in the form the docs print.
        let rows: Vec<String> = out.rows("deploys").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "commit_sha=a91957a858320c0e17f3a0eca7cfacbff50ea29a|deploy_id=root/project/deployments/42|deployed_at=2016-08-11T11:32:35.145Z|deployer_id=root|environment_name=production|system_id=api"
            ]
        );
        // The approval names its project only by id, and no merge request of the export has
        // that id: an error on its line, never a guessed project.
        assert!(out.rows("pr_reviews").is_empty());
        assert_eq!(out.codes(), ["bad-value"], "{:?}", out.diags);
        assert!(out.diags[0].message.contains("merge request !5"));
        // With the project named, the approval is read, at the response's `updated_at`.
        let out = run(&format!("{block}\nproject = \"root/project\""), files);
        let rows: Vec<String> = out.rows("pr_reviews").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "pr_id=root/project!5|reviewer_id=root|state=approved|submitted_at=2016-06-08T21:20:42.47Z"
            ]
        );
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }
}
