//! The malformed-input corpus (issue 9's bar): every kit file of the demo and one export of
//! every source of the raw demo, crossed with every kind of damage a user's evidence meets.
//!
//! For each case the real binary audits the damaged kit, and:
//! - it never panics, never hangs (10 s), and never takes more than twice the clean kit's memory;
//! - it runs (exit 0 or 1: bad evidence is data, not a reason to stop);
//! - no control reads `effective` unless its whole result is identical to the clean kit's:
//!   damage either changes nothing, or the controls that need the file are `not_evidenced`;
//! - damage that loses nothing (CRLF or CR line endings, UTF-16 with its byte-order mark)
//!   gives exactly the clean kit's findings.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The event kinds and the field that places their rows in time (the coverage rule's files).
const EVENT_TIMES: &[(&str, &str)] = &[
    ("account_events", "at"),
    ("deploys", "deployed_at"),
    ("sessions", "started_at"),
    ("central_log", "received_at"),
    ("backup_jobs", "started_at"),
];

/// A damage done to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Damage {
    ZeroBytes,
    CutMidRow,
    MonthMissing,
    DuplicateHeader,
    NearMissColumn,
    ExtraField,
    CrOnly,
    Crlf,
    Utf16Bom,
    Utf16NoBom,
    Latin1,
    Nul,
    Semicolons,
    HugeCell,
    Directory,
    Fifo,
    LinkOutside,
    BrokenLink,
}

const KIT_DAMAGE: &[Damage] = &[
    Damage::ZeroBytes,
    Damage::CutMidRow,
    Damage::MonthMissing,
    Damage::DuplicateHeader,
    Damage::NearMissColumn,
    Damage::ExtraField,
    Damage::CrOnly,
    Damage::Crlf,
    Damage::Utf16Bom,
    Damage::Utf16NoBom,
    Damage::Latin1,
    Damage::Nul,
    Damage::Semicolons,
    Damage::HugeCell,
    Damage::Directory,
    Damage::Fifo,
    Damage::LinkOutside,
    Damage::BrokenLink,
];

const SOURCE_DAMAGE: &[Damage] = &[
    Damage::ZeroBytes,
    Damage::CutMidRow,
    Damage::Latin1,
    Damage::Nul,
    Damage::HugeCell,
    Damage::Directory,
    Damage::Fifo,
    Damage::LinkOutside,
    Damage::BrokenLink,
];

impl Damage {
    /// Damage that loses nothing: the findings must be the clean kit's.
    fn lossless(self) -> bool {
        matches!(self, Damage::CrOnly | Damage::Crlf | Damage::Utf16Bom)
    }
}

/// The result of one audit run.
struct Run {
    code: Option<i32>,
    stderr: String,
    json: Option<Value>,
    took: Duration,
    peak_kib: Option<u64>,
}

fn audit(dir: &Path) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .args(["audit", common::s(dir), "--format", "json"])
        .env("FIELDCHECK_REPORT_PEAK_RSS", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Read both pipes while waiting, so a chatty run cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out_pipe, &mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err_pipe, &mut v);
        v
    });
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = common::text(&err_reader.join().unwrap_or_default());
    let peak_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("fieldcheck-peak-rss: "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok());
    Run {
        code,
        json: serde_json::from_slice(&stdout).ok(),
        stderr,
        took,
        peak_kib,
    }
}

