//! Microsoft Entra ID through Microsoft Graph: users (`GET /users`), the directory audit log
//! (`GET /auditLogs/directoryAudits`), access reviews (`/identityGovernance/accessReviews/...`)
//! and applications and service principals (`GET /applications`, `GET /servicePrincipals`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::common::{required_time, time};
use crate::emit::Emitter;
use crate::read::{At, bad_json, json_file, json_records};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `entra-users`.
pub(crate) static USERS: Adapter = Adapter {
    spec: &Spec {
        name: "entra-users",
        system: "Microsoft Entra ID",
        reads: "Microsoft Graph users as returned (`GET /users?$select=id,userPrincipalName,mail,accountEnabled,createdDateTime`, `{\"value\": [...], \"@odata.nextLink\": ...}` pages as separate files or concatenated, every page up to the one without `@odata.nextLink`; deleted users from `GET /directory/deletedItems/microsoft.graph.user` too)",
        produces: &[Kind::Accounts, Kind::Identities],
        needs_system: true,
        containers: &["value"],
        options: &[
            OptSpec {
                name: "service_accounts",
                ty: OptTy::List,
                help: "userPrincipalNames of service accounts, as globs (`svc-*@acme.com`); default: none (every user is human)",
            },
            OptSpec {
                name: "owners",
                ty: OptTy::Map,
                help: "the owner of each service account: userPrincipalName → person; default: none",
            },
        ],
        example: "[[sources]]\nadapter = \"entra-users\"\npath = \"exports/entra/users-*.json\"\nsystem_id = \"entra\"\nservice_accounts = [\"svc-*\"]",
    },
    run: run_users,
};

/// `entra-audit`.
pub(crate) static AUDIT: Adapter = Adapter {
    spec: &Spec {
        name: "entra-audit",
        system: "Microsoft Entra ID",
        reads: "the Entra directory audit log from Microsoft Graph (`GET /auditLogs/directoryAudits`, `{\"value\": [...]}` pages as separate files or concatenated, every page up to the one without `@odata.nextLink`, or one record per line)",
        produces: &[Kind::AccountEvents, Kind::Identities],
        needs_system: true,
        containers: &["value"],
        options: &[OptSpec {
            name: "activities",
            ty: OptTy::Map,
            help: "more activity names and the event each is (`disabled`, `enabled`, `deleted`, `sessions_revoked`, `login`); default: `Disable account`, `Enable account`, `Delete user`, `Hard Delete user`, `Restore user`, `Update StsRefreshTokenValidFrom Timestamp` and `Update user` changing AccountEnabled",
        }],
        example: "[[sources]]\nadapter = \"entra-audit\"\npath = \"exports/entra/audit-*.json\"\nsystem_id = \"entra\"",
    },
    run: run_audit,
};

/// `entra-access-reviews`.
pub(crate) static ACCESS_REVIEWS: Adapter = Adapter {
    spec: &Spec {
        name: "entra-access-reviews",
        system: "Microsoft Entra ID Governance",
        reads: "Entra access reviews from Microsoft Graph v1.0: definitions (`GET /identityGovernance/accessReviews/definitions`), instances (`.../definitions/{id}/instances`) and decisions (`.../instances/{id}/decisions`), `{\"@odata.context\": ..., \"value\": [...]}` pages as returned (every page of each listing), in any files of the source",
        produces: &[
            Kind::AccessReviews,
            Kind::AccessReviewDecisions,
            Kind::Identities,
        ],
        needs_system: true,
        containers: &["value"],
        options: &[OptSpec {
            name: "systems",
            ty: OptTy::Map,
            help: "the system each review covers: a definition id or displayName → a system_id of systems.csv (instances are linked to their definition by the page's `@odata.context`); default: the source's `system_id`",
        }],
        example: "[[sources]]\nadapter = \"entra-access-reviews\"\npath = \"exports/entra/access-reviews/*.json\"\nsystem_id = \"entra\"\nsystems = { \"Quarterly AWS production access\" = \"aws-prod\" }",
    },
    run: run_access_reviews,
};

