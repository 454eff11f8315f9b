//! Verifying a locker: every blob's digest, the whole chain, the seals' signatures and HEAD.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::keys::{public_text, read_public_key};
use crate::layout::blob_path;
use crate::manifest::{Entry, LineKind, ZERO_HASH, hex, unhex};

/// One thing wrong with a locker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// A stable code: `blob-altered`, `blob-missing`, `entry-altered`, `sequence-broken`,
    /// `chain-broken`, `unparseable-entry`, `truncated-manifest`, `unsealed-entries`,
    /// `seal-mismatch`, `bad-signature`, `unsigned-seal`, `wrong-key`, `time-went-back`, `head-missing`,
    /// `head-mismatch`, `head-not-found`, `manifest-missing`.
    pub code: &'static str,
    /// The manifest line (1-based) it is about, when it is about one.
    pub line: Option<u64>,
    /// The entry it names (`entry #12 (exports/okta/users.json)`), when known.
    pub entry: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// What `verify` checked and found.
#[derive(Clone, Debug, Default)]
pub struct Verified {
    /// Manifest lines read.
    pub lines: u64,
    /// Evidence entries.
    pub entries: u64,
    /// Sealed collections.
    pub collections: u64,
    /// Seals with a valid signature.
    pub signed: u64,
    /// Distinct blobs hashed.
    pub blobs: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// The chain head (the last line's hash).
    pub head: Option<String>,
    /// The key that signed the seals, if any.
    pub key: Option<String>,
    /// Everything wrong, in manifest order, then blobs.
    pub findings: Vec<Finding>,
}

