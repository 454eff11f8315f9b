//! The AWS collector's description. Its implementation is the `fieldcheck_aws` crate, built only
//! with the CLI's `aws` feature; the description is here so that `fieldcheck sources` and
//! `pull --dry-run` show it in every build.

use crate::spec::{CallSpec, CollectorSpec};

/// The AWS collector.
pub static AWS: CollectorSpec = CollectorSpec {
    name: "aws",
    system: "Amazon Web Services",
    calls: &[CallSpec {
        name: "iam-credential-report",
        request: "iam:GenerateCredentialReport, iam:GetCredentialReport",
        scope: "iam:GenerateCredentialReport, iam:GetCredentialReport",
        events: false,
    }],
    options: &[],
    secrets: &[],
    sources: &[],
    example: "[[collectors]]\ncollector = \"aws\"\nregion = \"us-east-1\"\nsystem_id = \"aws-prod\"\n",
};
