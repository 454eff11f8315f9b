//! Jira: issues (REST v2/v3 search results or single issues, with `expand=changelog`) as change
//! tickets.

use fieldcheck_kit::Kind;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::common::{note, s, time};
use crate::emit::Emitter;
use crate::read::{At, json_records};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `jira`.
pub(crate) static JIRA: Adapter = Adapter {
    spec: &Spec {
        name: "jira",
        system: "Jira",
        reads: "Jira issues as returned by the REST API with `expand=changelog` (`/rest/api/2|3/search` pages `{\"startAt\", \"total\", \"issues\": [...]}` or `/search/jql` pages `{\"issues\": [...], \"nextPageToken\", \"isLast\"}`, every page of the search, or single issues from `/issue/{key}`)",
        produces: &[Kind::Changes, Kind::Identities],
        needs_system: true,
        containers: &["issues"],
        options: &[
            OptSpec {
                name: "types",
                ty: OptTy::Map,
                help: "issue type name or label (case-insensitive) → `standard`, `normal` or `emergency`; default: a type or label containing `emergency` is emergency, containing `standard` standard, else normal",
            },
            OptSpec {
                name: "approved_statuses",
                ty: OptTy::List,
                help: "statuses whose first entry (in the changelog) is the approval; default [\"Approved\"]",
            },
            OptSpec {
                name: "approver_field",
                ty: OptTy::Str,
                help: "a user-picker field naming the approver (`customfield_10050`), used when no approval transition names one (the approval time then stays unknown); default: none",
            },
            OptSpec {
                name: "retro_statuses",
                ty: OptTy::List,
                help: "statuses whose first entry is the post-implementation review; default [\"Retro Reviewed\", \"Post-Implementation Reviewed\"]",
            },
        ],
        example: "[[sources]]\nadapter = \"jira\"\npath = \"exports/jira/search-*.json\"\nsystem_id = \"jira\"\napproved_statuses = [\"Approved\", \"CAB Approved\"]\ntypes = { \"Emergency Change\" = \"emergency\", \"Standard Change\" = \"standard\" }",
    },
    run,
};

#[derive(Deserialize, Default)]
struct User {
    #[serde(default, rename = "accountId")]
    account_id: Option<String>,
    #[serde(default, rename = "emailAddress")]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl User {
    fn id(&self) -> Option<String> {
        [&self.email, &self.account_id, &self.name]
            .into_iter()
            .flatten()
            .map(|x| x.trim())
            .find(|x| !x.is_empty())
            .map(str::to_string)
    }
}

#[derive(Deserialize, Default)]
struct IssueType {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct Fields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    issuetype: Option<IssueType>,
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    created: Value,
    #[serde(default)]
    reporter: Option<User>,
    #[serde(default)]
    assignee: Option<User>,
    #[serde(default)]
    creator: Option<User>,
    /// Custom fields (a user-picker approver field, `customfield_10050`).
    #[serde(flatten)]
    custom: std::collections::BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    field: Option<String>,
    #[serde(default, rename = "fieldId")]
    field_id: Option<String>,
    #[serde(default, rename = "toString")]
    to: Option<String>,
}

#[derive(Deserialize)]
struct History {
    #[serde(default)]
    created: Value,
    #[serde(default)]
    author: Option<User>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize, Default)]
struct Changelog {
    #[serde(default)]
    histories: Vec<History>,
    /// How many histories the issue has; a search page returns at most 100 of them.
    #[serde(default)]
    total: Option<usize>,
}

#[derive(Deserialize)]
struct Issue {
    key: String,
    #[serde(default)]
    fields: Fields,
    #[serde(default)]
    changelog: Option<Changelog>,
}

fn lower_list(v: Vec<String>, default: &[&str]) -> Vec<String> {
    let v = if v.is_empty() {
        default.iter().map(|s| s.to_string()).collect()
    } else {
        v
    };
    v.iter().map(|s| s.trim().to_lowercase()).collect()
}

