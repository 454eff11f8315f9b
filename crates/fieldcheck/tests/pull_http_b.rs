//! `fieldcheck pull` end to end for the Jira, BambooHR, Workday and KnowBe4 collectors, against
//! local servers replaying the vendors' documented answers (crates/fieldcheck_pull/tests/server),
//! then `fieldcheck ingest` and `fieldcheck audit` on the pulled kit.

mod common;
#[path = "../../fieldcheck_pull/tests/server/mod.rs"]
mod server;

use std::path::Path;

use common::{s, text};
use server::Server;

const NOW: &str = "2026-12-05T12:00:00Z";

const SYSTEMS: &str = "system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\njira,Jira,saas,2,true,internal,480,1\n";

fn kit(dir: &Path, collectors: &str) {
    std::fs::write(dir.join("systems.csv"), SYSTEMS).expect("systems");
    std::fs::write(
        dir.join("fieldcheck.toml"),
        format!(
            "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n{collectors}"
        ),
    )
    .expect("config");
}

/// `ingest`'s canonical kit of `dir`.
fn ingest(dir: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tmp");
    let o = common::fieldcheck(&["ingest", s(dir), "--out", s(out.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    out
}

fn file(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn test<'v>(v: &'v serde_json::Value, control: &str, id: &str) -> &'v serde_json::Value {
    v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .filter(|c| c["id"] == control)
        .flat_map(|c| c["tests"].as_array().expect("tests"))
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{control}/{id}"))
}

#[test]
fn jira_bamboohr_and_knowbe4_pulled_then_audited() {
    let jira = Server::start(server::jira::site(server::jira::Faults {
        rate_limit_page_2: true,
        ..Default::default()
    }));
    let hr = Server::start(server::bamboohr::company(Default::default()));
    let kb4 = Server::start(server::knowbe4::account(server::knowbe4::Faults {
        server_error_tests: true,
        ..Default::default()
    }));
    let dir = tempfile::tempdir().expect("tmp");
    kit(
        dir.path(),
        &format!(
            "\n[[collectors]]\ncollector = \"jira\"\nbase_url = \"{}\"\njql = \"project = CHG\"\nsystem_id = \"jira\"\n\n[[collectors]]\ncollector = \"bamboohr\"\nbase_url = \"{}\"\n\n[[collectors]]\ncollector = \"knowbe4\"\nbase_url = \"{}\"\ncourses = {{ \"2026 Security Awareness Training\" = \"security-awareness\" }}\n",
            jira.url, hr.url, kb4.url
        ),
    );
    common::pull(
        dir.path(),
        NOW,
        &[
            ("JIRA_EMAIL", server::jira::EMAIL),
            ("JIRA_API_TOKEN", server::jira::TOKEN),
            ("BAMBOOHR_API_KEY", server::bamboohr::KEY),
            ("KNOWBE4_API_TOKEN", server::knowbe4::TOKEN),
        ],
    );
    let config = std::fs::read_to_string(dir.path().join("fieldcheck.toml")).expect("config");
    for entry in [
        "adapter = \"jira\"\npath = \"exports/jira/issues/page-*.json\"\nsystem_id = \"jira\"",
        "adapter = \"bamboohr\"\npath = \"exports/bamboohr/employees/report.json\"",
        "adapter = \"knowbe4\"\npath = \"exports/knowbe4/**/page-*.json\"\ncourses = { \"2026 Security Awareness Training\" = \"security-awareness\" }",
    ] {
        assert!(config.contains(entry), "{entry}\n---\n{config}");
    }
    // The rows the pulled pages make, as the adapters read them.
    let out = ingest(dir.path());
    assert_eq!(
        file(out.path(), "changes.csv"),
        "ticket_id,type,title,created_at,requester_id,approver_id,approved_at,retro_reviewed_at\n\
         CHG-101,normal,Rotate production DB credentials,2026-03-02T11:20:45Z,alice@acme.io,bob@acme.io,2026-03-03T15:00:00Z,\n\
         CHG-102,emergency,Hotfix payment timeout,2026-04-10T06:00:00Z,bob@acme.io,carol@acme.io,2026-04-11T09:00:00Z,2026-04-15T10:00:00Z\n\
         CHG-103,normal,Migrate the queue cluster,2026-05-05T08:00:00Z,alice@acme.io,,,\n"
    );
    // Every employee, the inactive leaver too (the directory would have left him out).
    assert_eq!(
        file(out.path(), "people.csv"),
        "person_id,email,name,manager_id,employment_type,start_date,terminated_at,privileged\n\
         1,ann@acme.io,Ann Lee,,employee,2020-01-06,,\n\
         2,kenji@acme.io,Kenji Watanabe,1,employee,2021-06-01,2026-03-13T23:59:59Z,\n\
         3,dan@acme.io,Dan Ito,1,contractor,2026-02-02,,\n"
    );
    // The completions of both enrollment pages.
    assert_eq!(
        file(out.path(), "training.csv"),
        "person_id,course,completed_at\n\
         ann@acme.io,security-awareness,2026-01-07T09:58:41Z\n\
         kenji@acme.io,security-awareness,2026-01-20T10:00:00Z\n\
         dan@acme.io,security-awareness,2026-02-03T11:00:00Z\n"
    );
    // The test in the window counted from its recipients, whose events are kept for the
    // security-training control (issue 12); the earlier one from its aggregates.
    assert_eq!(
        file(out.path(), "phishing_campaigns.csv"),
        "campaign_id,started_at,recipients,clicked,reported,recipient_events\n\
         14240,2026-02-10T14:00:00Z,3,1,1,delivered=1; delivered+opened+clicked=1; delivered+opened+reported=1\n\
         13001,2025-11-03T14:00:00Z,3,0,0,\n"
    );
    // The audit reads the pulled kit: the leaver, the three people to train, the quarter with
    // a phishing test; CHG-103's changelog cut at 100 histories is the adapter's warning, and
    // the issues pulled before the window's end are an open window's incomplete population.
    let v = common::audit_json(&[s(dir.path())]);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        [
            "window-open",
            "source-partial-changelog",
            "bare-date",
            "source-skipped-records"
        ]
    );
    assert_eq!(
        test(&v, "leaver-deprovisioning", "leavers")["population"],
        1
    );
    assert_eq!(
        test(&v, "security-training", "training-completion")["population"],
        3
    );
    let phishing = test(&v, "security-training", "phishing-simulations");
    let quarters: Vec<&str> = phishing["deviations"]
        .as_array()
        .expect("deviations")
        .iter()
        .map(|d| d["item"].as_str().expect("item"))
        .collect();
    assert_eq!(quarters, ["2026-Q2", "2026-Q3", "2026-Q4"]);
    // Every page has its retrieval record; no credential reached the kit.
    let jsonl = file(dir.path(), "exports/knowbe4/retrieval.jsonl");
    assert_eq!(jsonl.lines().count(), 4);
    for f in [
        "exports/jira/retrieval.jsonl",
        "exports/bamboohr/retrieval.jsonl",
        "exports/knowbe4/retrieval.jsonl",
        "fieldcheck.toml",
    ] {
        let t = file(dir.path(), f);
        for secret in [
            server::jira::TOKEN,
            server::bamboohr::KEY,
            server::knowbe4::TOKEN,
        ] {
            assert!(!t.contains(secret), "{f}");
        }
    }
}

#[test]
fn workday_pulled_then_read() {
    let wd = Server::start(server::workday::tenant(server::workday::Faults {
        server_error: true,
        ..Default::default()
    }));
    let dir = tempfile::tempdir().expect("tmp");
    kit(
        dir.path(),
        &format!(
            "\n[[collectors]]\ncollector = \"workday\"\nreport_url = \"{}{}\"\n",
            wd.url,
            server::workday::PATH
        ),
    );
    common::pull(
        dir.path(),
        NOW,
        &[
            ("WORKDAY_USERNAME", server::workday::USER),
            ("WORKDAY_PASSWORD", server::workday::PASSWORD),
        ],
    );
    assert_eq!(
        file(dir.path(), "exports/workday/report/report.json"),
        server::workday::REPORT
    );
    let config = file(dir.path(), "fieldcheck.toml");
    assert!(
        config.contains("adapter = \"workday\"\npath = \"exports/workday/report/report.json\""),
        "{config}"
    );
    let out = ingest(dir.path());
    assert_eq!(
        file(out.path(), "people.csv"),
        "person_id,email,name,manager_id,employment_type,start_date,terminated_at,privileged\n\
         E1,ann@acme.io,Ann Lee,,employee,2020-01-06,,\n\
         E2,kenji@acme.io,Kenji Watanabe (E2),E1,employee,2021-06-01,2026-03-13T23:59:59Z,\n\
         C7,dan@acme.io,Dan Ito,E1,contractor,2026-02-02,,\n"
    );
    let v = common::audit_json(&[s(dir.path())]);
    assert_eq!(
        test(&v, "leaver-deprovisioning", "leavers")["population"],
        1
    );
}
