//! The mutation suite: build a signed locker, apply every kind of tampering, and show that
//! `verify` catches each one and names the right line or entry.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use fieldcheck_locker::{Entry, Incoming, Locker, verify};

struct Fixture {
    _dir: tempfile::TempDir,
    locker: PathBuf,
    key: SigningKey,
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// Three collections of three files; the second repeats a file unchanged (same blob).
fn build() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("exports")).expect("mkdir");
    let locker = dir.path().join("locker");
    let k = key(7);
    let l = Locker::open(&locker).expect("open");
    for c in 0..3u32 {
        let mut files = Vec::new();
        for (i, name) in ["people.csv", "exports/okta.json", "fieldcheck.toml"]
            .iter()
            .enumerate()
        {
            // The config is the same in every collection: one blob for all three.
            let body = if i == 2 {
                "same config\n".to_string()
            } else {
                format!("collection {c} file {i}\n{}", "x".repeat(100 + i * 37))
            };
            let p = src.join(name);
            std::fs::write(&p, body).expect("write");
            files.push(Incoming {
                source: if i == 1 {
                    "okta-system-log".into()
                } else {
                    "kit".into()
                },
                system_id: (i == 1).then(|| "okta".into()),
                name: (*name).into(),
                path: p,
            });
        }
        let at: jiff::Timestamp = format!("2026-0{}-01T12:00:00Z", c + 4).parse().expect("ts");
        l.collect(&files, &|| at, Some(&k), None).expect("collect");
    }
    Fixture {
        _dir: dir,
        locker,
        key: k,
    }
}

fn manifest(f: &Fixture) -> PathBuf {
    f.locker.join("manifest.jsonl")
}

fn lines(f: &Fixture) -> Vec<String> {
    std::fs::read_to_string(manifest(f))
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(f: &Fixture, lines: &[String]) {
    let mut t = lines.join("\n");
    t.push('\n');
    std::fs::write(manifest(f), t).expect("write");
}

fn codes_at(f: &Fixture) -> Vec<(&'static str, Option<u64>)> {
    let pubkey =
        fieldcheck_locker::read_public_key(&fieldcheck_locker::public_text(&f.key.verifying_key()))
            .expect("key");
    verify(&f.locker, Some(&pubkey), None)
        .findings
        .iter()
        .map(|x| (x.code, x.line))
        .collect()
}

fn blobs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for a in std::fs::read_dir(dir.join("blobs/sha256"))
        .expect("blobs")
        .flatten()
    {
        for b in std::fs::read_dir(a.path()).expect("blob dir").flatten() {
            out.push(b.path());
        }
    }
    out.sort();
    out
}

#[test]
fn an_untouched_locker_verifies() {
    let f = build();
    let pubkey = f.key.verifying_key();
    let v = verify(&f.locker, Some(&pubkey), None);
    assert!(v.ok(), "{:#?}", v.findings);
    assert_eq!((v.lines, v.entries, v.collections, v.signed), (12, 9, 3, 3));
    // The unchanged config is stored once.
    assert_eq!(v.blobs, 7);
    assert_eq!(blobs(&f.locker).len(), 7);
}

#[test]
fn a_flipped_byte_in_any_blob_is_caught_and_named() {
    let f = build();
    for blob in blobs(&f.locker) {
        let original = std::fs::read(&blob).expect("read");
        for at in [0, original.len() / 2, original.len() - 1] {
            let mut b = original.clone();
            b[at] ^= 0x20;
            std::fs::write(&blob, &b).expect("write");
            let v = verify(&f.locker, None, None);
            assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
            assert_eq!(v.findings[0].code, "blob-altered");
            let digest = format!(
                "sha256:{}",
                blob.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string()
                    + &blob.file_name().unwrap().to_string_lossy()
            );
            let named: Vec<Entry> = Locker::existing(&f.locker)
                .unwrap()
                .entries()
                .unwrap()
                .into_iter()
                .filter(|e| e.digest.as_deref() == Some(digest.as_str()))
                .collect();
            for e in named {
                assert!(
                    v.findings[0]
                        .entry
                        .as_deref()
                        .unwrap_or("")
                        .contains(&format!("#{}", e.seq)),
                    "{:?} names entry #{}",
                    v.findings[0],
                    e.seq
                );
            }
        }
        std::fs::write(&blob, &original).expect("restore");
    }
}

