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
mod ciso_assistant;
mod common;
mod entra;
mod github;
mod gitlab;
mod jira;
mod knowbe4;
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
    &github::GITHUB,
    &gitlab::GITLAB,
    &jira::JIRA,
    &aws_backup::BACKUP,
    &aws_cloudtrail::CLOUDTRAIL,
    &aws_ssm::SESSIONS,
    &sshd::SSHD,
    &aws_kms::KMS,
    &aws_s3::S3,
    &aws_rds::RDS,
    &aws_elbv2::ELBV2,
    &knowbe4::KNOWBE4,
    &ciso_assistant::CISO_ASSISTANT,
    &mapping::MAPPING,
];

#[cfg(test)]
mod tests {
    use fieldcheck_kit::parse_config;

    #[test]
    fn every_example_is_a_valid_source_block() {
        for a in super::ALL {
            let text = format!(
                "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n{}\n",
                a.spec.example
            );
            let (config, diags) = parse_config("fieldcheck.toml", &text);
            let config = config.unwrap_or_else(|| panic!("{}: {diags:?}", a.spec.name));
            let mut d = Vec::new();
            crate::Options::parse(&config.sources[0], a.spec, "fieldcheck.toml", &mut d);
            assert!(d.is_empty(), "{}: {d:?}", a.spec.name);
            assert!(
                a.spec
                    .example
                    .contains(&format!("adapter = \"{}\"", a.spec.name))
            );
            if a.spec.needs_system {
                assert!(a.spec.example.contains("system_id = "), "{}", a.spec.name);
            }
        }
    }
}
