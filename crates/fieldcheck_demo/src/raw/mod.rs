//! The demo company's evidence as the source systems export it (`fieldcheck demo --raw`).
//!
//! The canonical kit is generated first, then each kind is written in the shape its real source
//! exports: people as a Workday RaaS report, Okta account events as System Log pages, access
//! reviews as Okta Identity Governance campaigns and reviews, change tickets as Jira search results
//! with their changelogs, pull requests and reviews as GitHub API bundles,
//! training completions as KnowBe4 enrollments, and backup jobs as AWS Backup `list-backup-jobs`
//! pages. Kinds without a common export format (vendors, risks, sessions from the PAM tool, ...)
//! are written as spreadsheet-style CSV exports read through the generic mapping adapter, and
//! systems.csv (the inventory) and identities.csv (the identity map) stay canonical. The
//! fieldcheck.toml names every export in `[[sources]]`; auditing the folder gives the same result
//! as auditing the canonical kit.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::{CONFIG, DemoOptions, DemoSummary};

mod cloud;
mod grc;
mod hosts;
mod identity;
mod marketing;

type Row = BTreeMap<String, String>;

/// The canonical kit's rows not yet written by a raw source: each source takes the rows its
/// system really holds, and the spreadsheet-style exports carry what is left.
pub(super) struct Left<'a> {
    canon: &'a Path,
    kinds: BTreeMap<&'static str, Vec<Row>>,
}

impl<'a> Left<'a> {
    fn new(canon: &'a Path) -> Self {
        Left {
            canon,
            kinds: BTreeMap::new(),
        }
    }

    /// Takes the rows of `kind` that `pick` selects, in kit order.
    pub(super) fn take(
        &mut self,
        kind: &'static str,
        pick: impl Fn(&Row) -> bool,
    ) -> io::Result<Vec<Row>> {
        if !self.kinds.contains_key(kind) {
            let rows = read(self.canon, &format!("{kind}.csv"))?;
            self.kinds.insert(kind, rows);
        }
        let rows = self
            .kinds
            .get_mut(kind)
            .map(std::mem::take)
            .unwrap_or_default();
        let (taken, kept): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| pick(r));
        self.kinds.insert(kind, kept);
        Ok(taken)
    }

    /// Gives back rows taken but not written (they stay in the spreadsheet export, in order).
    pub(super) fn put_back(&mut self, kind: &'static str, mut rows: Vec<Row>) {
        let kept = self.kinds.entry(kind).or_default();
        rows.append(kept);
        *kept = rows;
    }

    /// Every row of `kind` no source took.
    fn rest(&mut self, kind: &'static str) -> io::Result<Vec<Row>> {
        self.take(kind, |_| true)
    }
}

