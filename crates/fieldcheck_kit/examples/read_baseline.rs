//! The read-speed baseline of the audit benchmark (`scripts/bench.sh`): the cheapest honest pass
//! over a kit's record files, with the reader's two threads taking the files largest first:
//! read every byte and split every record into fields (CSV quoting respected), with no typing,
//! no checks and nothing kept. The audit's time over this one is the figure to drive down.
//!
//! Usage: `cargo run --release -p fieldcheck_kit --example read_baseline -- KIT [THREADS]`
//! Prints: `files F records R fields N bytes B seconds S`.
//! `cargo bench -p fieldcheck_engine --bench audit` includes this file for [`baseline`].

use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// Counts of one pass.
#[derive(Default)]
pub struct Counts {
    /// Records (lines outside quotes, not blank).
    pub records: u64,
    /// Fields.
    pub fields: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// Splits one file into records and fields as CSV does (a quoted field may hold commas and line
/// ends; `""` inside quotes is a quote), streaming it in 128 KiB pieces (the size whose copy
/// out of the page cache is fastest here, as for the kit reader).
fn split(path: &PathBuf) -> std::io::Result<Counts> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 128 << 10];
    let mut c = Counts::default();
    let (mut quoted, mut in_line) = (false, false);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        c.bytes += n as u64;
        for &b in &buf[..n] {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => c.fields += 1,
                b'\n' if !quoted => {
                    if in_line {
                        c.records += 1;
                        c.fields += 1;
                    }
                    in_line = false;
                    continue;
                }
                _ => {}
            }
            in_line = true;
        }
    }
    if in_line {
        c.records += 1;
        c.fields += 1;
    }
    Ok(c)
}

/// The pass over every record file of `kit` with `threads` threads, largest files first: how
/// many files, the counts, and the wall seconds.
pub fn baseline(kit: &std::path::Path, threads: usize) -> std::io::Result<(usize, Counts, f64)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(kit)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv" || x == "jsonl"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    // Largest first, as the kit reader takes them.
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let count = files.len();
    let queue = Mutex::new(files.into_iter());
    let total = Mutex::new(Counts::default());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((_, path)) = next else { break };
                    let c = split(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    let mut t = total.lock().unwrap_or_else(|e| e.into_inner());
                    t.records += c.records;
                    t.fields += c.fields;
                    t.bytes += c.bytes;
                }
            });
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let t = total.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((count, t, seconds))
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kit = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2).max(1);
    let (count, t, seconds) = baseline(&kit, threads)?;
    println!(
        "files {count} records {} fields {} bytes {} seconds {seconds:.3}",
        t.records, t.fields, t.bytes
    );
    Ok(())
}
