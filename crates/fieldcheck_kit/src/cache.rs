//! The reader's cache of parsed kit files (`KIT/.fieldcheck/cache/<stem>.fcc`), so that a
//! re-audit reads again only what changed.
//!
//! A cache file holds the typed cells of every row a kit file gave a record, with the row's line:
//! replayed through the same `Record::build` as a parse, they give the same records. It is used
//! only when it matches the file as it is now, byte for byte:
//!
//! - **the same file:** same size, and the same content hash over every byte; the records are
//!   replayed and the file is not parsed;
//! - **the file grew** (an export job appended a day of events): the content hash of its first
//!   `size` bytes is the cached one, the cached file ended at a row boundary, and the cached
//!   records are replayed, then only the new bytes are parsed (after the cached header, with the
//!   lines counted on). The new rows must read clean, or the whole file is read again;
//! - **anything else** (an edit, a deletion, a truncation, another config, another version): the
//!   file is read in full and the cache written again.
//!
//! Only a file that read clean (no diagnostic at all, no sourced rows for its kind) is cached, so
//! a replay has no diagnostics to reproduce. The content is always hashed: neither a modification
//! time (clock skew, a restored backup) nor a size is trusted on its own. A cache file carries a
//! checksum over its own bytes and is written beside its place and renamed into it, so a torn or
//! damaged cache is detected and rebuilt, never trusted (`docs/readings.md`).
//!
//! The cache lives in the kit folder, which whoever supplies the kit controls; so every cache is
//! bound to the user who wrote it: its footer carries an HMAC-SHA-256 under a secret key kept
//! outside any kit (`$XDG_CACHE_HOME/fieldcheck/cache.key`, or `~/.cache/...`, made on first use),
//! and the content hash and the segments' checksums are seeded from that key. A cache shipped in a
//! kit, or written by anyone else, is not used. Without a key (no home folder, no randomness) no
//! cache is kept.

use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fast::FastMap;
use crate::records::{Id, Name, Names, Schema, Ts, Val};

/// The cache file's magic and format version.
const MAGIC: &[u8; 8] = b"FCCACHE\x01";
/// Content is hashed in blocks of this size; a file's hash does not depend on how it was read.
/// The reader's buffer size, so that a block is hashed while the bytes are in the core's cache.
const BLOCK: usize = crate::read::READ_BUF;
/// More than any row's encoding: a line is at most 1 MiB (`MAX_LINE`), and a row's encoding
/// adds 5 bytes to each of its cells.
const MAX_ROW: usize = 4 << 20;
/// Encoded rows are read in pieces of this size (a block: hashed where they lie).
const FLUSH: usize = BLOCK;

/// The user's secret that binds a cache to whoever wrote it.
pub(crate) struct Key([u8; 32]);

impl Key {
    /// Seeds for the content hash and for the segments' checksums.
    fn seed(&self, i: usize) -> u64 {
        u64::from_le_bytes(self.0[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
    }

    /// HMAC-SHA-256 (RFC 2104) of `data`.
    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut k = [0u8; 64];
        k[..32].copy_from_slice(&self.0);
        let pad = |x: u8| k.map(|b| b ^ x);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(data)
            .finalize();
        let outer = Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize();
        let mut out = [0u8; 32];
        out.copy_from_slice(&outer);
        out
    }

    /// A content hash under this key.
    pub(crate) fn content(&self) -> ContentHash {
        ContentHash::new(self.seed(0))
    }
}

/// The user's key, read from (or first made in) the user's cache folder; `None` when there is
/// no such folder or no randomness, and then no cache is kept.
pub(crate) fn user_key() -> Option<&'static Key> {
    static KEY: std::sync::OnceLock<Option<Key>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?
            .join("fieldcheck");
        let path = dir.join("cache.key");
        if let Ok(b) = std::fs::read(&path)
            && let Ok(k) = <[u8; 32]>::try_from(b.as_slice())
        {
            return Some(Key(k));
        }
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).ok()?;
        std::fs::create_dir_all(&dir).ok()?;
        // Written whole, then renamed: a concurrent reader sees no key or a whole one.
        let tmp = dir.join(format!("cache.key.{}.tmp", std::process::id()));
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = File::options()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .ok()?;
            f.write_all(&k).ok()?;
        }
        std::fs::rename(&tmp, &path).ok()?;
        Some(Key(k))
    })
    .as_ref()
}

