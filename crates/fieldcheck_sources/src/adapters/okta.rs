//! Okta: the Users API (`GET /api/v1/users`) and the System Log (`GET /api/v1/logs`).

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;
use serde_json::Value;

use super::common::{required_time, time, unknown_value};
use crate::emit::Emitter;
use crate::read::json_records;
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `okta-users`.
pub(crate) static USERS: Adapter = Adapter {
    spec: &Spec {
        name: "okta-users",
        system: "Okta",
        reads: "the Okta Users API as returned (`GET /api/v1/users`, pages as separate files or concatenated; add `?search=status eq \"DEPROVISIONED\"` pages to include deprovisioned users)",
        produces: &[Kind::Accounts, Kind::Identities],
        needs_system: true,
        containers: &[],
        options: &[
            OptSpec {
                name: "service_accounts",
                ty: OptTy::List,
                help: "logins of service accounts, as globs (`svc-*@acme.com`); default: none",
            },
            OptSpec {
                name: "service_types",
                ty: OptTy::List,
                help: "Okta user type ids (`type.id`) that mark service accounts; default: none",
            },
            OptSpec {
                name: "person_attribute",
                ty: OptTy::Str,
                help: "the profile attribute naming the person behind a human account; default `email`",
            },
            OptSpec {
                name: "owner_attribute",
                ty: OptTy::Str,
                help: "the profile attribute naming a service account's owner; default: none",
            },
            OptSpec {
                name: "privileged_attribute",
                ty: OptTy::Str,
                help: "a boolean profile attribute marking admin accounts; default: none (privilege unknown)",
            },
        ],
        example: "[[sources]]\nadapter = \"okta-users\"\npath = \"exports/okta/users-*.json\"\nsystem_id = \"okta\"\nservice_accounts = [\"svc-*\"]",
    },
    run: run_users,
};

/// `okta-system-log`.
pub(crate) static SYSTEM_LOG: Adapter = Adapter {
    spec: &Spec {
        name: "okta-system-log",
        system: "Okta",
        reads: "Okta System Log events (LogEvent JSON from `GET /api/v1/logs`, as arrays or one event per line)",
        produces: &[Kind::AccountEvents, Kind::Identities],
        needs_system: true,
        containers: &[],
        options: &[OptSpec {
            name: "login_events",
            ty: OptTy::List,
            help: "event types that count as a sign-in; default `user.session.start` and `user.authentication.sso`",
        }],
        example: "[[sources]]\nadapter = \"okta-system-log\"\npath = \"exports/okta/system-log-*.json\"\nsystem_id = \"okta\"",
    },
    run: run_system_log,
};

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created: Value,
    #[serde(default, rename = "statusChanged")]
    status_changed: Value,
    #[serde(default, rename = "type")]
    user_type: Option<TypeRef>,
    #[serde(default)]
    profile: BTreeMap<String, Value>,
    #[serde(default)]
    credentials: Option<Credentials>,
}

