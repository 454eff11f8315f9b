//! Helpers shared by the AWS adapters (IAM, Backup, CloudTrail, SSM, KMS, S3, RDS, ELBv2) and
//! `sshd`: timestamps with diagnostics, system maps, counted notes, and recognising which AWS CLI
//! call printed a file by its content (its top-level keys), never by its name.

use std::collections::BTreeMap;

use fieldcheck_kit::{Diagnostic, Severity};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::emit::Emitter;
use crate::json::Element;
use crate::read::{At, bad_json, json_file};
use crate::{Input, SourceFile};

/// The first 64 KiB of a source file (decompressed when gzip), read without reporting anything:
/// the reader that opens the file next reports what is wrong with it. Only a regular file inside
/// the config's folder is opened.
pub(crate) fn head(input: &Input<'_>, f: &SourceFile) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    if let Ok(h) = fieldcheck_kit::fsafe::open(&f.path, Some(input.root)) {
        let _ = crate::read::decompressed(h)
            .take(64 * 1024)
            .read_to_end(&mut head);
    }
    head
}

/// The first byte of `head` that is not whitespace or a UTF-8 byte-order mark.
pub(crate) fn first_byte(head: &[u8]) -> Option<u8> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).copied()
}

/// The AWS CLI's error text, as saved from stderr: `An error occurred (Code) when calling the
/// Operation operation: message`.
pub(crate) struct CliError {
    /// The error code (`ServerSideEncryptionConfigurationNotFoundError`, `AccessDenied`).
    pub code: String,
    /// The whole message, trimmed (at most 300 characters).
    pub text: String,
}

/// The AWS CLI error text in `head`, if the file is one.
pub(crate) fn cli_error(head: &[u8]) -> Option<CliError> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim();
    let rest = text.strip_prefix("An error occurred (")?;
    let code = &rest[..rest.find(')')?];
    Some(CliError {
        code: code.to_string(),
        text: super::common::clip(text.lines().next().unwrap_or(text)),
    })
}

/// Whether a raw record is a whole JSON document (not an element of one of the source's arrays).
pub(crate) fn whole(el: &Element<'_>) -> bool {
    el.key.is_none() && el.index.is_none()
}

/// The top-level keys of a JSON object, sorted (none when it is not an object).
pub(crate) fn top_keys(bytes: &[u8]) -> Vec<String> {
    serde_json::from_slice::<BTreeMap<String, serde::de::IgnoredAny>>(bytes)
        .map(|m| m.into_keys().collect())
        .unwrap_or_default()
}

