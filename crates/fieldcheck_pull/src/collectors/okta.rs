//! Okta: users (`GET /api/v1/users`, and the deprovisioned users the default listing omits), the
//! System Log over the window (`GET /api/v1/logs?since=&until=`, as far back as Okta keeps it),
//! and Identity Governance campaigns and their reviews. Shapes and paging as documented at
//! <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/>,
//! <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/> and
//! <https://developer.okta.com/docs/api/iga/openapi/governance-production-reference/campaigns/listcampaigns>.

use super::{Tally, base_url, client, enabled, folder_safe, json_page, plan_with, planned};
use crate::http::Http;
use crate::paging::{EventRange, Pager, list, list_call, retention_range};
use crate::session::{PullError, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

/// How long Okta keeps the System Log.
pub const SYSTEM_LOG_RETENTION_DAYS: i64 = 90;

const TOKEN: &str = "OKTA_API_TOKEN";

static CALLS: [CallSpec; 5] = [
    CallSpec {
        name: "users",
        request: "GET /api/v1/users",
        scope: "okta.users.read",
        events: false,
    },
    CallSpec {
        name: "users-deprovisioned",
        request: "GET /api/v1/users?search=status eq \"DEPROVISIONED\"",
        scope: "okta.users.read",
        events: false,
    },
    CallSpec {
        name: "system-log",
        request: "GET /api/v1/logs?since=&until=",
        scope: "okta.logs.read",
        events: true,
    },
    CallSpec {
        name: "iga-campaigns",
        request: "GET /governance/api/v1/campaigns",
        scope: "okta.governance.accessCertifications.read",
        events: false,
    },
    CallSpec {
        name: "iga-reviews",
        request: "GET /governance/api/v1/reviews?filter=campaignId eq \"<campaign>\"",
        scope: "okta.governance.accessCertifications.read",
        events: false,
    },
];

/// The Okta collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "okta",
    system: "Okta",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "domain",
            ty: OptTy::Str,
            required: false,
            help: "the Okta org's domain (`acme.okta.com`); required unless `base_url` is given",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "the API's base URL, instead of `https://<domain>` (a proxy, or a test server)",
        },
        OptSpec {
            name: "system_id",
            ty: OptTy::Str,
            required: true,
            help: "the system (a row of systems.csv) the Okta records belong to",
        },
        OptSpec {
            name: "auth",
            ty: OptTy::Str,
            required: false,
            help: "`ssws` (an API token, the default) or `bearer` (an OAuth 2.0 access token), both from OKTA_API_TOKEN",
        },
        OptSpec {
            name: "governance",
            ty: OptTy::Bool,
            required: false,
            help: "whether to pull Identity Governance campaigns and reviews; default true (set false for an org without Okta Identity Governance)",
        },
        OptSpec {
            name: "service_accounts",
            ty: OptTy::List,
            required: false,
            help: "passed to the `okta-users` source: logins of service accounts, as globs",
        },
        OptSpec {
            name: "service_types",
            ty: OptTy::List,
            required: false,
            help: "passed to the `okta-users` source: user type ids that mark service accounts",
        },
        OptSpec {
            name: "person_attribute",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `okta-users` source: the profile attribute naming the person",
        },
        OptSpec {
            name: "owner_attribute",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `okta-users` source: the attribute naming a service account's owner",
        },
        OptSpec {
            name: "privileged_attribute",
            ty: OptTy::Str,
            required: false,
            help: "passed to the `okta-users` source: a boolean attribute marking admin accounts",
        },
        OptSpec {
            name: "login_events",
            ty: OptTy::List,
            required: false,
            help: "passed to the `okta-system-log` source: event types that count as a sign-in",
        },
        OptSpec {
            name: "systems",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `okta-iga` source: campaign resources or names to systems",
        },
    ],
    secrets: &[SecretSpec {
        env: TOKEN,
        help: "an Okta API token (read-only administrator) or an OAuth 2.0 access token with the scopes listed",
    }],
    sources: &[
        SourceTemplate {
            adapter: "okta-users",
            path: "users*/page-*.json",
            calls: &["users", "users-deprovisioned"],
            options: &[
                "service_accounts",
                "service_types",
                "person_attribute",
                "owner_attribute",
                "privileged_attribute",
            ],
        },
        SourceTemplate {
            adapter: "okta-system-log",
            path: "system-log/page-*.json",
            options: &["login_events"],
            calls: &["system-log"],
        },
        SourceTemplate {
            adapter: "okta-iga",
            path: "iga-*/**/page-*.json",
            options: &["systems"],
            calls: &["iga-campaigns", "iga-reviews"],
        },
    ],
    example: "[[collectors]]\ncollector = \"okta\"\ndomain = \"acme.okta.com\"\nsystem_id = \"okta\"\nservice_accounts = [\"svc-*\"]\n# OKTA_API_TOKEN in the environment or the `[pull] secrets` file",
};