impl Verified {
    /// Whether the locker is intact.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

fn finding(
    code: &'static str,
    line: Option<u64>,
    entry: Option<String>,
    message: String,
) -> Finding {
    Finding {
        code,
        line,
        entry,
        message,
    }
}

/// Verifies the locker at `dir`. `key` is the public key the seals must be signed with (an
/// auditor's trusted copy of `locker.pub`); `head` a chain head the auditor recorded earlier,
/// which must still be in the chain.
pub fn verify(dir: &Path, key: Option<&VerifyingKey>, head: Option<&str>) -> Verified {
    verify_with(dir, key, head, true)
}

/// [`verify`], optionally without hashing the blobs (the manifest, seals and HEAD only).
pub fn verify_with(
    dir: &Path,
    key: Option<&VerifyingKey>,
    head: Option<&str>,
    blobs: bool,
) -> Verified {
    verify_metered(dir, key, head, blobs, &())
}

/// [`verify_with`], telling `meter` the blobs' bytes in all and as they are hashed.
pub fn verify_metered(
    dir: &Path,
    key: Option<&VerifyingKey>,
    head: Option<&str>,
    blobs: bool,
    meter: &dyn crate::Meter,
) -> Verified {
    let mut v = Verified::default();
    // HEAD is read before the manifest: a collection writes the manifest first, so a verify
    // running alongside one sees a HEAD at or behind the manifest, never ahead of it.
    let head_text = std::fs::read_to_string(dir.join("HEAD")).ok();
    let manifest = dir.join("manifest.jsonl");
    let bytes = match std::fs::read(&manifest) {
        Ok(b) => b,
        Err(e) => {
            v.findings.push(finding(
                "manifest-missing",
                None,
                None,
                format!("cannot read `{}`: {e}", manifest.display()),
            ));
            return v;
        }
    };
    let want_key = key.map(public_text);
    // Lines, with a final segment that lacks its newline kept apart: a cut-off write.
    let mut parts: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let tail = parts.pop().unwrap_or_default();
    let mut prev_hash = ZERO_HASH.to_string();
    let mut prev_seq = 0u64;
    let mut prev_desc: Option<String> = None;
    let mut by_digest: BTreeMap<String, (u64, Vec<String>)> = BTreeMap::new();
    let mut hashes: Vec<String> = Vec::new();
    let mut open_collection: Option<(u64, String)> = None;
    // The open collection's time and number (from its first line).
    let mut open_at: Option<(String, u64)> = None;
    let mut last_sealed = 0u64;
    let mut last_seal_at: Option<jiff::Timestamp> = None;
    // The key of the first signed seal: every later seal must be signed by it.
    let mut first_key: Option<String> = None;
    let mut collection = 0u64;
    for (i, raw) in parts.iter().enumerate() {
        let line_no = i as u64 + 1;
        v.lines += 1;
        let text = String::from_utf8_lossy(raw);
        let e: Entry = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(err) => {
                v.findings.push(finding(
                    "unparseable-entry",
                    Some(line_no),
                    None,
                    format!("line {line_no} is not a manifest entry ({err}): it was edited or written by something else"),
                ));
                prev_seq += 1;
                prev_hash = String::new();
                prev_desc = None;
                hashes.push(String::new());
                continue;
            }
        };
        let desc = e.describe();
        if e.seq != prev_seq + 1 {
            let msg = if e.seq <= prev_seq {
                format!(
                    "line {line_no} holds {desc}, which belongs at line {}: an entry was duplicated, inserted or moved",
                    e.seq
                )
            } else {
                format!(
                    "line {line_no} holds {desc}: the {} entr{} before it (from #{}) {} removed",
                    e.seq - prev_seq - 1,
                    if e.seq - prev_seq - 1 == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    prev_seq + 1,
                    if e.seq - prev_seq - 1 == 1 {
                        "was"
                    } else {
                        "were"
                    }
                )
            };
            v.findings.push(finding(
                "sequence-broken",
                Some(line_no),
                Some(desc.clone()),
                msg,
            ));
        } else if !prev_hash.is_empty() && e.prev != prev_hash {
            v.findings.push(finding(
                "chain-broken",
                Some(line_no),
                Some(desc.clone()),
                format!(
                    "{desc} does not follow {}: its `prev` is not the hash of the line before it",
                    prev_desc.as_deref().unwrap_or("the start of the manifest")
                ),
            ));
        }
        let computed = e.compute_hash();
        if e.hash != computed {
            v.findings.push(finding(
                "entry-altered",
                Some(line_no),
                Some(desc.clone()),
                format!("{desc} was edited: its content no longer matches its hash"),
            ));
        } else if text != e.line() {
            v.findings.push(finding(
                "entry-altered",
                Some(line_no),
                Some(desc.clone()),
                format!("{desc} was edited: the line is not in its written form"),
            ));
        }
        if e.collection < collection {
            v.findings.push(finding(
                "sequence-broken",
                Some(line_no),
                Some(desc.clone()),
                format!(
                    "{desc} names collection {} after collection {collection}",
                    e.collection
                ),
            ));
        }
        collection = collection.max(e.collection);
        match e.kind {
            LineKind::Evidence => {
                match &open_at {
                    None => {
                        if e.collection != last_sealed + 1 {
                            v.findings.push(finding(
                                "sequence-broken",
                                Some(line_no),
                                Some(desc.clone()),
                                format!(
                                    "{desc} is in collection {}, but collection {} comes next: a collection was removed or renumbered",
                                    e.collection,
                                    last_sealed + 1
                                ),
                            ));
                        }
                        open_at = Some((e.at.clone(), e.collection));
                    }
                    Some((at, c)) if e.at != *at || e.collection != *c => {
                        v.findings.push(finding(
                            "entry-altered",
                            Some(line_no),
                            Some(desc.clone()),
                            format!("{desc} has a different time or collection than the entries before it in its collection"),
                        ));
                    }
                    Some(_) => {}
                }
                v.entries += 1;
                if open_collection.is_none() {
                    open_collection = Some((line_no, desc.clone()));
                }
                match &e.digest {
                    Some(d) if !crate::manifest::valid_digest(d) => {
                        v.findings.push(finding(
                            "entry-altered",
                            Some(line_no),
                            Some(desc.clone()),
                            format!("{desc} names `{d}`, which is not a SHA-256 digest"),
                        ));
                    }
                    Some(d) => {
                        let slot = by_digest
                            .entry(d.clone())
                            .or_insert((e.size.unwrap_or(0), Vec::new()));
                        if slot.1.len() < 5 {
                            slot.1.push(desc.clone());
                        }
                    }
                    None => {
                        v.findings.push(finding(
                            "entry-altered",
                            Some(line_no),
                            Some(desc.clone()),
                            format!("{desc} has no digest"),
                        ));
                    }
                }
            }
            LineKind::Seal => {
                open_collection = None;
                v.collections += 1;
                // A collection of no file is only its seal: its number must still come next.
                if open_at.is_none() && e.collection != last_sealed + 1 {
                    v.findings.push(finding(
                        "sequence-broken",
                        Some(line_no),
                        Some(desc.clone()),
                        format!(
                            "{desc} is for collection {}, but collection {} comes next: a collection was removed or renumbered",
                            e.collection,
                            last_sealed + 1
                        ),
                    ));
                }
                if let Some((at, c)) = open_at.take()
                    && (e.at != at || e.collection != c)
                {
                    v.findings.push(finding(
                        "seal-mismatch",
                        Some(line_no),
                        Some(desc.clone()),
                        format!("{desc} gives a different time or collection than the entries it seals ({at}, collection {c})"),
                    ));
                }
                match e.at.parse::<jiff::Timestamp>() {
                    Ok(t) => {
                        if let Some(prev) = last_seal_at
                            && t <= prev
                        {
                            v.findings.push(finding(
                                "time-went-back",
                                Some(line_no),
                                Some(desc.clone()),
                                format!("{desc} is dated {t}, not after the collection before it ({prev}): collections were back-dated or reordered"),
                            ));
                        }
                        last_seal_at = Some(t);
                    }
                    Err(_) => v.findings.push(finding(
                        "entry-altered",
                        Some(line_no),
                        Some(desc.clone()),
                        format!("{desc} has no valid time"),
                    )),
                }
                last_sealed = e.collection;
                if e.head.as_deref() != Some(e.prev.as_str()) {
                    v.findings.push(finding(
                        "seal-mismatch",
                        Some(line_no),
                        Some(desc.clone()),
                        format!("{desc} vouches for a chain head that is not the line before it"),
                    ));
                }
                check_seal(&e, &desc, line_no, want_key.as_deref(), key, &mut v);
                match (&first_key, &e.key) {
                    (None, Some(k)) => first_key = Some(k.clone()),
                    (Some(f), Some(k)) if f != k && want_key.is_none() => {
                        v.findings.push(finding(
                            "wrong-key",
                            Some(line_no),
                            Some(desc.clone()),
                            format!("{desc} is signed by {k}, but the seals before it by {f}: the locker was re-signed"),
                        ))
                    }
                    (Some(f), None) if want_key.is_none() => v.findings.push(finding(
                        "unsigned-seal",
                        Some(line_no),
                        Some(desc.clone()),
                        format!("{desc} is not signed, but the seals before it are (by {f})"),
                    )),
                    _ => {}
                }
            }
        }
        prev_seq = e.seq;
        prev_hash = e.hash.clone();
        prev_desc = Some(desc);
        hashes.push(e.hash.clone());
    }
    if !tail.is_empty() {
        v.findings.push(finding(
            "truncated-manifest",
            Some(v.lines + 1),
            None,
            format!(
                "the manifest ends in the middle of line {} (after {}): it was cut off",
                v.lines + 1,
                prev_desc.as_deref().unwrap_or("nothing")
            ),
        ));
    }
    if let Some((line, desc)) = open_collection {
        v.findings.push(finding(
            "unsealed-entries",
            Some(line),
            Some(desc.clone()),
            format!("the entries from {desc} on have no seal: the manifest was cut off or lines were appended by hand"),
        ));
    }
    // With a pinned key, the locker must carry that key (a `locker.pub` naming another one was
    // replaced, or the pin is wrong: either way the auditor must settle it), and it must hold a
    // seal for the key to vouch for.
    if let Some(want) = &want_key {
        if let Ok(text) = std::fs::read_to_string(dir.join("locker.pub"))
            && text.trim() != want
        {
            v.findings.push(finding(
                "wrong-key",
                None,
                None,
                format!(
                    "locker.pub names {}, not the key given ({want}): it was replaced, or the key given is not this locker's",
                    text.trim()
                ),
            ));
        }
        if v.collections == 0 {
            v.findings.push(finding(
                "unsigned-seal",
                None,
                None,
                format!("no seal in the manifest, so nothing is signed by the key given ({want})"),
            ));
        }
    }
    // The public key shipped with the locker must be the one that signed it, and a locker
    // that has one was signed: seals stripped of their signatures are a finding.
    if key.is_none()
        && let Ok(text) = std::fs::read_to_string(dir.join("locker.pub"))
    {
        match &first_key {
            Some(first) if text.trim() != first => v.findings.push(finding(
                "wrong-key",
                None,
                None,
                format!(
                    "locker.pub names {}, but the seals are signed by {first}",
                    text.trim()
                ),
            )),
            None if v.collections > 0 => v.findings.push(finding(
                "unsigned-seal",
                None,
                None,
                format!(
                    "locker.pub names {}, but no seal is signed: the signatures were removed",
                    text.trim()
                ),
            )),
            _ => {}
        }
    }
    v.head = hashes.last().filter(|h| !h.is_empty()).cloned();
    check_head(head_text.as_deref(), &hashes, &mut v);
    if let Some(h) = head
        && !hashes.iter().any(|x| x == h)
    {
        v.findings.push(finding(
            "head-not-found",
            None,
            None,
            format!("the chain head {h} you recorded is not in this manifest: the locker was rewritten or rolled back since"),
        ));
    }
    if blobs {
        check_blobs(dir, &by_digest, &mut v, meter);
    }
    v
}