/// Whether `k` could be a top-level key of an AWS CLI output: a name of ASCII letters and digits
/// (`Listeners`, `trailList`), at most 128 bytes.
fn cli_key(k: &str) -> bool {
    k.len() <= 128
        && k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Paging and envelope keys that say nothing about which call printed a document.
const PAGING: &[&str] = &[
    "NextToken",
    "Marker",
    "NextMarker",
    "IsTruncated",
    "Truncated",
    "ContinuationToken",
    "Owner",
    "ResponseMetadata",
];

/// A JSON path with the provenance rule that named its resource: `$ (key id from the file name)`.
pub(crate) fn noted(path: Option<&str>, note: &str) -> String {
    format!("{} ({note})", path.unwrap_or("$"))
}

/// Outputs of other AWS CLI calls found among a source's files (`list-tags-for-resource`,
/// `describe-trails`, `list-backup-vaults`): read, not used, and reported once as a note.
#[derive(Default)]
pub(crate) struct OtherCalls(Counts);

impl OtherCalls {
    /// Counts an output of another call, in `file`, shown as `label`.
    pub fn add(&mut self, file: &str, label: &str) {
        self.0.add(format!("{label} in {file}"));
    }

    /// Counts a document by its top-level keys. A key the AWS CLI could not have printed (not a
    /// short name of letters and digits: a damaged file, bytes pasted into a key) is not another call but a
    /// damaged document, and an error on it: the records it held are lost.
    pub fn add_keys(&mut self, at: &At, keys: &[String], em: &mut Emitter) {
        if let Some(bad) = keys.iter().find(|k| !cli_key(k)) {
            at.bad(
                em,
                fieldcheck_kit::Code::BadJson,
                format!(
                    "the document's top-level key `{}` ({} bytes) is not a key the AWS CLI prints",
                    super::common::clip(bad),
                    bad.len()
                ),
                "the file is damaged (bytes inside a key): save the call's output again; nothing in this document was read",
            );
            return;
        }
        let shown: Vec<String> = keys
            .iter()
            .filter(|k| !PAGING.contains(&k.as_str()))
            .take(3)
            .map(|k| format!("\"{k}\""))
            .collect();
        let shown = if shown.is_empty() {
            keys.iter()
                .take(3)
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            shown.join(", ")
        };
        self.add(&at.file.shown, &format!("{{{shown}}}"));
    }

    /// Reports them as one note (nothing when none).
    pub fn report(&self, em: &mut Emitter) {
        let what = if self.0.total() == 1 {
            "output of another AWS CLI call was read and not used"
        } else {
            "outputs of other AWS CLI calls were read and not used"
        };
        if let Some(d) = self.0.note(
            fieldcheck_kit::Code::SourceOtherCall,
            what,
            "the source's folder holds calls it does not read (`fieldcheck sources` lists what it reads); they were skipped and nothing of theirs is evidence",
        ) {
            em.diag(d);
        }
    }
}

/// Reads every JSON record of the source's files as `T`, except whole documents whose top-level
/// keys name none of `ours` (the output of another AWS CLI call saved in the same folder), which
/// are counted in `others`. `recognised` says whether a parsed whole document is the adapter's
/// own; only documents it does not recognise have their keys looked at, so the hot path parses
/// each record once.
pub(crate) fn records<T: DeserializeOwned>(
    input: &Input<'_>,
    em: &mut Emitter,
    ours: &[&str],
    others: &mut OtherCalls,
    recognised: &dyn Fn(&T) -> bool,
    each: &mut dyn FnMut(T, &At, &mut Emitter),
) {
    for f in input.files {
        json_file(input, f, em, &mut |el, at, em| {
            let parsed = serde_json::from_slice::<T>(el.bytes);
            if whole(el) && parsed.as_ref().map_or(true, |t| !recognised(t)) {
                let keys = top_keys(el.bytes);
                if !keys.is_empty() && !keys.iter().any(|k| ours.contains(&k.as_str())) {
                    others.add_keys(at, &keys, em);
                    return;
                }
            }
            match parsed {
                Ok(t) => each(t, at, em),
                Err(e) => bad_json(em, at, &e, input.spec.reads),
            }
        });
    }
}

/// A timestamp field of an AWS answer (always with an offset): see [`super::common::time_in`].
pub(crate) fn time(
    v: &Value,
    field: &str,
    at: &At,
    em: &mut Emitter,
    then: &str,
) -> Result<Option<Timestamp>, ()> {
    super::common::time_in(v, None, field, at, em, then)
}

/// The system a resource belongs to: the first `map` entry (in file order) whose key equals one
/// of `names` or matches `names[0]` as a glob; else `fallback`.
pub(crate) fn system_for(
    map: &[(String, String)],
    names: &[&str],
    fallback: Option<&str>,
) -> Option<String> {
    map.iter()
        .find(|(k, _)| {
            names.iter().any(|n| !n.is_empty() && n == k)
                || names
                    .first()
                    .is_some_and(|n| !n.is_empty() && crate::files::matches(k, n))
        })
        .map(|(_, v)| v.clone())
        .or_else(|| fallback.map(str::to_string))
}

/// Counts of things skipped, by label.
#[derive(Default)]
pub(crate) struct Counts(pub BTreeMap<String, u64>);

impl Counts {
    /// Counts one `label`.
    pub fn add(&mut self, label: impl Into<String>) {
        *self.0.entry(label.into()).or_default() += 1;
    }

    /// The total.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The labels, most frequent first (at most `n`), as `` `label` ×k ``.
    pub fn top(&self, n: usize) -> String {
        let mut v: Vec<(&String, &u64)> = self.0.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut s: Vec<String> = v
            .iter()
            .take(n)
            .map(|(l, k)| format!("`{l}` ×{k}"))
            .collect();
        if v.len() > n {
            s.push(format!("and {} more", v.len() - n));
        }
        s.join(", ")
    }

    /// Reports the counts as one Note (nothing when empty): `{total} {what}: {top}`.
    pub fn note(&self, code: fieldcheck_kit::Code, what: &str, help: &str) -> Option<Diagnostic> {
        self.report(Severity::Note, code, what, help)
    }

    /// Reports the counts as one diagnostic of `severity` (nothing when empty).
    pub fn report(
        &self,
        severity: Severity,
        code: fieldcheck_kit::Code,
        what: &str,
        help: &str,
    ) -> Option<Diagnostic> {
        let total = self.total();
        (total > 0).then(|| {
            Diagnostic::new(severity, code, format!("{total} {what}: {}", self.top(5)))
                .help(help.to_string())
        })
    }
}

/// Reports one warning per resource that no system claims (`resources` → record count).
pub(crate) fn no_system_warnings(
    em: &mut Emitter,
    resources: &BTreeMap<String, u64>,
    what: &str,
    option: &str,
) {
    for (r, n) in resources {
        em.diag(
            Diagnostic::warning(
                fieldcheck_kit::Code::SourceNoSystem,
                format!(
                    "{n} {what}{} of `{r}` skipped: no system claims it",
                    if *n == 1 { "" } else { "s" }
                ),
            )
            .help(format!(
                "map it in the source's `{option}` option or set the source's `system_id`"
            )),
        );
    }
}

/// `s` or "s" for plurals.
pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The last segment of an ARN (after the last `/` or `:`).
pub(crate) fn arn_last(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// A trimmed, non-sentinel string.
pub(crate) fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().and_then(crate::value::present)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_example_block_is_a_valid_source() {
        for name in [
            "aws-backup",
            "aws-cloudtrail",
            "aws-ssm-sessions",
            "sshd",
            "aws-kms",
            "aws-s3-encryption",
            "aws-rds",
            "aws-elbv2",
        ] {
            let a = crate::adapter(name).expect("registered");
            let text = format!(
                "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n{}\n",
                a.spec.example
            );
            let (config, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
            let config = config.unwrap_or_else(|| panic!("{name}: {diags:?}"));
            let mut d = Vec::new();
            crate::Options::parse(&config.sources[0], a.spec, "fieldcheck.toml", &mut d);
            assert!(d.is_empty(), "{name}: {d:?}");
        }
    }

    // Payloads from the AWS CLI Command Reference (https://docs.aws.amazon.com/cli/latest/reference/):
    // rds/describe-db-snapshots Example 1, cloudtrail/lookup-events and cloudtrail/describe-trails,
    // ssm/describe-sessions Example 2 (without its `...`), backup/list-backup-jobs Example 2.
    const DB_SNAPSHOTS: &str = r#"{
    "DBSnapshots": [
        {
            "DBSnapshotIdentifier": "mydbsnapshot",
            "DBInstanceIdentifier": "mysqldb",
            "SnapshotCreateTime": "2018-02-08T22:28:08.598Z",
            "Engine": "mysql",
            "AllocatedStorage": 20,
            "Status": "available",
            "Port": 3306,
            "AvailabilityZone": "us-east-1f",
            "VpcId": "vpc-6594f31c",
            "InstanceCreateTime": "2018-02-08T22:24:55.973Z",
            "MasterUsername": "mysqladmin",
            "EngineVersion": "5.6.37",
            "LicenseModel": "general-public-license",
            "SnapshotType": "manual",
            "OptionGroupName": "default:mysql-5-6",
            "PercentProgress": 100,
            "StorageType": "gp2",
            "Encrypted": false,
            "DBSnapshotArn": "arn:aws:rds:us-east-1:123456789012:snapshot:mydbsnapshot",
            "IAMDatabaseAuthenticationEnabled": false,
            "ProcessorFeatures": [],
            "DbiResourceId": "db-AKIAIOSFODNN7EXAMPLE"
        }
    ]
}"#;
    const LOOKUP_EVENTS: &str = r#"{
    "Events": [
       {
           "EventId": "654ccbc0-ba0d-486a-9076-dbf7274677a7",
           "Username": "my-session-name",
           "EventTime": "2021-11-18T09:41:02-08:00",
           "CloudTrailEvent": "{\"eventVersion\":\"1.02\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"AROAJIKPFTA72SWU4L7T4:my-session-name\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/my-role/my-session-name\",\"accountId\":\"123456789012\",\"sessionContext\":{\"attributes\":{\"mfaAuthenticated\":\"false\",\"creationDate\":\"2016-01-26T21:42:12Z\"},\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROAJIKPFTA72SWU4L7T4\",\"arn\":\"arn:aws:iam::123456789012:role/my-role\",\"accountId\":\"123456789012\",\"userName\":\"my-role\"}}},\"eventTime\":\"2016-01-26T21:42:12Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"72.21.198.70\",\"userAgent\":\"Mozilla/5.0\",\"requestParameters\":null,\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"additionalEventData\":{\"MobileVersion\":\"No\",\"MFAUsed\":\"No\"},\"eventID\":\"654ccbc0-ba0d-486a-9076-dbf7274677a7\",\"eventType\":\"AwsConsoleSignIn\",\"recipientAccountId\":\"123456789012\"}",
           "EventName": "ConsoleLogin",
           "Resources": []
       }
    ]
}"#;
    const DESCRIBE_TRAILS: &str = r#"{
    "trailList": [
        {
            "IncludeGlobalServiceEvents": true,
            "Name": "Trail1",
            "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/Trail1",
            "LogFileValidationEnabled": false,
            "IsMultiRegionTrail": false,
            "S3BucketName": "amzn-s3-demo-bucket",
            "HomeRegion": "us-east-1"
        }
    ]
}"#;
    const SESSIONS: &str = r#"{
    "Sessions": [
        {
            "SessionId": "Mary-Major-0022b1eb2b0d9e3bd",
            "Target": "i-1234567890abcdef0",
            "Status": "Terminated",
            "StartDate": 1550520701.256,
            "EndDate": 1550521931.563,
            "Owner": "arn:aws:sts::123456789012:assumed-role/Administrator/Mary-Major"
        }
    ],
    "NextToken": "--token string truncated--"
}"#;
    const BACKUP_JOBS: &str = r#"{
    "BackupJobs": [
        {
            "BackupJobId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222",
            "BackupVaultName": "Default",
            "BackupVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:Default",
            "RecoveryPointArn": "arn:aws:backup:us-west-2:123456789012:recovery-point:a1b2c3d4-5678-90ab-cdef-EXAMPLE33333",
            "ResourceArn": "arn:aws:elasticfilesystem:us-west-2:123456789012:file-system/fs-12345678",
            "CreationDate": 1600721724.77,
            "CompletionDate": 1600721744.488,
            "State": "COMPLETED",
            "PercentDone": "100.0",
            "BackupSizeInBytes": 71,
            "IamRoleArn": "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole",
            "StartBy": 1600725324.77,
            "ResourceType": "EFS"
        }
    ]
}"#;

    #[test]
    fn each_reads_its_cli_output_under_any_name_and_notes_other_calls() {
        for (adapter, kind, own, other) in [
            (
                "aws-rds",
                "data_stores",
                DB_SNAPSHOTS,
                r#"{"DBSubnetGroups": [{"DBSubnetGroupName": "default"}]}"#,
            ),
            ("aws-cloudtrail", "sessions", LOOKUP_EVENTS, DESCRIBE_TRAILS),
            (
                "aws-ssm-sessions",
                "sessions",
                SESSIONS,
                r#"{"InstanceInformationList": [{"InstanceId": "i-1234567890abcdef0", "PingStatus": "Online"}]}"#,
            ),
            (
                "aws-backup",
                "backup_jobs",
                BACKUP_JOBS,
                r#"{"BackupVaultList": [{"BackupVaultName": "Default", "NumberOfRecoveryPoints": 3}]}"#,
            ),
        ] {
            let out = crate::testkit::run(
                &format!(
                    "[[sources]]\nadapter = \"{adapter}\"\npath = \"exports/aws/x/*.json\"\nsystem_id = \"aws-prod\""
                ),
                &[
                    ("exports/aws/x/7f3a-output.json", own.as_bytes()),
                    ("exports/aws/x/list-other.json", other.as_bytes()),
                ],
            );
            assert_eq!(out.rows(kind).len(), 1, "{adapter}: {:?}", out.diags);
            let codes: Vec<&str> = out
                .codes()
                .into_iter()
                .filter(|c| *c != "source-skipped-events")
                .collect();
            assert_eq!(codes, ["source-other-call"], "{adapter}: {:?}", out.diags);
            assert!(
                out.diags
                    .iter()
                    .all(|d| d.severity == fieldcheck_kit::Severity::Note),
                "{adapter}: {:?}",
                out.diags
            );
            assert!(out.problems(kind).is_empty(), "{adapter}");
        }
        // Boundary: a record of the adapter's own call that lacks its id is still an error.
        let out = crate::testkit::run(
            "[[sources]]\nadapter = \"aws-backup\"\npath = \"b/*.json\"\nsystem_id = \"aws-prod\"",
            &[(
                "b/job.json",
                br#"{"BackupJobId": "", "State": "COMPLETED", "CreationDate": 1600721724.77}"#,
            )],
        );
        assert_eq!(out.codes(), ["bad-value"]);
    }
}