#[test]
fn a_deleted_blob_is_caught() {
    let f = build();
    for blob in blobs(&f.locker) {
        let original = std::fs::read(&blob).expect("read");
        std::fs::remove_file(&blob).expect("rm");
        let codes: Vec<_> = codes_at(&f).into_iter().map(|c| c.0).collect();
        assert_eq!(codes, ["blob-missing"]);
        std::fs::write(&blob, original).expect("restore");
    }
}

#[test]
fn editing_removing_swapping_duplicating_or_inserting_any_line_is_caught_at_that_line() {
    let f = build();
    let original = lines(&f);
    let n = original.len();
    for i in 0..n {
        // Edit: change one value of the line (its `at`, by one second).
        let mut l = original.clone();
        l[i] = l[i].replacen(":00:00Z", ":00:01Z", 1);
        write_lines(&f, &l);
        let c = codes_at(&f);
        assert!(
            c.contains(&("entry-altered", Some(i as u64 + 1))),
            "edit line {}: {c:?}",
            i + 1
        );

        // Remove.
        let mut l = original.clone();
        l.remove(i);
        write_lines(&f, &l);
        let c = codes_at(&f);
        if i + 1 < n {
            assert!(
                c.iter()
                    .any(|x| x.0 == "sequence-broken" && x.1 == Some(i as u64 + 1)),
                "remove line {}: {c:?}",
                i + 1
            );
        } else {
            assert!(
                c.iter().any(|x| x.0 == "truncated-manifest"),
                "remove the last line: {c:?}"
            );
        }

        // Duplicate.
        let mut l = original.clone();
        l.insert(i + 1, original[i].clone());
        write_lines(&f, &l);
        let c = codes_at(&f);
        assert!(
            c.iter()
                .any(|x| x.0 == "sequence-broken" && x.1 == Some(i as u64 + 2)),
            "duplicate line {}: {c:?}",
            i + 1
        );

        // Swap with the next.
        if i + 1 < n {
            let mut l = original.clone();
            l.swap(i, i + 1);
            write_lines(&f, &l);
            let c = codes_at(&f);
            assert!(
                c.iter()
                    .any(|x| x.0 == "sequence-broken" && x.1 == Some(i as u64 + 1)),
                "swap lines {} and {}: {c:?}",
                i + 1,
                i + 2
            );
        }

        // Insert a forged entry after line i: a well-formed line with its own correct hash and
        // `prev`, indistinguishable by itself; the chain breaks at the line it displaced.
        let mut forged: Entry = serde_json::from_str(&original[i]).expect("entry");
        forged.name = Some("exports/forged.json".into());
        forged.seq += 1;
        forged.prev = forged.hash.clone();
        forged.hash = forged.compute_hash();
        let mut l = original.clone();
        l.insert(i + 1, forged.line());
        write_lines(&f, &l);
        let c = codes_at(&f);
        assert!(
            c.iter().any(
                |x| matches!(x.0, "sequence-broken" | "chain-broken" | "seal-mismatch")
                    && (x.1 == Some(i as u64 + 2) || x.1 == Some(i as u64 + 3))
            ),
            "insert after line {}: {c:?}",
            i + 1
        );
    }
    write_lines(&f, &original);
    assert!(codes_at(&f).is_empty());
}

#[test]
fn truncating_the_manifest_at_any_offset_is_caught() {
    let f = build();
    let original = std::fs::read(manifest(&f)).expect("read");
    for cut in 0..original.len() {
        std::fs::write(manifest(&f), &original[..cut]).expect("write");
        let c = codes_at(&f);
        assert!(
            c.iter()
                .any(|x| matches!(x.0, "truncated-manifest" | "unsealed-entries")),
            "cut at byte {cut}: {c:?}"
        );
    }
    std::fs::write(manifest(&f), &original).expect("restore");
    assert!(codes_at(&f).is_empty());
}

