//! A whole AWS account saved by hand with `aws ... --output json > file`, under the names a user
//! picks and the names the collector writes, run through `fieldcheck ingest`: the exact
//! canonical rows, and the provenance that says how each resource was named.

mod common;

use std::path::Path;

use common::{fieldcheck, s, text};

const CONFIG: &str = "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n[[sources]]\nadapter = \"aws-iam-credential-report\"\npath = \"exports/aws/iam/*.json\"\nsystem_id = \"aws-prod\"\nemail_domain = \"acme.com\"\n\n[[sources]]\nadapter = \"aws-kms\"\npath = \"exports/aws/kms/*.json\"\n\n[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"exports/aws/s3/*.json\"\nsystem_id = \"aws-prod\"\nregion = \"us-east-1\"\n\n[[sources]]\nadapter = \"aws-elbv2\"\npath = \"exports/aws/elbv2/*.json\"\nsystem_id = \"aws-prod\"\n";

const SYSTEMS: &str = "system_id,name,kind,tier,in_scope,classification,rto_minutes,owner_id\naws-prod,AWS production,cloud,1,true,confidential,240,\n";

/// `aws iam get-credential-report --output json`: the report (root, alice, svc-ci) in base64.
const REPORT: &str = "{\n    \"Content\": \"dXNlcixhcm4sdXNlcl9jcmVhdGlvbl90aW1lLHBhc3N3b3JkX2VuYWJsZWQscGFzc3dvcmRfbGFzdF91c2VkLHBhc3N3b3JkX2xhc3RfY2hhbmdlZCxwYXNzd29yZF9uZXh0X3JvdGF0aW9uLG1mYV9hY3RpdmUsYWNjZXNzX2tleV8xX2FjdGl2ZSxhY2Nlc3Nfa2V5XzFfbGFzdF9yb3RhdGVkLGFjY2Vzc19rZXlfMV9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzFfbGFzdF91c2VkX3JlZ2lvbixhY2Nlc3Nfa2V5XzFfbGFzdF91c2VkX3NlcnZpY2UsYWNjZXNzX2tleV8yX2FjdGl2ZSxhY2Nlc3Nfa2V5XzJfbGFzdF9yb3RhdGVkLGFjY2Vzc19rZXlfMl9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzJfbGFzdF91c2VkX3JlZ2lvbixhY2Nlc3Nfa2V5XzJfbGFzdF91c2VkX3NlcnZpY2UsY2VydF8xX2FjdGl2ZSxjZXJ0XzFfbGFzdF9yb3RhdGVkLGNlcnRfMl9hY3RpdmUsY2VydF8yX2xhc3Rfcm90YXRlZAo8cm9vdF9hY2NvdW50Pixhcm46YXdzOmlhbTo6MTExMTIyMjIzMzMzOnJvb3QsMjAxOS0wNS0wNVQxMDowMDowMCswMDowMCxub3Rfc3VwcG9ydGVkLDIwMjYtMDEtMDNUMDg6MTI6NDQrMDA6MDAsbm90X3N1cHBvcnRlZCxub3Rfc3VwcG9ydGVkLHRydWUsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZhbHNlLE4vQSxOL0EsTi9BLE4vQSxmYWxzZSxOL0EsZmFsc2UsTi9BCmFsaWNlLGFybjphd3M6aWFtOjoxMTExMjIyMjMzMzM6dXNlci9hbGljZSwyMDIzLTAyLTAxVDA5OjAwOjAwKzAwOjAwLHRydWUsMjAyNi0wMy0zMFQwNzo0MTowMiswMDowMCwyMDI2LTAxLTE1VDA5OjAwOjAwKzAwOjAwLE4vQSxmYWxzZSxmYWxzZSxOL0EsTi9BLE4vQSxOL0EsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZhbHNlLE4vQSxmYWxzZSxOL0EKc3ZjLWNpLGFybjphd3M6aWFtOjoxMTExMjIyMjMzMzM6dXNlci9zdmMtY2ksMjAyMi0wNi0xMFQxMjowMDowMCswMDowMCxmYWxzZSxOL0EsTi9BLE4vQSxmYWxzZSx0cnVlLDIwMjYtMDItMTBUMTI6MDU6MDArMDA6MDAsTi9BLE4vQSxOL0EsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZhbHNlLE4vQSxmYWxzZSxOL0EK\",\n    \"ReportFormat\": \"text/csv\",\n    \"GeneratedTime\": \"2026-06-30T09:00:00+00:00\"\n}\n";

const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const AWS_KEY: &str = "b8a9477d-836c-491f-857e-07937918959b";

fn files() -> Vec<(String, String)> {
    vec![
        ("exports/aws/iam/get-credential-report.json".into(), REPORT.into()),
        // Another IAM call saved in the same folder.
        ("exports/aws/iam/list-users.json".into(), r#"{"Users": [{"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice"}]}"#.into()),
        // The AWS CLI Command Reference's describe-key shape (a customer key, and the
        // AWS-managed key for S3).
        ("exports/aws/kms/describe-key-1234abcd.json".into(), format!(
            "{{\n    \"KeyMetadata\": {{\n        \"AWSAccountId\": \"111122223333\",\n        \"KeyId\": \"{KEY}\",\n        \"Arn\": \"arn:aws:kms:us-east-1:111122223333:key/{KEY}\",\n        \"CreationDate\": \"2024-01-02T10:00:00.000000+00:00\",\n        \"Enabled\": true,\n        \"KeyUsage\": \"ENCRYPT_DECRYPT\",\n        \"KeyState\": \"Enabled\",\n        \"Origin\": \"AWS_KMS\",\n        \"KeyManager\": \"CUSTOMER\",\n        \"KeySpec\": \"SYMMETRIC_DEFAULT\",\n        \"CustomerMasterKeySpec\": \"SYMMETRIC_DEFAULT\"\n    }}\n}}\n")),
        ("exports/aws/kms/describe-key-alias-aws-s3.json".into(), format!(
            "{{\"KeyMetadata\": {{\"KeyId\": \"{AWS_KEY}\", \"KeyManager\": \"AWS\", \"CustomerMasterKeySpec\": \"SYMMETRIC_DEFAULT\", \"Origin\": \"AWS_KMS\"}}}}\n")),
        // A CLI version that prints no KeyId, saved by hand under the key's first group, and
        // one saved by the collector's name.
        ("exports/aws/kms/kms-rotation-1234abcd.json".into(), "{\n    \"KeyRotationEnabled\": true,\n    \"RotationPeriodInDays\": 180\n}\n".into()),
        (format!("exports/aws/kms/get-key-rotation-status-{AWS_KEY}.json"), "{\n    \"KeyRotationEnabled\": true\n}\n".into()),
        ("exports/aws/kms/list-aliases.json".into(), format!(
            "{{\"Aliases\": [{{\"AliasArn\": \"arn:aws:kms:us-east-1:111122223333:alias/acme-data\", \"AliasName\": \"alias/acme-data\", \"TargetKeyId\": \"{KEY}\"}},\n {{\"AliasArn\": \"arn:aws:kms:us-east-1:111122223333:alias/aws/s3\", \"AliasName\": \"alias/aws/s3\", \"TargetKeyId\": \"{AWS_KEY}\"}},\n {{\"AliasArn\": \"arn:aws:kms:us-east-1:111122223333:alias/aws/rds\", \"AliasName\": \"alias/aws/rds\"}}]}}\n")),
        ("exports/aws/kms/list-keys.json".into(), format!(
            "{{\"Keys\": [{{\"KeyArn\": \"arn:aws:kms:us-east-1:111122223333:key/{KEY}\", \"KeyId\": \"{KEY}\"}}, {{\"KeyArn\": \"arn:aws:kms:us-east-1:111122223333:key/{AWS_KEY}\", \"KeyId\": \"{AWS_KEY}\"}}], \"Truncated\": false}}\n")),
        ("exports/aws/s3/list-buckets.json".into(), "{\n    \"Buckets\": [\n        {\"Name\": \"acme\", \"CreationDate\": \"2023-01-10T16:43:29+00:00\"},\n        {\"Name\": \"acme-backups\", \"CreationDate\": \"2023-02-13T23:47:18+00:00\"},\n        {\"Name\": \"acme-logs\", \"CreationDate\": \"2023-05-01T02:36:34+00:00\"}\n    ],\n    \"Owner\": {\"DisplayName\": \"acme-aws\", \"ID\": \"a1b2c3d4e5f6\"}\n}\n".into()),
        ("exports/aws/s3/s3-get-bucket-encryption-acme-backups.json".into(), "{\n    \"ServerSideEncryptionConfiguration\": {\n        \"Rules\": [\n            {\n                \"ApplyServerSideEncryptionByDefault\": {\n                    \"SSEAlgorithm\": \"aws:kms\",\n                    \"KMSMasterKeyID\": \"arn:aws:kms:us-east-1:111122223333:alias/acme-data\"\n                },\n                \"BucketKeyEnabled\": true\n            }\n        ]\n    }\n}\n".into()),
        // stderr saved by `2>&1 > get-bucket-encryption-acme-logs.json`.
        ("exports/aws/s3/get-bucket-encryption-acme-logs.json".into(), "\nAn error occurred (ServerSideEncryptionConfigurationNotFoundError) when calling the GetBucketEncryption operation: The server side encryption configuration was not found\n".into()),
        ("exports/aws/s3/get-bucket-encryption-acme.json".into(), "{\n    \"ServerSideEncryptionConfiguration\": {\n        \"Rules\": [\n            {\n                \"ApplyServerSideEncryptionByDefault\": {\n                    \"SSEAlgorithm\": \"AES256\"\n                }\n            }\n        ]\n    }\n}\n".into()),
        ("exports/aws/elbv2/describe-listeners.json".into(), r#"{"Listeners": [{"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2", "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188", "Port": 443, "Protocol": "HTTPS", "SslPolicy": "acme-tls12", "DefaultActions": [{"Type": "forward"}]}]}"#.into()),
        ("exports/aws/elbv2/describe-load-balancers.json".into(), r#"{"LoadBalancers": [{"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188", "LoadBalancerName": "prod-alb", "Scheme": "internet-facing", "Type": "application"}]}"#.into()),
        ("exports/aws/elbv2/describe-ssl-policies.json".into(), r#"{"SslPolicies": [{"Name": "acme-tls12", "SslProtocols": ["TLSv1.2"], "Ciphers": [{"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 1}], "SupportedLoadBalancerTypes": ["application"]}]}"#.into()),
    ]
}

fn write(dir: &Path, files: &[(String, String)]) {
    std::fs::write(dir.join("fieldcheck.toml"), CONFIG).expect("config");
    std::fs::write(dir.join("systems.csv"), SYSTEMS).expect("systems");
    fieldcheck_testkit::write_files(dir, files);
}

fn ingest(dir: &Path) -> (i32, String, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("tmp");
    let o = fieldcheck(&["ingest", s(dir), "--out", s(&out.path().join("kit"))]);
    (o.status.code().unwrap_or(-1), text(&o.stderr), out)
}

fn read(out: &tempfile::TempDir, file: &str) -> String {
    std::fs::read_to_string(out.path().join("kit").join(file)).unwrap_or_default()
}

#[test]
fn a_hand_saved_account_reads_as_the_cli_printed_it() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), &files());
    let (code, err, out) = ingest(dir.path());
    assert_eq!(code, 0, "{err}");
    // list-users and list-keys are other calls: noted, nothing lost.
    assert!(err.contains("note[source-other-call]: 1 output of another AWS CLI call was read and not used: `{\"Users\"} in exports/aws/iam/list-users.json` ×1"), "{err}");
    assert!(
        err.contains("`list-keys in exports/aws/kms/list-keys.json` ×1"),
        "{err}"
    );
    assert!(!err.contains("error") && !err.contains("warning"), "{err}");
    assert_eq!(
        read(&out, "keys.csv"),
        format!(
            "key_id,manager,algorithm,rotation_enabled,rotation_period_days\n\
             {KEY},customer,AES_256,true,180\n\
             {AWS_KEY},provider,AES_256,true,365\n\
             alias/acme-data,customer,AES_256,true,180\n\
             alias/aws/s3,provider,AES_256,true,365\n"
        )
    );
    // Each bucket by its list-buckets name (never `s3-get-bucket-encryption-acme-backups`), the
    // CLI's not-found text as no default encryption, and the alias ARN as the alias.
    assert_eq!(
        read(&out, "data_stores.csv"),
        "resource_id,system_id,kind,primary_id,region,encrypted,key_id\n\
         acme-logs,aws-prod,bucket,,us-east-1,false,\n\
         acme,aws-prod,bucket,,us-east-1,true,\n\
         acme-backups,aws-prod,bucket,,us-east-1,true,alias/acme-data\n"
    );
    // The policy's suites as describe-ssl-policies lists them; whether they are weak is the
    // encryption control's judgement, so `weak_ciphers` stays empty (issue 12).
    assert_eq!(
        read(&out, "endpoints.csv"),
        "endpoint_id,system_id,exposure,tls_min_version,weak_ciphers,policy_name,ciphers\n\
         arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2,aws-prod,public,1.2,,acme-tls12,ECDHE-RSA-AES128-GCM-SHA256\n"
    );
    assert_eq!(
        read(&out, "accounts.csv"),
        "system_id,account_id,kind,person_id,owner_id,privileged,status,created_at,disabled_at,interactive,mfa\n\
         aws-prod,<root_account>,service,,,true,active,2019-05-05T10:00:00Z,,true,enforced\n\
         aws-prod,alice,human,alice@acme.com,,,active,2023-02-01T09:00:00Z,,true,not_enforced\n\
         aws-prod,svc-ci,service,,,,active,2022-06-10T12:00:00Z,,false,not_applicable\n"
    );
    assert_eq!(
        read(&out, "credentials.csv"),
        "system_id,account_id,credential_id,type,created_at,revoked_at\n\
         aws-prod,alice,arn:aws:iam::111122223333:user/alice#password@2026-01-15T09:00:00Z,password,2026-01-15T09:00:00Z,\n\
         aws-prod,svc-ci,arn:aws:iam::111122223333:user/svc-ci#access_key_1@2026-02-10T12:05:00Z,access_key,2026-02-10T12:05:00Z,\n"
    );
    // The provenance names the rule behind every resource the CLI output did not name, and when
    // the credential report was generated.
    let prov = read(&out, "provenance.csv");
    for line in [
        "accounts.csv,3,aws-iam-credential-report,exports/aws/iam/get-credential-report.json,1,\"$.Content (report line 3, generated 2026-06-30T09:00:00Z)\"",
        "data_stores.csv,2,aws-s3-encryption,exports/aws/s3/get-bucket-encryption-acme-logs.json,1,$ (bucket from list-buckets at exports/aws/s3/list-buckets.json:5)",
        "data_stores.csv,4,aws-s3-encryption,exports/aws/s3/s3-get-bucket-encryption-acme-backups.json,1,$ (bucket from list-buckets at exports/aws/s3/list-buckets.json:4)",
        "keys.csv,2,aws-kms,exports/aws/kms/describe-key-1234abcd.json,1,\"$ (rotation status at exports/aws/kms/kms-rotation-1234abcd.json:1, key id from the file name)\"",
        "keys.csv,4,aws-kms,exports/aws/kms/list-aliases.json,1,$.Aliases[0] (alias of 1234abcd-12ab-34cd-56ef-1234567890ab)",
        "endpoints.csv,2,aws-elbv2,exports/aws/elbv2/describe-listeners.json,1,$.Listeners[0] (policy from describe-ssl-policies at exports/aws/elbv2/describe-ssl-policies.json:1)",
    ] {
        assert!(prov.lines().any(|l| l == line), "{line}\n{prov}");
    }
}

#[test]
fn a_rotation_status_no_rule_can_name_is_never_read_as_rotation_off() {
    // The same account, with the keyless status saved as `kms-rotation.json`: its key cannot be
    // told, so the customer key's rotation stays unknown and the encryption control is not
    // evidenced, instead of a false `rotation_disabled`.
    let dir = tempfile::tempdir().expect("tmp");
    let files: Vec<(String, String)> = files()
        .into_iter()
        .map(|(n, c)| (n.replace("kms-rotation-1234abcd", "kms-rotation"), c))
        .collect();
    write(dir.path(), &files);
    let (code, err, out) = ingest(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[source-unnamed-resource]"), "{err}");
    assert!(
        err.contains(&format!(
            "collect `aws kms get-key-rotation-status --key-id {KEY}`"
        )),
        "{err}"
    );
    assert!(
        read(&out, "keys.csv").contains(&format!("\n{KEY},customer,AES_256,,\n")),
        "{}",
        read(&out, "keys.csv")
    );
    let v = common::audit_json(&[s(dir.path())]);
    let enc = common::control(&v, "encryption");
    assert_eq!(enc["status"], "not_evidenced", "{enc}");
    // The control is not evidenced because of the adapter's error: whatever its key-rotation
    // test lists for the unknown key is not a finding.
    assert!(
        enc["reason"]
            .as_str()
            .is_some_and(|r| r.contains("aws-kms")),
        "{}",
        enc["reason"]
    );
}
