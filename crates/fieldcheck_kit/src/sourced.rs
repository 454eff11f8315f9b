//! Canonical rows that come from source adapters rather than from the kit's own files.
//!
//! An adapter translates a raw export (an Okta System Log page, an IAM credential report) into
//! rows of a record kind, written as the kit's text cells, each with its [`Origin`]: the raw file
//! and the line or JSON path it came from. The reader parses these rows exactly like a kit file's
//! rows, so a translated value gets the same validation and the same diagnostics, and every
//! record keeps pointing at the raw evidence behind it.

use crate::records::Kind;

/// A raw file read by a source adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawFile {
    /// The file's path as shown to the user (relative to the kit folder when inside it).
    pub path: String,
    /// The adapter that read it.
    pub adapter: String,
    /// The system the source's records belong to, when configured.
    pub system_id: Option<String>,
    /// The records the adapter made from it.
    pub records: u32,
}

/// Where in a raw file a record came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// Index into [`Sourced::files`] (and [`crate::Kit::raw_files`]).
    pub file: u32,
    /// The 1-based line where the raw record starts.
    pub line: u32,
    /// The raw record's JSON path (`$.Records[17]`), for JSON sources.
    pub path: Option<Box<str>>,
}

/// One translated row: the kind's fields in schema order (`None` or empty is null).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceRow {
    /// The cells, one per schema field.
    pub cells: Box<[Option<Box<str>>]>,
    /// Where it came from.
    pub origin: Origin,
}

/// Everything the configured sources produced.
#[derive(Clone, Debug)]
pub struct Sourced {
    /// The raw files read, in order.
    pub files: Vec<RawFile>,
    /// Rows per kind, indexed by `Kind as usize` (empty when a kind has none).
    pub rows: Vec<Vec<SourceRow>>,
    /// Per kind, the labels of the configured sources that produce it (even when they produced
    /// no row: a source with no deactivation events still evidences that there were none).
    pub declared: Vec<Vec<String>>,
    /// Per kind, problems that make its sourced evidence incomplete (a truncated page).
    pub problems: Vec<Vec<String>>,
    /// What `fieldcheck pull` recorded about the calls behind pulled sources.
    pub pulls: Vec<PulledCall>,
}

/// One API call behind a pulled source, as its collector's `pull.json` records it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PulledCall {
    /// The adapter of the source it feeds.
    pub adapter: String,
    /// The source's system.
    pub system_id: Option<String>,
    /// The `pull.json` it is recorded in, as shown.
    pub record: String,
    /// The call's name (`system-log`).
    pub call: String,
    /// For events: the start of the range asked for (RFC 3339).
    pub from: Option<String>,
    /// For events: the end of the range asked for (RFC 3339).
    pub to: Option<String>,
    /// For configuration state: when it was observed (RFC 3339).
    pub observed_at: Option<String>,
    /// Why the call could not cover the range asked for.
    pub shortfall: Option<String>,
}

impl Default for Sourced {
    fn default() -> Self {
        Sourced::new()
    }
}

impl Sourced {
    /// No sources.
    pub fn new() -> Sourced {
        Sourced {
            files: Vec::new(),
            rows: vec![Vec::new(); Kind::ALL.len()],
            declared: vec![Vec::new(); Kind::ALL.len()],
            problems: vec![Vec::new(); Kind::ALL.len()],
            pulls: Vec::new(),
        }
    }

    /// The rows of one kind.
    pub fn rows(&self, kind: Kind) -> &[SourceRow] {
        self.rows.get(kind as usize).map_or(&[], Vec::as_slice)
    }
}
