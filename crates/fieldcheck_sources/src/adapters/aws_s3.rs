//! Amazon S3: default bucket encryption (`aws s3api get-bucket-encryption`), named by a
//! `list-buckets` output in the same source or by the file name.

use std::collections::BTreeSet;
use std::path::Path;

use fieldcheck_kit::{Diagnostic, Kind};
use serde::Deserialize;

use super::awsops::{OtherCalls, cli_error, first_byte, head, noted, some, top_keys, whole};
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
        reads: "`aws s3api get-bucket-encryption --bucket B` output (`{\"ServerSideEncryptionConfiguration\": ...}`), one file per bucket under any name, and `aws s3api list-buckets` output (`{\"Buckets\": [...]}`) in the same source. The output names no bucket: its bucket is the longest listed bucket name that appears in the file name as a whole (ending the name or before `_`/`.`, and starting it or after `-`/`_`/`.`: `s3-get-bucket-encryption-acme-backups.json`), else the file name without its extension and anything up to `get-bucket-encryption-` (`get-bucket-encryption-<bucket>.json`), else one wrapped with a `\"Bucket\"` field; the row's provenance names the rule. A listed bucket without its output is an error naming the call. `ServerSideEncryptionConfigurationNotFoundError` (JSON, or the CLI's error text saved from stderr) means no default encryption; other errors (`AccessDenied`, `NoSuchBucket`) are errors; other calls' outputs are skipped with a note",
        produces: &[Kind::DataStores],
        needs_system: true,
        containers: &["Buckets"],
        options: &[OptSpec {
            name: "region",
            ty: OptTy::Str,
            help: "the buckets' region, for data_stores.region; default: none",
        }],
        example: "[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"exports/aws/s3/*.json\"\nsystem_id = \"aws-prod\"\nregion = \"us-east-1\"",
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

/// A `list-buckets` entry.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listed {
    #[serde(default)]
    name: Option<String>,
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

/// The file's name without its extension (bucket names may contain dots, so only `.json`,
/// `.txt`, `.gz`, `.err` and `.out` go) and without anything up to the call's name
/// (`get-bucket-encryption-acme-logs.json` is `acme-logs`).
fn stem(shown: &str) -> String {
    let mut n = bare(&file_name(shown));
    if let Some(i) = n.find("get-bucket-encryption") {
        let rest = n[i + "get-bucket-encryption".len()..].trim_start_matches(['-', '_', '.']);
        if !rest.is_empty() {
            n = rest.to_string();
        }
    }
    n
}

/// A file name without its extension.
fn bare(name: &str) -> String {
    let mut n = name.to_string();
    for suffix in [".gz", ".json", ".txt", ".err", ".out"] {
        if let Some(s) = n.strip_suffix(suffix) {
            n = s.to_string();
        }
    }
    n
}

/// Whether the file name `name` (without extension) names `bucket`: it appears in it as a whole,
/// starting the name or after `-`, `_` or `.`, and ending it or before `_` or `.`. So
/// `s3-get-bucket-encryption-acme-backups` names `acme-backups` (and `acme` only if nothing
/// longer is listed), while `get-bucket-encryption-acme-data` does not name `acme`.
fn names(name: &str, bucket: &str) -> bool {
    if bucket.is_empty() {
        return false;
    }
    name.match_indices(bucket).any(|(i, _)| {
        let before = name[..i].chars().last();
        let after = name[i + bucket.len()..].chars().next();
        before.is_none_or(|c| matches!(c, '-' | '_' | '.'))
            && after.is_none_or(|c| matches!(c, '_' | '.'))
    })
}

fn file_name(shown: &str) -> String {
    Path::new(shown)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A bucket's encryption as read, before its name is known.
struct Pending {
    at: At,
    /// The name the record gives (`Bucket`, `Name`, an error's `BucketName`).
    named: Option<String>,
    encrypted: bool,
    key: Option<String>,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let region = input.options.str("region");
    let mut pending: Vec<Pending> = Vec::new();
    let mut listed: Vec<(String, At)> = Vec::new();
    let mut others = OtherCalls::default();
    for f in input.files {
        let head = head(input, f);
        if !matches!(first_byte(&head), Some(b'{' | b'[') | None) {
            // The CLI's error text, saved from stderr: `An error occurred (...) when calling ...`.
            let id: FileId = em.open(&f.shown, input.spec.name);
            let at = At {
                file: id.clone(),
                line: 1,
                path: None,
            };
            match cli_error(&head) {
                Some(e) if e.code == NOT_FOUND => pending.push(Pending {
                    at,
                    named: None,
                    encrypted: false,
                    key: None,
                }),
                Some(e) => em.diag(
                    Diagnostic::error(
                        fieldcheck_kit::Code::SourceErrorResponse,
                        format!("the file is the AWS CLI's error message, not the bucket's encryption: {}", e.text),
                    )
                    .file(id.shown.clone())
                    .line(1)
                    .help("the bucket's encryption is unknown: collect it again with s3:GetEncryptionConfiguration permission on an existing bucket"),
                ),
                None => em.diag(
                    Diagnostic::error(fieldcheck_kit::Code::BadJson, "the file is neither JSON nor the AWS CLI's error message")
                        .file(id.shown.clone())
                        .line(1)
                        .help(format!("this adapter reads {}; the file was skipped", input.spec.reads)),
                ),
            }
            continue;
        }
        json_file(input, f, em, &mut |el, at, em| {
            if el.key == Some("Buckets") {
                if let Ok(b) = serde_json::from_slice::<Listed>(el.bytes)
                    && let Some(n) = some(&b.name)
                {
                    listed.push((n.to_string(), at.clone()));
                }
                return;
            }
            let d: Doc = match serde_json::from_slice(el.bytes) {
                Ok(d) => d,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            let named = some(&d.bucket).or(some(&d.name));
            if let Some(e) = &d.error {
                let code = some(&e.code).unwrap_or("");
                let named = named.or(some(&e.bucket_name));
                if code == NOT_FOUND {
                    pending.push(Pending {
                        at: at.clone(),
                        named: named.map(str::to_string),
                        encrypted: false,
                        key: None,
                    });
                } else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::SourceErrorResponse,
                        format!(
                            "the call for bucket `{}` failed with `{code}`",
                            named.map_or_else(|| stem(&at.file.shown), str::to_string)
                        ),
                        "the bucket's encryption is unknown; collect it again with s3:GetEncryptionConfiguration permission",
                    );
                }
                return;
            }
            let Some(cfg) = &d.server_side_encryption_configuration else {
                if whole(el) && named.is_none() {
                    others.add_keys(at, &top_keys(el.bytes), em);
                } else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the record has no `ServerSideEncryptionConfiguration`",
                        "it was skipped",
                    );
                }
                return;
            };
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
                    Some(some(&r.key).map_or("alias/aws/s3", kms_key_id).to_string())
                }
                _ => None,
            });
            pending.push(Pending {
                at: at.clone(),
                named: named.map(str::to_string),
                encrypted: rule.is_some(),
                key,
            });
        });
    }
    // Each output's bucket: the name it gives, else the longest listed name in its file name,
    // else the file name.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for p in pending {
        let (bucket, note) = match p.named {
            Some(n) => (n, None),
            None => {
                let name = bare(&file_name(&p.at.file.shown));
                match listed
                    .iter()
                    .filter(|(b, _)| names(&name, b))
                    .max_by(|a, b| a.0.len().cmp(&b.0.len()).then(b.0.cmp(&a.0)))
                {
                    Some((b, at)) => (
                        b.clone(),
                        Some(format!(
                            "bucket from list-buckets at {}:{}",
                            at.file.shown, at.line
                        )),
                    ),
                    None => (
                        stem(&p.at.file.shown),
                        Some("bucket from the file name".to_string()),
                    ),
                }
            }
        };
        let path = note.map(|n| noted(p.at.path(), &n));
        em.row(
            Kind::DataStores,
            &p.at.file,
            p.at.line,
            path.as_deref().or(p.at.path()),
        )
        .set("resource_id", bucket.as_str())
        .set("kind", "bucket")
        .set("region", region)
        .set("encrypted", p.encrypted)
        .set("key_id", p.key.as_deref())
        .emit();
        seen.insert(bucket);
    }
    // A listed bucket whose encryption was not collected is a bucket the controls cannot see.
    for (b, at) in &listed {
        if seen.insert(b.clone()) {
            em.diag(
                Diagnostic::error(
                    fieldcheck_kit::Code::SourceMissingCall,
                    format!("bucket `{b}` is listed but its default encryption is not in the source"),
                )
                .file(at.file.shown.clone())
                .line(at.line)
                .help(format!("collect `aws s3api get-bucket-encryption --bucket {b}` (saved as `get-bucket-encryption-{b}.json`, or its error text) into the source's folder; the buckets are not evidenced until then")),
            );
        }
    }
    others.report(em);
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

    // `aws s3api get-bucket-encryption` from the AWS CLI Command Reference
    // (https://docs.aws.amazon.com/cli/latest/reference/s3api/get-bucket-encryption.html).
    const DOCUMENTED: &str = r#"{
    "ServerSideEncryptionConfiguration": {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "AES256"
                }
            }
        ]
    }
}"#;
    // `aws s3api list-buckets` in the ListBuckets response shape of the S3 API reference
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html): Buckets and Owner.
    const LIST: &str = r#"{
    "Buckets": [
        {"Name": "acme", "CreationDate": "2023-01-10T16:43:29+00:00"},
        {"Name": "acme-backups", "CreationDate": "2023-02-13T23:47:18+00:00"},
        {"Name": "acme-logs", "CreationDate": "2023-05-01T02:36:34+00:00"},
        {"Name": "acme-old", "CreationDate": "2019-05-01T02:36:34+00:00"}
    ],
    "Owner": {"DisplayName": "acme-aws", "ID": "a1b2c3d4e5f6"}
}"#;
    const BLOCK: &str = "[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"exports/aws/s3/*\"\nsystem_id = \"aws-prod\"";

    #[test]
    fn buckets_are_named_by_list_buckets_else_by_the_file_name() {
        let out = run(
            BLOCK,
            &[
                ("exports/aws/s3/list-buckets.json", LIST.as_bytes()),
                // Both `acme` and `acme-backups` appear in the name: the longest wins.
                (
                    "exports/aws/s3/s3-get-bucket-encryption-acme-backups.json",
                    DOCUMENTED.as_bytes(),
                ),
                (
                    "exports/aws/s3/get-bucket-encryption-acme-logs.txt",
                    CLI_ERROR.as_bytes(),
                ),
                ("exports/aws/s3/acme.json", SSE_S3.as_bytes()),
                // Not listed: the file name without the call.
                (
                    "exports/aws/s3/get-bucket-encryption-acme-data.json",
                    KMS.as_bytes(),
                ),
                (
                    "exports/aws/s3/get-bucket-versioning-acme.json",
                    br#"{"Status": "Enabled", "MFADelete": "Disabled"}"#,
                ),
            ],
        );
        let rows: Vec<String> = out.rows("data_stores").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "encrypted=true|kind=bucket|resource_id=acme|system_id=aws-prod",
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=bucket|resource_id=acme-data|system_id=aws-prod",
                "encrypted=false|kind=bucket|resource_id=acme-logs|system_id=aws-prod",
                "encrypted=true|kind=bucket|resource_id=acme-backups|system_id=aws-prod",
            ]
        );
        let paths: Vec<String> = out
            .origins("data_stores")
            .iter()
            .map(|o| o.path.as_deref().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "$ (bucket from list-buckets at exports/aws/s3/list-buckets.json:3)",
                "$ (bucket from the file name)",
                "$ (bucket from list-buckets at exports/aws/s3/list-buckets.json:5)",
                "$ (bucket from list-buckets at exports/aws/s3/list-buckets.json:4)",
            ]
        );
        // acme-old is listed but its encryption was not collected.
        assert_eq!(
            out.codes(),
            ["source-missing-call", "source-other-call"],
            "{:?}",
            out.diags
        );
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("`aws s3api get-bucket-encryption --bucket acme-old`")
        );
        assert!(!out.problems("data_stores").is_empty());
    }

    #[test]
    fn the_cli_error_text_for_another_error_is_an_error_not_an_unencrypted_bucket() {
        let denied = "\nAn error occurred (AccessDenied) when calling the GetBucketEncryption operation: Access Denied\n";
        let gone = "An error occurred (NoSuchBucket) when calling the GetBucketEncryption operation: The specified bucket does not exist\n";
        let out = run(
            BLOCK,
            &[
                (
                    "exports/aws/s3/get-bucket-encryption-acme-secret.json",
                    denied.as_bytes(),
                ),
                (
                    "exports/aws/s3/get-bucket-encryption-acme-gone.json",
                    gone.as_bytes(),
                ),
                (
                    "exports/aws/s3/get-bucket-encryption-acme-plain.json",
                    CLI_ERROR.as_bytes(),
                ),
            ],
        );
        let rows: Vec<String> = out.rows("data_stores").iter().map(flat).collect();
        assert_eq!(
            rows,
            ["encrypted=false|kind=bucket|resource_id=acme-plain|system_id=aws-prod"]
        );
        assert_eq!(
            out.codes(),
            ["source-error-response", "source-error-response"]
        );
        assert!(
            out.diags[0].message.contains("(NoSuchBucket)"),
            "{:?}",
            out.diags
        );
        assert!(!out.problems("data_stores").is_empty());
    }
}