fn check_seal(
    e: &Entry,
    desc: &str,
    line: u64,
    want_key: Option<&str>,
    key: Option<&VerifyingKey>,
    v: &mut Verified,
) {
    let Some(sig_hex) = &e.sig else {
        if want_key.is_some() || e.key.is_some() {
            v.findings.push(finding(
                "unsigned-seal",
                Some(line),
                Some(desc.to_string()),
                format!("{desc} is not signed, but a key was given"),
            ));
        }
        return;
    };
    if let (Some(want), Some(have)) = (want_key, e.key.as_deref())
        && want != have
    {
        v.findings.push(finding(
            "wrong-key",
            Some(line),
            Some(desc.to_string()),
            format!("{desc} is signed by {have}, not by the key given ({want})"),
        ));
        return;
    }
    let signer = match key {
        Some(k) => Some(*k),
        None => e.key.as_deref().and_then(|k| read_public_key(k).ok()),
    };
    let sig = unhex(sig_hex)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    match (signer, sig) {
        (Some(k), Some(s)) if k.verify_strict(&e.signed_message(), &s).is_ok() => {
            v.signed += 1;
            v.key.get_or_insert_with(|| public_text(&k));
        }
        _ => v.findings.push(finding(
            "bad-signature",
            Some(line),
            Some(desc.to_string()),
            format!("{desc} has a signature that does not verify: the collection it seals was changed, or the signature was replaced"),
        )),
    }
}

