//! The evidence locker end to end, as a company and its auditor run it: collect, verify, replay,
//! export; and the crash test (a collection killed at any moment leaves a valid locker).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{audit_json, run, s, text};
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
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("pass `--sign KEY`"),
        "{}",
        text(&o.stderr)
    );

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
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
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
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("has no collection at or before"),
        "{}",
        text(&o.stderr)
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
    let leavers = v["controls"]
        .as_array()
        .expect("c")
        .iter()
        .find(|c| c["id"] == "leaver-deprovisioning")
        .expect("l");
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
    let vendors = v["controls"]
        .as_array()
        .expect("c")
        .iter()
        .find(|c| c["id"] == "vendor-management")
        .expect("v");
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
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("does not verify") && text(&o.stderr).contains("blob-altered"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&blob, &original).expect("restore");

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
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("must be outside the locker"),
        "{}",
        text(&o.stderr)
    );
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
    let stale: Vec<&Value> = v["diagnostics"]
        .as_array()
        .expect("d")
        .iter()
        .filter(|d| d["code"] == "stale-evidence")
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
}
