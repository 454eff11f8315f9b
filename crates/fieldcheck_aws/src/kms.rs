//! KMS: keys, aliases, each key's metadata and rotation status.

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState};

use crate::json::{J, Obj, s};
use crate::{Call, Ctx, cli_error_text, client, code, file_part};
use fieldcheck_pull::PullError;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let kms = client!(ctx, aws_sdk_kms);
    let keys = list_keys(ctx, &kms).await?;
    list_aliases(ctx, &kms).await?;
    let spec = ctx.call("kms-describe-key");
    ctx.none(spec);
    let mut rotating = Vec::new();
    for key in &keys {
        let mut call = Call::new(spec, "kms:DescribeKey").param("KeyId", key);
        let out = ctx
            .send(&mut call, kms.describe_key().key_id(key).send())
            .await?;
        let Some(m) = out.key_metadata() else {
            continue;
        };
        // Only symmetric encryption keys have a rotation status; a key being deleted or
        // waiting for imported material has none to read.
        if m.key_spec().is_none_or(|s| *s == KeySpec::SymmetricDefault)
            && !matches!(
                m.key_state(),
                Some(
                    KeyState::PendingDeletion
                        | KeyState::PendingReplicaDeletion
                        | KeyState::PendingImport
                        | KeyState::Unavailable
                )
            )
        {
            rotating.push(key.clone());
        }
        let body = Obj::new().put("KeyMetadata", metadata(m)).done();
        ctx.save(
            call,
            format!("kms/describe-key-{}.json", file_part(key)),
            &body,
        )?;
    }
    let spec = ctx.call("kms-get-key-rotation-status");
    ctx.none(spec);
    for key in &rotating {
        let mut call = Call::new(spec, "kms:GetKeyRotationStatus").param("KeyId", key);
        ctx.page(&mut call);
        let file = format!("kms/get-key-rotation-status-{}.json", file_part(key));
        let out = match kms.get_key_rotation_status().key_id(key).send().await {
            Ok(o) => o,
            Err(e)
                if matches!(
                    code(&e),
                    Some("UnsupportedOperationException" | "KMSInvalidStateException")
                ) =>
            {
                ctx.answered();
                let status = e.raw_response().map(|r| r.status().as_u16());
                let se = e.as_service_error();
                let text = cli_error_text(
                    code(&e).unwrap_or_default(),
                    "GetKeyRotationStatus",
                    se.and_then(|e| {
                        aws_smithy_types::error::metadata::ProvideErrorMetadata::message(e)
                    })
                    .unwrap_or_default(),
                );
                ctx.save_bytes(call, file, &text, status)?;
                continue;
            }
            Err(e) => return Err(ctx.error(&call, e)),
        };
        ctx.answered();
        let body = Obj::new()
            .b("KeyRotationEnabled", Some(out.key_rotation_enabled))
            .s("KeyId", out.key_id())
            .i(
                "RotationPeriodInDays",
                out.rotation_period_in_days().map(i64::from),
            )
            .t("NextRotationDate", out.next_rotation_date())
            .t(
                "OnDemandRotationStartDate",
                out.on_demand_rotation_start_date(),
            )
            .done();
        ctx.save(call, file, &body)?;
    }
    Ok(())
}

async fn list_keys(
    ctx: &mut Ctx<'_, '_>,
    kms: &aws_sdk_kms::Client,
) -> Result<Vec<String>, PullError> {
    let call = Call::new(ctx.call("kms-list-keys"), "kms:ListKeys");
    let mut ids = Vec::new();
    ctx.listing(
        call,
        "Keys",
        "kms/list-keys.json".into(),
        |marker| kms.list_keys().set_marker(marker).send(),
        |out, keys| {
            for k in out.keys() {
                if let Some(id) = k.key_id() {
                    ids.push(id.to_string());
                }
                keys.push(
                    Obj::new()
                        .s("KeyId", k.key_id())
                        .s("KeyArn", k.key_arn())
                        .done(),
                );
            }
            crate::next_marker(out.truncated(), out.next_marker())
        },
    )
    .await?;
    Ok(ids)
}

async fn list_aliases(ctx: &mut Ctx<'_, '_>, kms: &aws_sdk_kms::Client) -> Result<(), PullError> {
    let call = Call::new(ctx.call("kms-list-aliases"), "kms:ListAliases");
    ctx.listing(
        call,
        "Aliases",
        "kms/list-aliases.json".into(),
        |marker| kms.list_aliases().set_marker(marker).send(),
        |out, aliases| {
            aliases.extend(out.aliases().iter().map(|a| {
                Obj::new()
                    .s("AliasName", a.alias_name())
                    .s("AliasArn", a.alias_arn())
                    .s("TargetKeyId", a.target_key_id())
                    .t("CreationDate", a.creation_date())
                    .t("LastUpdatedDate", a.last_updated_date())
                    .done()
            }));
            crate::next_marker(out.truncated(), out.next_marker())
        },
    )
    .await
}

// The CLI still prints the deprecated `CustomerMasterKeySpec`.
#[allow(deprecated)]
fn metadata(m: &KeyMetadata) -> J {
    let multi = m.multi_region_configuration().map(|c| {
        let key = |k: &aws_sdk_kms::types::MultiRegionKey| {
            Obj::new().s("Arn", k.arn()).s("Region", k.region()).done()
        };
        Obj::new()
            .s(
                "MultiRegionKeyType",
                c.multi_region_key_type().map(|t| t.as_str()),
            )
            .put("PrimaryKey", c.primary_key().map(key))
            .list("ReplicaKeys", c.replica_keys.as_deref(), key)
            .done()
    });
    Obj::new()
        .s("AWSAccountId", m.aws_account_id())
        .s("KeyId", Some(m.key_id()))
        .s("Arn", m.arn())
        .t("CreationDate", m.creation_date())
        .b("Enabled", Some(m.enabled))
        .s("Description", m.description())
        .s("KeyUsage", m.key_usage().map(|u| u.as_str()))
        .s("KeyState", m.key_state().map(|u| u.as_str()))
        .t("DeletionDate", m.deletion_date())
        .t("ValidTo", m.valid_to())
        .s("Origin", m.origin().map(|u| u.as_str()))
        .s("CustomKeyStoreId", m.custom_key_store_id())
        .s("CloudHsmClusterId", m.cloud_hsm_cluster_id())
        .s("ExpirationModel", m.expiration_model().map(|u| u.as_str()))
        .s("KeyManager", m.key_manager().map(|u| u.as_str()))
        .s(
            "CustomerMasterKeySpec",
            m.customer_master_key_spec().map(|u| u.as_str()),
        )
        .s("KeySpec", m.key_spec().map(|u| u.as_str()))
        .list(
            "EncryptionAlgorithms",
            m.encryption_algorithms.as_deref(),
            |a| s(a.as_str()),
        )
        .list("SigningAlgorithms", m.signing_algorithms.as_deref(), |a| {
            s(a.as_str())
        })
        .list(
            "KeyAgreementAlgorithms",
            m.key_agreement_algorithms.as_deref(),
            |a| s(a.as_str()),
        )
        .b("MultiRegion", m.multi_region())
        .put("MultiRegionConfiguration", multi)
        .i(
            "PendingDeletionWindowInDays",
            m.pending_deletion_window_in_days().map(i64::from),
        )
        .list("MacAlgorithms", m.mac_algorithms.as_deref(), |a| {
            s(a.as_str())
        })
        .s("CurrentKeyMaterialId", m.current_key_material_id())
        .done()
}