fn check_head(text: Option<&str>, hashes: &[String], v: &mut Verified) {
    let Some(text) = text else {
        if !hashes.is_empty() {
            v.findings.push(finding(
                "head-missing",
                None,
                None,
                "HEAD is missing, so a cut-off manifest could not be told apart".into(),
            ));
        }
        return;
    };
    #[derive(serde::Deserialize)]
    struct Head {
        seq: u64,
        hash: String,
    }
    let Ok(h) = serde_json::from_str::<Head>(text.trim()) else {
        v.findings.push(finding(
            "head-mismatch",
            None,
            None,
            "HEAD is not `{\"seq\": N, \"hash\": ...}`: it was edited".into(),
        ));
        return;
    };
    if h.seq == 0 {
        v.findings.push(finding(
            "head-mismatch",
            None,
            None,
            "HEAD records line 0, which does not exist: it was edited".into(),
        ));
        return;
    }
    match hashes.get((h.seq as usize).wrapping_sub(1)) {
        None => v.findings.push(finding(
            "truncated-manifest",
            Some(hashes.len() as u64),
            None,
            format!(
                "HEAD records line {} but the manifest ends at line {}: lines were cut off the end",
                h.seq,
                hashes.len()
            ),
        )),
        Some(x) if *x != h.hash => v.findings.push(finding(
            "head-mismatch",
            Some(h.seq),
            None,
            format!(
                "HEAD records a different hash for line {} than the manifest has",
                h.seq
            ),
        )),
        Some(_) => {}
    }
}

