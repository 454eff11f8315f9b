//! AWS KMS: `describe-key` output, optionally bundled with `get-key-rotation-status`, and
//! separate rotation-status outputs joined by key id.

use std::collections::HashMap;

use fieldcheck_kit::Kind;
use serde::Deserialize;

use super::awsops::{Counts, some};
use crate::emit::{Emitter, FileId};
use crate::read::json_records;
use crate::spec::Spec;
use crate::value::kms_key_id;
use crate::{Adapter, Input};

/// `aws-kms`.
pub(crate) static KMS: Adapter = Adapter {
    spec: &Spec {
        name: "aws-kms",
        system: "AWS KMS",
        reads: "`aws kms describe-key` output (`{\"KeyMetadata\": {...}}`, optionally with the collector's `\"RotationStatus\"` from `get-key-rotation-status` beside it) and separate `aws kms get-key-rotation-status` outputs, joined by key id across files",
        produces: &[Kind::Keys],
        needs_system: false,
        containers: &[],
        options: &[],
        example: "[[sources]]\nadapter = \"aws-kms\"\npath = \"exports/kms/*.json\"",
    },
    run,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Doc {
    #[serde(default)]
    key_metadata: Option<Meta>,
    #[serde(default)]
    rotation_status: Option<Rotation>,
    #[serde(default)]
    key_rotation_enabled: Option<bool>,
    #[serde(default)]
    key_id: Option<String>,
    #[serde(default)]
    rotation_period_in_days: Option<i64>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Meta {
    key_id: String,
    #[serde(default)]
    key_manager: Option<String>,
    #[serde(default)]
    key_spec: Option<String>,
    #[serde(default)]
    customer_master_key_spec: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct Rotation {
    #[serde(default)]
    key_rotation_enabled: Option<bool>,
    #[serde(default)]
    key_id: Option<String>,
    #[serde(default)]
    rotation_period_in_days: Option<i64>,
}

struct Key {
    file: FileId,
    line: u32,
    path: Option<String>,
    meta: Meta,
    rotation: Option<Rotation>,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let mut keys: Vec<Key> = Vec::new();
    let mut rotations: HashMap<String, Rotation> = HashMap::new();
    let mut skipped = Counts::default();
    json_records::<Doc>(input, em, &mut |d, at, em| {
        if let Some(meta) = d.key_metadata {
            keys.push(Key {
                file: at.file.clone(),
                line: at.line,
                path: at.path.clone(),
                meta,
                rotation: d.rotation_status,
            });
        } else if d.key_rotation_enabled.is_some() {
            let r = Rotation {
                key_rotation_enabled: d.key_rotation_enabled,
                key_id: d.key_id,
                rotation_period_in_days: d.rotation_period_in_days,
            };
            match some(&r.key_id) {
                Some(id) => {
                    rotations.insert(kms_key_id(id).to_string(), r);
                }
                None => em.bad_record(
                    &at.file,
                    at.line,
                    at.path(),
                    "bad-value",
                    "the rotation status names no `KeyId`",
                    "it was skipped: without the key id it cannot be joined to its key",
                ),
            }
        } else if let Some(e) = d.error {
            let code = e.get("Code").and_then(|c| c.as_str()).unwrap_or("error");
            skipped.add(code.to_string());
        } else {
            em.bad_record(
                &at.file,
                at.line,
                at.path(),
                "bad-value",
                "the record is neither `describe-key` nor `get-key-rotation-status` output",
                "it was skipped",
            );
        }
    });
    for k in keys {
        let id = kms_key_id(&k.meta.key_id).to_string();
        let rotation = k.rotation.or_else(|| rotations.get(&id).cloned());
        let aws = some(&k.meta.key_manager) == Some("AWS");
        let manager = match some(&k.meta.key_manager) {
            Some("AWS") => Some("provider"),
            Some("CUSTOMER") => Some("customer"),
            None => None,
            // Who manages the key decides `provider_managed_key`: a manager fieldcheck cannot
            // read is an error on the key.
            Some(other) => {
                let at = crate::read::At {
                    file: k.file.clone(),
                    line: k.line,
                    path: k.path.clone(),
                };
                super::common::unknown_value(
                    em,
                    &at,
                    "KeyManager",
                    other,
                    "KMS key managers are AWS and CUSTOMER",
                );
                continue;
            }
        };
        let spec = some(&k.meta.key_spec).or(some(&k.meta.customer_master_key_spec));
        let algorithm = spec.map(|s| {
            if s == "SYMMETRIC_DEFAULT" {
                "AES_256"
            } else {
                s
            }
        });
        let (enabled, period) = match &rotation {
            Some(r) => (
                r.key_rotation_enabled,
                r.rotation_period_in_days
                    .or((aws && r.key_rotation_enabled.is_some()).then_some(365)),
            ),
            None => (None, None),
        };
        em.row(Kind::Keys, &k.file, k.line, k.path.as_deref())
            .set("key_id", id)
            .set("manager", manager)
            .set("algorithm", algorithm)
            .set("rotation_enabled", enabled)
            .set("rotation_period_days", period)
            .emit();
    }
    if let Some(d) = skipped.note(
        "source-skipped-records",
        "error responses were skipped",
        "`UnsupportedOperationException` from get-key-rotation-status means rotation does not apply (asymmetric, HMAC, imported or custom key store keys)",
    ) {
        em.diag(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    // The collector's bundle: describe-key plus get-key-rotation-status.
    const BUNDLED: &str = r#"{"KeyMetadata": {"AWSAccountId": "111122223333",
  "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
  "Arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  "CreationDate": 1672531200.0, "Enabled": true, "Description": "prod data key",
  "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS",
  "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
  "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
  "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": false},
 "RotationStatus": {"KeyRotationEnabled": true,
  "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
  "RotationPeriodInDays": 180, "NextRotationDate": 1767225600.0}}
"#;

    // Plain describe-key outputs, concatenated (an AWS-managed key, an asymmetric key, a key
    // with no rotation status anywhere, and a broken record).
    const DESCRIBED: &str = r#"{
    "KeyMetadata": {
        "KeyId": "0a1b2c3d-aaaa-bbbb-cccc-000000000001",
        "KeyManager": "AWS",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Description": "Default key that protects my S3 objects when no other key is defined"
    }
}
{"KeyMetadata": {"KeyId": "0a1b2c3d-aaaa-bbbb-cccc-000000000002", "KeyManager": "CUSTOMER", "KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}}
{"KeyMetadata": {"KeyId": "0a1b2c3d-aaaa-bbbb-cccc-000000000003", "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}}
{"KeyMetadata": {"KeyId": 7}}
"#;

    // Separate get-key-rotation-status outputs (the CLI prints the key ARN as KeyId).
    const ROTATION: &str = r#"{"KeyRotationEnabled": true, "KeyId": "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-000000000001"}
{"Error": {"Code": "UnsupportedOperationException", "Message": "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-000000000002 origin is EXTERNAL which is not valid for this operation."}}
{"KeyRotationEnabled": false, "KeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "RotationPeriodInDays": 365}
"#;

    #[test]
    fn keys_with_rotation_joined_across_files() {
        let out = run(
            "[[sources]]\nadapter = \"aws-kms\"\npath = \"kms/*.json\"",
            &[
                ("kms/a-bundled.json", BUNDLED.as_bytes()),
                ("kms/b-described.json", DESCRIBED.as_bytes()),
                ("kms/c-rotation.json", ROTATION.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("keys").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // The bundled status wins over a separate one for the same key.
                "algorithm=AES_256|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|manager=customer|rotation_enabled=true|rotation_period_days=180",
                "algorithm=AES_256|key_id=0a1b2c3d-aaaa-bbbb-cccc-000000000001|manager=provider|rotation_enabled=true|rotation_period_days=365",
                "algorithm=RSA_2048|key_id=0a1b2c3d-aaaa-bbbb-cccc-000000000002|manager=customer",
                "algorithm=AES_256|key_id=0a1b2c3d-aaaa-bbbb-cccc-000000000003|manager=customer",
            ]
        );
        assert_eq!(out.codes(), ["bad-json", "source-skipped-records"]);
        assert_eq!(
            (out.diags[0].file.as_deref(), out.diags[0].line),
            (Some("kms/b-described.json"), Some(11))
        );
        assert!(
            out.diags[1]
                .message
                .contains("`UnsupportedOperationException` ×1")
        );
        let o = &out.origins("keys")[2];
        assert_eq!((o.line, o.path.as_deref()), (9, Some("#2 $")));
    }
}
