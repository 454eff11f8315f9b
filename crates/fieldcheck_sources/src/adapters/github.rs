//! GitHub: pull requests, their reviews and check runs, deployments and their statuses
//! (REST v3 as returned), and org-member exports for identities.

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

/// `github`.
pub(crate) static GITHUB: Adapter = Adapter {
    spec: &Spec {
        name: "github",
        system: "GitHub",
        reads: "GitHub REST responses as returned, in any mix of files: pull requests (`GET /repos/{owner}/{repo}/pulls` pages or single PRs), reviews (`…/pulls/{n}/reviews`), check runs (`…/commits/{sha}/check-runs`), deployments (`…/deployments`) and their statuses (`…/deployments/{id}/statuses`), bundles `{\"pull\", \"reviews\", \"check_runs\", \"deployments\"}`, and org-member exports with `login` and `email` (GraphQL `membersWithRole`)",
        produces: &[
            Kind::PullRequests,
            Kind::PrReviews,
            Kind::Deploys,
            Kind::Identities,
        ],
        needs_system: true,
        containers: &[],
        options: &[
            OptSpec {
                name: "repo",
                ty: OptTy::Str,
                help: "the repository (`owner/name`) all records belong to; default: read from `base.repo.full_name` or the records' API URLs",
            },
            OptSpec {
                name: "environments",
                ty: OptTy::Map,
                help: "GitHub environment name → `production`, `staging` or `development`, stated as each deploy's `environment`; a name not mapped is left to the change-management control's `production_environments` (by default, names containing `prod` are production), and every deploy keeps its `environment_name`",
            },
            OptSpec {
                name: "ticket_pattern",
                ty: OptTy::Str,
                help: "the ticket key looked for in the deployed PR's title, then branch, then body; default `[A-Z][A-Z0-9]+-[0-9]+`",
            },
        ],
        example: "[[sources]]\nadapter = \"github\"\npath = \"exports/github/*.json\"\nsystem_id = \"api\"\nrepo = \"acme/api\"\nenvironments = { \"prod-us\" = \"production\", \"qa\" = \"staging\" }",
    },
    run,
};

#[derive(Deserialize, Default)]
struct Login {
    #[serde(default)]
    login: Option<String>,
}

#[derive(Deserialize, Default)]
struct RepoRef {
    #[serde(default)]
    full_name: Option<String>,
}

#[derive(Deserialize, Default)]
struct Branch {
    #[serde(default, rename = "ref")]
    branch: Option<String>,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    repo: Option<RepoRef>,
}

#[derive(Deserialize)]
struct Pr {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<Login>,
    #[serde(default)]
    created_at: Value,
    #[serde(default)]
    merged_at: Value,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    head: Option<Branch>,
    #[serde(default)]
    base: Option<Branch>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
}

#[derive(Deserialize)]
struct Review {
    #[serde(default)]
    user: Option<Login>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    submitted_at: Value,
    #[serde(default)]
    pull_request_url: Option<String>,
}

#[derive(Deserialize)]
struct CheckRun {
    #[serde(default)]
    head_sha: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
}

#[derive(Deserialize)]
struct CheckRuns {
    #[serde(default)]
    check_runs: Vec<CheckRun>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    created_at: Value,
    #[serde(default)]
    deployment_url: Option<String>,
}

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    creator: Option<Login>,
    #[serde(default)]
    created_at: Value,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    repository_url: Option<String>,
    #[serde(default)]
    statuses: Option<Vec<Status>>,
}

#[derive(Deserialize)]
struct Bundle {
    pull: Pr,
    #[serde(default)]
    reviews: Vec<Review>,
    #[serde(default)]
    check_runs: Vec<CheckRun>,
    #[serde(default)]
    deployments: Vec<Deployment>,
}

/// The repository (`owner/name`) in a GitHub URL: the two segments after `repos` in an API URL
/// (`https://api.github.com/repos/acme/api/pulls/4`, GHES `/api/v3/repos/...`), else the first
/// two of the path (`https://github.com/acme/api/pull/4`).
pub(super) fn repo_from_url(u: &str) -> Option<String> {
    let rest = u.split_once("://").map_or(u, |x| x.1);
    let segs: Vec<&str> = rest.split('/').skip(1).collect();
    let i = segs.iter().position(|s| *s == "repos").map_or(0, |p| p + 1);
    match (segs.get(i), segs.get(i + 1)) {
        (Some(o), Some(r)) if !o.is_empty() && !r.is_empty() => Some(format!("{o}/{r}")),
        _ => None,
    }
}

