//! KnowBe4 Reporting API: training enrollments, phishing security tests and their recipients.

use std::collections::{BTreeMap, HashMap};

use fieldcheck_kit::{Diagnostic, Kind};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::common::{Counts, note, s, text, time};
use crate::emit::Emitter;
use crate::read::{At, bad_json, json_file, parse_record};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `knowbe4`.
pub(crate) static KNOWBE4: Adapter = Adapter {
    spec: &Spec {
        name: "knowbe4",
        system: "KnowBe4",
        reads: "KnowBe4 Reporting API responses as returned (bare JSON arrays, pages as separate or concatenated files): training enrollments (`/v1/training/enrollments`), phishing security tests (`/v1/phishing/security_tests`) and their recipients (`/v1/phishing/security_tests/{pst_id}/recipients`)",
        produces: &[Kind::Training, Kind::PhishingCampaigns],
        needs_system: false,
        containers: &[],
        options: &[OptSpec {
            name: "courses",
            ty: OptTy::Map,
            help: "module name (case-insensitive) → the course name used in the kit; default: the module name",
        }],
        example: "[[sources]]\nadapter = \"knowbe4\"\npath = \"exports/knowbe4/*.json\"\ncourses = { \"2026 Security Awareness Training\" = \"security-awareness\" }",
    },
    run,
};

#[derive(Deserialize, Default)]
struct User {
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct Enrollment {
    #[serde(default)]
    module_name: Option<String>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    completion_date: Value,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Pst {
    pst_id: Value,
    #[serde(default)]
    started_at: Value,
    #[serde(default)]
    delivered_count: Option<i64>,
    #[serde(default)]
    clicked_count: Option<i64>,
    #[serde(default)]
    reported_count: Option<i64>,
}

#[derive(Deserialize)]
struct Recipient {
    recipient_id: Value,
    pst_id: Value,
    #[serde(default)]
    delivered_at: Value,
    #[serde(default)]
    opened_at: Value,
    #[serde(default)]
    clicked_at: Value,
    #[serde(default)]
    replied_at: Value,
    #[serde(default)]
    attachment_opened_at: Value,
    #[serde(default)]
    macro_enabled_at: Value,
    #[serde(default)]
    data_entered_at: Value,
    #[serde(default)]
    qr_code_scanned: Value,
    #[serde(default, rename = "vulnerable-plugins_at")]
    vulnerable_plugins_at: Value,
    #[serde(default)]
    exploited_at: Value,
    #[serde(default)]
    reported_at: Value,
    #[serde(default)]
    bounced_at: Value,
}

/// The events of a recipient record, by the name the kit's `recipient_events` gives them (the
/// field without `_at`), in KnowBe4's order.
const EVENTS: [&str; 12] = [
    "delivered",
    "opened",
    "clicked",
    "replied",
    "attachment_opened",
    "macro_enabled",
    "data_entered",
    "qr_code_scanned",
    "vulnerable_plugins",
    "exploited",
    "reported",
    "bounced",
];

impl Recipient {
    /// The recipient's events, one bit per [`EVENTS`] entry.
    fn events(&self) -> u16 {
        [
            &self.delivered_at,
            &self.opened_at,
            &self.clicked_at,
            &self.replied_at,
            &self.attachment_opened_at,
            &self.macro_enabled_at,
            &self.data_entered_at,
            &self.qr_code_scanned,
            &self.vulnerable_plugins_at,
            &self.exploited_at,
            &self.reported_at,
            &self.bounced_at,
        ]
        .into_iter()
        .enumerate()
        .filter(|(_, v)| set(v))
        .fold(0, |m, (i, _)| m | 1 << i)
    }
}

/// A set of events as `recipient_events` writes it: `delivered+clicked`, or `none`.
fn event_set(mask: u16) -> String {
    let names: Vec<&str> = EVENTS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, e)| *e)
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join("+")
    }
}

/// The bit of an event of [`EVENTS`].
fn bit(event: &str) -> u16 {
    EVENTS
        .iter()
        .position(|e| *e == event)
        .map_or(0, |i| 1 << i)
}

