//! The calls moto 5.2.6 does not implement (CloudTrail `LookupEvents`, AWS Backup
//! `ListBackupJobs` / `ListRestoreJobs`, SSM `DescribeSessions`), against a local HTTP server
//! that answers as the AWS APIs document: two pages with a `NextToken`, a 500 that the SDK
//! retries, and a window older than CloudTrail's 90 days.
//!
//! The collector runs in a child process (this test binary, `replay_child`) whose environment
//! points the SDK at the server (`AWS_ENDPOINT_URL`) with static credentials.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldcheck_pull::Collector;
use serde_json::Value;

// Adapted from the AWS CLI's documented `lookup-events` example
// (https://github.com/aws/aws-cli/blob/develop/awscli/examples/cloudtrail/lookup-events.rst),
// as the wire answer (timestamps in epoch seconds), split over two pages.
const EVENTS_1: &str = r#"{"Events": [{"EventId": "654ccbc0-ba0d-486a-9076-dbf7274677a7", "Username": "ann", "EventTime": 1795455662, "EventName": "ConsoleLogin", "EventSource": "signin.amazonaws.com", "ReadOnly": "false", "Resources": [], "CloudTrailEvent": "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":\"AIDACKCEVSQ6C2EXAMPLE\",\"arn\":\"arn:aws:iam::123456789012:user/ann\",\"accountId\":\"123456789012\",\"userName\":\"ann\"},\"eventTime\":\"2026-11-23T17:41:02Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"72.21.198.70\",\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"additionalEventData\":{\"MFAUsed\":\"Yes\"},\"eventID\":\"654ccbc0-ba0d-486a-9076-dbf7274677a7\",\"eventType\":\"AwsConsoleSignIn\"}"}], "NextToken": "page-2"}"#;
const EVENTS_2: &str = r#"{"Events": [{"EventId": "7b6a1b5e-0c1e-4c8e-9d2a-0d3e2f1a2b3c", "Username": "bob", "EventTime": 1795542062.5, "EventName": "ConsoleLogin", "EventSource": "signin.amazonaws.com", "ReadOnly": "false", "Resources": [], "CloudTrailEvent": "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::123456789012:user/bob\",\"accountId\":\"123456789012\",\"userName\":\"bob\"},\"eventTime\":\"2026-11-24T17:41:02Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"additionalEventData\":{\"MFAUsed\":\"No\"},\"eventType\":\"AwsConsoleSignIn\"}"}]}"#;
// The DescribeTrails response syntax
// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html).
const TRAILS: &str = r#"{"trailList": [{"Name": "management-events", "S3BucketName": "acme-trail", "IncludeGlobalServiceEvents": true, "IsMultiRegionTrail": true, "HomeRegion": "us-east-1", "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events", "LogFileValidationEnabled": true, "HasCustomEventSelectors": false, "HasInsightSelectors": false, "IsOrganizationTrail": false}]}"#;
// The ListBackupJobs and ListRestoreJobs response syntax
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListBackupJobs.html,
// .../API_ListRestoreJobs.html).
const BACKUP_JOBS: &str = r#"{"BackupJobs": [{"AccountId": "123456789012", "BackupJobId": "1F2E3D4C-5B6A-7980-1A2B-3C4D5E6F7A8B", "BackupVaultName": "Default", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:Default", "RecoveryPointArn": "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1f2e3d4c", "ResourceArn": "arn:aws:rds:us-east-1:123456789012:db:prod-main", "CreationDate": 1795420800, "CompletionDate": 1795424400.25, "State": "COMPLETED", "PercentDone": "100.0", "BackupSizeInBytes": 21474836480, "IamRoleArn": "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole", "CreatedBy": {"BackupPlanId": "plan-1", "BackupRuleName": "DailyBackups"}, "ResourceType": "RDS", "IsEncrypted": true, "IsParent": false}]}"#;
const RESTORE_JOBS: &str = r#"{"RestoreJobs": [{"AccountId": "123456789012", "RestoreJobId": "52BEE4BB-0F5E-4A8A-B1A2-EXAMPLE11111", "RecoveryPointArn": "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1f2e3d4c", "CreationDate": 1795510800, "CompletionDate": 1795514400, "Status": "COMPLETED", "PercentDone": "100.00%", "CreatedResourceArn": "arn:aws:rds:us-east-1:123456789012:db:restore-test-1", "ResourceType": "RDS", "IsParent": false, "CreatedBy": {"RestoreTestingPlanArn": "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:monthly"}, "ValidationStatus": "SUCCESSFUL"}]}"#;
// The DescribeSessions response syntax
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeSessions.html).
const SESSIONS_HISTORY: &str = r#"{"Sessions": [{"SessionId": "ann-0a1b2c3d4e5f6a7b8", "Target": "i-0123456789abcdef0", "Status": "Terminated", "StartDate": 1795600000, "EndDate": 1795603600, "DocumentName": "SSM-SessionManagerRunShell", "Owner": "arn:aws:iam::123456789012:user/ann", "OutputUrl": {"S3OutputUrl": "", "CloudWatchOutputUrl": ""}, "AccessType": "Standard"}]}"#;
const SESSIONS_ACTIVE: &str = r#"{"Sessions": []}"#;

