//! Microsoft Entra ID through Microsoft Graph v1.0: users with the properties the `entra-users`
//! adapter reads (`GET /users?$select=`) and the deleted users still restorable
//! (`GET /directory/deletedItems/microsoft.graph.user`), the directory audit log over the window
//! (`GET /auditLogs/directoryAudits?$filter=activityDateTime ge … and activityDateTime le …`, as far
//! back as Graph keeps it), access review definitions, their instances and the instances'
//! decisions (`/identityGovernance/accessReviews/...`), and service principals with their owners
//! (`GET /servicePrincipals?$expand=owners`). The token is an app-only one from the client
//! credentials grant. Shapes and paging as documented at
//! <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/directoryaudit-list?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/accessreviewset-list-definitions?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/accessreviewscheduledefinition-list-instances?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/accessreviewinstance-list-decisions?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/paging>,
//! <https://learn.microsoft.com/en-us/graph/throttling> and
//! <https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>.

use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use super::{Tally, authenticated, call_error, enabled, folder, plan_with, planned, url_option};
use crate::http::{Auth, Http};
use crate::paging::{EventRange, Pager, list, list_call, retention_range};
use crate::session::{PullError, Secret, Session};
use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};
use crate::{Collector, Planned};

/// How long Microsoft Graph keeps the directory audit log (Entra ID P1/P2; 7 days on the free
/// tier).
pub const AUDIT_RETENTION_DAYS: i64 = 30;

/// The properties of a user the `entra-users` adapter reads (Graph's default selection lacks
/// `accountEnabled` and `createdDateTime`).
pub const USER_SELECT: &str =
    "id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime";

const TENANT: &str = "ENTRA_TENANT_ID";
const CLIENT: &str = "ENTRA_CLIENT_ID";
const SECRET: &str = "ENTRA_CLIENT_SECRET";

static CALLS: [CallSpec; 7] = [
    CallSpec {
        name: "users",
        request: "GET /users?$select=id,userPrincipalName,mail,displayName,accountEnabled,createdDateTime",
        scope: "User.Read.All (application permission)",
        events: false,
    },
    CallSpec {
        name: "users-deleted",
        request: "GET /directory/deletedItems/microsoft.graph.user?$select=…,deletedDateTime",
        scope: "User.Read.All (application permission)",
        events: false,
    },
    CallSpec {
        name: "directory-audits",
        request: "GET /auditLogs/directoryAudits?$filter=activityDateTime ge <from> and activityDateTime le <to>",
        scope: "AuditLog.Read.All (application permission)",
        events: true,
    },
    CallSpec {
        name: "access-review-definitions",
        request: "GET /identityGovernance/accessReviews/definitions",
        scope: "AccessReview.Read.All (application permission)",
        events: false,
    },
    CallSpec {
        name: "access-review-instances",
        request: "GET /identityGovernance/accessReviews/definitions/{id}/instances",
        scope: "AccessReview.Read.All (application permission)",
        events: false,
    },
    CallSpec {
        name: "access-review-decisions",
        request: "GET /identityGovernance/accessReviews/definitions/{id}/instances/{id}/decisions",
        scope: "AccessReview.Read.All (application permission)",
        events: false,
    },
    CallSpec {
        name: "service-principals",
        request: "GET /servicePrincipals?$expand=owners",
        scope: "Application.Read.All (application permission)",
        events: false,
    },
];

