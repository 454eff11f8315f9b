//! The AWS collector's description. Its implementation is the `fieldcheck_aws` crate, built only
//! with the CLI's `aws` feature; the description is here so that `fieldcheck sources` and
//! `pull --dry-run` show it in every build.
//!
//! Each call's `scope` is the IAM action the identity the pull runs as needs (the AWS managed
//! policy `SecurityAudit` grants all of them). Files are written under `exports/aws/` as
//! `<service>/<call>[-<resource>].json`; the first folder of a source's path is the service, the
//! key of the collector's `systems` table (`systems = { rds = "prod-db" }`), which names the
//! source's `system_id` in place of the collector's own.

use crate::spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SourceTemplate};

const fn state(name: &'static str, request: &'static str, scope: &'static str) -> CallSpec {
    CallSpec {
        name,
        request,
        scope,
        events: false,
    }
}

const fn events(name: &'static str, request: &'static str, scope: &'static str) -> CallSpec {
    CallSpec {
        name,
        request,
        scope,
        events: true,
    }
}

/// The AWS collector.
pub static AWS: CollectorSpec = CollectorSpec {
    name: "aws",
    system: "Amazon Web Services",
    calls: &[
        state(
            "iam-credential-report",
            "iam:GenerateCredentialReport, then iam:GetCredentialReport (iam/generate-credential-report.json, iam/get-credential-report.json)",
            "iam:GenerateCredentialReport, iam:GetCredentialReport",
        ),
        state(
            "iam-list-users",
            "iam:ListUsers (iam/list-users.json)",
            "iam:ListUsers",
        ),
        state(
            "iam-list-access-keys",
            "iam:ListAccessKeys per user (iam/list-access-keys-<user>.json)",
            "iam:ListAccessKeys",
        ),
        state(
            "iam-list-mfa-devices",
            "iam:ListMFADevices per user (iam/list-mfa-devices-<user>.json)",
            "iam:ListMFADevices",
        ),
        state(
            "kms-list-keys",
            "kms:ListKeys (kms/list-keys.json)",
            "kms:ListKeys",
        ),
        state(
            "kms-list-aliases",
            "kms:ListAliases (kms/list-aliases.json)",
            "kms:ListAliases",
        ),
        state(
            "kms-describe-key",
            "kms:DescribeKey per key (kms/describe-key-<key-id>.json)",
            "kms:DescribeKey",
        ),
        state(
            "kms-get-key-rotation-status",
            "kms:GetKeyRotationStatus per symmetric key (kms/get-key-rotation-status-<key-id>.json)",
            "kms:GetKeyRotationStatus",
        ),
        state(
            "s3-list-buckets",
            "s3:ListBuckets (s3/list-buckets.json)",
            "s3:ListAllMyBuckets",
        ),
        state(
            "s3-get-bucket-encryption",
            "s3:GetBucketEncryption per bucket (s3/get-bucket-encryption-<bucket>.json; a bucket without default encryption: the CLI's error text)",
            "s3:GetEncryptionConfiguration",
        ),
        state(
            "rds-describe-db-instances",
            "rds:DescribeDBInstances (rds/describe-db-instances.json)",
            "rds:DescribeDBInstances",
        ),
        state(
            "rds-describe-db-snapshots",
            "rds:DescribeDBSnapshots (rds/describe-db-snapshots.json)",
            "rds:DescribeDBSnapshots",
        ),
        state(
            "elbv2-describe-load-balancers",
            "elasticloadbalancing:DescribeLoadBalancers (elbv2/describe-load-balancers.json)",
            "elasticloadbalancing:DescribeLoadBalancers",
        ),
        state(
            "elbv2-describe-listeners",
            "elasticloadbalancing:DescribeListeners per load balancer (elbv2/describe-listeners-<name>.json)",
            "elasticloadbalancing:DescribeListeners",
        ),
        state(
            "elbv2-describe-ssl-policies",
            "elasticloadbalancing:DescribeSSLPolicies (elbv2/describe-ssl-policies.json)",
            "elasticloadbalancing:DescribeSSLPolicies",
        ),
        events(
            "cloudtrail-lookup-events",
            "cloudtrail:LookupEvents EventName=ConsoleLogin over the window, the last 90 days at most (cloudtrail/lookup-events-console-login.json)",
            "cloudtrail:LookupEvents",
        ),
        state(
            "cloudtrail-describe-trails",
            "cloudtrail:DescribeTrails (cloudtrail/describe-trails.json)",
            "cloudtrail:DescribeTrails",
        ),
        events(
            "backup-list-backup-jobs",
            "backup:ListBackupJobs created in the window, the last 30 days at most (backup/list-backup-jobs.json)",
            "backup:ListBackupJobs",
        ),
        events(
            "backup-list-restore-jobs",
            "backup:ListRestoreJobs created in the window (backup/list-restore-jobs.json)",
            "backup:ListRestoreJobs",
        ),
        events(
            "ssm-describe-sessions",
            "ssm:DescribeSessions, State History over the window (the last 30 days at most) and State Active (ssm/describe-sessions-history.json, ssm/describe-sessions-active.json)",
            "ssm:DescribeSessions",
        ),
    ],
    options: &[
        OptSpec {
            name: "region",
            ty: OptTy::Str,
            required: false,
            help: "the AWS region (`us-east-1`); default: the SDK's (AWS_REGION, the profile's); also the S3 source's `region`",
        },
        OptSpec {
            name: "system_id",
            ty: OptTy::Str,
            required: true,
            help: "the system the pulled records belong to (a row of systems.csv), for every service `systems` does not name",
        },
        OptSpec {
            name: "systems",
            ty: OptTy::Map,
            required: false,
            help: "service → system_id, for services of another system (`{ rds = \"prod-db\", elbv2 = \"prod-web\" }`; services: iam, kms, s3, rds, elbv2, cloudtrail, backup, ssm); default: none",
        },
        OptSpec {
            name: "profile",
            ty: OptTy::Str,
            required: false,
            help: "a profile of the AWS shared config (`~/.aws/config`; SSO profiles work); default: the SDK's credential chain (AWS_PROFILE, environment, web identity, container and instance roles)",
        },
        OptSpec {
            name: "services",
            ty: OptTy::List,
            required: false,
            help: "the services to pull (iam, kms, s3, rds, elbv2, cloudtrail, backup, ssm); default: all eight",
        },
        OptSpec {
            name: "service_accounts",
            ty: OptTy::List,
            required: false,
            help: "the IAM source's `service_accounts` (IAM user names of service accounts, as globs)",
        },
        OptSpec {
            name: "human_accounts",
            ty: OptTy::List,
            required: false,
            help: "the IAM source's `human_accounts` (IAM user names of human accounts, as globs)",
        },
        OptSpec {
            name: "email_domain",
            ty: OptTy::Str,
            required: false,
            help: "the IAM source's `email_domain` (`alice` → `alice@<domain>`)",
        },
        OptSpec {
            name: "owners",
            ty: OptTy::Map,
            required: false,
            help: "the IAM source's `owners` (service user name → owner)",
        },
    ],
    // The SDK's standard credential chain: environment, `profile` (shared config and SSO),
    // web identity, container and instance roles. No secret is read by fieldcheck itself.
    secrets: &[],
    sources: &[
        SourceTemplate {
            adapter: "aws-iam-credential-report",
            path: "iam/get-credential-report.json",
            calls: &["iam-credential-report"],
            options: &[
                "service_accounts",
                "human_accounts",
                "email_domain",
                "owners",
            ],
        },
        SourceTemplate {
            adapter: "aws-kms",
            path: "kms/*.json",
            calls: &["kms-list-keys", "kms-list-aliases"],
            options: &[],
        },
        SourceTemplate {
            adapter: "aws-s3-encryption",
            path: "s3/*.json",
            calls: &["s3-list-buckets"],
            options: &["region"],
        },
        SourceTemplate {
            adapter: "aws-rds",
            path: "rds/*.json",
            calls: &["rds-describe-db-instances", "rds-describe-db-snapshots"],
            options: &[],
        },
        SourceTemplate {
            adapter: "aws-elbv2",
            path: "elbv2/*.json",
            calls: &[
                "elbv2-describe-load-balancers",
                "elbv2-describe-ssl-policies",
            ],
            options: &[],
        },
        SourceTemplate {
            adapter: "aws-cloudtrail",
            path: "cloudtrail/lookup-events-*.json",
            calls: &["cloudtrail-lookup-events"],
            options: &[],
        },
        SourceTemplate {
            adapter: "aws-backup",
            path: "backup/*.json",
            calls: &["backup-list-backup-jobs", "backup-list-restore-jobs"],
            options: &[],
        },
        SourceTemplate {
            adapter: "aws-ssm-sessions",
            path: "ssm/describe-sessions-*.json",
            calls: &["ssm-describe-sessions"],
            options: &[],
        },
    ],
    example: "[[collectors]]\ncollector = \"aws\"\nregion = \"us-east-1\"\nsystem_id = \"aws-prod\"\nsystems = { rds = \"prod-db\", elbv2 = \"prod-web\" }\n# profile = \"audit\"\n# services = [\"iam\", \"kms\", \"s3\", \"rds\", \"elbv2\", \"cloudtrail\", \"backup\", \"ssm\"]\n",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_names_its_iam_action_and_every_source_a_service_folder() {
        let services = [
            "iam",
            "kms",
            "s3",
            "rds",
            "elbv2",
            "cloudtrail",
            "backup",
            "ssm",
        ];
        for c in AWS.calls {
            let service = c.name.split('-').next().unwrap_or_default();
            assert!(services.contains(&service), "{}", c.name);
            assert!(
                c.scope.split(", ").all(|a| a.contains(':')),
                "{}: {}",
                c.name,
                c.scope
            );
        }
        for s in AWS.sources {
            let folder = s.path.split('/').next().unwrap_or_default();
            assert!(services.contains(&folder), "{}", s.path);
        }
        let mut names: Vec<_> = AWS.calls.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AWS.calls.len());
    }
}
