//! The evidence kit reader: CSV or JSON Lines files in, typed records and diagnostics out.
//!
//! Bad input never stops the reader: a bad row is reported (file, line, column, what to do) and
//! skipped, and the rest of the file is still read. Each file's rejected rows are counted so
//! that the controls that need the file can say they are not evidenced.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::tz::TimeZone;

use crate::diag::{Capped, Diagnostic, did_you_mean};
use crate::fast::{FastMap, FastSet};
use crate::kit::{FileInfo, Kit};
use crate::records::*;
use crate::sourced::Sourced;
use crate::time::{TsError, parse_date, parse_ts};

/// How to read the kit.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Read timestamps without an offset in this zone (`evidence.naive_timestamps = "org"`);
    /// `None` rejects them.
    pub naive_tz: Option<TimeZone>,
    /// The org time zone, in which a bare date in a timestamp field is read (23:59:59 that day);
    /// `None` reads it in UTC.
    pub org_tz: Option<TimeZone>,
    /// The coverage rule for event files (`coverage-gap`), when the window is known.
    pub coverage: Option<crate::coverage::Coverage>,
    /// The folder of the cache of parsed files (`KIT/.fieldcheck/cache`), when one is kept: a
    /// file unchanged since it was cached is not parsed again, and a file that only grew has only
    /// its new rows parsed (see `cache.rs`). `None` reads every file in full and writes nothing.
    pub cache: Option<std::path::PathBuf>,
    /// Files smaller than this are read in full and not cached (parsing them costs less than a
    /// cache file's checks); [`CACHE_MIN_BYTES`] is the command line's.
    pub cache_min_bytes: u64,
}

/// The command line's [`ReadOptions::cache_min_bytes`]: 8 MiB, some 40 ms of parsing. A small
/// kit is then read as without a cache (its first audit writes nothing), and a large one has its
/// large files cached: at 50,000 people, the ten files of 8 MiB or more are 98 % of the kit.
pub const CACHE_MIN_BYTES: u64 = 8 << 20;

impl ReadOptions {
    /// How the config says to read its kit: naive timestamps, the org zone for bare dates, and
    /// the coverage rule over its window.
    pub fn for_config(c: &crate::config::Config) -> ReadOptions {
        ReadOptions {
            naive_tz: c.naive_timestamps_in_org_zone.then(|| c.window.tz.clone()),
            org_tz: Some(c.window.tz.clone()),
            coverage: Some(crate::coverage::Coverage {
                window: c.window.clone(),
                min_monthly: c.coverage_min_monthly,
                accepted: c.accepted_gaps.clone(),
            }),
            cache: None,
            cache_min_bytes: 0,
        }
    }
}

/// The keys seen in one file (kinds have keys of one or two fields), with their line.
use crate::keys::KeySet;

/// The flag marking a key's place as a sourced row's origin index rather than a file line.
const SOURCED: u32 = 1 << 31;

/// At most this many diagnostics of one code are kept per file; the rest are counted.
const MAX_PER_CODE: usize = 50;

/// The longest value a cell may hold, in bytes: no evidence field (an id, a title, a policy
/// name) comes near it, and a longer one would carry its size into every detail and report.
pub const MAX_CELL: usize = 64 * 1024;

/// Reads every record kind found in `dir`. Fails only when `dir` cannot be read at all.
pub fn read_kit(dir: &Path, opts: &ReadOptions) -> io::Result<(Kit, Vec<Diagnostic>)> {
    read_kit_with(dir, opts, &Sourced::new())
}

/// Reads every record kind found in `dir` together with the rows that source adapters made:
/// a kind's records are those of its kit file followed by its sourced rows, validated alike (a key
/// must be unique across both). Fails only when `dir` cannot be read at all.
pub fn read_kit_with(
    dir: &Path,
    opts: &ReadOptions,
    sourced: &Sourced,
) -> io::Result<(Kit, Vec<Diagnostic>)> {
    read_kit_progress(dir, opts, sourced, &crate::NoProgress)
}

