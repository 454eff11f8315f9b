//! AWS CloudTrail: console sign-ins and Session Manager starts from trail log files
//! (`{"Records": [...]}`) or `aws cloudtrail lookup-events` output (`{"Events": [...]}`).

use fieldcheck_kit::Kind;
use serde::Deserialize;
use serde_json::Value;

use super::awsops::{Counts, OtherCalls, arn_last, records, some, time};
use crate::emit::Emitter;
use crate::read::At;
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `aws-cloudtrail`.
pub(crate) static CLOUDTRAIL: Adapter = Adapter {
    spec: &Spec {
        name: "aws-cloudtrail",
        system: "AWS CloudTrail",
        reads: "CloudTrail records: the trail's S3 log files (`{\"Records\": [...]}`, usually `.json.gz`) or `aws cloudtrail lookup-events` output (`{\"Events\": [...]}` whose `CloudTrailEvent` holds the record as a JSON string), under any file name, recognised by their top-level keys; other AWS CLI calls' outputs in the same folder (`describe-trails`, `list-backup-vaults`, `describe-db-subnet-groups`) are skipped with a note",
        produces: &[Kind::Sessions, Kind::AccountEvents, Kind::CentralLog],
        needs_system: true,
        containers: &["Records", "Events"],
        options: &[OptSpec {
            name: "central_log",
            ty: OptTy::Bool,
            help: "whether this trail delivers to the organisation's central log archive, so each session is also a central_log row; default false",
        }],
        example: "[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"exports/cloudtrail/AWSLogs/**/*.json.gz\"\nsystem_id = \"aws-prod\"\ncentral_log = true",
    },
    run,
};

#[derive(Deserialize)]
struct Record {
    #[serde(default, rename = "CloudTrailEvent")]
    cloud_trail_event: Option<String>,
    #[serde(default, rename = "eventTime")]
    event_time: Value,
    #[serde(default, rename = "eventSource")]
    event_source: Option<String>,
    #[serde(default, rename = "eventName")]
    event_name: Option<String>,
    #[serde(default, rename = "eventID")]
    event_id: Option<String>,
    #[serde(default, rename = "userIdentity")]
    user_identity: Option<UserIdentity>,
    #[serde(default, rename = "responseElements")]
    response_elements: Option<Value>,
    #[serde(default, rename = "errorCode")]
    error_code: Option<String>,
}

#[derive(Deserialize)]
struct UserIdentity {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, rename = "userName")]
    user_name: Option<String>,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default, rename = "principalId")]
    principal_id: Option<String>,
}

/// The account a record's caller signs in as: the IAM user name, an assumed role's session name
/// (the ARN's last segment: the person for Identity Center roles), or `<root_account>` (the
/// name the IAM credential report gives the root user, so the two join).
fn account(u: &UserIdentity) -> Option<String> {
    match u.kind.as_deref() {
        Some("Root") => Some("<root_account>".into()),
        Some("AssumedRole") => some(&u.arn).map(|a| arn_last(a).to_string()),
        _ => some(&u.user_name)
            .or_else(|| some(&u.arn).map(arn_last))
            .or_else(|| some(&u.principal_id))
            .map(str::to_string),
    }
}

fn text<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v str> {
    v?.get(key)?.as_str().and_then(crate::value::present)
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let central = input.options.bool("central_log").unwrap_or(false);
    let mut skipped = Counts::default();
    let mut others = OtherCalls::default();
    // A trail's log file, lookup-events output, or one record per line.
    let ours = &[
        "Records",
        "Events",
        "eventName",
        "eventTime",
        "eventID",
        "eventVersion",
        "CloudTrailEvent",
    ];
    let recognised = |r: &Record| r.event_name.is_some() || r.cloud_trail_event.is_some();
    records::<Record>(
        input,
        em,
        ours,
        &mut others,
        &recognised,
        &mut |rec, at, em| {
            if let Some(inner) = &rec.cloud_trail_event {
                match serde_json::from_str::<Record>(inner) {
                    Ok(r) => one(r, at, em, central, &mut skipped),
                    Err(e) => at.bad(
                        em,
                        fieldcheck_kit::Code::BadJson,
                        format!("`CloudTrailEvent` is not a CloudTrail record ({e})"),
                        "the event was skipped",
                    ),
                }
            } else {
                one(rec, at, em, central, &mut skipped);
            }
        },
    );
    others.report(em);
    if let Some(d) = skipped.note(
        fieldcheck_kit::Code::SourceSkippedEvents,
        "events that are not successful console sign-ins or Session Manager starts were skipped",
        "only `ConsoleLogin` with `Success` and `ssm:StartSession` are production sessions",
    ) {
        em.diag(d);
    }
}

