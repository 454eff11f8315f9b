//! AWS KMS: the key calls as the AWS CLI prints them (`describe-key`, `get-key-rotation-status`,
//! `list-aliases`, `list-keys`), recognised by their content and joined by key id across files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;

use super::awsops::{
    Counts, OtherCalls, cli_error, first_byte, head, noted, some, top_keys, whole,
};
use crate::emit::Emitter;
use crate::read::{At, json_file};
use crate::spec::Spec;
use crate::value::kms_key_id;
use crate::{Adapter, Input};

/// `aws-kms`.
pub(crate) static KMS: Adapter = Adapter {
    spec: &Spec {
        name: "aws-kms",
        system: "AWS KMS",
        reads: "the AWS CLI's KMS outputs, under any file name, recognised by their top-level keys: `aws kms describe-key` (`{\"KeyMetadata\": {...}}`: manager and key spec), `aws kms get-key-rotation-status` (`{\"KeyRotationEnabled\": ..., \"RotationPeriodInDays\": ...}`, with or without `KeyId`), `aws kms list-aliases` (`{\"Aliases\": [...]}`: each alias of a described key is also a key row, so an S3 or RDS reference by alias joins) and `aws kms list-keys` (`{\"Keys\": [...]}`: skipped with a note, its keys checked for a rotation status). A rotation status without `KeyId` takes its key from the file name (a key id, or the first group of one the source knows, e.g. `get-key-rotation-status-<key-id>.json`, `kms-rotation-1234abcd.json`), else from the one `describe-key` in the same file, else from the `describe-key` file with the same name apart from the call (`describe-key-prod.json` for `get-key-rotation-status-prod.json`); the row's provenance names the rule. A key without a rotation status (nor an `UnsupportedOperationException` for it) is an error naming the call to collect; other calls' outputs are skipped with a note",
        produces: &[Kind::Keys],
        needs_system: false,
        containers: &["Keys", "Aliases"],
        options: &[],
        example: "[[sources]]\nadapter = \"aws-kms\"\npath = \"exports/aws/kms/*.json\"",
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
    error: Option<ErrorDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDoc {
    #[serde(default)]
    message: Option<String>,
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
    #[serde(default)]
    origin: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct Rotation {
    #[serde(default)]
    key_rotation_enabled: Option<bool>,
    #[serde(default)]
    rotation_period_in_days: Option<i64>,
}

/// A `list-keys` entry.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listed {
    #[serde(default)]
    key_id: Option<String>,
}

/// A `list-aliases` entry.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Alias {
    #[serde(default)]
    alias_name: Option<String>,
    #[serde(default)]
    target_key_id: Option<String>,
}

/// A described key (`describe-key`), with the rotation status bundled beside it, if any.
struct Described {
    at: At,
    meta: Meta,
    bundled: Option<Rotation>,
}

/// A rotation status, or an `UnsupportedOperationException` (rotation does not apply), and the
/// key it belongs to once known.
struct Status {
    at: At,
    rotation: Option<Rotation>,
    /// The key the output names (`KeyId`, or the key ARN in the error message).
    named: Option<String>,
}

/// A key's rotation status (`None`: rotation does not apply), where it is, and how it was joined.
type Found = (Option<Rotation>, At, Rule);

/// How a rotation status found its key.
enum Rule {
    /// The output's own `KeyId`.
    Named,
    /// A key id (or the first group of a known one) in the file name.
    FileName,
    /// The only `describe-key` in the same file.
    SameFile,
    /// The `describe-key` file with the same name apart from the call.
    PairedFile(String),
}

impl Rule {
    fn note(&self) -> Option<String> {
        match self {
            Rule::Named => None,
            Rule::FileName => Some("key id from the file name".into()),
            Rule::SameFile => Some("key from the describe-key in the same file".into()),
            Rule::PairedFile(f) => Some(format!("key from the describe-key in `{f}`")),
        }
    }
}

fn key_pattern() -> &'static regex_lite::Regex {
    static R: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        regex_lite::Regex::new(
            "(?i)mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        )
        .expect("a valid pattern")
    })
}