/// What in a build and a config changes how a file is parsed: the version, the cache format, the
/// schemas and the options. A cache made under another fingerprint is not used.
pub(crate) fn fingerprint(opts: &crate::ReadOptions) -> String {
    let schemas: String = crate::records::SCHEMAS
        .iter()
        .map(|s| format!("{}:{:?}:{:?};", s.stem, s.key, s.fields))
        .collect();
    let zone = |z: &Option<jiff::tz::TimeZone>| z.as_ref().map(|z| format!("{z:?}"));
    // The build itself: a rebuilt or reinstalled binary (a parser changed without a version
    // bump, another time-zone database) starts a new cache.
    let build = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{} {:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    let h = foldhash::quality::FixedState::with_seed(0x6669_656c_6463_6863).hash_one(&schemas);
    format!(
        "fieldcheck {} build {build} cache {} schemas {h:016x} naive {:?} org {:?}",
        env!("CARGO_PKG_VERSION"),
        MAGIC[7],
        zone(&opts.naive_tz),
        zone(&opts.org_tz)
    )
}

/// A 64-bit content hash built block by block (foldhash's quality hasher, each block seeded by
/// the hash so far), so it can be continued: the hash of a file's first `n` bytes, continued
/// over the rest, is the hash of the whole file.
#[derive(Clone)]
pub(crate) struct ContentHash {
    state: u64,
    blocks: u64,
    block: Vec<u8>,
    len: u64,
    last: Option<u8>,
}

impl ContentHash {
    pub(crate) fn new(seed: u64) -> Self {
        ContentHash {
            state: seed,
            blocks: 0,
            block: Vec::new(),
            len: 0,
            last: None,
        }
    }

    fn fold(&mut self, block: &[u8]) {
        self.state =
            foldhash::quality::FixedState::with_seed(self.state ^ self.blocks).hash_one(block);
        self.blocks += 1;
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        if let Some(&b) = bytes.last() {
            self.last = Some(b);
        }
        self.len += bytes.len() as u64;
        while !bytes.is_empty() {
            if self.block.is_empty() && bytes.len() >= BLOCK {
                self.fold(&bytes[..BLOCK]);
                bytes = &bytes[BLOCK..];
                continue;
            }
            if self.block.capacity() < BLOCK {
                self.block.reserve_exact(BLOCK - self.block.len());
            }
            let n = (BLOCK - self.block.len()).min(bytes.len());
            self.block.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.block.len() == BLOCK {
                let block = std::mem::take(&mut self.block);
                self.fold(&block);
                self.block = block;
                self.block.clear();
            }
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        let tail = foldhash::quality::FixedState::with_seed(self.state ^ self.blocks)
            .hash_one(&self.block[..]);
        foldhash::quality::FixedState::with_seed(tail).hash_one(self.len)
    }

    /// The last byte hashed.
    pub(crate) fn last(&self) -> Option<u8> {
        self.last
    }

    /// How many bytes were hashed.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// Passes a reader's bytes on, hashing them.
pub(crate) struct Hashing<R> {
    pub(crate) inner: R,
    pub(crate) hash: std::rc::Rc<std::cell::RefCell<ContentHash>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.borrow_mut().update(&buf[..n]);
        Ok(n)
    }
}

/// The content hash of the first `upto` bytes of `file` (read from its start).
pub(crate) fn hash_prefix(file: &mut File, upto: u64, key: &Key) -> io::Result<ContentHash> {
    let mut h = key.content();
    file.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; BLOCK];
    let mut left = upto;
    while left > 0 {
        let want = (left as usize).min(BLOCK);
        file.read_exact(&mut buf[..want])?;
        h.update(&buf[..want]);
        left -= want as u64;
    }
    Ok(h)
}

/// What a cache file says of the kit file it was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Meta {
    pub fingerprint: String,
    /// The kit file's name (`account_events.csv`).
    pub name: String,
    /// Its size and content hash when cached.
    pub size: u64,
    pub hash: u64,
    /// Where its header row ends, and the line the parser stood on at its end.
    pub header_end: u64,
    pub end_line: u32,
    /// Whether new bytes after its end can be parsed alone: a CSV file ending with a newline
    /// outside any quote.
    pub appendable: bool,
    /// The rows it counted.
    pub rows: u32,
}

