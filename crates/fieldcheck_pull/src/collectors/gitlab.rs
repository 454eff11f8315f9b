//! GitLab (REST v4): for each project, its merge requests (`GET /projects/:id/merge_requests`),
//! the approvals of the merged ones (`…/merge_requests/:iid/approvals`), its deployments over the
//! window (`GET /projects/:id/deployments?updated_after=`) and its pipelines over the window
//! (`GET /projects/:id/pipelines?updated_after=`). Every page is written as GitLab returned it.
//! Merge requests, approvals and deployments go under `projects/<path>/`, which the `gitlab`
//! adapter reads; pipelines under `pipelines/<path>/` (no adapter reads them yet: they are kept
//! as evidence of the tests that ran). Shapes and paging as documented at
//! <https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests>,
//! <https://docs.gitlab.com/api/merge_request_approvals/#get-configuration-1>,
//! <https://docs.gitlab.com/api/deployments/#list-project-deployments>,
//! <https://docs.gitlab.com/api/pipelines/#list-project-pipelines> and
//! <https://docs.gitlab.com/api/rest/#pagination>.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Deserialize;

use super::{Tally, call_error, client, folder, list_option, plan_with, planned, url_option};
use crate::http::{Http, encode};
use crate::paging::{Pager, events_outcome, list};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const TOKEN: &str = "GITLAB_TOKEN";

static CALLS: [CallSpec; 4] = [
    CallSpec {
        name: "merge-requests",
        request: "GET /projects/:id/merge_requests?state=all",
        scope: "read_api",
        events: false,
    },
    CallSpec {
        name: "approvals",
        request: "GET /projects/:id/merge_requests/:iid/approvals",
        scope: "read_api",
        events: false,
    },
    CallSpec {
        name: "deployments",
        request: "GET /projects/:id/deployments?updated_after=&order_by=updated_at",
        scope: "read_api",
        events: true,
    },
    CallSpec {
        name: "pipelines",
        request: "GET /projects/:id/pipelines?updated_after=&updated_before=",
        scope: "read_api",
        events: true,
    },
];

/// The GitLab collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "gitlab",
    system: "GitLab",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "projects",
            ty: OptTy::List,
            required: true,
            help: "the projects to pull, by path (`acme/api`, `group/sub/project`) or numeric id",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "the instance's API base URL; default `https://gitlab.com/api/v4` (self-managed: `https://gitlab.acme.com/api/v4`)",
        },
        OptSpec {
            name: "system_id",
            ty: OptTy::Str,
            required: true,
            help: "the system (a row of systems.csv) the changes belong to",
        },
        OptSpec {
            name: "environments",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `gitlab` source: GitLab environment name → `production`, `staging` or `development`",
        },
        OptSpec {
            name: "ticket_pattern",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `gitlab` source: the ticket key looked for in the deployed MR",
        },
    ],
    secrets: &[SecretSpec {
        env: TOKEN,
        help: "a GitLab personal, group or project access token with `read_api` (Reporter role or higher on the projects)",
    }],
    sources: &[SourceTemplate {
        adapter: "gitlab",
        path: "projects/**/page-*.json",
        calls: &["merge-requests", "deployments"],
        options: &["environments", "ticket_pattern"],
    }],
    example: "[[collectors]]\ncollector = \"gitlab\"\nprojects = [\"acme/api\"]\nsystem_id = \"api\"\n# base_url = \"https://gitlab.acme.com/api/v4\" for a self-managed instance\n# GITLAB_TOKEN in the environment or the `[pull] secrets` file",
};

/// The GitLab collector.
pub struct GitLab;

/// The collector, to register.
pub static GITLAB: GitLab = GitLab;

#[derive(Deserialize)]
struct Mr {
    iid: u64,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    squash_commit_sha: Option<String>,
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Deserialize)]
struct Deployment {
    #[serde(default)]
    sha: Option<String>,
}

fn bad_page(call: &CallSpec, e: serde_json::Error) -> PullError {
    call_error(
        &SPEC,
        call.name,
        format!("a page is not the JSON GitLab documents ({e})"),
        "check `base_url`: it must be the instance's REST API (`https://gitlab.com/api/v4`)",
    )
}

fn base(session: &Session<'_>) -> String {
    url_option(session, "base_url", "https://gitlab.com/api/v4")
}

fn projects(session: &Session<'_>) -> Result<Vec<String>, PullError> {
    let p = list_option(session, "projects");
    if p.is_empty() || p.iter().any(|x| x.trim().is_empty()) {
        return Err(call_error(
            &SPEC,
            "projects",
            "`projects` names no project",
            "write `projects = [\"group/project\"]` in the `gitlab` collector",
        ));
    }
    Ok(p)
}

