//! Collectors: evidence pulled from the systems' own APIs, each response written unedited where
//! the matching `[[sources]]` adapter reads it, with a recorded retrieval for every call.
//!
//! This crate is on the collecting side: it talks to the network and writes files; it never
//! judges. A collector is a [`CollectorSpec`] (metadata as data: the calls it makes, the scopes it
//! needs, the files it writes and the sources that read them) plus an implementation of
//! [`Collector`]. The pull runs in a [`Session`], which stages every file and keeps the
//! [`Retrieval`] records; nothing reaches the kit until the whole pull is complete
//! ([`stage::Stage`]).

#![deny(missing_docs)]

use std::collections::BTreeMap;

pub mod aws_spec;
pub mod check;
pub mod collectors;
pub mod error;
pub mod http;
pub mod paging;
pub mod retrieval;
pub mod secrets;
pub mod session;
pub mod spec;
pub mod stage;

pub use check::{Configured, check_collectors};
pub use retrieval::{CallOutcome, PullRecord, Retrieval};
pub use session::{PullError, PullTotals, Saved, Secret, Session};
pub use spec::{CallSpec, CollectorSpec, OptSpec, OptTy, SecretSpec, SourceTemplate};

/// A call as `pull --dry-run` shows it: what would be requested, with which parameters and
/// which scope, without touching the network.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Planned {
    /// The call's name.
    pub call: &'static str,
    /// The request (`GET https://acme.okta.com/api/v1/users`, or the API action).
    pub request: String,
    /// Its parameters.
    pub params: BTreeMap<String, String>,
    /// The permission or scope it needs.
    pub scope: &'static str,
}

/// A collector's implementation.
pub trait Collector: Sync {
    /// What it is and what it calls.
    fn spec(&self) -> &'static CollectorSpec;
    /// Pulls every call into the session. An `Err` stops this collector's pull: nothing it
    /// staged reaches the kit.
    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError>;
    /// The calls a pull would make with this session's options and window (for `--dry-run`):
    /// by default the spec's calls as documented.
    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        let _ = session;
        spec_plan(self.spec())
    }
}

/// A spec's calls as documented, for `--dry-run` when nothing more precise is known.
pub fn spec_plan(spec: &'static CollectorSpec) -> Vec<Planned> {
    spec.calls
        .iter()
        .map(|c| Planned {
            call: c.name,
            request: c.request.to_string(),
            params: BTreeMap::new(),
            scope: c.scope,
        })
        .collect()
}

/// Every HTTP collector built into this crate (the AWS collector is in `fieldcheck_aws`).
pub fn http_collectors() -> Vec<&'static dyn Collector> {
    vec![
        &collectors::okta::OKTA,
        &collectors::entra::ENTRA,
        &collectors::github::GITHUB,
        &collectors::gitlab::GITLAB,
        &collectors::jira::JIRA,
        &collectors::bamboohr::BAMBOOHR,
        &collectors::workday::WORKDAY,
        &collectors::knowbe4::KNOWBE4,
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_source_names_calls_of_its_collector_and_every_call_feeds_a_source_or_is_listed() {
        let specs: Vec<&'static crate::CollectorSpec> = crate::http_collectors()
            .iter()
            .map(|c| c.spec())
            .chain([&crate::aws_spec::AWS])
            .collect();
        for spec in specs {
            assert!(!spec.sources.is_empty(), "{} feeds no source", spec.name);
            for t in spec.sources {
                // The audit checks these calls' coverage; a name that is not a call would make
                // every pull of this source `pull-call-missing`.
                assert!(
                    !t.calls.is_empty(),
                    "{}: {} names no call",
                    spec.name,
                    t.adapter
                );
                for c in t.calls {
                    assert!(
                        spec.calls.iter().any(|s| s.name == *c),
                        "{}: {} names `{c}`, not a call of the collector",
                        spec.name,
                        t.adapter
                    );
                }
            }
        }
    }
}