/// The number at the end of a URL (`…/pulls/12`, `…/deployments/9001`).
fn last_number(u: &str) -> Option<u64> {
    u.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

fn sub(at: &At, suffix: String) -> At {
    At {
        file: at.file.clone(),
        line: at.line,
        path: Some(format!("{}{suffix}", at.path().unwrap_or("$"))),
    }
}

struct PrRec {
    at: At,
    pr_id: String,
    repo: String,
    author: Option<String>,
    created: Option<Timestamp>,
    merged: Option<Timestamp>,
    merge_sha: Option<String>,
    head_sha: Option<String>,
    head_ref: Option<String>,
    title: Option<String>,
    body: Option<String>,
}

struct RevRec {
    at: At,
    pr_id: String,
    reviewer: Option<String>,
    state: &'static str,
    submitted: Timestamp,
}

struct StatusRec {
    state: String,
    at: Option<Timestamp>,
}

struct DepRec {
    at: At,
    id: u64,
    repo: Option<String>,
    sha: Option<String>,
    env: String,
    creator: Option<String>,
    created: Option<Timestamp>,
    statuses: Vec<StatusRec>,
}

/// Check runs of one head sha: (status, conclusion).
type Runs = Vec<(Option<String>, Option<String>)>;

#[derive(Default)]
struct State {
    prs: Vec<PrRec>,
    pr_index: HashMap<String, usize>,
    reviews: Vec<RevRec>,
    checks: HashMap<String, Runs>,
    deps: Vec<DepRec>,
    dep_index: HashMap<u64, usize>,
    loose: Vec<(u64, StatusRec)>,
    pending: usize,
    unknown: Counts,
    no_repo: usize,
}

fn lower(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_ascii_lowercase()
}

impl State {
    fn pr(&mut self, input: &Input<'_>, em: &mut Emitter, p: Pr, at: &At) -> Option<String> {
        let repo = input
            .options
            .str("repo")
            .map(str::to_string)
            .or_else(|| {
                p.base
                    .as_ref()
                    .and_then(|b| b.repo.as_ref())
                    .and_then(|r| r.full_name.clone())
            })
            .or_else(|| p.url.as_deref().and_then(repo_from_url))
            .or_else(|| p.html_url.as_deref().and_then(repo_from_url));
        let Some(repo) = repo else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("cannot tell which repository pull request #{} belongs to", p.number),
                "the record has no `base.repo.full_name`, `url` or `html_url`; set `repo = \"owner/name\"` on the source",
            );
            return None;
        };
        let pr_id = format!("{repo}#{}", p.number);
        let created = time(input, em, at, "created_at", &p.created_at);
        let merged = time(input, em, at, "merged_at", &p.merged_at);
        let head = p.head.unwrap_or_default();
        let rec = PrRec {
            at: at.clone(),
            pr_id: pr_id.clone(),
            repo,
            author: p.user.and_then(|u| u.login),
            created,
            merged,
            merge_sha: p.merge_commit_sha.filter(|_| merged.is_some()),
            head_sha: head.sha,
            head_ref: head.branch,
            title: p.title,
            body: p.body,
        };
        match self.pr_index.get(&pr_id) {
            // The same PR from a list page and its single form: keep what either knows.
            Some(&i) => {
                let o = &mut self.prs[i];
                o.author = o.author.take().or(rec.author);
                o.created = o.created.or(rec.created);
                o.merged = o.merged.or(rec.merged);
                o.merge_sha = o.merge_sha.take().or(rec.merge_sha);
                o.head_sha = o.head_sha.take().or(rec.head_sha);
                o.head_ref = o.head_ref.take().or(rec.head_ref);
                o.title = o.title.take().or(rec.title);
                o.body = o.body.take().or(rec.body);
            }
            None => {
                self.pr_index.insert(pr_id.clone(), self.prs.len());
                self.prs.push(rec);
            }
        }
        Some(pr_id)
    }

    fn review(
        &mut self,
        input: &Input<'_>,
        em: &mut Emitter,
        r: Review,
        at: &At,
        pr: Option<&str>,
    ) {
        let pr_id = match pr {
            Some(p) => p.to_string(),
            None => {
                let url = r.pull_request_url.as_deref().unwrap_or("");
                let repo = input
                    .options
                    .str("repo")
                    .map(str::to_string)
                    .or_else(|| repo_from_url(url));
                match (repo, last_number(url)) {
                    (Some(repo), Some(n)) => format!("{repo}#{n}"),
                    _ => {
                        at.bad(
                            em,
                            fieldcheck_kit::Code::BadValue,
                            "the review's `pull_request_url` does not name a pull request",
                            "reviews are linked to their PR by `pull_request_url` (…/repos/{owner}/{repo}/pulls/{n}); the review was skipped",
                        );
                        return;
                    }
                }
            }
        };
        let state = match lower(&r.state).as_str() {
            "approved" => "approved",
            "changes_requested" => "changes_requested",
            "commented" => "commented",
            "dismissed" => "dismissed",
            "pending" => {
                self.pending += 1;
                return;
            }
            _ => {
                super::common::unknown_value(
                    em,
                    at,
                    "state",
                    r.state.as_deref().unwrap_or(""),
                    "GitHub review states are APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED and PENDING",
                );
                return;
            }
        };
        let Some(submitted) = time(input, em, at, "submitted_at", &r.submitted_at) else {
            self.pending += 1;
            return;
        };
        self.reviews.push(RevRec {
            at: at.clone(),
            pr_id,
            reviewer: r.user.and_then(|u| u.login),
            state,
            submitted,
        });
    }

    fn check(&mut self, em: &mut Emitter, at: &At, c: CheckRun, default_sha: Option<&str>) {
        // A status or conclusion fieldcheck cannot read would leave `checks_passed` unknown:
        // an error on the record.
        let status = lower(&c.status);
        let conclusion = lower(&c.conclusion);
        if !matches!(
            status.as_str(),
            "" | "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending"
        ) {
            super::common::unknown_value(
                em,
                at,
                "status",
                &status,
                "GitHub check run statuses are queued, in_progress, completed, waiting, requested and pending",
            );
            return;
        }
        if !matches!(
            conclusion.as_str(),
            "" | "success"
                | "failure"
                | "neutral"
                | "cancelled"
                | "skipped"
                | "timed_out"
                | "action_required"
                | "stale"
                | "startup_failure"
        ) {
            super::common::unknown_value(
                em,
                at,
                "conclusion",
                &conclusion,
                "GitHub check run conclusions are success, failure, neutral, cancelled, skipped, timed_out, action_required, stale and startup_failure",
            );
            return;
        }
        if let Some(sha) = c.head_sha.or_else(|| default_sha.map(str::to_string)) {
            self.checks
                .entry(sha)
                .or_default()
                .push((c.status, c.conclusion));
        }
    }

    fn status(&mut self, input: &Input<'_>, em: &mut Emitter, st: Status, at: &At) -> StatusRec {
        // The state decides whether (and when) a deploy happened: one fieldcheck cannot read is
        // an error on the status, which is then never a success.
        let state = lower(&st.state);
        if !matches!(
            state.as_str(),
            "success" | "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending"
        ) {
            super::common::unknown_value(
                em,
                at,
                "state",
                &state,
                "GitHub deployment status states are success, error, failure, inactive, in_progress, queued and pending",
            );
        }
        StatusRec {
            state: lower(&st.state),
            at: time(input, em, at, "created_at", &st.created_at),
        }
    }

    fn deployment(
        &mut self,
        input: &Input<'_>,
        em: &mut Emitter,
        d: Deployment,
        at: &At,
        bundle_repo: Option<&str>,
    ) {
        let repo = input
            .options
            .str("repo")
            .map(str::to_string)
            .or_else(|| d.url.as_deref().and_then(repo_from_url))
            .or_else(|| d.repository_url.as_deref().and_then(repo_from_url))
            .or_else(|| bundle_repo.map(str::to_string));
        let created = time(input, em, at, "created_at", &d.created_at);
        let mut statuses = Vec::new();
        for (i, st) in d.statuses.into_iter().flatten().enumerate() {
            let sat = sub(at, format!(".statuses[{i}]"));
            statuses.push(self.status(input, em, st, &sat));
        }
        match self.dep_index.get(&d.id) {
            Some(&i) => {
                let o = &mut self.deps[i];
                o.repo = o.repo.take().or(repo);
                o.created = o.created.or(created);
                o.statuses.extend(statuses);
            }
            None => {
                self.dep_index.insert(d.id, self.deps.len());
                self.deps.push(DepRec {
                    at: at.clone(),
                    id: d.id,
                    repo,
                    sha: d.sha,
                    env: d.environment.unwrap_or_default(),
                    creator: d.creator.and_then(|c| c.login),
                    created,
                    statuses,
                });
            }
        }
    }
}

