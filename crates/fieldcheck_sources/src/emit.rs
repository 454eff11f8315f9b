//! The adapters' output: canonical rows with their origin, deduplicated, plus diagnostics.

use fieldcheck_kit::{Diagnostic, FastMap, Kind, Origin, RawFile, Severity, SourceRow, Sourced};
use jiff::Timestamp;

use crate::value::ts_cell;

/// A value that can fill a kit cell.
pub trait Cell {
    /// The cell's text, `None` for null.
    fn cell(self) -> Option<String>;
}

impl Cell for &str {
    fn cell(self) -> Option<String> {
        Some(self.to_string())
    }
}
impl Cell for String {
    fn cell(self) -> Option<String> {
        Some(self)
    }
}
impl Cell for &String {
    fn cell(self) -> Option<String> {
        Some(self.clone())
    }
}
impl Cell for Timestamp {
    fn cell(self) -> Option<String> {
        Some(ts_cell(self))
    }
}
impl Cell for bool {
    fn cell(self) -> Option<String> {
        Some(self.to_string())
    }
}
impl Cell for i64 {
    fn cell(self) -> Option<String> {
        Some(self.to_string())
    }
}
impl Cell for u64 {
    fn cell(self) -> Option<String> {
        Some(self.to_string())
    }
}
impl<T: Cell> Cell for Option<T> {
    fn cell(self) -> Option<String> {
        self.and_then(Cell::cell)
    }
}

/// Collects what the sources produce.
pub struct Emitter {
    pub(crate) sourced: Sourced,
    pub(crate) diags: Vec<Diagnostic>,
    seen: Vec<FastMap<u64, Vec<u32>>>,
    /// The current source's system, filled into rows that have a `system_id` and set none.
    pub(crate) system_id: Option<String>,
    /// Identical rows dropped (overlapping exports, repeated pages).
    pub(crate) duplicates: u64,
    /// Diagnostics per file and code, capped (one bad field in a million records is one message).
    cap: fieldcheck_kit::Capped,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            sourced: Sourced::new(),
            diags: Vec::new(),
            seen: vec![FastMap::default(); Kind::ALL.len()],
            system_id: None,
            duplicates: 0,
            cap: Default::default(),
        }
    }
}

/// A raw file being read: its index in the sourced files and its shown path.
#[derive(Clone, Debug)]
pub struct FileId {
    /// Index into the sourced files.
    pub index: u32,
    /// The path as shown.
    pub shown: String,
}

impl Emitter {
    /// Registers a raw file read by `adapter`.
    pub fn open(&mut self, shown: &str, adapter: &str) -> FileId {
        let index = self.sourced.files.len() as u32;
        self.sourced.files.push(RawFile {
            path: shown.to_string(),
            adapter: adapter.to_string(),
            system_id: self.system_id.clone(),
            records: 0,
        });
        FileId {
            index,
            shown: shown.to_string(),
        }
    }

    /// Starts a row of `kind` from `file` at `line` (and JSON `path`).
    pub fn row(&mut self, kind: Kind, file: &FileId, line: u32, path: Option<&str>) -> Row<'_> {
        Row {
            kind,
            cells: vec![None; kind.schema().fields.len()],
            origin: Origin {
                file: file.index,
                line,
                path: path.map(Into::into),
            },
            em: self,
        }
    }

    /// An identities.csv row linking `external_id` in `system_id` to a person (an email).
    pub fn identity(
        &mut self,
        file: &FileId,
        line: u32,
        path: Option<&str>,
        system_id: &str,
        external_id: &str,
        person: &str,
    ) {
        if external_id.is_empty() || person.is_empty() || external_id.eq_ignore_ascii_case(person) {
            return;
        }
        self.row(Kind::Identities, file, line, path)
            .set("system_id", system_id)
            .set("external_id", external_id)
            .set("person_id", person)
            .emit();
    }

    /// Reports a diagnostic (at most 50 of one code per raw file; the rest are counted).
    pub fn diag(&mut self, d: Diagnostic) {
        self.cap.push(&mut self.diags, d);
    }

    /// Notes how many diagnostics the cap left out.
    pub(crate) fn flush_caps(&mut self) {
        self.cap.flush(&mut self.diags);
    }

    /// Reports a problem with one raw record: the record is skipped, the rest of the file is read.
    pub fn bad_record(
        &mut self,
        file: &FileId,
        line: u32,
        path: Option<&str>,
        code: fieldcheck_kit::Code,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let at = path.map(|p| format!(" at {p}")).unwrap_or_default();
        self.diag(
            Diagnostic::new(Severity::Error, code, format!("{}{at}", message.into()))
                .file(file.shown.clone())
                .line(line)
                .help(help.into()),
        );
    }

    fn push(&mut self, kind: Kind, cells: Box<[Option<Box<str>>]>, origin: Origin) {
        use std::hash::BuildHasher;
        // A keyed record (or an identity) read twice is the same record from overlapping
        // exports; a keyless event may legitimately repeat (two sign-ins in the same
        // millisecond), so adapters dedupe events by their own ids.
        if kind != Kind::Identities && kind.schema().key.is_empty() {
            if let Some(f) = self.sourced.files.get_mut(origin.file as usize) {
                f.records += 1;
            }
            self.sourced.rows[kind as usize].push(SourceRow { cells, origin });
            return;
        }
        let hash = fieldcheck_kit::FastState::default().hash_one(&cells);
        let rows = &mut self.sourced.rows[kind as usize];
        let seen = self.seen[kind as usize].entry(hash).or_default();
        if seen.iter().any(|&i| rows[i as usize].cells == cells) {
            // The same person is named in many records: repeated identities are expected.
            if kind != Kind::Identities {
                self.duplicates += 1;
            }
            return;
        }
        seen.push(rows.len() as u32);
        if let Some(f) = self.sourced.files.get_mut(origin.file as usize) {
            f.records += 1;
        }
        rows.push(SourceRow { cells, origin });
    }
}

/// A row being built.
pub struct Row<'e> {
    em: &'e mut Emitter,
    kind: Kind,
    cells: Vec<Option<Box<str>>>,
    origin: Origin,
}

impl Row<'_> {
    /// Sets `field` (a field of the kind's schema).
    pub fn set(mut self, field: &str, v: impl Cell) -> Self {
        let i = self
            .kind
            .schema()
            .index(field)
            .unwrap_or_else(|| panic!("{} has no field {field}", self.kind.stem()));
        self.cells[i] = v.cell().map(|s| s.into_boxed_str());
        self
    }

    /// Adds the row (an identical row already added is dropped).
    pub fn emit(mut self) {
        if let Some(i) = self.kind.schema().index("system_id")
            && self.cells[i].is_none()
            && self.kind != Kind::Identities
        {
            self.cells[i] = self.em.system_id.as_deref().map(Into::into);
        }
        let cells = std::mem::take(&mut self.cells).into_boxed_slice();
        let origin = self.origin.clone();
        self.em.push(self.kind, cells, origin);
    }
}
