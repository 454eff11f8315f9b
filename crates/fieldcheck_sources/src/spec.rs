//! What each adapter is, as data: its name, the export it reads, the record kinds it makes, its
//! options and an example `[[sources]]` block. `fieldcheck sources` prints these, the config is
//! validated against them, and the README's sections follow them.

use fieldcheck_kit::Kind;

/// The type of an adapter option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptTy {
    /// A string.
    Str,
    /// A list of strings (a single string is accepted as a list of one).
    List,
    /// A table of string to string (`{ "Terminated" = "terminated" }`).
    Map,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// Any table (the mapping adapter's `fields`).
    Table,
}

impl OptTy {
    /// How the type is written in messages.
    pub fn describe(self) -> &'static str {
        match self {
            OptTy::Str => "a string",
            OptTy::List => "a list of strings",
            OptTy::Map => "a table of strings",
            OptTy::Bool => "a boolean",
            OptTy::Int => "an integer",
            OptTy::Table => "a table",
        }
    }
}

/// One adapter option.
#[derive(Debug)]
pub struct OptSpec {
    /// The key in `[[sources]]`.
    pub name: &'static str,
    /// Its type.
    pub ty: OptTy,
    /// What it does and its default.
    pub help: &'static str,
}

/// An adapter's description.
#[derive(Debug)]
pub struct Spec {
    /// The name written as `adapter = "..."`.
    pub name: &'static str,
    /// The product.
    pub system: &'static str,
    /// The export or API call that produces the files it reads.
    pub reads: &'static str,
    /// The record kinds it makes.
    pub produces: &'static [Kind],
    /// Whether `system_id` must be set (the records belong to one system).
    pub needs_system: bool,
    /// The keys of the wrapping object whose array holds the records (JSON sources).
    pub containers: &'static [&'static str],
    /// Its options.
    pub options: &'static [OptSpec],
    /// An example `[[sources]]` block.
    pub example: &'static str,
}