fn read(dir: &Path, name: &str) -> io::Result<Vec<Row>> {
    let mut r = csv::Reader::from_path(dir.join(name)).map_err(io::Error::other)?;
    let header: Vec<String> = r
        .headers()
        .map_err(io::Error::other)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(io::Error::other)?;
        out.push(
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    Ok(out)
}

fn get<'r>(r: &'r Row, k: &str) -> Option<&'r str> {
    r.get(k).map(String::as_str).filter(|s| !s.is_empty())
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Okta and GitHub write UTC with milliseconds or seconds.
fn okta_time(s: &str) -> String {
    ts(s).strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Jira writes `2024-03-04T09:00:00.000+0000`.
fn jira_time(s: &str) -> String {
    ts(s).strftime("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// AWS JSON APIs write epoch seconds with milliseconds.
fn epoch(s: &str) -> Value {
    let t = ts(s);
    json!(t.as_millisecond() as f64 / 1000.0)
}

fn write_json(dir: &Path, name: &str, v: &Value) -> io::Result<()> {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut s = serde_json::to_string_pretty(v).map_err(io::Error::other)?;
    s.push('\n');
    std::fs::write(p, s)
}

/// A spreadsheet-style header: `last_reviewed_at` → `Last Reviewed At`.
fn title(field: &str) -> String {
    field
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `rows` (canonical fields) as a CSV export with spreadsheet headers and returns the
/// `[[sources]]` block that maps it back.
fn mapping_export(
    dir: &Path,
    file: &str,
    kind: &str,
    fields: &[&str],
    rows: &[Row],
    what: &str,
) -> io::Result<String> {
    let p = dir.join(file);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut w = csv::Writer::from_path(&p).map_err(io::Error::other)?;
    w.write_record(fields.iter().map(|f| title(f)))
        .map_err(io::Error::other)?;
    for r in rows {
        w.write_record(fields.iter().map(|f| r.get(*f).map_or("", String::as_str)))
            .map_err(io::Error::other)?;
    }
    w.flush()?;
    let mut block = format!(
        "# {what}\n[[sources]]\nadapter = \"mapping\"\npath = \"{file}\"\nkind = \"{kind}\"\n[sources.fields]\n"
    );
    for f in fields {
        let _ = writeln!(block, "{f} = \"{}\"", title(f));
    }
    Ok(block)
}

/// A kind's columns, as the canonical kit writes them.
fn fields_of(kind: &str) -> &'static [&'static str] {
    let name = format!("{kind}.csv");
    crate::files::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, f)| f)
}

/// Writes the demo company's evidence as raw exports plus a fieldcheck.toml with `[[sources]]`.
pub fn write_raw(dir: &Path, opts: &DemoOptions) -> io::Result<DemoSummary> {
    std::fs::create_dir_all(dir)?;
    let canon = dir.join(".canonical");
    let summary = crate::write_kit(&canon, opts)?;
    let result = convert(&canon, dir);
    let _ = std::fs::remove_dir_all(&canon);
    result?;
    Ok(summary)
}

fn convert(canon: &Path, dir: &Path) -> io::Result<()> {
    let mut config = String::from(CONFIG);
    config.push_str("\n# Every record below comes from a raw export; `fieldcheck ingest` shows what each became.\n");
    for keep in ["systems.csv", "identities.csv"] {
        std::fs::copy(canon.join(keep), dir.join(keep))?;
    }
    let mut left = Left::new(canon);
    let people = read(canon, "people.csv")?;
    let email: HashMap<String, String> = people
        .iter()
        .filter_map(|p| {
            Some((
                get(p, "person_id")?.to_string(),
                get(p, "email")?.to_string(),
            ))
        })
        .collect();

    let names: HashMap<String, String> = people
        .iter()
        .filter_map(|p| {
            Some((
                get(p, "person_id")?.to_string(),
                get(p, "name")?.to_string(),
            ))
        })
        .collect();

    // People: the contractors on staff from BambooHR, where People Ops keeps them; everyone
    // else (employees, and the contractors who left, whose termination time BambooHR's
    // date-only `terminationDate` would lose) from Workday.
    let (bamboo, workday): (Vec<&Row>, Vec<&Row>) = people.iter().partition(|p| {
        get(p, "employment_type") == Some("contractor") && get(p, "terminated_at").is_none()
    });
    let employees: Vec<Value> = bamboo
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let manager = get(p, "manager_id").map(|m| email.get(m).map_or(m, String::as_str));
            let name = get(p, "name").unwrap_or_default();
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            json!({
                "id": format!("{}", 4100 + i),
                "employeeNumber": get(p, "person_id"),
                "displayName": name,
                "firstName": first,
                "lastName": last,
                "workEmail": get(p, "email"),
                "jobTitle": "Contractor",
                "department": "Engineering",
                "employmentHistoryStatus": "Contractor",
                "hireDate": get(p, "start_date"),
                "terminationDate": null,
                "supervisorEmail": manager,
                "customAdminAccess": if get(p, "privileged") == Some("true") { "Yes" } else { "No" },
            })
        })
        .collect();
    write_json(
        dir,
        "exports/hr/bamboohr-contractors.json",
        &json!({
            "title": "Contractors (SOC 2)",
            "fields": [
                {"id": "employeeNumber", "type": "text", "name": "Employee #"},
                {"id": "displayName", "type": "text", "name": "Display name"},
                {"id": "firstName", "type": "text", "name": "First Name"},
                {"id": "lastName", "type": "text", "name": "Last Name"},
                {"id": "workEmail", "type": "email", "name": "Work Email"},
                {"id": "jobTitle", "type": "list", "name": "Job Title"},
                {"id": "department", "type": "list", "name": "Department"},
                {"id": "employmentHistoryStatus", "type": "list", "name": "Employment Status"},
                {"id": "hireDate", "type": "date", "name": "Hire Date"},
                {"id": "terminationDate", "type": "date", "name": "Termination Date"},
                {"id": "supervisorEmail", "type": "email", "name": "Supervisor email"},
                {"id": "customAdminAccess", "type": "list", "name": "Admin access"}
            ],
            "employees": employees,
        }),
    )?;
    config.push_str("\n# Contractors on staff: a BambooHR custom report (POST /v1/reports/custom?format=JSON).\n[[sources]]\nadapter = \"bamboohr\"\npath = \"exports/hr/bamboohr-contractors.json\"\n[sources.fields]\nperson_id = \"employeeNumber\"\nmanager_id = \"supervisorEmail\"\nemployment_type = { from = \"employmentHistoryStatus\", map = { \"Contractor\" = \"contractor\" } }\nprivileged = { from = \"customAdminAccess\", map = { \"Yes\" = \"true\", \"No\" = \"false\" } }\n");

    // Everyone else: a Workday RaaS report (all values are strings; empty ones are left out).
    let entries: Vec<Value> = workday
        .iter()
        .map(|p| {
            let mut m = Map::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v {
                    m.insert(k.to_string(), json!(v));
                }
            };
            put("Employee_ID", get(p, "person_id"));
            put("Worker", get(p, "name"));
            put("Primary_Work_Email", get(p, "email"));
            put("Manager_ID", get(p, "manager_id"));
            put(
                "Worker_Type",
                get(p, "employment_type").map(|t| {
                    if t == "contractor" {
                        "Contingent Worker"
                    } else {
                        "Employee"
                    }
                }),
            );
            put("Hire_Date", get(p, "start_date"));
            put("Termination_Date", get(p, "terminated_at"));
            put(
                "Has_Admin_Access",
                get(p, "privileged").map(|b| if b == "true" { "1" } else { "0" }),
            );
            Value::Object(m)
        })
        .collect();
    write_json(
        dir,
        "exports/workday/workers.json",
        &json!({ "Report_Entry": entries }),
    )?;
    config.push_str("\n# People: the Workday \"Workers\" RaaS report (?format=json).\n[[sources]]\nadapter = \"workday\"\npath = \"exports/workday/workers.json\"\n[sources.fields]\nprivileged = { from = \"Has_Admin_Access\", map = { \"1\" = \"true\", \"0\" = \"false\" } }\n");

    // Account events: Okta's as System Log pages by month, the others' as an audit-log export.
    let events = read(canon, "account_events.csv")?;
    let (okta, other): (Vec<Row>, Vec<Row>) = events
        .into_iter()
        .partition(|r| get(r, "system_id") == Some("okta"));
    let mut pages: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, e) in okta.iter().enumerate() {
        let at = get(e, "at").unwrap_or_default();
        let account = get(e, "account_id").unwrap_or_default();
        let (ty, display) = match get(e, "event").unwrap_or_default() {
            "disabled" => ("user.lifecycle.deactivate", "Deactivate Okta User"),
            "enabled" => ("user.lifecycle.activate", "Activate Okta User"),
            "deleted" => ("user.lifecycle.delete.completed", "Delete Okta User"),
            "sessions_revoked" => ("user.session.clear", "Clear user sessions"),
            _ => ("user.session.start", "User login to Okta"),
        };
        let actor = get(e, "actor_id").unwrap_or_default();
        let mut ev = json!({
            "uuid": format!("{:08x}-demo-4000-8000-{:012x}", i, i * 7919),
            "published": okta_time(at),
            "eventType": ty,
            "displayMessage": display,
            "severity": "INFO",
            "version": "0",
            "outcome": {"result": "SUCCESS", "reason": null},
            "transaction": {"type": "WEB", "id": format!("demo{i}"), "detail": {}},
        });
        if ty == "user.session.start" {
            ev["actor"] = json!({"id": account, "type": "User"});
        } else {
            ev["actor"] =
                json!({"id": actor, "type": "User", "alternateId": actor, "displayName": actor});
            ev["target"] = json!([{"id": account, "type": "User"}]);
        }
        pages
            .entry(ts(at).strftime("%Y-%m").to_string())
            .or_default()
            .push(ev);
    }
    for (month, evs) in &pages {
        write_json(
            dir,
            &format!("exports/okta/system-log-{month}.json"),
            &Value::Array(evs.clone()),
        )?;
    }
    config.push_str("\n# Okta sign-ins and lifecycle events: System Log pages (GET /api/v1/logs), one file per month.\n[[sources]]\nadapter = \"okta-system-log\"\npath = \"exports/okta/system-log-*.json\"\nsystem_id = \"okta\"\n");
    // The marketing site's sign-ins are console sign-ins to its AWS account, in CloudTrail.
    let (marketing, other): (Vec<Row>, Vec<Row>) = other.into_iter().partition(|r| {
        get(r, "system_id") == Some("marketing-site") && get(r, "event") == Some("login")
    });
    let accounts = read(canon, "accounts.csv")?;
    let wiki_admins: Vec<&str> = accounts
        .iter()
        .filter(|a| {
            get(a, "system_id") == Some("legacy-wiki") && get(a, "privileged") == Some("true")
        })
        .filter_map(|a| get(a, "account_id"))
        .collect();
    let wiki_logins: Vec<Row> = other
        .iter()
        .filter(|r| get(r, "system_id") == Some("legacy-wiki") && get(r, "event") == Some("login"))
        .cloned()
        .collect();
    hosts::legacy_wiki(dir, &mut config, &wiki_logins, &wiki_admins)?;
    // The marketing site's accounts are the IAM users of its AWS account.
    let site_accounts = left.take("accounts", |a| {
        get(a, "system_id") == Some("marketing-site")
    })?;
    let site_owner = read(canon, "systems.csv")?
        .iter()
        .find(|s| get(s, "system_id") == Some("marketing-site"))
        .and_then(|s| get(s, "owner_id"))
        .map(|o| email.get(o).map_or(o, String::as_str).to_string())
        .unwrap_or_default();
    hosts::marketing_site(dir, &mut config, &site_accounts, &marketing, &site_owner)?;
    marketing::marketing_site(dir, &mut config, &site_accounts, &marketing, &site_owner)?;
    config.push('\n');
    config.push_str(&mapping_export(
        dir,
        "exports/saas/account-events.csv",
        "account_events",
        fields_of("account_events"),
        &other,
        "Sign-ins and lifecycle events of the other SaaS systems: the SIEM's audit-log export.",
    )?);

    // Change tickets: Jira search results with the changelog, 100 issues a page.
    let changes = read(canon, "changes.csv")?;
    let issues: Vec<Value> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ty = match get(c, "type").unwrap_or("normal") {
                "standard" => "Standard Change",
                "emergency" => "Emergency Change",
                _ => "Normal Change",
            };
            let mut histories = Vec::new();
            let user = |v: &str| if v.contains('@') { json!({"emailAddress": v, "displayName": v}) } else { json!({"accountId": v}) };
            if let Some(at) = get(c, "approved_at") {
                let mut h = json!({"id": format!("{}", 20000 + i * 2), "created": jira_time(at), "items": [{"field": "status", "fieldtype": "jira", "fromString": "Awaiting Approval", "toString": "Approved"}]});
                if let Some(a) = get(c, "approver_id") {
                    h["author"] = user(a);
                }
                histories.push(h);
            }
            if let Some(at) = get(c, "retro_reviewed_at") {
                histories.push(json!({"id": format!("{}", 20001 + i * 2), "created": jira_time(at), "author": {"accountId": "5b10a2844c20165700ede21g"}, "items": [{"field": "status", "fieldtype": "jira", "fromString": "Deployed", "toString": "Retro Reviewed"}]}));
            }
            let mut fields = json!({
                "summary": get(c, "title").unwrap_or_default(),
                "issuetype": {"id": "10005", "name": ty, "subtask": false},
                "created": jira_time(get(c, "created_at").unwrap_or_default()),
                "project": {"id": "10001", "key": "CHG", "name": "Change Management"},
            });
            if let Some(r) = get(c, "requester_id") {
                fields["reporter"] = user(r);
            }
            if get(c, "approved_at").is_none()
                && let Some(a) = get(c, "approver_id")
            {
                // Named as approver on the ticket, but no approval transition was ever made.
                fields["customfield_10050"] = user(a);
            }
            json!({"id": format!("{}", 10000 + i), "key": get(c, "ticket_id").unwrap_or_default(), "fields": fields, "changelog": {"startAt": 0, "maxResults": histories.len(), "total": histories.len(), "histories": histories}})
        })
        .collect();
    for (n, chunk) in issues.chunks(100).enumerate() {
        write_json(
            dir,
            &format!("exports/jira/changes-{:02}.json", n + 1),
            &json!({"expand": "names,schema", "startAt": n * 100, "maxResults": 100, "total": issues.len(), "issues": chunk}),
        )?;
    }
    config.push_str("\n# Change tickets: Jira search results (GET /rest/api/3/search?jql=project=CHG&expand=changelog).\n[[sources]]\nadapter = \"jira\"\npath = \"exports/jira/changes-*.json\"\nsystem_id = \"jira\"\napprover_field = \"customfield_10050\"\n");

    // Pull requests and reviews: GitHub API bundles, one file per repository.
    let prs = read(canon, "pull_requests.csv")?;
    let reviews = read(canon, "pr_reviews.csv")?;
    let mut by_pr: HashMap<&str, Vec<&Row>> = HashMap::new();
    for r in &reviews {
        by_pr
            .entry(get(r, "pr_id").unwrap_or_default())
            .or_default()
            .push(r);
    }
    let mut repos: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in &prs {
        let id = get(p, "pr_id").unwrap_or_default();
        let (repo, number) = id.rsplit_once('#').unwrap_or((id, "0"));
        let number: u64 = number.parse().unwrap_or(0);
        // A head commit per pull request: the repository's hash and the number.
        let repo_hash = repo.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let head = format!("{repo_hash:016x}{number:024x}");
        let mut pull = json!({
            "number": number, "state": "closed", "title": format!("Change {number}"),
            "user": {"login": get(p, "author_id").unwrap_or_default(), "type": "User"},
            "created_at": okta_time(get(p, "created_at").unwrap_or_default()).replace(".000Z", "Z"),
            "merged_at": get(p, "merged_at").map(|t| okta_time(t).replace(".000Z", "Z")),
            "merge_commit_sha": get(p, "merge_commit_sha"),
            "base": {"ref": "main", "repo": {"full_name": repo}},
            "head": {"ref": format!("change-{number}"), "sha": head},
        });
        if get(p, "merged_at").is_none() {
            pull["merge_commit_sha"] = Value::Null;
        }
        let check_runs: Vec<Value> = match get(p, "checks_passed") {
            Some(ok) => vec![
                json!({"id": number, "name": "ci", "head_sha": head, "status": "completed", "conclusion": if ok == "true" { "success" } else { "failure" }}),
            ],
            None => Vec::new(),
        };
        let revs: Vec<Value> = by_pr
            .get(id)
            .map(|v| {
                v.iter()
                    .map(|r| json!({"user": {"login": get(r, "reviewer_id"), "type": "User"}, "state": get(r, "state").unwrap_or_default().to_uppercase(), "submitted_at": get(r, "submitted_at").map(|t| okta_time(t).replace(".000Z", "Z"))}))
                    .collect()
            })
            .unwrap_or_default();
        repos
            .entry(repo.to_string())
            .or_default()
            .push(json!({"pull": pull, "reviews": revs, "check_runs": check_runs}));
    }
    for (repo, bundles) in &repos {
        write_json(
            dir,
            &format!("exports/github/{}.json", repo.replace('/', "-")),
            &Value::Array(bundles.clone()),
        )?;
    }
    config.push_str("\n# Pull requests with their reviews and check runs: GitHub REST API bundles, one file per repository.\n[[sources]]\nadapter = \"github\"\npath = \"exports/github/*.json\"\nsystem_id = \"github\"\n");

    // Access reviews: Okta Identity Governance campaigns and their reviews, one page a system.
    let reviews = read(canon, "access_reviews.csv")?;
    let decisions = read(canon, "access_review_decisions.csv")?;
    let mut review_systems: Vec<String> = Vec::new();
    let campaigns: Vec<Value> = reviews
        .iter()
        .map(|r| {
            let system = get(r, "system_id").unwrap_or_default();
            if !review_systems.iter().any(|x| x == system) {
                review_systems.push(system.to_string());
            }
            let started = get(r, "started_at").map(okta_time);
            let done = get(r, "completed_at").map(okta_time);
            json!({
                "id": get(r, "review_id"),
                "name": format!("{system} access review"),
                "status": if done.is_some() { "COMPLETED" } else { "ACTIVE" },
                "startDate": started,
                "endDate": done,
                "lastUpdated": done.clone().or(started.clone()),
                "scheduleType": "ONE_OFF",
                "reviewerType": "RESOURCE_OWNER",
                "createdBy": get(r, "owner_id"),
                "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": system}]},
                "_links": {},
            })
        })
        .collect();
    write_json(
        dir,
        "exports/okta-iga/campaigns.json",
        &json!({"data": campaigns, "_links": {}}),
    )?;
    let mut by_system: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, d) in decisions.iter().enumerate() {
        let system = get(d, "system_id").unwrap_or_default();
        let decision = match get(d, "decision").unwrap_or_default() {
            "keep" => "APPROVE",
            "revoke" => "REVOKE",
            _ => "UNREVIEWED",
        };
        let reviewer = get(d, "reviewer_id").map(|r| match email.get(r) {
            Some(e) => json!({"email": e, "login": e}),
            None if r.contains('@') => json!({"email": r, "login": r}),
            None => json!({"login": r}),
        });
        let mut review = json!({
            "id": format!("icr{i:017}"),
            "campaignId": get(d, "review_id"),
            "resourceId": system,
            "decision": decision,
            "decided": get(d, "decided_at").map(okta_time),
            "remediationStatus": if decision == "REVOKE" { json!("OPEN") } else { Value::Null },
            "principalProfile": {"id": get(d, "account_id")},
            "reviewerType": "USER",
            "currentReviewerLevel": "FIRST",
            "delegated": false,
            "_links": {},
        });
        if let Some(r) = reviewer {
            review["reviewerProfile"] = r;
        }
        by_system
            .entry(system.to_string())
            .or_default()
            .push(review);
    }
    for (system, page) in &by_system {
        write_json(
            dir,
            &format!("exports/okta-iga/reviews-{system}.json"),
            &json!({"data": page, "_links": {}}),
        )?;
    }
    config.push_str("\n# User access reviews: Okta Identity Governance campaigns and reviews (GET /governance/api/v1/campaigns, /reviews).\n[[sources]]\nadapter = \"okta-iga\"\npath = \"exports/okta-iga/*.json\"\nsystem_id = \"okta\"\n[sources.systems]\n");
    for sys in &review_systems {
        let _ = writeln!(config, "{sys} = \"{sys}\"");
    }

    // Training completions: KnowBe4 training enrollments.
    let training = read(canon, "training.csv")?;
    let enrollments: Vec<Value> = training
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let person = get(t, "person_id").unwrap_or_default();
            let mail = email.get(person).map_or(person, String::as_str);
            let done = okta_time(get(t, "completed_at").unwrap_or_default());
            json!({"enrollment_id": 3000 + i, "content_type": "Store Purchase", "module_name": get(t, "course"), "user": {"id": 770000 + i, "email": mail}, "campaign_name": "Security Awareness", "enrollment_date": done, "start_date": done, "completion_date": done, "status": "Passed", "time_spent": 2760, "policy_acknowledged": false})
        })
        .collect();
    write_json(
        dir,
        "exports/knowbe4/enrollments.json",
        &Value::Array(enrollments),
    )?;
    config.push_str("\n# Security awareness training: KnowBe4 Reporting API, GET /v1/training/enrollments.\n[[sources]]\nadapter = \"knowbe4\"\npath = \"exports/knowbe4/enrollments.json\"\n");

    // Backups: AWS Backup list-backup-jobs pages by month.
    let jobs = read(canon, "backup_jobs.csv")?;
    let mut by_month: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut systems: Vec<String> = Vec::new();
    for j in &jobs {
        let system = get(j, "system_id").unwrap_or_default();
        if !systems.iter().any(|s| s == system) {
            systems.push(system.to_string());
        }
        let arn = format!("arn:aws:backup:us-east-1:418273640912:protected-resource:{system}");
        let state = match get(j, "status").unwrap_or_default() {
            "completed" => "COMPLETED",
            "partial" => "PARTIAL",
            _ => "FAILED",
        };
        let started = get(j, "started_at").unwrap_or_default();
        let mut v = json!({"AccountId": "418273640912", "BackupJobId": get(j, "job_id"), "BackupVaultName": "northpeak-prod", "ResourceArn": arn, "ResourceName": system, "ResourceType": "RDS", "CreationDate": epoch(started), "State": state, "BackupSizeInBytes": 1_073_741_824u64, "IamRoleArn": "arn:aws:iam::418273640912:role/AWSBackupDefaultServiceRole"});
        if let Some(done) = get(j, "completed_at") {
            v["CompletionDate"] = epoch(done);
        }
        by_month
            .entry(ts(started).strftime("%Y-%m").to_string())
            .or_default()
            .push(v);
    }
    for (month, v) in &by_month {
        write_json(
            dir,
            &format!("exports/aws-backup/backup-jobs-{month}.json"),
            &json!({"BackupJobs": v}),
        )?;
    }
    let _ = write!(
        config,
        "\n# Backups: `aws backup list-backup-jobs`, collected monthly (the API keeps 30 days).\n[[sources]]\nadapter = \"aws-backup\"\npath = \"exports/aws-backup/backup-jobs-*.json\"\n[sources.systems]\n"
    );
    for s in &systems {
        let _ = writeln!(
            config,
            "\"arn:aws:backup:us-east-1:418273640912:protected-resource:{s}\" = \"{s}\""
        );
    }

    // Everything without a common export format: spreadsheet-style CSV exports.
    cloud::encryption(dir, &mut config, &mut left)?;
    grc::ciso_assistant(canon, dir, &mut config, &mut left, &email)?;
    identity::okta_users(dir, &mut config, &mut left, &email, &names)?;

    let rest: &[(&str, &str, &str)] = &[
        (
            "accounts",
            "exports/iga/accounts.csv",
            "Accounts of every connected system: the identity governance tool's account export.",
        ),
        (
            "credentials",
            "exports/iga/credentials.csv",
            "Service account credentials: the secrets inventory export.",
        ),
        (
            "deploys",
            "exports/ci/deploys.csv",
            "Deployments: the CD pipeline's deployment log export.",
        ),
        (
            "vendors",
            "exports/grc/vendors.csv",
            "Vendors: the vendor inventory spreadsheet.",
        ),
        (
            "restore_tests",
            "exports/grc/restore-tests.csv",
            "Restore tests: the DR test log.",
        ),
        (
            "sessions",
            "exports/pam/sessions.csv",
            "Privileged sessions: the PAM tool's session export.",
        ),
        (
            "central_log",
            "exports/siem/central-log.csv",
            "What the SIEM received: its session report.",
        ),
        (
            "jit_requests",
            "exports/pam/jit-requests.csv",
            "Just-in-time access requests: the PAM tool's request export.",
        ),
        (
            "data_stores",
            "exports/cloud/data-stores.csv",
            "Data stores: the cloud asset inventory export.",
        ),
        (
            "keys",
            "exports/cloud/keys.csv",
            "Encryption keys: the cloud asset inventory export.",
        ),
        (
            "endpoints",
            "exports/cloud/endpoints.csv",
            "Endpoints: the external attack-surface inventory.",
        ),
        (
            "training_escalations",
            "exports/hr/training-escalations.csv",
            "Training escalations: HR's reminder log.",
        ),
        (
            "phishing_campaigns",
            "exports/grc/phishing-campaigns.csv",
            "Phishing simulations: the campaign summary sheet.",
        ),
        ("risks", "exports/grc/risks.csv", "The risk register."),
        (
            "risk_reviews",
            "exports/grc/risk-reviews.csv",
            "Risk reviews: the risk committee's minutes log.",
        ),
        (
            "risk_links",
            "exports/grc/risk-links.csv",
            "Links from risks to vendors, systems and changes.",
        ),
    ];
    for (kind, file, what) in rest {
        let rows = left.rest(kind)?;
        if rows.is_empty() {
            continue;
        }
        config.push('\n');
        config.push_str(&mapping_export(
            dir,
            file,
            kind,
            fields_of(kind),
            &rows,
            what,
        )?);
    }
    std::fs::write(dir.join("fieldcheck.toml"), config)
}