/// `entra-apps`.
pub(crate) static APPS: Adapter = Adapter {
    spec: &Spec {
        name: "entra-apps",
        system: "Microsoft Entra ID",
        reads: "Entra applications and service principals from Microsoft Graph (`GET /applications?$expand=owners` and `GET /servicePrincipals?$expand=owners`, `{\"value\": [...]}` pages as returned, every page), with their `passwordCredentials` and `keyCredentials`",
        produces: &[Kind::Accounts, Kind::Credentials],
        needs_system: true,
        containers: &["value"],
        options: &[
            OptSpec {
                name: "owners",
                ty: OptTy::Map,
                help: "the owner of apps whose export lists no `owners`: appId or displayName → person; default: none",
            },
            OptSpec {
                name: "microsoft_apps",
                ty: OptTy::Bool,
                help: "include Microsoft's own first-party service principals (owned by Microsoft's tenants); default false: they are counted in a note and left out",
            },
        ],
        example: "[[sources]]\nadapter = \"entra-apps\"\npath = \"exports/entra/apps/*.json\"\nsystem_id = \"entra\"",
    },
    run: run_apps,
};

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn plural(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 { "" } else { "s" }
}

/// A Graph listing cut short: pages of one listing (one `@odata.context`, the part before any
/// `?`) that all carry an `@odata.nextLink`, so the page it points to, and any after it, were
/// not exported. Reported once per listing as `source-missing-pages`, an error.
fn missing_pages(input: &Input<'_>, em: &mut Emitter) {
    #[derive(Deserialize)]
    struct Page {
        #[serde(default, rename = "@odata.context")]
        context: Option<String>,
        #[serde(default, rename = "@odata.nextLink")]
        next: Option<String>,
        #[serde(default)]
        value: Option<IgnoredAny>,
    }
    // Per listing: (the last file with a page of it, pages, pages with a next link).
    let mut listings: BTreeMap<String, (String, u32, u32)> = BTreeMap::new();
    for f in input.files {
        // Only a regular file inside the config's folder (the reader reports the rest).
        let Ok(file) = fieldcheck_kit::fsafe::open(&f.path, Some(input.root)) else {
            continue;
        };
        let _ = crate::json::scan(file, &[], &mut |el| {
            if el.key.is_some() || el.index.is_some() {
                return;
            }
            let Ok(p) = serde_json::from_slice::<Page>(el.bytes) else {
                return;
            };
            if p.value.is_none() {
                return;
            }
            let context = p.context.unwrap_or_default();
            // The same listing with another `$select` (`users(id,mail)`) is the same listing.
            let mut key = context.split('?').next().unwrap_or_default();
            if let Some(open) = key.rfind('(')
                && key.ends_with(')')
                && !key[open + 1..].starts_with('\'')
            {
                key = &key[..open];
            }
            let key = key.to_string();
            let e = listings.entry(key).or_insert_with(|| (String::new(), 0, 0));
            e.0 = f.shown.clone();
            e.1 += 1;
            if p.next.as_deref().is_some_and(|n| !n.trim().is_empty()) {
                e.2 += 1;
            }
        });
    }
    for (context, (file, pages, linked)) in listings {
        if pages > 0 && linked == pages {
            let what = match context.rsplit_once("$metadata#") {
                Some((_, c)) if !c.is_empty() => format!("the `{c}` listing"),
                _ => "a listing".to_string(),
            };
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceMissingPages,
                    format!(
                        "every page of {what} ({pages} page{}) has an `@odata.nextLink`: the pages it points to were not exported",
                        plural(pages)
                    ),
                )
                .file(file)
                .help("follow `@odata.nextLink` until a page has none and add every page to the source; the records these pages make are not evidenced until then"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users

/// A field that may be left out of the record (`None`), null (`Some(None)`) or set: Graph leaves
/// out what the request's `$select` did not ask for, and writes null for what it has no value of.
fn keyed<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default, rename = "userPrincipalName")]
    upn: Option<String>,
    #[serde(default)]
    mail: Option<String>,
    #[serde(default, rename = "accountEnabled", deserialize_with = "keyed")]
    enabled: Option<Option<bool>>,
    #[serde(default, rename = "createdDateTime", deserialize_with = "keyed")]
    created: Option<Option<Value>>,
    #[serde(default, rename = "deletedDateTime")]
    deleted: Value,
}

/// The `$select` the users adapter needs (Graph's default user listing has neither
/// `accountEnabled` nor `createdDateTime`).
const USERS_SELECT: &str = "$select=id,userPrincipalName,mail,accountEnabled,createdDateTime";

/// Records that lack fields their listing leaves out unless the request asks for them: per
/// file, its first such record's line, how many and which fields; reported once per file as
/// `source-missing-select`.
#[derive(Default)]
struct Unselected(
    BTreeMap<
        u32,
        (
            crate::FileId,
            u32,
            u64,
            std::collections::BTreeSet<&'static str>,
        ),
    >,
);

