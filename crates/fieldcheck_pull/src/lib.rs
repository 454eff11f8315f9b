//! Collectors: evidence pulled from the systems' own APIs, each response written unedited where
//! the matching `[[sources]]` adapter reads it, with a recorded retrieval for every call.
//!
//! This crate is on the collecting side: it talks to the network and writes files; it never
//! judges. A collector is a [`CollectorSpec`] (metadata as data: the calls it makes, the scopes it
//! needs, the files it writes and the sources that read them) plus an implementation of
//! [`Collector`]. The pull runs in a [`Session`], which stages every file and keeps the
//! [`Retrieval`] records; nothing reaches the kit until the whole pull is complete.

#![deny(missing_docs)]

pub mod aws_spec;
pub mod retrieval;
pub mod session;
pub mod spec;

pub use retrieval::{CallOutcome, PullRecord, Retrieval};
pub use session::{PullError, Saved, Session};
pub use spec::{CallSpec, CollectorSpec, SecretSpec, SourceTemplate};

/// A collector's implementation.
pub trait Collector: Sync {
    /// What it is and what it calls.
    fn spec(&self) -> &'static CollectorSpec;
    /// Pulls every call into the session. An `Err` stops this collector's pull: nothing it
    /// staged reaches the kit.
    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError>;
}
