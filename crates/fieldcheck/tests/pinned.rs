//! The demo's outputs, pinned: the audit JSON, text and Markdown of the demo, the JSON and text
//! of the raw demo (every adapter), and the SHA-256 of the 50,000-person demo's JSON and text.
//! A change to any of them is a change in behaviour: review the diff, document an added field in
//! docs/report-json.md, and rewrite the snapshots with `UPDATE_SNAPSHOTS=1 cargo test --test pinned`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::text;
use sha2::{Digest, Sha256};

fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Runs the binary in `dir` without colours; stdout, which must be a run (exit 0 or 1).
fn stdout_in(dir: &Path, args: &[&str]) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FIELDCHECK_NOW")
        .output()
        .expect("runs");
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "fieldcheck {}: {}",
        args.join(" "),
        text(&o.stderr)
    );
    o.stdout
}

/// Where two texts first differ, with a few lines of each around it.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let show = |v: &[&str]| {
        v.iter()
            .enumerate()
            .skip(at.saturating_sub(2))
            .take(5)
            .map(|(i, l)| format!("{:>6} | {l}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at line {}\n--- pinned\n{}\n+++ now\n{}",
        at + 1,
        show(&w),
        show(&g)
    )
}

/// Compares `got` with the snapshot `name` (or rewrites it under `UPDATE_SNAPSHOTS`).
fn check(name: &str, got: &[u8]) {
    let path = snapshots().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).expect("writes the snapshot");
        return;
    }
    let want = std::fs::read(&path).unwrap_or_default();
    if want != got {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pinned-{name}"));
        std::fs::write(&out, got).expect("writes the output");
        panic!(
            "{name} changed (now at {}); {}\nreview it, then `UPDATE_SNAPSHOTS=1 cargo test --test pinned`",
            out.display(),
            first_difference(
                &String::from_utf8_lossy(&want),
                &String::from_utf8_lossy(got)
            )
        );
    }
}

#[test]
fn the_demo_is_pinned() {
    let dir = tempfile::tempdir().expect("tmp");
    check(
        "demo.json",
        &stdout_in(dir.path(), &["demo", "--format", "json"]),
    );
    check("demo.txt", &stdout_in(dir.path(), &["demo"]));
    check(
        "demo.md",
        &stdout_in(dir.path(), &["demo", "--format", "markdown"]),
    );
}

#[test]
fn the_raw_demo_is_pinned() {
    let dir = tempfile::tempdir().expect("tmp");
    stdout_in(dir.path(), &["demo", "--raw", "--out", "base-raw"]);
    check(
        "raw.json",
        &stdout_in(dir.path(), &["audit", "base-raw", "--format", "json"]),
    );
    check("raw.txt", &stdout_in(dir.path(), &["audit", "base-raw"]));
}

/// The 50,000-person demo is pinned by the SHA-256 and length of its outputs (17 MB of JSON).
#[test]
fn the_fifty_thousand_person_demo_is_pinned() {
    let dir = tempfile::tempdir().expect("tmp");
    stdout_in(
        dir.path(),
        &["demo", "--people", "50000", "--out", "base50k"],
    );
    let (json, txt) = std::thread::scope(|sc| {
        let j = sc.spawn(|| stdout_in(dir.path(), &["audit", "base50k", "--format", "json"]));
        let t = sc.spawn(|| stdout_in(dir.path(), &["audit", "base50k"]));
        (j.join().expect("json"), t.join().expect("text"))
    });
    let line = |name: &str, b: &[u8]| {
        let digest: String = Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect();
        format!("{name} {digest} {}\n", b.len())
    };
    let got = format!("{}{}", line("json", &json), line("text", &txt));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_none() {
        // The outputs themselves, for a reviewer to diff when the digests differ.
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::write(tmp.join("pinned-50k.json"), &json).expect("writes");
        std::fs::write(tmp.join("pinned-50k.txt"), &txt).expect("writes");
    }
    check("demo-50000.sha256", got.as_bytes());
}