fn change_type(
    types: &[(String, &'static str)],
    ty: Option<&str>,
    labels: &[String],
) -> &'static str {
    let names: Vec<String> = ty
        .into_iter()
        .chain(labels.iter().map(String::as_str))
        .map(|s| s.trim().to_lowercase())
        .collect();
    for n in &names {
        if let Some((_, t)) = types.iter().find(|(k, _)| k == n) {
            return t;
        }
    }
    if names.iter().any(|n| n.contains("emergency")) {
        "emergency"
    } else if names.iter().any(|n| n.contains("standard")) {
        "standard"
    } else {
        "normal"
    }
}

/// What a search page says about the pages around it: the `/search/jql` endpoint's `isLast`
/// (with `nextPageToken`), or the older `/search` endpoint's `startAt`, `total` and the number of
/// issues on the page.
#[derive(Deserialize)]
struct Page {
    #[serde(default, rename = "isLast")]
    is_last: Option<bool>,
    #[serde(default, rename = "startAt")]
    start_at: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    issues: Option<Vec<serde::de::IgnoredAny>>,
}

/// The search pages of every file of the source (whole-object documents with `issues`).
fn pages(input: &Input<'_>) -> Vec<(String, Page)> {
    let mut out = Vec::new();
    for f in input.files {
        // Only a regular file inside the config's folder (the reader reports the rest).
        let Ok(file) = fieldcheck_kit::fsafe::open(&f.path, Some(input.root)) else {
            continue;
        };
        let _ = crate::json::scan(file, &[], &mut |el| {
            if el.key.is_none()
                && el.index.is_none()
                && let Ok(p) = serde_json::from_slice::<Page>(el.bytes)
                && p.issues.is_some()
            {
                out.push((f.shown.clone(), p));
            }
        });
    }
    out
}

/// A search whose pages say more follow than the export holds: `/search/jql` pages that all
/// have `isLast: false`, or `/search` pages whose issues do not reach their `total`.
fn missing_pages(pages: &[(String, Page)]) -> Option<(String, String)> {
    let jql: Vec<&(String, Page)> = pages.iter().filter(|p| p.1.is_last.is_some()).collect();
    if !jql.is_empty() && jql.iter().all(|p| p.1.is_last == Some(false)) {
        let file = jql.last().map(|p| p.0.clone()).unwrap_or_default();
        return Some((
            file,
            format!(
                "{} search page{} {} `\"isLast\": false` and none is the last: the pages after it (its `nextPageToken`) were not exported",
                jql.len(),
                s(jql.len()),
                if jql.len() == 1 { "says" } else { "say" }
            ),
        ));
    }
    let old: Vec<&(String, Page)> = pages
        .iter()
        .filter(|p| p.1.is_last.is_none() && p.1.total.is_some() && p.1.start_at.is_some())
        .collect();
    let total = old.iter().filter_map(|p| p.1.total).max()?;
    let mut ranges: Vec<(u64, u64)> = old
        .iter()
        .map(|p| {
            let start = p.1.start_at.unwrap_or(0);
            (
                start,
                start + p.1.issues.as_ref().map_or(0, |v| v.len() as u64),
            )
        })
        .collect();
    ranges.sort_unstable();
    let mut covered = 0u64;
    let mut reach = 0u64;
    for (a, b) in ranges {
        let a = a.max(reach);
        if b > a {
            covered += b - a;
            reach = b;
        }
    }
    (covered < total).then(|| {
        (
            old.last().map(|p| p.0.clone()).unwrap_or_default(),
            format!("the search pages hold {covered} of the {total} issues their `total` says the search found: pages (`startAt`) are missing"),
        )
    })
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let o = input.options;
    let approved = lower_list(o.list("approved_statuses"), &["Approved"]);
    let retro = lower_list(
        o.list("retro_statuses"),
        &["Retro Reviewed", "Post-Implementation Reviewed"],
    );
    let mut types: Vec<(String, &'static str)> = Vec::new();
    for (k, v) in o.map("types") {
        match v.trim().to_ascii_lowercase().as_str() {
            "standard" => types.push((k.trim().to_lowercase(), "standard")),
            "normal" => types.push((k.trim().to_lowercase(), "normal")),
            "emergency" => types.push((k.trim().to_lowercase(), "emergency")),
            _ => input.option_error(em, "types", format!("`types` maps `{k}` to `{v}`, which is not a change type"), "map issue types or labels to `standard`, `normal` or `emergency`; the default reading was used"),
        }
    }
    let approver_field = o.str("approver_field").map(str::to_string);
    let system = input.system_id.unwrap_or_default().to_string();
    let mut no_changelog = 0usize;
    let mut partial_changelogs: Vec<String> = Vec::new();
    json_records::<Issue>(input, em, &mut |issue, at, em| {
        let f = &issue.fields;
        for u in [&f.reporter, &f.assignee, &f.creator].into_iter().flatten() {
            identity(em, at, &system, u);
        }
        let Some(created) = time(input, em, at, "fields.created", &f.created) else {
            if f.created.is_null() {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    format!("issue {} has no `fields.created`", issue.key),
                    "search with `fields=*all` (or include `created`); the issue was skipped",
                );
            }
            return;
        };
        let ty = change_type(
            &types,
            f.issuetype.as_ref().and_then(|t| t.name.as_deref()),
            f.labels.as_deref().unwrap_or_default(),
        );
        let mut approval: Option<(Timestamp, Option<String>)> = None;
        let mut retro_at: Option<Timestamp> = None;
        match &issue.changelog {
            None => no_changelog += 1,
            Some(c) => {
                if c.total.is_some_and(|t| t > c.histories.len()) {
                    partial_changelogs.push(issue.key.clone());
                }
                for (i, h) in c.histories.iter().enumerate() {
                    if let Some(a) = &h.author {
                        identity(em, at, &system, a);
                    }
                    let status_to: Vec<String> = h
                        .items
                        .iter()
                        .filter(|it| {
                            it.field
                                .as_deref()
                                .is_some_and(|x| x.eq_ignore_ascii_case("status"))
                                || it.field_id.as_deref() == Some("status")
                        })
                        .filter_map(|it| it.to.as_deref())
                        .map(|x| x.trim().to_lowercase())
                        .collect();
                    if status_to.is_empty() {
                        continue;
                    }
                    let is_approval = status_to.iter().any(|x| approved.contains(x));
                    let is_retro = status_to.iter().any(|x| retro.contains(x));
                    if !is_approval && !is_retro {
                        continue;
                    }
                    let hat = At {
                        file: at.file.clone(),
                        line: at.line,
                        path: Some(format!(
                            "{}.changelog.histories[{i}]",
                            at.path().unwrap_or("$")
                        )),
                    };
                    let Some(t) = time(input, em, &hat, "created", &h.created) else {
                        continue;
                    };
                    if is_approval && approval.as_ref().is_none_or(|(a, _)| t < *a) {
                        approval = Some((t, h.author.as_ref().and_then(User::id)));
                    }
                    if is_retro && retro_at.is_none_or(|r| t < r) {
                        retro_at = Some(t);
                    }
                }
            }
        }
        // The approver field names the approver when no transition does.
        let mut field_approver = None;
        if let Some((k, v)) = approver_field
            .as_ref()
            .and_then(|k| f.custom.get(k).map(|v| (k, v)))
            .filter(|(_, v)| !v.is_null())
        {
            match serde_json::from_value::<User>(v.clone()) {
                Ok(u) => field_approver = u.id(),
                // The approver field holds something other than a user: the approver would be
                // unknown, an error on the issue.
                Err(_) => {
                    super::common::unknown_value(
                        em,
                        at,
                        &format!("fields.{k}"),
                        &v.to_string(),
                        "the `approver_field` must be a user-picker field (an object with `accountId` or `emailAddress`)",
                    );
                    return;
                }
            }
        }
        let approver = approval
            .as_ref()
            .and_then(|a| a.1.clone())
            .or(field_approver);
        em.row(Kind::Changes, &at.file, at.line, at.path())
            .set("ticket_id", issue.key.as_str())
            .set("type", ty)
            .set("title", f.summary.as_deref())
            .set("created_at", created)
            .set("requester_id", f.reporter.as_ref().and_then(User::id))
            .set("approver_id", approver)
            .set("approved_at", approval.map(|a| a.0))
            .set("retro_reviewed_at", retro_at)
            .emit();
    });
    if let Some((file, message)) = missing_pages(&pages(input)) {
        em.diag(
            fieldcheck_kit::Diagnostic::error(fieldcheck_kit::Code::SourceMissingPages, message)
                .file(file)
                .help("export every page of the search (follow `nextPageToken` until `isLast` is true, or `startAt` up to `total`) and add the files to the source; the changes are not evidenced until then"),
        );
    }
    if no_changelog > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceMissingChangelog,
            format!(
                "{no_changelog} issue{} had no changelog: their approval and post-implementation review are unknown",
                s(no_changelog)
            ),
            "export the issues with `expand=changelog`",
        );
    }
    if !partial_changelogs.is_empty() {
        let n = partial_changelogs.len();
        em.diag(
            fieldcheck_kit::Diagnostic::warning(
                fieldcheck_kit::Code::SourcePartialChangelog,
                format!(
                    "{n} issue{}' changelog{} cut short by the search page ({}): an approval among the missing histories is not seen",
                    s(n),
                    if n == 1 { " was" } else { "s were" },
                    partial_changelogs.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                ),
            )
            .help("export those issues' full changelogs with `GET /rest/api/3/issue/{key}/changelog` (paged) and add the files to the source"),
        );
    }
}