fn hash_file(p: &Path, meter: &dyn crate::Meter) -> io::Result<(String, u64)> {
    let mut f = File::open(p)?;
    let mut h = Sha256::new();
    // 128 KiB: a buffer that stays in a core's L2 cache takes the kernel's copy several times
    // as fast as one of 1 MiB (BENCHMARKS.md, tenth round).
    let mut buf = vec![0u8; 128 << 10];
    let mut n_total = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        n_total += n as u64;
        meter.add(n as u64);
    }
    Ok((format!("sha256:{}", hex(&h.finalize())), n_total))
}

/// A blob's actual digest and size, or why it could not be read.
type Hashed = Result<(String, u64), io::Error>;

fn check_blobs(
    dir: &Path,
    by_digest: &BTreeMap<String, (u64, Vec<String>)>,
    v: &mut Verified,
    meter: &dyn crate::Meter,
) {
    // Hashing is the cost: two threads take the blobs alternately; findings keep digest order.
    let list: Vec<(&String, &(u64, Vec<String>))> = by_digest.iter().collect();
    meter.total(list.iter().map(|(_, (size, _))| *size).sum());
    let run = |part: usize| -> Vec<(usize, Hashed)> {
        list.iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == part)
            .map(|(i, (d, _))| (i, hash_file(&blob_path(dir, d), meter)))
            .collect()
    };
    let mut results: Vec<(usize, Hashed)> = std::thread::scope(|s| {
        let other = s.spawn(|| run(1));
        let mut mine = run(0);
        match other.join() {
            Ok(theirs) => mine.extend(theirs),
            Err(p) => std::panic::resume_unwind(p),
        }
        mine
    });
    results.sort_by_key(|(i, _)| *i);
    for (i, r) in results {
        let (digest, (size, names)) = list[i];
        let who = names.join(", ");
        match r {
            Err(e) if e.kind() == io::ErrorKind::NotFound => v.findings.push(finding(
                "blob-missing",
                None,
                Some(who.clone()),
                format!("the content of {who} ({digest}) is missing from the locker"),
            )),
            Err(e) => v.findings.push(finding(
                "blob-missing",
                None,
                Some(who.clone()),
                format!("the content of {who} cannot be read: {e}"),
            )),
            Ok((actual, n)) => {
                v.blobs += 1;
                v.bytes += n;
                if actual != *digest || n != *size {
                    v.findings.push(finding(
                        "blob-altered",
                        None,
                        Some(who.clone()),
                        format!("the content of {who} was changed: it hashes to {actual} ({n} bytes), not {digest} ({size} bytes)"),
                    ));
                }
            }
        }
    }
}
