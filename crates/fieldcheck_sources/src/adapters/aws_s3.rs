//! Amazon S3: default bucket encryption (`aws s3api get-bucket-encryption`).

use std::path::Path;

use fieldcheck_kit::{Diagnostic, Kind};
use serde::Deserialize;

use super::awsops::some;
use crate::emit::{Emitter, FileId};
use crate::read::{At, bad_json, json_file};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::value::kms_key_id;
use crate::{Adapter, Input};

/// `aws-s3-encryption`.
pub(crate) static S3: Adapter = Adapter {
    spec: &Spec {
        name: "aws-s3-encryption",
        system: "Amazon S3",
        reads: "`aws s3api get-bucket-encryption --bucket B` output, one file per bucket named after it (`B.json`) or wrapped with a `\"Bucket\"` field; a `ServerSideEncryptionConfigurationNotFoundError` response (JSON or the CLI's error text) means unencrypted",
        produces: &[Kind::DataStores],
        needs_system: true,
        containers: &[],
        options: &[OptSpec {
            name: "region",
            ty: OptTy::Str,
            help: "the buckets' region, for data_stores.region; default: none",
        }],
        example: "[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"exports/s3/encryption/*.json\"\nsystem_id = \"aws-prod\"\nregion = \"us-east-1\"",
    },
    run,
};

const NOT_FOUND: &str = "ServerSideEncryptionConfigurationNotFoundError";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Doc {
    #[serde(default)]
    bucket: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    server_side_encryption_configuration: Option<Config>,
    #[serde(default)]
    error: Option<ErrorDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDoc {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    bucket_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Rule {
    #[serde(default)]
    apply_server_side_encryption_by_default: Option<Default>,
}

#[derive(Deserialize)]
struct Default {
    #[serde(default, rename = "SSEAlgorithm")]
    algorithm: Option<String>,
    #[serde(default, rename = "KMSMasterKeyID")]
    key: Option<String>,
}

/// The bucket a file is about when it does not say: its name without `.json` / `.txt` / `.gz`
/// (bucket names may contain dots, so only those suffixes go).
fn stem(shown: &str) -> String {
    let mut n = Path::new(shown)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".gz", ".json", ".txt", ".err", ".out"] {
        if let Some(s) = n.strip_suffix(suffix) {
            n = s.to_string();
        }
    }
    n
}

fn emit(
    em: &mut Emitter,
    at: &At,
    bucket: &str,
    encrypted: bool,
    key: Option<&str>,
    region: Option<&str>,
) {
    em.row(Kind::DataStores, &at.file, at.line, at.path())
        .set("resource_id", bucket)
        .set("kind", "bucket")
        .set("region", region)
        .set("encrypted", encrypted)
        .set("key_id", key)
        .emit();
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let region = input.options.str("region");
    for f in input.files {
        // The first bytes tell JSON from the CLI's error text; only a regular file inside the
        // config's folder is opened (the reader reports the rest).
        let head = {
            use std::io::Read;
            let mut head = Vec::new();
            if let Ok(h) = fieldcheck_kit::fsafe::open(&f.path, Some(input.root)) {
                let _ = h.take(64 * 1024).read_to_end(&mut head);
            }
            head
        };
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if !matches!(first, Some(b'{' | b'[') | None) {
            // The CLI's error text: `An error occurred (...NotFoundError) when calling ...`.
            let id: FileId = em.open(&f.shown, input.spec.name);
            let text = String::from_utf8_lossy(&head);
            let at = At {
                file: id.clone(),
                line: 1,
                path: None,
            };
            if text.contains(NOT_FOUND) {
                emit(em, &at, &stem(&f.shown), false, None, region);
            } else {
                em.diag(
                    Diagnostic::error("bad-json", "the file is neither JSON nor the CLI's `ServerSideEncryptionConfigurationNotFoundError` message")
                        .file(id.shown.clone())
                        .line(1)
                        .help(format!("this adapter reads {}; the file was skipped", input.spec.reads)),
                );
            }
            continue;
        }
        let fallback = stem(&f.shown);
        json_file(input, f, em, &mut |el, at, em| {
            let d: Doc = match serde_json::from_slice(el.bytes) {
                Ok(d) => d,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            let named = some(&d.bucket).or(some(&d.name));
            if let Some(e) = &d.error {
                let code = some(&e.code).unwrap_or("");
                let bucket = named.or(some(&e.bucket_name)).unwrap_or(&fallback);
                if code == NOT_FOUND {
                    emit(em, at, bucket, false, None, region);
                } else {
                    em.bad_record(
                        &at.file,
                        at.line,
                        at.path(),
                        "source-error-response",
                        format!("the call for bucket `{bucket}` failed with `{code}`"),
                        "the bucket's encryption is unknown; collect it again with s3:GetEncryptionConfiguration permission",
                    );
                }
                return;
            }
            let Some(cfg) = &d.server_side_encryption_configuration else {
                em.bad_record(
                    &at.file,
                    at.line,
                    at.path(),
                    "bad-value",
                    "the record has no `ServerSideEncryptionConfiguration`",
                    "it was skipped",
                );
                return;
            };
            let bucket = named.unwrap_or(&fallback);
            let rule = cfg.rules.iter().find_map(|r| {
                r.apply_server_side_encryption_by_default
                    .as_ref()
                    .filter(|a| some(&a.algorithm).is_some())
            });
            // The algorithm decides whether the bucket is encrypted and with which key: one
            // fieldcheck cannot read is an error on the bucket.
            if let Some(alg) = rule.and_then(|r| some(&r.algorithm))
                && !matches!(alg, "AES256" | "aws:kms" | "aws:kms:dsse")
            {
                super::common::unknown_value(
                    em,
                    at,
                    "SSEAlgorithm",
                    alg,
                    "S3 default encryption algorithms are AES256, aws:kms and aws:kms:dsse",
                );
                return;
            }
            let key = rule.and_then(|r| match some(&r.algorithm) {
                Some("aws:kms" | "aws:kms:dsse") => {
                    Some(some(&r.key).map_or("alias/aws/s3", kms_key_id))
                }
                _ => None,
            });
            emit(em, at, bucket, rule.is_some(), key, region);
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const KMS: &str = r#"{
    "ServerSideEncryptionConfiguration": {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                },
                "BucketKeyEnabled": true
            }
        ]
    }
}"#;
    const SSE_S3: &str = r#"{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}]}}"#;
    const DSSE_DEFAULT_KEY: &str = r#"{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]}}"#;
    const WRAPPED: &str = r#"[{"Bucket": "acme.logs", "ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/logs"}}]}},
 {"Name": "acme-old", "Error": {"Code": "ServerSideEncryptionConfigurationNotFoundError", "Message": "The server side encryption configuration was not found"}},
 {"Bucket": "acme-locked", "Error": {"Code": "AccessDenied", "Message": "Access Denied"}},
 {"Bucket": "acme-odd", "ServerSideEncryptionConfiguration": {"Rules": "none"}}]"#;
    const CLI_ERROR: &str = "\nAn error occurred (ServerSideEncryptionConfigurationNotFoundError) when calling the GetBucketEncryption operation: The server side encryption configuration was not found\n";

    #[test]
    fn bucket_encryption() {
        let out = run(
            "[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"s3/*\"\nsystem_id = \"aws-prod\"\nregion = \"us-east-1\"",
            &[
                ("s3/acme-data.json", KMS.as_bytes()),
                ("s3/acme.static.site.json", SSE_S3.as_bytes()),
                ("s3/acme-dsse.json", DSSE_DEFAULT_KEY.as_bytes()),
                ("s3/collected.json", WRAPPED.as_bytes()),
                ("s3/legacy-bucket.txt", CLI_ERROR.as_bytes()),
                ("s3/garbage.txt", b"Unable to locate credentials"),
            ],
        );
        let rows: Vec<String> = out.rows("data_stores").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=bucket|region=us-east-1|resource_id=acme-data|system_id=aws-prod",
                "encrypted=true|key_id=alias/aws/s3|kind=bucket|region=us-east-1|resource_id=acme-dsse|system_id=aws-prod",
                "encrypted=true|kind=bucket|region=us-east-1|resource_id=acme.static.site|system_id=aws-prod",
                "encrypted=true|key_id=alias/logs|kind=bucket|region=us-east-1|resource_id=acme.logs|system_id=aws-prod",
                "encrypted=false|kind=bucket|region=us-east-1|resource_id=acme-old|system_id=aws-prod",
                "encrypted=false|kind=bucket|region=us-east-1|resource_id=legacy-bucket|system_id=aws-prod",
            ]
        );
        assert_eq!(
            out.codes(),
            ["source-error-response", "bad-json", "bad-json"],
            "{:?}",
            out.diags
        );
        assert!(out.diags[0].message.contains("`acme-locked`"));
        assert_eq!(out.diags[1].line, Some(4));
        assert_eq!(out.diags[2].file.as_deref(), Some("s3/garbage.txt"));
    }
}
