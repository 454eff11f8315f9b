//! Writing the locker: content-addressed blobs and atomic, sealed collections.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::keys::public_text;
use crate::layout::blob_path;
use crate::manifest::{Entry, LineKind, ZERO_HASH, hex};

/// Something the locker cannot do, with what to do about it.
#[derive(Debug)]
pub struct LockerError(pub String);

impl std::fmt::Display for LockerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LockerError {}

fn io_err(what: &str, p: &Path) -> impl Fn(io::Error) -> LockerError {
    let msg = format!("cannot {what} `{}`", p.display());
    move |e| LockerError(format!("{msg}: {e}"))
}

/// A file to collect.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// The source: an adapter name, `kit` or `config`.
    pub source: String,
    /// The system its records belong to.
    pub system_id: Option<String>,
    /// Its name relative to the kit folder (kept in the manifest).
    pub name: String,
    /// Where to read it.
    pub path: PathBuf,
}

/// What one collection stored.
#[derive(Clone, Debug)]
pub struct Collected {
    /// The collection's number.
    pub collection: u64,
    /// Files recorded.
    pub entries: usize,
    /// Contents stored for the first time.
    pub new_blobs: usize,
    /// Bytes of the files recorded.
    pub bytes: u64,
    /// The seal's hash: the chain head after this collection.
    pub head: String,
    /// Whether the seal is signed.
    pub signed: bool,
    /// When it ran.
    pub at: Timestamp,
}

/// A collection as read back: its number, time and evidence lines.
#[derive(Clone, Debug)]
pub struct Collection {
    /// The collection's number.
    pub collection: u64,
    /// When it ran.
    pub at: Timestamp,
    /// Its evidence lines.
    pub entries: Vec<Entry>,
}

/// A locker folder.
pub struct Locker {
    dir: PathBuf,
}

/// The test-only crash point: the process aborts after this many durable steps
/// (`FIELDCHECK_LOCKER_CRASH_AFTER`, see [`crash_after_from_env`]). Compiled in only with the
/// `test-hooks` feature: without it the count is kept and the crash point ignored.
pub(crate) struct Steps {
    done: u32,
    crash_after: Option<u32>,
}

impl Steps {
    fn step(&mut self) {
        self.done += 1;
        if cfg!(feature = "test-hooks") && self.crash_after == Some(self.done) {
            std::process::abort();
        }
    }
}

/// The test hook `FIELDCHECK_LOCKER_CRASH_AFTER=N`: abort after the N-th durable step of a
/// collection. Read only with the `test-hooks` feature (test builds); `None` otherwise, whatever
/// the environment says.
pub fn crash_after_from_env() -> Option<u32> {
    if !cfg!(feature = "test-hooks") {
        return None;
    }
    std::env::var("FIELDCHECK_LOCKER_CRASH_AFTER")
        .ok()?
        .parse()
        .ok()
}

fn sync_dir(p: &Path) {
    // Makes a rename durable (Linux); ignored where directories cannot be opened.
    if let Ok(d) = File::open(p) {
        let _ = d.sync_all();
    }
}

