#!/usr/bin/env bash
# The audit benchmark: demo kits of 5,000 and 50,000 people, audited to JSON.
# Prints records, wall time and peak memory for each, and the read-speed baseline of the same
# files in the same run (crates/fieldcheck_kit/examples/read_baseline.rs: read and split every
# record with the reader's two threads, no typing) with the audit's ratio to it; see BENCHMARKS.md.
# Usage: scripts/bench.sh [PEOPLE...]   (default: 5000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --locked
cargo build --release --quiet --locked -p fieldcheck_kit --example read_baseline
bin=target/release/fieldcheck
baseline=target/release/examples/read_baseline
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000 50000)
printf '%-8s %12s %14s %10s %12s %8s %7s\n' people records kit_bytes audit_s peak_rss_mb read_s ratio
for n in "${sizes[@]}"; do
  dir=target/bench/kit-$n
  rm -rf "$dir"
  "$bin" demo --people "$n" --out "$dir" 2>/dev/null
  lines=$(find "$dir" -name '*.csv' -exec cat {} + | wc -l)
  files=$(find "$dir" -name '*.csv' | wc -l)
  records=$((lines - files))
  bytes=$(du -sb "$dir" | cut -f1)
  # Best of three runs: wall seconds and peak resident memory from GNU time.
  best=""
  rss=""
  for _ in 1 2 3; do
    read -r t m < <( { /usr/bin/time -f "%e %M" "$bin" audit "$dir" --format json --no-cache > /dev/null; } 2>&1 | tail -n 1)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; rss=$((m / 1024)); fi
  done
  # The read-speed baseline of the same files, best of three, and the audit's ratio to it.
  read=""
  for _ in 1 2 3; do
    r=$("$baseline" "$dir" 2 | awk '{print $NF}')
    if [ -z "$read" ] || [ "$(echo "$r < $read" | bc)" = 1 ]; then read=$r; fi
  done
  ratio=$(echo "scale=2; $best / $read" | bc)
  printf '%-8s %12s %14s %10.2f %12s %8.2f %7s\n' "$n" "$records" "$bytes" "$best" "$rss" "$read" "$ratio"
done
