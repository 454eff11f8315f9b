//! AWS Backup: backup and restore jobs created in the window.

use crate::json::Obj;
use crate::{Call, Ctx, client, sdk_time};
use fieldcheck_pull::PullError;

/// How far back `ListBackupJobs` reaches ("for the last 30 days", in its API reference).
pub(crate) const JOB_DAYS: i64 = 30;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let bk = client!(ctx, aws_sdk_backup);
    let spec = ctx.call("backup-list-backup-jobs");
    let range = ctx.event_range(
        spec,
        JOB_DAYS,
        "AWS Backup's job list (ListBackupJobs)",
        "pull monthly into the evidence locker (`fieldcheck pull --locker`) so every month of the window is kept",
    );
    if let Some((start, to)) = range {
        let call = Call::new(spec, "backup:ListBackupJobs")
            .param("ByCreatedAfter", start.to_string())
            .param("ByCreatedBefore", to.to_string());
        let request = |token| {
            bk.list_backup_jobs()
                .by_created_after(sdk_time(start))
                .by_created_before(sdk_time(to))
                .set_next_token(token)
                .send()
        };
        let file = "backup/list-backup-jobs.json".into();
        ctx.listing(call, "BackupJobs", file, request, |out, jobs| {
            for j in out.backup_jobs.as_deref().unwrap_or_default() {
                jobs.push(
                    Obj::new()
                        .s("AccountId", j.account_id.as_deref())
                        .s("BackupJobId", j.backup_job_id.as_deref())
                        .s("BackupVaultName", j.backup_vault_name.as_deref())
                        .s("BackupVaultArn", j.backup_vault_arn.as_deref())
                        .s("RecoveryPointArn", j.recovery_point_arn.as_deref())
                        .s("EncryptionKeyArn", j.encryption_key_arn.as_deref())
                        .b("IsEncrypted", Some(j.is_encrypted))
                        .s("ResourceArn", j.resource_arn.as_deref())
                        .t("CreationDate", j.creation_date.as_ref())
                        .t("CompletionDate", j.completion_date.as_ref())
                        .s("State", j.state.as_ref().map(|x| x.as_str()))
                        .s("StatusMessage", j.status_message.as_deref())
                        .s("PercentDone", j.percent_done.as_deref())
                        .i("BackupSizeInBytes", j.backup_size_in_bytes)
                        .s("IamRoleArn", j.iam_role_arn.as_deref())
                        .put(
                            "CreatedBy",
                            j.created_by.as_ref().map(|c| {
                                Obj::new()
                                    .s("BackupPlanId", c.backup_plan_id.as_deref())
                                    .s("BackupPlanArn", c.backup_plan_arn.as_deref())
                                    .s("BackupPlanName", c.backup_plan_name.as_deref())
                                    .s("BackupPlanVersion", c.backup_plan_version.as_deref())
                                    .s("BackupRuleId", c.backup_rule_id.as_deref())
                                    .s("BackupRuleName", c.backup_rule_name.as_deref())
                                    .s("BackupRuleCron", c.backup_rule_cron.as_deref())
                                    .s("BackupRuleTimezone", c.backup_rule_timezone.as_deref())
                                    .done()
                            }),
                        )
                        .t(
                            "ExpectedCompletionDate",
                            j.expected_completion_date.as_ref(),
                        )
                        .t("StartBy", j.start_by.as_ref())
                        .s("ResourceType", j.resource_type.as_deref())
                        .i("BytesTransferred", j.bytes_transferred)
                        .s("BackupType", j.backup_type.as_deref())
                        .s("ParentJobId", j.parent_job_id.as_deref())
                        .b("IsParent", Some(j.is_parent))
                        .s("ResourceName", j.resource_name.as_deref())
                        .t("InitiationDate", j.initiation_date.as_ref())
                        .s("MessageCategory", j.message_category.as_deref())
                        .done(),
                );
            }
            out.next_token.clone()
        })
        .await?;
    }

    let spec = ctx.call("backup-list-restore-jobs");
    let (from, to) = ctx.range();
    ctx.covered(spec, from, to, None);
    let call = Call::new(spec, "backup:ListRestoreJobs")
        .param("ByCreatedAfter", from.to_string())
        .param("ByCreatedBefore", to.to_string());
    let request = |token| {
        bk.list_restore_jobs()
            .by_created_after(sdk_time(from))
            .by_created_before(sdk_time(to))
            .set_next_token(token)
            .send()
    };
    let file = "backup/list-restore-jobs.json".into();
    ctx.listing(call, "RestoreJobs", file, request, |out, jobs| {
        for j in out.restore_jobs.as_deref().unwrap_or_default() {
            jobs.push(
                Obj::new()
                    .s("AccountId", j.account_id.as_deref())
                    .s("RestoreJobId", j.restore_job_id.as_deref())
                    .s("RecoveryPointArn", j.recovery_point_arn.as_deref())
                    .s("SourceResourceArn", j.source_resource_arn.as_deref())
                    .s("BackupVaultArn", j.backup_vault_arn.as_deref())
                    .t("CreationDate", j.creation_date.as_ref())
                    .t("CompletionDate", j.completion_date.as_ref())
                    .s("Status", j.status.as_ref().map(|x| x.as_str()))
                    .s("StatusMessage", j.status_message.as_deref())
                    .s("PercentDone", j.percent_done.as_deref())
                    .i("BackupSizeInBytes", j.backup_size_in_bytes)
                    .s("IamRoleArn", j.iam_role_arn.as_deref())
                    .i(
                        "ExpectedCompletionTimeMinutes",
                        j.expected_completion_time_minutes,
                    )
                    .s("CreatedResourceArn", j.created_resource_arn.as_deref())
                    .s("ResourceType", j.resource_type.as_deref())
                    .t(
                        "RecoveryPointCreationDate",
                        j.recovery_point_creation_date.as_ref(),
                    )
                    .b("IsParent", Some(j.is_parent))
                    .s("ParentJobId", j.parent_job_id.as_deref())
                    .put(
                        "CreatedBy",
                        j.created_by.as_ref().map(|c| {
                            Obj::new()
                                .s(
                                    "RestoreTestingPlanArn",
                                    c.restore_testing_plan_arn.as_deref(),
                                )
                                .done()
                        }),
                    )
                    .s(
                        "ValidationStatus",
                        j.validation_status.as_ref().map(|x| x.as_str()),
                    )
                    .s(
                        "ValidationStatusMessage",
                        j.validation_status_message.as_deref(),
                    )
                    .s(
                        "DeletionStatus",
                        j.deletion_status.as_ref().map(|x| x.as_str()),
                    )
                    .s(
                        "DeletionStatusMessage",
                        j.deletion_status_message.as_deref(),
                    )
                    .done(),
            );
        }
        out.next_token.clone()
    })
    .await
}
