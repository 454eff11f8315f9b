//! AWS Backup: backup jobs (`list-backup-jobs` / `describe-backup-job`) and restore jobs
//! (`list-restore-jobs` / `describe-restore-job`).

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;
use serde_json::Value;

use super::awsops::{
    Counts, OtherCalls, arn_last, no_system_warnings, plural, records, some, system_for, time,
};
use super::common::unknown_value;
use crate::emit::Emitter;
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `aws-backup`.
pub(crate) static BACKUP: Adapter = Adapter {
    spec: &Spec {
        name: "aws-backup",
        system: "AWS Backup",
        reads: "AWS Backup jobs as the CLI prints them: `aws backup list-backup-jobs` / `describe-backup-job` and `aws backup list-restore-jobs` / `describe-restore-job` output (`{\"BackupJobs\": [...]}`, `{\"RestoreJobs\": [...]}` or single jobs; pages as separate or concatenated files), under any file name, recognised by their top-level keys; other AWS CLI calls' outputs in the same folder (`describe-trails`, `list-backup-vaults`, `describe-db-subnet-groups`) are skipped with a note",
        produces: &[Kind::BackupJobs, Kind::RestoreTests],
        needs_system: false,
        containers: &["BackupJobs", "RestoreJobs"],
        options: &[
            OptSpec {
                name: "systems",
                ty: OptTy::Map,
                help: "resource ARN, resource name or ARN glob (`arn:aws:rds:*:db:prod-*`) → system_id; the first match in file order wins; default: none (the source's `system_id`, else the job is skipped)",
            },
            OptSpec {
                name: "isolated",
                ty: OptTy::Bool,
                help: "whether restores not started by a restore testing plan went to an isolated environment; default: unknown (plan-started restores are always isolated)",
            },
        ],
        example: "[[sources]]\nadapter = \"aws-backup\"\npath = \"exports/aws-backup/*.json\"\nsystems = { \"arn:aws:rds:*:db:prod-*\" = \"prod-db\", \"prod-efs\" = \"prod-files\" }",
    },
    run,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Job {
    #[serde(default)]
    backup_job_id: Option<String>,
    #[serde(default)]
    restore_job_id: Option<String>,
    #[serde(default)]
    resource_arn: Option<String>,
    #[serde(default)]
    resource_name: Option<String>,
    #[serde(default)]
    source_resource_arn: Option<String>,
    #[serde(default)]
    creation_date: Value,
    #[serde(default)]
    completion_date: Value,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    validation_status: Option<String>,
    #[serde(default)]
    created_by: Option<CreatedBy>,
    #[serde(default)]
    iam_role_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreatedBy {
    #[serde(default)]
    restore_testing_plan_arn: Option<String>,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let systems = input.options.map("systems");
    let isolated_default = input.options.bool("isolated");
    let mut unfinished = Counts::default();
    let mut unvalidated = 0u64;
    let mut unclaimed: BTreeMap<String, u64> = BTreeMap::new();
    let mut others = OtherCalls::default();
    let ours = &["BackupJobs", "RestoreJobs", "BackupJobId", "RestoreJobId"];
    let recognised = |j: &Job| some(&j.backup_job_id).or(some(&j.restore_job_id)).is_some();
    records::<Job>(
        input,
        em,
        ours,
        &mut others,
        &recognised,
        &mut |j, at, em| {
            let (kind, id, arn) = if let Some(id) = some(&j.backup_job_id) {
                ("backup job", id, some(&j.resource_arn))
            } else if let Some(id) = some(&j.restore_job_id) {
                ("restore job", id, some(&j.source_resource_arn))
            } else {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    "the record has neither `BackupJobId` nor `RestoreJobId`",
                    "the record was skipped; this adapter reads AWS Backup backup and restore jobs",
                );
                return;
            };
            let backup = kind == "backup job";
            let raw_state = if backup { &j.state } else { &j.status };
            let state = some(raw_state).unwrap_or("").to_ascii_uppercase();
            let status = if backup {
                match state.as_str() {
                    "COMPLETED" => "completed",
                    "PARTIAL" => "partial",
                    "FAILED" | "ABORTED" | "EXPIRED" => "failed",
                    "CREATED" | "PENDING" | "RUNNING" | "ABORTING" => {
                        unfinished.add(format!("backup {state}"));
                        return;
                    }
                    _ => {
                        unknown_value(
                            em,
                            at,
                            "State",
                            &state,
                            "backup job states are CREATED, PENDING, RUNNING, ABORTING, ABORTED, COMPLETED, FAILED, EXPIRED, PARTIAL",
                        );
                        return;
                    }
                }
            } else {
                match state.as_str() {
                    "COMPLETED" => {
                        match some(&j.validation_status)
                            .map(str::to_ascii_uppercase)
                            .as_deref()
                        {
                            Some("SUCCESSFUL") => "succeeded",
                            // Completed but never validated: a weaker test (sources.md §5.4), counted.
                            None => {
                                unvalidated += 1;
                                "succeeded"
                            }
                            // The validation has not finished: the outcome is not known yet.
                            Some("VALIDATING") => {
                                unfinished.add("restore COMPLETED, still VALIDATING".to_string());
                                return;
                            }
                            Some("FAILED" | "TIMED_OUT") => "failed",
                            Some(v) => {
                                unknown_value(
                                    em,
                                    at,
                                    "ValidationStatus",
                                    v,
                                    "restore validation statuses are SUCCESSFUL, FAILED, TIMED_OUT and VALIDATING",
                                );
                                return;
                            }
                        }
                    }
                    "FAILED" | "ABORTED" => "failed",
                    "PENDING" | "RUNNING" => {
                        unfinished.add(format!("restore {state}"));
                        return;
                    }
                    _ => {
                        unknown_value(
                            em,
                            at,
                            "Status",
                            &state,
                            "restore job states are PENDING, RUNNING, COMPLETED, ABORTED, FAILED",
                        );
                        return;
                    }
                }
            };
            let name = some(&j.resource_name)
                .or_else(|| arn.map(arn_last))
                .unwrap_or("");
            let Some(system) = system_for(&systems, &[arn.unwrap_or(""), name], input.system_id)
            else {
                *unclaimed
                    .entry(
                        arn.or(Some(name))
                            .filter(|s| !s.is_empty())
                            .unwrap_or("(no resource)")
                            .to_string(),
                    )
                    .or_default() += 1;
                return;
            };
            let Ok(started) = time(
                &j.creation_date,
                "CreationDate",
                at,
                em,
                "the job was skipped",
            ) else {
                return;
            };
            let Some(started) = started else {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    format!("the {kind} has no `CreationDate`"),
                    "the job was skipped",
                );
                return;
            };
            let completed = time(
                &j.completion_date,
                "CompletionDate",
                at,
                em,
                "the job's completion time was read as unknown",
            )
            .unwrap_or(None);
            if backup {
                em.row(Kind::BackupJobs, &at.file, at.line, at.path())
                    .set("job_id", id)
                    .set("system_id", system)
                    .set("started_at", started)
                    .set("completed_at", completed)
                    .set("status", status)
                    .emit();
                return;
            }
            let plan = j
                .created_by
                .as_ref()
                .and_then(|c| some(&c.restore_testing_plan_arn));
            let isolated = if plan.is_some() {
                Some(true)
            } else {
                isolated_default
            };
            let minutes = completed.and_then(|c| {
                let ms = c.as_millisecond() - started.as_millisecond();
                (ms >= 0).then(|| (ms + 30_000) / 60_000)
            });
            let performed_by = plan.map(arn_last).or(some(&j.iam_role_arn));
            em.row(Kind::RestoreTests, &at.file, at.line, at.path())
                .set("test_id", id)
                .set("system_id", system)
                .set("started_at", started)
                .set("completed_at", completed)
                .set("status", status)
                .set("isolated", isolated)
                .set("recovery_minutes", minutes)
                .set("performed_by", performed_by)
                .emit();
        },
    );
    no_system_warnings(em, &unclaimed, "job", "systems");
    others.report(em);
    let n = unfinished.total();
    if n > 0 {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedRecords,
                format!(
                    "{n} job{} not finished yet were skipped: {}",
                    plural(n),
                    unfinished.top(8)
                ),
            )
            .help("a running job has no outcome; export again once it ends"),
        );
    }
    if unvalidated > 0 {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceUnvalidatedRestores,
                format!(
                    "{unvalidated} completed restore job{} had no validation result and {} read as succeeded: the restore ran, but nothing checked the restored data",
                    plural(unvalidated),
                    if unvalidated == 1 { "was" } else { "were" }
                ),
            )
            .help("record the outcome with a validation step (PutRestoreValidationResult, or a restore testing plan's validation) so the test proves the data is usable"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    // `aws backup list-backup-jobs` (CLI v2 prints ISO timestamps with offsets), two pages
    // concatenated in one file.
    const BACKUP_PAGES: &str = r#"{
    "BackupJobs": [
        {
            "AccountId": "111122223333",
            "BackupJobId": "D4A1F0E2-8C3B-4E5D-9F60-7A1B2C3D4E5F",
            "BackupVaultName": "prod-vault",
            "ResourceArn": "arn:aws:rds:us-east-1:111122223333:db:prod-orders",
            "ResourceName": "prod-orders",
            "ResourceType": "RDS",
            "CreationDate": "2026-03-10T05:00:00.123000+00:00",
            "CompletionDate": "2026-03-10T05:21:40.456000+00:00",
            "State": "COMPLETED",
            "PercentDone": "100.0",
            "IsEncrypted": true,
            "CreatedBy": {"BackupPlanId": "p1", "BackupRuleName": "daily"}
        },
        {
            "BackupJobId": "E5B2A1F3-9D4C-4F6E-8A71-8B2C3D4E5F60",
            "ResourceArn": "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0abc1234",
            "ResourceName": "prod-efs",
            "CreationDate": "2026-03-10T06:00:00+00:00",
            "CompletionDate": "2026-03-10T06:02:00+00:00",
            "State": "PARTIAL"
        },
        {
            "BackupJobId": "F6C3B2A4-0E5D-4A7F-9B82-9C3D4E5F6071",
            "ResourceArn": "arn:aws:ec2:us-east-1:111122223333:volume/vol-0ff",
            "CreationDate": "2026-03-11T06:00:00+00:00",
            "State": "RUNNING"
        }
    ],
    "NextToken": "AAAA"
}
{"BackupJobs": [
    {"BackupJobId": "0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9",
     "ResourceArn": "arn:aws:dynamodb:us-east-1:111122223333:table/sessions",
     "CreationDate": "2026-03-12 05:00:00.5+00:00", "State": "EXPIRED"},
    {"BackupJobId": "1B2C3D4E-5F60-4172-93A4-B5C6D7E8F9A0",
     "ResourceArn": "arn:aws:rds:eu-west-1:111122223333:db:prod-eu", "ResourceName": "prod-eu",
     "CreationDate": true, "State": "COMPLETED"}
]}
"#;

    // `aws backup list-restore-jobs` (raw epoch seconds as the API returns them).
    const RESTORES: &str = r#"{"RestoreJobs": [
  {"AccountId": "111122223333", "RestoreJobId": "4A7C0E1B-2D3F-4C5B-9A8E-7F6D5C4B3A21",
   "RecoveryPointArn": "arn:aws:rds:us-east-1:111122223333:snapshot:awsbackup:job-0f1e2d3c",
   "SourceResourceArn": "arn:aws:rds:us-east-1:111122223333:db:prod-orders",
   "CreationDate": 1773118800.123, "CompletionDate": 1773120630.456, "Status": "COMPLETED",
   "PercentDone": "100.00%", "IamRoleArn": "arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole",
   "CreatedResourceArn": "arn:aws:rds:us-east-1:111122223333:db:awsbackup-restore-test-1a2b",
   "ResourceType": "RDS", "RecoveryPointCreationDate": 1773030000.0,
   "CreatedBy": {"RestoreTestingPlanArn": "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:monthly-db-restore-abc123"},
   "ValidationStatus": "SUCCESSFUL", "ValidationStatusMessage": "row counts match", "DeletionStatus": "SUCCESSFUL"},
  {"RestoreJobId": "5B8D1F2C-3E40-4D6C-AB9F-806E5D4C3B32",
   "SourceResourceArn": "arn:aws:rds:us-east-1:111122223333:db:prod-orders",
   "CreationDate": 1773205200.0, "CompletionDate": 1773207000.0, "Status": "COMPLETED",
   "IamRoleArn": "arn:aws:iam::111122223333:role/AWSBackupDefaultServiceRole",
   "CreatedBy": {"RestoreTestingPlanArn": "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:monthly-db-restore-abc123"},
   "ValidationStatus": "TIMED_OUT"},
  {"RestoreJobId": "6C9E2A3D-4F51-4E7D-BCA0-917F6E5D4C43",
   "SourceResourceArn": "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0abc1234",
   "CreationDate": 1773291600.0, "CompletionDate": null, "Status": "FAILED",
   "StatusMessage": "Access denied", "IamRoleArn": "arn:aws:iam::111122223333:role/RestoreRole"},
  {"RestoreJobId": "7DAF3B4E-5062-4F8E-8DB1-A28070E6F5D4",
   "SourceResourceArn": "arn:aws:s3:::acme-uploads",
   "CreationDate": 1773378000.0, "Status": "RUNNING"},
  {"RestoreJobId": "8EB04C5F-6173-4090-9EC2-B39181F70615",
   "SourceResourceArn": "arn:aws:dynamodb:us-east-1:111122223333:table/legacy",
   "CreationDate": 1773378000.0, "CompletionDate": 1773378059.0, "Status": "COMPLETED"}
]}"#;

    // `aws backup describe-restore-job` prints one job, no wrapper.
    const DESCRIBE: &str = r#"{
    "AccountId": "111122223333",
    "RestoreJobId": "9FC15D60-7284-41A1-AFD3-C4A292081726",
    "SourceResourceArn": "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0abc1234",
    "CreationDate": "2026-03-20T10:00:00.000000+00:00",
    "CompletionDate": "2026-03-20T10:44:29.000000+00:00",
    "Status": "COMPLETED",
    "ValidationStatus": "SUCCESSFUL",
    "IamRoleArn": "arn:aws:iam::111122223333:role/RestoreRole"
}"#;

    const BLOCK: &str = "[[sources]]\nadapter = \"aws-backup\"\npath = \"backup/*.json\"\nisolated = false\n[sources.systems]\n\"prod-efs\" = \"prod-files\"\n\"arn:aws:rds:*:db:prod-*\" = \"prod-db\"\n\"arn:aws:rds:us-east-1:111122223333:db:prod-orders\" = \"never-reached\"\n\"arn:aws:elasticfilesystem:*\" = \"efs\"";

    #[test]
    fn backup_and_restore_jobs() {
        let out = run(
            BLOCK,
            &[
                ("backup/1-backup-jobs.json", BACKUP_PAGES.as_bytes()),
                ("backup/2-restore-jobs.json", RESTORES.as_bytes()),
                ("backup/3-describe.json", DESCRIBE.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("backup_jobs").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "completed_at=2026-03-10T05:21:40.456Z|job_id=D4A1F0E2-8C3B-4E5D-9F60-7A1B2C3D4E5F|started_at=2026-03-10T05:00:00.123Z|status=completed|system_id=prod-db",
                "completed_at=2026-03-10T06:02:00Z|job_id=E5B2A1F3-9D4C-4F6E-8A71-8B2C3D4E5F60|started_at=2026-03-10T06:00:00Z|status=partial|system_id=prod-files",
            ]
        );
        let rows: Vec<String> = out.rows("restore_tests").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // 30 min 30.333 s → 31 minutes (nearest).
                "completed_at=2026-03-10T05:30:30.456Z|isolated=true|performed_by=monthly-db-restore-abc123|recovery_minutes=31|started_at=2026-03-10T05:00:00.123Z|status=succeeded|system_id=prod-db|test_id=4A7C0E1B-2D3F-4C5B-9A8E-7F6D5C4B3A21",
                "completed_at=2026-03-11T05:30:00Z|isolated=true|performed_by=monthly-db-restore-abc123|recovery_minutes=30|started_at=2026-03-11T05:00:00Z|status=failed|system_id=prod-db|test_id=5B8D1F2C-3E40-4D6C-AB9F-806E5D4C3B32",
                "isolated=false|performed_by=arn:aws:iam::111122223333:role/RestoreRole|started_at=2026-03-12T05:00:00Z|status=failed|system_id=efs|test_id=6C9E2A3D-4F51-4E7D-BCA0-917F6E5D4C43",
                "completed_at=2026-03-20T10:44:29Z|isolated=false|performed_by=arn:aws:iam::111122223333:role/RestoreRole|recovery_minutes=44|started_at=2026-03-20T10:00:00Z|status=succeeded|system_id=efs|test_id=9FC15D60-7284-41A1-AFD3-C4A292081726",
            ]
        );
        // The bad CreationDate is an error on its line; the tables nobody claims are warnings
        // naming them; the running jobs are one note.
        assert_eq!(
            out.codes(),
            [
                "bad-value",
                "source-no-system",
                "source-no-system",
                "source-skipped-records",
                "source-unvalidated-restores"
            ],
            "{:?}",
            out.diags
        );
        assert_eq!(out.diags[0].line, Some(38));
        assert!(out.diags[0].message.contains("#2 $.BackupJobs[1]"));
        assert!(
            out.diags[1]
                .message
                .contains("arn:aws:dynamodb:us-east-1:111122223333:table/legacy")
        );
        assert!(out.diags[2].message.contains("table/sessions"));
        assert_eq!(
            out.diags[3].message,
            "2 jobs not finished yet were skipped: `backup RUNNING` ×1, `restore RUNNING` ×1"
        );
        assert_eq!(out.problems("backup_jobs").len(), 1);
        let o = &out.origins("restore_tests")[3];
        assert_eq!((o.line, o.path.as_deref()), (1, Some("$")));
    }

    #[test]
    fn the_source_system_is_the_fallback_and_isolation_unknown_by_default() {
        let out = run(
            "[[sources]]\nadapter = \"aws-backup\"\npath = \"backup/*.json\"\nsystem_id = \"aws-prod\"",
            &[
                ("backup/a.json", DESCRIBE.as_bytes()),
                (
                    "backup/b.json",
                    RESTORES
                        .split("\n  {\"RestoreJobId\": \"5B8D")
                        .next()
                        .unwrap()
                        .as_bytes(),
                ),
            ],
        );
        let rows: Vec<String> = out.rows("restore_tests").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "completed_at=2026-03-20T10:44:29Z|performed_by=arn:aws:iam::111122223333:role/RestoreRole|recovery_minutes=44|started_at=2026-03-20T10:00:00Z|status=succeeded|system_id=aws-prod|test_id=9FC15D60-7284-41A1-AFD3-C4A292081726",
                "completed_at=2026-03-10T05:30:30.456Z|isolated=true|performed_by=monthly-db-restore-abc123|recovery_minutes=31|started_at=2026-03-10T05:00:00.123Z|status=succeeded|system_id=aws-prod|test_id=4A7C0E1B-2D3F-4C5B-9A8E-7F6D5C4B3A21",
            ]
        );
        // The second file is cut off after its first job.
        assert_eq!(out.codes(), ["truncated-export"]);
        assert_eq!(out.problems("restore_tests").len(), 1);
    }

    #[test]
    fn a_validation_still_running_is_not_a_result_and_an_unvalidated_restore_is_noted() {
        let validating = DESCRIBE.replace("SUCCESSFUL", "VALIDATING");
        let unvalidated = DESCRIBE
            .replace("    \"ValidationStatus\": \"SUCCESSFUL\",\n", "")
            .replace("9FC15D60", "0AAA0000");
        let out = run(
            "[[sources]]\nadapter = \"aws-backup\"\npath = \"backup/*.json\"\nsystem_id = \"aws-prod\"",
            &[
                ("backup/a.json", validating.as_bytes()),
                ("backup/b.json", unvalidated.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("restore_tests").iter().map(flat).collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].contains("test_id=0AAA0000") && rows[0].contains("status=succeeded"));
        assert_eq!(
            out.codes(),
            ["source-skipped-records", "source-unvalidated-restores"]
        );
        assert!(
            out.diags[0].message.contains("still VALIDATING"),
            "{}",
            out.diags[0].message
        );
    }
}
