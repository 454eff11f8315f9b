//! GitHub (REST): for each repository, its pull requests (`GET /repos/{owner}/{repo}/pulls`), the
//! reviews of the merged ones (`…/pulls/{n}/reviews`), its deployments (`…/deployments`) with
//! their statuses (`…/deployments/{id}/statuses`), and the check runs of each deployed commit
//! and of the head of the pull request it deploys (`…/commits/{sha}/check-runs`). Every page is
//! written as GitHub returned it, one file per call and page under `repos/{owner}/{repo}/`, which
//! is what the `github` adapter reads (it links reviews by `pull_request_url`, statuses by
//! `deployment_url` and check runs by `head_sha`). Shapes and paging as documented at
//! <https://docs.github.com/en/rest/pulls/pulls#list-pull-requests>,
//! <https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request>,
//! <https://docs.github.com/en/rest/deployments/deployments#list-deployments>,
//! <https://docs.github.com/en/rest/deployments/statuses#list-deployment-statuses>,
//! <https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference> and
//! <https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api>.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::{Tally, call_error, client, folder, list_option, plan_with, planned, url_option};
use crate::http::Http;
use crate::paging::{Pager, list, state_outcome};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

const TOKEN: &str = "GITHUB_TOKEN";

/// The pull requests listing's parameters (every state, oldest first, so that pages are stable).
const PULLS_QUERY: &[(&str, &str)] = &[("state", "all"), ("sort", "created"), ("direction", "asc")];

/// How long before the window's start a deployment may have been created and still be followed
/// (its first successful status, the deploy's time, can come later than its creation).
pub const DEPLOY_LEAD_DAYS: i64 = 7;

static CALLS: [CallSpec; 6] = [
    CallSpec {
        name: "org-repos",
        request: "GET /orgs/{org}/repos",
        scope: "repo (classic token) or metadata:read (fine-grained)",
        events: false,
    },
    CallSpec {
        name: "pulls",
        request: "GET /repos/{owner}/{repo}/pulls?state=all",
        scope: "repo (classic token) or pull_requests:read (fine-grained)",
        events: false,
    },
    CallSpec {
        name: "deployments",
        request: "GET /repos/{owner}/{repo}/deployments",
        scope: "repo (classic token) or deployments:read (fine-grained)",
        events: false,
    },
    CallSpec {
        name: "deployment-statuses",
        request: "GET /repos/{owner}/{repo}/deployments/{id}/statuses",
        scope: "repo (classic token) or deployments:read (fine-grained)",
        events: false,
    },
    CallSpec {
        name: "reviews",
        request: "GET /repos/{owner}/{repo}/pulls/{n}/reviews",
        scope: "repo (classic token) or pull_requests:read (fine-grained)",
        events: false,
    },
    CallSpec {
        name: "check-runs",
        request: "GET /repos/{owner}/{repo}/commits/{sha}/check-runs",
        scope: "repo (classic token) or checks:read (fine-grained)",
        events: false,
    },
];

/// The GitHub collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "github",
    system: "GitHub",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "repos",
            ty: OptTy::List,
            required: false,
            help: "the repositories (`owner/name`) to pull; required unless `org` is given",
        },
        OptSpec {
            name: "org",
            ty: OptTy::Str,
            required: false,
            help: "an organisation whose repositories are all pulled (`GET /orgs/{org}/repos`), instead of or besides `repos`",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "the API's base URL; default `https://api.github.com` (GitHub Enterprise Server: `https://HOST/api/v3`)",
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
            help: "passed to the `github` source: GitHub environment name → `production`, `staging` or `development`",
        },
        OptSpec {
            name: "ticket_pattern",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `github` source: the ticket key looked for in the deployed PR",
        },
    ],
    secrets: &[SecretSpec {
        env: TOKEN,
        help: "a GitHub token that can read the repositories: classic with `repo`, or fine-grained with pull_requests, deployments, checks and metadata read",
    }],
    sources: &[SourceTemplate {
        adapter: "github",
        path: "repos/**/page-*.json",
        calls: &["pulls", "deployments"],
        options: &["environments", "ticket_pattern"],
    }],
    example: "[[collectors]]\ncollector = \"github\"\nrepos = [\"acme/api\", \"acme/web\"]\nsystem_id = \"api\"\nenvironments = { \"prod-us\" = \"production\" }\n# GITHUB_TOKEN in the environment or the `[pull] secrets` file",
};