#[derive(Deserialize)]
struct TypeRef {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    password: Option<Value>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn run_users(input: &Input<'_>, em: &mut Emitter) {
    let o = input.options;
    let service_logins = o.list("service_accounts");
    let service_types = o.list("service_types");
    let person_attr = o.str("person_attribute").unwrap_or("email").to_string();
    let owner_attr = o.str("owner_attribute").map(str::to_string);
    let priv_attr = o.str("privileged_attribute").map(str::to_string);
    let system = input.system_id.unwrap_or_default().to_string();
    json_records::<User>(input, em, &mut |u, at, em| {
        let login = text(u.profile.get("login")).unwrap_or_default();
        let email = text(u.profile.get("email"));
        let service = service_logins
            .iter()
            .any(|p| crate::files::matches(p, &login))
            || u.user_type
                .as_ref()
                .and_then(|t| t.id.as_ref())
                .is_some_and(|t| service_types.contains(t));
        let status = u.status.as_deref().unwrap_or("").to_ascii_uppercase();
        let (st, disabled) = match status.as_str() {
            "SUSPENDED" | "DEPROVISIONED" => ("disabled", true),
            "ACTIVE" | "PROVISIONED" | "STAGED" | "RECOVERY" | "LOCKED_OUT"
            | "PASSWORD_EXPIRED" | "ACTIVATING" => ("active", false),
            other => {
                unknown_value(
                    em,
                    at,
                    "status",
                    other,
                    "Okta statuses are ACTIVE, PROVISIONED, STAGED, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED and DEPROVISIONED",
                );
                return;
            }
        };
        let created = time(input, em, at, "created", &u.created);
        let changed = if disabled {
            time(input, em, at, "statusChanged", &u.status_changed)
        } else {
            None
        };
        let person = if service {
            None
        } else {
            text(u.profile.get(&person_attr))
        };
        let owner = if service {
            owner_attr.as_ref().and_then(|a| text(u.profile.get(a)))
        } else {
            None
        };
        let privileged = match priv_attr.as_ref().map(|a| (a, u.profile.get(a))) {
            None | Some((_, None | Some(Value::Null))) => None,
            Some((_, Some(Value::Bool(b)))) => Some(*b),
            Some((a, Some(v))) => {
                let raw = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match crate::value::present(&raw).map(crate::value::parse_bool) {
                    None => None,
                    Some(Some(b)) => Some(b),
                    Some(None) => {
                        unknown_value(
                            em,
                            at,
                            &format!("profile.{a}"),
                            &raw,
                            "the `privileged_attribute` must be a boolean (`true`/`false`, `yes`/`no`, `1`/`0`)",
                        );
                        return;
                    }
                }
            }
        };
        let interactive = if service {
            u.credentials.as_ref().map(|c| c.password.is_some())
        } else {
            Some(true)
        };
        em.row(Kind::Accounts, &at.file, at.line, at.path())
            .set("account_id", u.id.as_str())
            .set("kind", if service { "service" } else { "human" })
            .set("person_id", person)
            .set("owner_id", owner)
            .set("privileged", privileged)
            .set("status", (!st.is_empty()).then_some(st))
            .set("created_at", created)
            .set("disabled_at", changed)
            .set("interactive", interactive)
            .emit();
        if let Some(e) = email {
            em.identity(&at.file, at.line, at.path(), &system, &u.id, &e);
            em.identity(&at.file, at.line, at.path(), &system, &login, &e);
        }
    });
}

#[derive(Deserialize)]
struct LogEvent {
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default, rename = "eventType")]
    event_type: Option<String>,
    #[serde(default)]
    published: Value,
    #[serde(default)]
    actor: Option<Party>,
    #[serde(default)]
    target: Option<Vec<Party>>,
    #[serde(default)]
    outcome: Option<Outcome>,
}

#[derive(Deserialize)]
struct Party {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, rename = "alternateId")]
    alternate_id: Option<String>,
}

#[derive(Deserialize)]
struct Outcome {
    #[serde(default)]
    result: Option<String>,
}