#[test]
fn replaced_or_forged_signatures_are_caught_at_their_seal() {
    let f = build();
    let original = lines(&f);
    let seals: Vec<usize> = original
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("\"kind\":\"seal\""))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(seals.len(), 3);
    let other = key(9);
    for &i in &seals {
        let mut e: Entry = serde_json::from_str(&original[i]).expect("seal");
        // Another key's valid signature, the line rehashed so only the signature is wrong.
        use ed25519_dalek::Signer;
        let sig = other.sign(&e.signed_message()).to_bytes();
        e.sig = Some(sig.iter().map(|b| format!("{b:02x}")).collect());
        e.hash = e.compute_hash();
        let mut l = original.clone();
        l[i] = e.line();
        write_lines(&f, &l);
        let c = codes_at(&f);
        assert!(
            c.contains(&("bad-signature", Some(i as u64 + 1))),
            "seal line {}: {c:?}",
            i + 1
        );
        // Claiming the other key: the key given to verify is not the one that signed.
        e.key = Some(fieldcheck_locker::public_text(&other.verifying_key()));
        e.hash = e.compute_hash();
        l[i] = e.line();
        write_lines(&f, &l);
        let c = codes_at(&f);
        assert!(
            c.contains(&("wrong-key", Some(i as u64 + 1))),
            "seal line {}: {c:?}",
            i + 1
        );
        // Without the trusted key the forgery is self-consistent, which is why auditors pass --key.
    }
    write_lines(&f, &original);
}

#[test]
fn a_rewritten_chain_is_caught_by_the_signature_of_the_collection_it_changed() {
    let f = build();
    let original = lines(&f);
    let mut entries: Vec<Entry> = original
        .iter()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    // The attacker back-dates an entry of collection 2 and recomputes every hash after it.
    entries[4].at = "2026-04-15T12:00:00Z".into();
    let mut prev = entries[3].hash.clone();
    for e in entries.iter_mut().skip(4) {
        e.prev = prev.clone();
        if e.head.is_some() {
            e.head = Some(prev.clone());
        }
        e.hash = e.compute_hash();
        prev = e.hash.clone();
    }
    let l: Vec<String> = entries.iter().map(Entry::line).collect();
    write_lines(&f, &l);
    let head = format!("{{\"seq\":{},\"hash\":\"{}\"}}\n", entries.len(), prev);
    std::fs::write(f.locker.join("HEAD"), head).expect("HEAD");
    let c = codes_at(&f);
    assert!(c.contains(&("bad-signature", Some(8))), "{c:?}");
    assert!(c.contains(&("bad-signature", Some(12))), "{c:?}");
    // An auditor who recorded the head before the rewrite sees it is gone.
    let old_head: Entry = serde_json::from_str(&original[11]).expect("seal");
    let v = verify(&f.locker, None, Some(&old_head.hash));
    assert!(v.findings.iter().any(|x| x.code == "head-not-found"));
}

#[test]
fn a_changed_collection_time_a_forged_digest_and_a_switched_key_are_caught() {
    let f = build();
    let original = lines(&f);
    // The last seal re-dated (and rehashed): its signature covers the time.
    let mut e: Entry = serde_json::from_str(&original[11]).expect("seal");
    e.at = "2026-09-29T12:00:00Z".into();
    e.hash = e.compute_hash();
    let mut l = original.clone();
    l[11] = e.line();
    write_lines(&f, &l);
    let c = codes_at(&f);
    assert!(
        c.contains(&("bad-signature", Some(12))) && c.contains(&("seal-mismatch", Some(12))),
        "{c:?}"
    );

    // A digest that is a path: named as not a digest, and never followed.
    let mut e: Entry = serde_json::from_str(&original[0]).expect("entry");
    e.digest = Some("sha256:ab/../../../etc/passwd".into());
    e.hash = e.compute_hash();
    let mut l = original.clone();
    l[0] = e.line();
    write_lines(&f, &l);
    let v = verify(&f.locker, None, None);
    assert!(
        v.findings.iter().any(|x| x.code == "entry-altered"
            && x.line == Some(1)
            && x.message.contains("not a SHA-256 digest")),
        "{:?}",
        v.findings
    );

    // The last collection re-signed with another key (chain and HEAD consistent): without
    // --key, the change of key is the finding; locker.pub disagrees too.
    let other = key(9);
    let mut e: Entry = serde_json::from_str(&original[11]).expect("seal");
    e.key = Some(fieldcheck_locker::public_text(&other.verifying_key()));
    use ed25519_dalek::Signer;
    e.sig = Some(
        other
            .sign(&e.signed_message())
            .to_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    );
    e.hash = e.compute_hash();
    let mut l = original.clone();
    l[11] = e.line();
    write_lines(&f, &l);
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":12,\"hash\":\"{}\"}}\n", e.hash),
    )
    .expect("HEAD");
    let v = verify(&f.locker, None, None);
    let c: Vec<_> = v.findings.iter().map(|x| (x.code, x.line)).collect();
    assert!(c.contains(&("wrong-key", Some(12))), "{c:?}");
    write_lines(&f, &original);
}

