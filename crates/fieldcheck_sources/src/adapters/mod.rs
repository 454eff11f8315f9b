//! The built-in adapters, one module per source system.

use crate::Adapter;

mod aws_iam;
mod entra;
mod mapping;
mod okta;
mod okta_iga;

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
    &mapping::MAPPING,
];