/// The GitHub collector.
pub struct GitHub;

/// The collector, to register.
pub static GITHUB: GitHub = GitHub;

pub(crate) fn bad_page(call: &CallSpec, e: serde_json::Error) -> PullError {
    call_error(
        &SPEC,
        call.name,
        format!("a page is not the JSON GitHub documents ({e})"),
        "check `base_url`: it must be the GitHub REST API (`https://api.github.com`, or `https://HOST/api/v3`)",
    )
}

#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Deserialize)]
struct Pull {
    number: u64,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    head: Option<Head>,
}

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
}

#[derive(Deserialize)]
struct Repo {
    full_name: String,
    #[serde(default)]
    archived: bool,
}

fn ts(s: &Option<String>) -> Option<Timestamp> {
    s.as_deref().and_then(|s| s.parse().ok())
}

fn base(session: &Session<'_>) -> String {
    url_option(session, "base_url", "https://api.github.com")
}

fn repos_of(session: &Session<'_>) -> Result<Vec<String>, PullError> {
    let repos = list_option(session, "repos");
    for r in &repos {
        let ok = r.split('/').count() == 2 && r.split('/').all(|p| !p.is_empty());
        if !ok {
            return Err(call_error(
                &SPEC,
                "repos",
                format!("`{r}` is not a repository as `owner/name`"),
                "write `repos = [\"acme/api\"]` in the `github` collector",
            ));
        }
    }
    if repos.is_empty() && session.option_str("org").is_none() {
        return Err(call_error(
            &SPEC,
            "repos",
            "neither `repos` nor `org` is set",
            "add `repos = [\"owner/name\", ...]` or `org = \"acme\"` to the `github` collector in fieldcheck.toml",
        ));
    }
    Ok(repos)
}

fn per_page(http: &Http, path: &str, extra: &[(&str, &str)]) -> String {
    let mut q: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    q.push(("per_page", "100".into()));
    http.url(path, &q)
}