/// [`read_kit_with`], reporting the bytes read to `progress` as the step `reading the kit` (its
/// total: the kit files' sizes, and 100 bytes for each sourced row).
pub fn read_kit_progress(
    dir: &Path,
    opts: &ReadOptions,
    sourced: &Sourced,
    progress: &dyn crate::Progress,
) -> io::Result<(Kit, Vec<Diagnostic>)> {
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{}` is not a folder", dir.display()),
        ));
    }
    // Two workers take the files largest first, each into its own partial kit; every kind is read
    // by exactly one worker, so the merge only moves vectors. Diagnostics are kept per kind and
    // joined in kind order: the result does not depend on which worker read what.
    let mut order: Vec<(u64, Kind)> = Kind::ALL
        .iter()
        .map(|&k| {
            let size = |ext: &str| {
                std::fs::metadata(dir.join(format!("{}.{ext}", k.stem()))).map_or(0, |m| m.len())
            };
            let rows = sourced.rows(k).len() as u64 * 100;
            (size("csv") + size("jsonl") + rows, k)
        })
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let total: u64 = order.iter().map(|o| o.0).sum();
    let mut sizes = vec![0u64; Kind::ALL.len()];
    for &(size, kind) in &order {
        sizes[kind as usize] = size;
    }
    // People and identities come first, read by one worker one after the other: the resolver is
    // built from them at once, and each kind read after that is resolved by its worker as soon
    // as it is read, on both threads.
    order.retain(|o| !matches!(o.1, Kind::People | Kind::Identities));
    order.insert(0, (0, Kind::People));
    progress.start("reading the kit", total, crate::Unit::Bytes);
    // Sourced records point into one table of origins, laid out in kind order.
    let mut bases = vec![0u32; Kind::ALL.len()];
    let mut total = 0u32;
    for k in Kind::ALL {
        bases[k as usize] = total;
        total += sourced.rows(k).len() as u32;
    }
    let next = AtomicUsize::new(0);
    let shared: OnceLock<(crate::people::Resolver, Vec<Diagnostic>)> = OnceLock::new();
    let worker = || {
        let mut r = Reader::new(dir, opts, sourced, &bases);
        r.progress = progress;
        let mut part = Kit::empty();
        let mut done: Vec<Done> = Vec::new();
        let mut resolving: Option<crate::people::Cached<'_>> = None;
        // The kinds this worker read before the resolver existed.
        let mut unresolved: Vec<Kind> = Vec::new();
        // The event kinds' rows per month, for the coverage check after the merge.
        let mut counted = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(_, first)) = order.get(i) else {
                break;
            };
            let unit: &[Kind] = if first == Kind::People {
                &[Kind::People, Kind::Identities]
            } else {
                std::slice::from_ref(&order[i].1)
            };
            for &kind in unit {
                (r.kind_size, r.reported) = (sizes[kind as usize], 0);
                let (info, diags) = r.load_into(&mut part, kind);
                // The rest of the kind's share: what the periodic reports left (sourced rows, a
                // file read differently from its size).
                if r.kind_size > r.reported {
                    progress.advance(r.kind_size - r.reported);
                }
                done.push((kind, info, diags));
                if let Some(rule) = &opts.coverage
                    && let Some(c) = crate::coverage::count(&part, kind, rule)
                {
                    counted.push(c);
                }
            }
            if first == Kind::People {
                let _ = shared.set(build_resolver(&mut part, &done, sourced));
            }
            if resolving.is_none() {
                resolving = shared
                    .get()
                    .map(|(resolver, _)| crate::people::Cached::new(resolver));
            }
            match &mut resolving {
                Some(c) => {
                    for &kind in unresolved.iter().chain(unit) {
                        crate::people::apply_kind(&mut part, kind, c);
                    }
                    unresolved.clear();
                }
                None => unresolved.extend_from_slice(unit),
            }
        }
        part.names = std::mem::take(&mut r.names);
        (part, done, unresolved, counted)
    };
    let (parts, panicked) = std::thread::scope(|s| {
        let other = s.spawn(worker);
        let mine = worker();
        match other.join() {
            Ok(theirs) => (vec![mine, theirs], None),
            Err(p) => (vec![mine], Some(p)),
        }
    });
    if let Some(p) = panicked {
        std::panic::resume_unwind(p);
    }
    let mut kit = Kit::empty();
    let mut per_kind: Vec<Vec<Diagnostic>> = vec![Vec::new(); Kind::ALL.len()];
    let mut unresolved = Vec::new();
    let mut counted = Vec::new();
    // The part whose records hold the most names is taken whole (its table and records as they
    // are): the other's names are added to its table and the other's records re-pointed.
    let mut parts = parts;
    parts.sort_by_key(|p| std::cmp::Reverse(p.0.named_records()));
    for (mut part, done, left, count) in parts {
        kit.absorb(&mut part);
        counted.extend(count);
        for (kind, info, diags) in done {
            kit.files[kind as usize] = info;
            per_kind[kind as usize] = diags;
        }
        unresolved.extend(left);
    }
    kit.raw_files = sourced.files.clone();
    kit.pulls = sourced.pulls.clone();
    kit.origins = origins(sourced);
    let mut diags: Vec<Diagnostic> = per_kind.into_iter().flatten().collect();
    // A worker whose last file was read before the other had built the resolver leaves its kinds
    // to be resolved here. Resolving is per record and idempotent, so the records are those of
    // one resolution of the whole kit.
    let (resolver, found) = shared
        .into_inner()
        .expect("the worker that read the people built the resolver");
    let mut c = crate::people::Cached::new(&resolver);
    for kind in unresolved {
        crate::people::apply_kind(&mut kit, kind, &mut c);
    }
    diags.extend(found);
    crate::kit::check_system_references(&kit, &mut diags);
    if let Some(c) = &opts.coverage {
        crate::coverage::check_counted(&mut kit, c, &mut diags, &counted);
    }
    progress.finish();
    Ok((kit, diags))
}

/// A kind a reading worker read: its file's status and diagnostics.
type Done = (Kind, FileInfo, Vec<Diagnostic>);

/// The resolver of the people and identities a reading worker has just read into `part` (`done`:
/// the kinds it read), with the resolution's diagnostics; the identities' own persons are
/// resolved in `part`. They are those of resolving the merged kit: the resolver reads only those
/// two kinds, and the files' names and the sourced rows' origins for the diagnostics' locations.
fn build_resolver(
    part: &mut Kit,
    done: &[Done],
    sourced: &Sourced,
) -> (crate::people::Resolver, Vec<Diagnostic>) {
    for (kind, info, _) in done {
        part.files[*kind as usize] = info.clone();
    }
    part.raw_files = sourced.files.clone();
    part.origins = origins(sourced);
    let mut diags = Vec::new();
    let resolver = crate::people::resolver(part, &mut diags);
    (resolver, diags)
}

/// The origins of the sourced rows, in kind order: what [`Kit::origins`] holds.
fn origins(sourced: &Sourced) -> Vec<crate::sourced::Origin> {
    Kind::ALL
        .iter()
        .flat_map(|&k| sourced.rows(k).iter().map(|r| r.origin.clone()))
        .collect()
}

struct Reader<'a> {
    dir: &'a Path,
    opts: &'a ReadOptions,
    sourced: &'a Sourced,
    /// Per kind, the index of its first sourced row in the kit's origins.
    bases: &'a [u32],
    /// Long ids (emails, ARNs) are shared; short ones are stored inline and need no lookup.
    interner: FastSet<Id>,
    /// The names of the records this reader built (its part of [`Kit::names`]).
    names: Names,
    /// Set by [`Reader::parse_cell`] when a timestamp field held a bare date.
    bare_date: bool,
    /// The user's key for the cache of parsed files, when one is kept.
    key: Option<&'static crate::cache::Key>,
    /// Where the bytes read are reported, every [`ROWS_PER_REPORT`] rows.
    progress: &'a dyn crate::Progress,
    /// The current kind's share of the progress total, and how much of it was reported.
    kind_size: u64,
    reported: u64,
}

/// A kind's kit file and its cache file, for [`Reader::read_cached`].
struct CachedKind<'a> {
    cache: &'a Path,
    key: &'static crate::cache::Key,
    path: &'a Path,
    name: &'a str,
    is_csv: bool,
}

/// Per field of `schema`, whether equal long values are shared through the reader's interner:
/// every field but a kind's single key, whose values are unique.
fn interned_fields(schema: &Schema) -> Vec<bool> {
    schema
        .fields
        .iter()
        .map(|f| !(schema.key.len() == 1 && schema.key[0] == f.name))
        .collect()
}

/// How many rows a file's reader goes between progress reports (a check of a counter per row).
const ROWS_PER_REPORT: u32 = 8192;

/// Empty cells of expected (not required) fields: kept, and reported once per field; and bare
/// dates in timestamp fields, counted per field in a note.
struct Empties {
    /// Per field: how many rows, and the first line.
    seen: Vec<(u32, u32)>,
    /// Per field: how many bare dates, and the first line.
    bare: Vec<(u32, u32)>,
}

impl Empties {
    fn new(schema: &Schema) -> Self {
        Empties {
            seen: vec![(0, 0); schema.fields.len()],
            bare: vec![(0, 0); schema.fields.len()],
        }
    }

    fn note_bare(&mut self, field: usize, line: u32) {
        let e = &mut self.bare[field];
        if e.0 == 0 {
            e.1 = line;
        }
        e.0 += 1;
    }

    fn note(&mut self, field: usize, line: u32) {
        let e = &mut self.seen[field];
        if e.0 == 0 {
            e.1 = line;
        }
        e.0 += 1;
    }

    fn report(&self, schema: &Schema, ctx: &mut FileCtx, diags: &mut Vec<Diagnostic>) {
        for (i, &(n, first)) in self.bare.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let f = &schema.fields[i];
            ctx.push(
                diags,
                Diagnostic::new(
                    crate::diag::Severity::Note,
                    crate::Code::BareDate,
                    format!(
                        "{n} `{}` value{} {} a date without a time (first on line {first}); read as 23:59:59 that day in the org time zone",
                        f.name,
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "is" } else { "are" },
                    ),
                )
                .file(ctx.name.clone())
                .line(first)
                .field(f.name)
                .help(format!("export `{}` with its time and offset where the source has them (`2026-03-06T17:05:00-05:00`)", f.name)),
            );
        }
        for (i, &(n, first)) in self.seen.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let f = &schema.fields[i];
            ctx.push(
                diags,
                Diagnostic::warning(
                    crate::Code::MissingValue,
                    format!(
                        "{n} row{} {} an empty `{}` (first on line {first}); the controls that need it cannot use {}",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "has" } else { "have" },
                        f.name,
                        if n == 1 { "it" } else { "them" }
                    ),
                )
                .file(ctx.name.clone())
                .line(first)
                .field(f.name)
                .help(format!("fill in `{}` ({}) from the source export", f.name, f.ty.describe())),
            );
        }
    }
}

/// Where a CSV row starts in its file (possibly before blank lines that precede it).
struct RowStart {
    byte: u64,
}

/// Per-file bookkeeping: the diagnostic cap and the raw-line lookup for columns.
struct FileCtx {
    /// The file's length in bytes.
    len: u64,
    /// Whether its last byte is a newline.
    ends_with_newline: bool,
    /// Whether a quote open at the start of its last line is closed on it
    /// ([`closes_quote_before_end`]): then a last row whose final field holds a newline is not a
    /// quote left open.
    quote_before_end: bool,
    name: String,
    cap: Capped,
    /// The file's bytes again (as decoded), to show a row's raw line.
    raw: Option<Box<dyn ReadSeek>>,
    raw_lookups: usize,
    /// Where over-long lines were cut from the stream the parser reads.
    cuts: std::rc::Rc<std::cell::RefCell<Cuts>>,
    /// Added to every line the parser counts: the lines before the stream began (a cached file's
    /// new rows are parsed after its header alone).
    line_base: u32,
    /// The cache file being written, row by row; dropped at the first error writing it.
    writer: Option<crate::cache::Writer>,
    /// Set by the CSV parser: where the header ends, the line it stood on at the end, and whether
    /// the last row's final field ended with a newline (a quote left open to the end).
    header_end: u64,
    end_line: u32,
    open_end: bool,
}

/// A source of raw lines: the file, or its decoded text.
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Reads bytes, turning every CR that is not followed by LF into LF, so that LF, CRLF and CR
/// line ends, even mixed in one file, all read the same. The mapping keeps the length, so byte
/// offsets (and the raw-line lookups built on them) stay true. Works in place on the caller's
/// buffer with `memchr`; a CR at the end of a chunk waits for the next byte.
struct CrNorm<R> {
    inner: R,
    /// A CR held back from the end of the last chunk.
    held_cr: bool,
    /// A byte read ahead to decide a held CR, delivered next.
    peeked: Option<u8>,
}

impl<R: Read> Read for CrNorm<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let mut n = 0;
            if self.held_cr {
                out[0] = b'\r';
                n = 1;
            } else if let Some(b) = self.peeked.take() {
                out[0] = b;
                n = 1;
            }
            let tried = out.len() > n;
            let got = if tried {
                self.inner.read(&mut out[n..])?
            } else {
                0
            };
            let eof = tried && got == 0;
            n += got;
            if n == 0 {
                return Ok(0);
            }
            if self.held_cr {
                self.held_cr = false;
                if !tried {
                    // No room to look ahead in `out`: read the next byte aside.
                    let mut one = [0u8; 1];
                    let k = self.inner.read(&mut one)?;
                    if k == 0 || one[0] != b'\n' {
                        out[0] = b'\n';
                    }
                    if k == 1 {
                        self.peeked = Some(one[0]);
                    }
                    return Ok(1);
                }
                if eof || out[1] != b'\n' {
                    out[0] = b'\n';
                }
            }
            let mut i = 0;
            while i < n {
                let Some(p) = memchr::memchr(b'\r', &out[i..n]) else {
                    break;
                };
                let j = i + p;
                if j + 1 < n {
                    if out[j + 1] != b'\n' {
                        out[j] = b'\n';
                    }
                } else if eof {
                    out[j] = b'\n';
                } else {
                    // The next byte decides: hold the CR back.
                    self.held_cr = true;
                    n -= 1;
                }
                i = j + 1;
            }
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

/// The longest line read into memory, in bytes: past it the rest of the line is dropped as it
/// streams by, so a 10 MB cell costs neither time nor memory, and its row is rejected.
const MAX_LINE: u64 = 1 << 20;

/// The size of the reader's buffers. Small enough to stay in a core's L2 cache: the kernel
/// copies a file's pages into a buffer of 128 KiB five times as fast as into one of 1 MiB on
/// this project's machine, and the parser then reads them from the cache (BENCHMARKS.md, tenth
/// round).
pub(crate) const READ_BUF: usize = 128 << 10;

/// Where [`LineCap`] dropped bytes: for each cut, its position in the stream the parser saw
/// and the bytes dropped up to and including it.
#[derive(Default)]
struct Cuts {
    at: Vec<(u64, u64)>,
}

impl Cuts {
    /// Bytes dropped before position `pos` of the parsed stream.
    fn dropped_before(&self, pos: u64) -> u64 {
        let i = self.at.partition_point(|c| c.0 <= pos);
        if i == 0 { 0 } else { self.at[i - 1].1 }
    }

    fn total(&self) -> u64 {
        self.at.last().map_or(0, |c| c.1)
    }

    /// Whether a cut lies in `start..end` of the parsed stream (a record's bytes).
    fn within(&self, start: u64, end: u64) -> bool {
        let i = self.at.partition_point(|c| c.0 < start);
        self.at.get(i).is_some_and(|c| c.0 < end)
    }
}

/// How many records [`Ahead`] reads before the first of them is loaded.
const AHEAD: usize = 32;

/// The CSV records of a file read a few dozen at a time ahead of the one being loaded, so that
/// the names their cells will look up are loaded into the processor's caches together
/// ([`Names::prefetch`]): in a large file of events, each account's lookup in a table of a few
/// hundred thousand would otherwise wait for memory on its own. Records come out in order, each
/// with where it ended and the bytes cut from the stream by then, as reading it one at a time
/// would have seen them.
struct Ahead {
    recs: Vec<csv::ByteRecord>,
    /// Where each record ended, and [`Cuts::total`] then.
    ends: Vec<(csv::Position, u64)>,
    len: usize,
    next: usize,
    /// What ended the batch: `None` while records remain, else the end of the file or an error
    /// (given out once, after the batch's records; reading goes on after an error).
    stop: Option<Result<(), csv::Error>>,
}

impl Ahead {
    fn new() -> Ahead {
        Ahead {
            recs: (0..AHEAD).map(|_| csv::ByteRecord::new()).collect(),
            ends: vec![(csv::Position::new(), 0); AHEAD],
            len: 0,
            next: 0,
            stop: None,
        }
    }

    /// The next record's place in `recs`, `None` at the end of the file, or the error met there.
    fn next<R: Read>(
        &mut self,
        rdr: &mut csv::Reader<R>,
        cuts: &std::cell::RefCell<Cuts>,
        hints: &Hints<'_>,
    ) -> Result<Option<usize>, csv::Error> {
        if self.next == self.len {
            match self.stop.take() {
                Some(Ok(())) => {
                    self.stop = Some(Ok(()));
                    return Ok(None);
                }
                Some(Err(e)) => return Err(e),
                None => {}
            }
            self.fill(rdr, cuts, hints);
            if self.len == 0 {
                return self.next(rdr, cuts, hints);
            }
        }
        self.next += 1;
        Ok(Some(self.next - 1))
    }

    fn fill<R: Read>(
        &mut self,
        rdr: &mut csv::Reader<R>,
        cuts: &std::cell::RefCell<Cuts>,
        hints: &Hints<'_>,
    ) {
        self.len = 0;
        self.next = 0;
        while self.len < AHEAD {
            match rdr.read_byte_record(&mut self.recs[self.len]) {
                Ok(true) => {
                    self.ends[self.len] = (rdr.position().clone(), cuts.borrow().total());
                    self.len += 1;
                }
                Ok(false) => {
                    self.stop = Some(Ok(()));
                    break;
                }
                Err(e) => {
                    self.stop = Some(Err(e));
                    break;
                }
            }
        }
        let recs = &self.recs[..self.len];
        if !hints.named_cols.is_empty() {
            hints.names.prefetch(
                recs.iter()
                    .flat_map(|r| hints.named_cols.iter().filter_map(|&j| r.get(j))),
            );
        }
        if let Some(k) = hints.key_cols.0 {
            hints.keys.prefetch(
                recs.iter()
                    .filter_map(|r| Some((r.get(k)?, hints.key_cols.1.and_then(|j| r.get(j))))),
            );
        }
    }
}

/// What [`Ahead`] fetches for the rows it reads ahead: their names' lookups in `names` (the
/// named columns' cells), and their keys' in `keys` (the key columns' cells).
struct Hints<'a> {
    named_cols: &'a [usize],
    names: &'a Names,
    key_cols: (Option<usize>, Option<usize>),
    keys: &'a KeySet,
}

/// Passes bytes through, dropping whatever of a line lies past [`MAX_LINE`] bytes as it streams
/// by (the line end is kept, so line numbers stay true), and noting where in [`Cuts`]. Reads at
/// most [`MAX_LINE`] bytes at a time, so only a chunk's first and last line can be too long, and
/// finding them is two `memchr` calls.
struct LineCap<R> {
    inner: R,
    /// Bytes of the current line passed or dropped so far.
    run: u64,
    /// Position in the stream passed on.
    out: u64,
    /// Whether the rest of the current line is being dropped.
    dropping: bool,
    cuts: std::rc::Rc<std::cell::RefCell<Cuts>>,
}

impl<R> LineCap<R> {
    fn note_drop(&mut self, at: u64, n: u64, new_cut: bool) {
        let mut cuts = self.cuts.borrow_mut();
        let total = cuts.total() + n;
        if new_cut {
            cuts.at.push((at, total));
        } else if let Some(last) = cuts.at.last_mut() {
            last.1 = total;
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let cap = buf.len().min(MAX_LINE as usize);
        loop {
            let n = self.inner.read(&mut buf[..cap])?;
            if n == 0 {
                return Ok(0);
            }
            // The first line of the chunk continues the current one.
            let first_nl = memchr::memchr(b'\n', &buf[..n]);
            let head = first_nl.unwrap_or(n);
            let keep = if self.dropping {
                0
            } else {
                (MAX_LINE - self.run.min(MAX_LINE)) as usize
            };
            let w = if head > keep {
                // Drop `keep..head` of the first line.
                let new_cut = !self.dropping;
                self.note_drop(self.out + keep as u64, (head - keep) as u64, new_cut);
                buf.copy_within(head..n, keep);
                self.dropping = first_nl.is_none();
                keep + (n - head)
            } else {
                n
            };
            match memchr::memrchr(b'\n', &buf[..w]) {
                Some(last) => {
                    self.run = (w - last - 1) as u64;
                    self.dropping = false;
                }
                None => self.run += head as u64,
            }
            self.out += w as u64;
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// How many of a file's last bytes are read to tell how it ends: its last line, up to the
/// longest cell a row may hold written with every character a doubled quote.
const TAIL: usize = 2 * MAX_CELL + 8;

/// A file of `len` bytes' last bytes, enough to hold its last line up to [`TAIL`] bytes: 4 KiB,
/// and more only when the last line is longer.
fn read_tail<F: Read + Seek>(f: &mut F, len: u64) -> io::Result<Vec<u8>> {
    let mut want = len.min(4096);
    loop {
        let mut b = vec![0u8; want as usize];
        f.seek(SeekFrom::Start(len - want))?;
        f.read_exact(&mut b)?;
        let body = b.strip_suffix(b"\n").unwrap_or(&b);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if want == len || want >= TAIL as u64 || body.iter().any(|&c| c == b'\n' || c == b'\r') {
            return Ok(b);
        }
        want = len.min(TAIL as u64);
    }
}

/// Whether a quote open at the start of the last line of `tail` (a file's last bytes, its final
/// line end left aside) is closed on that line: a quote that is not doubled (`""` is an escaped
/// quote) closes it, whatever follows. A last row whose quoted final field holds a newline
/// (`v2,"b⏎"⏎`, `v2,"b⏎" ⏎`, or without the final line end) is then closed; a quote left open to
/// the end of the file (`v2,"b⏎v3⏎`, `v2,"b⏎c""⏎`) is not. Only asked of a last row whose final
/// field holds a newline, so its last line is the rest of that field.
fn closes_quote_before_end(tail: &[u8]) -> bool {
    let body = tail
        .strip_suffix(b"\r\n")
        .or_else(|| tail.strip_suffix(b"\n"))
        .or_else(|| tail.strip_suffix(b"\r"))
        .unwrap_or(tail);
    let line = match body.iter().rposition(|&b| b == b'\n' || b == b'\r') {
        Some(i) => &body[i + 1..],
        None => body,
    };
    let mut i = 0;
    while i < line.len() {
        if line[i] == b'"' {
            if line.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return true;
        }
        i += 1;
    }
    false
}

/// A kit file opened for reading: its bytes as UTF-8 with LF or CRLF line ends.
struct Input {
    reader: Box<dyn Read>,
    raw: Box<dyn ReadSeek>,
    len: u64,
    ends_with_newline: bool,
    /// Whether a quote open at the start of the file's last line is closed on it
    /// ([`closes_quote_before_end`]).
    quote_before_end: bool,
    /// Whether the bytes read are decoded text (UTF-16), not the file's own.
    decoded: bool,
}

/// Why a kit file could not be read at all.
struct InputError {
    code: crate::Code,
    message: String,
    help: String,
}

/// A kit file's bytes as the reader sees them: opened like a kit file (only a regular file
/// inside `dir`), a UTF-16 file with its byte-order mark decoded, CR-only line ends read as LF.
/// For tools that carry a kit file over as it is (`ingest`).
pub fn kit_file_bytes(path: &Path, dir: &Path) -> Result<Vec<u8>, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut input = open_input(path, dir, &name, None).map_err(|e| e.message)?;
    let mut out = Vec::new();
    input
        .reader
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    Ok(out)
}

/// Opens a kit file: only a regular file inside the kit folder (never a FIFO, a device, a
/// folder or a link out of the kit); a UTF-16 file with a byte-order mark is decoded, and a file
/// whose lines end in CR alone reads like LF.
fn open_input(
    path: &Path,
    dir: &Path,
    name: &str,
    hash: Option<Rc<RefCell<crate::cache::ContentHash>>>,
) -> Result<Input, InputError> {
    let mut file = crate::fsafe::open(path, Some(dir)).map_err(|r| InputError {
        code: crate::Code::NotAFile,
        message: format!("`{name}` {}", r.describe()),
        help: r.help().to_string(),
    })?;
    let io_err = |e: io::Error| InputError {
        code: crate::Code::UnreadableFile,
        message: format!("cannot read `{name}`: {e}"),
        help: "check the file's permissions".into(),
    };
    let len = file.metadata().map_err(io_err)?.len();
    let mut head = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    head.truncate(got);
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let little = head[0] == 0xFF;
        let mut bytes = head;
        file.read_to_end(&mut bytes).map_err(io_err)?;
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if little {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        let odd = (bytes.len() - 2) % 2 == 1;
        let text = match String::from_utf16(&units) {
            Ok(t) if !odd => t,
            _ => {
                return Err(InputError {
                    code: crate::Code::BadEncoding,
                    message: format!(
                        "`{name}` starts with a UTF-16 byte-order mark but is not valid UTF-16"
                    ),
                    help: "save the file as UTF-8".into(),
                });
            }
        };
        let mut bytes = text.into_bytes();
        // Lone CRs end lines, as in any kit file (the same length: offsets stay true).
        for i in 0..bytes.len() {
            if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
                bytes[i] = b'\n';
            }
        }
        let len = bytes.len() as u64;
        let ends_with_newline = bytes.last().is_none_or(|&b| b == b'\n');
        let quote_before_end = closes_quote_before_end(&bytes[bytes.len().saturating_sub(TAIL)..]);
        return Ok(Input {
            reader: Box::new(io::Cursor::new(bytes.clone())),
            raw: Box::new(io::Cursor::new(bytes)),
            len,
            ends_with_newline,
            quote_before_end,
            decoded: true,
        });
    }
    // The file's last bytes: whether it ends with a line end, and after what.
    let tail = if (len as usize) <= head.len() {
        head[head.len().saturating_sub(TAIL)..].to_vec()
    } else {
        let mut f = crate::fsafe::open(path, Some(dir)).map_err(|r| InputError {
            code: crate::Code::NotAFile,
            message: format!("`{name}` {}", r.describe()),
            help: r.help().to_string(),
        })?;
        read_tail(&mut f, len).map_err(io_err)?
    };
    let ends_with_newline = tail.last().is_none_or(|&b| b == b'\n' || b == b'\r');
    let quote_before_end = closes_quote_before_end(&tail);
    let raw = crate::fsafe::open(path, Some(dir)).map_err(|r| InputError {
        code: crate::Code::NotAFile,
        message: format!("`{name}` {}", r.describe()),
        help: r.help().to_string(),
    })?;
    let rest = io::Cursor::new(head).chain(file);
    let reader: Box<dyn Read> = match hash {
        Some(hash) => Box::new(CrNorm {
            inner: crate::cache::Hashing { inner: rest, hash },
            held_cr: false,
            peeked: None,
        }),
        None => Box::new(CrNorm {
            inner: rest,
            held_cr: false,
            peeked: None,
        }),
    };
    Ok(Input {
        reader,
        raw: Box::new(raw),
        len,
        ends_with_newline,
        quote_before_end,
        decoded: false,
    })
}

impl FileCtx {
    fn push(&mut self, diags: &mut Vec<Diagnostic>, d: Diagnostic) {
        self.cap.push(diags, d);
    }

    fn flush(&mut self, diags: &mut Vec<Diagnostic>) {
        self.cap.flush(diags);
    }

    /// Reports that the file could not be read past `line` (a disk or network error): the rest
    /// of its rows are lost, so the file is damaged. Gives the file's problem.
    fn read_failed(
        &mut self,
        diags: &mut Vec<Diagnostic>,
        line: u32,
        e: &dyn std::fmt::Display,
    ) -> String {
        let d = Diagnostic::error(crate::Code::UnreadableFile, format!("read failed: {e}"))
            .file(self.name.clone())
            .line(line)
            .help("the rest of the file was not read; copy or export it again and audit again");
        self.push(diags, d);
        format!("{}: read failed", self.name)
    }

    /// Pushes a diagnostic about a whole CSV row, showing the row's raw line.
    fn push_row(&mut self, diags: &mut Vec<Diagnostic>, mut d: Diagnostic, byte: u64) {
        if let Some(line) = self.raw_line(byte) {
            d = d.snippet(line, 0);
        }
        self.push(diags, d);
    }

    /// The raw text of the line starting at `byte`, read again from the file.
    fn raw_line(&mut self, byte: u64) -> Option<String> {
        self.raw_lookups += 1;
        if self.raw_lookups > MAX_PER_CODE * 4 {
            return None;
        }
        let byte = byte + self.cuts.borrow().dropped_before(byte);
        let f = self.raw.as_mut()?;
        f.seek(SeekFrom::Start(byte)).ok()?;
        let mut buf = vec![0u8; 8192];
        let n = f.read(&mut buf).ok()?;
        buf.truncate(n);
        // Skip the blank lines (and a CRLF's leftover newline) before the row.
        let eol = |b: &u8| *b == b'\n' || *b == b'\r';
        let mut from = 0;
        while let Some(nl) = buf[from..].iter().position(eol) {
            if buf[from..from + nl].iter().all(u8::is_ascii_whitespace) {
                from += nl + 1;
            } else {
                break;
            }
        }
        let rest = &buf[from..];
        let end = rest.iter().position(eol).unwrap_or(rest.len());
        let line = String::from_utf8_lossy(&rest[..end])
            .trim_end_matches('\r')
            .to_string();
        Some(line)
    }
}

/// The 1-based character column and width of CSV field `field` in a raw line.
fn csv_field_span(line: &str, field: usize) -> (u32, u32) {
    let mut idx = 0;
    let mut in_quotes = false;
    let mut start = if field == 0 { Some(0usize) } else { None };
    let mut width = 0u32;
    for (ci, ch) in line.chars().enumerate() {
        if ch == '"' {
            in_quotes = !in_quotes;
        } else if ch == ',' && !in_quotes {
            idx += 1;
            if idx == field {
                start = Some(ci + 1);
                continue;
            }
            if idx > field {
                break;
            }
        }
        if idx == field && start.is_some() {
            width += 1;
        }
    }
    (start.map_or(1, |s| s as u32 + 1), width)
}

enum CellError {
    Bad {
        code: crate::Code,
        message: String,
        help: String,
    },
}

impl<'a> Reader<'a> {
    fn new(dir: &'a Path, opts: &'a ReadOptions, sourced: &'a Sourced, bases: &'a [u32]) -> Self {
        Reader {
            dir,
            opts,
            sourced,
            bases,
            interner: FastSet::default(),
            names: Names::default(),
            bare_date: false,
            key: opts.cache.as_ref().and_then(|_| crate::cache::user_key()),
            progress: &crate::NoProgress,
            kind_size: 0,
            reported: 0,
        }
    }

    /// Reports the current file read up to byte `pos` (capped at the kind's share).
    #[cold]
    fn report(&mut self, pos: u64) {
        let pos = pos.min(self.kind_size);
        if pos > self.reported {
            self.progress.advance(pos - self.reported);
            self.reported = pos;
        }
    }

    fn intern(&mut self, s: &str) -> Id {
        if s.len() <= 23 {
            return Id::new(s);
        }
        if let Some(a) = self.interner.get(s) {
            return a.clone();
        }
        let a = Id::new(s);
        self.interner.insert(a.clone());
        a
    }

    /// Parses one non-empty cell; `intern` shares equal ids (not unique keys or free text).
    fn parse_cell(&mut self, ty: Ty, raw: &str, intern: bool) -> Result<Val, CellError> {
        let bad = |code: crate::Code, message: String, help: String| {
            Err(CellError::Bad {
                code,
                message,
                help,
            })
        };
        match ty {
            Ty::Id | Ty::Person if intern => Ok(Val::Str(self.intern(raw))),
            Ty::Id | Ty::Person | Ty::Text => Ok(Val::Str(Id::new(raw))),
            Ty::Ts if raw.len() == 10 && parse_date(raw).is_ok() => {
                // A bare date (v2): 23:59:59 that day in the org time zone.
                let d = parse_date(raw).expect("checked");
                let tz = self.opts.org_tz.clone().unwrap_or(TimeZone::UTC);
                match d.at(23, 59, 59, 0).to_zoned(tz) {
                    Ok(z) => {
                        self.bare_date = true;
                        Ok(Val::Ts(z.timestamp()))
                    }
                    Err(e) => bad(
                        crate::Code::BadTimestamp,
                        format!("`{raw}` cannot be placed in the org time zone ({e})"),
                        "write it as `2026-03-06T17:05:00-05:00` (date, `T`, time, offset or `Z`)"
                            .into(),
                    ),
                }
            }
            Ty::Ts => match parse_ts(raw, self.opts.naive_tz.as_ref()) {
                Ok(t) => Ok(Val::Ts(t)),
                Err(TsError::Naive) => bad(
                    crate::Code::NaiveTimestamp,
                    format!("timestamp `{raw}` has no offset"),
                    format!(
                        "write it with its offset or `Z`, e.g. `{raw}Z` or `{raw}-05:00`, or set `evidence.naive_timestamps = \"org\"` in fieldcheck.toml to read it in the org time zone"
                    ),
                ),
                Err(TsError::Invalid(_)) => bad(
                    crate::Code::BadTimestamp,
                    format!("`{raw}` is not an RFC 3339 timestamp"),
                    "write it as `2026-03-06T17:05:00-05:00` (date, `T`, time, offset or `Z`)"
                        .into(),
                ),
            },
            Ty::Date => match parse_date(raw) {
                Ok(d) => Ok(Val::Date(d)),
                Err(e) => bad(
                    crate::Code::BadDate,
                    format!("`{raw}` is not a date ({e})"),
                    "write it as `YYYY-MM-DD`, e.g. `2026-03-06`".into(),
                ),
            },
            // Any case, without a lower-cased copy.
            Ty::Bool
                if ["true", "yes", "1"]
                    .iter()
                    .any(|v| raw.eq_ignore_ascii_case(v)) =>
            {
                Ok(Val::Bool(true))
            }
            Ty::Bool
                if ["false", "no", "0"]
                    .iter()
                    .any(|v| raw.eq_ignore_ascii_case(v)) =>
            {
                Ok(Val::Bool(false))
            }
            Ty::Bool => bad(
                crate::Code::BadBool,
                format!("`{raw}` is not a boolean"),
                "use `true` or `false` (`yes`/`no` and `1`/`0` are accepted too)".into(),
            ),
            Ty::Int(lo, hi) => match raw.parse::<i64>() {
                Ok(n) if n >= lo && n <= hi => Ok(Val::Int(n)),
                Ok(n) => bad(
                    crate::Code::OutOfRange,
                    format!("{n} is out of range"),
                    if hi == i64::MAX {
                        format!("use a whole number of at least {lo}")
                    } else {
                        format!("use a whole number from {lo} to {hi}")
                    },
                ),
                Err(_) => bad(
                    crate::Code::BadInt,
                    format!("`{raw}` is not a whole number"),
                    "write digits only, e.g. `3`".into(),
                ),
            },
            Ty::Enum(values) => match enum_index(values, raw) {
                Some(i) => Ok(Val::Enum(i as u8)),
                None => {
                    let lower = raw.to_lowercase().replace([' ', '-'], "_");
                    let hint = values
                        .iter()
                        .find(|v| **v == lower)
                        .copied()
                        .or_else(|| did_you_mean(raw, values.iter().copied()));
                    let list = values
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    bad(
                        crate::Code::UnknownEnumValue,
                        format!("`{raw}` is not one of the accepted values"),
                        match hint {
                            Some(h) => format!("did you mean `{h}`? accepted values: {list}"),
                            None => format!("accepted values: {list}"),
                        },
                    )
                }
            },
        }
    }

    /// Reads one kind's file into `kit`.
    fn load_into(&mut self, kit: &mut Kit, kind: Kind) -> (FileInfo, Vec<Diagnostic>) {
        macro_rules! arms {
            ($($field:ident: $t:ty),* $(,)?) => {
                $(if kind == <$t as Record>::KIND {
                    let (records, info, diags) = self.load_kind::<$t>();
                    kit.$field = records;
                    return (info, diags);
                })*
            };
        }
        crate::kit::for_each_kind!(arms);
        unreachable!("every kind has an arm")
    }

    /// Reads one kind: its kit file, then its sourced rows.
    fn load_kind<T: Record>(&mut self) -> (Vec<T>, FileInfo, Vec<Diagnostic>) {
        let mut keys = KeySet::default();
        let (mut out, mut info, mut diags) = self.load::<T>(&mut keys);
        let kind = T::KIND as usize;
        info.sources = self.sourced.declared[kind].clone();
        if let Some(p) = self.sourced.problems[kind].first() {
            info.problem.get_or_insert_with(|| p.clone());
        }
        if !self.sourced.rows(T::KIND).is_empty() {
            let kit_file = info.name.clone().unwrap_or_else(|| T::KIND.csv_name());
            let stats = self.load_sourced::<T>(&mut keys, &mut out, &mut diags, &kit_file);
            info.rows += stats.rows;
            info.rejected += stats.rejected;
        }
        (out, info, diags)
    }

    /// Describes where a key was seen: a kit file's line, or a sourced row's raw file.
    fn key_place(&self, at: u32, file: &str) -> String {
        if at & SOURCED == 0 {
            return format!("line {at} of `{file}`");
        }
        let i = (at & !SOURCED) as usize;
        let rows = Kind::ALL
            .iter()
            .map(|&k| (self.bases[k as usize] as usize, self.sourced.rows(k)))
            .find(|(base, rows)| i >= *base && i < base + rows.len());
        match rows {
            Some((base, rows)) => {
                let o = &rows[i - base].origin;
                let f = self
                    .sourced
                    .files
                    .get(o.file as usize)
                    .map_or("?", |f| f.path.as_str());
                match &o.path {
                    Some(p) => format!("`{f}` line {} ({p})", o.line),
                    None => format!("`{f}` line {}", o.line),
                }
            }
            None => "an earlier row".to_string(),
        }
    }

    /// Parses a kind's sourced rows like a file's rows.
    fn load_sourced<T: Record>(
        &mut self,
        keys: &mut KeySet,
        out: &mut Vec<T>,
        diags: &mut Vec<Diagnostic>,
        kit_file: &str,
    ) -> Stats {
        let schema = T::KIND.schema();
        let sourced = self.sourced;
        let base = self.bases[T::KIND as usize];
        let mut stats = Stats::default();
        let mut vals: Vec<Val> = vec![Val::Null; schema.fields.len()];
        let interned = interned_fields(schema);
        // Empty expected fields per raw file and field: how many, and the first line. An adapter
        // leaves unknown what its export lacks, and the user must hear about it, as for a kit file.
        let mut empties: std::collections::BTreeMap<(u32, usize), (u32, u32)> = Default::default();
        // Diagnostics are capped per raw file and code, like a kit file's.
        let mut cap = Capped::default();
        let mut push = |diags: &mut Vec<Diagnostic>, d: Diagnostic| cap.push(diags, d);
        for (i, row) in sourced.rows(T::KIND).iter().enumerate() {
            stats.rows += 1;
            let o = &row.origin;
            let file = sourced
                .files
                .get(o.file as usize)
                .map_or("?", |f| f.path.as_str());
            let at = o
                .path
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            let mut ok = true;
            for (fi, f) in schema.fields.iter().enumerate() {
                vals[fi] = Val::Null;
                let raw = row
                    .cells
                    .get(fi)
                    .and_then(|c| c.as_deref())
                    .unwrap_or("")
                    .trim();
                if raw.len() > MAX_CELL {
                    ok = false;
                    push(
                        diags,
                        Diagnostic::error(
                            crate::Code::CellTooLong,
                            format!("a value of {} bytes for `{}.{}`{at}: no evidence field is that long", raw.len(), schema.stem, f.name),
                        )
                        .file(file)
                        .line(o.line)
                        .field(f.name)
                        .help("check the export for a value that swallowed a file; the record was skipped"),
                    );
                    continue;
                }
                if raw.is_empty() {
                    let stood_in = || {
                        crate::records::stand_in(T::KIND, f.name).is_some_and(|j| {
                            row.cells
                                .get(j)
                                .and_then(|c| c.as_deref())
                                .is_some_and(|c| !c.trim().is_empty())
                        })
                    };
                    if f.expected && !f.required && !stood_in() {
                        let e = empties.entry((o.file, fi)).or_insert((0, o.line));
                        e.0 += 1;
                    }
                    if f.required {
                        ok = false;
                        push(
                            diags,
                            Diagnostic::error(
                                crate::Code::RequiredNull,
                                format!("the record{at} has no `{}`, which {} requires", f.name, schema.stem),
                            )
                            .file(file)
                            .line(o.line)
                            .field(f.name)
                            .help("the export lacks a value the evidence kit requires; the record was skipped"),
                        );
                    }
                    continue;
                }
                if T::UNKEPT.contains(&fi) {
                    vals[fi] = Val::Str(Id::default());
                    continue;
                }
                match self.parse_cell(f.ty, raw, interned[fi]) {
                    Ok(v) => {
                        // Adapters count the bare dates of their exports themselves.
                        self.bare_date = false;
                        vals[fi] = v
                    }
                    Err(CellError::Bad {
                        code,
                        message,
                        help,
                    }) => {
                        ok = false;
                        push(
                            diags,
                            Diagnostic::error(
                                code,
                                format!("{message} in `{}.{}`{at}", schema.stem, f.name),
                            )
                            .file(file)
                            .line(o.line)
                            .field(f.name)
                            .help(help),
                        );
                    }
                }
            }
            if !ok {
                stats.rejected += 1;
                continue;
            }
            let idx = base + i as u32;
            match Self::check_key(schema, &vals, idx | SOURCED, keys) {
                Ok(()) => {}
                Err((shown, earlier)) => {
                    let before = self.key_place(earlier, kit_file);
                    push(
                        diags,
                        Diagnostic::error(
                            crate::Code::DuplicateKey,
                            format!(
                                "duplicate key `{shown}` in {}{at}: {before} has the same {}",
                                schema.stem,
                                schema.key.join(" and ")
                            ),
                        )
                        .file(file)
                        .line(o.line)
                        .field(schema.key.join(","))
                        .help("keep one record per key; the earlier one was used and this one was skipped"),
                    );
                    stats.rejected += 1;
                    continue;
                }
            }
            out.push(T::build(
                &mut Vals(&mut vals, &mut self.names),
                Loc {
                    kind: T::KIND,
                    sourced: true,
                    line: idx,
                },
            ));
        }
        for ((file, fi), (n, first)) in empties {
            let f = &schema.fields[fi];
            let shown = sourced
                .files
                .get(file as usize)
                .map_or("?", |r| r.path.as_str());
            let adapter = sourced
                .files
                .get(file as usize)
                .map_or("?", |r| r.adapter.as_str());
            push(
                diags,
                Diagnostic::warning(
                    crate::Code::MissingValue,
                    format!(
                        "{n} {} record{} from this export {} an empty `{}.{}` (first on line {first}); the controls that need it cannot use {}",
                        adapter,
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "has" } else { "have" },
                        schema.stem,
                        f.name,
                        if n == 1 { "it" } else { "them" }
                    ),
                )
                .file(shown)
                .line(first)
                .field(f.name)
                .help(format!(
                    "the export does not give `{}` ({}); add it from another source, or map it in `[sources.fields]`",
                    f.name,
                    f.ty.describe()
                )),
            );
        }
        cap.flush(diags);
        stats
    }

    /// Reads one kind's file: its records, its status and its diagnostics.
    fn load<T: Record>(&mut self, keys: &mut KeySet) -> (Vec<T>, FileInfo, Vec<Diagnostic>) {
        let schema = T::KIND.schema();
        let mut info = FileInfo {
            kind: T::KIND,
            name: None,
            rows: 0,
            rejected: 0,
            problem: None,
            sources: Vec::new(),
            cached: crate::kit::Cached::No,
        };
        let mut diags = Vec::new();
        let csv_path = self.dir.join(format!("{}.csv", schema.stem));
        let jsonl_path = self.dir.join(format!("{}.jsonl", schema.stem));
        // Whatever stands at the name counts as the file (a folder, a FIFO, a broken link): it is
        // refused below, never taken for a missing file.
        let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
        let (has_csv, has_jsonl) = (exists(&csv_path), exists(&jsonl_path));
        if !has_csv && !has_jsonl {
            return (Vec::new(), info, diags);
        }
        if has_csv && has_jsonl {
            let msg = format!(
                "both `{0}.csv` and `{0}.jsonl` exist; only `{0}.csv` was read",
                schema.stem
            );
            diags.push(
                Diagnostic::error(crate::Code::DuplicateFile, msg.clone())
                    .file(format!("{}.jsonl", schema.stem))
                    .help(format!(
                        "keep one file per record kind: remove or rename `{}.jsonl`",
                        schema.stem
                    )),
            );
            info.problem = Some(msg);
        }
        let (path, is_csv) = if has_csv {
            (csv_path, true)
        } else {
            (jsonl_path, false)
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        info.name = Some(name.clone());
        // The cache serves a kind only when its file alone makes its records (no sourced rows)
        // and the file was clean: a second file of the kind is a diagnostic, so it is read.
        let cache = self
            .opts
            .cache
            .as_deref()
            .zip(self.key)
            .filter(|_| self.sourced.rows(T::KIND).is_empty() && info.problem.is_none())
            .filter(|_| {
                std::fs::symlink_metadata(&path).is_ok_and(|m| m.len() >= self.opts.cache_min_bytes)
            })
            .filter(|(dir, _)| crate::cache::usable_dir(self.dir, dir))
            .map(|(dir, key)| (crate::cache::path(dir, schema.stem), key));
        if let Some((cpath, key)) = &cache
            && let Some((out, rows, how)) = self.read_cached::<T>(
                &CachedKind {
                    cache: cpath,
                    key,
                    path: &path,
                    name: &name,
                    is_csv,
                },
                keys,
            )
        {
            info.rows = rows;
            info.cached = how;
            return (out, info, diags);
        }
        let hash = cache
            .as_ref()
            .map(|(_, key)| Rc::new(RefCell::new(key.content())));
        let input = match open_input(&path, self.dir, &name, hash.clone()) {
            Ok(i) => i,
            Err(e) => {
                diags.push(
                    Diagnostic::error(e.code, e.message.clone())
                        .file(name)
                        .help(e.help),
                );
                info.problem = Some(e.message);
                return (Vec::new(), info, diags);
            }
        };
        let cuts = std::rc::Rc::new(std::cell::RefCell::new(Cuts::default()));
        let writer = match (&cache, input.decoded) {
            (Some((dest, key)), false) => {
                crate::cache::Writer::create(dest.clone(), &interned_fields(schema), key).ok()
            }
            _ => None,
        };
        let mut ctx = FileCtx {
            len: input.len,
            ends_with_newline: input.ends_with_newline,
            quote_before_end: input.quote_before_end,
            name,
            cap: Capped::default(),
            raw: Some(input.raw),
            raw_lookups: 0,
            cuts: cuts.clone(),
            line_base: 0,
            writer,
            header_end: 0,
            end_line: 0,
            open_end: false,
        };
        let file: Box<dyn Read> = Box::new(LineCap {
            inner: input.reader,
            run: 0,
            out: 0,
            dropping: false,
            cuts,
        });
        let mut out = Vec::new();
        let stats = if is_csv {
            self.load_csv::<T>(file, schema, &mut ctx, &mut diags, keys, &mut out)
        } else {
            self.load_jsonl::<T>(file, schema, &mut ctx, &mut diags, keys, &mut out)
        };
        ctx.flush(&mut diags);
        // A clean file is cached as read: its size and hash are of the bytes parsed.
        if let (Some(w), Some(hash)) = (ctx.writer.take(), hash)
            && diags.is_empty()
            && stats.rejected == 0
            && stats.problem.is_none()
            // Exactly the file as it was opened (not one that grew while it was read).
            && hash.borrow().len() == ctx.len
        {
            let h = hash.borrow();
            let _ = w.finish(&crate::cache::Meta {
                fingerprint: crate::cache::fingerprint(self.opts),
                name: ctx.name.clone(),
                size: h.len(),
                hash: h.finish(),
                header_end: ctx.header_end,
                end_line: ctx.end_line,
                appendable: is_csv && h.last() == Some(b'\n') && !ctx.open_end,
                rows: stats.rows,
            });
        }
        info.rows = stats.rows;
        info.rejected = stats.rejected;
        if info.problem.is_none() {
            info.problem = stats.problem;
        }
        (out, info, diags)
    }

    /// A kind's records from its cache file, when the cache matches the file (`cache.rs`): all
    /// of them replayed when the file is unchanged, or the cached ones replayed and the new rows
    /// parsed when it only grew. `None` when the file must be read in full (no usable cache, or
    /// new rows that do not read clean); then `keys` is left empty and the names made for the
    /// records not kept are forgotten (`Kit::names` holds only the names of records).
    fn read_cached<T: Record>(
        &mut self,
        at: &CachedKind<'_>,
        keys: &mut KeySet,
    ) -> Option<(Vec<T>, u32, crate::kit::Cached)> {
        let names = self.names.len();
        let read = self.replay_cached::<T>(at, keys);
        if read.is_none() {
            keys.clear();
            self.names.truncate(names);
        }
        read
    }

    /// [`Reader::read_cached`], leaving its state to it when it fails.
    fn replay_cached<T: Record>(
        &mut self,
        at: &CachedKind<'_>,
        keys: &mut KeySet,
    ) -> Option<(Vec<T>, u32, crate::kit::Cached)> {
        let &CachedKind {
            cache: cpath,
            key,
            path,
            name,
            is_csv,
        } = at;
        let schema = T::KIND.schema();
        let mut cached = crate::cache::CacheFile::open(cpath, key)?;
        let meta = cached.meta.clone();
        if meta.name != name || meta.fingerprint != crate::cache::fingerprint(self.opts) {
            return None;
        }
        let mut file = crate::fsafe::open(path, Some(self.dir)).ok()?;
        let size = file.metadata().ok()?.len();
        let grew = size > meta.size && meta.appendable && is_csv;
        if size != meta.size && !grew {
            return None;
        }
        let prefix = crate::cache::hash_prefix(&mut file, meta.size, key).ok()?;
        if prefix.finish() != meta.hash {
            return None;
        }
        // (A row of the file is at least its newline: no count beyond the size is allocated.)
        let mut out: Vec<T> = Vec::with_capacity(cached.records().min(size) as usize);
        // The keys matter only to check new rows against the cached ones: each cached row's
        // key hash is kept, and the new rows' keys are checked among themselves as they are
        // parsed, then against these hashes (a set of the cached keys themselves cost a random
        // probe and insert per row: BENCHMARKS.md, tenth round).
        let keyed = grew && !schema.key.is_empty();
        let mut cached_keys: Vec<u64> = Vec::new();
        if keyed {
            cached_keys.reserve(cached.records().min(size) as usize);
        }
        let replayed = {
            let mut interner = std::mem::take(&mut self.interner);
            let mut intern = |s: &str| -> Id {
                if let Some(a) = interner.get(s) {
                    return a.clone();
                }
                let a = Id::new(s);
                interner.insert(a.clone());
                a
            };
            let mut row = |line: u32, vals: &mut [Val], names: &mut Names| {
                if keyed && let Some((first, second)) = Self::key_parts(schema, vals) {
                    cached_keys.push(KeySet::hash_of(first, second));
                }
                out.push(T::build(&mut Vals(vals, names), Loc::file(T::KIND, line)));
            };
            let done = cached.replay(schema, T::NAMED, &mut intern, &mut self.names, &mut row);
            self.interner = interner;
            done
        };
        replayed?;
        if !grew {
            return Some((out, meta.rows, crate::kit::Cached::Whole));
        }
        // The new bytes, parsed after the cached header with the lines counted on. The header
        // must end with its newline (a lone CR would join the new bytes' first line), and is
        // counted in lines as the parser sees it (a lone CR is a line end).
        if meta.header_end > meta.size || meta.header_end > MAX_LINE {
            return None;
        }
        let mut header = vec![0u8; usize::try_from(meta.header_end).ok()?];
        file.seek(SeekFrom::Start(0)).ok()?;
        file.read_exact(&mut header).ok()?;
        if header.last() != Some(&b'\n') {
            return None;
        }
        let header_lines = header
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && header.get(i + 1) != Some(&b'\n')))
            .count() as u32;
        // Whether the file now ends with a line end, as a full read would see it.
        let tail = read_tail(&mut file, size).ok()?;
        let ends_with_newline = matches!(tail.last(), Some(b'\n' | b'\r'));
        let quote_before_end = closes_quote_before_end(&tail);
        file.seek(SeekFrom::Start(meta.size)).ok()?;
        let hash = Rc::new(RefCell::new(prefix));
        let stream = CrNorm {
            inner: io::Cursor::new(header).chain(crate::cache::Hashing {
                inner: file,
                hash: hash.clone(),
            }),
            held_cr: false,
            peeked: None,
        };
        let cuts = Rc::new(RefCell::new(Cuts::default()));
        let writer = crate::cache::Writer::append(
            cpath.to_path_buf(),
            &interned_fields(schema),
            &cached,
            key,
        )
        .ok();
        let mut ctx = FileCtx {
            len: meta.header_end + (size - meta.size),
            ends_with_newline,
            quote_before_end,
            name: name.to_string(),
            cap: Capped::default(),
            raw: None,
            raw_lookups: 0,
            cuts: cuts.clone(),
            line_base: meta.end_line.checked_sub(1 + header_lines)?,
            writer,
            header_end: 0,
            end_line: 0,
            open_end: false,
        };
        let file: Box<dyn Read> = Box::new(LineCap {
            inner: stream,
            run: 0,
            out: 0,
            dropping: false,
            cuts,
        });
        let mut diags = Vec::new();
        let stats = self.load_csv::<T>(file, schema, &mut ctx, &mut diags, keys, &mut out);
        ctx.flush(&mut diags);
        let h = hash.borrow();
        if !diags.is_empty()
            || stats.rejected > 0
            || stats.problem.is_some()
            || h.len() != size
            || ctx.header_end != meta.header_end
        {
            // Whatever the new rows hold is reported by reading the whole file, as without a
            // cache.
            return None;
        }
        if keyed {
            let new: crate::fast::FastSet<u64> = keys.hashes().collect();
            if cached_keys.iter().any(|h| new.contains(h)) {
                // A new row may give a cached row's key again (or two keys share a hash): the
                // whole file is read, which reports a duplicate naming both lines.
                return None;
            }
        }
        let rows = meta.rows + stats.rows;
        if let Some(w) = ctx.writer.take() {
            let _ = w.finish(&crate::cache::Meta {
                size,
                hash: h.finish(),
                end_line: ctx.end_line,
                appendable: h.last() == Some(b'\n') && !ctx.open_end,
                rows,
                ..meta
            });
        }
        Some((out, rows, crate::kit::Cached::Grown))
    }

    /// Checks the key of a valid row; a duplicate is an error naming both lines.
    #[allow(clippy::result_large_err)] // Rare, and the caller pushes it as is.
    fn check_file_key(
        &self,
        schema: &Schema,
        vals: &[Val],
        line: u32,
        keys: &mut KeySet,
        file: &str,
    ) -> Result<(), Diagnostic> {
        let Err((shown, earlier)) = Self::check_key(schema, vals, line, keys) else {
            return Ok(());
        };
        let before = if earlier & SOURCED == 0 {
            format!("line {earlier}")
        } else {
            self.key_place(earlier, file)
        };
        Err(Diagnostic::error(
            crate::Code::DuplicateKey,
            format!(
                "duplicate key `{shown}`: {before} has the same {}",
                schema.key.join(" and ")
            ),
        )
        .file(file)
        .line(line)
        .field(schema.key.join(","))
        .help(format!(
            "keep one row per key; {before} was used and this one was skipped"
        )))
    }

    /// Records a row's key (`at` is its line, or its origin index with [`SOURCED`] set); a key
    /// seen before gives the key as shown and where it was seen.
    fn check_key(
        schema: &Schema,
        vals: &[Val],
        at: u32,
        keys: &mut KeySet,
    ) -> Result<(), (String, u32)> {
        let Some((first, second)) = Self::key_parts(schema, vals) else {
            return Ok(());
        };
        keys.check(first, second, at).map_err(|earlier| {
            let shown = match second {
                Some(second) => format!("{first}/{second}"),
                None => first.to_string(),
            };
            (shown, earlier)
        })
    }

    /// A valid row's key: its first part, and its second where the schema has two. `None` for
    /// a kind without a key (key columns are never read as names: a test in `kit.rs` checks it).
    fn key_parts<'v>(schema: &Schema, vals: &'v [Val]) -> Option<(&'v str, Option<&'v str>)> {
        let part = |n: usize| -> Option<&'v str> {
            let idx = schema.index(schema.key.get(n)?)?;
            match &vals[idx] {
                Val::Str(s) => Some(s),
                _ => None,
            }
        };
        Some((part(0)?, part(1)))
    }

    #[allow(clippy::too_many_arguments)]
    fn load_csv<T: Record>(
        &mut self,
        file: Box<dyn Read>,
        schema: &'static Schema,
        ctx: &mut FileCtx,
        diags: &mut Vec<Diagnostic>,
        keys: &mut KeySet,
        out: &mut Vec<T>,
    ) -> Stats {
        let mut stats = Stats::default();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(READ_BUF)
            .from_reader(BufReader::with_capacity(READ_BUF, file));
        let mut rec = csv::ByteRecord::new();
        // The header.
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => {
                // A 0-byte file is no evidence of zero records: an export that failed writes one.
                ctx.push(
                    diags,
                    Diagnostic::error(
                        crate::Code::EmptyFile,
                        "the file is empty (not even a header row)",
                    )
                    .file(ctx.name.clone())
                    .line(1)
                    .help(format!(
                        "export the file again; a kind with no records is a header row alone: `{}`",
                        header_line(schema)
                    )),
                );
                stats.problem = Some(format!("{} is empty (0 bytes, no header)", ctx.name));
                return stats;
            }
            Err(e) => {
                let msg = format!("cannot read the header row: {e}");
                ctx.push(
                    diags,
                    Diagnostic::error(crate::Code::BadCsv, msg.clone())
                        .file(ctx.name.clone())
                        .line(1),
                );
                stats.problem = Some(format!("{}: {msg}", ctx.name));
                return stats;
            }
        }
        if ctx.cuts.borrow().within(0, rdr.position().byte()) {
            let msg = format!(
                "the header row is longer than {} MiB: no kit header is that long",
                MAX_LINE >> 20
            );
            ctx.push(
                diags,
                Diagnostic::error(crate::Code::CellTooLong, msg.clone())
                    .file(ctx.name.clone())
                    .line(1)
                    .help(format!(
                        "the first row must be the header: `{}`",
                        header_line(schema)
                    )),
            );
            stats.problem = Some(format!("{}: {msg}", ctx.name));
            while let Ok(true) = rdr.read_byte_record(&mut rec) {
                stats.rows += 1;
                stats.rejected += 1;
            }
            return stats;
        }
        if rec.as_slice().contains(&0) || std::str::from_utf8(rec.as_slice()).is_err() {
            let what = if rec.as_slice().contains(&0) {
                "NUL bytes"
            } else {
                "bytes that are not UTF-8"
            };
            let msg = format!("the header row holds {what}: the file is not UTF-8 text");
            ctx.push(
                diags,
                Diagnostic::error(crate::Code::BadEncoding, msg.clone())
                    .file(ctx.name.clone())
                    .line(1)
                    .help("save the file as UTF-8 (a UTF-16 file is read when it starts with its byte-order mark)"),
            );
            stats.problem = Some(format!("{}: {msg}", ctx.name));
            while let Ok(true) = rdr.read_byte_record(&mut rec) {
                stats.rows += 1;
                stats.rejected += 1;
            }
            return stats;
        }
        ctx.header_end = rdr.position().byte();
        let header: Vec<String> = rec
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let s = String::from_utf8_lossy(h);
                let s = if i == 0 {
                    s.trim_start_matches('\u{feff}').to_string()
                } else {
                    s.into_owned()
                };
                s.trim().to_string()
            })
            .collect();
        let header_raw = header.join(",");
        // Map schema fields to columns.
        let mut col_of: Vec<Option<usize>> = vec![None; schema.fields.len()];
        let mut unknown = Vec::new();
        for (j, h) in header.iter().enumerate() {
            match schema.index(h) {
                Some(i) if col_of[i].is_none() => col_of[i] = Some(j),
                Some(_) => {
                    let msg = format!("column `{h}` appears twice");
                    let (col, width) = csv_field_span(&header_raw, j);
                    ctx.push(
                        diags,
                        Diagnostic::error(crate::Code::DuplicateColumn, msg.clone())
                            .file(ctx.name.clone())
                            .line(1)
                            .column(col)
                            .snippet(header_raw.clone(), width)
                            .field(h.clone())
                            .help("keep one column of each name: which of the two holds the evidence cannot be guessed"),
                    );
                    stats.problem.get_or_insert(format!("{}: {msg}", ctx.name));
                }
                None if h.is_empty() => {}
                None => unknown.push((j, h.clone())),
            }
        }
        if col_of.iter().all(Option::is_none) {
            let delimiter = detect_delimiter(&header_raw);
            let msg = match delimiter {
                Some(d) => format!(
                    "the header names no column of `{}`: the file seems to be separated by {d}, not by commas",
                    schema.stem
                ),
                None => format!("the header names no column of `{}`", schema.stem),
            };
            ctx.push(
                diags,
                Diagnostic::error(crate::Code::NoKnownColumn, msg.clone())
                    .file(ctx.name.clone())
                    .line(1)
                    .snippet(header_raw.clone(), 0)
                    .help(match delimiter {
                        Some(_) => format!(
                            "save it as comma-separated CSV with the header `{}`",
                            header_line(schema)
                        ),
                        None => format!(
                            "the first row must be the header: `{}`",
                            header_line(schema)
                        ),
                    }),
            );
            while let Ok(true) = rdr.read_byte_record(&mut rec) {
                stats.rows += 1;
                stats.rejected += 1;
            }
            stats.problem = Some(format!("{}: {msg}", ctx.name));
            return stats;
        }
        // An unknown column that is a near miss of an absent field would leave that field null
        // in every row: an error, not a warning (kit format v2).
        let mut near = Vec::new();
        unknown.retain(|(j, h)| {
            let hit = did_you_mean(h, schema.fields.iter().map(|f| f.name))
                .filter(|s| schema.index(s).is_some_and(|i| col_of[i].is_none()));
            match hit {
                Some(f) => {
                    near.push((*j, h.clone(), f));
                    false
                }
                None => true,
            }
        });
        for (j, h, f) in &near {
            let msg = format!(
                "column `{h}` is not a column of `{}`, but `{f}` is",
                schema.stem
            );
            let (col, width) = csv_field_span(&header_raw, *j);
            ctx.push(
                diags,
                Diagnostic::error(crate::Code::NearMissColumn, msg.clone())
                    .file(ctx.name.clone())
                    .line(1)
                    .column(col)
                    .snippet(header_raw.clone(), width)
                    .field(h.clone())
                    .help(format!("rename the column to `{f}`; as written, every row would read `{f}` as empty")),
            );
            stats.problem.get_or_insert(format!("{}: {msg}", ctx.name));
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|(_, h)| format!("`{h}`")).collect();
            let hint: Vec<String> = unknown
                .iter()
                .filter_map(|(_, h)| {
                    did_you_mean(h, schema.fields.iter().map(|f| f.name))
                        .filter(|s| col_of[schema.index(s).unwrap_or(0)].is_none())
                        .map(|s| format!("`{h}` → `{s}`?"))
                })
                .collect();
            let (col, width) = csv_field_span(&header_raw, unknown[0].0);
            ctx.push(
                diags,
                Diagnostic::warning(
                    crate::Code::UnknownColumn,
                    format!(
                        "unknown column{} {} kept and ignored",
                        if names.len() > 1 { "s" } else { "" },
                        names.join(", ")
                    ),
                )
                .file(ctx.name.clone())
                .line(1)
                .column(col)
                .snippet(header_raw.clone(), width)
                .help(if hint.is_empty() {
                    format!("the columns of `{}` are: {}", ctx.name, header_line(schema))
                } else {
                    format!("did you mean {}", hint.join(", "))
                }),
            );
        }
        let mut missing = Vec::new();
        for (i, f) in schema.fields.iter().enumerate() {
            if f.required && col_of[i].is_none() {
                missing.push(f.name);
            }
        }
        let absent: Vec<&str> = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| f.expected && !f.required && col_of[*i].is_none())
            .map(|(_, f)| f.name)
            .collect();
        if missing.is_empty() && !absent.is_empty() {
            ctx.push(
                diags,
                Diagnostic::warning(
                    crate::Code::MissingValue,
                    format!(
                        "column{} {} {} missing: every row reads {} as empty, so the controls that need {} cannot use these rows",
                        if absent.len() > 1 { "s" } else { "" },
                        absent.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                        if absent.len() > 1 { "are" } else { "is" },
                        if absent.len() > 1 { "them" } else { "it" },
                        if absent.len() > 1 { "them" } else { "it" },
                    ),
                )
                .file(ctx.name.clone())
                .line(1)
                .snippet(header_raw.clone(), 0)
                .help(format!("the columns of `{}` are: {}", ctx.name, header_line(schema))),
            );
        }
        if !missing.is_empty() {
            for m in &missing {
                ctx.push(
                    diags,
                    Diagnostic::error(
                        crate::Code::MissingColumn,
                        format!("required column `{m}` is missing"),
                    )
                    .file(ctx.name.clone())
                    .line(1)
                    .field(*m)
                    .snippet(header_raw.clone(), 0)
                    .help(format!(
                        "add a `{m}` column; the columns of `{}` are: {}",
                        ctx.name,
                        header_line(schema)
                    )),
                );
            }
            // Count the rows that could not be read.
            while let Ok(true) = rdr.read_byte_record(&mut rec) {
                stats.rows += 1;
                stats.rejected += 1;
            }
            stats.problem = Some(format!(
                "{} misses required column{} {}",
                ctx.name,
                if missing.len() > 1 { "s" } else { "" },
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return stats;
        }
        let ncols = header.len();
        let mut vals: Vec<Val> = vec![Val::Null; schema.fields.len()];
        let mut empties = Empties::new(schema);
        let interned = interned_fields(schema);
        let mut last: Vec<Option<Id>> = vec![None; schema.fields.len()];
        // The columns kept as names, by their place in the row.
        let named_cols: Vec<usize> = T::NAMED.iter().filter_map(|&i| col_of[i]).collect();
        let key_col = |n: usize| schema.key.get(n).and_then(|k| col_of[schema.index(k)?]);
        let key_cols = (key_col(0), key_col(1));
        let mut ahead = Ahead::new();
        // A keyed file's set of keys is sized once, from its first rows, rather than grown by
        // doubling, each growth moving every key's index entry.
        let mut sized = schema.key.is_empty();
        loop {
            let hints = Hints {
                named_cols: &named_cols,
                names: &self.names,
                key_cols,
                keys,
            };
            let k = match ahead.next(&mut rdr, &ctx.cuts, &hints) {
                Ok(Some(k)) => k,
                Ok(None) => break,
                Err(e) => {
                    if let csv::ErrorKind::Io(io) = e.kind() {
                        // The file could not be read to its end (a disk or network error): its
                        // rows after that point are lost, so the file is damaged, as a JSON Lines
                        // file that fails to read is. (Ahead gives out the rows read before it
                        // first; the parser stands where the read failed.)
                        let line = ctx.line_base + rdr.position().line() as u32;
                        stats.problem = Some(ctx.read_failed(diags, line, io));
                        break;
                    }
                    let line = e.position().map_or(0, |p| p.line() as u32);
                    ctx.push(
                        diags,
                        Diagnostic::error(crate::Code::BadCsv, format!("malformed CSV: {e}"))
                            .file(ctx.name.clone())
                            .line(line)
                            .help("check the quoting of this row"),
                    );
                    stats.rows += 1;
                    stats.rejected += 1;
                    continue;
                }
            };
            let (rec, end, cut) = (&ahead.recs[k], &ahead.ends[k].0, ahead.ends[k].1);
            if !sized {
                sized = true;
                // The first batch's bytes a row, over the rest of the file; at most a million
                // keys (a file whose first rows are much shorter than the rest would otherwise
                // set aside room it never uses), beyond which the set grows as it did.
                let last = &ahead.ends[ahead.len - 1].0;
                let (bytes, rows) = (last.byte().saturating_sub(ctx.header_end), ahead.len as u64);
                if bytes > 0 {
                    let expected = ctx.len.saturating_sub(ctx.header_end) / bytes.div_ceil(rows);
                    keys.reserve((expected.min(1 << 20) as usize).saturating_sub(keys.len()));
                }
            }
            // Whether the last record read (kept, skipped or rejected) ended inside a quote that
            // ran to the end: then new bytes after it would continue it (the cache's append).
            // A final field that holds a newline is quoted; on the file's last row, unless its
            // quote is closed on the file's last line, it is still open.
            // (The stream ends `cut` bytes short of the file when over-long lines were cut.)
            let at_end = end.byte() + cut == ctx.len;
            let open_to_end = at_end
                && !ctx.quote_before_end
                && rec.iter().next_back().is_some_and(|f| f.contains(&b'\n'));
            // For the cache's append, also a final field that ends with the file's last newline:
            // a quote opened on the last line (`x,"⏎`) cannot be told from one closed there
            // (`x,"⏎"⏎`), and new bytes would continue the first; such a file is read in full.
            ctx.open_end = open_to_end || (at_end && rec.as_slice().last() == Some(&b'\n'));
            // Lines are counted from where the record ends, which is exact whatever came before
            // it (CRLF endings, skipped blank lines): the record ends on the line of its
            // terminator and starts as many lines earlier as it holds newlines inside quotes.
            let start = rec.position().map_or(0, csv::Position::byte);
            let terminated = end.byte() < ctx.len - cut || ctx.ends_with_newline;
            let last_line =
                ctx.line_base + end.line() as u32 - u32::from(terminated && end.line() > 1);
            // The record starts on the line csv reports unless blank lines were skipped before it
            // or it holds newlines inside quotes; only then are its bytes scanned.
            let reported = ctx.line_base + rec.position().map_or(0, |p| p.line() as u32);
            let mut inner_newlines = if reported < last_line {
                rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u32
            } else {
                0
            };
            if open_to_end && ctx.ends_with_newline && rec.as_slice().last() == Some(&b'\n') {
                // An open quote ran to the end: the file's final newline is inside the field.
                inner_newlines = inner_newlines.saturating_sub(1);
            }
            let line = last_line.saturating_sub(inner_newlines);
            let pos = RowStart { byte: start };
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                continue; // A blank line.
            }
            if (rec.len() != ncols || open_to_end) && inner_newlines > 0 {
                // A quote that is never closed swallows the lines after it (however many fields
                // the row it makes seems to have).
                let lines = inner_newlines + 1;
                stats.rows += lines;
                stats.rejected += lines;
                let d = Diagnostic::error(
                    crate::Code::BadCsv,
                    format!("a quote opened on line {line} is not closed: lines {line} to {last_line} were read as one row"),
                )
                .file(ctx.name.clone())
                .line(line)
                .help("close the quote, or double a quote that is part of a value (`\"\"`); these lines were skipped");
                ctx.push_row(diags, d, pos.byte);
                continue;
            }
            stats.rows += 1;
            if stats.rows % ROWS_PER_REPORT == 0 {
                self.report(end.byte());
            }
            if ctx.cuts.borrow().within(start, end.byte()) {
                let d = Diagnostic::error(
                    crate::Code::CellTooLong,
                    format!("the row is longer than {} MiB: no evidence row is that long", MAX_LINE >> 20),
                )
                .file(ctx.name.clone())
                .line(line)
                .help("check the export for a cell that swallowed a file or a missing line end; the row was skipped unread");
                ctx.push(diags, d);
                stats.rejected += 1;
                continue;
            }
            if rec.len() != ncols {
                // Too many fields: an unquoted comma; too few: a missing comma, or a file cut off
                // mid-row. Either way a field may be lost, so the row is rejected (kit format v2).
                let d = Diagnostic::error(
                    crate::Code::BadRow,
                    format!("expected {ncols} fields as in the header, found {}", rec.len()),
                )
                .file(ctx.name.clone())
                .line(line)
                .help(if rec.len() > ncols {
                    "check for an extra comma, or quote values that contain commas; the row was skipped"
                } else {
                    "check for a missing comma or a line cut off (an export cut short ends with one); the row was skipped"
                });
                ctx.push_row(diags, d, pos.byte);
                stats.rejected += 1;
                continue;
            }
            let bytes = rec.as_slice();
            // One UTF-8 check of the whole row; its fields are then slices of it (the field
            // boundaries sit at ASCII commas and quotes, so they are character boundaries).
            let row_text = std::str::from_utf8(bytes);
            if bytes.len() > MAX_CELL
                && let Some(j) = rec.iter().position(|f| f.len() > MAX_CELL)
            {
                let d = Diagnostic::error(
                    crate::Code::CellTooLong,
                    format!(
                        "a value of {} bytes in column {}: no evidence field is that long",
                        rec.get(j).map_or(0, <[u8]>::len),
                        j + 1
                    ),
                )
                .file(ctx.name.clone())
                .line(line)
                .help(format!("a value may hold at most {} KiB; check the export for a cell that swallowed a file or a column; the row was skipped", MAX_CELL / 1024));
                ctx.push(diags, d);
                stats.rejected += 1;
                continue;
            }
            let row_text = match row_text {
                Ok(t) if memchr::memchr(0, bytes).is_none() => t,
                _ => {
                    let nul = memchr::memchr(0, bytes).is_some();
                    let d = Diagnostic::error(
                        if nul {
                            crate::Code::NulByte
                        } else {
                            crate::Code::BadUtf8
                        },
                        if nul {
                            "the row holds a NUL byte".to_string()
                        } else {
                            "the row holds bytes that are not UTF-8".to_string()
                        },
                    )
                    .file(ctx.name.clone())
                    .line(line)
                    .help("save the file as UTF-8 text; the row was skipped");
                    ctx.push(diags, d);
                    stats.rejected += 1;
                    continue;
                }
            };
            // The names this row's cells make are forgotten if the row is not kept.
            let names_before = self.names.len();
            let mut ok = true;
            for (i, f) in schema.fields.iter().enumerate() {
                vals[i] = Val::Null;
                let Some(j) = col_of[i] else { continue };
                let raw = unneutralise(trim(rec.range(j).map_or("", |r| &row_text[r])));
                if raw.is_empty() {
                    if f.expected && !f.required {
                        empties.note(i, line);
                    }
                    if f.required {
                        ok = false;
                        let d = self.cell_diag(
                            ctx,
                            pos.byte,
                            j,
                            line,
                            f.name,
                            crate::Code::RequiredNull,
                            format!("required field `{}` is empty", f.name),
                            format!(
                                "fill in `{}` ({}); the row was skipped",
                                f.name,
                                f.ty.describe()
                            ),
                        );
                        ctx.push(diags, d);
                    }
                    continue;
                }
                // A column kept as names: interned as it is read, nothing made for a name the
                // table has.
                if T::NAMED.contains(&i) {
                    vals[i] = Val::Name(self.names.intern_raw_at(i, raw));
                    continue;
                }
                if T::UNKEPT.contains(&i) {
                    vals[i] = Val::Str(Id::default());
                    continue;
                }
                // Consecutive rows often repeat an id (the same system, the same account).
                if interned[i]
                    && let Some(prev) = &last[i]
                    && **prev == *raw
                {
                    vals[i] = Val::Str(prev.clone());
                    continue;
                }
                match self.parse_cell(f.ty, raw, interned[i]) {
                    Ok(v) => {
                        if std::mem::take(&mut self.bare_date) {
                            empties.note_bare(i, line);
                        }
                        if interned[i]
                            && let Val::Str(a) = &v
                        {
                            last[i] = Some(a.clone());
                        }
                        vals[i] = v
                    }
                    Err(CellError::Bad {
                        code,
                        message,
                        help,
                    }) => {
                        ok = false;
                        let d = self.cell_diag(
                            ctx,
                            pos.byte,
                            j,
                            line,
                            f.name,
                            code,
                            format!("{message} in `{}`", f.name),
                            help,
                        );
                        ctx.push(diags, d);
                    }
                }
            }
            if !ok {
                self.names.truncate(names_before);
                stats.rejected += 1;
                continue;
            }
            if let Err(mut d) = self.check_file_key(schema, &vals, line, keys, &ctx.name) {
                if let Some(s) = ctx.raw_line(pos.byte) {
                    let width = csv_field_span(
                        &s,
                        col_of[schema.index(schema.key[0]).unwrap_or(0)].unwrap_or(0),
                    )
                    .1;
                    d = d.snippet(s, width).column(1);
                }
                ctx.push(diags, d);
                self.names.truncate(names_before);
                stats.rejected += 1;
                continue;
            }
            if let Some(w) = &mut ctx.writer
                && w.row(line, &vals, &self.names).is_err()
            {
                ctx.writer = None;
            }
            out.push(T::build(
                &mut Vals(&mut vals, &mut self.names),
                Loc::file(T::KIND, line),
            ));
        }
        empties.report(schema, ctx, diags);
        ctx.end_line = ctx.line_base + rdr.position().line() as u32;
        stats
    }

    #[allow(clippy::too_many_arguments)]
    fn cell_diag(
        &self,
        ctx: &mut FileCtx,
        byte: u64,
        col: usize,
        line: u32,
        field: &'static str,
        code: crate::Code,
        message: String,
        help: String,
    ) -> Diagnostic {
        let mut d = Diagnostic::error(code, message)
            .file(ctx.name.clone())
            .line(line)
            .field(field)
            .help(help);
        if let Some(raw) = ctx.raw_line(byte) {
            let (c, w) = csv_field_span(&raw, col);
            d = d.column(c).snippet(raw, w);
        }
        d
    }

    #[allow(clippy::too_many_arguments)]
    fn load_jsonl<T: Record>(
        &mut self,
        file: Box<dyn Read>,
        schema: &'static Schema,
        ctx: &mut FileCtx,
        diags: &mut Vec<Diagnostic>,
        keys: &mut KeySet,
        out: &mut Vec<T>,
    ) -> Stats {
        let mut stats = Stats::default();
        let mut unknown: BTreeSet<String> = BTreeSet::new();
        let mut first_unknown_line = 0;
        // Per unknown key, the field it is a near miss of (computed once per key).
        let mut near_cache: FastMap<String, Option<&'static str>> = FastMap::default();
        let mut vals: Vec<Val> = vec![Val::Null; schema.fields.len()];
        let mut empties = Empties::new(schema);
        let interned = interned_fields(schema);
        let mut reader = BufReader::with_capacity(READ_BUF, file);
        let mut buf = Vec::new();
        let mut line_no = 0u32;
        let mut pos = 0u64;
        loop {
            buf.clear();
            let start = pos;
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(n) => pos += n as u64,
                Err(e) => {
                    stats.problem = Some(ctx.read_failed(diags, line_no + 1, &e));
                    break;
                }
            }
            line_no += 1;
            if ctx.cuts.borrow().within(start, pos) {
                stats.rows += 1;
                stats.rejected += 1;
                ctx.push(
                    diags,
                    Diagnostic::error(
                        crate::Code::CellTooLong,
                        format!("the line is longer than {} MiB: no evidence record is that long", MAX_LINE >> 20),
                    )
                    .file(ctx.name.clone())
                    .line(line_no)
                    .help("check the export for a value that swallowed a file; the line was skipped unread"),
                );
                continue;
            }
            let Ok(text) = std::str::from_utf8(&buf) else {
                stats.rows += 1;
                stats.rejected += 1;
                ctx.push(
                    diags,
                    Diagnostic::error(crate::Code::BadUtf8, "the line is not valid UTF-8")
                        .file(ctx.name.clone())
                        .line(line_no)
                        .help("save the file as UTF-8"),
                );
                continue;
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            stats.rows += 1;
            if stats.rows % ROWS_PER_REPORT == 0 {
                self.report(pos);
            }
            if text.contains('\0') {
                stats.rejected += 1;
                ctx.push(
                    diags,
                    Diagnostic::error(crate::Code::NulByte, "the line holds a NUL byte")
                        .file(ctx.name.clone())
                        .line(line_no)
                        .help("save the file as UTF-8 text; the line was skipped"),
                );
                continue;
            }
            if text.len() > MAX_CELL
                && let Some(k) = long_json_value(text)
            {
                stats.rejected += 1;
                ctx.push(
                    diags,
                    Diagnostic::error(
                        crate::Code::CellTooLong,
                        format!(
                            "a value longer than {} KiB in `{k}`: no evidence field is that long",
                            MAX_CELL / 1024
                        ),
                    )
                    .file(ctx.name.clone())
                    .line(line_no)
                    .help(
                        "check the export for a value that swallowed a file; the line was skipped",
                    ),
                );
                continue;
            }
            let obj: Entries = match serde_json::from_str(text) {
                Ok(o) => o,
                Err(e) => {
                    ctx.push(
                        diags,
                        Diagnostic::error(crate::Code::BadJson, format!("not a JSON object: {e}"))
                            .file(ctx.name.clone())
                            .line(line_no)
                            .column(e.column().max(1) as u32)
                            .snippet(text.chars().take(400).collect::<String>(), 1)
                            .help("write one JSON object per line, e.g. `{\"person_id\": \"p-1\", ...}`"),
                    );
                    stats.rejected += 1;
                    continue;
                }
            };
            // Each field's value by its place in the schema; a key named twice (JSON readers
            // silently keep the last) and a near miss of a field this record lacks lose a value,
            // so they reject the record.
            let mut slot: Vec<Option<&serde_json::Value>> = vec![None; schema.fields.len()];
            let mut ok = true;
            for (k, v) in &obj.0 {
                match schema.index(k) {
                    Some(i) if slot[i].is_some() => {
                        ok = false;
                        ctx.push(
                            diags,
                            Diagnostic::error(
                                crate::Code::DuplicateColumn,
                                format!("field `{k}` appears twice in the record"),
                            )
                            .file(ctx.name.clone())
                            .line(line_no)
                            .field(schema.fields[i].name)
                            .help("keep one value per field: which of the two is the evidence cannot be guessed; the line was skipped"),
                        );
                    }
                    Some(i) => slot[i] = Some(v),
                    None => {}
                }
            }
            for (k, _) in &obj.0 {
                if schema.index(k).is_some() {
                    continue;
                }
                let near = near_cache
                    .entry(k.clone())
                    .or_insert_with(|| did_you_mean(k, schema.fields.iter().map(|f| f.name)));
                match near.and_then(|f| schema.index(f).filter(|&i| slot[i].is_none())) {
                    Some(i) => {
                        ok = false;
                        let f = schema.fields[i].name;
                        ctx.push(
                            diags,
                            Diagnostic::error(
                                crate::Code::NearMissColumn,
                                format!("field `{k}` is not a field of `{}`, but `{f}` is", schema.stem),
                            )
                            .file(ctx.name.clone())
                            .line(line_no)
                            .field(k.clone())
                            .help(format!("rename the field to `{f}`; as written, the record reads `{f}` as empty; the line was skipped")),
                        );
                    }
                    None => {
                        if unknown.insert(k.clone()) && first_unknown_line == 0 {
                            first_unknown_line = line_no;
                        }
                    }
                }
            }
            for (i, f) in schema.fields.iter().enumerate() {
                vals[i] = Val::Null;
                let owned;
                let raw: &str = match slot[i] {
                    None | Some(serde_json::Value::Null) => "",
                    Some(serde_json::Value::String(s)) => s.trim(),
                    Some(serde_json::Value::Bool(b)) => {
                        owned = b.to_string();
                        &owned
                    }
                    Some(serde_json::Value::Number(n)) => {
                        // `2.0` is the integer 2 (JSON writers often emit whole numbers so).
                        owned = match n.as_f64() {
                            Some(x)
                                if !n.is_i64()
                                    && !n.is_u64()
                                    && x.fract() == 0.0
                                    && x.abs() < 9e15 =>
                            {
                                format!("{}", x as i64)
                            }
                            _ => n.to_string(),
                        };
                        &owned
                    }
                    Some(_) => {
                        ok = false;
                        ctx.push(
                            diags,
                            Diagnostic::error(
                                crate::Code::BadJson,
                                format!("`{}` must be a string, number, boolean or null", f.name),
                            )
                            .file(ctx.name.clone())
                            .line(line_no)
                            .field(f.name)
                            .help(format!(
                                "write `{}` as {}",
                                f.name,
                                f.ty.describe()
                            )),
                        );
                        continue;
                    }
                };
                if raw.is_empty() {
                    if f.expected && !f.required {
                        empties.note(i, line_no);
                    }
                    if f.required {
                        ok = false;
                        ctx.push(
                            diags,
                            Diagnostic::error(
                                crate::Code::RequiredNull,
                                format!("required field `{}` is missing or null", f.name),
                            )
                            .file(ctx.name.clone())
                            .line(line_no)
                            .field(f.name)
                            .help(format!(
                                "fill in `{}` ({}); the row was skipped",
                                f.name,
                                f.ty.describe()
                            )),
                        );
                    }
                    continue;
                }
                if T::UNKEPT.contains(&i) {
                    vals[i] = Val::Str(Id::default());
                    continue;
                }
                match self.parse_cell(f.ty, raw, interned[i]) {
                    Ok(v) => {
                        if std::mem::take(&mut self.bare_date) {
                            empties.note_bare(i, line_no);
                        }
                        vals[i] = v
                    }
                    Err(CellError::Bad {
                        code,
                        message,
                        help,
                    }) => {
                        ok = false;
                        let column = text
                            .find(&format!("\"{}\"", f.name))
                            .map(|b| text[..b].chars().count() as u32 + 1);
                        let mut d = Diagnostic::error(code, format!("{message} in `{}`", f.name))
                            .file(ctx.name.clone())
                            .line(line_no)
                            .field(f.name)
                            .help(help);
                        if let Some(c) = column {
                            d = d.column(c).snippet(
                                text.chars().take(400).collect::<String>(),
                                f.name.len() as u32 + 2,
                            );
                        }
                        ctx.push(diags, d);
                    }
                }
            }
            if !ok {
                stats.rejected += 1;
                continue;
            }
            if let Err(d) = self.check_file_key(schema, &vals, line_no, keys, &ctx.name) {
                ctx.push(diags, d);
                stats.rejected += 1;
                continue;
            }
            if let Some(w) = &mut ctx.writer
                && w.row(line_no, &vals, &self.names).is_err()
            {
                ctx.writer = None;
            }
            out.push(T::build(
                &mut Vals(&mut vals, &mut self.names),
                Loc::file(T::KIND, line_no),
            ));
        }
        empties.report(schema, ctx, diags);
        if line_no == 0 {
            ctx.push(
                diags,
                Diagnostic::error(crate::Code::EmptyFile, "the file is empty (0 bytes)")
                    .file(ctx.name.clone())
                    .line(1)
                    .help(format!(
                        "export the file again; a kind with no records is a CSV file with the header row alone: `{}`",
                        header_line(schema)
                    )),
            );
            stats.problem = Some(format!("{} is empty (0 bytes)", ctx.name));
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|h| format!("`{h}`")).collect();
            ctx.push(
                diags,
                Diagnostic::warning(
                    crate::Code::UnknownColumn,
                    format!(
                        "unknown field{} {} kept and ignored",
                        if names.len() > 1 { "s" } else { "" },
                        names.join(", ")
                    ),
                )
                .file(ctx.name.clone())
                .line(first_unknown_line)
                .help(format!(
                    "the fields of `{}` are: {}",
                    ctx.name,
                    header_line(schema)
                )),
            );
        }
        stats
    }
}

