//! IAM: the credential report, users, their access keys and MFA devices.

use std::time::Duration;

use aws_sdk_iam::types::ReportStateType;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::base64;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::json::{J, Obj};
use crate::{Call, Ctx, client, code, file_part};
use fieldcheck_pull::PullError;

/// How long to wait for AWS to finish generating the credential report.
const REPORT_POLLS: u32 = 30;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let iam = client!(ctx, aws_sdk_iam);
    credential_report(ctx, &iam).await?;
    let users = list_users(ctx, &iam).await?;
    let call = (
        "iam-list-access-keys",
        "iam:ListAccessKeys",
        "AccessKeyMetadata",
    );
    per_user(
        ctx,
        &users,
        call,
        |user, marker| {
            iam.list_access_keys()
                .user_name(user)
                .set_marker(marker)
                .send()
        },
        |out, keys| {
            keys.extend(out.access_key_metadata().iter().map(|k| {
                Obj::new()
                    .s("UserName", k.user_name())
                    .s("AccessKeyId", k.access_key_id())
                    .s("Status", k.status().map(|s| s.as_str()))
                    .t("CreateDate", k.create_date())
                    .done()
            }));
            crate::next_marker(out.is_truncated(), out.marker())
        },
    )
    .await?;
    let call = ("iam-list-mfa-devices", "iam:ListMFADevices", "MFADevices");
    per_user(
        ctx,
        &users,
        call,
        |user, marker| {
            iam.list_mfa_devices()
                .user_name(user)
                .set_marker(marker)
                .send()
        },
        |out, devices| {
            devices.extend(out.mfa_devices().iter().map(|d| {
                Obj::new()
                    .s("UserName", Some(d.user_name()))
                    .s("SerialNumber", Some(d.serial_number()))
                    .t("EnableDate", Some(d.enable_date()))
                    .done()
            }));
            crate::next_marker(out.is_truncated(), out.marker())
        },
    )
    .await
}

async fn credential_report(
    ctx: &mut Ctx<'_, '_>,
    iam: &aws_sdk_iam::Client,
) -> Result<(), PullError> {
    let spec = ctx.call("iam-credential-report");
    // GenerateCredentialReport starts a report (or reports that one less than four hours old
    // is there); GetCredentialReport then returns it once complete.
    let mut generated = None;
    for poll in 0..REPORT_POLLS {
        let mut call = Call::new(spec, "iam:GenerateCredentialReport");
        let out = ctx
            .send(&mut call, iam.generate_credential_report().send())
            .await?;
        let done = out.state() == Some(&ReportStateType::Complete);
        generated = Some((
            call,
            Obj::new()
                .s("State", out.state().map(|s| s.as_str()))
                .s("Description", out.description())
                .done(),
        ));
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(poll.min(8) + 1))).await;
    }
    if let Some((call, body)) = generated {
        ctx.save(call, "iam/generate-credential-report.json".into(), &body)?;
    }
    let mut call = Call::new(spec, "iam:GetCredentialReport");
    let mut tries = 0;
    let out = loop {
        ctx.page(&mut call);
        call.pages = 1;
        match iam.get_credential_report().send().await {
            Ok(o) => break o,
            Err(e)
                if tries < REPORT_POLLS
                    && matches!(code(&e), Some("ReportInProgress" | "ReportNotPresent")) =>
            {
                ctx.answered();
                tries += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(ctx.error(&call, e)),
        }
    };
    ctx.answered();
    let body = Obj::new()
        .s(
            "Content",
            out.content().map(|b| base64::encode(b.as_ref())).as_deref(),
        )
        .s("ReportFormat", out.report_format().map(|f| f.as_str()))
        .t("GeneratedTime", out.generated_time())
        .done();
    ctx.save(call, "iam/get-credential-report.json".into(), &body)
}

async fn list_users(
    ctx: &mut Ctx<'_, '_>,
    iam: &aws_sdk_iam::Client,
) -> Result<Vec<String>, PullError> {
    let call = Call::new(ctx.call("iam-list-users"), "iam:ListUsers");
    let mut names = Vec::new();
    ctx.listing(
        call,
        "Users",
        "iam/list-users.json".into(),
        |marker| iam.list_users().set_marker(marker).send(),
        |out, users| {
            for u in out.users() {
                names.push(u.user_name().to_string());
                let boundary = u.permissions_boundary().map(|b| {
                    Obj::new()
                        .s(
                            "PermissionsBoundaryType",
                            b.permissions_boundary_type().map(|t| t.as_str()),
                        )
                        .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
                        .done()
                });
                users.push(
                    Obj::new()
                        .s("Path", Some(u.path()))
                        .s("UserName", Some(u.user_name()))
                        .s("UserId", Some(u.user_id()))
                        .s("Arn", Some(u.arn()))
                        .t("CreateDate", Some(u.create_date()))
                        .t("PasswordLastUsed", u.password_last_used())
                        .put("PermissionsBoundary", boundary)
                        .list("Tags", u.tags.as_deref(), |t| {
                            Obj::new()
                                .s("Key", Some(t.key()))
                                .s("Value", Some(t.value()))
                                .done()
                        })
                        .done(),
                );
            }
            crate::next_marker(out.is_truncated(), out.marker())
        },
    )
    .await?;
    Ok(names)
}

/// A listing asked per user: `call` is the spec's call name, the API action and the member
/// the CLI prints the items in; each user's is written as `iam/<call without "iam-">-<user>.json`
/// (see [`Ctx::listing`] for `request` and `read`).
async fn per_user<O, E, R, F>(
    ctx: &mut Ctx<'_, '_>,
    users: &[String],
    (name, action, member): (&str, &'static str, &str),
    mut request: impl FnMut(&str, Option<String>) -> F,
    mut read: impl FnMut(&O, &mut Vec<J>) -> Option<String>,
) -> Result<(), PullError>
where
    F: Future<Output = Result<O, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let spec = ctx.call(name);
    ctx.none(spec);
    let stem = name.trim_start_matches("iam-");
    for user in users {
        let call = Call::new(spec, action).param("UserName", user);
        let file = format!("iam/{stem}-{}.json", file_part(user));
        let request = |marker| request(user, marker);
        ctx.listing(call, member, file, request, &mut read).await?;
    }
    Ok(())
}