/// Whether an event field is set (`null`, `false` and empty strings are not).
fn set(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => crate::value::present(s).is_some(),
        _ => true,
    }
}

struct PstRec {
    at: At,
    started: Option<Timestamp>,
    counts: [Option<i64>; 3],
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let courses: Vec<(String, String)> = input
        .options
        .map("courses")
        .into_iter()
        .map(|(k, v)| (k.trim().to_lowercase(), v))
        .collect();
    let mut not_done = Counts::default();
    let mut unknown = Counts::default();
    let mut psts: Vec<(String, PstRec)> = Vec::new();
    let mut pst_index: HashMap<String, usize> = HashMap::new();
    // pst id → recipient id → its events (a recipient read twice keeps what either page shows)
    let mut recipients: BTreeMap<String, BTreeMap<String, u16>> = BTreeMap::new();
    for f in input.files {
        json_file(input, f, em, &mut |el, at, em| {
            let obj: Map<String, Value> = match serde_json::from_slice(el.bytes) {
                Ok(o) => o,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            if obj.contains_key("enrollment_id") {
                let Some(e) = parse_record::<Enrollment>(input, em, el.bytes, at) else {
                    return;
                };
                let status = e.status.as_deref().unwrap_or("").trim();
                match status.to_ascii_lowercase().as_str() {
                    "completed" | "passed" => {}
                    "not started" | "in progress" | "past due" => {
                        not_done.add(status);
                        return;
                    }
                    // The status decides whether the training was completed.
                    _ => {
                        super::common::unknown_value(
                            em,
                            at,
                            "status",
                            status,
                            "KnowBe4 enrollment statuses are Completed, Passed, Not Started, In Progress and Past Due",
                        );
                        return;
                    }
                }
                let Some(person) = e
                    .user
                    .and_then(|u| u.email)
                    .filter(|m| !m.trim().is_empty())
                else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the completed enrollment has no `user.email`",
                        "the completion cannot be joined to a person; it was skipped",
                    );
                    return;
                };
                let Some(module) = e.module_name.filter(|m| !m.trim().is_empty()) else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the completed enrollment has no `module_name`",
                        "the completion was skipped",
                    );
                    return;
                };
                let Some(done) = time(input, em, at, "completion_date", &e.completion_date) else {
                    if e.completion_date.is_null() {
                        at.bad(
                            em,
                            fieldcheck_kit::Code::BadValue,
                            format!("the enrollment is `{status}` but has no `completion_date`"),
                            "the completion was skipped",
                        );
                    }
                    return;
                };
                let l = module.trim().to_lowercase();
                let course = courses
                    .iter()
                    .find(|(k, _)| *k == l)
                    .map_or(module.trim(), |(_, c)| c.as_str());
                em.row(Kind::Training, &at.file, at.line, at.path())
                    .set("person_id", person.trim())
                    .set("course", course)
                    .set("completed_at", done)
                    .emit();
            } else if obj.contains_key("recipient_id") {
                let Some(r) = parse_record::<Recipient>(input, em, el.bytes, at) else {
                    return;
                };
                let (Some(pst), Some(rid)) = (text(Some(&r.pst_id)), text(Some(&r.recipient_id)))
                else {
                    return;
                };
                // Which events make a failure is the security-training control's judgement
                // (`phishing_failure_events`): the recipient's events are kept as they are.
                *recipients.entry(pst).or_default().entry(rid).or_default() |= r.events();
            } else if obj.contains_key("pst_id") && obj.contains_key("started_at") {
                let Some(p) = parse_record::<Pst>(input, em, el.bytes, at) else {
                    return;
                };
                let Some(id) = text(Some(&p.pst_id)) else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the security test has no `pst_id`",
                        "the test was skipped",
                    );
                    return;
                };
                let started = time(input, em, at, "started_at", &p.started_at);
                let rec = PstRec {
                    at: at.clone(),
                    started,
                    counts: [p.delivered_count, p.clicked_count, p.reported_count],
                };
                match pst_index.get(&id) {
                    Some(&i) => {
                        let o = &mut psts[i].1;
                        o.started = o.started.or(rec.started);
                    }
                    None => {
                        pst_index.insert(id.clone(), psts.len());
                        psts.push((id, rec));
                    }
                }
            } else {
                unknown.add(at.file.shown.clone());
            }
        });
    }
    for (id, p) in &psts {
        let Some(started) = p.started else {
            em.bad_record(
                &p.at.file,
                p.at.line,
                p.at.path(),
                fieldcheck_kit::Code::BadValue,
                format!("security test {id} has no `started_at`"),
                "the campaign was skipped",
            );
            continue;
        };
        // From the recipients when the export has them (delivered, clicked and reported are
        // counted, every recipient's events kept), else the test's own counts.
        let (counts, events): ([Option<i64>; 3], Option<String>) = match recipients.get(id) {
            Some(rs) => {
                let n = |e: &str| Some(rs.values().filter(|m| *m & bit(e) != 0).count() as i64);
                let mut groups: BTreeMap<String, usize> = BTreeMap::new();
                for m in rs.values() {
                    *groups.entry(event_set(*m)).or_default() += 1;
                }
                let events = groups
                    .iter()
                    .map(|(set, n)| format!("{set}={n}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                ([n("delivered"), n("clicked"), n("reported")], Some(events))
            }
            None => (p.counts, None),
        };
        em.row(Kind::PhishingCampaigns, &p.at.file, p.at.line, p.at.path())
            .set("campaign_id", id.as_str())
            .set("started_at", started)
            .set("recipients", counts[0].filter(|n| *n >= 0))
            .set("clicked", counts[1].filter(|n| *n >= 0))
            .set("reported", counts[2].filter(|n| *n >= 0))
            .set("recipient_events", events)
            .emit();
    }
    let orphans: Vec<&String> = recipients
        .keys()
        .filter(|k| !pst_index.contains_key(*k))
        .collect();
    if !orphans.is_empty() {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceSkippedRecords,
                format!(
                    "recipients of {} security test{} ({}) were read but the tests themselves are not in the export, so no campaign was made for them",
                    orphans.len(),
                    s(orphans.len()),
                    orphans.iter().take(5).map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .help("add the `/v1/phishing/security_tests` pages to the source"),
        );
    }
    if not_done.total() > 0 {
        note(
            em,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{} enrollment{} not completed were skipped: {}",
                not_done.total(),
                s(not_done.total()),
                not_done.top()
            ),
            "only completed or passed enrollments are completions",
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
            "the adapter reads training enrollments, phishing security tests and their recipients",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const ENROLLMENTS_1: &str = r#"[{"enrollment_id": 3264, "content_type": "Store Purchase", "module_name": "2026 Security Awareness Training",
  "user": {"id": 778899, "first_name": "Kenji", "last_name": "Watanabe", "email": "kenji@example.com"},
  "campaign_name": "Annual Training 2026", "enrollment_date": "2026-01-06T15:00:00.000Z", "start_date": "2026-01-07T09:12:00.000Z",
  "completion_date": "2026-01-07T09:58:41.000Z", "status": "Passed", "time_spent": 2760, "policy_acknowledged": false},
 {"enrollment_id": 3265, "content_type": "Uploaded Policy", "module_name": "Acceptable Use Policy",
  "user": {"id": 778900, "first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"},
  "campaign_name": "Policies 2026", "enrollment_date": "2026-01-06T15:00:00.000Z", "start_date": null,
  "completion_date": "2026-01-08T10:00:00.000Z", "status": "completed", "time_spent": 60, "policy_acknowledged": true},
 {"enrollment_id": 3266, "module_name": "2026 Security Awareness Training", "user": {"id": 778900, "email": "ann@example.com"},
  "completion_date": null, "status": "In Progress"},
 {"enrollment_id": 3267, "module_name": "2026 Security Awareness Training", "user": {"id": 778901, "email": "lee@example.com"},
  "completion_date": null, "status": "Past Due"}]"#;
    const ENROLLMENTS_2: &str = r#"[{"enrollment_id": 3268, "module_name": "2026 Security Awareness Training", "user": {"id": 778902, "email": "raj@example.com"}, "completion_date": null, "status": "Not Started"}]
[{"enrollment_id": 3269, "module_name": "2026 Security Awareness Training",
  "user": {"id": 778903, "email": 5}, "completion_date": "2026-01-09T10:00:00.000Z", "status": "Completed"},
 {"enrollment_id": 3270, "module_name": "2026 Security Awareness Training", "user": {"id": 778904, "email": "sam@example.com"}, "completion_date": null, "status": "Exempt"}]
"#;
    const PSTS: &str = r#"[{"campaign_id": 242333, "pst_id": 14240, "status": "Closed", "name": "Feb phish", "groups": [{"group_id": 1, "name": "All"}],
  "phish_prone_percentage": 66.7, "started_at": "2026-02-10T14:00:00.000Z", "duration": 3, "categories": [],
  "template": {"id": 2, "name": "Your Password Will Expire"}, "landing-page": {"id": 1, "name": "Oops"},
  "scheduled_count": 4, "delivered_count": 3, "opened_count": 2, "clicked_count": 2, "replied_count": 0,
  "attachment_open_count": 0, "macro_enabled_count": 0, "data_entered_count": 0, "qr_code_scanned_count": 0,
  "vulnerable_plugin_count": 0, "exploited_count": 0, "reported_count": 0, "bounced_count": 1},
 {"campaign_id": 242334, "pst_id": 14241, "status": "Closed", "started_at": "2026-03-10T14:00:00.000Z",
  "delivered_count": 40, "clicked_count": 3, "reported_count": 12}]"#;
    const RECIPIENTS: &str = r#"[{"recipient_id": 3077742, "pst_id": 14240,
  "user": {"id": 778899, "active_directory_guid": null, "first_name": "Kenji", "last_name": "Watanabe", "email": "kenji@example.com"},
  "template": {"id": 2, "name": "Your Password Will Expire"},
  "scheduled_at": "2026-02-10T14:00:00.000Z", "delivered_at": "2026-02-10T14:00:12.000Z",
  "opened_at": "2026-02-10T15:01:00.000Z", "clicked_at": "2026-02-10T15:01:22.000Z",
  "replied_at": null, "attachment_opened_at": null, "macro_enabled_at": null,
  "data_entered_at": null, "qr_code_scanned": null, "vulnerable-plugins_at": null, "exploited_at": null, "reported_at": null,
  "bounced_at": null, "ip": "198.51.100.44", "ip_location": "Denver, CO", "browser": "Chrome", "browser_version": "122.0", "os": "MacOSX"},
 {"recipient_id": 3077743, "pst_id": 14240, "user": {"id": 778900, "email": "ann@example.com"},
  "delivered_at": "2026-02-10T14:00:13.000Z", "clicked_at": null, "reported_at": "2026-02-10T14:20:00.000Z", "bounced_at": null},
 {"recipient_id": 3077744, "pst_id": 14240, "user": {"id": 778901, "email": "lee@example.com"},
  "delivered_at": "2026-02-10T14:00:14.000Z", "clicked_at": null, "qr_code_scanned": "2026-02-10T16:00:00.000Z", "reported_at": "2026-02-10T16:05:00.000Z"},
 {"recipient_id": 3077745, "pst_id": 14240, "user": {"id": 778902, "email": "raj@example.com"},
  "delivered_at": null, "clicked_at": null, "reported_at": null, "bounced_at": "2026-02-10T14:00:15.000Z"}]