#[derive(Default)]
struct Stats {
    rows: u32,
    rejected: u32,
    problem: Option<String>,
}

/// A JSON object's entries in the order written, keeping a key named twice (a `Map` would keep
/// only the last value, silently).
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Entries, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(e) = m.next_entry::<String, serde_json::Value>()? {
                    v.push(e);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// The key of a JSON object line whose value is longer than [`MAX_CELL`], if any (a line of
/// many short values is fine).
fn long_json_value(text: &str) -> Option<String> {
    let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    obj.iter()
        .find(|(_, v)| v.to_string().len() > MAX_CELL)
        .map(|(k, _)| k.chars().take(64).collect())
}

/// `str::trim`, with the common case first: a cell that starts and ends with a visible ASCII
/// character has nothing to trim.
#[inline]
fn trim(cell: &str) -> &str {
    match cell.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => cell,
        [only] if only.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// The index of `raw` among an enum's values. Values are short: their lengths are compared
/// first and their bytes in line, without a call per value.
#[inline]
fn enum_index(values: &[&str], raw: &str) -> Option<usize> {
    let raw = raw.as_bytes();
    values
        .iter()
        .position(|v| v.len() == raw.len() && v.bytes().zip(raw).all(|(a, &b)| a == b))
}

/// A cell that a spreadsheet-safe writer prefixed with `'` (OWASP's advice against formula
/// injection: `'=1+2`) reads as what it protects (`=1+2`): one `'` comes off when the `'`s lead
/// to a character that starts a formula (`''=1` was the cell `'=1`).
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .trim_start_matches('\'')
                .starts_with(['=', '+', '-', '@', '\t', '\r']) =>
        {
            rest
        }
        _ => cell,
    }
}

