//! The evidence locker end to end, as a company and its auditor run it: collect, verify, replay,
//! export; and the crash test (a collection killed at any moment leaves a valid locker).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{assert_exit, assert_stderr, audit_json, control, diagnostics, run, s, text};
use serde_json::Value;

/// The findings an audit replayed from the locker shares with a live one (the replay adds notes
/// about its collections' freshness).
fn findings(v: &Value) -> Value {
    common::findings(v, false)
}

fn demo(dir: &Path) {
    let o = run(&["demo", "--out", s(dir)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

fn collect(kit: &Path, at: &str, extra: &[&str]) -> Output {
    let mut args = vec!["collect", s(kit)];
    args.extend_from_slice(extra);
    run(&args, &[("FIELDCHECK_NOW", at)])
}

#[test]
fn collect_verify_tamper_export_and_replay_as_of_a_date() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    let key = tmp.path().join("signing-key");
    let o = run(&["locker", "keygen", "--out", s(&key)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("ed25519:"));
    let before = audit_json(&[s(&kit)]);

    let o = collect(&kit, "2026-05-01T06:00:00Z", &["--sign", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let head1 = text(&o.stdout).trim().to_string();
    // The kit changes: a vendor record is brought up to date.
    let vendors = std::fs::read_to_string(kit.join("vendors.csv")).expect("vendors");
    let changed = vendors.replace("2024-06-28T", "2026-06-28T");
    assert_ne!(vendors, changed);
    std::fs::write(kit.join("vendors.csv"), &changed).expect("write");
    let after = audit_json(&[s(&kit)]);
    assert_ne!(findings(&before), findings(&after));
    let o = collect(&kit, "2026-07-01T06:00:00Z", &["--sign", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("1 new content"),
        "{}",
        text(&o.stderr)
    );
    // A signed locker takes no unsigned collection.
    let o = collect(&kit, "2026-07-02T06:00:00Z", &[]);
    assert_stderr(&o, 2, "pass `--sign KEY`");

    // The auditor verifies with the public key and the head recorded at the first collection.
    let pubkey = format!("{}.pub", s(&key));
    let o = run(
        &[
            "locker",
            "verify",
            s(&kit),
            "--key",
            &pubkey,
            "--head",
            &head1,
        ],
        &[],
    );
    assert_exit(&o, 0);
    assert!(text(&o.stdout).starts_with("intact"), "{}", text(&o.stdout));

    // Replays: as of the first collection the old findings, now the new ones.
    let replay1 = audit_json(&[s(&kit), "--locker", "--as-of", "2026-05-01"]);
    assert_eq!(findings(&replay1), findings(&before));
    assert_eq!(replay1["locker"]["head"], Value::String(head1.clone()));
    let replay2 = audit_json(&[s(&kit), "--locker"]);
    assert_eq!(findings(&replay2), findings(&after));
    // A replay is byte for byte the same every time (no temporary paths, no run times).
    let once = run(&["audit", s(&kit), "--locker", "--format", "json"], &[]);
    let twice = run(&["audit", s(&kit), "--locker", "--format", "json"], &[]);
    assert_eq!(once.stdout, twice.stdout);
    assert!(!text(&once.stdout).contains("fieldcheck-replay-"));
    // Evidence points at blobs by digest and manifest line.
    let ev = &replay2["controls"][3]["tests"][0]["deviations"][0]["evidence"][0];
    assert!(
        ev["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{ev}"
    );
    assert!(ev["manifest_line"].as_u64().is_some(), "{ev}");
    // Nothing collected by then: a clear error.
    let o = run(
        &["audit", s(&kit), "--locker", "--as-of", "2026-01-01"],
        &[],
    );
    assert_stderr(
        &o,
        2,
        "by 2026-01-01; the locker's collections are on 2026-05-01, 2026-07-01 (2 collections): give an `--as-of` on or after 2026-05-01",
    );

    // The bundle verifies on its own, with the key.
    let bundle = tmp.path().join("bundle");
    let o = run(&["locker", "export", s(&kit), "--out", s(&bundle)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in [
        "manifest.jsonl",
        "HEAD",
        "locker.pub",
        "SHA256SUMS",
        "VERIFY.md",
    ] {
        assert!(bundle.join(f).is_file(), "{f}");
    }
    let o = run(
        &[
            "locker",
            "verify",
            s(&bundle),
            "--key",
            &pubkey,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["collections"].as_u64(),
            v["signed_seals"].as_u64()
        ),
        (Some(true), Some(2), Some(2))
    );

    // Tampering with one blob in the bundle is caught and named.
    let manifest = std::fs::read_to_string(bundle.join("manifest.jsonl")).expect("manifest");
    let line: Value = manifest
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("line"))
        .find(|e| e["name"] == "people.csv")
        .expect("people.csv entry");
    let digest = line["digest"]
        .as_str()
        .expect("digest")
        .trim_start_matches("sha256:");
    let blob = bundle
        .join("blobs/sha256")
        .join(&digest[..2])
        .join(&digest[2..]);
    let mut bytes = std::fs::read(&blob).expect("blob");
    bytes[100] ^= 1;
    std::fs::write(&blob, bytes).expect("write");
    let o = run(&["locker", "verify", s(&bundle), "--key", &pubkey], &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(
        out.contains("[blob-altered]") && out.contains("(people.csv)") && out.contains("TAMPERED"),
        "{out}"
    );
}

#[test]
fn collection_gaps_are_diagnosed_and_the_dependent_controls_say_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    for at in ["2026-04-01T06:00:00Z", "2026-06-20T06:00:00Z"] {
        assert_eq!(collect(&kit, at, &[]).status.code(), Some(0));
    }
    let v = audit_json(&[s(&kit), "--locker"]);
    let diags = v["diagnostics"].as_array().expect("diagnostics");
    let gap = diags
        .iter()
        .find(|d| d["code"] == "evidence-gap" && d["file"] == "account_events.csv")
        .expect("a gap for the daily login events");
    assert!(
        gap["message"]
            .as_str()
            .unwrap_or("")
            .contains("from 2026-04-02 to 2026-06-20"),
        "{gap}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "stale-evidence" && d["file"] == "vendors.csv")
    );
    let leavers = control(&v, "leaver-deprovisioning");
    let notes = leavers["tests"][0]["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n["item"] == "evidence"
            && n["detail"]
                .as_str()
                .unwrap_or("")
                .contains("account_events.csv covers only part of the window")),
        "{notes:?}"
    );

    // A kit file removed before a collection is gone from the replay too (raw exports stay).
    std::fs::remove_file(kit.join("vendors.csv")).expect("rm");
    assert_eq!(
        collect(&kit, "2026-07-01T06:00:00Z", &[]).status.code(),
        Some(0)
    );
    let v = audit_json(&[s(&kit), "--locker"]);
    let vendors = control(&v, "vendor-management");
    assert_eq!(vendors["status"], "not_evidenced");

    let o = run(&["locker", "log", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0));
    let log = text(&o.stdout);
    assert!(
        log.contains("collection   2  2026-06-20T06:00:00Z"),
        "{log}"
    );
    assert!(
        log.contains("account_events.csv") && log.contains("gap 2026-04-02 to 2026-06-20"),
        "{log}"
    );
}

/// A replay as of a moment is measured at that moment, not at the wall clock: replayed twice
/// while the window is still open (before and after the as-of time), it gives the same bytes, and
/// its staleness is said at the as-of date.
#[test]
fn a_replay_as_of_a_moment_gives_the_same_bytes_whatever_the_clock() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    for at in ["2026-05-01T06:00:00Z", "2026-06-01T06:00:00Z"] {
        assert_eq!(collect(&kit, at, &[]).status.code(), Some(0));
    }
    // The demo's window ends on 2026-06-30: both clocks are inside it, one before the as-of time.
    let replay = |now: &str, format: &str| {
        run(
            &[
                "audit",
                s(&kit),
                "--locker",
                "--as-of",
                "2026-06-20",
                "--format",
                format,
            ],
            &[("FIELDCHECK_NOW", now)],
        )
    };
    for format in ["json", "text"] {
        let early = replay("2026-06-05T12:00:00Z", format);
        let late = replay("2026-06-28T12:00:00Z", format);
        assert!(
            early.status.code().is_some_and(|c| c < 2),
            "{}",
            text(&early.stderr)
        );
        assert_eq!(text(&early.stdout), text(&late.stdout), "{format}");
        assert_eq!(text(&early.stderr), text(&late.stderr), "{format}");
    }
    let v: Value =
        serde_json::from_slice(&replay("2026-06-05T12:00:00Z", "json").stdout).expect("json");
    let stale = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "stale-evidence" && d["file"] == "account_events.csv")
        .expect("the daily login events are stale at the as-of date");
    assert_eq!(
        stale["message"],
        "account_events.csv: the newest collection (2026-06-01) is older than its cadence (1d) at the as-of date",
        "{stale}"
    );
}

/// A replay before the first collection names the days that can be replayed; once the window
/// has closed, the freshness notes say the gap stands instead of advising to collect again.
#[test]
fn a_replay_names_the_collection_days_and_a_closed_window_is_not_told_to_collect_again() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    for at in [
        "2026-04-02T06:00:00Z",
        "2026-05-01T06:00:00Z",
        "2026-06-01T06:00:00Z",
    ] {
        assert_eq!(collect(&kit, at, &[]).status.code(), Some(0));
    }
    let o = run(
        &["audit", s(&kit), "--locker", "--as-of", "2026-03-01"],
        &[],
    );
    assert_stderr(&o, 2, "nothing had been collected into the locker");
    assert_stderr(
        &o,
        2,
        "by 2026-03-01; the locker's collections are on 2026-04-02, 2026-05-01, 2026-06-01 (3 collections): give an `--as-of` on or after 2026-04-02",
    );
    // A moment on the first collection's day, before it, is named as given.
    let o = run(
        &[
            "audit",
            s(&kit),
            "--locker",
            "--as-of",
            "2026-04-02T05:00:00Z",
        ],
        &[],
    );
    assert_stderr(&o, 2, "by 2026-04-02T05:00:00Z; the locker's collections");

    let audit = |now: &str, extra: &[&str]| {
        let mut args = vec!["audit", s(&kit), "--locker", "--format", "json"];
        args.extend_from_slice(extra);
        let o = run(&args, &[("FIELDCHECK_NOW", now)]);
        assert!(
            o.status.code().is_some_and(|c| c < 2),
            "{}",
            text(&o.stderr)
        );
        serde_json::from_slice::<Value>(&o.stdout).expect("json")
    };
    let freshness = |v: &Value| -> Vec<(String, String)> {
        diagnostics(v, |d| {
            d["code"] == "evidence-gap" || d["code"] == "stale-evidence"
        })
        .into_iter()
        .map(|d| (s_of(&d["code"]), s_of(&d["help"])))
        .collect()
    };
    // While the window runs (now, or the as-of date, inside it), collecting again is the advice.
    for v in [
        audit("2026-07-15T12:00:00Z", &[]),
        audit("2026-12-01T12:00:00Z", &["--as-of", "2026-07-15"]),
    ] {
        let notes = freshness(&v);
        assert!(
            notes
                .iter()
                .any(|(c, h)| c == "stale-evidence" && h.starts_with("collect it again")),
            "{notes:?}"
        );
        assert!(
            notes
                .iter()
                .any(|(c, h)| c == "evidence-gap" && h.starts_with("collect on the cadence")),
            "{notes:?}"
        );
    }
    // After the window's end (2026-09-30), by the clock or by the as-of date: the gap stands.
    for v in [
        audit("2026-10-15T12:00:00Z", &[]),
        audit("2026-12-01T12:00:00Z", &["--as-of", "2026-10-15"]),
    ] {
        let notes = freshness(&v);
        assert!(
            notes.iter().any(|(c, _)| c == "stale-evidence"),
            "{notes:?}"
        );
        assert!(notes.iter().any(|(c, _)| c == "evidence-gap"), "{notes:?}");
        for (code, help) in &notes {
            assert!(
                help.starts_with("the window has closed, so no collection now can")
                    && help.contains("the auditor will see it")
                    && !help.contains("collect it again")
                    && !help.contains("schedule `fieldcheck collect`"),
                "{code}: {help}"
            );
        }
    }
    // The terminal says the same.
    let o = run(
        &["audit", s(&kit), "--locker"],
        &[("FIELDCHECK_NOW", "2026-10-15T12:00:00Z")],
    );
    let err = text(&o.stderr);
    assert!(err.contains("the window has closed"), "{err}");
    assert!(!err.contains("collect it again"), "{err}");
}

fn s_of(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// Steps of a collection: each new blob 2 (synced, renamed), the manifest 2, HEAD 2.
#[test]
fn a_collection_killed_at_any_step_leaves_a_valid_locker_and_loses_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    assert_eq!(
        collect(&kit, "2026-05-01T06:00:00Z", &[]).status.code(),
        Some(0)
    );
    let manifest = kit.join(".fieldcheck/locker/manifest.jsonl");
    let first = std::fs::read_to_string(&manifest).expect("manifest");
    let mut completed = 0;
    for step in 1..=14u32 {
        // New content in a few files, so the collection has blobs to write.
        for f in ["people.csv", "vendors.csv", "risks.csv"] {
            let p = kit.join(f);
            let t = std::fs::read_to_string(&p).expect("read");
            std::fs::write(&p, format!("{t}\n{}", "\n".repeat(step as usize))).expect("write");
        }
        let o = run(
            &["collect", s(&kit)],
            &[
                ("FIELDCHECK_NOW", &format!("2026-06-{:02}T06:00:00Z", step)),
                ("FIELDCHECK_LOCKER_CRASH_AFTER", &step.to_string()),
            ],
        );
        if o.status.success() {
            completed += 1;
        } else {
            // Three new blobs (2 steps each), the manifest (2) and HEAD (2): steps 1 to 10
            // are inside the collection, so each of them must have killed it.
            assert!(
                step > 10 || o.status.code().is_none(),
                "step {step} did not abort"
            );
        }
        if step <= 10 {
            assert!(
                !o.status.success(),
                "the crash at step {step} was never reached"
            );
        }
        let v = run(&["locker", "verify", s(&kit), "--format", "json"], &[]);
        let j: Value = serde_json::from_slice(&v.stdout).expect("json");
        assert_eq!(
            j["ok"],
            Value::Bool(true),
            "crash at step {step}: {}",
            serde_json::to_string_pretty(&j["findings"]).unwrap_or_default()
        );
        // Everything collected before is still there, byte for byte.
        let now = std::fs::read_to_string(&manifest).expect("manifest");
        assert!(
            now.starts_with(&first),
            "crash at step {step} lost earlier evidence"
        );
    }
    assert!(
        completed >= 1,
        "later crash points are past the end of a collection"
    );
    // Real kills at random moments, with a larger collection in flight.
    let big = kit.join("account_events.csv");
    let body = std::fs::read_to_string(&big).expect("events");
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for round in 0..12u64 {
        std::fs::write(&big, format!("{body}{}", "\n".repeat(round as usize + 1))).expect("write");
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcheck"))
            .args(["collect", s(&kit)])
            .env(
                "FIELDCHECK_NOW",
                format!("2026-07-{:02}T06:00:00Z", round + 1),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(std::time::Duration::from_millis(x % 40));
        let _ = child.kill();
        let _ = child.wait();
        let v = run(&["locker", "verify", s(&kit), "--format", "json"], &[]);
        let j: Value = serde_json::from_slice(&v.stdout).expect("json");
        assert_eq!(
            j["ok"],
            Value::Bool(true),
            "kill in round {round}: {}",
            j["findings"]
        );
        assert!(
            std::fs::read_to_string(&manifest)
                .expect("m")
                .starts_with(&first)
        );
    }
    // And the locker still takes a normal collection afterwards.
    assert_eq!(
        collect(&kit, "2026-08-01T06:00:00Z", &[]).status.code(),
        Some(0)
    );
    let o = run(&["locker", "verify", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn the_locker_refuses_what_it_could_not_vouch_for() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    assert_eq!(
        collect(&kit, "2026-05-01T06:00:00Z", &[]).status.code(),
        Some(0)
    );

    // A tampered locker is not audited.
    let locker = kit.join(".fieldcheck/locker");
    let manifest = std::fs::read_to_string(locker.join("manifest.jsonl")).expect("manifest");
    let line: Value = manifest
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("line"))
        .find(|e| e["name"] == "vendors.csv")
        .expect("vendors");
    let d = line["digest"]
        .as_str()
        .expect("digest")
        .trim_start_matches("sha256:")
        .to_string();
    let blob = locker.join("blobs/sha256").join(&d[..2]).join(&d[2..]);
    let original = std::fs::read(&blob).expect("blob");
    std::fs::write(&blob, &original[..original.len() / 2]).expect("cut");
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert_stderr(&o, 2, "does not verify");
    assert_stderr(&o, 2, "blob-altered");
    assert!(o.stdout.is_empty());
    // The blobs are hashed while the replay is read and tested: a tampered one is still refused
    // before anything is recorded or shown, whatever format.
    let register = kit.join(".fieldcheck/fieldcheck.db");
    assert!(!register.exists());
    let o = run(
        &["audit", s(&kit), "--locker", "--record", "--format", "json"],
        &[("FIELDCHECK_NOW", "2026-05-01T12:00:00Z")],
    );
    assert_stderr(&o, 2, "blob-altered");
    assert!(o.stdout.is_empty());
    assert!(
        !register.exists(),
        "a run on evidence that does not verify was recorded"
    );
    std::fs::write(&blob, &original).expect("restore");
    // A tampered config blob breaks the replay's config: the cause given is the tampering.
    let blob_of = |name: &str| {
        let line: Value = manifest
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("line"))
            .find(|e| e["name"] == name)
            .expect(name);
        let d = line["digest"].as_str().expect("digest");
        let d = d.trim_start_matches("sha256:");
        locker.join("blobs/sha256").join(&d[..2]).join(&d[2..])
    };
    let config_blob = blob_of("fieldcheck.toml");
    let config_text = std::fs::read(&config_blob).expect("blob");
    std::fs::write(&config_blob, b"[window\nstart = ").expect("tamper");
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert_stderr(&o, 2, "does not verify");
    assert_stderr(&o, 2, "blob-altered");
    assert!(o.stdout.is_empty());
    std::fs::write(&config_blob, &config_text).expect("restore");

    // Exporting into the locker itself, or over other files, is refused.
    let o = run(
        &[
            "locker",
            "export",
            s(&kit),
            "--out",
            s(&locker.join("bundle")),
        ],
        &[],
    );
    assert_stderr(&o, 2, "must be outside the locker");
    let busy = tmp.path().join("busy");
    std::fs::create_dir_all(&busy).expect("mkdir");
    std::fs::write(busy.join("notes.txt"), "mine").expect("write");
    let o = run(&["locker", "export", s(&kit), "--out", s(&busy)], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(busy.join("notes.txt").is_file());

    // A source outside the config's folder could not be replayed: collect refuses it.
    let outside = tmp.path().join("shared");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("log.json"), "[]").expect("write");
    let config = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    // Collecting with one more `[[sources]]` entry must stop with exit 2 and say `expected`.
    let refused = |source: &str, expected: &[&str]| {
        std::fs::write(
            kit.join("fieldcheck.toml"),
            format!("{config}\n[[sources]]\n{source}\n"),
        )
        .expect("write");
        let o = collect(&kit, "2026-06-01T06:00:00Z", &[]);
        assert_eq!(o.status.code(), Some(2), "{source}");
        let err = text(&o.stderr);
        assert!(expected.iter().all(|e| err.contains(e)), "{source}: {err}");
    };
    refused(
        "adapter = \"okta-system-log\"\npath = \"../shared/*.json\"\nsystem_id = \"okta\"",
        &["is outside the config's folder"],
    );
    // A config mistake in a source stops the collection too.
    refused(
        "adapter = \"okta-system-log\"\npath = \"x.json\"\nsystem_id = \"okta\"\ncadence = \"daily\"",
        &["is not a cadence"],
    );
    // So does a bad option value, which only the adapter knows how to check.
    refused(
        "adapter = \"github\"\npath = \"gh/*.json\"\nsystem_id = \"github\"\nticket_pattern = \"[A-Z\"",
        &["is not a regular expression", "fieldcheck.toml:"],
    );
    std::fs::write(kit.join("fieldcheck.toml"), config).expect("restore");

    // While the window runs, evidence is due up to now, not up to the window's end.
    let o = run(
        &["audit", s(&kit), "--locker", "--format", "json"],
        &[("FIELDCHECK_NOW", "2026-05-01T12:00:00Z")],
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let stale = diagnostics(&v, |d| d["code"] == "stale-evidence");
    assert!(stale.is_empty(), "{stale:?}");
}

/// The kit's vendors.csv cut down to the vendors without a deviation: vendor-management then
/// reads `effective`.
fn cut_down_vendors(kit: &Path) {
    let v = audit_json(&[s(kit), "--control", "vendor-management"]);
    assert_eq!(v["controls"][0]["status"], "exceptions");
    let bad: Vec<String> = v["controls"][0]["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .flat_map(|t| t["deviations"].as_array().expect("deviations").clone())
        .map(|d| d["item"].as_str().expect("item").to_string())
        .collect();
    let text = std::fs::read_to_string(kit.join("vendors.csv")).expect("vendors");
    let kept: String = text
        .split_inclusive('\n')
        .filter(|l| !bad.iter().any(|b| l.starts_with(&format!("{b},"))))
        .collect();
    std::fs::write(kit.join("vendors.csv"), kept).expect("write");
    let v = audit_json(&[s(kit), "--control", "vendor-management"]);
    assert_eq!(v["controls"][0]["status"], "effective");
}

/// Replaces the kit's locker by one the forger built from `forged` (collected at the same
/// moment, signed with `sign` or not).
fn forge_locker(kit: &Path, forged: &Path, sign: Option<&Path>) {
    let _ = std::fs::remove_dir_all(forged.join(".fieldcheck"));
    let mut extra = Vec::new();
    if let Some(k) = sign {
        extra = vec!["--sign", s(k)];
    }
    let o = collect(forged, "2026-05-01T06:00:00Z", &extra);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let locker = kit.join(".fieldcheck/locker");
    std::fs::remove_dir_all(&locker).expect("rm");
    let o = Command::new("cp")
        .args(["-r", s(&forged.join(".fieldcheck/locker")), s(&locker)])
        .status()
        .expect("cp");
    assert!(o.success());
}

fn vendor_status(v: &Value) -> Value {
    control(v, "vendor-management")["status"].clone()
}

#[test]
fn a_forged_locker_is_refused_by_the_pinned_key_and_an_unpinned_audit_says_it_proves_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    let key = tmp.path().join("company-key");
    assert_eq!(
        run(&["locker", "keygen", "--out", s(&key)], &[])
            .status
            .code(),
        Some(0)
    );
    let pubkey = format!("{}.pub", s(&key));
    let pub_text = std::fs::read_to_string(&pubkey)
        .expect("pub")
        .trim()
        .to_string();
    let o = collect(&kit, "2026-05-01T06:00:00Z", &["--sign", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // The honest locker, audited with the pinned key: the report says it was verified.
    let v = audit_json(&[s(&kit), "--locker", "--key", &pubkey]);
    assert_eq!(vendor_status(&v), "exceptions");
    assert_eq!(v["locker"]["key_verified"], true);
    assert_eq!(v["locker"]["pinned_by"], "--key");
    assert_eq!(v["locker"]["signed_by"], Value::String(pub_text.clone()));
    assert_eq!(v["locker"]["signed_seals"], 1);
    // Unpinned, the same locker audits, and the report says what it could not prove.
    let v = audit_json(&[s(&kit), "--locker"]);
    assert_eq!(v["locker"]["key_verified"], false);
    assert!(v["locker"].get("pinned_by").is_none(), "{}", v["locker"]);
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert!(
        text(&o.stdout).contains("the evidence was NOT verified against a known key"),
        "{}",
        text(&o.stdout)
    );
    let o = run(&["audit", s(&kit), "--locker", "--format", "markdown"], &[]);
    assert!(
        text(&o.stdout).contains("**Warning:** the evidence was NOT verified against a known key"),
        "{}",
        text(&o.stdout)
    );

    // The forgery: vendors.csv cut down so that vendor-management reads effective.
    let forged = tmp.path().join("forged");
    let o = Command::new("cp")
        .args(["-r", s(&kit), s(&forged)])
        .status()
        .expect("cp");
    assert!(o.success());
    cut_down_vendors(&forged);

    // 1. Signatures and locker.pub stripped (an unsigned locker of the forged kit).
    forge_locker(&kit, &forged, None);
    assert!(!kit.join(".fieldcheck/locker/locker.pub").exists());
    let o = run(&["locker", "verify", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains("note: not verified against a known key: this locker is unsigned"),
        "{}",
        text(&o.stdout)
    );
    let o = run(&["locker", "verify", s(&kit), "--format", "json"], &[]);
    let j: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        (j["ok"].as_bool(), j["key_verified"].as_bool()),
        (Some(true), Some(false))
    );
    let v = audit_json(&[s(&kit), "--locker"]);
    assert_eq!(vendor_status(&v), "effective");
    assert_eq!(
        (&v["locker"]["key_verified"], v["locker"].get("signed_by")),
        (&Value::Bool(false), None)
    );
    let o = run(&["locker", "verify", s(&kit), "--key", &pubkey], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("[unsigned-seal]"),
        "{}",
        text(&o.stdout)
    );
    let o = run(&["audit", s(&kit), "--locker", "--key", &pubkey], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("is refused")
            && err.contains(
                "no seal is signed: the locker is unsigned, or its signatures were stripped"
            )
            && err.contains("[unsigned-seal]"),
        "{err}"
    );
    assert!(
        o.stdout.is_empty(),
        "nothing is reported from a refused locker"
    );

    // 2. Re-signed with another key, its locker.pub replaced.
    let other = tmp.path().join("forger-key");
    assert_eq!(
        run(&["locker", "keygen", "--out", s(&other)], &[])
            .status
            .code(),
        Some(0)
    );
    forge_locker(&kit, &forged, Some(&other));
    let other_pub = std::fs::read_to_string(format!("{}.pub", s(&other))).expect("pub");
    assert_eq!(
        std::fs::read_to_string(kit.join(".fieldcheck/locker/locker.pub")).expect("pub"),
        other_pub
    );
    let o = run(&["locker", "verify", s(&kit)], &[]);
    assert_eq!(o.status.code(), Some(0), "self-consistent without a key");
    assert!(
        text(&o.stdout)
            .contains("which a locker rewritten and re-signed with another key would name too")
    );
    let v = audit_json(&[s(&kit), "--locker"]);
    assert_eq!(v["locker"]["key_verified"], false);
    assert_eq!(
        v["locker"]["signed_by"],
        Value::String(other_pub.trim().into())
    );
    let o = run(&["locker", "verify", s(&kit), "--key", &pubkey], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("[wrong-key]"),
        "{}",
        text(&o.stdout)
    );
    let o = run(&["audit", s(&kit), "--locker", "--key", &pubkey], &[]);
    assert_stderr(&o, 2, "every seal is signed by another key");

    // The key pinned in the config refuses it too, without `--key`.
    let config = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    std::fs::write(
        kit.join("fieldcheck.toml"),
        format!("{config}\n[locker]\npublic_key = \"{pub_text}\"\n"),
    )
    .expect("write");
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert_stderr(&o, 2, "from the config's `[locker] public_key`");
    // A `--key` that contradicts the config's pin is refused before anything is read.
    let o = run(
        &[
            "audit",
            s(&kit),
            "--locker",
            "--key",
            &format!("{}.pub", s(&other)),
        ],
        &[],
    );
    assert_stderr(&o, 2, "a locker can be signed by one key only");
    // A mistyped pin is a config error at its line, and nothing is audited.
    std::fs::write(
        kit.join("fieldcheck.toml"),
        format!("{config}\n[locker]\npublic_key = \"{}\"\n", &pub_text[..40]),
    )
    .expect("write");
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert_stderr(&o, 2, "`locker.public_key` must be an Ed25519 public key");

    // The honest locker again: the config's pin proves it, and the report says where the key came from.
    std::fs::write(
        kit.join("fieldcheck.toml"),
        format!("{config}\n[locker]\npublic_key = \"{pub_text}\"\n"),
    )
    .expect("write");
    std::fs::remove_dir_all(kit.join(".fieldcheck/locker")).expect("rm");
    // A pinned config takes no unsigned collection, nor one signed by another key.
    let o = collect(&kit, "2026-05-01T06:00:00Z", &[]);
    assert_stderr(&o, 2, "the config pins the locker key");
    let o = collect(&kit, "2026-05-01T06:00:00Z", &["--sign", s(&other)]);
    assert_stderr(&o, 2, "but the config pins");
    assert!(!kit.join(".fieldcheck/locker/manifest.jsonl").exists());
    let o = collect(&kit, "2026-05-01T06:00:00Z", &["--sign", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = audit_json(&[s(&kit), "--locker"]);
    assert_eq!(
        (&v["locker"]["key_verified"], &v["locker"]["pinned_by"]),
        (&Value::Bool(true), &Value::String("config".into()))
    );
    assert_eq!(vendor_status(&v), "exceptions");
    // Its locker.pub replaced by the forger's: every seal still verifies, but the locker is
    // refused, since it now carries a key that did not sign it.
    std::fs::write(kit.join(".fieldcheck/locker/locker.pub"), &other_pub).expect("write");
    let o = run(&["audit", s(&kit), "--locker"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .contains("every seal is signed by it, but its locker.pub names another key"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn signing_into_a_locker_with_unsigned_collections_is_refused_with_the_way_out() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    let key = tmp.path().join("key");
    assert_eq!(
        run(&["locker", "keygen", "--out", s(&key)], &[])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        collect(&kit, "2026-05-01T06:00:00Z", &[]).status.code(),
        Some(0)
    );
    let manifest = kit.join(".fieldcheck/locker/manifest.jsonl");
    let before = std::fs::read(&manifest).expect("manifest");
    let o = collect(&kit, "2026-05-02T06:00:00Z", &["--sign", s(&key)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("already holds 1 unsigned collection (collection 1)")
            && err.contains("--locker NEW-DIR"),
        "{err}"
    );
    assert_eq!(std::fs::read(&manifest).expect("manifest"), before);
    // The way out: a new locker for the signed collections.
    let signed = tmp.path().join("signed-locker");
    let o = collect(
        &kit,
        "2026-05-02T06:00:00Z",
        &["--sign", s(&key), "--locker", s(&signed)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(
        &[
            "locker",
            "verify",
            s(&signed),
            "--key",
            &format!("{}.pub", s(&key)),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[cfg(unix)]
#[test]
fn collect_never_opens_a_link_out_of_the_kit_a_fifo_or_a_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "root:x:0:0:TOP-SECRET-LINE\n").expect("write");
    let locker = kit.join(".fieldcheck/locker");
    // A kit file that is a link out of the kit.
    std::fs::remove_file(kit.join("vendors.csv")).expect("rm");
    std::os::unix::fs::symlink(&secret, kit.join("vendors.csv")).expect("link");
    // A kit file that is a FIFO: opening it would hang the collection.
    std::fs::remove_file(kit.join("risks.csv")).expect("rm");
    let made = Command::new("mkfifo")
        .arg(kit.join("risks.csv"))
        .status()
        .is_ok_and(|s| s.success());
    // A folder under a kit file's name.
    std::fs::remove_file(kit.join("systems.csv")).expect("rm");
    std::fs::create_dir(kit.join("systems.csv")).expect("mkdir");
    let o = collect(&kit, "2026-05-01T06:00:00Z", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("not-a-file")
            && err.contains("`vendors.csv` (a kit file) is a symbolic link to")
            && err.contains("outside the folder; it was not followed")
            && err.contains("`systems.csv` (a kit file) is a directory"),
        "{err}"
    );
    if made {
        assert!(err.contains("`risks.csv` (a kit file) is a FIFO"), "{err}");
    }
    assert!(err.contains("nothing was collected"), "{err}");
    assert!(!err.contains("TOP-SECRET"), "{err}");
    assert!(!locker.join("manifest.jsonl").exists());
    // No blob holds the secret.
    let stored = Command::new("grep")
        .args(["-r", "TOP-SECRET", s(&kit.join(".fieldcheck"))])
        .output()
        .expect("grep");
    assert!(stored.stdout.is_empty(), "{}", text(&stored.stdout));

    // A source export that links out of the config's folder is refused the same way.
    for f in ["vendors.csv", "risks.csv"] {
        std::fs::remove_file(kit.join(f)).expect("rm");
    }
    std::fs::remove_dir(kit.join("systems.csv")).expect("rmdir");
    std::fs::create_dir_all(kit.join("exports")).expect("mkdir");
    std::os::unix::fs::symlink(&secret, kit.join("exports/okta.json")).expect("link");
    let config = std::fs::read_to_string(kit.join("fieldcheck.toml")).expect("config");
    std::fs::write(
        kit.join("fieldcheck.toml"),
        format!("{config}\n[[sources]]\nadapter = \"okta-system-log\"\npath = \"exports/*.json\"\nsystem_id = \"okta\"\n"),
    )
    .expect("write");
    let o = collect(&kit, "2026-05-01T06:00:00Z", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("`exports/okta.json` (source `okta-system-log`) is a symbolic link to"),
        "{err}"
    );
    assert!(!err.contains("TOP-SECRET"), "{err}");
    assert!(!locker.join("manifest.jsonl").exists());
    // A link that stays inside the kit is collected as the file it points to.
    std::fs::remove_file(kit.join("exports/okta.json")).expect("rm");
    std::fs::write(kit.join("exports/okta-2026-05.json"), "[]").expect("write");
    std::os::unix::fs::symlink(
        kit.join("exports/okta-2026-05.json"),
        kit.join("exports/okta.json"),
    )
    .expect("link");
    let o = collect(&kit, "2026-05-01T06:00:00Z", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A config that is a FIFO is refused at once instead of hanging the collection.
    let fifo = tmp.path().join("fifo.toml");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let o = collect(&kit, "2026-05-02T06:00:00Z", &["--config", s(&fifo)]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains("is a FIFO"), "{}", text(&o.stderr));
    }
}

/// Progress bars are for a terminal: every long step run with a piped stderr (as here, in CI and
/// in scripts) writes nothing of them, not a step name, a carriage return or a cursor code.
#[test]
fn no_progress_reaches_a_piped_stderr() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    let raw = tmp.path().join("raw");
    demo(&kit);
    let o = run(&["demo", "--raw", "--out", s(&raw)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let now = [("FIELDCHECK_NOW", "2026-05-01T06:00:00Z")];
    let outputs = [
        collect(&kit, "2026-05-01T06:00:00Z", &[]),
        run(&["locker", "verify", s(&kit)], &now),
        run(&["audit", s(&kit), "--record"], &now),
        run(&["audit", s(&kit), "--locker"], &now),
        run(
            &["sample", s(&kit), "--out", s(&tmp.path().join("sample"))],
            &now,
        ),
        run(&["audit", s(&raw)], &now),
        run(
            &["ingest", s(&raw), "--out", s(&tmp.path().join("ingested"))],
            &now,
        ),
    ];
    for o in &outputs {
        assert!(
            o.status.code().is_some_and(|c| c < 2),
            "{}",
            text(&o.stderr)
        );
        let err = text(&o.stderr);
        for step in [
            "reading the kit",
            "reading the sources' exports",
            "testing the controls",
            "recording in the exception register",
            "collecting into the locker",
            "verifying the locker",
            "replaying the locker",
            "drawing the samples",
            "writing the canonical kit",
        ] {
            assert!(!err.contains(step), "{step}: {err}");
        }
        assert!(!err.contains('\r'), "{err}");
        assert!(!err.contains("\u{1b}[?25l"), "{err}");
    }
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), the bars are drawn on stderr,
/// and stdout still carries the report alone, byte for byte as without a terminal.
#[test]
fn progress_is_drawn_on_a_terminal_and_stdout_is_unchanged() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let kit = tmp.path().join("kit");
    demo(&kit);
    let (out, typescript) = (tmp.path().join("stdout.txt"), tmp.path().join("tty.txt"));
    let cmd = format!(
        "stty cols 100; '{}' audit '{}' > '{}'",
        env!("CARGO_BIN_EXE_fieldcheck"),
        s(&kit),
        s(&out)
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, s(&typescript)])
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let tty = text(&std::fs::read(&typescript).expect("typescript"));
    assert!(tty.contains("reading the kit ["), "{tty}");
    let plain = run(&["audit", s(&kit)], &[]);
    assert_eq!(std::fs::read(&out).expect("stdout"), plain.stdout);
}