impl Locker {
    /// Opens (creating if needed) the locker at `dir`.
    pub fn open(dir: &Path) -> Result<Locker, LockerError> {
        // Never take over a folder that holds something else: collect clears `tmp/`.
        if dir.is_dir() && !dir.join("manifest.jsonl").is_file() {
            let other = fs::read_dir(dir)
                .map_err(io_err("read", dir))?
                .flatten()
                .any(|e| {
                    !matches!(
                        e.file_name().to_str(),
                        Some("blobs" | "tmp" | "locker.lock")
                    )
                });
            if other {
                return Err(LockerError(format!(
                    "`{}` is not empty and is not an evidence locker; give an empty or new folder with `--locker`",
                    dir.display()
                )));
            }
        }
        for sub in ["blobs", "tmp"] {
            let p = dir.join(sub);
            if p.is_symlink() {
                return Err(LockerError(format!(
                    "`{}` is a symbolic link; a locker's folders must be its own",
                    p.display()
                )));
            }
        }
        for sub in ["", "blobs/sha256", "tmp"] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(io_err("create the locker folder", &p))?;
        }
        Ok(Locker {
            dir: dir.to_path_buf(),
        })
    }

    /// Opens an existing locker (a folder with a manifest), without creating anything.
    pub fn existing(dir: &Path) -> Result<Locker, LockerError> {
        if !dir.join("manifest.jsonl").is_file() {
            return Err(LockerError(format!(
                "`{}` is not an evidence locker (no manifest.jsonl); run `fieldcheck collect` first",
                dir.display()
            )));
        }
        Ok(Locker {
            dir: dir.to_path_buf(),
        })
    }

    /// The locker's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob of `digest` (`sha256:<hex>`) is.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        blob_path(&self.dir, digest)
    }

    /// The manifest's bytes (empty when there is none yet).
    fn manifest_bytes(&self) -> Result<Vec<u8>, LockerError> {
        let p = self.dir.join("manifest.jsonl");
        match fs::read(&p) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io_err("read", &p)(e)),
        }
    }

    /// Every manifest line, parsed. Fails on a line that does not parse: run `verify`.
    pub fn entries(&self) -> Result<Vec<Entry>, LockerError> {
        parse_entries(&self.manifest_bytes()?, &self.dir.join("manifest.jsonl"))
    }

    /// The sealed collections, in order.
    pub fn collections(&self) -> Result<Vec<Collection>, LockerError> {
        let mut out: Vec<Collection> = Vec::new();
        let mut pending: Vec<Entry> = Vec::new();
        for e in self.entries()? {
            match e.kind {
                LineKind::Evidence => pending.push(e),
                LineKind::Seal => out.push(Collection {
                    collection: e.collection,
                    at: e.at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
                    entries: std::mem::take(&mut pending),
                }),
            }
        }
        Ok(out)
    }

    /// What the locker held at `as_of` (all collections when `None`).
    ///
    /// Raw exports are kept from every collection (the newest version of each file ever
    /// collected), so log pages that aged out of their source's look-back stay evidence; the
    /// config and the kit files are those of the last collection, so a file removed from the kit
    /// is gone from the replay too.
    pub fn as_of(&self, as_of: Option<Timestamp>) -> Result<Vec<Entry>, LockerError> {
        let mut latest: std::collections::BTreeMap<String, Entry> = Default::default();
        let collections: Vec<Collection> = self
            .collections()?
            .into_iter()
            .filter(|c| as_of.is_none_or(|t| c.at <= t))
            .collect();
        let last = collections.len();
        for (i, c) in collections.into_iter().enumerate() {
            for e in c.entries {
                let whole_kit = matches!(e.source.as_deref(), Some("kit" | "config"));
                if whole_kit && i + 1 != last {
                    continue;
                }
                if let Some(n) = &e.name {
                    latest.insert(n.clone(), e);
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// Puts the blobs of `entries` under their original names into `out`, a folder to be read
    /// and removed (an audit's replay): each is a hard link to its blob where `out` is on the
    /// locker's filesystem (nothing copied), else a copy. Never write through the files: a link
    /// is the blob.
    pub fn materialize(&self, entries: &[Entry], out: &Path) -> Result<(), LockerError> {
        self.materialize_metered(entries, out, &())
    }

    /// [`Locker::materialize`], telling `meter` the bytes in all and of each file as it is copied.
    pub fn materialize_metered(
        &self,
        entries: &[Entry],
        out: &Path,
        meter: &dyn crate::Meter,
    ) -> Result<(), LockerError> {
        meter.total(entries.iter().filter_map(|e| e.size).sum());
        for e in entries {
            let (Some(name), Some(d)) = (&e.name, &e.digest) else {
                continue;
            };
            if !crate::manifest::valid_digest(d) {
                return Err(LockerError(format!(
                    "entry #{} has an invalid digest `{d}`",
                    e.seq
                )));
            }
            // Names come from the manifest: never let one escape `out`.
            let rel = Path::new(name);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(LockerError(format!(
                    "entry #{} has an unsafe name `{name}`",
                    e.seq
                )));
            }
            let dest = out.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(io_err("create", parent))?;
            }
            let blob = self.blob_path(d);
            // Whatever stands at the name goes first: copying over a link would write a blob.
            match fs::remove_file(&dest) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_err("replace", &dest)(e));
                }
                _ => {}
            }
            let n = match fs::hard_link(&blob, &dest) {
                Ok(()) => fs::metadata(&dest).map_err(io_err("read", &dest))?.len(),
                Err(_) => fs::copy(&blob, &dest).map_err(io_err("copy the blob to", &dest))?,
            };
            meter.add(n);
        }
        Ok(())
    }

    /// Stores `files` as one collection at `at`, sealed (and signed with `key`).
    /// `now` is read once the locker is locked, so concurrent collections get increasing times.
    /// Files are opened with `File::open`; [`Locker::collect_with`] lets the caller decide.
    pub fn collect(
        &self,
        files: &[Incoming],
        now: &dyn Fn() -> Timestamp,
        key: Option<&SigningKey>,
        crash_after: Option<u32>,
    ) -> Result<Collected, LockerError> {
        let open = |f: &Incoming| File::open(&f.path).map_err(io_err("read", &f.path));
        self.collect_with(files, now, key, crash_after, &open)
    }

    /// [`Locker::collect`], opening each file with `open`: the caller's policy for what may be
    /// read (the CLI never opens a FIFO, a device, a folder or a link out of the kit). A file
    /// `open` refuses stops the collection before its manifest lines are written.
    pub fn collect_with(
        &self,
        files: &[Incoming],
        now: &dyn Fn() -> Timestamp,
        key: Option<&SigningKey>,
        crash_after: Option<u32>,
        open: &dyn Fn(&Incoming) -> Result<File, LockerError>,
    ) -> Result<Collected, LockerError> {
        self.collect_metered(files, now, key, crash_after, open, &())
    }

    /// [`Locker::collect_with`], telling `meter` the bytes of each file as it is stored.
    pub fn collect_metered(
        &self,
        files: &[Incoming],
        now: &dyn Fn() -> Timestamp,
        key: Option<&SigningKey>,
        crash_after: Option<u32>,
        open: &dyn Fn(&Incoming) -> Result<File, LockerError>,
        meter: &dyn crate::Meter,
    ) -> Result<Collected, LockerError> {
        let lock_path = self.dir.join("locker.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("open", &lock_path))?;
        lock.lock().map_err(io_err("lock", &lock_path))?;
        let mut steps = Steps {
            done: 0,
            crash_after,
        };
        // Leftovers of an interrupted collection are not evidence: only files this code names
        // (`blob.<pid>`, `<file>.<pid>`) are removed.
        if let Ok(rd) = fs::read_dir(self.dir.join("tmp")) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let ours = name.rsplit_once('.').is_some_and(|(_, pid)| {
                    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
                });
                if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        // Never build on a manifest that does not verify: appending would bury the evidence of
        // what was done to it (a new HEAD over a cut manifest, a new seal over an edited chain).
        if self.dir.join("manifest.jsonl").is_file() {
            let v = crate::verify::verify_with(&self.dir, None, None, false);
            if let Some(f) = v.findings.first() {
                return Err(LockerError(format!(
                    "the locker does not verify ([{}] {}); nothing was collected: run `fieldcheck locker verify` and restore the locker from a copy",
                    f.code, f.message
                )));
            }
        }
        let manifest = self.dir.join("manifest.jsonl");
        let old_bytes = self.manifest_bytes()?;
        let existing = parse_entries(&old_bytes, &manifest)?;
        let at = now();
        if let Some(last) = existing.last()
            && let Ok(prev) = last.at.parse::<Timestamp>()
            && at <= prev
        {
            return Err(LockerError(format!(
                "the clock says {at}, but the last collection was at {prev}: collection times must increase (check the clock or FIELDCHECK_NOW)"
            )));
        }
        if let Some(last) = existing.last()
            && last.kind != LineKind::Seal
        {
            return Err(LockerError(
                "the manifest ends without a seal; run `fieldcheck locker verify` before collecting".into(),
            ));
        }
        if key.is_none()
            && let Some(prev_key) = existing.iter().rev().find_map(|e| e.key.clone())
        {
            return Err(LockerError(format!(
                "this locker's seals are signed by {prev_key}; pass `--sign KEY` (an unsigned collection would fail the auditor's `verify --key`)"
            )));
        }
        // A signature vouches for the chain up to its seal, but an auditor who pins the key
        // checks every seal: collections already sealed without a signature would fail that
        // check later, as `unsigned-seal`. Say so now, before anything is written.
        let unsigned: Vec<u64> = existing
            .iter()
            .filter(|e| e.kind == LineKind::Seal && e.sig.is_none())
            .map(|e| e.collection)
            .collect();
        if key.is_some()
            && let (Some(first), Some(last)) = (unsigned.first(), unsigned.last())
        {
            return Err(LockerError(format!(
                "this locker already holds {} unsigned collection{} ({}); a signed collection cannot vouch for {}, and an auditor who pins the key (`fieldcheck locker verify --key`, `audit --locker --key`) would refuse the whole locker: nothing was collected. Collect signed evidence into a new locker (`fieldcheck collect --sign KEY --locker NEW-DIR`, keeping this one as the unsigned record), or keep collecting into this one without `--sign`",
                unsigned.len(),
                if unsigned.len() == 1 { "" } else { "s" },
                if first == last {
                    format!("collection {first}")
                } else {
                    format!("collections {first} to {last}")
                },
                if unsigned.len() == 1 { "it" } else { "them" },
            )));
        }
        if let Some(k) = key
            && let Some(prev_key) = existing.iter().rev().find_map(|e| e.key.clone())
            && prev_key != public_text(&k.verifying_key())
        {
            return Err(LockerError(format!(
                "this locker's seals are signed by {prev_key}; sign with that key (a new key would make the chain's signatures inconsistent)"
            )));
        }
        let collection = existing.last().map_or(1, |e| e.collection + 1);
        let mut seq = existing.last().map_or(0, |e| e.seq);
        let mut prev = existing
            .last()
            .map_or(ZERO_HASH.to_string(), |e| e.hash.clone());
        let at_text = at.to_string();
        let mut lines = Vec::new();
        let (mut new_blobs, mut bytes) = (0usize, 0u64);
        for f in files {
            let input = open(f)?;
            let (digest, size, fresh) = self.store_blob(input, &f.path, &mut steps, meter)?;
            new_blobs += usize::from(fresh);
            bytes += size;
            seq += 1;
            let mut e = Entry {
                seq,
                kind: LineKind::Evidence,
                at: at_text.clone(),
                collection,
                source: Some(f.source.clone()),
                system_id: f.system_id.clone(),
                name: Some(f.name.clone()),
                digest: Some(digest),
                size: Some(size),
                head: None,
                key: None,
                sig: None,
                prev: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev = e.hash.clone();
            lines.push(e);
        }
        seq += 1;
        let mut seal = Entry {
            seq,
            kind: LineKind::Seal,
            at: at_text,
            collection,
            source: None,
            system_id: None,
            name: None,
            digest: None,
            size: None,
            head: Some(prev.clone()),
            key: key.map(|k| public_text(&k.verifying_key())),
            sig: None,
            prev,
            hash: String::new(),
        };
        if let Some(k) = key {
            seal.sig = Some(hex(&k.sign(&seal.signed_message()).to_bytes()));
        }
        seal.hash = seal.compute_hash();
        let head = seal.hash.clone();
        lines.push(seal);
        // The new manifest replaces the old in one rename: all of the collection or none of it.
        let mut text = old_bytes;
        for l in &lines {
            text.extend_from_slice(l.line().as_bytes());
            text.push(b'\n');
        }
        self.replace(&manifest, &text, &mut steps)?;
        let head_text = format!("{{\"seq\":{seq},\"hash\":\"{head}\"}}\n");
        self.replace(&self.dir.join("HEAD"), head_text.as_bytes(), &mut steps)?;
        if let Some(k) = key {
            let p = self.dir.join("locker.pub");
            if !p.exists() {
                self.replace(
                    &p,
                    format!("{}\n", public_text(&k.verifying_key())).as_bytes(),
                    &mut steps,
                )?;
            }
        }
        drop(lock);
        Ok(Collected {
            collection,
            entries: files.len(),
            new_blobs,
            bytes,
            head,
            signed: key.is_some(),
            at,
        })
    }

    /// Writes `bytes` to `dest` atomically: a synced temporary file renamed over it.
    fn replace(&self, dest: &Path, bytes: &[u8], steps: &mut Steps) -> Result<(), LockerError> {
        let tmp = self.dir.join("tmp").join(format!(
            "{}.{}",
            dest.file_name()
                .map_or("file".into(), |n| n.to_string_lossy()),
            std::process::id()
        ));
        {
            let mut f = File::create(&tmp).map_err(io_err("write", &tmp))?;
            f.write_all(bytes).map_err(io_err("write", &tmp))?;
            f.sync_all().map_err(io_err("sync", &tmp))?;
        }
        steps.step();
        fs::rename(&tmp, dest).map_err(io_err("rename into", dest))?;
        sync_dir(&self.dir);
        steps.step();
        Ok(())
    }

    /// Copies `src` into the store, hashing it on the way; returns its digest, size and whether
    /// the content is new.
    fn store_blob(
        &self,
        mut input: File,
        src: &Path,
        steps: &mut Steps,
        meter: &dyn crate::Meter,
    ) -> Result<(String, u64, bool), LockerError> {
        let tmp = self
            .dir
            .join("tmp")
            .join(format!("blob.{}", std::process::id()));
        let mut out = File::create(&tmp).map_err(io_err("write", &tmp))?;
        let mut hasher = Sha256::new();
        // 128 KiB: a buffer that stays in a core's L2 cache takes the kernel's copy several times
        // as fast as one of 1 MiB (BENCHMARKS.md, tenth round).
        let mut buf = vec![0u8; 128 << 10];
        let mut size = 0u64;
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("read", src)(e)),
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io_err("write", &tmp))?;
            size += n as u64;
            meter.add(n as u64);
        }
        let digest = format!("sha256:{}", hex(&hasher.finalize()));
        let dest = self.blob_path(&digest);
        // A stored blob that still hashes to its name is this content; a damaged one is replaced
        // by the good copy.
        if dest.is_file() && stored_digest(&dest).as_deref() == Some(digest.as_str()) {
            drop(out);
            let _ = fs::remove_file(&tmp);
            return Ok((digest, size, false));
        }
        out.sync_all().map_err(io_err("sync", &tmp))?;
        drop(out);
        steps.step();
        if let Some(parent) = dest.parent()
            && !parent.is_dir()
        {
            fs::create_dir_all(parent).map_err(io_err("create", parent))?;
            // The new folder's entry must be durable too.
            if let Some(grand) = parent.parent() {
                sync_dir(grand);
            }
        }
        fs::rename(&tmp, &dest).map_err(io_err("rename into", &dest))?;
        if let Some(parent) = dest.parent() {
            sync_dir(parent);
        }
        steps.step();
        Ok((digest, size, true))
    }
}

fn parse_entries(bytes: &[u8], p: &Path) -> Result<Vec<Entry>, LockerError> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();

    for (i, line) in text.lines().enumerate() {
        let e: Entry = serde_json::from_str(line).map_err(|e| {
            LockerError(format!(
                "line {} of `{}` is not a manifest entry ({e}); run `fieldcheck locker verify`",
                i + 1,
                p.display()
            ))
        })?;
        out.push(e);
    }
    Ok(out)
}

/// The SHA-256 of a stored blob, `None` when it cannot be read.
fn stored_digest(p: &Path) -> Option<String> {
    let mut f = File::open(p).ok()?;
    let mut h = Sha256::new();
    // 128 KiB: a buffer that stays in a core's L2 cache takes the kernel's copy several times
    // as fast as one of 1 MiB (BENCHMARKS.md, tenth round).
    let mut buf = vec![0u8; 128 << 10];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(format!("sha256:{}", hex(&h.finalize())))
}
