//! Verify throughput: a locker holding `FIELDCHECK_BENCH_MB` (default 1024) MB of evidence in 32
//! files, verified end to end (every blob hashed, the chain and the seal checked).
//!
//! Run: `cargo bench -p fieldcheck_locker --bench verify`. The bar is at least 500 MB/s of blobs
//! on the reference machine; hashing is the limit.

use std::time::Instant;

use fieldcheck_locker::{Incoming, Locker, verify};

fn main() {
    let mb: usize = std::env::var("FIELDCHECK_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    let files = 32;
    let per = (mb << 20) / files;
    let mut incoming = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..files {
        // Log-like bytes from a cheap generator: every file differs.
        let mut body = Vec::with_capacity(per);
        while body.len() < per {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body.extend_from_slice(format!("{{\"eventID\":\"{x:016x}\",\"n\":{i}}}\n").as_bytes());
        }
        let p = src.join(format!("export-{i:02}.json"));
        std::fs::write(&p, &body).expect("write");
        incoming.push(Incoming {
            source: "bench".into(),
            system_id: None,
            name: format!("export-{i:02}.json"),
            path: p,
        });
    }
    let locker = dir.path().join("locker");
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let t = Instant::now();
    let c = Locker::open(&locker)
        .expect("open")
        .collect(
            &incoming,
            &|| "2026-06-30T12:00:00Z".parse().expect("ts"),
            Some(&key),
            None,
        )
        .expect("collect");
    let collect_secs = t.elapsed().as_secs_f64();
    println!(
        "collect: {} files, {:.0} MB in {collect_secs:.2} s = {:.0} MB/s (copy, hash and fsync)",
        c.entries,
        c.bytes as f64 / 1e6,
        c.bytes as f64 / 1e6 / collect_secs
    );
    let pubkey = key.verifying_key();
    for run in 0..3 {
        let t = Instant::now();
        let v = verify(&locker, Some(&pubkey), None);
        let secs = t.elapsed().as_secs_f64();
        assert!(v.ok(), "{:?}", v.findings);
        println!(
            "verify run {run}: {} blobs, {:.0} MB in {secs:.2} s = {:.0} MB/s",
            v.blobs,
            v.bytes as f64 / 1e6,
            v.bytes as f64 / 1e6 / secs
        );
    }
}
