//! AWS Systems Manager Session Manager: session history (`aws ssm describe-sessions --state
//! History`).

use std::collections::BTreeMap;

use fieldcheck_kit::Kind;
use serde::Deserialize;
use serde_json::Value;

use super::awsops::{OtherCalls, arn_last, no_system_warnings, records, some, system_for, time};
use crate::emit::Emitter;
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `aws-ssm-sessions`.
pub(crate) static SESSIONS: Adapter = Adapter {
    spec: &Spec {
        name: "aws-ssm-sessions",
        system: "AWS Systems Manager",
        reads: "Session Manager history as `aws ssm describe-sessions --state History` prints it (`{\"Sessions\": [...]}`; pages as separate or concatenated files; the API keeps 30 days, so collect monthly), under any file name, recognised by their top-level keys; other AWS CLI calls' outputs in the same folder (`describe-trails`, `list-backup-vaults`, `describe-db-subnet-groups`) are skipped with a note",
        produces: &[Kind::Sessions],
        needs_system: false,
        containers: &["Sessions"],
        options: &[OptSpec {
            name: "targets",
            ty: OptTy::Map,
            help: "managed node id or glob (`i-0abc*`, `mi-*`) → system_id; the first match in file order wins; default: none (the source's `system_id`, else the session is skipped)",
        }],
        example: "[[sources]]\nadapter = \"aws-ssm-sessions\"\npath = \"exports/ssm/sessions-*.json\"\nsystem_id = \"aws-prod\"\ntargets = { \"i-0123456789abcdef0\" = \"bastion\" }",
    },
    run,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Session {
    session_id: String,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    start_date: Value,
    #[serde(default)]
    end_date: Value,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    output_url: Option<OutputUrl>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OutputUrl {
    #[serde(default, rename = "S3OutputUrl")]
    s3: Option<String>,
    #[serde(default, rename = "CloudWatchOutputUrl")]
    cloudwatch: Option<String>,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let targets = input.options.map("targets");
    let mut unclaimed: BTreeMap<String, u64> = BTreeMap::new();
    let mut others = OtherCalls::default();
    let ours = &["Sessions", "SessionId"];
    records::<Session>(input, em, ours, &mut others, &|_| true, &mut |s, at, em| {
        let target = some(&s.target).unwrap_or("");
        let Some(system) = system_for(&targets, &[target], input.system_id) else {
            let t = if target.is_empty() {
                "(no target)"
            } else {
                target
            };
            *unclaimed.entry(t.to_string()).or_default() += 1;
            return;
        };
        let Some(started) =
            super::common::required_time(&s.start_date, None, "StartDate", "session", at, em)
        else {
            return;
        };
        let ended = time(
            &s.end_date,
            "EndDate",
            at,
            em,
            "the session's end was read as unknown",
        )
        .unwrap_or(None);
        let owner = some(&s.owner).map(arn_last);
        let recording = s
            .output_url
            .as_ref()
            .and_then(|o| some(&o.s3).or(some(&o.cloudwatch)));
        em.row(Kind::Sessions, &at.file, at.line, at.path())
            .set("session_id", s.session_id.as_str())
            .set("system_id", system)
            .set("account_id", owner)
            .set("person_id", owner)
            .set("method", "ssm")
            .set("started_at", started)
            .set("ended_at", ended)
            .set("recording_ref", recording)
            .emit();
    });
    no_system_warnings(em, &unclaimed, "session", "targets");
    others.report(em);
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const PAGE1: &str = r#"{
    "Sessions": [
        {
            "SessionId": "alice-0a1b2c3d4e5f67890",
            "Target": "i-0123456789abcdef0",
            "Status": "Terminated",
            "StartDate": 1773160307.188,
            "EndDate": 1773161521.807,
            "DocumentName": "SSM-SessionManagerRunShell",
            "Owner": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ProdAdmin_0a1b2c3d4e5f6a7b/alice",
            "OutputUrl": {"S3OutputUrl": "https://us-east-1.console.aws.amazon.com/s3/object/ssm-session-logs/sessions/alice-0a1b2c3d4e5f67890.log", "CloudWatchOutputUrl": ""},
            "AccessType": "Standard"
        },
        {
            "SessionId": "bob-1b2c3d4e5f6a78901",
            "Target": "i-0fedcba9876543210",
            "Status": "Terminated",
            "StartDate": "2026-03-11T09:00:00.000000+00:00",
            "EndDate": "2026-03-11T09:30:00.000000+00:00",
            "Owner": "arn:aws:iam::111122223333:user/bob",
            "OutputUrl": {"S3OutputUrl": "", "CloudWatchOutputUrl": "https://console.aws.amazon.com/cloudwatch/home#logEventViewer:group=ssm;stream=bob-1b2c3d4e5f6a78901"}
        }
    ],
    "NextToken": "AAEA"
}
"#;
    const PAGE2: &str = r#"{"Sessions": [
  {"SessionId": "carol-2c3d4e5f6a7b89012", "Target": "mi-0aaaabbbbccccdddd", "Status": "Terminated",
   "StartDate": 1773247200.0, "EndDate": null, "Owner": "arn:aws:sts::111122223333:assumed-role/ops/carol"},
  {"SessionId": "dave-3d4e5f6a7b8c90123", "Target": "i-0123456789abcdef0", "Status": "Failed",
   "StartDate": "yesterday", "Owner": "arn:aws:iam::111122223333:user/dave"},
  {"SessionId": 42, "Target": "i-0123456789abcdef0"}
]}
{"Sessions": [{"SessionId": "erin-4e5f6a7b8c9d01234", "Target": "i-0123456789abcdef0",
  "StartDate": 1773333600.0, "EndDate": 1773334200.0, "Owner": "arn:aws:iam::111122223333:root"}]}