/// The window's range for the event listings (deployments and pipelines are kept by GitLab for
/// as long as the project lives: no shortfall).
fn range(session: &Session<'_>) -> (Timestamp, Timestamp) {
    (session.window_start(), session.events_until())
}

fn urls(http: &Http, session: &Session<'_>, project: &str) -> [String; 3] {
    let id = encode(project);
    let (from, to) = range(session);
    [
        http.url(
            &format!("/projects/{id}/merge_requests"),
            &[
                ("state", "all".into()),
                ("order_by", "created_at".into()),
                ("sort", "asc".into()),
                ("per_page", "100".into()),
            ],
        ),
        http.url(
            &format!("/projects/{id}/deployments"),
            &[
                ("updated_after", from.to_string()),
                ("order_by", "updated_at".into()),
                ("sort", "asc".into()),
                ("per_page", "100".into()),
            ],
        ),
        http.url(
            &format!("/projects/{id}/pipelines"),
            &[
                ("updated_after", from.to_string()),
                ("updated_before", to.to_string()),
                ("per_page", "100".into()),
            ],
        ),
    ]
}

impl Collector for GitLab {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, Ok(base(session)), |http| {
            let mut v = Vec::new();
            for p in list_option(session, "projects") {
                let [mrs, deps, pipes] = urls(http, session, &p);
                v.push(planned(&CALLS[0], &mrs));
                v.push(planned(
                    &CALLS[1],
                    &http.url(
                        &format!("/projects/{}/merge_requests/<iid>/approvals", encode(&p)),
                        &[],
                    ),
                ));
                v.push(planned(&CALLS[2], &deps));
                v.push(planned(&CALLS[3], &pipes));
            }
            v
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let projects = projects(session)?;
        let http = client(session, &base(session), TOKEN, "PRIVATE-TOKEN", "")?;
        let observed = session.now();
        let (from, to) = range(session);
        let mut tally = Tally::default();
        let mut events = Tally::default();
        for project in &projects {
            let dir = format!("projects/{}", folder(project));
            let [mrs_url, deps_url, pipes_url] = urls(&http, session, project);
            let mut mrs: Vec<Mr> = Vec::new();
            let each = &mut |body: &[u8]| {
                let page: Vec<Mr> =
                    serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[0], e))?;
                mrs.extend(page.into_iter().filter(|m| m.merged_at.is_some()));
                Ok(())
            };
            let l = list(
                &http,
                session,
                &CALLS[0],
                mrs_url,
                &Pager::LinkHeader,
                &format!("{dir}/merge-requests"),
                each,
            )?;
            tally.add(CALLS[0].name, l);
            let mut shas: BTreeSet<String> = BTreeSet::new();
            if from < to {
                let each = &mut |body: &[u8]| {
                    let page: Vec<Deployment> =
                        serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[2], e))?;
                    shas.extend(page.into_iter().filter_map(|d| d.sha));
                    Ok(())
                };
                let l = list(
                    &http,
                    session,
                    &CALLS[2],
                    deps_url,
                    &Pager::LinkHeader,
                    &format!("{dir}/deployments"),
                    each,
                )?;
                events.add(CALLS[2].name, l);
            }
            for m in &mrs {
                let deployed = [&m.merge_commit_sha, &m.squash_commit_sha, &m.sha]
                    .into_iter()
                    .flatten()
                    .any(|s| shas.contains(s));
                let merged_in_window = m
                    .merged_at
                    .as_deref()
                    .and_then(|t| t.parse::<Timestamp>().ok())
                    .is_some_and(|t| t >= from);
                if !(deployed || merged_in_window) {
                    continue;
                }
                let l = list(
                    &http,
                    session,
                    &CALLS[1],
                    http.url(
                        &format!(
                            "/projects/{}/merge_requests/{}/approvals",
                            encode(project),
                            m.iid
                        ),
                        &[],
                    ),
                    &Pager::Single,
                    &format!("{dir}/approvals/{}", m.iid),
                    &mut |_: &[u8]| Ok(()),
                )?;
                tally.add(CALLS[1].name, l);
            }
            if from < to {
                let l = list(
                    &http,
                    session,
                    &CALLS[3],
                    pipes_url,
                    &Pager::LinkHeader,
                    &format!("pipelines/{}", folder(project)),
                    &mut |_: &[u8]| Ok(()),
                )?;
                events.add(CALLS[3].name, l);
            }
        }
        tally.record(session, &[&CALLS[0], &CALLS[1]], observed);
        for c in [&CALLS[2], &CALLS[3]] {
            session.outcome(events_outcome(c, events.get(c.name), (from, to, None)));
        }
        Ok(())
    }
}