fn file_name(shown: &str) -> String {
    Path::new(shown)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The key a file name names: a known key's id, else the first group of exactly one known key
/// (`kms-rotation-1234abcd.json`), else a key id's shape.
fn key_in_name(name: &str, known: &BTreeSet<String>) -> Option<String> {
    if let Some(k) = known
        .iter()
        .filter(|k| name.contains(&k.to_lowercase()))
        .max_by_key(|k| k.len())
    {
        return Some(k.clone());
    }
    let by_group: Vec<&String> = known
        .iter()
        .filter(|k| {
            k.split('-')
                .next()
                .filter(|g| g.len() >= 8)
                .is_some_and(|g| name.contains(&g.to_lowercase()))
        })
        .collect();
    if let [one] = by_group.as_slice() {
        return Some((*one).clone());
    }
    key_pattern().find(name).map(|m| m.as_str().to_string())
}

/// A file's name without the KMS call words and its extension: what it is about
/// (`describe-key-prod.json` and `get-key-rotation-status-prod.json` are both `prod`).
fn resource_part(name: &str) -> String {
    let mut n = name.to_string();
    for ext in [".gz", ".json", ".txt", ".out"] {
        if let Some(s) = n.strip_suffix(ext) {
            n = s.to_string();
        }
    }
    for w in [
        "get-key-rotation-status",
        "key-rotation-status",
        "rotation-status",
        "rotation",
        "describe-key",
        "describe",
        "kms",
    ] {
        n = n.replace(w, "");
    }
    n.split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let mut described: Vec<Described> = Vec::new();
    let mut statuses: Vec<Status> = Vec::new();
    let mut listed: Vec<(String, At)> = Vec::new();
    let mut aliases: Vec<(String, String, At)> = Vec::new();
    let mut list_keys_files: BTreeSet<String> = BTreeSet::new();
    let mut others = OtherCalls::default();
    for f in input.files {
        let head = head(input, f);
        if !matches!(first_byte(&head), Some(b'{' | b'[') | None) {
            // The CLI's error text, saved from stderr.
            let id = em.open(&f.shown, input.spec.name);
            let at = At {
                file: id.clone(),
                line: 1,
                path: None,
            };
            match cli_error(&head) {
                Some(e) if e.code == "UnsupportedOperationException" => statuses.push(Status {
                    at,
                    rotation: None,
                    named: key_pattern().find(&e.text).map(|m| m.as_str().to_string()),
                }),
                Some(e) => em.diag(
                    Diagnostic::error(
                        fieldcheck_kit::Code::SourceErrorResponse,
                        format!("the file is the AWS CLI's error message, not KMS output: {}", e.text),
                    )
                    .file(id.shown)
                    .line(1)
                    .help("fix the credentials or permissions (kms:DescribeKey, kms:GetKeyRotationStatus) and collect the call again; its key is not evidenced"),
                ),
                None => em.diag(
                    Diagnostic::error(fieldcheck_kit::Code::BadJson, "the file is neither JSON nor the AWS CLI's error message")
                        .file(id.shown)
                        .line(1)
                        .help(format!("this adapter reads {}; the file was skipped", input.spec.reads)),
                ),
            }
            continue;
        }
        json_file(input, f, em, &mut |el, at, em| {
            match el.key {
                Some("Keys") => {
                    list_keys_files.insert(at.file.shown.clone());
                    if let Ok(k) = serde_json::from_slice::<Listed>(el.bytes)
                        && let Some(id) = some(&k.key_id)
                    {
                        listed.push((kms_key_id(id).to_string(), at.clone()));
                    }
                    return;
                }
                Some("Aliases") => {
                    match serde_json::from_slice::<Alias>(el.bytes) {
                        Ok(a) => {
                            // An alias AWS reserved but not yet created has no target.
                            if let (Some(name), Some(target)) =
                                (some(&a.alias_name), some(&a.target_key_id))
                            {
                                aliases.push((
                                    name.to_string(),
                                    kms_key_id(target).to_string(),
                                    at.clone(),
                                ));
                            }
                        }
                        Err(e) => crate::read::bad_json(em, at, &e, input.spec.reads),
                    }
                    return;
                }
                _ => {}
            }
            let d: Doc = match serde_json::from_slice(el.bytes) {
                Ok(d) => d,
                Err(e) => return crate::read::bad_json(em, at, &e, input.spec.reads),
            };
            if let Some(meta) = d.key_metadata {
                described.push(Described {
                    at: at.clone(),
                    meta,
                    bundled: d.rotation_status,
                });
            } else if d.key_rotation_enabled.is_some() {
                statuses.push(Status {
                    at: at.clone(),
                    named: some(&d.key_id).map(|k| kms_key_id(k).to_string()),
                    rotation: Some(Rotation {
                        key_rotation_enabled: d.key_rotation_enabled,
                        rotation_period_in_days: d.rotation_period_in_days,
                    }),
                });
            } else if let Some(e) = d.error {
                // Only `UnsupportedOperationException` reaches here (the reader reports other
                // error answers): rotation does not apply to the key.
                let msg = e.message.unwrap_or_default();
                statuses.push(Status {
                    at: at.clone(),
                    rotation: None,
                    named: key_pattern().find(&msg).map(|m| m.as_str().to_string()),
                });
            } else if whole(el) {
                others.add_keys(at, &top_keys(el.bytes), em);
            } else {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    "the record is neither `describe-key` nor `get-key-rotation-status` output",
                    "it was skipped",
                );
            }
        });
    }
    for f in &list_keys_files {
        others.add(f, "list-keys");
    }
    // Every key id the source knows, for the file-name rule.
    let mut known: BTreeSet<String> = BTreeSet::new();
    for d in &described {
        known.insert(kms_key_id(&d.meta.key_id).to_string());
    }
    known.extend(listed.iter().map(|(k, _)| k.clone()));
    known.extend(aliases.iter().map(|(_, k, _)| k.clone()));
    known.extend(statuses.iter().filter_map(|s| s.named.clone()));
    // Each status's key, and the rule that found it.
    let mut rotations: HashMap<String, Found> = HashMap::new();
    for s in statuses {
        let file = &s.at.file.shown;
        let name = file_name(file);
        let found = if let Some(k) = s.named.clone() {
            Some((k, Rule::Named))
        } else if let Some(k) = key_in_name(&name, &known) {
            Some((k, Rule::FileName))
        } else {
            let here: BTreeSet<String> = described
                .iter()
                .filter(|d| d.at.file.shown == *file)
                .map(|d| kms_key_id(&d.meta.key_id).to_string())
                .collect();
            if here.len() == 1 {
                here.into_iter().next().map(|k| (k, Rule::SameFile))
            } else {
                let part = resource_part(&name);
                let paired: BTreeMap<String, String> = described
                    .iter()
                    .filter(|d| {
                        d.at.file.shown != *file
                            && !part.is_empty()
                            && resource_part(&file_name(&d.at.file.shown)) == part
                    })
                    .map(|d| {
                        (
                            kms_key_id(&d.meta.key_id).to_string(),
                            d.at.file.shown.clone(),
                        )
                    })
                    .collect();
                if paired.len() == 1 {
                    paired
                        .into_iter()
                        .next()
                        .map(|(k, f)| (k, Rule::PairedFile(f)))
                } else {
                    None
                }
            }
        };
        match found {
            Some((k, rule)) => {
                rotations.entry(k).or_insert((s.rotation, s.at, rule));
            }
            None => {
                let what = if s.rotation.is_some() {
                    "the rotation status names no key (`KeyId`)"
                } else {
                    "the `UnsupportedOperationException` names no key"
                };
                em.bad_record(
                    &s.at.file,
                    s.at.line,
                    s.at.path(),
                    fieldcheck_kit::Code::SourceUnnamedResource,
                    format!("{what}, and neither the file name nor a `describe-key` beside it names one"),
                    "its key's rotation is unknown: save each key's `aws kms get-key-rotation-status --key-id <id>` output under a name with the key id (`get-key-rotation-status-<key-id>.json`), or in one file after its `describe-key`",
                );
            }
        }
    }
    let mut unsupported = Counts::default();
    // Rows: each described key, then each key known only by its rotation status.
    let mut rows: BTreeMap<String, Vec<(&'static str, Option<String>)>> = BTreeMap::new();
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for d in &described {
        let id = kms_key_id(&d.meta.key_id).to_string();
        let aws = some(&d.meta.key_manager) == Some("AWS");
        let manager = match some(&d.meta.key_manager) {
            Some("AWS") => Some("provider"),
            Some("CUSTOMER") => Some("customer"),
            None => None,
            // Who manages the key decides `provider_managed_key`: a manager fieldcheck cannot
            // read is an error on the key.
            Some(other) => {
                super::common::unknown_value(
                    em,
                    &d.at,
                    "KeyManager",
                    other,
                    "KMS key managers are AWS and CUSTOMER",
                );
                continue;
            }
        };
        let spec = some(&d.meta.key_spec).or(some(&d.meta.customer_master_key_spec));
        let algorithm = spec.map(|s| {
            if s == "SYMMETRIC_DEFAULT" {
                "AES_256"
            } else {
                s
            }
        });
        let mut path = d.at.path.clone();
        let rotation = match &d.bundled {
            Some(r) => Some(r.clone()),
            None => match rotations.get(&id) {
                Some((r, at, rule)) => {
                    let mut note = format!("rotation status at {}:{}", at.file.shown, at.line);
                    if let Some(n) = rule.note() {
                        note.push_str(&format!(", {n}"));
                    }
                    if r.is_none() {
                        unsupported.add("UnsupportedOperationException");
                    }
                    path = Some(noted(d.at.path(), &note));
                    r.clone()
                }
                None => {
                    // Rotation applies to symmetric keys with AWS-made key material; for the
                    // others `get-key-rotation-status` answers UnsupportedOperationException.
                    let applies = spec.is_none_or(|s| s == "SYMMETRIC_DEFAULT")
                        && some(&d.meta.origin).is_none_or(|o| o == "AWS_KMS");
                    if applies {
                        missing_call(em, &d.at, &id, aws, false);
                    }
                    None
                }
            },
        };
        let (enabled, period) = match &rotation {
            Some(r) => (
                r.key_rotation_enabled,
                r.rotation_period_in_days
                    .or((aws && r.key_rotation_enabled.is_some()).then_some(365)),
            ),
            None => (None, None),
        };
        let cells = vec![
            ("manager", manager.map(str::to_string)),
            ("algorithm", algorithm.map(str::to_string)),
            ("rotation_enabled", enabled.map(|b| b.to_string())),
            ("rotation_period_days", period.map(|p| p.to_string())),
        ];
        emit(em, &d.at, path.as_deref(), &id, &cells);
        rows.insert(id.clone(), cells);
        emitted.insert(id);
    }
    // Keys known only by their rotation status: the row has what the status says; who manages
    // the key and its spec are unknown until `describe-key` is collected.
    let mut only_status: Vec<(&String, &Found)> = rotations
        .iter()
        .filter(|(k, _)| !emitted.contains(*k))
        .collect();
    only_status.sort_by(|a, b| {
        (a.1.1.file.index, a.1.1.line, a.0).cmp(&(b.1.1.file.index, b.1.1.line, b.0))
    });
    for (id, (r, at, rule)) in only_status {
        let Some(r) = r else {
            unsupported.add("UnsupportedOperationException");
            continue;
        };
        let path = rule.note().map(|n| noted(at.path(), &n));
        let cells = vec![
            (
                "rotation_enabled",
                r.key_rotation_enabled.map(|b| b.to_string()),
            ),
            (
                "rotation_period_days",
                r.rotation_period_in_days.map(|p| p.to_string()),
            ),
        ];
        emit(em, at, path.as_deref().or(at.path()), id, &cells);
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceMissingCall,
                format!("key `{id}` has a rotation status but no `describe-key`: who manages it and its key spec are unknown"),
            )
            .file(at.file.shown.clone())
            .line(at.line)
            .help(format!("collect `aws kms describe-key --key-id {id}` into the source's folder")),
        );
        rows.insert(id.clone(), cells);
        emitted.insert(id.clone());
    }
    // Keys listed (list-keys, list-aliases) but neither described nor with a rotation status.
    let aws_aliased: BTreeSet<&String> = aliases
        .iter()
        .filter(|(n, _, _)| n.starts_with("alias/aws/"))
        .map(|(_, k, _)| k)
        .collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for (id, at) in listed
        .iter()
        .map(|(k, at)| (k, at))
        .chain(aliases.iter().map(|(_, k, at)| (k, at)))
    {
        if emitted.contains(id) || rotations.contains_key(id) || !reported.insert(id.clone()) {
            continue;
        }
        missing_call(em, at, id, aws_aliased.contains(id), true);
    }
    // Each alias of a key with a row is a key row too, so a data store that names its key by
    // alias (S3's `KMSMasterKeyID`) joins.
    for (name, target, at) in &aliases {
        if let Some(cells) = rows.get(target) {
            let path = noted(at.path(), &format!("alias of {target}"));
            emit(em, at, Some(&path), name, cells);
        }
    }
    others.report(em);
    if let Some(d) = unsupported.note(
        fieldcheck_kit::Code::SourceSkippedRecords,
        "keys answered UnsupportedOperationException to get-key-rotation-status: rotation does not apply to them",
        "`UnsupportedOperationException` from get-key-rotation-status means rotation does not apply (asymmetric, HMAC, imported or custom key store keys); their rotation is left unknown",
    ) {
        em.diag(d);
    }
}