/// The Entra collector's description.
pub static SPEC: CollectorSpec = CollectorSpec {
    name: "entra",
    system: "Microsoft Entra ID",
    calls: &CALLS,
    options: &[
        OptSpec {
            name: "system_id",
            ty: OptTy::Str,
            required: true,
            help: "the system (a row of systems.csv) the Entra records belong to",
        },
        OptSpec {
            name: "base_url",
            ty: OptTy::Str,
            required: false,
            help: "Microsoft Graph's base URL; default `https://graph.microsoft.com/v1.0` (a national cloud, or a test server)",
        },
        OptSpec {
            name: "login_url",
            ty: OptTy::Str,
            required: false,
            help: "the token endpoint's host; default `https://login.microsoftonline.com` (a national cloud, or a test server)",
        },
        OptSpec {
            name: "access_reviews",
            ty: OptTy::Bool,
            required: false,
            help: "whether to pull access reviews; default true (set false for a tenant without Entra ID Governance or P2)",
        },
        OptSpec {
            name: "service_accounts",
            ty: OptTy::List,
            required: false,
            help: "passed to the `entra-users` source: userPrincipalNames of service accounts, as globs",
        },
        OptSpec {
            name: "owners",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `entra-users` source: the owner of each service account",
        },
        OptSpec {
            name: "activities",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `entra-audit` source: more activity names and the event each is",
        },
        OptSpec {
            name: "systems",
            ty: OptTy::Map,
            required: false,
            help: "passed to the `entra-access-reviews` source: definition id or name → system",
        },
        OptSpec {
            name: "microsoft_apps",
            ty: OptTy::Bool,
            required: false,
            help: "passed to the `entra-apps` source: include Microsoft's first-party service principals",
        },
    ],
    secrets: &[
        SecretSpec {
            env: TENANT,
            help: "the tenant (directory) id of the Entra tenant",
        },
        SecretSpec {
            env: CLIENT,
            help: "the application (client) id of an app registration granted the application permissions listed, with admin consent",
        },
        SecretSpec {
            env: SECRET,
            help: "a client secret of that app registration (client credentials grant)",
        },
    ],
    sources: &[
        SourceTemplate {
            adapter: "entra-users",
            path: "users*/page-*.json",
            calls: &["users", "users-deleted"],
            options: &["service_accounts", "owners"],
        },
        SourceTemplate {
            adapter: "entra-audit",
            path: "directory-audits/page-*.json",
            calls: &["directory-audits"],
            options: &["activities"],
        },
        SourceTemplate {
            adapter: "entra-access-reviews",
            path: "access-review-*/**/page-*.json",
            calls: &["access-review-definitions"],
            options: &["systems"],
        },
        SourceTemplate {
            adapter: "entra-apps",
            path: "service-principals/page-*.json",
            calls: &["service-principals"],
            options: &["microsoft_apps"],
        },
    ],
    example: "[[collectors]]\ncollector = \"entra\"\nsystem_id = \"entra\"\nservice_accounts = [\"svc-*\"]\n# ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET in the environment or the `[pull] secrets` file",
};

/// The Entra collector.
pub struct Entra;

/// The collector, to register.
pub static ENTRA: Entra = Entra;

/// The directory audit log's range: from the window's start (or as far back as Graph keeps it)
/// to the earlier of now and the window's end, with the shortfall when the window starts
/// earlier.
pub fn audit_range(session: &Session<'_>) -> EventRange {
    retention_range(session, AUDIT_RETENTION_DAYS, |start, kept_from| {
        format!(
            "Microsoft Graph keeps the directory audit log for {AUDIT_RETENTION_DAYS} days (Entra ID P1/P2): the events from {start} to {kept_from} could not be pulled; add them from a log archive (audit logs streamed to Log Analytics, a storage account or a SIEM) as an `entra-audit` source"
        )
    })
}

fn reviews_on(session: &Session<'_>) -> bool {
    enabled(session, "access_reviews")
}

fn graph_base(session: &Session<'_>) -> String {
    url_option(session, "base_url", "https://graph.microsoft.com/v1.0")
}

fn login_base(session: &Session<'_>) -> String {
    url_option(session, "login_url", "https://login.microsoftonline.com")
}