impl Unselected {
    /// Counts the record at `at`, which lacks the fields `missing` (none: nothing is counted).
    fn add(&mut self, at: &At, missing: &[&'static str]) {
        if missing.is_empty() {
            return;
        }
        let e = self
            .0
            .entry(at.file.index)
            .or_insert_with(|| (at.file.clone(), at.line, 0, Default::default()));
        e.2 += 1;
        e.3.extend(missing.iter().copied());
    }

    /// One diagnostic per file: `severity`, the request to make (`ask`) and what the missing
    /// values were read as (`effect`).
    fn report(self, em: &mut Emitter, severity: Severity, ask: &str, effect: &str) {
        for (_, (file, line, n, fields)) in self.0 {
            let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
            em.diag(
                Diagnostic::new(
                    severity,
                    fieldcheck_kit::Code::SourceMissingSelect,
                    format!(
                        "{n} record{} of this file {} no {}: the export was made without the request's `$select`/`$expand`, and Graph leaves these out by default",
                        plural(n),
                        if n == 1 { "has" } else { "have" },
                        names.join(" or ")
                    ),
                )
                .file(file.shown.clone())
                .line(line)
                .help(format!("export again with {ask}; {effect}")),
            );
        }
    }
}

fn run_users(input: &Input<'_>, em: &mut Emitter) {
    missing_pages(input, em);
    let service = input.options.list("service_accounts");
    let owners: HashMap<String, String> = input
        .options
        .map("owners")
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let system = input.system_id.unwrap_or_default().to_string();
    let mut unselected = Unselected::default();
    json_records::<User>(input, em, &mut |u, at, em| {
        let upn = nonempty(&u.upn).unwrap_or_default().to_string();
        let mail = nonempty(&u.mail).map(str::to_string);
        let is_service = !upn.is_empty()
            && service
                .iter()
                .any(|p| crate::files::matches(&p.to_ascii_lowercase(), &upn.to_ascii_lowercase()));
        let mut missing: Vec<&'static str> = Vec::new();
        if u.enabled.is_none() {
            missing.push("accountEnabled");
        }
        if u.created.is_none() {
            missing.push("createdDateTime");
        }
        unselected.add(at, &missing);
        let created = u
            .created
            .flatten()
            .and_then(|c| time(input, em, at, "createdDateTime", &c));
        let deleted = time(input, em, at, "deletedDateTime", &u.deleted);
        let status = match (deleted, u.enabled.flatten()) {
            (Some(_), _) => Some("deleted"),
            (None, Some(true)) => Some("active"),
            (None, Some(false)) => Some("disabled"),
            (None, None) => None,
        };
        let person = (!is_service).then(|| {
            mail.clone()
                .or_else(|| (!upn.is_empty()).then(|| upn.clone()))
        });
        let owner = if is_service {
            owners.get(&upn.to_ascii_lowercase()).cloned()
        } else {
            None
        };
        em.row(Kind::Accounts, &at.file, at.line, at.path())
            .set("account_id", u.id.as_str())
            .set("kind", if is_service { "service" } else { "human" })
            .set("person_id", person.flatten())
            .set("owner_id", owner)
            .set("status", status)
            .set("created_at", created)
            .set("disabled_at", deleted)
            .set("interactive", (!is_service).then_some(true))
            .emit();
        let to = mail
            .clone()
            .or_else(|| (!upn.is_empty()).then(|| upn.clone()));
        if let Some(to) = to {
            em.identity(&at.file, at.line, at.path(), &system, &u.id, &to);
        }
        if let Some(m) = &mail
            && !upn.is_empty()
        {
            em.identity(&at.file, at.line, at.path(), &system, &upn, m);
        }
    });
    // Without `accountEnabled` an account's status is unknown: the accounts are not evidenced
    // rather than read as never disabled.
    unselected.report(
        em,
        Severity::Error,
        &format!("`GET /users?{USERS_SELECT}` (deleted users: `GET /directory/deletedItems/microsoft.graph.user?{USERS_SELECT},deletedDateTime`)"),
        "the missing values were read as unknown, and the controls that need these accounts are not evidenced until then",
    );
}

// ---------------------------------------------------------------------------------------------
// Directory audit log

#[derive(Deserialize)]
struct Audit {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "activityDisplayName")]
    activity: Option<String>,
    #[serde(default, rename = "activityDateTime")]
    at: Value,
    #[serde(default)]
    result: Option<String>,
    #[serde(default, rename = "initiatedBy")]
    initiated_by: Option<Initiator>,
    #[serde(default, rename = "targetResources")]
    targets: Option<Vec<TargetResource>>,
}