fn emit(
    em: &mut Emitter,
    at: &At,
    path: Option<&str>,
    id: &str,
    cells: &[(&'static str, Option<String>)],
) {
    let mut r = em
        .row(Kind::Keys, &at.file, at.line, path)
        .set("key_id", id);
    for (f, v) in cells {
        r = r.set(f, v.as_deref());
    }
    r.emit();
}

/// A key whose rotation status was not collected: an error naming the call (a warning for an
/// AWS-managed key, whose rotation no control judges).
fn missing_call(em: &mut Emitter, at: &At, id: &str, aws_managed: bool, undescribed: bool) {
    let (severity, then) = if aws_managed {
        (
            Severity::Warning,
            "its rotation is unknown (AWS rotates AWS-managed keys yearly)",
        )
    } else {
        (
            Severity::Error,
            "its rotation is unknown, never read as on or off, so the keys are not evidenced until it is collected",
        )
    };
    let calls = if undescribed {
        format!(
            "`aws kms describe-key --key-id {id}` and `aws kms get-key-rotation-status --key-id {id}`"
        )
    } else {
        format!("`aws kms get-key-rotation-status --key-id {id}`")
    };
    em.diag(
        Diagnostic::new(
            severity,
            fieldcheck_kit::Code::SourceMissingCall,
            format!("key `{id}` has no rotation status in the source"),
        )
        .file(at.file.shown.clone())
        .line(at.line)
        .help(format!("collect {calls} into the source's folder; {then}")),
    );
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
        // Key …0003 is customer-managed and symmetric, and no rotation status was collected:
        // an error naming the call, never a guess.
        assert_eq!(
            out.codes(),
            ["bad-json", "source-missing-call", "source-skipped-records"]
        );
        assert_eq!(
            (out.diags[0].file.as_deref(), out.diags[0].line),
            (Some("kms/b-described.json"), Some(11))
        );
        assert_eq!(out.diags[1].severity, fieldcheck_kit::Severity::Error);
        assert!(
            out.diags[1].help.as_deref().unwrap_or("").contains(
                "`aws kms get-key-rotation-status --key-id 0a1b2c3d-aaaa-bbbb-cccc-000000000003`"
            ),
            "{:?}",
            out.diags[1]
        );
        assert!(!out.problems("keys").is_empty());
        assert!(
            out.diags[2]
                .message
                .contains("`UnsupportedOperationException` ×1")
        );
        let o = &out.origins("keys")[2];
        assert_eq!(
            (o.line, o.path.as_deref()),
            (9, Some("#2 $ (rotation status at kms/c-rotation.json:2)"))
        );
    }

    // `aws kms describe-key` of a customer-managed multi-Region key, from the AWS CLI Command
    // Reference, describe-key Example 3
    // (https://docs.aws.amazon.com/cli/latest/reference/kms/describe-key.html).
    const DESCRIBE_MRK: &str = r#"{
    "KeyMetadata": {
        "MultiRegion": true,
        "AWSAccountId": "111122223333",
        "Arn": "arn:aws:kms:ap-northeast-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "CreationDate": "2021-06-28T21:09:16.114000+00:00",
        "Description": "",
        "Enabled": true,
        "KeyId": "mrk-1234abcd12ab34cd56ef1234567890ab",
        "KeyManager": "CUSTOMER",
        "KeyState": "Enabled",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": [
            "SYMMETRIC_DEFAULT"
        ]
    }
}"#;
    // `aws kms get-key-rotation-status` as older CLI versions print it, without `KeyId`: the
    // AWS CLI Command Reference's earlier example, and botocore's GetKeyRotationStatus example
    // (botocore/data/kms/2014-11-01/examples-1.json).
    const STATUS_NO_KEY: &str = "{\n    \"KeyRotationEnabled\": true\n}\n";
    // The current CLI Command Reference example (get-key-rotation-status), with `KeyId` and
    // `RotationPeriodInDays`.
    const STATUS_DOCUMENTED: &str = r#"{
    "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "KeyRotationEnabled": true,
    "NextRotationDate": "2024-02-14T18:14:33.587000+00:00",
    "RotationPeriodInDays": 365
}"#;
    fn described(id: &str) -> String {
        format!(
            r#"{{"KeyMetadata": {{"KeyId": "{id}", "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS"}}}}"#
        )
    }
    const BLOCK: &str = "[[sources]]\nadapter = \"aws-kms\"\npath = \"exports/aws/kms/*\"";

    fn keys(files: &[(&str, &[u8])]) -> (Vec<String>, crate::testkit::Out) {
        let out = run(BLOCK, files);
        (out.rows("keys").iter().map(flat).collect(), out)
    }

    #[test]
    fn a_status_without_key_id_takes_its_key_from_the_file_name() {
        // The collector's name, and a hand-saved name with the first group of a known key id.
        let k2 = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let d2 = described(k2);
        let (rows, out) = keys(&[
            (
                "exports/aws/kms/describe-key-mrk.json",
                DESCRIBE_MRK.as_bytes(),
            ),
            (
                "exports/aws/kms/get-key-rotation-status-mrk-1234abcd12ab34cd56ef1234567890ab.json",
                STATUS_NO_KEY.as_bytes(),
            ),
            ("exports/aws/kms/kms-describe-key-data.json", d2.as_bytes()),
            (
                "exports/aws/kms/kms-rotation-1234abcd.json",
                b"{\"KeyRotationEnabled\": false}",
            ),
        ]);
        assert_eq!(
            rows,
            [
                "algorithm=AES_256|key_id=mrk-1234abcd12ab34cd56ef1234567890ab|manager=customer|rotation_enabled=true",
                format!("algorithm=AES_256|key_id={k2}|manager=customer|rotation_enabled=false")
                    .as_str(),
            ]
        );
        assert!(out.diags.is_empty(), "{:?}", out.diags);
        let o = out.origins("keys");
        assert_eq!(
            o[0].path.as_deref(),
            Some(
                "$ (rotation status at exports/aws/kms/get-key-rotation-status-mrk-1234abcd12ab34cd56ef1234567890ab.json:1, key id from the file name)"
            )
        );
        assert!(
            o[1].path
                .as_deref()
                .unwrap_or("")
                .ends_with(", key id from the file name)"),
            "{o:?}"
        );
    }

    #[test]
    fn rotation_on_is_never_read_as_off_when_no_rule_names_the_key() {
        // Two described keys, and a status that names neither (the issue's case): the keys'
        // rotation is unknown and the source is incomplete, never `rotation_enabled=false`.
        let (a, b) = (
            described("0a1b2c3d-aaaa-bbbb-cccc-00000000000a"),
            described("0a1b2c3d-aaaa-bbbb-cccc-00000000000b"),
        );
        let (rows, out) = keys(&[
            ("exports/aws/kms/a.json", a.as_bytes()),
            ("exports/aws/kms/b.json", b.as_bytes()),
            ("exports/aws/kms/rotation.json", STATUS_NO_KEY.as_bytes()),
        ]);
        assert!(
            rows.iter().all(|r| !r.contains("rotation_enabled")),
            "{rows:?}"
        );
        assert_eq!(
            out.codes(),
            [
                "source-unnamed-resource",
                "source-missing-call",
                "source-missing-call"
            ]
        );
        assert!(
            out.diags
                .iter()
                .all(|d| d.severity == fieldcheck_kit::Severity::Error)
        );
        assert!(!out.problems("keys").is_empty());
    }

    #[test]
    fn a_status_takes_its_key_from_the_describe_key_beside_it() {
        let k = "0a1b2c3d-aaaa-bbbb-cccc-00000000000c";
        let same = format!("{}\n{STATUS_NO_KEY}", described(k));
        let (rows, out) = keys(&[("exports/aws/kms/prod-key.json", same.as_bytes())]);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].contains("rotation_enabled=true"), "{rows:?}");
        assert!(
            out.origins("keys")[0]
                .path
                .as_deref()
                .unwrap_or("")
                .contains("key from the describe-key in the same file")
        );
        assert!(out.diags.is_empty(), "{:?}", out.diags);
        // Boundary: two keys described in the file, so the file names no one key.
        let two = format!(
            "{}\n{}\n{STATUS_NO_KEY}",
            described(k),
            described("0a1b2c3d-aaaa-bbbb-cccc-00000000000d")
        );
        let (rows, out) = keys(&[("exports/aws/kms/prod-keys.json", two.as_bytes())]);
        assert!(
            rows.iter().all(|r| !r.contains("rotation_enabled")),
            "{rows:?}"
        );
        assert_eq!(out.codes()[0], "source-unnamed-resource");
    }

    #[test]
    fn a_status_takes_its_key_from_the_describe_key_file_of_the_same_name() {
        let k = described("0a1b2c3d-aaaa-bbbb-cccc-00000000000e");
        let (rows, out) = keys(&[
            ("exports/aws/kms/describe-key-prod-data.json", k.as_bytes()),
            (
                "exports/aws/kms/get-key-rotation-status-prod-data.json",
                STATUS_NO_KEY.as_bytes(),
            ),
        ]);
        assert!(rows[0].contains("rotation_enabled=true"), "{rows:?}");
        assert!(
            out.origins("keys")[0]
                .path
                .as_deref()
                .unwrap_or("")
                .contains(
                    "key from the describe-key in `exports/aws/kms/describe-key-prod-data.json`"
                )
        );
        // Boundary: another resource's name.
        let (rows, out) = keys(&[
            ("exports/aws/kms/describe-key-prod-data.json", k.as_bytes()),
            (
                "exports/aws/kms/get-key-rotation-status-staging.json",
                STATUS_NO_KEY.as_bytes(),
            ),
        ]);
        assert!(!rows[0].contains("rotation_enabled"), "{rows:?}");
        assert_eq!(
            out.codes(),
            ["source-unnamed-resource", "source-missing-call"]
        );
    }

    // `aws kms list-aliases` and `aws kms list-keys` from the AWS CLI Command Reference
    // (https://docs.aws.amazon.com/cli/latest/reference/kms/list-aliases.html, Example 1, without
    // its `...`; https://docs.aws.amazon.com/cli/latest/reference/kms/list-keys.html).
    const ALIASES: &str = r#"{
    "Aliases": [
        {
            "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/testKey",
            "AliasName": "alias/testKey",
            "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"
        },
        {
            "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/FinanceDept",
            "AliasName": "alias/FinanceDept",
            "TargetKeyId": "0987dcba-09fe-87dc-65ba-ab0987654321"
        },
        {
            "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/aws/dynamodb",
            "AliasName": "alias/aws/dynamodb",
            "TargetKeyId": "1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d"
        },
        {
            "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/aws/ebs",
            "AliasName": "alias/aws/ebs",
            "TargetKeyId": "0987ab65-43cd-21ef-09ab-87654321cdef"
        }
    ]
}"#;
    const LIST_KEYS: &str = r#"{
    "Keys": [
        {
            "KeyArn": "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"
        },
        {
            "KeyArn": "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321",
            "KeyId": "0987dcba-09fe-87dc-65ba-ab0987654321"
        },
        {
            "KeyArn": "arn:aws:kms:us-east-2:111122223333:key/1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d",
            "KeyId": "1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d"
        }
    ]
}"#;

    #[test]
    fn aliases_are_used_list_keys_is_noted_and_keys_without_a_status_are_named() {
        let k = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let d = described(k);
        let (rows, out) = keys(&[
            ("exports/aws/kms/describe-key-1234abcd.json", d.as_bytes()),
            (
                "exports/aws/kms/get-key-rotation-status-1234abcd.json",
                STATUS_DOCUMENTED.as_bytes(),
            ),
            ("exports/aws/kms/list-aliases.json", ALIASES.as_bytes()),
            ("exports/aws/kms/list-keys.json", LIST_KEYS.as_bytes()),
            (
                "exports/aws/kms/list-key-policies.json",
                br#"{"PolicyNames": ["default"], "Truncated": false}"#,
            ),
        ]);
        assert_eq!(
            rows,
            [
                format!("algorithm=AES_256|key_id={k}|manager=customer|rotation_enabled=true|rotation_period_days=365"),
                "algorithm=AES_256|key_id=alias/testKey|manager=customer|rotation_enabled=true|rotation_period_days=365".to_string(),
            ]
        );
        assert_eq!(
            out.origins("keys")[1].path.as_deref(),
            Some("$.Aliases[0] (alias of 1234abcd-12ab-34cd-56ef-1234567890ab)")
        );
        // FinanceDept's key is customer-managed or unknown: an error naming both calls; the
        // AWS-managed keys (alias/aws/...) are warnings; list-keys and another call are noted.
        let d: Vec<(&str, fieldcheck_kit::Severity, String)> = out
            .diags
            .iter()
            .map(|d| (d.code.as_str(), d.severity, d.message.clone()))
            .collect();
        use fieldcheck_kit::Severity::*;
        assert_eq!(
            d,
            [
                ("source-missing-call", Error, "key `0987dcba-09fe-87dc-65ba-ab0987654321` has no rotation status in the source".to_string()),
                ("source-missing-call", Warning, "key `1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d` has no rotation status in the source".to_string()),
                ("source-missing-call", Warning, "key `0987ab65-43cd-21ef-09ab-87654321cdef` has no rotation status in the source".to_string()),
                ("source-other-call", Note, "2 outputs of other AWS CLI calls were read and not used: `list-keys in exports/aws/kms/list-keys.json` ×1, `{\"PolicyNames\"} in exports/aws/kms/list-key-policies.json` ×1".to_string()),
            ],
        );
        assert!(out.diags[0].help.as_deref().unwrap_or("").contains("`aws kms describe-key --key-id 0987dcba-09fe-87dc-65ba-ab0987654321` and `aws kms get-key-rotation-status --key-id 0987dcba-09fe-87dc-65ba-ab0987654321`"));
    }
}
