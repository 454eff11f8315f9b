#!/usr/bin/env bash
# The server's load benchmark: the 50,000-person demo with a recorded register, `fieldcheck
# serve` on 127.0.0.1, then 20 concurrent users for 30 s on `/exceptions` with its filters
# (wrk, from Debian, installed when missing). Prints wrk's latency percentiles (p95 included)
# for the filtered lists, and the server's memory when idle and after the load.
# Usage: scripts/bench-serve.sh [PEOPLE] [SECONDS]   (default: 50000 30)
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-50000}
secs=${2:-30}
if ! command -v wrk >/dev/null 2>&1; then
  echo "bench-serve.sh: installing wrk (Debian package)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi
fi
cargo build --release --quiet --locked -p fieldcheck
bin=$PWD/target/release/fieldcheck
dir=target/bench/serve-$people
if [ ! -f "$dir/.fieldcheck/fieldcheck.db" ]; then
  rm -rf "$dir"
  "$bin" demo --people "$people" --out "$dir" 2>/dev/null
  "$bin" audit "$dir" --record --actor bench >/dev/null 2>&1 || true
  "$bin" users add bench@example.com --role viewer --kit "$dir" --actor bench --password-stdin \
    <<<"bench password 12345" 2>/dev/null
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve "$dir" --listen "127.0.0.1:$port" 2>"$dir/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
rss() { awk '/VmRSS/ {printf "%.0f MB\n", $2 / 1024}' "/proc/$pid/status"; }
echo "idle server: $(rss)"
# Sign in once; every simulated user shares the session (reads only).
jar=$(mktemp)
pre=$(curl -fs -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
curl -fs -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$port/login" \
  --data-urlencode "csrf=$pre" --data-urlencode "email=bench@example.com" --data-urlencode "password=bench password 12345"
session=$(awk '$6 == "fc_session" {print $7}' "$jar")
rm -f "$jar"
[ -n "$session" ] || { echo "bench-serve.sh: could not sign in" >&2; exit 1; }
lua=$(mktemp --suffix=.lua)
cat >"$lua" <<'LUA'
local paths = {
  "/exceptions",
  "/exceptions?status=open",
  "/exceptions?overdue=1",
  "/exceptions?control=leaver-deprovisioning",
  "/exceptions?q=github",
  "/exceptions?owner=unassigned&page=40",
  "/exceptions?control=privileged-sessions&status=open&q=prod",
  "/exceptions?page=200",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("p%d %.1f ms\n", p, latency:percentile(p) / 1000))
  end
end
LUA
wrk -t2 -c20 -d"${secs}s" -H "Cookie: fc_session=$session" -s "$lua" "http://127.0.0.1:$port"
rm -f "$lua"
echo "after the load: $(rss)"
sleep 65
echo "idle again 65 s later: $(rss)"