[{"recipient_id": 3077742, "pst_id": 14240, "user": {"id": 778899, "email": "kenji@example.com"},
  "delivered_at": "2026-02-10T14:00:12.000Z", "clicked_at": "2026-02-10T15:01:22.000Z", "reported_at": null},
 {"recipient_id": 3080001, "pst_id": 14999, "delivered_at": "2026-03-01T10:00:00.000Z"}]"#;
    const USERS: &str = r#"[{"id": 778899, "employee_number": "E-1042", "email": "kenji@example.com", "status": "active"}]"#;

    #[test]
    fn enrollments_and_phishing_tests() {
        let out = run(
            "[[sources]]\nadapter = \"knowbe4\"\npath = \"kb4/*.json\"\ncourses = { \"2026 SECURITY Awareness Training\" = \"security-awareness\" }",
            &[
                ("kb4/enrollments-1.json", ENROLLMENTS_1.as_bytes()),
                ("kb4/enrollments-2.json", ENROLLMENTS_2.as_bytes()),
                ("kb4/psts.json", PSTS.as_bytes()),
                ("kb4/recipients-14240.json", RECIPIENTS.as_bytes()),
                ("kb4/users.json", USERS.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("training").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "completed_at=2026-01-07T09:58:41Z|course=security-awareness|person_id=kenji@example.com",
                "completed_at=2026-01-08T10:00:00Z|course=Acceptable Use Policy|person_id=ann@example.com",
            ]
        );
        let rows: Vec<String> = out.rows("phishing_campaigns").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // Recomputed from the recipients: the bounced one was not delivered, the repeated
                // page counts once, and the aggregate's 0 reports is wrong. `clicked` counts the
                // clicks only; every recipient's events are kept, and whether a QR scan is a failure
                // is the security-training control's judgement (`phishing_failure_events`).
                "campaign_id=14240|clicked=1|recipient_events=bounced=1; delivered+opened+clicked=1; delivered+qr_code_scanned+reported=1; delivered+reported=1|recipients=3|reported=2|started_at=2026-02-10T14:00:00Z",
                "campaign_id=14241|clicked=3|recipients=40|reported=12|started_at=2026-03-10T14:00:00Z",
            ]
        );
        assert_eq!(
            out.codes(),
            [
                "bad-json",
                "unknown-value",
                "source-skipped-records",
                "source-skipped-records",
                "source-skipped-records",
            ]
        );
        let d = &out.diags[0];
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("kb4/enrollments-2.json"), Some(3))
        );
        // `Exempt` is no enrollment status: an error on its line, and training is not evidenced.
        assert!(out.diags[1].message.contains("`status` is `Exempt`"));
        assert_eq!(out.diags[1].severity, fieldcheck_kit::Severity::Error);
        assert!(out.diags[1].line.is_some());
        assert!(!out.problems("training").is_empty());
        assert!(out.diags[2].message.contains("(14999)"));
        assert!(
            out.diags[3]
                .message
                .contains("`In Progress` ×1, `Not Started` ×1, `Past Due` ×1"),
            "{}",
            out.diags[3].message
        );
        assert!(out.diags[4].message.contains("kb4/users.json"));
    }

    /// The 200 response sample of "Get All Training Enrollments" in KnowBe4's Reporting API
    /// docs, as printed there (one enrollment object),
    /// https://developer.knowbe4.com/rest/reporting#tag/Training/paths/~1v1~1training~1enrollments/get
    const DOC_ENROLLMENT: &str = r#"{"enrollment_id": 1425526,"content_type": "Uploaded Policy","module_name": "Acceptable Use Policy","user": {"id": 796742,"first_name": "Sarah","last_name": "Thomas","email": "s_thomas@kb4-demo.com","employee_number": 123456},"campaign_name": "New Employee Policies","enrollment_date": "2019-04-02T15:02:38.000Z","start_date": "2019-04-02T15:02:38.000Z","completion_date": "2019-04-02T15:02:38.000Z","status": "Passed","time_spent": 2340,"policy_acknowledged": false}"#;

    #[test]
    fn documented_enrollment_is_read_as_printed() {
        let out = run(
            "[[sources]]\nadapter = \"knowbe4\"\npath = \"kb4/enrollments.json\"",
            &[("kb4/enrollments.json", DOC_ENROLLMENT.as_bytes())],
        );
        let rows: Vec<String> = out.rows("training").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "completed_at=2019-04-02T15:02:38Z|course=Acceptable Use Policy|person_id=s_thomas@kb4-demo.com"
            ]
        );
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }
}