#[test]
fn collection_times_only_move_forward() {
    let f = build();
    let l = Locker::existing(&f.locker).expect("locker");
    let src = f.locker.parent().expect("dir").join("src/people.csv");
    let files = vec![Incoming {
        source: "kit".into(),
        system_id: None,
        name: "people.csv".into(),
        path: src,
    }];
    let earlier: jiff::Timestamp = "2026-05-15T00:00:00Z".parse().expect("ts");
    let err = l
        .collect(&files, &|| earlier, Some(&f.key), None)
        .expect_err("refused");
    assert!(err.0.contains("collection times must increase"), "{err}");
    // A seal back-dated by hand (and re-signed by the key holder) is still out of order.
    let original = lines(&f);
    let mut entries: Vec<Entry> = original
        .iter()
        .map(|x| serde_json::from_str(x).expect("e"))
        .collect();
    for e in entries.iter_mut().filter(|e| e.collection == 3) {
        e.at = "2026-04-15T12:00:00Z".into();
    }
    let mut prev = entries[7].hash.clone();
    for e in entries.iter_mut().skip(8) {
        e.prev = prev.clone();
        if e.head.is_some() {
            e.head = Some(prev.clone());
            use ed25519_dalek::Signer;
            e.sig = Some(
                f.key
                    .sign(&e.signed_message())
                    .to_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            );
        }
        e.hash = e.compute_hash();
        prev = e.hash.clone();
    }
    write_lines(&f, &entries.iter().map(Entry::line).collect::<Vec<_>>());
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":12,\"hash\":\"{prev}\"}}\n"),
    )
    .expect("HEAD");
    let c = codes_at(&f);
    assert_eq!(c, [("time-went-back", Some(12))]);
}

#[test]
fn a_folder_that_is_not_a_locker_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("tmp")).expect("mkdir");
    std::fs::write(dir.path().join("tmp/notes.txt"), "precious").expect("write");
    std::fs::write(dir.path().join("report.docx"), "x").expect("write");
    let Err(err) = Locker::open(dir.path()) else {
        panic!("a folder holding other files is not a locker");
    };
    assert!(
        err.0.contains("is not empty and is not an evidence locker"),
        "{err}"
    );
    assert!(dir.path().join("tmp/notes.txt").is_file());
}

/// What `verify` finds with no key given (as `audit --locker` and `export` check a locker).
fn codes_without_key(f: &Fixture) -> Vec<(&'static str, Option<u64>)> {
    verify(&f.locker, None, None)
        .findings
        .iter()
        .map(|x| (x.code, x.line))
        .collect()
}

/// Rewrites the manifest's lines from `from` on with consistent hashes and HEAD, as someone
/// with write access but without the key would.
fn rechain(f: &Fixture, mut entries: Vec<Entry>, from: usize) {
    let mut prev = entries[from - 1].hash.clone();
    for e in entries.iter_mut().skip(from) {
        e.prev = prev.clone();
        if e.head.is_some() {
            e.head = Some(prev.clone());
        }
        e.hash = e.compute_hash();
        prev = e.hash.clone();
    }
    write_lines(f, &entries.iter().map(Entry::line).collect::<Vec<_>>());
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":{},\"hash\":\"{prev}\"}}\n", entries.len()),
    )
    .expect("HEAD");
}

#[test]
fn stripped_signatures_are_caught_without_a_key() {
    let f = build();
    let original = lines(&f);
    let parsed = || -> Vec<Entry> {
        original
            .iter()
            .map(|l| serde_json::from_str(l).expect("entry"))
            .collect()
    };
    // The signature removed, the key left: an unsigned seal that claims a key.
    let mut e = parsed();
    e[11].sig = None;
    rechain(&f, e, 11);
    assert!(codes_without_key(&f).contains(&("unsigned-seal", Some(12))));
    // Signature and key removed from the last seal only: the seals before it are signed.
    let mut e = parsed();
    e[11].sig = None;
    e[11].key = None;
    rechain(&f, e, 11);
    assert!(codes_without_key(&f).contains(&("unsigned-seal", Some(12))));
    // Every signature and key removed: locker.pub says the locker was signed.
    let mut e = parsed();
    for x in e.iter_mut().filter(|x| x.sig.is_some()) {
        x.sig = None;
        x.key = None;
    }
    rechain(&f, e, 1);
    assert!(codes_without_key(&f).contains(&("unsigned-seal", None)));
    write_lines(&f, &original);
}

