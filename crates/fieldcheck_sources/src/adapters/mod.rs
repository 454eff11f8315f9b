//! The built-in adapters, one module per source system.

use crate::Adapter;

mod aws_backup;
mod aws_cloudtrail;
mod aws_elbv2;
mod aws_iam;
mod aws_kms;
mod aws_rds;
mod aws_s3;
mod aws_ssm;
mod awsops;
mod entra;
mod mapping;
mod okta;
mod okta_iga;
mod sshd;

/// Every built-in adapter, in the order `fieldcheck sources` lists them.
pub(crate) static ALL: &[&Adapter] = &[
    &okta::USERS,
    &okta::SYSTEM_LOG,
    &okta_iga::IGA,
    &entra::USERS,
    &entra::AUDIT,
    &entra::ACCESS_REVIEWS,
    &entra::APPS,
    &aws_iam::CREDENTIAL_REPORT,
    &mapping::WORKDAY,
    &mapping::BAMBOOHR,
    &aws_backup::BACKUP,
    &aws_cloudtrail::CLOUDTRAIL,
    &aws_ssm::SESSIONS,
    &sshd::SSHD,
    &aws_kms::KMS,
    &aws_s3::S3,
    &aws_rds::RDS,
    &aws_elbv2::ELBV2,
    &mapping::MAPPING,
];