fn one(r: Record, at: &At, em: &mut Emitter, central: bool, skipped: &mut Counts) {
    let name = some(&r.event_name).unwrap_or("(no eventName)");
    let source = some(&r.event_source).unwrap_or("");
    let resp = r.response_elements.as_ref();
    let (method, session) = match (name, source) {
        ("ConsoleLogin", _) => match text(resp, "ConsoleLogin") {
            Some("Success") if some(&r.error_code).is_none() => ("console", some(&r.event_id)),
            Some("Success" | "Failure") | None if some(&r.error_code).is_some() => {
                skipped.add("ConsoleLogin (failed)");
                return;
            }
            Some("Failure") => {
                skipped.add("ConsoleLogin (failed)");
                return;
            }
            // Whether the sign-in happened decides the session: an outcome fieldcheck cannot
            // read is an error on the record.
            other => {
                super::common::unknown_value(
                    em,
                    at,
                    "responseElements.ConsoleLogin",
                    other.unwrap_or(""),
                    "CloudTrail writes `Success` or `Failure` for a console sign-in",
                );
                return;
            }
        },
        ("StartSession", "ssm.amazonaws.com") => match text(resp, "sessionId") {
            Some(id) if some(&r.error_code).is_none() => ("ssm", Some(id)),
            _ => {
                skipped.add("StartSession (failed)");
                return;
            }
        },
        _ => {
            skipped.add(name);
            return;
        }
    };
    let Some(session) = session else {
        at.bad(
            em,
            fieldcheck_kit::Code::BadValue,
            format!("the `{name}` record has no `eventID`"),
            "the event was skipped",
        );
        return;
    };
    let when = match time(&r.event_time, "eventTime", at, em, "the event was skipped") {
        Ok(Some(t)) => t,
        Ok(None) => {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                format!("the `{name}` record has no `eventTime`"),
                "the event was skipped",
            );
            return;
        }
        Err(()) => return,
    };
    let acct = r.user_identity.as_ref().and_then(account);
    em.row(Kind::Sessions, &at.file, at.line, at.path())
        .set("session_id", session)
        .set("account_id", acct.as_deref())
        .set("person_id", acct.as_deref())
        .set("method", method)
        .set("started_at", when)
        .emit();
    if method == "console"
        && let Some(a) = &acct
    {
        em.row(Kind::AccountEvents, &at.file, at.line, at.path())
            .set("account_id", a)
            .set("event", "login")
            .set("at", when)
            .emit();
    }
    if central {
        em.row(Kind::CentralLog, &at.file, at.line, at.path())
            .set("session_id", session)
            .set("received_at", when)
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::testkit::{flat, run};

    // One trail log file as CloudTrail writes it to S3 (before gzip).
    const TRAIL: &str = r#"{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2026-03-10T16:24:34Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes"},"eventID":"fed06f42-cb12-4764-8c69-121063dc79b9","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"},
{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:alice","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ProdAdmin_0a1b2c3d4e5f6a7b/alice","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ProdAdmin_0a1b2c3d4e5f6a7b","accountId":"111122223333","userName":"AWSReservedSSO_ProdAdmin_0a1b2c3d4e5f6a7b"},"attributes":{"creationDate":"2026-03-10T16:20:01Z","mfaAuthenticated":"false"}}},"eventTime":"2026-03-10T16:31:47Z","eventSource":"ssm.amazonaws.com","eventName":"StartSession","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":{"target":"i-0123456789abcdef0"},"responseElements":{"sessionId":"alice-0a1b2c3d4e5f67890","tokenValue":"Value hidden due to security reasons.","streamUrl":"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/alice-0a1b2c3d4e5f67890?role=publish_subscribe"},"requestID":"fa579183-dd4c-4702-804f-140b2aa7014a","eventID":"8217f18e-a892-42b6-91c8-1d42b571d440","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"},
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accountId":"111122223333","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"},"eventTime":"2026-03-10T16:40:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"},"eventID":"0b0b0b0b-1111-2222-3333-444444444444","eventType":"AwsConsoleSignIn"},
{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/deployer/ci"},"eventTime":"2026-03-10T16:41:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventID":"1c1c1c1c-1111-2222-3333-444444444444","eventType":"AwsApiCall"},
{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/deployer/ci"},"eventTime":"2026-03-10T16:42:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventID":"2d2d2d2d-1111-2222-3333-444444444444","eventType":"AwsApiCall"},
{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ops/bob"},"eventTime":"2026-03-10T16:43:00Z","eventSource":"ssm.amazonaws.com","eventName":"StartSession","errorCode":"AccessDenied","responseElements":null,"eventID":"3e3e3e3e-1111-2222-3333-444444444444","eventType":"AwsApiCall"}
]}"#;

    // A page of `aws cloudtrail lookup-events` (EventTime in epoch seconds, the record as a
    // string), a second page concatenated after it.
    const LOOKUP: &str = r#"{
    "Events": [
        {
            "EventId": "5f5f5f5f-aaaa-bbbb-cccc-dddddddddddd",
            "EventName": "ConsoleLogin",
            "ReadOnly": "false",
            "EventTime": 1773247200.0,
            "EventSource": "signin.amazonaws.com",
            "Username": "root",
            "Resources": [],
            "CloudTrailEvent": "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\",\"principalId\":\"111122223333\",\"arn\":\"arn:aws:iam::111122223333:root\",\"accountId\":\"111122223333\"},\"eventTime\":\"2026-03-11T16:40:00Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"additionalEventData\":{\"MFAUsed\":\"Yes\"},\"eventID\":\"5f5f5f5f-aaaa-bbbb-cccc-dddddddddddd\",\"eventType\":\"AwsConsoleSignIn\"}"
        },
        {
            "EventId": "6a6a6a6a-aaaa-bbbb-cccc-dddddddddddd",
            "EventName": "ConsoleLogin",
            "EventTime": 1773250800.0,
            "CloudTrailEvent": "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\""
        }
    ],
    "NextToken": "eyJ..."
}
{"Events": [{"EventId": "7b7b7b7b-aaaa-bbbb-cccc-dddddddddddd", "EventName": "GetCallerIdentity",
  "CloudTrailEvent": "{\"eventTime\":\"2026-03-11T17:00:00Z\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"GetCallerIdentity\",\"eventID\":\"7b7b7b7b-aaaa-bbbb-cccc-dddddddddddd\"}"}]}
"#;

    fn gz(s: &str) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(s.as_bytes()).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn console_logins_and_ssm_starts_from_trail_files_and_lookup_events() {
        let trail = gz(TRAIL);
        let out = run(
            "[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"ct/**/*.json*\"\nsystem_id = \"aws-prod\"\ncentral_log = true",
            &[
                (
                    "ct/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/10/111122223333_CloudTrail_us-east-1_20260310T1625Z_abc.json.gz",
                    &trail,
                ),
                ("ct/lookup-1.json", LOOKUP.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=alice|method=console|person_id=alice|session_id=fed06f42-cb12-4764-8c69-121063dc79b9|started_at=2026-03-10T16:24:34Z|system_id=aws-prod",
                "account_id=alice|method=ssm|person_id=alice|session_id=alice-0a1b2c3d4e5f67890|started_at=2026-03-10T16:31:47Z|system_id=aws-prod",
                "account_id=<root_account>|method=console|person_id=<root_account>|session_id=5f5f5f5f-aaaa-bbbb-cccc-dddddddddddd|started_at=2026-03-11T16:40:00Z|system_id=aws-prod",
            ]
        );
        let rows: Vec<String> = out.rows("account_events").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=alice|at=2026-03-10T16:24:34Z|event=login|system_id=aws-prod",
                "account_id=<root_account>|at=2026-03-11T16:40:00Z|event=login|system_id=aws-prod",
            ]
        );
        let rows: Vec<String> = out.rows("central_log").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "received_at=2026-03-10T16:24:34Z|session_id=fed06f42-cb12-4764-8c69-121063dc79b9",
                "received_at=2026-03-10T16:31:47Z|session_id=alice-0a1b2c3d4e5f67890",
                "received_at=2026-03-11T16:40:00Z|session_id=5f5f5f5f-aaaa-bbbb-cccc-dddddddddddd",
            ]
        );
        // The cut CloudTrailEvent string is an error on its record; everything else is one note.
        assert_eq!(out.codes(), ["bad-json", "source-skipped-events"]);
        assert_eq!(out.diags[0].line, Some(13));
        assert!(out.diags[0].message.contains("$.Events[1]"));
        assert_eq!(
            out.diags[1].message,
            "5 events that are not successful console sign-ins or Session Manager starts were skipped: `DescribeInstances` ×2, `ConsoleLogin (failed)` ×1, `GetCallerIdentity` ×1, `StartSession (failed)` ×1"
        );
        let o = &out.origins("sessions")[1];
        assert_eq!((o.line, o.path.as_deref()), (2, Some("$.Records[1]")));
    }

    #[test]
    fn without_central_log_no_central_rows_and_a_truncated_file_is_reported() {
        let cut = &TRAIL[..TRAIL
            .find("{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\"")
            .unwrap()
            + 30];
        let out = run(
            "[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"ct/*.json.gz\"\nsystem_id = \"aws-prod\"",
            &[("ct/a.json.gz", &gz(cut))],
        );
        assert_eq!(out.rows("sessions").len(), 2);
        assert!(out.rows("central_log").is_empty());
        assert_eq!(out.codes(), ["truncated-export"]);
        assert_eq!(out.problems("sessions").len(), 1);
    }

    #[test]
    fn a_console_sign_in_whose_outcome_cannot_be_read_is_an_error() {
        // The first record of the trail file, its outcome in a form CloudTrail never writes.
        let trail = TRAIL.replacen(
            r#""ConsoleLogin":"Success""#,
            r#""ConsoleLogin":"MaybeLater""#,
            1,
        );
        let out = run(
            "[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"ct/*.json\"\nsystem_id = \"aws-prod\"",
            &[("ct/trail.json", trail.as_bytes())],
        );
        let d = out
            .diags
            .iter()
            .find(|d| d.code == "unknown-value")
            .expect("an error");
        assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("ct/trail.json"), Some(1))
        );
        assert!(d.message.contains("`MaybeLater`"), "{}", d.message);
        assert!(!out.problems("sessions").is_empty());
    }
}