#[test]
fn a_collection_never_builds_on_a_locker_that_does_not_verify() {
    let f = build();
    let original = lines(&f);
    // The last collection cut off the manifest: HEAD still records it.
    write_lines(&f, &original[..8]);
    let l = Locker::existing(&f.locker).expect("locker");
    let src = f.locker.parent().expect("dir").join("src/people.csv");
    let files = vec![Incoming {
        source: "kit".into(),
        system_id: None,
        name: "people.csv".into(),
        path: src,
    }];
    let later: jiff::Timestamp = "2026-08-01T00:00:00Z".parse().expect("ts");
    let err = l
        .collect(&files, &|| later, Some(&f.key), None)
        .expect_err("refused");
    assert!(
        err.0.contains("does not verify") && err.0.contains("truncated-manifest"),
        "{err}"
    );
    // Nothing was written: the evidence of the cut is still there.
    assert_eq!(lines(&f).len(), 8);
    assert!(
        codes_without_key(&f)
            .iter()
            .any(|c| c.0 == "truncated-manifest")
    );
}

fn pinned(f: &Fixture) -> ed25519_dalek::VerifyingKey {
    f.key.verifying_key()
}

/// What `verify` finds with the auditor's pinned key (as `locker verify --key` and
/// `audit --locker --key` check a locker).
fn codes_pinned(f: &Fixture) -> Vec<(&'static str, Option<u64>)> {
    verify(&f.locker, Some(&pinned(f)), None)
        .findings
        .iter()
        .map(|x| (x.code, x.line))
        .collect()
}

fn sign_hex(k: &SigningKey, e: &Entry) -> String {
    use ed25519_dalek::Signer;
    k.sign(&e.signed_message())
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The forger's first step: the last collection's `people.csv` cut down to its first line, its
/// new content stored as a blob and its entry pointed at it. Returns the entries to rechain.
fn cut_down_people(f: &Fixture) -> Vec<Entry> {
    let mut entries: Vec<Entry> = lines(f)
        .iter()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    let cut = b"collection 2 file 0\n".to_vec();
    let digest = fieldcheck_locker::sha256_hex(&cut);
    let hex = &digest["sha256:".len()..];
    let blob = f
        .locker
        .join("blobs/sha256")
        .join(&hex[..2])
        .join(&hex[2..]);
    std::fs::create_dir_all(blob.parent().expect("dir")).expect("mkdir");
    std::fs::write(&blob, &cut).expect("blob");
    let people = entries
        .iter_mut()
        .rfind(|e| e.name.as_deref() == Some("people.csv"))
        .expect("people.csv");
    people.digest = Some(digest);
    people.size = Some(cut.len() as u64);
    entries
}

/// The seal lines (1-based).
const SEALS: [u64; 3] = [4, 8, 12];

#[test]
fn a_forgery_with_the_signatures_and_locker_pub_stripped_is_refused_with_the_pinned_key() {
    let f = build();
    let mut e = cut_down_people(&f);
    for x in e.iter_mut().filter(|x| x.sig.is_some()) {
        x.sig = None;
        x.key = None;
    }
    rechain(&f, e, 1);
    std::fs::remove_file(f.locker.join("locker.pub")).expect("rm locker.pub");
    // Without a key the forgery is a consistent unsigned locker: nothing tells it apart from an
    // honest one, which is why an unpinned audit says its evidence was not verified.
    let unpinned = verify(&f.locker, None, None);
    assert!(unpinned.ok(), "{:?}", unpinned.findings);
    assert_eq!((unpinned.signed, unpinned.key.as_deref()), (0, None));
    // With the pinned key every seal is refused, at its line.
    let c = codes_pinned(&f);
    assert_eq!(
        c,
        SEALS.map(|l| ("unsigned-seal", Some(l))),
        "every seal is unsigned: {c:?}"
    );
}

#[test]
fn a_forgery_re_signed_with_another_key_and_its_locker_pub_is_refused_with_the_pinned_key() {
    let f = build();
    let other = key(9);
    let other_text = fieldcheck_locker::public_text(&other.verifying_key());
    let mut e = cut_down_people(&f);
    // Rechained and re-signed seal by seal, as the holder of the other key would.
    let mut prev = fieldcheck_locker::ZERO_HASH.to_string();
    for x in &mut e {
        x.prev = prev.clone();
        if x.head.is_some() {
            x.head = Some(prev.clone());
            x.key = Some(other_text.clone());
            x.sig = Some(sign_hex(&other, x));
        }
        x.hash = x.compute_hash();
        prev = x.hash.clone();
    }
    write_lines(&f, &e.iter().map(Entry::line).collect::<Vec<_>>());
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":{},\"hash\":\"{prev}\"}}\n", e.len()),
    )
    .expect("HEAD");
    std::fs::write(f.locker.join("locker.pub"), format!("{other_text}\n")).expect("locker.pub");
    // Self-consistent without a key: every seal verifies against the key it names.
    let unpinned = verify(&f.locker, None, None);
    assert!(unpinned.ok(), "{:?}", unpinned.findings);
    assert_eq!(unpinned.signed, 3);
    // With the pinned key: every seal is signed by another key, and locker.pub names it.
    let c = codes_pinned(&f);
    let mut want: Vec<(&str, Option<u64>)> = SEALS.map(|l| ("wrong-key", Some(l))).to_vec();
    want.push(("wrong-key", None));
    assert_eq!(c, want);
    let v = verify(&f.locker, Some(&pinned(&f)), None);
    assert!(
        v.findings[0].message.contains(&other_text),
        "names the key that signed: {:?}",
        v.findings[0]
    );
}