"#;

    #[test]
    fn session_history_becomes_sessions() {
        let out = run(
            "[[sources]]\nadapter = \"aws-ssm-sessions\"\npath = \"ssm/*.json\"\n[sources.targets]\n\"i-0123456789abcdef0\" = \"bastion\"\n\"i-0fed*\" = \"app\"",
            &[
                ("ssm/page-1.json", PAGE1.as_bytes()),
                ("ssm/page-2.json", PAGE2.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=alice|ended_at=2026-03-10T16:52:01.807Z|method=ssm|person_id=alice|recording_ref=https://us-east-1.console.aws.amazon.com/s3/object/ssm-session-logs/sessions/alice-0a1b2c3d4e5f67890.log|session_id=alice-0a1b2c3d4e5f67890|started_at=2026-03-10T16:31:47.188Z|system_id=bastion",
                "account_id=bob|ended_at=2026-03-11T09:30:00Z|method=ssm|person_id=bob|recording_ref=https://console.aws.amazon.com/cloudwatch/home#logEventViewer:group=ssm;stream=bob-1b2c3d4e5f6a78901|session_id=bob-1b2c3d4e5f6a78901|started_at=2026-03-11T09:00:00Z|system_id=app",
                "account_id=root|ended_at=2026-03-12T16:50:00Z|method=ssm|person_id=root|session_id=erin-4e5f6a7b8c9d01234|started_at=2026-03-12T16:40:00Z|system_id=bastion",
            ]
        );
        assert_eq!(
            out.codes(),
            ["bad-value", "bad-json", "source-no-system"],
            "{:?}",
            out.diags
        );
        assert_eq!(out.diags[0].line, Some(4));
        assert_eq!(out.diags[1].line, Some(6));
        assert!(out.diags[1].message.contains("$.Sessions[2]"));
        assert!(out.diags[2].message.contains("`mi-0aaaabbbbccccdddd`"));
        let o = &out.origins("sessions")[2];
        assert_eq!((o.line, o.path.as_deref()), (8, Some("#2 $.Sessions[0]")));
    }

    #[test]
    fn the_source_system_claims_unmapped_targets() {
        let out = run(
            "[[sources]]\nadapter = \"aws-ssm-sessions\"\npath = \"ssm/*.json\"\nsystem_id = \"aws-prod\"\ntargets = { \"i-0fed*\" = \"app\" }",
            &[(
                "ssm/page-2.json",
                PAGE2
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .as_bytes(),
            )],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "account_id=carol|method=ssm|person_id=carol|session_id=carol-2c3d4e5f6a7b89012|started_at=2026-03-11T16:40:00Z|system_id=aws-prod"
            ]
        );
        assert_eq!(out.codes(), ["truncated-export"]);
    }
}