/// Links a folder tree's files into `to` (hard links: a case costs no copy; [`damage`] replaces
/// a file instead of writing through the link).
fn link_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            link_tree(&p, &t);
        } else if std::fs::hard_link(&p, &t).is_err() {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

fn utf16(bytes: &[u8], bom: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for u in text.encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

/// The byte offset of the start of line `n` (0-based), or the end.
fn line_start(bytes: &[u8], n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map_or(bytes.len(), |(i, _)| i + 1)
}

/// Inserts `what` into the middle of the second line (the first record).
fn into_first_record(bytes: &[u8], what: &[u8]) -> Vec<u8> {
    let start = line_start(bytes, 1);
    let end = line_start(bytes, 2).max(start + 1).min(bytes.len());
    let at = start + (end - start) / 2;
    let mut v = bytes[..at].to_vec();
    v.extend_from_slice(what);
    v.extend_from_slice(&bytes[at..]);
    v
}

/// Applies `damage` to the file at `path`; `outside` is a folder beside the kit. Returns false
/// when the damage does not apply to this file.
fn damage(path: &Path, d: Damage, outside: &Path, stem: &str) -> bool {
    let bytes = std::fs::read(path).expect("read");
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let new: Vec<u8> = match d {
        Damage::ZeroBytes => Vec::new(),
        Damage::CutMidRow => {
            // Cut inside a line past the middle: the export stopped mid-record.
            let mid = bytes.len() / 2;
            let from = line_start(&bytes, bytes[..mid].iter().filter(|b| **b == b'\n').count());
            let next = bytes[from..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| from + i);
            if next - from < 4 {
                return false;
            }
            bytes[..from + (next - from) / 2].to_vec()
        }
        Damage::MonthMissing => {
            // A missing page: every row of June is gone, cut at row boundaries.
            let Some((_, field)) = EVENT_TIMES.iter().find(|(k, _)| *k == stem) else {
                return false;
            };
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let Some(col) = header.split(',').position(|h| h == *field) else {
                return false;
            };
            let mut out = format!("{header}\n");
            for l in lines {
                if !l.split(',').nth(col).unwrap_or("").starts_with("2026-06-") {
                    out.push_str(l);
                    out.push('\n');
                }
            }
            out.into_bytes()
        }
        Damage::DuplicateHeader | Damage::NearMissColumn | Damage::Semicolons if !is_csv => {
            return false;
        }
        Damage::DuplicateHeader => {
            let (header, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let cols: Vec<&str> = header.split(',').collect();
            if cols.len() < 2 {
                return false;
            }
            let mut cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
            let n = cols.len();
            cols[n - 1] = cols[0].clone();
            format!("{}\n{rest}", cols.join(",")).into_bytes()
        }
        Damage::NearMissColumn => {
            // The last column loses its last letter: `terminated_at` → `terminated_a`.
            let (header, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let mut cols: Vec<String> = header.split(',').map(str::to_string).collect();
            let n = cols.len();
            if n < 2 || cols[n - 1].len() < 2 {
                return false;
            }
            cols[n - 1].pop();
            format!("{}\n{rest}", cols.join(",")).into_bytes()
        }
        Damage::ExtraField => {
            if !is_csv {
                return false;
            }
            let end = line_start(&bytes, 2);
            if end <= line_start(&bytes, 1) {
                return false;
            }
            let mut v = bytes[..end - 1].to_vec();
            v.extend_from_slice(b",extra\n");
            v.extend_from_slice(&bytes[end..]);
            v
        }
        Damage::CrOnly => text.replace('\n', "\r").into_bytes(),
        Damage::Crlf => text.replace('\n', "\r\n").into_bytes(),
        Damage::Utf16Bom => utf16(&bytes, true),
        Damage::Utf16NoBom => utf16(&bytes, false),
        Damage::Latin1 => into_first_record(&bytes, b"Caf\xe9"),
        Damage::Nul => into_first_record(&bytes, b"\x00"),
        Damage::Semicolons => text.replace(',', ";").into_bytes(),
        Damage::HugeCell => {
            // A 10 MB value in the first record (inside a CSV cell, or a JSON string).
            let big = vec![b'A'; 10 << 20];
            into_first_record(&bytes, &big)
        }
        Damage::Directory => {
            std::fs::remove_file(path).expect("rm");
            std::fs::create_dir(path).expect("mkdir");
            return true;
        }
        Damage::Fifo => {
            std::fs::remove_file(path).expect("rm");
            let ok = Command::new("mkfifo")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
            return ok;
        }
        Damage::LinkOutside => {
            // The same bytes, but outside the evidence folder: never followed.
            let name = path.file_name().expect("name");
            let target = outside.join(name);
            std::fs::write(&target, &bytes).expect("write");
            std::fs::remove_file(path).expect("rm");
            std::os::unix::fs::symlink(&target, path).expect("symlink");
            return true;
        }
        Damage::BrokenLink => {
            std::fs::remove_file(path).expect("rm");
            std::os::unix::fs::symlink(outside.join("no-such-file"), path).expect("symlink");
            return true;
        }
    };
    // A new file, not a write through the hard link to the clean kit.
    std::fs::remove_file(path).expect("rm");
    std::fs::write(path, new).expect("write");
    true
}

/// One case: a file of the kit (relative path) and a damage.
struct Case {
    file: PathBuf,
    damage: Damage,
}

/// The controls of an audit by id.
fn controls(v: &Value) -> Vec<(String, Value)> {
    v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), c.clone()))
        .collect()
}

/// Every damage of `damages` done to each of `files` (of the kit `clean`) is caught.
fn no_case_fails(clean: &Path, files: &[PathBuf], damages: &[Damage]) {
    let mut cases = Vec::new();
    for f in files {
        for &d in damages {
            cases.push(Case {
                file: f.clone(),
                damage: d,
            });
        }
    }
    let failures = run_corpus(clean, cases);
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs every case against `clean` (a kit folder) and returns the failures.
fn run_corpus(clean: &Path, cases: Vec<Case>) -> Vec<String> {
    let base = audit(clean);
    assert_eq!(base.code, Some(1), "{}", base.stderr);
    let base_json = base.json.expect("clean json");
    let base_controls = controls(&base_json);
    let base_peak = base.peak_kib.expect("the binary reports its peak memory");
    let failures = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(case) = cases.get(i) else { break };
            let tmp = tempfile::tempdir().expect("temp");
            let kit = tmp.path().join("kit");
            let outside = tmp.path().join("outside");
            std::fs::create_dir(&outside).expect("mkdir");
            link_tree(clean, &kit);
            let path = kit.join(&case.file);
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if !damage(&path, case.damage, &outside, &stem) {
                continue;
            }
            let name = format!("{} × {:?}", case.file.display(), case.damage);
            let r = audit(&kit);
            let fail = |why: String| {
                failures
                    .lock()
                    .expect("lock")
                    .push(format!("{name}: {why}"))
            };
            if r.code.is_none() {
                fail(format!("hung or was killed after {:?}", r.took));
                continue;
            }
            if r.stderr.contains("panicked") || r.code == Some(101) {
                fail(format!("panicked: {}", r.stderr));
                continue;
            }
            if !matches!(r.code, Some(0 | 1)) {
                fail(format!("exit {:?}: {}", r.code, r.stderr));
                continue;
            }
            if let Some(peak) = r.peak_kib
                && peak > 2 * base_peak
            {
                fail(format!(
                    "peak memory {peak} KiB, more than twice the clean kit's {base_peak} KiB"
                ));
            }
            let Some(json) = r.json else {
                fail("no JSON report".into());
                continue;
            };
            if matches!(
                case.damage,
                Damage::Directory | Damage::Fifo | Damage::LinkOutside | Damage::BrokenLink
            ) {
                // Refused, and said so: an error naming the file.
                let file_name = case
                    .file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("?");
                let named = json["diagnostics"].as_array().is_some_and(|ds| {
                    ds.iter().any(|d| {
                        d["severity"] == "error"
                            && d["file"].as_str().is_some_and(|f| f.ends_with(file_name))
                    })
                });
                if !named {
                    fail("no error names the refused file".into());
                }
            }
            let got = controls(&json);
            for ((id, c), (_, clean_c)) in got.iter().zip(&base_controls) {
                if case.damage.lossless() {
                    if c != clean_c {
                        fail(format!(
                            "{id} differs from the clean kit's, though nothing was lost"
                        ));
                    }
                } else if c["status"] == "effective" && c != clean_c {
                    fail(format!(
                        "{id} reads effective on damaged evidence (clean: {}, population {} → {})",
                        clean_c["status"],
                        clean_c["tests"][0]["population"],
                        c["tests"][0]["population"]
                    ));
                }
            }
        }
    };
    std::thread::scope(|s| {
        s.spawn(work);
        work();
    });
    failures.into_inner().expect("lock")
}