#[derive(Deserialize)]
struct Initiator {
    #[serde(default)]
    user: Option<Identity>,
    #[serde(default)]
    app: Option<Identity>,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "userPrincipalName")]
    upn: Option<String>,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct TargetResource {
    #[serde(default)]
    id: Option<String>,
    // Graph's documented directoryAudits example spells it `Type`.
    #[serde(default, rename = "type", alias = "Type")]
    kind: Option<String>,
    #[serde(default, rename = "userPrincipalName")]
    upn: Option<String>,
    #[serde(default, rename = "modifiedProperties")]
    modified: Option<Vec<ModifiedProperty>>,
}

#[derive(Deserialize)]
struct ModifiedProperty {
    #[serde(default, rename = "displayName")]
    name: Option<String>,
    #[serde(default, rename = "newValue")]
    new_value: Value,
}

/// A modifiedProperties value as written: `"[false]"`, `"[\"False\"]"`, `"false"`.
fn json_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            crate::value::parse_bool(s.trim().trim_matches(['[', ']']).trim().trim_matches('"'))
        }
        _ => None,
    }
}

const EVENTS: &[&str] = &[
    "login",
    "disabled",
    "enabled",
    "deleted",
    "sessions_revoked",
];

fn run_audit(input: &Input<'_>, em: &mut Emitter) {
    missing_pages(input, em);
    let mut extra: HashMap<String, String> = HashMap::new();
    for (k, v) in input.options.map("activities") {
        if EVENTS.contains(&v.as_str()) {
            extra.insert(k.to_ascii_lowercase(), v);
        } else {
            input.option_error(em, "activities", format!("`activities`: `{k}` maps to `{v}`, which is not an account event"), "the events are `login`, `disabled`, `enabled`, `deleted` and `sessions_revoked`; this activity was not read");
        }
    }
    let system = input.system_id.unwrap_or_default().to_string();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut failed = 0u64;
    let mut seen: fieldcheck_kit::FastSet<String> = Default::default();
    json_records::<Audit>(input, em, &mut |a, at, em| {
        // Overlapping pages repeat records: each audit id counts once.
        if let Some(id) = &a.id
            && !seen.insert(id.clone())
        {
            em.duplicates += 1;
            return;
        }
        let name = a.activity.as_deref().unwrap_or("").trim();
        // The Office 365 unified audit log writes the same names with a final period.
        let name = name.strip_suffix('.').unwrap_or(name);
        let user = a
            .targets
            .as_ref()
            .and_then(|t| t.iter().find(|r| r.kind.as_deref() == Some("User")));
        let event: String = match name {
            "Disable account" => "disabled".into(),
            "Delete user" | "Hard Delete user" => "deleted".into(),
            "Enable account" | "Restore user" => "enabled".into(),
            "Update StsRefreshTokenValidFrom Timestamp" => "sessions_revoked".into(),
            n if extra.contains_key(&n.to_ascii_lowercase()) => {
                extra[&n.to_ascii_lowercase()].clone()
            }
            "Update user" => {
                let changed = user.and_then(|u| u.modified.as_ref()).and_then(|m| {
                    m.iter()
                        .find(|p| p.name.as_deref() == Some("AccountEnabled"))
                });
                match changed.map(|p| (p, json_bool(&p.new_value))) {
                    Some((_, Some(false))) => "disabled".into(),
                    Some((_, Some(true))) => "enabled".into(),
                    // The account's enabling changed to a value fieldcheck cannot read: whether
                    // it was disabled is unknown, an error on the record.
                    Some((p, None)) => {
                        let raw = match &p.new_value {
                            Value::String(s) => s.clone(),
                            v => v.to_string(),
                        };
                        super::common::unknown_value(
                            em,
                            at,
                            "AccountEnabled.newValue",
                            &raw,
                            "the new value of `AccountEnabled` is `[true]` or `[false]`",
                        );
                        return;
                    }
                    None => {
                        *skipped
                            .entry("Update user (no AccountEnabled change)".into())
                            .or_default() += 1;
                        return;
                    }
                }
            }
            other => {
                *skipped.entry(other.to_string()).or_default() += 1;
                return;
            }
        };
        match a
            .result
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase()
            .as_str()
        {
            "success" => {}
            "failure" | "timeout" => {
                failed += 1;
                return;
            }
            // Whether the change happened decides the record: a result fieldcheck cannot read
            // is an error, not a skipped record.
            _ => {
                super::common::unknown_value(
                    em,
                    at,
                    "result",
                    a.result.as_deref().unwrap_or(""),
                    "Microsoft Graph audit results are success, failure and timeout",
                );
                return;
            }
        }
        let Some((user, id)) = user.and_then(|u| nonempty(&u.id).map(|id| (u, id))) else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("the `{name}` record names no target of type User"),
                "the record was skipped",
            );
            return;
        };
        let Some(when) = required_time(&a.at, Some(input.tz), "activityDateTime", "record", at, em)
        else {
            return;
        };
        let actor = a.initiated_by.as_ref().and_then(|i| {
            i.user
                .as_ref()
                .and_then(|u| nonempty(&u.upn).or(nonempty(&u.id)))
                .or_else(|| {
                    i.app
                        .as_ref()
                        .and_then(|p| nonempty(&p.display_name).or(nonempty(&p.id)))
                })
        });
        em.row(Kind::AccountEvents, &at.file, at.line, at.path())
            .set("account_id", id)
            .set("event", event)
            .set("at", when)
            .set("actor_id", actor)
            .emit();
        if let Some(upn) = nonempty(&user.upn) {
            em.identity(&at.file, at.line, at.path(), &system, id, upn);
        }
    });
    if failed > 0 {
        em.diag(Diagnostic::new(
            Severity::Note,
            fieldcheck_kit::Code::SourceSkippedEvents,
            format!(
                "{failed} record{} without result `success` were skipped",
                plural(failed)
            ),
        ));
    }
    let total: u64 = skipped.values().sum();
    if total > 0 {
        let mut top: Vec<(&String, &u64)> = skipped.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(5)
            .map(|(t, n)| format!("`{t}` ×{n}"))
            .collect();
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedEvents,
                format!(
                    "{total} record{} of activities fieldcheck does not use were skipped: {}",
                    plural(total),
                    top.join(", ")
                ),
            )
            .help("only account disable, enable, delete, restore and session-revocation activities are evidence for the controls; map others with `activities`"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Access reviews

#[derive(Deserialize)]
struct ReviewProbe {
    #[serde(default, rename = "accessReviewId")]
    access_review_id: Option<IgnoredAny>,
    #[serde(default, rename = "startDateTime")]
    start: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Definition {
    id: String,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
    #[serde(default, rename = "createdBy")]
    created_by: Option<Identity>,
}

#[derive(Deserialize)]
struct Instance {
    id: String,
    #[serde(default, rename = "startDateTime")]
    start: Value,
    #[serde(default, rename = "endDateTime")]
    end: Value,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct DecisionItem {
    #[serde(rename = "accessReviewId")]
    access_review_id: String,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default, rename = "reviewedBy")]
    reviewed_by: Option<Identity>,
    #[serde(default, rename = "reviewedDateTime")]
    reviewed: Value,
    #[serde(default)]
    principal: Option<Identity>,
}

/// Whether an access review instance with Graph `status` is completed: `Some(true)` once the
/// reviewers' part is over (Completed, AutoReviewed, and the states after it where decisions are
/// applied: Applying, Applied, ApplyFailed), `Some(false)` before, `None` for a status Graph does
/// not document. Graph v1.0 lists eight statuses; its own example instance is `Applied`, and the
/// same service's Azure enum adds `Applying`, `Applied` and `Scheduled`. Case is ignored.
fn instance_completed(status: &str) -> Option<bool> {
    const DONE: &[&str] = &[
        "Completed",
        "AutoReviewed",
        "Applying",
        "Applied",
        "ApplyFailed",
    ];
    const OPEN: &[&str] = &[
        "Initializing",
        "NotStarted",
        "Scheduled",
        "Starting",
        "InProgress",
        "Completing",
        "AutoReviewing",
    ];
    if DONE.iter().any(|s| s.eq_ignore_ascii_case(status)) {
        Some(true)
    } else if OPEN.iter().any(|s| s.eq_ignore_ascii_case(status)) {
        Some(false)
    } else {
        None
    }
}

/// The `@odata.context` of every document (page) of a file, by document number from 1. Pages
/// are read one at a time (a Graph page holds at most a few thousand records); a cut-off last
/// page has no context here, and its records fall back to the source's system.
fn page_contexts(path: &Path, root: &Path) -> Vec<Option<String>> {
    #[derive(Deserialize)]
    struct Page {
        #[serde(default, rename = "@odata.context")]
        context: Option<String>,
    }
    // Only a regular file inside the config's folder (the reader reports the rest).
    let Ok(f) = fieldcheck_kit::fsafe::open(path, Some(root)) else {
        return Vec::new();
    };
    let mut out: Vec<Option<String>> = Vec::new();
    let scanned = crate::json::scan(f, &[], &mut |el| {
        let doc = el.doc as usize;
        if out.len() < doc {
            out.resize(doc - 1, None);
            // A whole object is the page; an array document has no context.
            let whole = el.key.is_none() && el.index.is_none();
            out.push(
                whole
                    .then(|| serde_json::from_slice::<Page>(el.bytes).ok())
                    .flatten()
                    .and_then(|p| p.context),
            );
        }
    });
    // A cut-off last page is not delivered whole, but it still names its context at its start:
    // the last context in the file is its.
    if scanned.is_err() {
        out.push(last_context(path, root));
    }
    out
}

/// The last `"@odata.context": "..."` in a file, read in chunks (gzip is decompressed).
fn last_context(path: &Path, root: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let f = fieldcheck_kit::fsafe::open(path, Some(root)).ok()?;
    let mut r = std::io::BufReader::new(f);
    let gz = r.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
    let mut input: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(r))
    } else {
        Box::new(r)
    };
    let re = regex_lite::Regex::new(r#""@odata\.context"\s*:\s*"([^"]*)""#).ok()?;
    let mut found = None;
    let mut carry: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        carry.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&carry);
        if let Some(c) = re.captures_iter(&text).last() {
            found = c.get(1).map(|m| m.as_str().to_string());
        }
        // Keep a tail so a match split between chunks is still seen.
        let keep = carry.len().min(4096);
        carry.drain(..carry.len() - keep);
    }
    found
}

