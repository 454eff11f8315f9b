#!/usr/bin/env bash
# The re-audit benchmark: a demo kit is audited once, which writes the cache of parsed files
# (KIT/.fieldcheck/cache); then one day of events is appended to account_events, sessions and
# deploys (each file's last 1/365 of rows again, sessions and deploys with new keys) and the kit is
# audited again. Prints, best of three each: the audit reading every file (--no-cache), the
# re-audit after the append (each run from the cache as it was before the append), and the
# re-audit of the unchanged kit; and checks that all three print the same JSON. See BENCHMARKS.md.
# Usage: scripts/bench-reaudit.sh [PEOPLE]   (default: 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --locked
bin=$PWD/target/release/fieldcheck
n=${1:-50000}
base=target/bench/reaudit-$n
kit=$base/kit
rm -rf "$base"
mkdir -p "$base"
"$bin" demo --people "$n" --out "$kit" 2>/dev/null
"$bin" audit "$kit" --format json > /dev/null || true
cp -r "$kit/.fieldcheck/cache" "$base/cache-before"
for f in account_events sessions deploys; do
  rows=$(($(wc -l < "$kit/$f.csv") - 1))
  day=$((rows / 365))
  tail -n "$day" "$kit/$f.csv" |
    awk -F, -v OFS=, -v keyed="$([ "$f" = account_events ] && echo 0 || echo 1)" \
      '{ if (keyed == 1) $1 = $1 "-next"; print }' > "$base/$f.day"
  cat "$base/$f.day" >> "$kit/$f.csv"
  printf '%-16s %9d rows + %6d appended\n' "$f" "$rows" "$day"
done
best() { # best wall seconds and its peak MiB over three runs of "$@" (a setup, then the audit)
  local t m b="" r=""
  for _ in 1 2 3; do
    "$1"
    read -r t m < <( { /usr/bin/time -f "%e %M" "$bin" audit "$kit" --format json $2 > "$base/out.json"; } 2>&1 | tail -n 1)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; r=$((m / 1024)); fi
  done
  echo "$b $r"
}
nothing() { sync; }
# (The copy is written out first: its dirty pages would otherwise slow the timed run.)
before() { rm -rf "$kit/.fieldcheck/cache"; cp -r "$base/cache-before" "$kit/.fieldcheck/cache"; sync; }
read -r cold cold_m < <(best nothing --no-cache)
cp "$base/out.json" "$base/cold.json"
read -r append append_m < <(best before "")
cmp -s "$base/out.json" "$base/cold.json" || { echo "the re-audit after the append differs from the cold audit" >&2; exit 1; }
read -r same same_m < <(best nothing "")
cmp -s "$base/out.json" "$base/cold.json" || { echo "the re-audit of the unchanged kit differs from the cold audit" >&2; exit 1; }
printf '%-34s %8s %10s\n' audit wall_s peak_mb
printf '%-34s %8.2f %10s\n' "cold (--no-cache)" "$cold" "$cold_m" "re-audit after the day appended" "$append" "$append_m" "re-audit, nothing changed" "$same" "$same_m"
echo "same JSON in all three: yes"
