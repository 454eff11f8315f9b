//! Source adapters end to end, as a user runs them: raw exports and `[[sources]]` in, the audit,
//! `ingest` and `sources` out.

mod common;

use std::path::Path;

use common::{assert_stderr, control, diagnostics, fieldcheck, findings, text};
use serde_json::Value;

fn audit_json(dir: &Path) -> Value {
    common::audit_json(&[common::s(dir)])
}

#[test]
fn the_raw_demo_audits_exactly_like_the_canonical_demo() {
    let canonical = tempfile::tempdir().expect("tmp");
    let raw = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&["demo", "--out", canonical.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = fieldcheck(&["demo", "--raw", "--out", raw.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The raw folder really is raw: only the inventory and the identity map are kit files.
    let kit_files: Vec<String> = std::fs::read_dir(raw.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    let mut kit_files = kit_files;
    kit_files.sort();
    assert_eq!(kit_files, ["identities.csv", "systems.csv"]);

    let a = audit_json(canonical.path());
    let b = audit_json(raw.path());
    assert_eq!(findings(&a, true), findings(&b, true));
    assert_eq!(
        b["diagnostics"],
        serde_json::json!([]),
        "the raw demo reads cleanly"
    );
    // Deviations point at the raw exports, with the adapter and JSON path.
    let evidence: Vec<&Value> = b["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .flat_map(|c| c["tests"].as_array().expect("tests").iter())
        .flat_map(|t| t["deviations"].as_array().expect("devs").iter())
        .flat_map(|d| d["evidence"].as_array().expect("evidence").iter())
        .collect();
    assert!(evidence.iter().any(|e| {
        e["source"] == "aws-backup"
            && e["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("exports/aws-backup/backup-jobs-"))
            && e["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("$.BackupJobs["))
    }));
    assert!(evidence.iter().any(|e| {
        e["source"] == "workday"
            && e["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("$.Report_Entry["))
    }));
    assert!(evidence.iter().any(|e| e["source"] == "jira"));
    assert!(evidence.iter().any(|e| e["source"] == "github"));
    assert!(evidence.iter().any(|e| e["source"] == "okta-iga"));

    // ingest writes a canonical kit that audits the same, with provenance for every sourced row.
    let out = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&[
        "ingest",
        raw.path().to_str().expect("utf8"),
        "--out",
        out.path().to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = audit_json(out.path());
    assert_eq!(findings(&c, true), findings(&a, true));
    let prov = std::fs::read_to_string(out.path().join("provenance.csv")).expect("provenance");
    assert!(prov.starts_with("file,line,source,raw_file,raw_line,raw_path\n"));
    assert!(
        prov.lines().any(|l| l.starts_with("people.csv,")
            && l.contains(",workday,exports/workday/workers.json,")),
        "{}",
        &prov[..300]
    );
    let config = std::fs::read_to_string(out.path().join("fieldcheck.toml")).expect("config");
    assert!(
        !config.contains("[[sources]]") && !config.contains("[sources."),
        "{config}"
    );
    // Every adapter made records of the demo company: none is only named in the config.
    let made: std::collections::BTreeSet<&str> = prov
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    let idle: Vec<&str> = fieldcheck_sources::adapters()
        .iter()
        .map(|a| a.spec.name)
        .filter(|n| !made.contains(n))
        .collect();
    assert!(idle.is_empty(), "adapters that made no record: {idle:?}");
}

/// The adapters the raw demo's fieldcheck.toml names, in order of first use.
fn adapters_named(config: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for l in config.lines() {
        if let Some(v) = l.trim().strip_prefix("adapter = ") {
            let v = v.trim_matches('"').to_string();
            if !names.contains(&v) {
                names.push(v);
            }
        }
    }
    names
}

#[test]
fn the_raw_demo_exercises_every_adapter() {
    // A new adapter must join the raw demo (raw.rs and its modules in fieldcheck_demo), so the
    // end-to-end equality above covers it.
    let raw = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&[
        "demo",
        "--raw",
        "--people",
        "120",
        "--out",
        raw.path().to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let config = std::fs::read_to_string(raw.path().join("fieldcheck.toml")).expect("config");
    let named = adapters_named(&config);
    let missing: Vec<&str> = fieldcheck_sources::adapters()
        .iter()
        .map(|a| a.spec.name)
        .filter(|n| !named.iter().any(|x| x == n))
        .collect();
    assert!(
        missing.is_empty(),
        "adapters the raw demo does not use: {missing:?}"
    );
    assert!(named.len() >= 24, "{named:?}");
}

const SYSTEMS: &str = "system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\nokta,Okta,idp,1,true,confidential,240,E1\n";

const WORKERS: &str = r#"{"Report_Entry": [
  {"Employee_ID": "E1", "Worker": "Ann Lee", "Primary_Work_Email": "ann@acme.io", "Hire_Date": "2020-01-06", "Worker_Type": "Employee"},
  {"Employee_ID": "E2", "Worker": "Kenji Watanabe", "Primary_Work_Email": "kenji@acme.io", "Hire_Date": "2021-06-01",
   "Termination_Date": "2026-03-13T17:00:00-04:00", "Worker_Type": "Employee"}
]}"#;

const USERS: &str = r#"[
  {"id": "00u1ann", "status": "ACTIVE", "created": "2020-01-06T14:00:00.000Z", "profile": {"login": "ann@acme.io", "email": "ann@acme.io"}},
  {"id": "00u2kenji", "status": "DEPROVISIONED", "created": "2021-06-01T13:00:00.000Z", "statusChanged": "2026-03-16T15:00:00.000Z",
   "profile": {"login": "kenji@acme.io", "email": "kenji@acme.io"}}
]"#;

const LOG: &str = r#"[
 {"uuid": "a", "published": "2026-03-15T09:00:00.000Z", "eventType": "user.session.start", "actor": {"id": "00u2kenji", "type": "User", "alternateId": "kenji@acme.io"}, "outcome": {"result": "SUCCESS"}},
 {"uuid": "b", "published": "2026-03-16T15:00:00.000Z", "eventType": "user.lifecycle.deactivate", "actor": {"id": "00uadmin", "type": "User", "alternateId": "it@acme.io"}, "target": [{"id": "00u2kenji", "type": "User", "alternateId": "kenji@acme.io"}], "outcome": {"result": "SUCCESS"}}
]"#;

fn raw_kit(dir: &Path, extra_config: &str) {
    std::fs::create_dir_all(dir.join("exports/okta")).expect("mkdir");
    std::fs::write(dir.join("systems.csv"), SYSTEMS).expect("write");
    std::fs::write(dir.join("exports/workers.json"), WORKERS).expect("write");
    std::fs::write(dir.join("exports/okta/users.json"), USERS).expect("write");
    std::fs::write(dir.join("exports/okta/system-log-2026-03.json"), LOG).expect("write");
    let config = format!(
        "[org]\nname = \"Acme\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n[[sources]]\nadapter = \"workday\"\npath = \"exports/workers.json\"\n\n[[sources]]\nadapter = \"okta-users\"\npath = \"exports/okta/users.json\"\nsystem_id = \"okta\"\n\n[[sources]]\nadapter = \"okta-system-log\"\npath = \"exports/okta/system-log-*.json\"\nsystem_id = \"okta\"\n{extra_config}"
    );
    std::fs::write(dir.join("fieldcheck.toml"), config).expect("write");
}

#[test]
fn a_folder_of_raw_exports_audits_to_the_leaver_deviations_behind_them() {
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let v = audit_json(dir.path());
    let leavers = control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "exceptions");
    let dev = &leavers["tests"][0]["deviations"][0];
    assert_eq!(dev["item"], "E2");
    assert_eq!(
        dev["reasons"],
        serde_json::json!([
            "activity_after_termination",
            "late_deprovision",
            "sessions_not_revoked"
        ])
    );
    let ev = dev["evidence"].as_array().expect("evidence");
    assert!(
        ev.iter().any(|e| e["file"] == "exports/okta/users.json"
            && e["path"] == "$[1]"
            && e["line"] == 3),
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .any(|e| e["file"] == "exports/workers.json" && e["source"] == "workday"),
        "{ev:?}"
    );
}

#[test]
fn source_mistakes_in_the_config_exit_2_and_missing_exports_are_not_evidenced() {
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(
        dir.path(),
        "\n[[sources]]\nadapter = \"okta-sytem-log\"\npath = \"x.json\"\nsystem_id = \"okta\"\n",
    );
    let o = fieldcheck(&["audit", dir.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("error[source-unknown-adapter]")
            && err.contains("did you mean `okta-system-log`?"),
        "{err}"
    );
    assert!(err.contains("fieldcheck.toml:23:"), "{err}");

    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    std::fs::remove_file(dir.path().join("exports/okta/system-log-2026-03.json")).expect("rm");
    let v = audit_json(dir.path());
    let leavers = control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "not_evidenced");
    assert!(
        leavers["reason"]
            .as_str()
            .is_some_and(|r| r.contains("okta-system-log") && r.contains("no file")),
        "{}",
        leavers["reason"]
    );
    assert!(!diags_with(&v, "source-no-files").is_empty());
}

#[test]
fn a_truncated_export_is_diagnosed_and_keeps_the_records_before_the_cut() {
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let cut = &LOG[..LOG.find("\"b\"").expect("second event") + 20];
    std::fs::write(dir.path().join("exports/okta/system-log-2026-03.json"), cut).expect("write");
    let o = fieldcheck(&["audit", dir.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("error[truncated-export]")
            && err.contains("exports/okta/system-log-2026-03.json:3"),
        "{err}"
    );
    let v = audit_json(dir.path());
    let leavers = control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "not_evidenced");
    // ingest says the canonical kit it writes is incomplete, and exits 1.
    let out = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&[
        "ingest",
        dir.path().to_str().expect("utf8"),
        "--out",
        out.path().to_str().expect("utf8"),
    ]);
    assert_stderr(&o, 1, "the ingested kit is incomplete");
    // The sign-in before the cut still counts.
    assert!(
        leavers["tests"][0]["deviations"][0]["reasons"]
            .as_array()
            .expect("r")
            .iter()
            .any(|r| r == "activity_after_termination")
    );
}

#[test]
fn sources_lists_every_adapter_with_an_example() {
    let o = fieldcheck(&["sources"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    for name in [
        "okta-users",
        "okta-system-log",
        "workday",
        "bamboohr",
        "mapping",
    ] {
        assert!(out.contains(&format!("{name} — ")), "{name} in {out}");
        assert!(
            out.contains(&format!("adapter = \"{name}\"")),
            "example of {name}"
        );
    }
    let o = fieldcheck(&["sources", "okta-users"]);
    assert!(text(&o.stdout).contains("option `service_accounts`"));
    let o = fieldcheck(&["sources", "okta-user"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean `okta-users`?"));
    let o = fieldcheck(&["sources", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v.as_array().is_some_and(|a| a.len() >= 5));
}

#[test]
fn empty_expected_values_from_an_export_are_reported_like_a_kit_files() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("lms.csv"),
        "Email,Course,Completed\nann@acme.io,security-awareness,2026-02-01T10:00:00Z\nbob@acme.io,security-awareness,\ncai@acme.io,security-awareness,\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("fieldcheck.toml"),
        "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n[[sources]]\nadapter = \"mapping\"\npath = \"lms.csv\"\nkind = \"training\"\n[sources.fields]\nperson_id = \"Email\"\ncourse = \"Course\"\ncompleted_at = \"Completed\"\n",
    )
    .expect("write");
    let v = audit_json(dir.path());
    let d = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "missing-value")
        .expect("reported");
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64(), d["field"].as_str()),
        (Some("lms.csv"), Some(3), Some("completed_at"))
    );
    assert!(
        d["message"].as_str().unwrap_or("").starts_with(
            "2 mapping records from this export have an empty `training.completed_at`"
        ),
        "{d}"
    );
}

fn diags_with<'v>(v: &'v Value, code: &str) -> Vec<&'v Value> {
    diagnostics(v, |d| d["code"] == code)
}

#[cfg(unix)]
#[test]
fn a_broken_link_or_a_folder_matched_by_a_glob_is_a_lost_source_and_ingest_exits_1() {
    // The April page of the System Log is a link to a download that was moved away, and the May
    // "page" is a folder: before, both were dropped without a word and the leaver test passed on
    // March alone.
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let okta = dir.path().join("exports/okta");
    std::os::unix::fs::symlink(
        "/nonexistent/okta-system-log-2026-04.json",
        okta.join("system-log-2026-04.json"),
    )
    .expect("link");
    std::fs::create_dir(okta.join("system-log-2026-05.json")).expect("mkdir");
    let v = audit_json(dir.path());
    let refused = diags_with(&v, "not-a-file");
    let files: Vec<&str> = refused.iter().filter_map(|d| d["file"].as_str()).collect();
    assert_eq!(
        files,
        [
            "exports/okta/system-log-2026-04.json",
            "exports/okta/system-log-2026-05.json"
        ],
        "{refused:?}"
    );
    assert!(refused.iter().all(|d| d["severity"] == "error"));
    let leavers = control(&v, "leaver-deprovisioning");
    assert_eq!(leavers["status"], "not_evidenced");
    assert!(
        leavers["reason"]
            .as_str()
            .is_some_and(|r| r.contains("okta-system-log")),
        "{}",
        leavers["reason"]
    );
    // `ingest` writes what it could and exits 1.
    let out = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&[
        "ingest",
        common::s(dir.path()),
        "--out",
        common::s(&out.path().join("kit")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("system-log-2026-04.json"), "{err}");
    assert!(out.path().join("kit/account_events.csv").is_file());
}

#[cfg(unix)]
#[test]
fn an_export_linked_from_outside_the_config_folder_is_refused_and_a_fifo_never_hangs() {
    let dir = tempfile::tempdir().expect("tmp");
    let outside = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let okta = dir.path().join("exports/okta");
    std::fs::write(outside.path().join("secret.json"), LOG).expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        okta.join("system-log-2026-04.json"),
    )
    .expect("link");
    let fifo = okta.join("system-log-2026-05.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let v = audit_json(dir.path());
    let refused = diags_with(&v, "not-a-file");
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("outside the folder")),
        "{:?}",
        refused[0]
    );
    assert!(
        refused[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("FIFO")),
        "{:?}",
        refused[1]
    );
    assert_eq!(
        control(&v, "leaver-deprovisioning")["status"],
        "not_evidenced"
    );
}

#[test]
fn an_okta_status_that_maps_to_nothing_is_an_error_on_its_line_not_a_pass() {
    // Okta adds statuses over time; one fieldcheck cannot read must not become an account of
    // unknown status that no leaver test fails.
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let users = USERS.replace("\"DEPROVISIONED\"", "\"DEPROVISIONED_PENDING\"");
    std::fs::write(dir.path().join("exports/okta/users.json"), users).expect("write");
    let v = audit_json(dir.path());
    let unknown = diags_with(&v, "unknown-value");
    assert_eq!(unknown.len(), 1, "{:?}", v["diagnostics"]);
    let d = unknown[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "exports/okta/users.json");
    assert_eq!(d["line"], 3);
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("`DEPROVISIONED_PENDING`")),
        "{d}"
    );
    assert_eq!(
        control(&v, "leaver-deprovisioning")["status"],
        "not_evidenced"
    );
}

#[test]
fn a_bare_termination_date_is_the_end_of_that_day_and_counted_in_a_note() {
    // BambooHR and Workday export termination dates without a time: the last working day.
    let dir = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let workers = WORKERS.replace("2026-03-13T17:00:00-04:00", "2026-03-13");
    std::fs::write(dir.path().join("exports/workers.json"), workers).expect("write");
    let v = audit_json(dir.path());
    let notes = diags_with(&v, "bare-date");
    assert_eq!(notes.len(), 1, "{:?}", v["diagnostics"]);
    assert_eq!(notes[0]["severity"], "note");
    assert_eq!(notes[0]["file"], "exports/workers.json");
    assert!(
        notes[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("1 value of `terminated_at` is a bare date")),
        "{}",
        notes[0]
    );
    // The ingested kit holds 23:59:59 that day in New York.
    let out = tempfile::tempdir().expect("tmp");
    let kit = out.path().join("kit");
    let o = fieldcheck(&["ingest", common::s(dir.path()), "--out", common::s(&kit)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let people = std::fs::read_to_string(kit.join("people.csv")).expect("people");
    assert!(people.contains("2026-03-14T03:59:59Z"), "{people}");
}

#[cfg(unix)]
#[test]
fn ingest_is_never_fatal_on_a_bad_kit_file() {
    // systems.csv is a link out of the kit: the reader refuses it, and `ingest` names it, writes
    // everything else and exits 1 instead of stopping (or reading what the link points at).
    let dir = tempfile::tempdir().expect("tmp");
    let outside = tempfile::tempdir().expect("tmp");
    raw_kit(dir.path(), "");
    let systems = dir.path().join("systems.csv");
    std::fs::rename(&systems, outside.path().join("systems.csv")).expect("mv");
    std::os::unix::fs::symlink(outside.path().join("systems.csv"), &systems).expect("link");
    let out = tempfile::tempdir().expect("tmp");
    let kit = out.path().join("kit");
    let o = fieldcheck(&["ingest", common::s(dir.path()), "--out", common::s(&kit)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: `systems.csv` is a symbolic link")
            && err.contains("it was left out of"),
        "{err}"
    );
    // Nothing from outside the kit was copied into the ingested one.
    let written = std::fs::read_to_string(kit.join("systems.csv")).unwrap_or_default();
    assert!(!written.contains("okta"), "{written}");
    assert!(kit.join("people.csv").is_file(), "{err}");
    assert!(kit.join("accounts.csv").is_file(), "{err}");
}

/// A kit whose encryption evidence is clean, with the load balancer's listeners from the
/// `aws-elbv2` export `listeners`.
fn encryption_kit(dir: &Path, listeners: &str) {
    std::fs::create_dir_all(dir.join("exports/elb")).expect("mkdir");
    std::fs::write(
        dir.join("systems.csv"),
        "system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\nprod-web,Web,cloud,1,true,confidential,240,E1\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("data_stores.csv"),
        "resource_id,system_id,kind,primary_id,region,encrypted,key_id\nprod-db,prod-web,database,,us-east-1,true,1234abcd\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("keys.csv"),
        "key_id,manager,algorithm,rotation_enabled,rotation_period_days\n1234abcd,customer,AES_256,true,365\n",
    )
    .expect("write");
    std::fs::write(dir.join("exports/elb/listeners.json"), listeners).expect("write");
    std::fs::write(
        dir.join("fieldcheck.toml"),
        "[org]\nname = \"Acme\"\ntimezone = \"America/New_York\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n[[sources]]\nadapter = \"aws-elbv2\"\npath = \"exports/elb/*.json\"\nsystem_id = \"prod-web\"\n",
    )
    .expect("write");
}

#[test]
fn a_tls_policy_the_adapter_cannot_read_never_leaves_the_endpoint_passing() {
    // `aws elbv2 describe-listeners` output: the HTTPS listener's policy is a name no table lists.
    let good = r#"{"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2",
     "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188",
     "Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "DefaultActions": [{"Type": "forward"}]}"#;
    let custom = r#"{"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/0a0a0a0a0a0a0a0a",
     "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188",
     "Port": 8443, "Protocol": "HTTPS", "SslPolicy": "Acme-Legacy-Partners", "DefaultActions": [{"Type": "forward"}]}"#;
    let dir = tempfile::tempdir().expect("tmp");
    encryption_kit(dir.path(), &format!("{{\"Listeners\": [\n{good}\n]}}\n"));
    let v = audit_json(dir.path());
    assert_eq!(
        control(&v, "encryption")["status"],
        "effective",
        "{:?}",
        v["diagnostics"]
    );

    let dir = tempfile::tempdir().expect("tmp");
    encryption_kit(
        dir.path(),
        &format!("{{\"Listeners\": [\n{good},\n{custom}\n]}}\n"),
    );
    let v = audit_json(dir.path());
    let enc = control(&v, "encryption");
    assert_eq!(enc["status"], "not_evidenced", "{enc}");
    let unknown = diags_with(&v, "unknown-value");
    assert_eq!(unknown.len(), 1, "{:?}", v["diagnostics"]);
    assert_eq!(unknown[0]["severity"], "error");
    assert_eq!(unknown[0]["file"], "exports/elb/listeners.json");
    assert_eq!(unknown[0]["line"], 5);
    assert!(
        unknown[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`Acme-Legacy-Partners`")),
        "{}",
        unknown[0]
    );
}

/// The in-transit test of an audit: (population, [(item, reasons)]).
fn in_transit(v: &Value) -> (u64, Vec<(String, Vec<String>)>) {
    let t = control(v, "encryption")["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .find(|t| t["id"] == "in-transit")
        .expect("in-transit")
        .clone();
    let devs = t["deviations"]
        .as_array()
        .expect("deviations")
        .iter()
        .map(|d| {
            let reasons = d["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r.as_str().unwrap_or("").to_string())
                .collect();
            (d["item"].as_str().unwrap_or("").to_string(), reasons)
        })
        .collect();
    (t["population"].as_u64().unwrap_or(0), devs)
}

#[test]
fn the_elbv2_adapter_no_longer_decides_that_tls_1_1_means_weak_ciphers() {
    // Issue 12: an internal listener on a TLS 1.1 policy whose suites are all strong, under
    // `min_tls_internal = "1.1"`. The adapter used to state `weak_ciphers = true` for any policy
    // accepting TLS 1.1, overriding the parameter; now it gives the policy's suites and the
    // encryption control judges them.
    let listener = r#"{"Listeners": [{"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/internal-alb/1111111111111111/2222222222222222",
     "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/internal-alb/1111111111111111",
     "Port": 443, "Protocol": "HTTPS", "SslPolicy": "Acme-Tls11-Strong", "DefaultActions": [{"Type": "forward"}]}]}
"#;
    let balancers = r#"{"LoadBalancers": [{"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/internal-alb/1111111111111111", "LoadBalancerName": "internal-alb", "Scheme": "internal", "Type": "application"}]}"#;
    // The shape of `aws elbv2 describe-ssl-policies` (AWS CLI reference), for a custom policy.
    let policies = r#"{"SslPolicies": [{"SslProtocols": ["TLSv1.1", "TLSv1.2"], "Ciphers": [{"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 1}, {"Name": "ECDHE-RSA-AES256-GCM-SHA384", "Priority": 2}], "Name": "Acme-Tls11-Strong"}]}"#;
    let item = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/internal-alb/1111111111111111/2222222222222222";
    let kit = |controls: &str| {
        let dir = tempfile::tempdir().expect("tmp");
        encryption_kit(dir.path(), listener);
        let elb = dir.path().join("exports/elb");
        std::fs::write(elb.join("load-balancers.json"), balancers).expect("write");
        std::fs::write(elb.join("ssl-policies.json"), policies).expect("write");
        let config = dir.path().join("fieldcheck.toml");
        let text = std::fs::read_to_string(&config).expect("config");
        std::fs::write(&config, format!("{text}{controls}")).expect("write");
        dir
    };
    let dir = kit("\n[controls.encryption]\nmin_tls_internal = \"1.1\"\n");
    let v = audit_json(dir.path());
    assert_eq!(in_transit(&v), (1, vec![]), "{:?}", v["diagnostics"]);
    assert_eq!(control(&v, "encryption")["status"], "effective");

    // Boundary: at the default minimum (1.2) the listener accepts a version below it, and
    // `weak_tls_versions_imply_weak_ciphers` (on by default) reads TLS 1.1's suites as weak.
    let dir = kit("");
    let v = audit_json(dir.path());
    assert_eq!(
        in_transit(&v),
        (
            1,
            vec![(
                item.to_string(),
                vec!["weak_ciphers".to_string(), "weak_tls".to_string()]
            )]
        )
    );
}

#[test]
fn github_deploys_keep_their_environment_name_and_raw_check_conclusions_for_the_control() {
    // A bundle in the shape of GitHub's REST answers (pull, reviews, check runs, deployments
    // with statuses): the check run was `cancelled`, the deployment went to `prod-us`.
    let bundle = r#"{
  "pull": {"number": 7, "state": "closed", "title": "WEB-12 Rotate session keys", "body": "",
    "user": {"login": "alice"}, "created_at": "2026-02-03T09:12:00Z",
    "merged_at": "2026-02-04T15:40:22Z", "merge_commit_sha": "b7merge",
    "base": {"ref": "main", "sha": "1a2b"}, "head": {"ref": "rotate", "sha": "b7head"}},
  "reviews": [{"id": 1, "user": {"login": "bob"}, "state": "APPROVED", "submitted_at": "2026-02-04T14:02:10Z"}],
  "check_runs": [{"status": "completed", "conclusion": "success"}, {"status": "completed", "conclusion": "CANCELLED"}],
  "deployments": [
    {"id": 77, "sha": "b7merge", "ref": "main", "environment": "prod-us",
     "creator": {"login": "deploy-bot"}, "created_at": "2026-02-04T15:45:00Z",
     "statuses": [{"state": "success", "created_at": "2026-02-04T15:52:31Z"}]},
    {"id": 78, "sha": "b7merge", "ref": "main", "environment": "preprod",
     "creator": {"login": "deploy-bot"}, "created_at": "2026-02-04T15:00:00Z",
     "statuses": [{"state": "success", "created_at": "2026-02-04T15:05:00Z"}]}]
}"#;
    let kit = |controls: &str| {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("exports/github")).expect("mkdir");
        std::fs::write(dir.path().join("exports/github/bundle-7.json"), bundle).expect("write");
        std::fs::write(
            dir.path().join("systems.csv"),
            "system_id,in_scope\nweb,true\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("changes.csv"),
            "ticket_id,type,title,created_at,requester_id,approver_id,approved_at,retro_reviewed_at\nWEB-12,normal,Rotate,2026-02-01T08:00:00Z,alice,carol,2026-02-02T10:00:00Z,\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("fieldcheck.toml"),
            format!("[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n[[sources]]\nadapter = \"github\"\npath = \"exports/github/*.json\"\nsystem_id = \"web\"\nrepo = \"acme/web\"\n{controls}"),
        )
        .expect("write");
        dir
    };
    let dir = kit("");
    let v = audit_json(dir.path());
    // The adapter states no environment for a name nobody mapped, and that is not reported as a
    // missing value: the control classifies the name.
    assert!(
        diags_with(&v, "missing-value").is_empty(),
        "{:?}",
        v["diagnostics"]
    );
    let t = &control(&v, "change-management")["tests"][0];
    assert_eq!(t["population"], 1, "{t}");
    assert_eq!(t["deviations"][0]["item"], "acme/web/deployments/77");
    assert_eq!(
        t["deviations"][0]["reasons"],
        serde_json::json!(["tests_failed"])
    );
    assert_eq!(
        t["notes"],
        serde_json::json!([{
            "item": "deploys.environment_name",
            "detail": "environment names of in-scope deploys in the window: `preprod` not production by `production_environments` (1 deploy); `prod-us` production by `production_environments` (1 deploy)"
        }]),
        "{t}"
    );
    // Boundary: the organisation's own parameters: `cancelled` is no failure (and no pass), and
    // `preprod` is production too.
    let dir = kit(
        "[controls.change-management]\nfailed_check_conclusions = [\"failure\"]\nproduction_environments = [\"prod-*\", \"preprod\"]\n",
    );
    let v = audit_json(dir.path());
    let t = &control(&v, "change-management")["tests"][0];
    assert_eq!(t["population"], 2, "{t}");
    let reasons: Vec<&Value> = t["deviations"]
        .as_array()
        .expect("deviations")
        .iter()
        .map(|d| &d["reasons"])
        .collect();
    assert_eq!(
        reasons,
        [
            &serde_json::json!(["no_test_evidence"]),
            &serde_json::json!(["no_test_evidence"])
        ]
    );
}
