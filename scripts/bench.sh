#!/usr/bin/env bash
# The audit benchmark: demo kits of 5,000 and 50,000 people, audited to JSON.
# Prints records, wall time and peak memory for each; see BENCHMARKS.md.
# Usage: scripts/bench.sh [PEOPLE...]   (default: 5000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/fieldcheck
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000 50000)
printf '%-8s %12s %14s %10s %12s\n' people records kit_bytes audit_s peak_rss_mb
for n in "${sizes[@]}"; do
  dir=target/bench/kit-$n
  rm -rf "$dir"
  "$bin" demo --people "$n" --out "$dir" 2>/dev/null
  lines=$(find "$dir" -name '*.csv' -exec cat {} + | wc -l)
  files=$(find "$dir" -name '*.csv' | wc -l)
  records=$((lines - files))
  bytes=$(du -sb "$dir" | cut -f1)
  # Best of three runs; peak memory from the kernel's accounting of the child.
  best=""
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    python3 - "$bin" "$dir" <<'PY' > "target/bench/rss-$n"
import resource, subprocess, sys
subprocess.run([sys.argv[1], "audit", sys.argv[2], "--format", "json"], stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%-8s %12s %14s %10.2f %12s\n' "$n" "$records" "$bytes" "$best" "$(cat target/bench/rss-$n)"
done