fn identity(em: &mut Emitter, at: &At, system: &str, u: &User) {
    if let (Some(id), Some(email)) = (&u.account_id, &u.email) {
        em.identity(
            &at.file,
            at.line,
            at.path(),
            system,
            id.trim(),
            email.trim(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const SEARCH_1: &str = r#"{"issues": [
 {"id": "10412", "key": "CHG-412", "self": "https://acme.atlassian.net/rest/api/3/issue/10412",
  "fields": {"summary": "Rotate production DB credentials",
    "issuetype": {"id": "10005", "name": "Change", "subtask": false},
    "status": {"id": "10003", "name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
    "created": "2026-03-02T11:20:45.000+0000", "updated": "2026-03-10T09:00:00.000+0000", "labels": ["prod-change"],
    "reporter": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Alice", "emailAddress": "alice@acme.com"},
    "assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Bob"}},
  "changelog": {"startAt": 0, "maxResults": 4, "total": 4, "histories": [
    {"id": "1", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "bob@acme.com"}, "created": "2026-03-03T10:00:00.000+0000",
     "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1", "fromString": "Open", "to": "3", "toString": "In Review"}]},
    {"id": "2", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "bob@acme.com"}, "created": "2026-03-03T15:00:00.000+0000",
     "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "fromString": "In Review", "toString": "Approved"}]},
    {"id": "3", "author": {"accountId": "5b10a2844c20165700ede21g", "emailAddress": "alice@acme.com"}, "created": "2026-03-04T08:00:00.000+0000",
     "items": [{"field": "status", "fromString": "Reopened", "toString": "APPROVED"}]},
    {"id": "4", "author": {"accountId": "5b10a2844c20165700ede21g"}, "created": "2026-03-10T09:00:00.000+0000",
     "items": [{"field": "resolution", "toString": "Done"}, {"field": "status", "fromString": "Done", "toString": "Retro Reviewed"}]}]}},
 {"id": "10413", "key": "CHG-413",
  "fields": {"summary": "Hotfix", "issuetype": {"name": "Emergency Change"}, "created": "2026-03-05T01:00:00.000-0500",
    "reporter": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Bob"}},
  "changelog": {"histories": []}}
], "nextPageToken": "CAEaAggD", "isLast": false}"#;

    const SEARCH_2: &str = r#"{"startAt": 50, "maxResults": 1, "total": 52, "issues": [{"key": "OPS-9",
  "fields": {"summary": "Patch nginx", "issuetype": {"name": "Task"}, "labels": ["Standard-Change"], "created": "2026-03-06T09:00:00.000+0000",
   "reporter": {"name": "carol", "key": "JIRAUSER10100", "displayName": "Carol", "emailAddress": "carol@acme.com"}}}]}
{"startAt": 51, "maxResults": 1, "total": 52, "issues": [
  {"key": "OPS-10",
   "fields": {"labels": "urgent", "created": "2026-03-06T09:00:00.000+0000"}}]}