fn urls(http: &Http, session: &Session<'_>) -> [String; 5] {
    let (from, to, _) = audit_range(session);
    [
        http.url(
            "/users",
            &[("$select", USER_SELECT.into()), ("$top", "999".into())],
        ),
        http.url(
            "/directory/deletedItems/microsoft.graph.user",
            &[
                ("$select", format!("{USER_SELECT},deletedDateTime")),
                ("$top", "999".into()),
            ],
        ),
        http.url(
            "/auditLogs/directoryAudits",
            &[(
                "$filter",
                format!("activityDateTime ge {from} and activityDateTime le {to}"),
            )],
        ),
        http.url("/identityGovernance/accessReviews/definitions", &[]),
        http.url("/servicePrincipals", &[("$expand", "owners".into())]),
    ]
}

#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct InstanceRef {
    id: String,
    #[serde(default, rename = "endDateTime")]
    end: Option<String>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

fn bad_page(call: &CallSpec, e: serde_json::Error) -> PullError {
    call_error(
        &SPEC,
        call.name,
        format!("a page is not the JSON Microsoft Graph documents ({e})"),
        "check `base_url`: it must be Microsoft Graph v1.0 (`https://graph.microsoft.com/v1.0`)",
    )
}

/// An app-only access token from the client credentials grant (`POST
/// /{tenant}/oauth2/v2.0/token`), never written anywhere.
fn token(session: &Session<'_>) -> Result<Secret, PullError> {
    let tenant = session.secret(TENANT)?.clone();
    let client = session.secret(CLIENT)?.clone();
    let secret = session.secret(SECRET)?.clone();
    let login = login_base(session);
    // The same rule as for the API: https, or plain http to this machine only.
    Http::new(SPEC.name, &login, None, Default::default()).map_err(|e| match e {
        PullError::Call { message, .. } => call_error(
            &SPEC,
            "token",
            message,
            "fix `login_url` in the `entra` collector",
        ),
        e => e,
    })?;
    let url = format!(
        "{login}/{}/oauth2/v2.0/token",
        crate::http::encode(tenant.expose())
    );
    let scope = if session.option_str("base_url").is_some() {
        format!("{}/.default", origin_of(&graph_base(session)))
    } else {
        "https://graph.microsoft.com/.default".into()
    };
    let redact = |t: &str| {
        let mut t = t.to_string();
        for s in [&secret, &client] {
            if !s.expose().is_empty() {
                t = t.replace(s.expose(), "<redacted>");
            }
        }
        t
    };
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .user_agent(concat!("fieldcheck/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent: ureq::Agent = config.into();
    let fail = |message: String, help: &str| call_error(&SPEC, "token", redact(&message), help);
    let mut resp = agent
        .post(&url)
        .header("Accept", "application/json")
        .send_form([
            ("client_id", client.expose()),
            ("client_secret", secret.expose()),
            ("scope", scope.as_str()),
            ("grant_type", "client_credentials"),
        ])
        .map_err(|e| {
            fail(
                format!("POST {login}/<tenant>/oauth2/v2.0/token: {e}"),
                "check `login_url` and the network; run the pull again",
            )
        })?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_vec()
        .unwrap_or_default();
    if status != 200 {
        #[derive(Deserialize, Default)]
        struct Err {
            #[serde(default)]
            error: String,
            #[serde(default)]
            error_description: String,
        }
        let e: Err = serde_json::from_slice(&body).unwrap_or_default();
        let first = e.error_description.lines().next().unwrap_or("").to_string();
        return Err(fail(
            format!(
                "the token endpoint answered {status} ({}: {first})",
                if e.error.is_empty() {
                    "no error code"
                } else {
                    &e.error
                }
            ),
            "check ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (an expired client secret is `AADSTS7000222`): the app registration needs a valid client secret",
        ));
    }
    let t: Token = serde_json::from_slice(&body).map_err(|e| {
        fail(
            format!("the token endpoint's answer has no `access_token` ({e})"),
            "check `login_url`: it must be the Microsoft identity platform",
        )
    })?;
    Ok(Secret::new(t.access_token))
}

fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((s, rest)) => format!("{s}://{}", rest.split('/').next().unwrap_or("")),
        None => url.to_string(),
    }
}