/// Answers requests until the test ends: each request's first line, target and body are kept.
fn serve() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut failed_once = false;
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let (mut target, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap_or(("", ""));
                match k.to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = v.trim().to_string(),
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            log.lock()
                .expect("log")
                .push(format!("{} {target} {body}", first.trim()));
            let path = first.split(' ').nth(1).unwrap_or("");
            let (status, answer) = if target.ends_with("LookupEvents") {
                if body.contains("page-2") {
                    (200, EVENTS_2)
                } else {
                    (200, EVENTS_1)
                }
            } else if target.ends_with("DescribeTrails") {
                (200, TRAILS)
            } else if target.ends_with("DescribeSessions") {
                if body.contains("History") {
                    (200, SESSIONS_HISTORY)
                } else {
                    (200, SESSIONS_ACTIVE)
                }
            } else if path.starts_with("/backup-jobs") {
                if failed_once {
                    (200, BACKUP_JOBS)
                } else {
                    failed_once = true;
                    (
                        500,
                        r#"{"__type": "ServiceUnavailableException", "message": "try again"}"#,
                    )
                }
            } else if path.starts_with("/restore-jobs") {
                (200, RESTORE_JOBS)
            } else {
                (400, r#"{"__type": "UnknownOperationException"}"#)
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (url, seen)
}

const CONFIG: &str = "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-06-01\"\nend = \"2026-12-31\"\n\n[[collectors]]\ncollector = \"aws\"\nregion = \"us-east-1\"\nsystem_id = \"aws-prod\"\nservices = [\"ssm\", \"cloudtrail\", \"backup\"]\n";

#[test]
#[ignore = "run by the replay test in a child process"]
fn replay_child() {
    let Some(kit) = std::env::var_os("FIELDCHECK_TEST_AWS_CHILD").map(PathBuf::from) else {
        return;
    };
    let (config, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", CONFIG);
    let config = config.unwrap_or_else(|| panic!("{diags:?}"));
    let secrets = BTreeMap::new();
    let t = |s: &str| s.parse::<jiff::Timestamp>().expect("time");
    let mut session = fieldcheck_pull::Session::new(
        fieldcheck_aws::AWS.spec(),
        &config.collectors[0].entries,
        &secrets,
        kit.join("exports/aws"),
        "exports/aws".into(),
        t("2026-12-05T12:00:00Z"),
        (t("2026-06-01T00:00:00Z"), t("2027-01-01T00:00:00Z")),
    );
    if let Err(e) = fieldcheck_aws::AWS.pull(&mut session) {
        panic!("{e}\nhelp: {}", e.help().unwrap_or(""));
    }
    let (records, outcomes) = session.finish();
    std::fs::write(
        kit.join("records.json"),
        serde_json::to_string(&(records, outcomes)).expect("json"),
    )
    .expect("write");
}

fn read(kit: &Path, file: &str) -> String {
    std::fs::read_to_string(kit.join("exports/aws").join(file)).expect(file)
}

#[test]
fn events_are_paged_retried_and_the_window_before_90_days_is_a_shortfall() {
    let (url, seen) = serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "replay_child", "--ignored", "--nocapture"])
        .env("FIELDCHECK_TEST_AWS_CHILD", dir.path())
        .env("AWS_ENDPOINT_URL", &url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("child");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = seen.lock().expect("seen").clone();

    // Both pages of console sign-ins, merged as the CLI merges them, timestamps as it prints
    // them, and the request asked from 90 days before now.
    let events: Value = serde_json::from_str(&read(
        dir.path(),
        "cloudtrail/lookup-events-console-login.json",
    ))
    .expect("json");
    let times: Vec<&str> = events["Events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["EventTime"].as_str().expect("time"))
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-23T17:41:02+00:00",
            "2026-11-24T17:41:02.500000+00:00"
        ]
    );
    assert!(events.get("NextToken").is_none());
    let lookups: Vec<&String> = seen.iter().filter(|r| r.contains("LookupEvents")).collect();
    assert_eq!(lookups.len(), 2, "{seen:?}");
    // The request starts 90 days before now (2026-09-06T12:00:00Z).
    assert!(lookups[0].contains("1788696000"), "{}", lookups[0]);

    let (records, outcomes): (Vec<Value>, Vec<Value>) = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("records.json")).expect("records"),
    )
    .expect("json");
    let lookup = outcomes
        .iter()
        .find(|o| o["call"] == "cloudtrail-lookup-events")
        .expect("outcome");
    assert_eq!(lookup["pages"], 2);
    assert_eq!(lookup["from"], "2026-06-01T00:00:00Z");
    assert_eq!(lookup["to"], "2026-12-05T12:00:00Z");
    assert_eq!(
        lookup["shortfall"],
        "CloudTrail event history (LookupEvents) keeps 90 days: events from 2026-06-01T00:00:00Z to 2026-09-06T12:00:00Z are not covered; read the trail's log files from its S3 bucket with the `aws-cloudtrail` adapter for the rest of the window"
    );
    let record = records
        .iter()
        .find(|r| r["call"] == "cloudtrail-lookup-events")
        .expect("record");
    assert_eq!(record["request"], "cloudtrail:LookupEvents");
    assert_eq!(record["params"]["StartTime"], "2026-09-06T12:00:00Z");
    assert_eq!(record["params"]["pages"], "2");
    let trails = outcomes
        .iter()
        .find(|o| o["call"] == "cloudtrail-describe-trails")
        .expect("trails");
    assert_eq!(trails["observed_at"], "2026-12-05T12:00:00Z");
    assert!(read(dir.path(), "cloudtrail/describe-trails.json").contains("\"trailList\""));

    // The 500 was retried by the SDK, and the record counts the attempts.
    let backup = records
        .iter()
        .find(|r| r["call"] == "backup-list-backup-jobs")
        .expect("backup");
    assert_eq!(backup["attempts"], 2, "{backup}");
    assert_eq!(backup["status"], 200);
    let jobs: Value =
        serde_json::from_str(&read(dir.path(), "backup/list-backup-jobs.json")).expect("json");
    assert_eq!(
        jobs["BackupJobs"][0]["CompletionDate"],
        "2026-11-23T09:00:00.250000+00:00"
    );
    assert_eq!(jobs["BackupJobs"][0]["BackupSizeInBytes"], 21474836480u64);
    let restores: Value =
        serde_json::from_str(&read(dir.path(), "backup/list-restore-jobs.json")).expect("json");
    assert_eq!(restores["RestoreJobs"][0]["ValidationStatus"], "SUCCESSFUL");

    // Session Manager: the history over the window's last 30 days, and the active sessions.
    let history: Value =
        serde_json::from_str(&read(dir.path(), "ssm/describe-sessions-history.json"))
            .expect("json");
    assert_eq!(history["Sessions"][0]["Status"], "Terminated");
    assert_eq!(
        read(dir.path(), "ssm/describe-sessions-active.json"),
        "{\n    \"Sessions\": []\n}\n"
    );
    let sessions = outcomes
        .iter()
        .find(|o| o["call"] == "ssm-describe-sessions")
        .expect("sessions");
    assert!(
        sessions["shortfall"]
            .as_str()
            .is_some_and(|s| s.contains("keeps 30 days")),
        "{sessions}"
    );
    assert!(
        seen.iter().any(|r| r.contains("DescribeSessions")
            && r.contains("InvokedAfter")
            && r.contains("2026-11-05T12:00:00Z")),
        "{seen:?}"
    );
}