impl Collector for GitHub {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, Ok(base(session)), |http| {
            let mut v = Vec::new();
            if let Some(org) = session.option_str("org") {
                v.push(planned(
                    &CALLS[0],
                    &per_page(http, &format!("/orgs/{org}/repos"), &[]),
                ));
            }
            let mut repos = list_option(session, "repos");
            if repos.is_empty() {
                repos.push("<each repository of the org>".into());
            }
            for r in &repos {
                v.push(planned(
                    &CALLS[1],
                    &per_page(http, &format!("/repos/{r}/pulls"), PULLS_QUERY),
                ));
                v.push(planned(
                    &CALLS[2],
                    &per_page(http, &format!("/repos/{r}/deployments"), &[]),
                ));
                v.push(planned(
                    &CALLS[3],
                    &per_page(http, &format!("/repos/{r}/deployments/<id>/statuses"), &[]),
                ));
                v.push(planned(
                    &CALLS[4],
                    &per_page(http, &format!("/repos/{r}/pulls/<n>/reviews"), &[]),
                ));
                v.push(planned(
                    &CALLS[5],
                    &per_page(http, &format!("/repos/{r}/commits/<sha>/check-runs"), &[]),
                ));
            }
            v
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let mut repos = repos_of(session)?;
        let http = client(session, &base(session), TOKEN, "Authorization", "Bearer ")?
            .with_header("X-GitHub-Api-Version", "2022-11-28");
        let observed = session.now();
        if let Some(org) = session.option_str("org").map(str::to_string) {
            let mut names = Vec::new();
            let each = &mut |body: &[u8]| {
                let page: Vec<Repo> =
                    serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[0], e))?;
                names.extend(
                    page.into_iter()
                        .filter(|r| !r.archived)
                        .map(|r| r.full_name),
                );
                Ok(())
            };
            let l = list(
                &http,
                session,
                &CALLS[0],
                per_page(
                    &http,
                    &format!("/orgs/{}/repos", crate::http::encode(&org)),
                    &[("type", "all")],
                ),
                &Pager::LinkHeader,
                "org-repos",
                each,
            )?;
            session.outcome(state_outcome(&CALLS[0], l, observed));
            for n in names {
                if !repos.contains(&n) {
                    repos.push(n);
                }
            }
        }
        let start = session.window_start();
        let lead = start
            .checked_sub(SignedDuration::from_hours(24 * DEPLOY_LEAD_DAYS))
            .unwrap_or(start);
        let mut tally = Tally::default();
        for repo in &repos {
            let dir = format!("repos/{}", folder(repo));
            // Pull requests: every one (the list has no date filter); the merged ones are kept.
            let mut pulls: Vec<Pull> = Vec::new();
            let each = &mut |body: &[u8]| {
                let page: Vec<Pull> =
                    serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[1], e))?;
                pulls.extend(page.into_iter().filter(|p| p.merged_at.is_some()));
                Ok(())
            };
            let l = list(
                &http,
                session,
                &CALLS[1],
                per_page(&http, &format!("/repos/{repo}/pulls"), PULLS_QUERY),
                &Pager::LinkHeader,
                &format!("{dir}/pulls"),
                each,
            )?;
            tally.add(CALLS[1].name, l);
            // Deployments: every one; the statuses of those created from shortly before the
            // window on.
            let mut deps: Vec<Deployment> = Vec::new();
            let each = &mut |body: &[u8]| {
                let page: Vec<Deployment> =
                    serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[2], e))?;
                deps.extend(page);
                Ok(())
            };
            let l = list(
                &http,
                session,
                &CALLS[2],
                per_page(&http, &format!("/repos/{repo}/deployments"), &[]),
                &Pager::LinkHeader,
                &format!("{dir}/deployments"),
                each,
            )?;
            tally.add(CALLS[2].name, l);
            let deps: Vec<Deployment> = deps
                .into_iter()
                .filter(|d| ts(&d.created_at).is_none_or(|c| c >= lead))
                .collect();
            let mut shas: BTreeSet<String> = BTreeSet::new();
            for d in &deps {
                let l = list(
                    &http,
                    session,
                    &CALLS[3],
                    per_page(
                        &http,
                        &format!("/repos/{repo}/deployments/{}/statuses", d.id),
                        &[],
                    ),
                    &Pager::LinkHeader,
                    &format!("{dir}/deployment-statuses/{}", d.id),
                    &mut |_: &[u8]| Ok(()),
                )?;
                tally.add(CALLS[3].name, l);
                if let Some(s) = &d.sha {
                    shas.insert(s.clone());
                }
            }
            // Reviews of the pull requests merged in the window or deployed; check runs of the
            // deployed commits and of the heads of the pull requests they deploy.
            let mut heads: BTreeSet<String> = BTreeSet::new();
            for p in &pulls {
                let head = p.head.as_ref().and_then(|h| h.sha.clone());
                let deployed = [&p.merge_commit_sha, &head]
                    .into_iter()
                    .flatten()
                    .any(|s| shas.contains(s));
                let merged_in_window = ts(&p.merged_at).is_some_and(|m| m >= start);
                if !(deployed || merged_in_window) {
                    continue;
                }
                let l = list(
                    &http,
                    session,
                    &CALLS[4],
                    per_page(
                        &http,
                        &format!("/repos/{repo}/pulls/{}/reviews", p.number),
                        &[],
                    ),
                    &Pager::LinkHeader,
                    &format!("{dir}/reviews/{}", p.number),
                    &mut |_: &[u8]| Ok(()),
                )?;
                tally.add(CALLS[4].name, l);
                if deployed && let Some(h) = head {
                    heads.insert(h);
                }
            }
            for sha in shas.iter().chain(heads.difference(&shas)) {
                let l = list(
                    &http,
                    session,
                    &CALLS[5],
                    per_page(
                        &http,
                        &format!(
                            "/repos/{repo}/commits/{}/check-runs",
                            crate::http::encode(sha)
                        ),
                        &[],
                    ),
                    &Pager::LinkHeader,
                    &format!("{dir}/check-runs/{}", folder(sha)),
                    &mut |_: &[u8]| Ok(()),
                )?;
                tally.add(CALLS[5].name, l);
            }
        }
        tally.record(
            session,
            &[&CALLS[1], &CALLS[2], &CALLS[3], &CALLS[4], &CALLS[5]],
            observed,
        );
        Ok(())
    }
}
