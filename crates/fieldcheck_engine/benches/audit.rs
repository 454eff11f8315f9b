//! The audit against the read-speed baseline, in one process (issue 15's figure):
//!
//! ```sh
//! cargo bench -p fieldcheck_engine --bench audit                              # 5,000 people
//! FIELDCHECK_BENCH_PEOPLE=50000 cargo bench -p fieldcheck_engine --bench audit
//! FIELDCHECK_BENCH_KIT=path/to/kit cargo bench -p fieldcheck_engine --bench audit  # your kit
//! ```
//!
//! A relative `FIELDCHECK_BENCH_KIT` is the workspace's (`target/bench/kit-50000`, which
//! `scripts/bench.sh` writes): cargo runs a bench in its package's folder.
//!
//! Writes the demo kit once under the bench's target folder, then, three times in turn, times
//! the baseline (`fieldcheck_kit/examples/read_baseline.rs`: read and split every record with
//! two threads, no typing) and the pipeline `fieldcheck audit KIT --format json` runs (load,
//! run, the JSON report), and prints the best of each and their ratio, with the best audit's
//! time split into its steps. Whole-process figures (peak memory, the exit) are
//! `scripts/bench.sh`'s.

use std::path::PathBuf;
use std::time::Instant;

#[path = "../../fieldcheck_kit/examples/read_baseline.rs"]
#[allow(dead_code)]
mod read_baseline;

fn main() {
    let people: usize = std::env::var("FIELDCHECK_BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = package.ancestors().nth(2).unwrap_or(package);
    let given = std::env::var_os("FIELDCHECK_BENCH_KIT")
        .map(PathBuf::from)
        .map(|k| {
            if k.is_relative() {
                workspace.join(k)
            } else {
                k
            }
        });
    let label = match &given {
        Some(k) => format!("kit {}", k.display()),
        None => format!("people {people}"),
    };
    let dir = given.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-kit-{people}"))
    });
    if given.is_some() && !dir.join("fieldcheck.toml").is_file() {
        eprintln!(
            "FIELDCHECK_BENCH_KIT: `{}` holds no fieldcheck.toml; write a kit with `fieldcheck demo --people N --out DIR`",
            dir.display()
        );
        std::process::exit(2);
    }
    if given.is_none() && !dir.join("fieldcheck.toml").is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        fieldcheck_demo::write_kit(&dir, &fieldcheck_demo::DemoOptions { seed: 7, people })
            .expect("the demo kit is written");
    }
    let (mut best_read, mut best_audit) = (f64::MAX, f64::MAX);
    let mut report_bytes = 0;
    let mut steps = [0.0; 3];
    for _ in 0..3 {
        let (_, counts, seconds) = read_baseline::baseline(&dir, 2).expect("the kit is read");
        best_read = best_read.min(seconds);
        let started = Instant::now();
        let loaded = match fieldcheck_engine::load(fieldcheck_engine::LoadRequest::new(&dir, None))
        {
            Ok(l) => l,
            Err(_) => panic!("the kit loads"),
        };
        let read = started.elapsed().as_secs_f64();
        let outcome =
            fieldcheck_engine::run(&loaded, &fieldcheck_engine::RunOptions::plain("bench"))
                .expect("the kit's audit runs");
        let tested = started.elapsed().as_secs_f64();
        report_bytes = outcome.report.to_json().len();
        let total = started.elapsed().as_secs_f64();
        if total < best_audit {
            best_audit = total;
            steps = [read, tested - read, total - tested];
        }
        println!(
            "{label}: {} records, {} bytes; read and split {seconds:.3} s",
            counts.records, counts.bytes
        );
        // The kit and the audit are dropped outside the timed span, as the CLI leaves them to
        // the operating system.
        drop((loaded, outcome));
    }
    println!(
        "{label}: audit {best_audit:.3} s (report {report_bytes} bytes), read and split {best_read:.3} s, ratio {:.2} (best of three each; the bar at 50,000 people is 2.0)",
        best_audit / best_read
    );
    println!(
        "{label}: the best audit's steps: load {:.3} s, controls and report model {:.3} s, JSON {:.3} s",
        steps[0], steps[1], steps[2]
    );
}