/// The definition id in a context URL `.../definitions('<id>')/instances...`.
fn definition_of(context: &str) -> Option<String> {
    let i = context.find("definitions(")? + "definitions(".len();
    let rest = context.get(i..)?;
    let rest = rest
        .strip_prefix('\'')
        .or_else(|| rest.strip_prefix("%27"))?;
    let end = rest.find(['\'', '%'])?;
    Some(rest.get(..end)?.to_string()).filter(|s| !s.is_empty())
}

fn run_access_reviews(input: &Input<'_>, em: &mut Emitter) {
    missing_pages(input, em);
    let systems: HashMap<String, String> = input.options.map("systems").into_iter().collect();
    let source_system = input.system_id.unwrap_or_default().to_string();
    let mut defs: HashMap<String, Definition> = HashMap::new();
    let mut instances: Vec<(Instance, Option<String>, At)> = Vec::new();
    let mut decisions: Vec<(DecisionItem, Option<String>, At)> = Vec::new();
    for f in input.files {
        let contexts = page_contexts(&f.path, input.root);
        json_file(input, f, em, &mut |el, at, em| {
            let context = contexts
                .get(el.doc.saturating_sub(1) as usize)
                .cloned()
                .flatten()
                .unwrap_or_default();
            let def = definition_of(&context);
            let probe = serde_json::from_slice::<ReviewProbe>(el.bytes).ok();
            let is_decision = probe.as_ref().is_some_and(|p| p.access_review_id.is_some())
                || context.ends_with("/decisions");
            let is_instance = !is_decision
                && (probe.as_ref().is_some_and(|p| p.start.is_some())
                    || context.ends_with("/instances"));
            if is_decision {
                match serde_json::from_slice::<DecisionItem>(el.bytes) {
                    Ok(d) => decisions.push((d, def, at.clone())),
                    Err(e) => bad_json(em, at, &e, input.spec.reads),
                }
            } else if is_instance {
                match serde_json::from_slice::<Instance>(el.bytes) {
                    Ok(i) => instances.push((i, def, at.clone())),
                    Err(e) => bad_json(em, at, &e, input.spec.reads),
                }
            } else {
                match serde_json::from_slice::<Definition>(el.bytes) {
                    Ok(d) => {
                        defs.insert(d.id.clone(), d);
                    }
                    Err(e) => bad_json(em, at, &e, input.spec.reads),
                }
            }
        });
    }
    let system_of_def = |def: &Option<String>| -> Option<String> {
        let id = def.as_deref()?;
        systems
            .get(id)
            .or_else(|| {
                defs.get(id)
                    .and_then(|d| nonempty(&d.display_name))
                    .and_then(|n| systems.get(n))
            })
            .cloned()
    };
    let mut instance_system: HashMap<String, String> = HashMap::new();
    let mut unlinked = 0u32;
    for (i, def, at) in &instances {
        if def.is_none() {
            unlinked += 1;
        }
        let system = system_of_def(def);
        if let Some(s) = &system {
            instance_system.insert(i.id.clone(), s.clone());
        }
        let started = time(input, em, at, "startDateTime", &i.start);
        let raw = i.status.as_deref().unwrap_or("").trim();
        let Some(done) = instance_completed(raw) else {
            // The status decides whether the review is complete.
            super::common::unknown_value(
                em,
                at,
                "status",
                raw,
                "access review instance statuses are Initializing, NotStarted, Scheduled, Starting, InProgress, Completing, AutoReviewing (not completed) and Completed, AutoReviewed, Applying, Applied, ApplyFailed (completed)",
            );
            continue;
        };
        let completed = if done {
            time(input, em, at, "endDateTime", &i.end)
        } else {
            None
        };
        let owner = def
            .as_ref()
            .and_then(|d| defs.get(d))
            .and_then(|d| d.created_by.as_ref())
            .and_then(|c| nonempty(&c.upn).map(str::to_string));
        em.row(Kind::AccessReviews, &at.file, at.line, at.path())
            .set("review_id", i.id.as_str())
            .set("system_id", system)
            .set("started_at", started)
            .set("completed_at", completed)
            .set("owner_id", owner)
            .emit();
    }
    for (d, def, at) in &decisions {
        let Some(principal) = d.principal.as_ref() else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                "the decision has no `principal`",
                "the decision was skipped",
            );
            continue;
        };
        let Some(account) = nonempty(&principal.id).and_then(crate::value::present) else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                "the decision's `principal` has no `id`",
                "the decision was skipped",
            );
            continue;
        };
        let raw = d.decision.as_deref().unwrap_or("").trim();
        let decision = match raw {
            "Approve" => "keep",
            "Deny" => "revoke",
            "NotReviewed" | "DontKnow" => "no_response",
            other => {
                at.bad(
                    em,
                    fieldcheck_kit::Code::UnknownValue,
                    format!("the decision `{other}` is not Approve, Deny, NotReviewed or DontKnow"),
                    "the decision was skipped",
                );
                continue;
            }
        };
        let reviewer = d.reviewed_by.as_ref().and_then(|r| {
            let id = nonempty(&r.id).and_then(crate::value::present)?;
            Some(nonempty(&r.upn).unwrap_or(id).to_string())
        });
        let decided = time(input, em, at, "reviewedDateTime", &d.reviewed);
        let system = instance_system
            .get(&d.access_review_id)
            .cloned()
            .or_else(|| system_of_def(def));
        em.row(Kind::AccessReviewDecisions, &at.file, at.line, at.path())
            .set("review_id", d.access_review_id.as_str())
            .set("system_id", system)
            .set("account_id", account)
            .set("reviewer_id", reviewer)
            .set("decision", decision)
            .set("decided_at", decided)
            .emit();
        if let Some(upn) = nonempty(&principal.upn) {
            em.identity(&at.file, at.line, at.path(), &source_system, account, upn);
        }
        if let Some(r) = &d.reviewed_by
            && let (Some(id), Some(upn)) = (
                nonempty(&r.id).and_then(crate::value::present),
                nonempty(&r.upn),
            )
        {
            em.identity(&at.file, at.line, at.path(), &source_system, id, upn);
        }
    }
    if unlinked > 0 && !systems.is_empty() {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceUnlinkedReview,
                format!(
                    "{unlinked} access review instance{} could not be linked to a definition, so `systems` did not apply and the source's system_id was used",
                    plural(unlinked)
                ),
            )
            .help("keep the `@odata.context` of the instances pages (`.../definitions('<id>')/instances`) as Graph returns them"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Applications and service principals

/// Microsoft's own tenants: first-party service principals belong to them.
const MICROSOFT_TENANTS: &[&str] = &[
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
];

#[derive(Deserialize)]
struct App {
    id: String,
    #[serde(default, rename = "appId")]
    app_id: Option<String>,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
    #[serde(default, rename = "accountEnabled")]
    enabled: Option<bool>,
    #[serde(default, rename = "createdDateTime")]
    created: Value,
    #[serde(default, rename = "appOwnerOrganizationId")]
    owner_org: Option<String>,
    #[serde(default, rename = "passwordCredentials")]
    passwords: Option<Vec<Secret>>,
    #[serde(default, rename = "keyCredentials")]
    keys: Option<Vec<Secret>>,
    #[serde(default, deserialize_with = "keyed")]
    owners: Option<Option<Vec<Owner>>>,
}

#[derive(Deserialize)]
struct Secret {
    #[serde(default, rename = "keyId")]
    key_id: Option<String>,
    #[serde(default, rename = "startDateTime")]
    start: Value,
}

#[derive(Deserialize)]
struct Owner {
    #[serde(default, rename = "userPrincipalName")]
    upn: Option<String>,
    #[serde(default)]
    mail: Option<String>,
}

#[derive(Default)]
struct Merged {
    at: Option<At>,
    name: Option<String>,
    enabled: Option<bool>,
    created: Option<jiff::Timestamp>,
    owner: Option<String>,
}

fn run_apps(input: &Input<'_>, em: &mut Emitter) {
    missing_pages(input, em);
    let owners: HashMap<String, String> = input.options.map("owners").into_iter().collect();
    let microsoft = input.options.bool("microsoft_apps").unwrap_or(false);
    let mut order: Vec<String> = Vec::new();
    let mut merged: HashMap<String, Merged> = HashMap::new();
    let mut first_party = 0u64;
    // Records listed without `$expand=owners` (they have no `owners` at all).
    let mut unexpanded: Vec<(String, At)> = Vec::new();
    json_records::<App>(input, em, &mut |a, at, em| {
        if !microsoft && nonempty(&a.owner_org).is_some_and(|o| MICROSOFT_TENANTS.contains(&o)) {
            first_party += 1;
            return;
        }
        let account = nonempty(&a.app_id).unwrap_or(a.id.as_str()).to_string();
        let created = time(input, em, at, "createdDateTime", &a.created);
        if a.owners.is_none() {
            unexpanded.push((account.clone(), at.clone()));
        }
        let owner = a
            .owners
            .iter()
            .flatten()
            .flatten()
            .find_map(|o| nonempty(&o.upn).or(nonempty(&o.mail)).map(str::to_string));
        let m = merged.entry(account.clone()).or_insert_with(|| {
            order.push(account.clone());
            Merged::default()
        });
        if m.at.is_none() {
            m.at = Some(at.clone());
        }
        if m.name.is_none() {
            m.name = nonempty(&a.display_name).map(str::to_string);
        }
        if a.enabled.is_some() {
            m.enabled = a.enabled;
        }
        m.created = match (m.created, created) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        if m.owner.is_none() {
            m.owner = owner;
        }
        for (list, kind, field) in [
            (&a.passwords, "api_token", "passwordCredentials"),
            (&a.keys, "certificate", "keyCredentials"),
        ] {
            for (n, s) in list.iter().flatten().enumerate() {
                let Some(key) = nonempty(&s.key_id) else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        format!("`{field}[{n}]` has no `keyId`"),
                        "the credential was skipped",
                    );
                    continue;
                };
                let start = time(
                    input,
                    em,
                    at,
                    &format!("{field}[{n}].startDateTime"),
                    &s.start,
                );
                em.row(Kind::Credentials, &at.file, at.line, at.path())
                    .set("account_id", account.as_str())
                    .set("credential_id", key)
                    .set("type", kind)
                    .set("created_at", start)
                    .emit();
            }
        }
    });
    for account in &order {
        let Some(m) = merged.get(account) else {
            continue;
        };
        let Some(at) = &m.at else { continue };
        let owner = m.owner.clone().or_else(|| {
            owners
                .get(account)
                .or_else(|| m.name.as_ref().and_then(|n| owners.get(n)))
                .cloned()
        });
        let status = m.enabled.map(|e| if e { "active" } else { "disabled" });
        em.row(Kind::Accounts, &at.file, at.line, at.path())
            .set("account_id", account.as_str())
            .set("kind", "service")
            .set("owner_id", owner)
            .set("status", status)
            .set("created_at", m.created)
            .set("interactive", false)
            .emit();
    }
    // An account left without an owner because its listing did not expand `owners`: its owner is
    // unknown (the accounts test reads an empty owner as `no_owner`), said once per file.
    let mut unselected = Unselected::default();
    for (account, at) in &unexpanded {
        if merged.get(account).is_some_and(|m| m.owner.is_none())
            && !owners.contains_key(account)
            && !merged
                .get(account)
                .and_then(|m| m.name.as_ref())
                .is_some_and(|n| owners.contains_key(n))
        {
            unselected.add(at, &["owners"]);
        }
    }
    unselected.report(
        em,
        Severity::Warning,
        "`GET /servicePrincipals?$expand=owners` and `GET /applications?$expand=owners`",
        "or name each app's owner in the source's `owners` option; these apps were read as having no owner",
    );
    if first_party > 0 {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedRecords,
                format!(
                    "{first_party} Microsoft first-party service principal{} left out",
                    plural(first_party)
                ),
            )
            .help("set `microsoft_apps = true` to include them"),
        );
    }
}

#[cfg(test)]
mod tests;