/// The Okta collector.
pub struct Okta;

/// The collector, to register.
pub static OKTA: Okta = Okta;

/// The System Log's range: from the window's start (or as far back as Okta keeps it) to the
/// earlier of now and the window's end, with the shortfall when the window starts earlier.
pub fn log_range(session: &Session<'_>) -> EventRange {
    retention_range(session, SYSTEM_LOG_RETENTION_DAYS, |start, kept_from| {
        format!(
            "Okta keeps the System Log for {SYSTEM_LOG_RETENTION_DAYS} days: the events from {start} to {kept_from} could not be pulled; add the archived System Log for them (exported earlier, or from a log archive) as an `okta-system-log` source"
        )
    })
}

fn governance(session: &Session<'_>) -> bool {
    enabled(session, "governance")
}

fn urls(http: &Http, session: &Session<'_>) -> [String; 4] {
    let (since, until, _) = log_range(session);
    [
        http.url("/api/v1/users", &[("limit", "200".into())]),
        http.url(
            "/api/v1/users",
            &[
                ("search", "status eq \"DEPROVISIONED\"".into()),
                ("limit", "200".into()),
            ],
        ),
        http.url(
            "/api/v1/logs",
            &[
                ("since", since.to_string()),
                ("until", until.to_string()),
                ("limit", "1000".into()),
                ("sortOrder", "ASCENDING".into()),
            ],
        ),
        http.url("/governance/api/v1/campaigns", &[("limit", "200".into())]),
    ]
}

fn reviews_url(http: &Http, campaign: &str) -> String {
    http.url(
        "/governance/api/v1/reviews",
        &[
            ("filter", format!("campaignId eq \"{campaign}\"")),
            ("limit", "200".into()),
        ],
    )
}

fn auth_prefix(session: &Session<'_>) -> &'static str {
    match session.option_str("auth") {
        Some(a) if a.eq_ignore_ascii_case("bearer") => "Bearer ",
        _ => "SSWS ",
    }
}

impl Collector for Okta {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, base_url(session, "domain"), |http| {
            let [users, deprov, logs, campaigns] = urls(http, session);
            let mut v = vec![
                planned(&CALLS[0], &users),
                planned(&CALLS[1], &deprov),
                planned(&CALLS[2], &logs),
            ];
            if governance(session) {
                v.push(planned(&CALLS[3], &campaigns));
                v.push(planned(
                    &CALLS[4],
                    &reviews_url(http, "<each campaign listed>"),
                ));
            }
            v
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let base = base_url(session, "domain")?;
        let http = client(session, &base, TOKEN, "Authorization", auth_prefix(session))?;
        let [users, deprov, logs, campaigns] = urls(&http, session);
        let none = &mut |_: &[u8]| Ok(());
        list_call(
            &http,
            session,
            &CALLS[0],
            users,
            &Pager::LinkHeader,
            None,
            none,
        )?;
        list_call(
            &http,
            session,
            &CALLS[1],
            deprov,
            &Pager::LinkHeader,
            None,
            none,
        )?;
        let range = log_range(session);
        list_call(
            &http,
            session,
            &CALLS[2],
            logs,
            &Pager::LinkHeader,
            Some(range),
            none,
        )?;
        if !governance(session) {
            return Ok(());
        }
        let mut ids: Vec<String> = Vec::new();
        let collect_ids = &mut |body: &[u8]| {
            let v = json_page(
                &SPEC,
                &CALLS[3],
                "campaigns",
                body,
                "check `base_url`: it must be the Okta org's API",
            )?;
            for c in v
                .get("data")
                .and_then(|d| d.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(id) = c.get("id").and_then(|x| x.as_str()) {
                    ids.push(id.to_string());
                }
            }
            Ok(())
        };
        list_call(
            &http,
            session,
            &CALLS[3],
            campaigns,
            &Pager::LinkOrBody("/_links/next/href"),
            None,
            collect_ids,
        )?;
        let observed = session.now();
        let mut tally = Tally::default();
        for id in &ids {
            let folder = format!("{}/{}", CALLS[4].name, folder_safe(id));
            let l = list(
                &http,
                session,
                &CALLS[4],
                reviews_url(&http, id),
                &Pager::LinkOrBody("/_links/next/href"),
                &folder,
                none,
            )?;
            tally.add(CALLS[4].name, l);
        }
        tally.record(session, &[&CALLS[4]], observed);
        Ok(())
    }
}