"#;

    const ISSUE: &str = r#"{"id": "10414", "key": "CHG-414",
 "fields": {"summary": "Enable WAF rule", "issuetype": {"name": "Change"}, "labels": ["Hotfix"],
  "created": "2026-03-07T10:00:00.000+0000", "reporter": {"name": "erin", "emailAddress": null}},
 "changelog": {"histories": [{"created": "2026-03-07T12:00:00.000+0000", "author": {"name": "dave", "key": "JIRAUSER1"},
  "items": [{"field": "status", "toString": "Approved"}, {"field": "assignee", "toString": "Dave"}]}]}}"#;

    #[test]
    fn issues_become_changes_with_approval_and_retro_from_the_changelog() {
        let out = run(
            "[[sources]]\nadapter = \"jira\"\npath = \"jira/*.json\"\nsystem_id = \"jira\"\ntypes = { \"hotfix\" = \"emergency\" }",
            &[
                ("jira/search-1.json", SEARCH_1.as_bytes()),
                ("jira/search-2.json", SEARCH_2.as_bytes()),
                ("jira/issue-CHG-414.json", ISSUE.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("changes").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "approved_at=2026-03-07T12:00:00Z|approver_id=dave|created_at=2026-03-07T10:00:00Z|requester_id=erin|ticket_id=CHG-414|title=Enable WAF rule|type=emergency",
                "approved_at=2026-03-03T15:00:00Z|approver_id=bob@acme.com|created_at=2026-03-02T11:20:45Z|requester_id=alice@acme.com|retro_reviewed_at=2026-03-10T09:00:00Z|ticket_id=CHG-412|title=Rotate production DB credentials|type=normal",
                "created_at=2026-03-05T06:00:00Z|requester_id=5b10ac8d82e05b22cc7d4ef5|ticket_id=CHG-413|title=Hotfix|type=emergency",
                "created_at=2026-03-06T09:00:00Z|requester_id=carol@acme.com|ticket_id=OPS-9|title=Patch nginx|type=standard",
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            [
                "external_id=5b10a2844c20165700ede21g|person_id=alice@acme.com|system_id=jira",
                "external_id=5b10ac8d82e05b22cc7d4ef5|person_id=bob@acme.com|system_id=jira",
            ]
        );
        // These are pages from the middle of their searches (`isLast: false`, `startAt` 50 of
        // 52): the missing pages are an error.
        assert_eq!(
            out.codes(),
            [
                "bad-json",
                "source-missing-pages",
                "source-missing-changelog"
            ]
        );
        let d = &out.diags[0];
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("jira/search-2.json"), Some(6))
        );
        assert!(out.diags[2].message.starts_with("1 issue had"));
        let o = &out.origins("changes")[3];
        assert_eq!(o.path.as_deref(), Some("$.issues[0]"));
        assert_eq!(out.problems("changes").len(), 1);
    }

    /// The response example of "Search for issues using JQL enhanced search" (`GET
    /// /rest/api/3/search/jql`) in Atlassian's Jira Cloud REST v3 reference,
    /// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
    /// (the example of the published OpenAPI document, as printed). It was requested without
    /// `created` among the fields and without `expand=changelog`.
    const DOC_SEARCH_JQL: &str = r#"{"issues":[{"expand":"","fields":{"watcher":{"isWatching":false,"self":"https://your-domain.atlassian.net/rest/api/3/issue/EX-1/watchers","watchCount":1},"attachment":[{"author":{"accountId":"5b10a2844c20165700ede21g","accountType":"atlassian","active":false,"avatarUrls":{"16x16":"https://avatar-management--avatars.server-location.prod.public.atl-paas.net/initials/MK-5.png?size=16&s=16","24x24":"https://avatar-management--avatars.server-location.prod.public.atl-paas.net/initials/MK-5.png?size=24&s=24","32x32":"https://avatar-management--avatars.server-location.prod.public.atl-paas.net/initials/MK-5.png?size=32&s=32","48x48":"https://avatar-management--avatars.server-location.prod.public.atl-paas.net/initials/MK-5.png?size=48&s=48"},"displayName":"Mia Krystof","key":"","name":"","self":"https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g"},"content":"https://your-domain.atlassian.net/jira/rest/api/3/attachment/content/10001","created":"2023-06-24T19:24:50.000+0000","filename":"debuglog.txt","id":10001,"mimeType":"text/plain","self":"https://your-domain.atlassian.net/rest/api/2/attachments/10001","size":2460}],"sub-tasks":[{"id":"10000","outwardIssue":{"fields":{"status":{"iconUrl":"https://your-domain.atlassian.net/images/icons/statuses/open.png","name":"Open"}},"id":"10003","key":"ED-2","self":"https://your-domain.atlassian.net/rest/api/3/issue/ED-2"},"type":{"id":"10000","inward":"Parent","name":"","outward":"Sub-task"}}],"description":"Main order flow broken","project":{"avatarUrls":{"16x16":"https://your-domain.atlassian.net/secure/projectavatar?size=xsmall&pid=10000","24x24":"https://your-domain.atlassian.net/secure/projectavatar?size=small&pid=10000","32x32":"https://your-domain.atlassian.net/secure/projectavatar?size=medium&pid=10000","48x48":"https://your-domain.atlassian.net/secure/projectavatar?size=large&pid=10000"},"id":"10000","insight":{"lastIssueUpdateTime":"2021-04-22T05:37:05.000+0000","totalIssueCount":100},"key":"EX","name":"Example","projectCategory":{"description":"First Project Category","id":"10000","name":"FIRST","self":"https://your-domain.atlassian.net/rest/api/3/projectCategory/10000"},"self":"https://your-domain.atlassian.net/rest/api/3/project/EX","simplified":false,"style":"classic"},"comment":[{"author":{"accountId":"5b10a2844c20165700ede21g","active":false,"displayName":"Mia Krystof","self":"https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g"},"body":"Lorem ipsum dolor sit amet, consectetur adipiscing elit. Pellentesque eget venenatis elit. Duis eu justo eget augue iaculis fermentum. Sed semper quam laoreet nisi egestas at posuere augue semper.","created":"2021-01-17T12:34:00.000+0000","id":"10000","self":"https://your-domain.atlassian.net/rest/api/3/issue/10010/comment/10000","updateAuthor":{"accountId":"5b10a2844c20165700ede21g","active":false,"displayName":"Mia Krystof","self":"https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g"},"updated":"2021-01-18T23:45:00.000+0000","visibility":{"identifier":"Administrators","type":"role","value":"Administrators"}}],"issuelinks":[{"id":"10001","outwardIssue":{"fields":{"status":{"iconUrl":"https://your-domain.atlassian.net/images/icons/statuses/open.png","name":"Open"}},"id":"10004L","key":"PR-2","self":"https://your-domain.atlassian.net/rest/api/3/issue/PR-2"},"type":{"id":"10000","inward":"depends on","name":"Dependent","outward":"is depended by"}},{"id":"10002","inwardIssue":{"fields":{"status":{"iconUrl":"https://your-domain.atlassian.net/images/icons/statuses/open.png","name":"Open"}},"id":"10004","key":"PR-3","self":"https://your-domain.atlassian.net/rest/api/3/issue/PR-3"},"type":{"id":"10000","inward":"depends on","name":"Dependent","outward":"is depended by"}}],"worklog":[{"author":{"accountId":"5b10a2844c20165700ede21g","active":false,"displayName":"Mia Krystof","self":"https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g"},"comment":"I did some work here.","id":"100028","issueId":"10002","self":"https://your-domain.atlassian.net/rest/api/3/issue/10010/worklog/10000","started":"2021-01-17T12:34:00.000+0000","timeSpent":"3h 20m","timeSpentSeconds":12000,"updateAuthor":{"accountId":"5b10a2844c20165700ede21g","active":false,"displayName":"Mia Krystof","self":"https://your-domain.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g"},"updated":"2021-01-18T23:45:00.000+0000","visibility":{"identifier":"276f955c-63d7-42c8-9520-92d01dca0625","type":"group","value":"jira-developers"}}],"updated":1,"timetracking":{"originalEstimate":"10m","originalEstimateSeconds":600,"remainingEstimate":"3m","remainingEstimateSeconds":200,"timeSpent":"6m","timeSpentSeconds":400}},"id":"10002","key":"ED-1","self":"https://your-domain.atlassian.net/rest/api/3/issue/10002"}]}"#;

    const BLOCK: &str =
        "[[sources]]\nadapter = \"jira\"\npath = \"jira/*.json\"\nsystem_id = \"jira\"";

    #[test]
    fn documented_search_jql_page_is_read_as_printed() {
        let out = run(BLOCK, &[("jira/search.json", DOC_SEARCH_JQL.as_bytes())]);
        // The issue has no creation time: it cannot be dated, an error on its line that names
        // the fields to ask for.
        assert!(out.rows("changes").is_empty());
        assert!(out.rows("identities").is_empty());
        assert_eq!(out.codes(), ["bad-value"], "{:?}", out.diags);
        assert!(
            out.diags[0]
                .message
                .contains("issue ED-1 has no `fields.created`")
        );
        assert_eq!(out.diags[0].line, Some(1));
    }

    fn issue(key: &str) -> String {
        format!(
            r#"{{"key": "{key}", "fields": {{"created": "2026-02-01T10:00:00.000+0000"}}, "changelog": {{"histories": []}}}}"#
        )
    }

    #[test]
    fn search_jql_pages_without_the_last_one_are_missing_pages() {
        // Trigger: the page says more follow (`isLast: false`) and no later page is there.
        let first = format!(
            r#"{{"issues": [{}], "nextPageToken": "CAEaAggD", "isLast": false}}"#,
            issue("CHG-1")
        );
        let out = run(BLOCK, &[("jira/p1.json", first.as_bytes())]);
        assert_eq!(out.rows("changes").len(), 1);
        assert_eq!(out.codes(), ["source-missing-pages"], "{:?}", out.diags);
        assert_eq!(out.diags[0].file.as_deref(), Some("jira/p1.json"));
        assert_eq!(out.problems("changes").len(), 1);
        // Boundary: its last page is there.
        let last = format!(r#"{{"issues": [{}], "isLast": true}}"#, issue("CHG-2"));
        let out = run(
            BLOCK,
            &[
                ("jira/p1.json", first.as_bytes()),
                ("jira/p2.json", last.as_bytes()),
            ],
        );
        assert_eq!(out.rows("changes").len(), 2);
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }

    #[test]
    fn search_pages_short_of_their_total_are_missing_pages() {
        let page = |start: u64, keys: &[&str]| {
            let issues: Vec<String> = keys.iter().map(|k| issue(k)).collect();
            format!(
                r#"{{"expand": "names,schema", "startAt": {start}, "maxResults": 2, "total": 3, "issues": [{}]}}"#,
                issues.join(",")
            )
        };
        let p1 = page(0, &["CHG-1", "CHG-2"]);
        let out = run(BLOCK, &[("jira/p1.json", p1.as_bytes())]);
        assert_eq!(out.codes(), ["source-missing-pages"], "{:?}", out.diags);
        assert!(
            out.diags[0].message.contains("2 of the 3 issues"),
            "{}",
            out.diags[0].message
        );
        let p2 = page(2, &["CHG-3"]);
        let out = run(
            BLOCK,
            &[
                ("jira/p1.json", p1.as_bytes()),
                ("jira/p2.json", p2.as_bytes()),
            ],
        );
        assert_eq!(out.rows("changes").len(), 3);
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }
}