/// One run of encoded rows in a cache file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    offset: u64,
    len: u64,
    records: u64,
    /// Shared strings defined in it.
    strings: u32,
    check: u64,
}

/// The footer's last bytes: its length (4) and its MAC (32).
const TRAILER: usize = 36;

/// Whether `cache` (in the kit folder `kit`) may hold the cache: it and the folders between are
/// real folders or not there yet, never links (a kit could point them anywhere).
pub(crate) fn usable_dir(kit: &Path, cache: &Path) -> bool {
    let Ok(rel) = cache.strip_prefix(kit) else {
        return true;
    };
    let mut at = kit.to_path_buf();
    rel.components().all(|c| {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) => m.file_type().is_dir(),
            Err(e) => e.kind() == io::ErrorKind::NotFound,
        }
    })
}

/// Where the last of `segments` ends: where rows or the footer go next.
fn rows_end(segments: &[Segment]) -> u64 {
    segments
        .last()
        .map_or(MAGIC.len() as u64, |s| s.offset + s.len)
}

/// Where a kind's cache file is.
pub(crate) fn path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.fcc"))
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}
fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u32(b, s.len() as u32);
    b.extend_from_slice(s.as_bytes());
}

/// Writes a cache file: rows as they are read, then the footer; a new file is written beside its
/// place and renamed into it, a grown one gets its new segment and footer in place.
pub(crate) struct Writer {
    file: File,
    /// The file written: a temporary name beside `dest`, or `dest` itself when appending.
    tmp: PathBuf,
    dest: PathBuf,
    /// Whether the footer was written (and the file put in place).
    done: bool,
    segments: Vec<Segment>,
    /// The segment being written.
    current: Segment,
    check: ContentHash,
    buf: Vec<u8>,
    /// Shared (interned) strings already written, by address, with their number. An address
    /// stands for one text because every shared string stays alive in the reader's interner
    /// for as long as the reader (and so this writer) lives.
    shared: FastMap<usize, u32>,
    /// The same for cells read as names, by the name's number: its string's number plus one,
    /// or 0 while none (names are numbered densely, so a vector, not a map: a lookup for each of
    /// 17 million named cells at 50,000 people).
    named: Vec<u32>,
    next_string: u32,
    /// Per field: whether its long values are interned (and so shared).
    interned: Vec<bool>,
    key: &'static Key,
}

impl Writer {
    /// Starts `dest`'s replacement beside it.
    pub(crate) fn create(
        dest: PathBuf,
        interned: &[bool],
        key: &'static Key,
    ) -> io::Result<Writer> {
        if let Some(parent) = dest.parent()
            && !parent.is_dir()
        {
            std::fs::create_dir_all(parent)?;
            // Never committed with a kit kept in git, never backed up (as other tools' caches).
            std::fs::write(parent.join(".gitignore"), "# Made by fieldcheck.\n*\n")?;
            std::fs::write(
                parent.join("CACHEDIR.TAG"),
                "Signature: 8a477f597d28d172789f06886806bc55\n# fieldcheck's cache of parsed kit files: see https://bford.info/cachedir/\n",
            )?;
        }
        let tmp = dest.with_extension(format!("fcc.{}.tmp", std::process::id()));
        // A new file, never one standing at the name (a link planted there is not followed).
        let mut file = File::options().write(true).create_new(true).open(&tmp)?;
        file.write_all(MAGIC)?;
        Ok(Writer::at(file, tmp, dest, Vec::new(), interned, key))
    }

    /// A writer of `file` (`tmp`, to become `dest`) that adds a segment after `segments`.
    fn at(
        file: File,
        tmp: PathBuf,
        dest: PathBuf,
        segments: Vec<Segment>,
        interned: &[bool],
        key: &'static Key,
    ) -> Writer {
        let offset = rows_end(&segments);
        Writer {
            file,
            tmp,
            dest,
            done: false,
            next_string: segments.iter().map(|s| s.strings).sum(),
            segments,
            current: Segment {
                offset,
                len: 0,
                records: 0,
                strings: 0,
                check: 0,
            },
            check: ContentHash::new(key.seed(1)),
            buf: Vec::with_capacity(BLOCK + 4096),
            shared: FastMap::default(),
            named: Vec::new(),
            interned: interned.to_vec(),
            key,
        }
    }

