//! Writes a demo kit and prints its record counts and the time it took.
//!
//! Usage: `cargo run --release -p fieldcheck_demo --example write_kit -- DIR [PEOPLE] [SEED]`.

use std::time::Instant;

use fieldcheck_demo::{DemoOptions, write_kit};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "target/demo-kit".to_string());
    let defaults = DemoOptions::default();
    let people = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(defaults.people);
    let seed = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(defaults.seed);
    let started = Instant::now();
    let summary = write_kit(std::path::Path::new(&dir), &DemoOptions { seed, people })?;
    let elapsed = started.elapsed();
    for (name, rows) in &summary.files {
        println!("{name:<30} {rows:>10}");
    }
    println!("{:<30} {:>10}", "total", summary.records);
    println!(
        "{people} people, seed {seed}: {:.2} s",
        elapsed.as_secs_f64()
    );
    Ok(())
}
