#!/usr/bin/env bash
# Every test: installs Debian's chromium and poppler-utils when missing, starts a throwaway PostgreSQL server for the shared-register tests (installing the
# server from Debian's packages when it is missing) and a moto server (an AWS API emulator, from
# PyPI into a reused virtual environment) for the AWS collector's test, runs the workspace's tests
# with all features against them, and stops them. Usage: scripts/test.sh [extra cargo test
# arguments]
#
# Also: compliance-trestle and junitparser (PyPI, into a reused virtual environment) read back the
# OSCAL and JUnit reports (crates/fieldcheck/tests/formats.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "test.sh: installing the PostgreSQL server (Debian package postgresql)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# PostgreSQL refuses to run as root: as root, run it as the `postgres` user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_pg=(runuser -u postgres --)
fi
dir=$(mktemp -d /tmp/fieldcheck-pg.XXXXXX)
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$dir"
port=$((40000 + RANDOM % 20000))
"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U fieldcheck >"$dir/initdb.log" 2>&1
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses='' -c fsync=off" start >/dev/null
stop() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap stop EXIT

export FIELDCHECK_TEST_POSTGRES="host=$dir port=$port user=fieldcheck dbname=postgres"

# Debian's Chromium and its WebDriver (the committee report's PDF and the server's browser
# tests) and poppler-utils (pdftotext, pdftoppm, pdfinfo: reading the PDF back), when the machine
# lacks them.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  echo "test.sh: installing Debian's chromium, chromium-driver and poppler-utils" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils fonts-dejavu-core >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils fonts-dejavu-core >/dev/null; fi
fi
export FIELDCHECK_TEST_CHROMIUM="$(command -v chromium)"
export FIELDCHECK_TEST_CHROMEDRIVER="$(command -v chromedriver)"

# moto in server mode, pinned, with boto3 (the seed script) and the AWS CLI v1 (the kit saved by
# hand), in a virtual environment kept between runs.
moto_version=5.2.6
awscli_version=1.46.3
venv="${XDG_CACHE_HOME:-$HOME/.cache}/fieldcheck/moto-$moto_version"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
  echo "test.sh: installing moto[server]==$moto_version and awscli==$awscli_version into $venv" >&2
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; fi
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "moto[server]==$moto_version" "awscli==$awscli_version"
fi
moto_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$dir/moto.log" 2>&1 &
moto_pid=$!
stop() {
  kill "$moto_pid" 2>/dev/null || true
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$moto_port/moto-api/')" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$dir/moto.log" >&2; echo "test.sh: moto_server did not start" >&2; exit 1; }
  sleep 0.1
done
# compliance-trestle (loads the OSCAL report) and junitparser (reads the JUnit report), pinned, in
# a virtual environment kept between runs.
trestle_version=5.2.0
junitparser_version=5.0.3
trestle_venv="${XDG_CACHE_HOME:-$HOME/.cache}/fieldcheck/trestle-$trestle_version-junitparser-$junitparser_version"
if [ ! -x "$trestle_venv/bin/python" ] || ! "$trestle_venv/bin/python" -c 'import trestle, junitparser' 2>/dev/null; then
  echo "test.sh: installing compliance-trestle==$trestle_version and junitparser==$junitparser_version into $trestle_venv" >&2
  rm -rf "$trestle_venv"
  python3 -m venv "$trestle_venv"
  "$trestle_venv/bin/pip" install -q "compliance-trestle==$trestle_version" "junitparser==$junitparser_version"
fi
export FIELDCHECK_TEST_TRESTLE_VENV="$trestle_venv"
# jq: the gate of the CI examples (examples/ci/), run on the demo by the same test.
if ! command -v jq >/dev/null 2>&1; then
  echo "test.sh: installing jq (Debian package)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; fi
fi

export FIELDCHECK_TEST_MOTO="http://127.0.0.1:$moto_port"
export FIELDCHECK_TEST_MOTO_VENV="$venv"
cargo test --workspace --all-features --locked "$@"
