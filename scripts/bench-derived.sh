#!/usr/bin/env bash
# The derived commands beside the audit, in one run on one kit (issue 15's "derived commands"
# bar: each at most 1.3 times the audit): `audit`, `sample`, `audit --record` (its second run,
# reconciling a register that already holds every exception) and `audit --locker` (verify the
# locker, replay it, audit). Best of three each, wall seconds and peak memory (GNU time), and the
# ratio to the audit. Every command reads the kit in full (`--no-cache`; a locker replay keeps no
# cache): the cache of parsed files is measured by scripts/bench-reaudit.sh. See BENCHMARKS.md.
# Usage: scripts/bench-derived.sh [PEOPLE]   (default: 50000; reuses target/bench/kit-PEOPLE)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --locked
bin=$PWD/target/release/fieldcheck
n=${1:-50000}
dir=target/bench/kit-$n
[ -f "$dir/fieldcheck.toml" ] || "$bin" demo --people "$n" --out "$dir" 2>/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the kit, so that its register and locker do not change the benchmark's kit.
cp -r "$dir" "$work/kit"
kit=$work/kit
rm -rf "$kit/.fieldcheck"
export FIELDCHECK_NOW=2026-10-12T15:00:00Z
"$bin" audit "$kit" --record > /dev/null 2>&1 || true
"$bin" collect "$kit" > /dev/null 2>&1
best() {
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2>&1 || true
    read -r t m < <(tail -n 1 "$work/time")
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; rss=$((m / 1024)); fi
  done
  echo "$best $rss"
}
printf '%-22s %8s %12s %7s\n' command wall_s peak_rss_mb ratio
read -r audit audit_rss < <(best "$bin" audit "$kit" --format json --no-cache)
printf '%-22s %8.2f %12s %7s\n' "audit" "$audit" "$audit_rss" "1.00"
for cmd in sample record locker; do
  case $cmd in
    sample) read -r t m < <(best "$bin" sample "$kit" --no-cache) ;;
    record) read -r t m < <(best "$bin" audit "$kit" --record --no-cache) ;;
    locker) read -r t m < <(best "$bin" audit "$kit" --locker --format json) ;;
  esac
  label=$cmd
  [ "$cmd" = record ] && label="audit --record (again)"
  [ "$cmd" = locker ] && label="audit --locker"
  printf '%-22s %8.2f %12s %7s\n' "$label" "$t" "$m" "$(echo "scale=2; $t / $audit" | bc)"
done