    /// Adds a segment to the existing cache file at `dest`, whose segments were replayed: its
    /// footer is cut off and written again after the new rows. Until then the file has no
    /// footer, so a crash or a concurrent reader finds it damaged and reads the kit file in full;
    /// nothing is copied.
    pub(crate) fn append(
        dest: PathBuf,
        interned: &[bool],
        to: &CacheFile,
        key: &'static Key,
    ) -> io::Result<Writer> {
        // Only the regular file the replay read: never through a link planted at the name.
        if !std::fs::symlink_metadata(&dest)?.file_type().is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let end = rows_end(&to.segments);
        let mut file = File::options().write(true).open(&dest)?;
        file.set_len(end)?;
        file.seek(SeekFrom::Start(end))?;
        Ok(Writer::at(
            file,
            dest.clone(),
            dest,
            to.segments.clone(),
            interned,
            key,
        ))
    }

    /// Adds a row: its line and the cells that build its record.
    /// `names` is the reader's table, which cells read as names point into.
    pub(crate) fn row(&mut self, line: u32, vals: &[Val], names: &Names) -> io::Result<()> {
        let b = &mut self.buf;
        put_u32(b, line);
        for (i, v) in vals.iter().enumerate() {
            match v {
                Val::Null => b.push(0),
                // Written as a shared string: replayed, it is interned again.
                Val::Name(n) => match self.named.get(n.index() as usize).copied() {
                    Some(k) if k > 0 => {
                        b.push(3);
                        put_u32(b, k - 1);
                    }
                    _ => {
                        let at = n.index() as usize;
                        if self.named.len() <= at {
                            self.named.resize((at + 1).next_power_of_two(), 0);
                        }
                        self.named[at] = self.next_string + 1;
                        self.next_string += 1;
                        self.current.strings += 1;
                        b.push(2);
                        put_str(b, names.get(*n));
                    }
                },
                Val::Str(s) if self.interned[i] && s.is_heap_allocated() => {
                    let key = s.as_str().as_ptr() as usize;
                    match self.shared.get(&key) {
                        Some(&n) => {
                            b.push(3);
                            put_u32(b, n);
                        }
                        None => {
                            self.shared.insert(key, self.next_string);
                            self.next_string += 1;
                            self.current.strings += 1;
                            b.push(2);
                            put_str(b, s);
                        }
                    }
                }
                Val::Str(s) => {
                    b.push(1);
                    put_str(b, s);
                }
                Val::Ts(t) => {
                    b.push(4);
                    b.extend_from_slice(&Ts::new(*t).as_microsecond().to_le_bytes());
                }
                Val::Date(d) => {
                    b.push(5);
                    b.extend_from_slice(&d.year().to_le_bytes());
                    b.push(d.month() as u8);
                    b.push(d.day() as u8);
                }
                Val::Bool(false) => b.push(6),
                Val::Bool(true) => b.push(7),
                Val::Int(n) => {
                    b.push(8);
                    b.extend_from_slice(&n.to_le_bytes());
                }
                Val::Enum(n) => {
                    b.push(9);
                    b.push(*n);
                }
            }
        }
        self.current.records += 1;
        if self.buf.len() >= BLOCK {
            // Every whole block, which the checksum hashes where they lie: a row may be longer
            // than a block (a line is up to 1 MiB), and nothing of it may be left to shift again.
            let n = self.buf.len() / BLOCK * BLOCK;
            self.check.update(&self.buf[..n]);
            self.file.write_all(&self.buf[..n])?;
            self.current.len += n as u64;
            self.buf.drain(..n);
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check.update(&self.buf);
        self.file.write_all(&self.buf)?;
        self.current.len += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes the footer and puts the file in place.
    pub(crate) fn finish(mut self, meta: &Meta) -> io::Result<()> {
        self.flush()?;
        self.current.check = self.check.finish();
        self.segments.push(self.current);
        let mut f = Vec::new();
        put_str(&mut f, &meta.fingerprint);
        put_str(&mut f, &meta.name);
        put_u64(&mut f, meta.size);
        put_u64(&mut f, meta.hash);
        put_u64(&mut f, meta.header_end);
        put_u32(&mut f, meta.end_line);
        f.push(u8::from(meta.appendable));
        put_u32(&mut f, meta.rows);
        put_u32(&mut f, self.segments.len() as u32);
        for s in &self.segments {
            put_u64(&mut f, s.offset);
            put_u64(&mut f, s.len);
            put_u64(&mut f, s.records);
            put_u32(&mut f, s.strings);
            put_u64(&mut f, s.check);
        }
        // The MAC covers where the footer starts too, which the reader finds from its length.
        let start = self.current.offset + self.current.len;
        put_u64(&mut f, start);
        let mac = self.key.mac(&f);
        let n = (f.len() + TRAILER) as u32;
        put_u32(&mut f, n);
        f.extend_from_slice(&mac);
        self.file.write_all(&f)?;
        self.file.flush()?;
        if self.tmp != self.dest {
            std::fs::rename(&self.tmp, &self.dest)?;
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Unfinished (a file that did not read clean, an error): nothing is left behind, not even
        // a cache whose footer was cut off to append to it.
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// An existing cache file, its footer read and checked.
pub(crate) struct CacheFile {
    file: File,
    pub(crate) meta: Meta,
    segments: Vec<Segment>,
    key: &'static Key,
}

struct Cursor<'a> {
    b: &'a [u8],
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.b.len() < n {
            return None;
        }
        let (a, rest) = self.b.split_at(n);
        self.b = rest;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn str(&mut self) -> Option<&str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

impl CacheFile {
    /// Opens `path` and reads its footer; `None` when there is none, or it is damaged.
    pub(crate) fn open(path: &Path, key: &'static Key) -> Option<CacheFile> {
        let mut file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic).ok()?;
        let trailer = TRAILER as u64;
        if &magic != MAGIC || len < 8 + trailer {
            return None;
        }
        let mut tail = [0u8; TRAILER];
        file.seek(SeekFrom::Start(len - trailer)).ok()?;
        file.read_exact(&mut tail).ok()?;
        let flen = u64::from(u32::from_le_bytes(tail[..4].try_into().ok()?));
        if flen < trailer + 8 || flen > len - 8 {
            return None;
        }
        let start = len - flen;
        let mut f = vec![0u8; (flen - trailer) as usize];
        file.seek(SeekFrom::Start(start)).ok()?;
        file.read_exact(&mut f).ok()?;
        // Written by this user (and whole): the MAC under the user's key, over the footer and
        // where it starts.
        if key.mac(&f)[..] != tail[4..] || f[f.len() - 8..] != start.to_le_bytes() {
            return None;
        }
        let mut c = Cursor {
            b: &f[..f.len() - 8],
        };
        let meta = Meta {
            fingerprint: c.str()?.to_string(),
            name: c.str()?.to_string(),
            size: c.u64()?,
            hash: c.u64()?,
            header_end: c.u64()?,
            end_line: c.u32()?,
            appendable: c.u8()? == 1,
            rows: c.u32()?,
        };
        let n = c.u32()?;
        let mut segments = Vec::new();
        let mut at = MAGIC.len() as u64;
        for _ in 0..n {
            let s = Segment {
                offset: c.u64()?,
                len: c.u64()?,
                records: c.u64()?,
                strings: c.u32()?,
                check: c.u64()?,
            };
            // Segments follow one another up to the footer, and a row takes at least 5 bytes (a
            // line and a cell): a count no segment could hold is damage, never an allocation.
            if s.offset != at || s.records > s.len / 5 {
                return None;
            }
            at = s.offset.checked_add(s.len)?;
            segments.push(s);
        }
        if at != start || !c.b.is_empty() {
            return None;
        }
        Some(CacheFile {
            file,
            meta,
            segments,
            key,
        })
    }

    /// Replays every cached row: `row` gets each row's line and cells. `intern` makes a shared
    /// string; the cells of the `named` columns come as names in `names`, each shared string
    /// interned once however many rows repeat it. `None` when a segment's checksum or encoding
    /// is wrong: then nothing replayed may be kept.
    pub(crate) fn replay(
        &mut self,
        schema: &Schema,
        named: &[usize],
        intern: &mut dyn FnMut(&str) -> Id,
        names: &mut Names,
        row: &mut dyn FnMut(u32, &mut [Val], &mut Names),
    ) -> Option<()> {
        let mut vals: Vec<Val> = vec![Val::Null; schema.fields.len()];
        let named: Vec<bool> = (0..schema.fields.len())
            .map(|i| named.contains(&i))
            .collect();
        let mut strings = Strings::default();
        let mut buf: Vec<u8> = Vec::new();
        for s in self.segments.clone() {
            self.file.seek(SeekFrom::Start(s.offset)).ok()?;
            let mut check = ContentHash::new(self.key.seed(1));
            let strings_before = strings.len();
            let mut left = s.len;
            let mut records = 0u64;
            // Rows never straddle a read: each piece is read up to whole rows, the rest kept.
            let mut piece = vec![0u8; FLUSH];
            buf.clear();
            while left > 0 || !buf.is_empty() {
                if left > 0 {
                    let want = (left as usize).min(piece.len());
                    self.file.read_exact(&mut piece[..want]).ok()?;
                    check.update(&piece[..want]);
                    buf.extend_from_slice(&piece[..want]);
                    left -= want as u64;
                }
                let mut c = Cursor { b: &buf };
                loop {
                    let (before, defined) = (c.b, strings.len());
                    match decode_row(&mut c, &mut vals, &named, &mut strings, intern, names) {
                        Some(line) => {
                            records += 1;
                            row(line, &mut vals, names);
                        }
                        None => {
                            // A row cut by the piece's end: read again with the next piece.
                            c.b = before;
                            strings.truncate(defined);
                            break;
                        }
                    }
                    if c.b.is_empty() {
                        break;
                    }
                }
                let used = buf.len() - c.b.len();
                buf.drain(..used);
                if (left == 0 && !buf.is_empty()) || buf.len() > MAX_ROW {
                    // Bytes that are no whole row, or a "row" longer than any row written.
                    return None;
                }
            }
            if check.finish() != s.check
                || records != s.records
                || strings.len() - strings_before != s.strings as usize
            {
                return None;
            }
        }
        Some(())
    }

    /// Rows replayed in all.
    pub(crate) fn records(&self) -> u64 {
        self.segments.iter().map(|s| s.records).sum()
    }
}

/// The shared strings of a replay, by number, each with its name once a named column used it.
#[derive(Default)]
struct Strings {
    ids: Vec<Id>,
    names: Vec<Option<Name>>,
}

impl Strings {
    fn len(&self) -> usize {
        self.ids.len()
    }
    fn truncate(&mut self, len: usize) {
        self.ids.truncate(len);
        self.names.truncate(len);
    }
    fn push(&mut self, id: Id, name: Option<Name>) {
        self.ids.push(id);
        self.names.push(name);
    }
}

/// Decodes one row into `vals`, giving its line; `None` when the bytes end first or are not a
/// row. A `named` column's string is a [`Val::Name`] in `names`.
fn decode_row(
    c: &mut Cursor<'_>,
    vals: &mut [Val],
    named: &[bool],
    strings: &mut Strings,
    intern: &mut dyn FnMut(&str) -> Id,
    names: &mut Names,
) -> Option<u32> {
    let line = c.u32()?;
    for (i, v) in vals.iter_mut().enumerate() {
        if named[i] {
            *v = match c.u8()? {
                0 => Val::Null,
                1 => Val::Name(names.intern_raw_at(i, c.str()?)),
                2 => {
                    let s = c.str()?;
                    let n = names.intern_raw_at(i, s);
                    strings.push(Id::new(s), Some(n));
                    Val::Name(n)
                }
                3 => {
                    let k = c.u32()? as usize;
                    match *strings.names.get(k)? {
                        Some(n) => Val::Name(n),
                        None => {
                            let n = names.intern_at(i, strings.ids[k].clone());
                            strings.names[k] = Some(n);
                            Val::Name(n)
                        }
                    }
                }
                // A named column holds ids only.
                _ => return None,
            };
            continue;
        }
        *v = match c.u8()? {
            0 => Val::Null,
            1 => Val::Str(Id::new(c.str()?)),
            2 => {
                let s = intern(c.str()?);
                strings.push(s.clone(), None);
                Val::Str(s)
            }
            3 => Val::Str(strings.ids.get(c.u32()? as usize)?.clone()),
            4 => {
                let us = i64::from_le_bytes(c.take(8)?.try_into().ok()?);
                Val::Ts(Ts::from_microsecond(us)?.get())
            }
            5 => {
                let y = i16::from_le_bytes(c.take(2)?.try_into().ok()?);
                let (m, d) = (c.u8()? as i8, c.u8()? as i8);
                Val::Date(jiff::civil::Date::new(y, m, d).ok()?)
            }
            6 => Val::Bool(false),
            7 => Val::Bool(true),
            8 => Val::Int(i64::from_le_bytes(c.take(8)?.try_into().ok()?)),
            9 => Val::Enum(c.u8()?),
            _ => return None,
        };
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small cache of account events (system, account, event, at, actor), as the reader
    /// writes it, with long accounts shared; the system, and every second row's account, are
    /// cells read as names. Returns the rows with every name as its text.
    fn written(dir: &Path) -> (PathBuf, Vec<(u32, Vec<Val>)>) {
        let schema = crate::Kind::AccountEvents.schema();
        let dest = path(dir, schema.stem);
        let long = Id::new("an-account-id-longer-than-23-bytes");
        let mut names = Names::default();
        let mut rows = Vec::new();
        for i in 0..120u32 {
            let account = if i % 3 == 0 {
                long.clone()
            } else {
                Id::new(format!("u{i}"))
            };
            rows.push((
                i + 2,
                vec![
                    Val::Name(names.intern(Id::new("okta"))),
                    if i % 2 == 0 {
                        Val::Name(names.intern(account.clone()))
                    } else {
                        Val::Str(account.clone())
                    },
                    Val::Enum((i % 4) as u8),
                    Val::Ts(jiff::Timestamp::from_second(1_780_000_000 + i64::from(i)).unwrap()),
                    if i % 5 == 0 {
                        Val::Null
                    } else {
                        Val::Str(account)
                    },
                ],
            ));
        }
        let mut w = Writer::create(dest.clone(), &[true; 5], &KEY).expect("create");
        for (line, vals) in &rows {
            w.row(*line, vals, &names).expect("row");
        }
        w.finish(&meta(120)).expect("finish");
        let rows = rows
            .into_iter()
            .map(|(line, vals)| (line, as_text(&vals, &names)))
            .collect();
        (dest, rows)
    }

    /// A test cache's footer: `rows` account events from line 2 on.
    fn meta(rows: u32) -> Meta {
        Meta {
            fingerprint: "test".into(),
            name: "account_events.csv".into(),
            size: 1,
            hash: 2,
            header_end: 3,
            end_line: rows + 2,
            appendable: true,
            rows,
        }
    }

    /// `vals` with each name as its text.
    fn as_text(vals: &[Val], names: &Names) -> Vec<Val> {
        vals.iter()
            .map(|v| match v {
                Val::Name(n) => Val::Str(Id::new(names.get(*n))),
                v => v.clone(),
            })
            .collect()
    }

    static KEY: Key = Key([1; 32]);

    /// The rows replayed, shown with each name as its text, the same whether the account
    /// event's named columns are replayed as names or as strings; `None` when refused.
    fn replayed(path: &Path, key: &'static Key) -> Option<Vec<String>> {
        let mut runs = [&[][..], &[0, 1, 4][..]].map(|named| {
            let mut c = CacheFile::open(path, key)?;
            let mut out = Vec::new();
            c.replay(
                crate::Kind::AccountEvents.schema(),
                named,
                &mut |s| Id::new(s),
                &mut Names::default(),
                &mut |line, vals, names| {
                    out.push(format!("{line} {:?}", as_text(vals, names)));
                },
            )?;
            Some(out)
        });
        assert_eq!(runs[0], runs[1], "replayed as strings and as names");
        runs[0].take()
    }

    #[test]
    fn a_cache_replays_what_was_written_and_refuses_any_damage_without_panicking() {
        let dir = tempfile::tempdir().expect("tmp");
        let (path, rows) = written(dir.path());
        let expected: Vec<String> = rows
            .iter()
            .map(|(line, vals)| format!("{line} {vals:?}"))
            .collect();
        assert_eq!(replayed(&path, &KEY), Some(expected));
        assert_eq!(
            CacheFile::open(&path, &KEY).expect("open").meta.end_line,
            122
        );
        // The boundary: the same file under another user's key (a cache shipped in a kit) is
        // not used.
        static OTHER: Key = Key([2; 32]);
        assert_eq!(replayed(&path, &OTHER), None);
        // Even a key whose seeds are the same (the hashes would match): the footer's MAC is not.
        let mut same_seeds = [1u8; 32];
        same_seeds[31] = 9;
        let same_seeds: &'static Key = Box::leak(Box::new(Key(same_seeds)));
        assert_eq!(
            (same_seeds.seed(0), same_seeds.seed(1)),
            (KEY.seed(0), KEY.seed(1))
        );
        assert_eq!(replayed(&path, same_seeds), None);
        // Every single byte changed, and the file cut at every length: refused, never a panic,
        // never rows that were not written.
        let bytes = std::fs::read(&path).expect("read");
        let damaged = dir.path().join("damaged.fcc");
        for at in 0..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            std::fs::write(&damaged, &b).expect("write");
            assert_eq!(replayed(&damaged, &KEY), None, "byte {at} changed");
        }
        for len in 0..bytes.len() {
            std::fs::write(&damaged, &bytes[..len]).expect("write");
            assert_eq!(replayed(&damaged, &KEY), None, "cut at {len}");
        }
    }

    #[test]
    fn rows_longer_than_a_block_are_written_out_whole_and_replayed() {
        // Three 60 KiB names a row (180 KiB of cells, more than a block of 128 KiB), each new,
        // so each is written in full.
        let dir = tempfile::tempdir().expect("tmp");
        let dest = path(dir.path(), "account_events");
        let mut names = Names::default();
        let mut w = Writer::create(dest.clone(), &[true; 5], &KEY).expect("create");
        let mut expected = Vec::new();
        for i in 0..12u32 {
            let long = |c: char| Id::new(format!("{i}{}", c.to_string().repeat(60 << 10)));
            let vals = vec![
                Val::Name(names.intern(long('s'))),
                Val::Name(names.intern(long('a'))),
                Val::Enum(1),
                Val::Ts(jiff::Timestamp::from_second(1_780_000_000).expect("an instant")),
                Val::Name(names.intern(long('x'))),
            ];
            w.row(i + 2, &vals, &names).expect("row");
            // What is left unwritten is always less than a block.
            assert!(w.buf.len() < BLOCK, "row {i}: {} bytes held", w.buf.len());
            expected.push(format!("{} {:?}", i + 2, as_text(&vals, &names)));
        }
        w.finish(&meta(12)).expect("finish");
        assert_eq!(replayed(&dest, &KEY), Some(expected));
    }

    #[test]
    fn a_content_hash_does_not_depend_on_how_the_bytes_came() {
        let data: Vec<u8> = (0..(3 * BLOCK + 12345))
            .map(|i| (i * 7 + i / 13) as u8)
            .collect();
        let mut whole = ContentHash::new(7);
        whole.update(&data);
        for piece in [1usize, 4096, 65537, BLOCK - 1, BLOCK, BLOCK + 3] {
            let mut h = ContentHash::new(7);
            for c in data.chunks(piece) {
                h.update(c);
            }
            assert_eq!(h.finish(), whole.finish(), "pieces of {piece}");
        }
        // A prefix's hash, continued, is the whole's; any one byte changed is another hash.
        for cut in [0, 1, BLOCK - 1, BLOCK, 2 * BLOCK + 5] {
            let mut h = ContentHash::new(7);
            h.update(&data[..cut]);
            let mut whole_prefix = ContentHash::new(7);
            whole_prefix.update(&data[..cut]);
            assert_eq!(h.finish(), whole_prefix.finish());
            h.update(&data[cut..]);
            assert_eq!(h.finish(), whole.finish(), "cut at {cut}");
        }
        let mut changed = data.clone();
        changed[2 * BLOCK + 77] ^= 1;
        let mut h = ContentHash::new(7);
        h.update(&changed);
        assert_ne!(h.finish(), whole.finish());
        // The boundary: the same bytes plus one more is another hash, even a zero byte.
        let mut longer = ContentHash::new(7);
        longer.update(&data);
        longer.update(&[0]);
        assert_ne!(longer.finish(), whole.finish());
    }
}
