//! The built-in adapters, one module per source system.

use crate::Adapter;

mod mapping;
mod okta;

/// Every built-in adapter, in the order `fieldcheck sources` lists them.
pub(crate) static ALL: &[&Adapter] = &[
    &okta::USERS,
    &okta::SYSTEM_LOG,
    &mapping::WORKDAY,
    &mapping::BAMBOOHR,
    &mapping::MAPPING,
];