fn run_system_log(input: &Input<'_>, em: &mut Emitter) {
    let mut logins = input.options.list("login_events");
    if logins.is_empty() {
        logins = vec![
            "user.session.start".into(),
            "user.authentication.sso".into(),
        ];
    }
    let system = input.system_id.unwrap_or_default().to_string();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut failed = 0u64;
    let mut seen: fieldcheck_kit::FastSet<String> = fieldcheck_kit::FastSet::default();
    json_records::<LogEvent>(input, em, &mut |ev, at, em| {
        // Overlapping pages repeat events: each uuid counts once.
        if let Some(u) = &ev.uuid
            && !seen.insert(u.clone())
        {
            em.duplicates += 1;
            return;
        }
        let ty = ev.event_type.clone().unwrap_or_default();
        let event = match ty.as_str() {
            "user.lifecycle.deactivate" | "user.lifecycle.suspend" => "disabled",
            "user.lifecycle.delete.completed" => "deleted",
            "user.lifecycle.activate"
            | "user.lifecycle.reactivate"
            | "user.lifecycle.unsuspend" => "enabled",
            "user.session.clear" => "sessions_revoked",
            t if logins.iter().any(|l| l == t) => "login",
            _ => {
                *skipped.entry(ty).or_default() += 1;
                return;
            }
        };
        let result = ev
            .outcome
            .as_ref()
            .and_then(|o| o.result.as_deref())
            .unwrap_or("");
        match result {
            "SUCCESS" | "ALLOW" => {}
            "FAILURE" | "DENY" | "SKIPPED" | "CHALLENGE" | "UNKNOWN" => {
                failed += 1;
                return;
            }
            // Whether the event happened decides the record: an outcome fieldcheck cannot read
            // is an error, not a skipped event.
            other => {
                unknown_value(
                    em,
                    at,
                    "outcome.result",
                    other,
                    "Okta outcomes are SUCCESS, ALLOW, FAILURE, DENY, SKIPPED, CHALLENGE and UNKNOWN",
                );
                return;
            }
        }
        // Lifecycle events name the user as the target; a sign-in's user is its actor.
        let user = if event == "login" {
            ev.actor.as_ref()
        } else {
            ev.target
                .as_ref()
                .and_then(|t| t.iter().find(|p| p.kind.as_deref() == Some("User")))
        };
        let Some(user) = user.filter(|u| u.id.is_some()) else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("the `{ty}` event names no user"),
                "the event was skipped",
            );
            return;
        };
        let Some(when) = required_time(&ev.published, Some(input.tz), "published", "event", at, em)
        else {
            return;
        };
        let id = user.id.clone().unwrap_or_default();
        let actor = ev
            .actor
            .as_ref()
            .and_then(|a| a.alternate_id.clone().or_else(|| a.id.clone()));
        em.row(Kind::AccountEvents, &at.file, at.line, at.path())
            .set("account_id", id.as_str())
            .set("event", event)
            .set("at", when)
            .set("actor_id", actor)
            .emit();
        if let Some(alt) = &user.alternate_id {
            em.identity(&at.file, at.line, at.path(), &system, &id, alt);
        }
    });
    if failed > 0 {
        em.diag(Diagnostic::new(
            Severity::Note,
            fieldcheck_kit::Code::SourceSkippedEvents,
            format!(
                "{failed} event{} without a SUCCESS outcome were skipped",
                if failed == 1 { "" } else { "s" }
            ),
        ));
    }
    let total: u64 = skipped.values().sum();
    if total > 0 {
        let top: Vec<String> = skipped
            .iter()
            .take(5)
            .map(|(t, n)| format!("`{t}` ×{n}"))
            .collect();
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedEvents,
                format!(
                    "{total} event{} of types fieldcheck does not use were skipped: {}",
                    if total == 1 { "" } else { "s" },
                    top.join(", ")
                ),
            )
            .help("only lifecycle, session-clear and sign-in events are evidence for the controls"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const USERS: &str = r#"[
  {"id": "00u1ann0000000001", "status": "ACTIVE", "created": "2023-04-02T10:11:12.000Z",
   "activated": "2023-04-02T10:11:13.000Z", "statusChanged": "2023-04-02T10:11:13.000Z",
   "lastLogin": "2026-03-01T09:00:00.000Z", "type": {"id": "oty1default0001"},
   "profile": {"login": "ann@example.com", "email": "Ann@Example.com", "firstName": "Ann", "lastName": "Lee", "isAdmin": true},
   "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}},
  {"id": "00u3m90rxKjGQ0G6L1d6", "status": "DEPROVISIONED", "created": "2020-01-06T14:00:00.000Z",
   "statusChanged": "2026-03-14T18:15:12.862Z", "lastLogin": null,
   "profile": {"login": "kenji@example.com", "email": "kenji@example.com"}}
]
"#;
    const USERS_PAGE2: &str = r#"[{"id": "00u8svcbackup00001", "status": "ACTIVE", "created": "2023-04-02T10:11:12.000Z",
  "type": {"id": "oty1svcaccounts0001"},
  "profile": {"login": "svc-backup@example.com", "email": "platform@example.com", "owner": "ann@example.com"},
  "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}},
 {"id": "00u9odd", "status": "WEIRD", "created": "2023-04-02T10:11:12.000Z", "profile": {"login": "x@example.com"}}]"#;

    #[test]
    fn users_become_accounts_and_identities() {
        let out = run(
            "[[sources]]\nadapter = \"okta-users\"\npath = \"okta/users-*.json\"\nsystem_id = \"okta\"\nservice_types = [\"oty1svcaccounts0001\"]\nowner_attribute = \"owner\"\nprivileged_attribute = \"isAdmin\"",
            &[
                ("okta/users-1.json", USERS.as_bytes()),
                ("okta/users-2.json", USERS_PAGE2.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("accounts").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=00u1ann0000000001|created_at=2023-04-02T10:11:12Z|interactive=true|kind=human|person_id=Ann@Example.com|privileged=true|status=active|system_id=okta",
                "account_id=00u3m90rxKjGQ0G6L1d6|created_at=2020-01-06T14:00:00Z|disabled_at=2026-03-14T18:15:12.862Z|interactive=true|kind=human|person_id=kenji@example.com|status=disabled|system_id=okta",
                "account_id=00u8svcbackup00001|created_at=2023-04-02T10:11:12Z|interactive=false|kind=service|owner_id=ann@example.com|status=active|system_id=okta",
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert!(
            ids.contains(
                &"external_id=00u1ann0000000001|person_id=Ann@Example.com|system_id=okta"
                    .to_string()
            ),
            "{ids:?}"
        );
        // The status `WEIRD` maps to no account status: an error on the user's line (the
        // user is skipped), so the accounts' controls are not evidenced.
        assert_eq!(out.codes(), ["unknown-value"]);
        let d = &out.diags[0];
        assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("okta/users-2.json"), Some(5))
        );
        assert!(d.message.contains("`status` is `WEIRD`"), "{}", d.message);
        assert!(!out.problems("accounts").is_empty());
        let o = &out.origins("accounts")[2];
        assert_eq!((o.line, o.path.as_deref()), (1, Some("$[0]")));
    }

    const LOG: &str = r#"{"uuid": "1", "published": "2026-03-14T18:15:12.862Z", "eventType": "user.lifecycle.deactivate",
 "actor": {"id": "00u1admin00000001", "type": "User", "alternateId": "it-admin@example.com", "displayName": "IT Admin"},
 "target": [{"id": "00u3m90rxKjGQ0G6L1d6", "type": "User", "alternateId": "kenji@example.com", "displayName": "Kenji Watanabe"}],
 "outcome": {"result": "SUCCESS", "reason": null}}
{"uuid": "2", "published": "2026-03-14T18:16:00.000Z", "eventType": "user.session.clear", "actor": {"id": "00u1admin00000001", "type": "User", "alternateId": "it-admin@example.com"}, "target": [{"id": "00u3m90rxKjGQ0G6L1d6", "type": "User", "alternateId": "kenji@example.com"}], "outcome": {"result": "SUCCESS"}}
{"uuid": "3", "published": "2026-03-13T09:00:00.000Z", "eventType": "user.session.start", "actor": {"id": "00u3m90rxKjGQ0G6L1d6", "type": "User", "alternateId": "kenji@example.com"}, "outcome": {"result": "SUCCESS"}}
{"uuid": "4", "published": "2026-03-13T09:01:00.000Z", "eventType": "user.session.start", "actor": {"id": "00u3m90rxKjGQ0G6L1d6", "type": "User"}, "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}}
{"uuid": "5", "published": "2026-03-13T09:02:00.000Z", "eventType": "policy.evaluate_sign_on", "outcome": {"result": "ALLOW"}}
{"uuid": "6", "published": "not a time", "eventType": "user.lifecycle.suspend", "target": [{"id": "00u1", "type": "User"}], "outcome": {"result": "SUCCESS"}}
"#;

    #[test]
    fn system_log_events_map_to_account_events() {
        let out = run(
            "[[sources]]\nadapter = \"okta-system-log\"\npath = \"okta/log.jsonl\"\nsystem_id = \"okta\"",
            &[("okta/log.jsonl", LOG.as_bytes())],
        );
        let rows: Vec<String> = out.rows("account_events").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=00u3m90rxKjGQ0G6L1d6|actor_id=it-admin@example.com|at=2026-03-14T18:15:12.862Z|event=disabled|system_id=okta",
                "account_id=00u3m90rxKjGQ0G6L1d6|actor_id=it-admin@example.com|at=2026-03-14T18:16:00Z|event=sessions_revoked|system_id=okta",
                "account_id=00u3m90rxKjGQ0G6L1d6|actor_id=kenji@example.com|at=2026-03-13T09:00:00Z|event=login|system_id=okta",
            ]
        );
        // The bad timestamp is an error on its line; failures and unused types are counted notes.
        assert_eq!(
            out.codes(),
            [
                "bad-value",
                "source-skipped-events",
                "source-skipped-events"
            ]
        );
        assert_eq!(out.diags[0].line, Some(9));
        assert!(
            out.diags[2]
                .message
                .contains("`policy.evaluate_sign_on` ×1"),
            "{}",
            out.diags[2].message
        );
        assert_eq!(out.rows("identities").len(), 1);
    }

    #[test]
    fn overlapping_pages_count_each_event_once_but_distinct_events_twice() {
        let first = LOG.lines().nth(5).unwrap();
        let twin = first.replace("\"uuid\": \"3\"", "\"uuid\": \"3b\"");
        let out = run(
            "[[sources]]\nadapter = \"okta-system-log\"\npath = \"okta/*.jsonl\"\nsystem_id = \"okta\"",
            &[
                ("okta/a.jsonl", format!("{first}\n{twin}\n").as_bytes()),
                ("okta/b.jsonl", first.as_bytes()),
            ],
        );
        // Two sign-ins in the same millisecond are two events; the repeated page is not.
        assert_eq!(out.rows("account_events").len(), 2);
        assert_eq!(out.codes(), ["source-duplicate-records"]);
    }

    #[test]
    fn a_truncated_page_keeps_earlier_events_and_marks_the_evidence_incomplete() {
        let cut = &LOG[..LOG.find("{\"uuid\": \"3\"").unwrap() + 40];
        let out = run(
            "[[sources]]\nadapter = \"okta-system-log\"\npath = \"okta/*.jsonl\"\nsystem_id = \"okta\"",
            &[
                ("okta/a.jsonl", cut.as_bytes()),
                ("okta/b.jsonl", LOG.lines().nth(5).unwrap().as_bytes()),
            ],
        );
        assert_eq!(out.rows("account_events").len(), 3);
        assert!(
            out.codes().contains(&"truncated-export"),
            "{:?}",
            out.codes()
        );
        let d = out
            .diags
            .iter()
            .find(|d| d.code == "truncated-export")
            .unwrap();
        assert_eq!((d.file.as_deref(), d.line), (Some("okta/a.jsonl"), Some(6)));
        assert_eq!(out.problems("account_events").len(), 1);
    }

    /// "List Users with Advanced Search", the response example of Okta's Users API reference,
    /// https://developer.okta.com/docs/api/resources/users.html#list-users-with-advanced-search
    /// (okta/okta-developer-docs, `_source/_docs/api/resources/users.md`), with its `_links`.
    const DOC_USERS: &str = r#"[
  {
    "id": "00ub0oNGTSWTBKOLGLNR",
    "status": "ACTIVE",
    "created": "2013-06-24T16:39:18.000Z",
    "activated": "2013-06-24T16:39:19.000Z",
    "statusChanged": "2013-06-24T16:39:19.000Z",
    "lastLogin": "2013-06-24T17:39:19.000Z",
    "lastUpdated": "2013-07-02T21:36:25.344Z",
    "passwordChanged": "2013-07-02T21:36:25.344Z",
    "profile": {
      "firstName": "Isaac",
      "lastName": "Brock",
      "email": "isaac.brock@example.com",
      "login": "isaac.brock@example.com",
      "mobilePhone": "555-415-1337"
    },
    "credentials": {
      "password": {},
      "recovery_question": {
        "question": "Who's a major player in the cowboy scene?"
      },
      "provider": {
        "type": "OKTA",
        "name": "OKTA"
      }
    },
    "_links": {
      "resetPassword": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/reset_password"
      },
      "resetFactors": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/reset_factors"
      },
      "expirePassword": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/expire_password"
      },
      "forgotPassword": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/credentials/forgot_password"
      },
      "changeRecoveryQuestion": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/credentials/change_recovery_question"
      },
      "deactivate": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/deactivate"
      },
      "changePassword": {
        "href": "https://your-domain.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR/credentials/change_password"
      }
    }
  }
]"#;

    #[test]
    fn documented_users_response_is_read_as_printed() {
        let out = run(
            "[[sources]]\nadapter = \"okta-users\"\npath = \"okta/users.json\"\nsystem_id = \"okta\"",
            &[("okta/users.json", DOC_USERS.as_bytes())],
        );
        let rows: Vec<String> = out.rows("accounts").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=00ub0oNGTSWTBKOLGLNR|created_at=2013-06-24T16:39:18Z|interactive=true|kind=human|person_id=isaac.brock@example.com|status=active|system_id=okta"
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            ["external_id=00ub0oNGTSWTBKOLGLNR|person_id=isaac.brock@example.com|system_id=okta"]
        );
        assert!(out.codes().is_empty(), "{:?}", out.diags);
        let o = &out.origins("accounts")[0];
        assert_eq!((o.line, o.path.as_deref()), (2, Some("$[0]")));
    }

    /// "Example LogEvent object" of Okta's System Log API reference, as printed there (its
    /// `published` is September 31st, a day that does not exist),
    /// https://developer.okta.com/docs/reference/api/system-log/#example-logevent-object
    /// (okta/okta-developer-docs, `packages/@okta/vuepress-site/docs/reference/api/system-log/index.md`).
    const DOC_LOG_EVENT: &str = r#"{
  "version": "0",
  "severity": "INFO",
  "client": {
    "zone": "OFF_NETWORK",
    "device": "Unknown",
    "userAgent": {
      "os": "Unknown",
      "browser": "UNKNOWN",
      "rawUserAgent": "UNKNOWN-DOWNLOAD"
    },
    "ipAddress": "12.97.85.90"
  },
  "device": {
    "id": "guob5wtu7rBggkg9G1d7",
    "name": "MacBookPro16,1",
    "os_platform": "OSX",
    "os_version": "14.3.0",
    "managed": false,
    "registered": true,
    "device_integrator": null,
    "disk_encryption_type": "ALL_INTERNAL_VOLUMES",
    "screen_lock_type": "BIOMETRIC",
    "jailbreak": null,
    "secure_hardware_present": true
  },
  "actor": {
    "id": "00u1qw1mqitPHM8AJ0g7",
    "type": "User",
    "alternateId": "admin@example.com",
    "displayName": "John Doe"
  },
  "outcome": {
    "result": "SUCCESS"
  },
  "uuid": "f790999f-fe87-467a-9880-6982a583986c",
  "published": "2017-09-31T22:23:07.777Z",
  "eventType": "user.session.start",
  "displayMessage": "User login to Okta",
  "transaction": {
    "type": "WEB",
    "id": "V04Oy4ubUOc5UuG6s9DyNQAABtc"
  },
  "debugContext": {
    "debugData": {
      "requestUri": "/login/do-login"
    }
  },
  "legacyEventType": "core.user_auth.login_success",
  "authenticationContext": {
    "authenticationStep": 0,
    "externalSessionId": "1013FfF-DKQSvCI4RVXChzX-w"
  }
}"#;

    #[test]
    fn documented_log_event_is_read_as_printed() {
        let block = "[[sources]]\nadapter = \"okta-system-log\"\npath = \"okta/log.json\"\nsystem_id = \"okta\"";
        // As printed: September 31st is no timestamp, so the sign-in has no time: an error on
        // its line, never a guessed day.
        let out = run(block, &[("okta/log.json", DOC_LOG_EVENT.as_bytes())]);
        assert!(out.rows("account_events").is_empty());
        assert_eq!(out.codes(), ["bad-value"], "{:?}", out.diags);
        assert_eq!(out.diags[0].line, Some(1));
        assert!(
            out.diags[0]
                .message
                .contains("`published` is not a timestamp")
        );
        // The same event on a day that exists is the actor's sign-in.
        let fixed = DOC_LOG_EVENT.replace("2017-09-31", "2017-09-30");
        let out = run(block, &[("okta/log.json", fixed.as_bytes())]);
        let rows: Vec<String> = out.rows("account_events").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=00u1qw1mqitPHM8AJ0g7|actor_id=admin@example.com|at=2017-09-30T22:23:07.777Z|event=login|system_id=okta"
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            ["external_id=00u1qw1mqitPHM8AJ0g7|person_id=admin@example.com|system_id=okta"]
        );
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }
}