impl Collector for Entra {
    fn spec(&self) -> &'static CollectorSpec {
        &SPEC
    }

    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        plan_with(&SPEC, Ok(graph_base(session)), |http| {
            let [users, deleted, audits, defs, sps] = urls(http, session);
            let mut v = vec![
                planned(&CALLS[0], &users),
                planned(&CALLS[1], &deleted),
                planned(&CALLS[2], &audits),
            ];
            if reviews_on(session) {
                v.push(planned(&CALLS[3], &defs));
                v.push(planned(
                    &CALLS[4],
                    &http.url(
                        "/identityGovernance/accessReviews/definitions/<each definition>/instances",
                        &[],
                    ),
                ));
                v.push(planned(
                    &CALLS[5],
                    &http.url(
                        "/identityGovernance/accessReviews/definitions/<definition>/instances/<each instance>/decisions",
                        &[],
                    ),
                ));
            }
            v.push(planned(&CALLS[6], &sps));
            v
        })
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let base = graph_base(session);
        let access = token(session)?;
        let now = session.now();
        let http = authenticated(
            session,
            &base,
            Auth {
                header: "Authorization",
                prefix: "Bearer ",
                secret: access,
                env: "the Entra app registration (ENTRA_CLIENT_ID)",
            },
        )?;
        let [users, deleted, audits, defs, sps] = urls(&http, session);
        let next = Pager::BodyUrl("/@odata.nextLink");
        let none = &mut |_: &[u8]| Ok(());
        list_call(&http, session, &CALLS[0], users, &next, None, none)?;
        list_call(&http, session, &CALLS[1], deleted, &next, None, none)?;
        let range = audit_range(session);
        list_call(&http, session, &CALLS[2], audits, &next, Some(range), none)?;
        if reviews_on(session) {
            let mut def_ids: Vec<String> = Vec::new();
            let each = &mut |body: &[u8]| {
                let p: Page<Id> =
                    serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[3], e))?;
                def_ids.extend(p.value.into_iter().map(|d| d.id));
                Ok(())
            };
            list_call(&http, session, &CALLS[3], defs, &next, None, each)?;
            let start = session.window_start();
            let mut tally = Tally::default();
            for def in &def_ids {
                let mut insts: Vec<InstanceRef> = Vec::new();
                let each = &mut |body: &[u8]| {
                    let p: Page<InstanceRef> =
                        serde_json::from_slice(body).map_err(|e| bad_page(&CALLS[4], e))?;
                    insts.extend(p.value);
                    Ok(())
                };
                let path = format!(
                    "/identityGovernance/accessReviews/definitions/{}/instances",
                    crate::http::encode(def)
                );
                let l = list(
                    &http,
                    session,
                    &CALLS[4],
                    http.url(&path, &[]),
                    &next,
                    &format!("{}/{}", CALLS[4].name, folder(def)),
                    each,
                )?;
                tally.add(CALLS[4].name, l);
                // The decisions of the instances that ended in the window or later (or have not
                // ended): an instance over before the window is no evidence for it.
                for i in insts.iter().filter(|i| {
                    i.end
                        .as_deref()
                        .and_then(|e| e.parse::<Timestamp>().ok())
                        .is_none_or(|e| e >= start)
                }) {
                    let l = list(
                        &http,
                        session,
                        &CALLS[5],
                        http.url(
                            &format!("{path}/{}/decisions", crate::http::encode(&i.id)),
                            &[],
                        ),
                        &next,
                        &format!("{}/{}/{}", CALLS[5].name, folder(def), folder(&i.id)),
                        none,
                    )?;
                    tally.add(CALLS[5].name, l);
                }
            }
            tally.record(session, &[&CALLS[4], &CALLS[5]], now);
        }
        list_call(&http, session, &CALLS[6], sps, &next, None, none)?;
        Ok(())
    }
}