#[cfg(unix)]
#[test]
fn no_damaged_kit_file_passes_silently() {
    let tmp = tempfile::tempdir().expect("temp");
    let kit = tmp.path().join("kit");
    let o = common::fieldcheck(&["demo", "--people", "200", "--out", common::s(&kit)]);
    assert!(o.status.success(), "{}", common::text(&o.stderr));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&kit)
        .expect("kit")
        .filter_map(|e| e.ok())
        .map(|e| PathBuf::from(e.file_name()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "{files:?}");
    no_case_fails(&kit, &files, KIT_DAMAGE);
}

#[cfg(unix)]
#[test]
fn no_damaged_raw_export_passes_silently() {
    let tmp = tempfile::tempdir().expect("temp");
    let kit = tmp.path().join("raw");
    let o = common::fieldcheck(&["demo", "--raw", "--people", "200", "--out", common::s(&kit)]);
    assert!(o.status.success(), "{}", common::text(&o.stderr));
    // One export of every source folder (each source of the raw demo has its own folder), and
    // every kit file the raw demo keeps as such.
    let mut files = Vec::new();
    let exports = kit.join("exports");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&exports)
        .expect("exports")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    for d in dirs {
        let mut in_dir: Vec<PathBuf> = std::fs::read_dir(&d)
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        in_dir.sort();
        // The largest file of the folder: the one most likely to hold records in the window.
        if let Some(f) = in_dir
            .iter()
            .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        {
            files.push(f.strip_prefix(&kit).expect("inside").to_path_buf());
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    no_case_fails(&kit, &files, SOURCE_DAMAGE);
}