#[test]
fn a_partly_signed_locker_and_a_replaced_locker_pub_are_refused_with_the_pinned_key() {
    let f = build();
    let original = lines(&f);
    // The first collection unsigned, the later ones signed by the pinned key (as an older
    // version let a locker start signing part-way): only the unsigned seal is refused.
    let mut e: Vec<Entry> = original
        .iter()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    e[3].sig = None;
    e[3].key = None;
    let mut prev = e[2].hash.clone();
    for x in e.iter_mut().skip(3) {
        x.prev = prev.clone();
        if x.head.is_some() {
            x.head = Some(prev.clone());
            if x.sig.is_some() {
                x.sig = Some(sign_hex(&f.key, x));
            }
        }
        x.hash = x.compute_hash();
        prev = x.hash.clone();
    }
    write_lines(&f, &e.iter().map(Entry::line).collect::<Vec<_>>());
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":12,\"hash\":\"{prev}\"}}\n"),
    )
    .expect("HEAD");
    // Without a key it is not told apart from an honest locker; with the key it is refused.
    assert!(verify(&f.locker, None, None).ok());
    assert_eq!(codes_pinned(&f), [("unsigned-seal", Some(4))]);
    // Every seal intact, but locker.pub replaced by another key: the locker carries a key that
    // did not sign it, so a verifier trusting locker.pub would be misled.
    write_lines(&f, &original);
    let head: Entry = serde_json::from_str(&original[11]).expect("seal");
    std::fs::write(
        f.locker.join("HEAD"),
        format!("{{\"seq\":12,\"hash\":\"{}\"}}\n", head.hash),
    )
    .expect("HEAD");
    assert!(codes_pinned(&f).is_empty());
    let other = fieldcheck_locker::public_text(&key(9).verifying_key());
    std::fs::write(f.locker.join("locker.pub"), format!("{other}\n")).expect("locker.pub");
    assert_eq!(codes_pinned(&f), [("wrong-key", None)]);
    // An empty manifest vouches for nothing.
    std::fs::write(manifest(&f), "").expect("empty");
    std::fs::remove_file(f.locker.join("HEAD")).expect("rm HEAD");
    std::fs::remove_file(f.locker.join("locker.pub")).expect("rm locker.pub");
    assert!(verify(&f.locker, None, None).ok());
    assert_eq!(codes_pinned(&f), [("unsigned-seal", None)]);
}