/// The separator a header row seems to use instead of commas, named for a message.
fn detect_delimiter(header: &str) -> Option<&'static str> {
    [
        (';', "semicolons (`;`)"),
        ('\t', "tabs"),
        ('|', "vertical bars (`|`)"),
    ]
    .into_iter()
    .filter(|(c, _)| header.contains(*c))
    .max_by_key(|(c, _)| header.matches(*c).count())
    .map(|(_, name)| name)
}

/// The CSV header row of a kind, in the spec's order.
pub fn header_line(schema: &Schema) -> String {
    schema
        .fields
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways a kit's people are resolved give the same records and diagnostics: the part
    /// that read the people and identities resolved at once and the other part after the merge,
    /// or the merged kit resolved once (when two workers read those two files).
    #[test]
    fn people_resolved_in_a_part_are_those_of_the_merged_kit() {
        let dir = tempfile::tempdir().expect("dir");
        let files = [
            (
                "people.csv",
                "person_id,email,start_date\np1,Ann@X.test,2024-01-01\np2,bob@x.test,2024-01-01\np3,bob@x.test,2024-01-01\n",
            ),
            (
                "identities.csv",
                "system_id,external_id,person_id\ngithub,ann-gh,ann@x.test\njira,ann-gh,p2\n",
            ),
            (
                "pull_requests.csv",
                "pr_id,author_id\na#1,ANN@x.test\na#2,ann-gh\n",
            ),
            (
                "sessions.csv",
                "session_id,system_id,person_id,started_at\ns1,aws,ann-gh,2026-03-01T10:00:00Z\ns2,aws,BOB@x.test,2026-03-01T10:00:00Z\ns3,aws,nobody,2026-03-01T10:00:00Z\n",
            ),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        let (opts, sourced) = (ReadOptions::default(), Sourced::new());
        let bases = vec![0u32; Kind::ALL.len()];
        let read = |kinds: &[Kind]| {
            let mut r = Reader::new(dir.path(), &opts, &sourced, &bases);
            let mut part = Kit::empty();
            let done: Vec<_> = kinds
                .iter()
                .map(|&k| {
                    let (info, diags) = r.load_into(&mut part, k);
                    (k, info, diags)
                })
                .collect();
            part.names = std::mem::take(&mut r.names);
            (part, done)
        };
        let first = [Kind::People, Kind::Identities, Kind::PullRequests];
        let merge = |parts: Vec<(Kit, Vec<Done>)>| {
            let mut kit = Kit::empty();
            for (mut part, done) in parts {
                kit.absorb(&mut part);
                for (kind, info, _) in done {
                    kit.files[kind as usize] = info;
                }
            }
            kit
        };
        let show = |kit: &Kit, diags: &[Diagnostic]| {
            let mut out: Vec<String> = kit.pull_requests.iter().map(|p| format!("{p:?}")).collect();
            out.extend(kit.identities.iter().map(|i| format!("{i:?}")));
            out.extend(kit.sessions.iter().map(|s| format!("{:?}", s.person_id)));
            out.extend(diags.iter().map(|d| format!("{d:?}")));
            out
        };
        // Resolved apart.
        let (mut a, done_a) = read(&first);
        let (mut b, done_b) = read(&[Kind::Sessions]);
        let (resolver, apart_diags) = build_resolver(&mut a, &done_a, &sourced);
        crate::people::apply(&mut a, &resolver);
        crate::people::apply(&mut b, &resolver);
        let apart = merge(vec![(a, done_a), (b, done_b)]);
        // Resolved once, merged.
        let (mut whole, mut whole_diags) = (
            merge(vec![read(&first), read(&[Kind::Sessions])]),
            Vec::new(),
        );
        crate::people::resolve_people(&mut whole, &mut whole_diags);
        assert_eq!(show(&apart, &apart_diags), show(&whole, &whole_diags));
        let people: Vec<_> = apart
            .sessions
            .iter()
            .map(|s| s.person_id.as_deref())
            .collect();
        assert_eq!(people, [Some("p1"), Some("p2"), Some("nobody")]);
        assert_eq!(apart_diags.len(), 2, "{apart_diags:#?}");
        assert_eq!(apart_diags[0].file.as_deref(), Some("people.csv"));
    }

    /// Gives `data`, then fails as a disk or a network file system can.
    struct FailsAfter {
        data: io::Cursor<Vec<u8>>,
    }

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(io::Error::other("the disk went away")),
                n => Ok(n),
            }
        }
    }

    /// A file whose read fails part way: the rows read before are kept (over more than one of
    /// `Ahead`'s batches), the failure is reported where it happened, and the file is damaged
    /// (its problem set), so no control that needs it can pass on what was read.
    #[test]
    fn a_read_failing_mid_file_damages_the_file_and_keeps_the_rows_before() {
        let dir = tempfile::tempdir().expect("dir");
        let mut text = String::from("system_id,name,kind,tier,in_scope\n");
        for i in 0..(AHEAD + 8) {
            text.push_str(&format!("s{i},System {i},saas,1,true\n"));
        }
        let (opts, sourced) = (ReadOptions::default(), Sourced::new());
        let bases = vec![0u32; Kind::ALL.len()];
        let mut r = Reader::new(dir.path(), &opts, &sourced, &bases);
        let cuts = std::rc::Rc::new(std::cell::RefCell::new(Cuts::default()));
        let mut ctx = FileCtx {
            len: text.len() as u64 + 1000,
            ends_with_newline: false,
            quote_before_end: false,
            name: "systems.csv".into(),
            cap: Capped::default(),
            raw: None,
            raw_lookups: 0,
            cuts,
            line_base: 0,
            writer: None,
            header_end: 0,
            end_line: 0,
            open_end: false,
        };
        let file = Box::new(FailsAfter {
            data: io::Cursor::new(text.into_bytes()),
        });
        let (mut diags, mut keys, mut out) = (Vec::new(), KeySet::default(), Vec::new());
        let stats = r.load_csv::<System>(
            file,
            Kind::Systems.schema(),
            &mut ctx,
            &mut diags,
            &mut keys,
            &mut out,
        );
        ctx.flush(&mut diags);
        assert_eq!(out.len(), AHEAD + 8, "the rows before the failure are kept");
        assert_eq!(
            stats.problem.as_deref(),
            Some("systems.csv: read failed"),
            "{diags:#?}"
        );
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(d.code, crate::Code::UnreadableFile);
        assert_eq!(d.line, Some(AHEAD as u32 + 10));
        assert!(d.message.contains("the disk went away"), "{}", d.message);
    }

    /// Gives its bytes in pieces of varying size, as pipes and decoders do.
    struct Pieces {
        data: Vec<u8>,
        at: usize,
        seed: u64,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.seed = self
                .seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let want = 1 + (self.seed >> 33) as usize % 700_000;
            let n = want.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn line_cap_drops_only_what_lies_past_the_cap() {
        let m = MAX_LINE as usize;
        let lens = [10, m + 5, 3, 2 * m + 17, m, 0, m + 1, 7];
        for seed in 0..4u64 {
            let mut data = Vec::new();
            let mut expect = Vec::new();
            for (i, &len) in lens.iter().enumerate() {
                let line: Vec<u8> = (0..len).map(|j| b'a' + ((i + j) % 26) as u8).collect();
                data.extend_from_slice(&line);
                data.push(b'\n');
                expect.extend_from_slice(&line[..len.min(m)]);
                expect.push(b'\n');
            }
            let cuts = std::rc::Rc::new(std::cell::RefCell::new(Cuts::default()));
            let mut cap = LineCap {
                inner: Pieces {
                    data: data.clone(),
                    at: 0,
                    seed,
                },
                run: 0,
                out: 0,
                dropping: false,
                cuts: cuts.clone(),
            };
            let mut got = Vec::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = cap.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert!(
                got == expect,
                "seed {seed}: {} bytes, expected {}",
                got.len(),
                expect.len()
            );
            let c = cuts.borrow();
            assert_eq!(c.at.len(), 3, "seed {seed}");
            assert_eq!(c.total() as usize, data.len() - expect.len());
            // The second line's cut is at the cap within it.
            assert_eq!(c.at[0].0 as usize, 11 + m);
            assert!(c.within(11, 11 + m as u64 + 1) && !c.within(0, 11));
        }
    }

    #[test]
    fn lone_crs_become_line_ends_across_any_chunking() {
        let mut data = Vec::new();
        for i in 0..20_000u32 {
            data.extend_from_slice(format!("row{i},x").as_bytes());
            data.extend_from_slice([&b"\n"[..], b"\r\n", b"\r", b"\r\r\n"][(i % 4) as usize]);
        }
        let mut expect = data.clone();
        for (i, b) in expect.iter_mut().enumerate() {
            if *b == b'\r' && data.get(i + 1) != Some(&b'\n') {
                *b = b'\n';
            }
        }
        for seed in 0..6u64 {
            let mut r = CrNorm {
                inner: Pieces {
                    data: data.clone(),
                    at: 0,
                    seed,
                },
                held_cr: false,
                peeked: None,
            };
            let mut got = Vec::new();
            let mut buf = vec![0u8; [1, 2, 3, 4096, 1 << 16, 1 << 20][seed as usize]];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == expect, "seed {seed}");
        }
    }

    #[test]
    fn csv_columns_follow_quotes() {
        let line = r#"p-1,"Doe, Jane",2026-03-06T17:05:00,x"#;
        assert_eq!(csv_field_span(line, 0), (1, 3));
        assert_eq!(csv_field_span(line, 1), (5, 11));
        assert_eq!(csv_field_span(line, 2), (17, 19));
        assert_eq!(csv_field_span(line, 3).0, 37);
    }
}