/// Org members with an email anywhere in a record (REST member objects with `email`, GraphQL
/// `membersWithRole` nodes or edges).
fn members<'v>(v: &'v Value, out: &mut Vec<(&'v str, &'v str)>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(login)) = o.get("login")
                && o.contains_key("email")
            {
                if let Some(Value::String(email)) = o.get("email")
                    && !email.trim().is_empty()
                {
                    out.push((login, email.trim()));
                }
                return;
            }
            for x in o.values() {
                members(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| members(x, out)),
        _ => {}
    }
}

fn has(o: &Map<String, Value>, k: &str) -> bool {
    o.get(k).is_some_and(|v| !v.is_null())
}

/// The distinct conclusions of a head sha's check runs, sorted and space-separated, as GitHub
/// reports them: a run without a conclusion yet is listed by its status (`queued`,
/// `in_progress`, ...; `pending` when it has neither). Which conclusions fail or pass is the
/// change-management control's judgement (`failed_check_conclusions`).
fn check_conclusions(runs: Option<&Runs>) -> Option<String> {
    let runs = runs.filter(|r| !r.is_empty())?;
    let mut seen: Vec<String> = runs
        .iter()
        .map(|(status, conclusion)| {
            let c = lower(conclusion);
            if !c.is_empty() {
                return c;
            }
            let st = lower(status);
            if st.is_empty() { "pending".into() } else { st }
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    Some(seen.join(" "))
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let envs = Environments::new(input, em);
    let tickets = Tickets::new(input, em);
    let system = input.system_id.unwrap_or_default().to_string();
    let mut st = State::default();
    for f in input.files {
        json_file(input, f, em, &mut |el, at, em| {
            let obj: Map<String, Value> = match serde_json::from_slice(el.bytes) {
                Ok(o) => o,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            let b = el.bytes;
            if has(&obj, "pull") {
                let Some(bu) = parse_record::<Bundle>(input, em, b, at) else {
                    return;
                };
                let head = bu.pull.head.as_ref().and_then(|h| h.sha.clone());
                let pat = sub(at, ".pull".into());
                let pr = st.pr(input, em, bu.pull, &pat);
                let repo = pr
                    .as_deref()
                    .and_then(|p| p.rsplit_once('#'))
                    .map(|x| x.0.to_string());
                for (i, r) in bu.reviews.into_iter().enumerate() {
                    if let Some(p) = &pr {
                        st.review(input, em, r, &sub(at, format!(".reviews[{i}]")), Some(p));
                    }
                }
                for c in bu.check_runs {
                    st.check(em, at, c, head.as_deref());
                }
                for (i, d) in bu.deployments.into_iter().enumerate() {
                    let dat = sub(at, format!(".deployments[{i}]"));
                    st.deployment(input, em, d, &dat, repo.as_deref());
                }
            } else if obj.get("check_runs").is_some_and(Value::is_array) {
                if let Some(c) = parse_record::<CheckRuns>(input, em, b, at) {
                    c.check_runs
                        .into_iter()
                        .for_each(|c| st.check(em, at, c, None));
                }
            } else if has(&obj, "number") && (has(&obj, "head") || has(&obj, "base")) {
                if let Some(p) = parse_record::<Pr>(input, em, b, at) {
                    st.pr(input, em, p, at);
                }
            } else if has(&obj, "deployment_url") && has(&obj, "state") {
                if let Some(s) = parse_record::<Status>(input, em, b, at) {
                    match s.deployment_url.as_deref().and_then(last_number) {
                        Some(id) => {
                            let rec = st.status(input, em, s, at);
                            st.loose.push((id, rec));
                        }
                        None => at.bad(
                            em,
                            fieldcheck_kit::Code::BadValue,
                            "the deployment status's `deployment_url` does not end in a deployment id",
                            "the status was skipped",
                        ),
                    }
                }
            } else if has(&obj, "sha")
                && obj.contains_key("environment")
                && obj.contains_key("creator")
            {
                if let Some(d) = parse_record::<Deployment>(input, em, b, at) {
                    st.deployment(input, em, d, at, None);
                }
            } else if has(&obj, "state")
                && (obj.contains_key("submitted_at") || has(&obj, "pull_request_url"))
            {
                if let Some(r) = parse_record::<Review>(input, em, b, at) {
                    st.review(input, em, r, at, None);
                }
            } else if has(&obj, "head_sha") && has(&obj, "status") {
                if let Some(c) = parse_record::<CheckRun>(input, em, b, at) {
                    st.check(em, at, c, None);
                }
            } else {
                let v = Value::Object(obj);
                let mut found = Vec::new();
                members(&v, &mut found);
                let is_member = matches!(&v, Value::Object(o) if o.contains_key("login") && o.contains_key("email"));
                if found.is_empty() && !is_member && !v.get("data").is_some_and(Value::is_object) {
                    st.unknown.add(at.file.shown.clone());
                }
                for (login, email) in found {
                    em.identity(&at.file, at.line, at.path(), &system, login, email);
                }
            }
        });
    }
    finish(input, em, st, &envs, &tickets);
}

fn finish(
    input: &Input<'_>,
    em: &mut Emitter,
    mut st: State,
    envs: &Environments,
    tickets: &Tickets,
) {
    let _ = input;
    let mut by_merge: HashMap<&str, usize> = HashMap::new();
    let mut by_head: HashMap<&str, usize> = HashMap::new();
    for (i, p) in st.prs.iter().enumerate() {
        if let Some(m) = &p.merge_sha {
            by_merge.entry(m.as_str()).or_insert(i);
        }
        if let Some(h) = &p.head_sha {
            by_head.entry(h.as_str()).or_insert(i);
        }
    }
    for p in &st.prs {
        let checks = p.head_sha.as_ref().and_then(|h| st.checks.get(h));
        em.row(Kind::PullRequests, &p.at.file, p.at.line, p.at.path())
            .set("pr_id", p.pr_id.as_str())
            .set("repo", p.repo.as_str())
            .set("author_id", p.author.as_deref())
            .set("created_at", p.created)
            .set("merged_at", p.merged)
            .set("merge_commit_sha", p.merge_sha.as_deref())
            .set("check_conclusions", check_conclusions(checks))
            .emit();
    }
    for r in &st.reviews {
        em.row(Kind::PrReviews, &r.at.file, r.at.line, r.at.path())
            .set("pr_id", r.pr_id.as_str())
            .set("reviewer_id", r.reviewer.as_deref())
            .set("state", r.state)
            .set("submitted_at", r.submitted)
            .emit();
    }
    let mut orphans = 0usize;
    for (id, s) in std::mem::take(&mut st.loose) {
        match st.dep_index.get(&id) {
            Some(&i) => st.deps[i].statuses.push(s),
            None => orphans += 1,
        }
    }
    let mut failed = Counts::default();
    let mut unstatused = 0usize;
    let mut no_repo = 0usize;
    for d in &st.deps {
        let deployed_at = if d.statuses.is_empty() {
            unstatused += 1;
            d.created
        } else {
            let first = d
                .statuses
                .iter()
                .filter(|s| s.state == "success")
                .filter_map(|s| s.at)
                .min();
            if first.is_none() {
                // The newest status is the deployment's final state.
                let last = d
                    .statuses
                    .iter()
                    .max_by_key(|s| s.at)
                    .map_or("", |s| s.state.as_str());
                failed.add(last.to_string());
                continue;
            }
            first
        };
        let Some(deployed_at) = deployed_at else {
            em.bad_record(
                &d.at.file,
                d.at.line,
                d.at.path(),
                fieldcheck_kit::Code::BadValue,
                format!("deployment {} has no time", d.id),
                "the deployment (or its success status) needs `created_at`; it was skipped",
            );
            continue;
        };
        let deploy_id = match &d.repo {
            Some(r) => format!("{r}/deployments/{}", d.id),
            None => {
                no_repo += 1;
                format!("deployments/{}", d.id)
            }
        };
        let pr = d.sha.as_deref().and_then(|s| {
            by_merge
                .get(s)
                .or_else(|| by_head.get(s))
                .and_then(|&i| st.prs.get(i))
        });
        let ticket = pr.and_then(|p| {
            tickets.find(&[p.title.as_deref(), p.head_ref.as_deref(), p.body.as_deref()])
        });
        em.row(Kind::Deploys, &d.at.file, d.at.line, d.at.path())
            .set("deploy_id", deploy_id)
            .set("environment", envs.of(&d.env))
            .set("deployed_at", deployed_at)
            .set("deployer_id", d.creator.as_deref())
            .set("commit_sha", d.sha.as_deref())
            .set("pr_id", pr.map(|p| p.pr_id.as_str()))
            .set("ticket_id", ticket)
            .set(
                "environment_name",
                Some(d.env.trim()).filter(|e| !e.is_empty()),
            )
            .emit();
    }
    st.no_repo += no_repo;
    if st.pending > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} pending review{} (not submitted) were skipped",
                st.pending,
                s(st.pending)
            ),
            "a review counts once it is submitted",
        );
    }
    if failed.total() > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} deployment{} without a `success` status were not counted as deploys (last states: {})",
                failed.total(),
                s(failed.total()),
                failed.top()
            ),
            "only a deployment that reached `success` put code in the environment",
        );
    }
    if unstatused > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceAssumedValue,
            format!(
                "{unstatused} deployment{} had no statuses in the export: the deployment's `created_at` was used as the deploy time",
                s(unstatused)
            ),
            "add the deployment status pages (`GET /repos/{owner}/{repo}/deployments/{id}/statuses`) or bundle `statuses` to use the time the deploy succeeded",
        );
    }
    if orphans > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{orphans} deployment status{} belong to deployments not in the export and were not used",
                if orphans == 1 { "" } else { "es" }
            ),
            "export the deployments (`GET /repos/{owner}/{repo}/deployments`) with their statuses",
        );
    }
    if st.no_repo > 0 {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceAssumedValue,
                format!("{} deployment{} did not name their repository: their deploy_id is `deployments/{{id}}`", st.no_repo, s(st.no_repo)),
            )
            .help("set `repo = \"owner/name\"` on the source"),
        );
    }
    if st.unknown.total() > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} record{} of a shape this adapter does not read were skipped: {}",
                st.unknown.total(),
                s(st.unknown.total()),
                st.unknown.top()
            ),
            "the adapter reads pull requests, reviews, check runs, deployments, deployment statuses, bundles and member exports",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const PULL_412: &str = r#"{"url": "https://api.github.com/repos/acme/api/pulls/412", "id": 1, "number": 412, "state": "closed",
 "title": "Rotate DB credentials", "body": "Follow-up of SEC-9.", "user": {"login": "alice"},
 "created_at": "2026-03-03T09:12:00Z", "updated_at": "2026-03-04T15:40:23Z", "closed_at": "2026-03-04T15:40:22Z",
 "merged_at": "2026-03-04T15:40:22Z", "merged": true, "merged_by": {"login": "bob"}, "merge_commit_sha": "9f2c1e7d5b0a",
 "head": {"ref": "OPS-77-rotate-db", "sha": "7e8f9a0b", "repo": null},
 "base": {"ref": "main", "sha": "1a2b3c4d", "repo": {"full_name": "acme/api"}}}"#;
    const PULLS_1: &str = r#"[
  {"url": "https://api.github.com/repos/acme/api/pulls/412", "number": 412, "state": "closed", "title": "Rotate DB credentials",
   "user": {"login": "alice"}, "created_at": "2026-03-03T09:12:00Z", "merged_at": "2026-03-04T15:40:22Z",
   "head": {"ref": "OPS-77-rotate-db", "sha": "7e8f9a0b"}, "base": {"ref": "main", "repo": {"full_name": "acme/api"}}},
  {"url": "https://api.github.com/repos/acme/api/pulls/413", "html_url": "https://github.com/acme/api/pull/413", "number": 413,
   "state": "closed", "title": "Try new cache", "user": {"login": "carol"}, "created_at": "2026-03-05T10:00:00Z",
   "merged_at": null, "merge_commit_sha": "abc413test", "head": {"ref": "cache", "sha": "c413"},
   "base": {"ref": "main", "repo": {"full_name": "acme/api"}}}
]"#;
    const PULLS_2: &str = r#"[
  {"html_url": "https://github.com/acme/api/pull/414", "number": 414, "title": "Hotfix login", "user": {"login": "alice"}, "created_at": "2026-03-06T08:00:00Z", "merged_at": "2026-03-06T08:30:00Z", "merge_commit_sha": "d414merge", "head": {"ref": "hotfix", "sha": "h414"}, "base": {"ref": "main"}},
  {"number": "415", "head": {"ref": "x"}, "base": {"ref": "main"}}
]"#;
    const CHECKS: &str = r#"{"total_count": 2, "check_runs": [{"id": 1, "name": "ci", "head_sha": "7e8f9a0b", "status": "completed", "conclusion": "success"}, {"id": 2, "name": "lint", "head_sha": "7e8f9a0b", "status": "completed", "conclusion": "skipped"}]}
{"total_count": 2, "check_runs": [{"id": 3, "name": "ci", "head_sha": "h414", "status": "completed", "conclusion": "success"}, {"id": 4, "name": "e2e", "head_sha": "h414", "status": "completed", "conclusion": "failure"}]}
"#;
    const REVIEWS: &str = r#"[{"id": 2001, "user": {"login": "bob", "type": "User"}, "state": "APPROVED", "submitted_at": "2026-03-04T14:02:10Z", "commit_id": "7e8f9a0b", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/412"},
 {"id": 2002, "user": {"login": "dave"}, "state": "PENDING", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/412"}]
[{"id": 2003, "user": {"login": "alice"}, "state": "APPROVED", "submitted_at": "2026-03-06T08:20:00Z", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/414"},
 {"id": 2004, "user": {"login": "bob"}, "state": "CHANGES_REQUESTED", "submitted_at": "2026-03-03T10:00:00Z", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/412"},
 {"id": 2005, "user": {"login": "erin"}, "state": "DISMISSED", "submitted_at": "2026-03-03T11:00:00Z", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/412"},
 {"id": 2006, "user": {"login": "erin"}, "state": "COMMENTED", "submitted_at": "2026-03-03T11:05:00Z", "pull_request_url": "https://api.github.com/repos/acme/api/pulls/413"}]
"#;
    const DEPLOYMENTS: &str = r#"[{"id": 9001, "sha": "9f2c1e7d5b0a", "ref": "main", "task": "deploy", "environment": "prod-us", "creator": {"login": "deploy-bot[bot]"}, "created_at": "2026-03-04T15:45:00Z", "url": "https://api.github.com/repos/acme/api/deployments/9001", "repository_url": "https://api.github.com/repos/acme/api"},
 {"id": 9002, "sha": "h414", "environment": "Staging", "creator": {"login": "alice"}, "created_at": "2026-03-06T08:10:00Z", "url": "https://api.github.com/repos/acme/api/deployments/9002"},
 {"id": 9003, "sha": "d414merge", "environment": "qa", "creator": {"login": "alice"}, "created_at": "2026-03-06T09:00:00Z", "url": "https://api.github.com/repos/acme/api/deployments/9003"},
 {"id": 9004, "sha": "d414merge", "environment": "qa", "creator": {"login": "alice"}, "created_at": "2026-03-06T09:30:00Z", "url": "https://api.github.com/repos/acme/api/deployments/9004"}]"#;
    const STATUSES: &str = r#"[{"id": 1, "state": "in_progress", "created_at": "2026-03-04T15:46:00Z", "deployment_url": "https://api.github.com/repos/acme/api/deployments/9001"},
 {"id": 2, "state": "success", "created_at": "2026-03-04T15:52:31Z", "deployment_url": "https://api.github.com/repos/acme/api/deployments/9001"},
 {"id": 3, "state": "failure", "created_at": "2026-03-06T09:05:00Z", "deployment_url": "https://api.github.com/repos/acme/api/deployments/9003"},
 {"id": 4, "state": "success", "created_at": "2026-03-06T09:41:00Z", "deployment_url": "https://api.github.com/repos/acme/api/deployments/9004"},
 {"id": 5, "state": "success", "created_at": "2026-03-06T09:41:00Z", "deployment_url": "https://api.github.com/repos/acme/api/deployments/9999"}]"#;
    const MEMBERS: &str = r#"{"data": {"organization": {"membersWithRole": {"nodes": [{"login": "alice", "email": "alice@acme.com"}, {"login": "bob", "email": ""}]}}}}
{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}"#;

    #[test]
    fn prs_reviews_checks_and_deploys_link_up() {
        let out = run(
            "[[sources]]\nadapter = \"github\"\npath = \"gh/*.json\"\nsystem_id = \"api\"\nenvironments = { \"qa\" = \"staging\" }",
            &[
                ("gh/pull-412.json", PULL_412.as_bytes()),
                ("gh/pulls-1.json", PULLS_1.as_bytes()),
                ("gh/pulls-2.json", PULLS_2.as_bytes()),
                ("gh/checks.json", CHECKS.as_bytes()),
                ("gh/reviews.json", REVIEWS.as_bytes()),
                ("gh/deployments.json", DEPLOYMENTS.as_bytes()),
                ("gh/statuses.json", STATUSES.as_bytes()),
                ("gh/members.json", MEMBERS.as_bytes()),
            ],
        );
        let prs: Vec<String> = out.rows("pull_requests").iter().map(flat).collect();
        assert_eq!(
            prs,
            [
                // The check runs' conclusions pass through raw: `skipped` and `failure` are judged
                // by the change-management control, not here.
                "author_id=alice|check_conclusions=skipped success|created_at=2026-03-03T09:12:00Z|merge_commit_sha=9f2c1e7d5b0a|merged_at=2026-03-04T15:40:22Z|pr_id=acme/api#412|repo=acme/api",
                "author_id=carol|created_at=2026-03-05T10:00:00Z|pr_id=acme/api#413|repo=acme/api",
                "author_id=alice|check_conclusions=failure success|created_at=2026-03-06T08:00:00Z|merge_commit_sha=d414merge|merged_at=2026-03-06T08:30:00Z|pr_id=acme/api#414|repo=acme/api",
            ]
        );
        let reviews: Vec<String> = out.rows("pr_reviews").iter().map(flat).collect();
        assert_eq!(
            reviews,
            [
                "pr_id=acme/api#412|reviewer_id=bob|state=approved|submitted_at=2026-03-04T14:02:10Z",
                "pr_id=acme/api#414|reviewer_id=alice|state=approved|submitted_at=2026-03-06T08:20:00Z",
                "pr_id=acme/api#412|reviewer_id=bob|state=changes_requested|submitted_at=2026-03-03T10:00:00Z",
                "pr_id=acme/api#412|reviewer_id=erin|state=dismissed|submitted_at=2026-03-03T11:00:00Z",
                "pr_id=acme/api#413|reviewer_id=erin|state=commented|submitted_at=2026-03-03T11:05:00Z",
            ]
        );
        let deploys: Vec<String> = out.rows("deploys").iter().map(flat).collect();
        assert_eq!(
            deploys,
            [
                // Linked to PR 412 by its merge sha; the ticket is in the branch name (before the body's).
                // The environment's name as GitHub gives it: which names are production is the
                // change-management control's judgement (`production_environments`).
                "commit_sha=9f2c1e7d5b0a|deploy_id=acme/api/deployments/9001|deployed_at=2026-03-04T15:52:31Z|deployer_id=deploy-bot[bot]|environment_name=prod-us|pr_id=acme/api#412|system_id=api|ticket_id=OPS-77",
                // No statuses: the deployment's own time; linked by head sha.
                "commit_sha=h414|deploy_id=acme/api/deployments/9002|deployed_at=2026-03-06T08:10:00Z|deployer_id=alice|environment_name=Staging|pr_id=acme/api#414|system_id=api",
                // `qa` is mapped by the source's `environments`: stated as staging.
                "commit_sha=d414merge|deploy_id=acme/api/deployments/9004|deployed_at=2026-03-06T09:41:00Z|deployer_id=alice|environment=staging|environment_name=qa|pr_id=acme/api#414|system_id=api",
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            ["external_id=alice|person_id=alice@acme.com|system_id=api"]
        );
        assert_eq!(
            out.codes(),
            [
                "source-error-response",
                "bad-json",
                "source-skipped-records",
                "source-skipped-records",
                "source-assumed-value",
                "source-skipped-records",
            ]
        );
        // The API's error answer in the members export is named as such, with its message.
        let err = &out.diags[0];
        assert_eq!(err.file.as_deref(), Some("gh/members.json"));
        assert!(err.message.contains("Not Found"), "{}", err.message);
        let bad = &out.diags[1];
        assert_eq!(
            (bad.file.as_deref(), bad.line),
            (Some("gh/pulls-2.json"), Some(3))
        );
        assert!(out.diags[2].message.starts_with("1 pending review"));
        assert!(
            out.diags[3].message.contains("`failure` ×1"),
            "{}",
            out.diags[3].message
        );
        // The deploy's origin is its deployment record, in the second concatenated page.
        let o = &out.origins("pr_reviews")[1];
        assert_eq!((o.line, o.path.as_deref()), (3, Some("#2 $[0]")));
    }

    const BUNDLE: &str = r#"{
  "pull": {"number": 7, "state": "closed", "title": "WEB-12 Rotate session keys", "body": "OPS-1",
    "user": {"login": "alice"}, "created_at": "2026-02-03T09:12:00Z",
    "merged_at": "2026-02-04T15:40:22Z", "merge_commit_sha": "b7merge",
    "base": {"ref": "main", "sha": "1a2b"}, "head": {"ref": "rotate", "sha": "b7head"}},
  "reviews": [
    {"id": 1, "user": {"login": "alice", "type": "User"}, "state": "APPROVED",
     "submitted_at": "2026-02-04T14:02:10Z", "commit_id": "b7head"}],
  "check_runs": [{"status": "completed", "conclusion": "success"}, {"status": "in_progress", "conclusion": null}],
  "deployments": [
    {"id": 77, "sha": "b7merge", "ref": "main", "environment": "production",
     "creator": {"login": "deploy-bot[bot]"}, "created_at": "2026-02-04T15:45:00Z",
     "statuses": [{"state": "success", "created_at": "2026-02-04T15:52:31Z"}]}]
}"#;

    #[test]
    fn a_bundle_with_a_self_approved_pr_is_just_translated() {
        let cut = &BUNDLE[..BUNDLE.find("\"deployments\"").unwrap()];
        let out = run(
            "[[sources]]\nadapter = \"github\"\npath = \"gh/*.json\"\nsystem_id = \"web\"\nrepo = \"acme/web\"",
            &[
                ("gh/bundle-7.json", BUNDLE.as_bytes()),
                (
                    "gh/bundle-8.json",
                    cut.replace("\"number\": 7", "\"number\": 8").as_bytes(),
                ),
            ],
        );
        let prs: Vec<String> = out.rows("pull_requests").iter().map(flat).collect();
        // A run still in progress is listed by its status: the control reads the checks as
        // unknown.
        assert_eq!(
            prs,
            [
                "author_id=alice|check_conclusions=in_progress success|created_at=2026-02-03T09:12:00Z|merge_commit_sha=b7merge|merged_at=2026-02-04T15:40:22Z|pr_id=acme/web#7|repo=acme/web"
            ]
        );
        let reviews: Vec<String> = out.rows("pr_reviews").iter().map(flat).collect();
        assert_eq!(
            reviews,
            ["pr_id=acme/web#7|reviewer_id=alice|state=approved|submitted_at=2026-02-04T14:02:10Z"]
        );
        let o = &out.origins("pr_reviews")[0];
        assert_eq!(o.path.as_deref(), Some("$.reviews[0]"));
        let deploys: Vec<String> = out.rows("deploys").iter().map(flat).collect();
        assert_eq!(
            deploys,
            [
                "commit_sha=b7merge|deploy_id=acme/web/deployments/77|deployed_at=2026-02-04T15:52:31Z|deployer_id=deploy-bot[bot]|environment_name=production|pr_id=acme/web#7|system_id=web|ticket_id=WEB-12"
            ]
        );
        assert_eq!(out.codes(), ["truncated-export"]);
        assert_eq!(out.problems("deploys").len(), 1);
    }

    #[test]
    fn repositories_come_from_api_and_html_urls() {
        use super::repo_from_url;
        assert_eq!(
            repo_from_url("https://api.github.com/repos/acme/api/pulls/4").as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            repo_from_url("https://ghe.acme.com/api/v3/repos/acme/api/deployments/1").as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            repo_from_url("https://github.com/acme/web/pull/4").as_deref(),
            Some("acme/web")
        );
        assert_eq!(repo_from_url("https://github.com/"), None);
    }

    /// "List reviews for a pull request", the example response of GitHub's REST docs,
    /// https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request
    const DOC_REVIEWS: &str = r#"[
  {
    "id": 80,
    "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=",
    "user": {
      "login": "octocat",
      "id": 1,
      "node_id": "MDQ6VXNlcjE=",
      "avatar_url": "https://github.com/images/error/octocat_happy.gif",
      "gravatar_id": "",
      "url": "https://api.github.com/users/octocat",
      "html_url": "https://github.com/octocat",
      "followers_url": "https://api.github.com/users/octocat/followers",
      "following_url": "https://api.github.com/users/octocat/following{/other_user}",
      "gists_url": "https://api.github.com/users/octocat/gists{/gist_id}",
      "starred_url": "https://api.github.com/users/octocat/starred{/owner}{/repo}",
      "subscriptions_url": "https://api.github.com/users/octocat/subscriptions",
      "organizations_url": "https://api.github.com/users/octocat/orgs",
      "repos_url": "https://api.github.com/users/octocat/repos",
      "events_url": "https://api.github.com/users/octocat/events{/privacy}",
      "received_events_url": "https://api.github.com/users/octocat/received_events",
      "type": "User",
      "site_admin": false
    },
    "body": "Here is the body for the review.",
    "state": "APPROVED",
    "html_url": "https://github.com/octocat/Hello-World/pull/12#pullrequestreview-80",
    "pull_request_url": "https://api.github.com/repos/octocat/Hello-World/pulls/12",
    "_links": {
      "html": {
        "href": "https://github.com/octocat/Hello-World/pull/12#pullrequestreview-80"
      },
      "pull_request": {
        "href": "https://api.github.com/repos/octocat/Hello-World/pulls/12"
      }
    },
    "submitted_at": "2019-11-17T17:43:43Z",
    "commit_id": "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091",
    "author_association": "COLLABORATOR"
  }
]"#;

    /// "List deployment statuses", the example response of GitHub's REST docs,
    /// https://docs.github.com/en/rest/deployments/statuses#list-deployment-statuses
    const DOC_DEPLOYMENT_STATUSES: &str = r#"[
  {
    "url": "https://api.github.com/repos/octocat/example/deployments/42/statuses/1",
    "id": 1,
    "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMx",
    "state": "success",
    "creator": {
      "login": "octocat",
      "id": 1,
      "node_id": "MDQ6VXNlcjE=",
      "avatar_url": "https://github.com/images/error/octocat_happy.gif",
      "gravatar_id": "",
      "url": "https://api.github.com/users/octocat",
      "html_url": "https://github.com/octocat",
      "followers_url": "https://api.github.com/users/octocat/followers",
      "following_url": "https://api.github.com/users/octocat/following{/other_user}",
      "gists_url": "https://api.github.com/users/octocat/gists{/gist_id}",
      "starred_url": "https://api.github.com/users/octocat/starred{/owner}{/repo}",
      "subscriptions_url": "https://api.github.com/users/octocat/subscriptions",
      "organizations_url": "https://api.github.com/users/octocat/orgs",
      "repos_url": "https://api.github.com/users/octocat/repos",
      "events_url": "https://api.github.com/users/octocat/events{/privacy}",
      "received_events_url": "https://api.github.com/users/octocat/received_events",
      "type": "User",
      "site_admin": false
    },
    "description": "Deployment finished successfully.",
    "environment": "production",
    "target_url": "https://example.com/deployment/42/output",
    "created_at": "2012-07-20T01:19:13Z",
    "updated_at": "2012-07-20T01:19:13Z",
    "deployment_url": "https://api.github.com/repos/octocat/example/deployments/42",
    "repository_url": "https://api.github.com/repos/octocat/example",
    "environment_url": "https://test-branch.lab.acme.com",
    "log_url": "https://example.com/deployment/42/output"
  }
]"#;

    #[test]
    fn documented_reviews_and_deployment_statuses_are_read_as_printed() {
        let out = run(
            "[[sources]]\nadapter = \"github\"\npath = \"gh/*.json\"\nsystem_id = \"api\"",
            &[
                ("gh/reviews.json", DOC_REVIEWS.as_bytes()),
                ("gh/statuses.json", DOC_DEPLOYMENT_STATUSES.as_bytes()),
            ],
        );
        // The review is linked to its pull request by `pull_request_url`.
        let rows: Vec<String> = out.rows("pr_reviews").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "pr_id=octocat/Hello-World#12|reviewer_id=octocat|state=approved|submitted_at=2019-11-17T17:43:43Z"
            ]
        );
        // The status belongs to deployment 42, which the export does not hold: counted, unused.
        assert!(out.rows("deploys").is_empty());
        assert!(out.rows("pull_requests").is_empty());
        assert_eq!(out.codes(), ["source-skipped-records"], "{:?}", out.diags);
        assert!(
            out.diags[0]
                .message
                .starts_with("1 deployment status belong to deployments not in the export"),
            "{}",
            out.diags[0].message
        );
    }
}