#[test]
fn signing_into_a_locker_that_holds_unsigned_collections_is_refused_up_front() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("people.csv");
    std::fs::write(&src, "person_id\np1\n").expect("write");
    let files = vec![Incoming {
        source: "kit".into(),
        system_id: None,
        name: "people.csv".into(),
        path: src.clone(),
    }];
    let locker = dir.path().join("locker");
    let l = Locker::open(&locker).expect("open");
    for (i, at) in ["2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"]
        .iter()
        .enumerate()
    {
        std::fs::write(&src, format!("person_id\np{i}\n")).expect("write");
        let at: jiff::Timestamp = at.parse().expect("ts");
        l.collect(&files, &|| at, None, None).expect("unsigned");
    }
    let before = std::fs::read(locker.join("manifest.jsonl")).expect("manifest");
    let blobs_before = blobs(&locker);
    std::fs::write(&src, "person_id\np9\n").expect("write");
    let later: jiff::Timestamp = "2026-06-01T00:00:00Z".parse().expect("ts");
    let err = l
        .collect(&files, &|| later, Some(&key(7)), None)
        .expect_err("refused");
    assert!(
        err.0
            .contains("already holds 2 unsigned collections (collections 1 to 2)")
            && err.0.contains("--locker NEW-DIR")
            && err.0.contains("without `--sign`"),
        "{err}"
    );
    // Nothing was written: no manifest line, no blob, no locker.pub.
    assert_eq!(
        std::fs::read(locker.join("manifest.jsonl")).expect("manifest"),
        before
    );
    assert_eq!(blobs(&locker), blobs_before);
    assert!(!locker.join("locker.pub").exists());
    // The ways out work: unsigned into this locker, signed into a new one.
    l.collect(&files, &|| later, None, None)
        .expect("unsigned again");
    let fresh = Locker::open(&dir.path().join("signed")).expect("open");
    let c = fresh
        .collect(&files, &|| later, Some(&key(7)), None)
        .expect("signed");
    assert!(c.signed);
    let v = verify(fresh.dir(), Some(&key(7).verifying_key()), None);
    assert!(v.ok(), "{:?}", v.findings);
}

#[test]
fn a_file_the_opener_refuses_stops_the_collection_before_any_line_is_written() {
    let f = build();
    let before = lines(&f);
    let l = Locker::existing(&f.locker).expect("locker");
    let src = f.locker.parent().expect("dir").join("src");
    let files: Vec<Incoming> = ["people.csv", "exports/okta.json"]
        .iter()
        .map(|n| Incoming {
            source: "kit".into(),
            system_id: None,
            name: (*n).into(),
            path: src.join(n),
        })
        .collect();
    let later: jiff::Timestamp = "2026-08-01T00:00:00Z".parse().expect("ts");
    let refuse = |i: &Incoming| -> Result<std::fs::File, fieldcheck_locker::LockerError> {
        if i.name.starts_with("exports/") {
            Err(fieldcheck_locker::LockerError(format!(
                "`{}` is a symbolic link out of the kit",
                i.name
            )))
        } else {
            std::fs::File::open(&i.path).map_err(|e| fieldcheck_locker::LockerError(e.to_string()))
        }
    };
    let err = l
        .collect_with(&files, &|| later, Some(&f.key), None, &refuse)
        .expect_err("refused");
    assert!(err.0.contains("symbolic link out of the kit"), "{err}");
    assert_eq!(lines(&f), before);
    assert!(codes_pinned(&f).is_empty());
}

#[test]
fn a_replay_links_its_blobs_and_never_writes_one() {
    use std::os::unix::fs::MetadataExt;
    let f = build();
    let l = Locker::open(&f.locker).expect("open");
    let entries = l.as_of(None).expect("entries");
    let people = entries
        .iter()
        .find(|e| e.name.as_deref() == Some("people.csv"))
        .expect("people");
    let blob = l.blob_path(people.digest.as_deref().expect("digest"));
    let before = std::fs::read(&blob).expect("blob");
    // A replay folder on the locker's filesystem: each file is its blob, linked, not copied.
    let out = f.locker.parent().expect("parent").join("replay");
    l.materialize(&entries, &out).expect("materialize");
    let ino = |p: &Path| std::fs::metadata(p).expect("stat").ino();
    assert_eq!(ino(&out.join("people.csv")), ino(&blob));
    assert_eq!(std::fs::read(out.join("people.csv")).expect("read"), before);
    // The boundary: replaying again over that folder, with another version standing at the name,
    // replaces the name and leaves every blob as it was (a copy over a link would write it).
    let older = l
        .as_of(Some("2026-04-02T00:00:00Z".parse().expect("ts")))
        .expect("entries");
    l.materialize(&older, &out).expect("materialize again");
    assert_eq!(std::fs::read(&blob).expect("blob"), before);
    assert_ne!(std::fs::read(out.join("people.csv")).expect("read"), before);
}
