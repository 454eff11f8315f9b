#!/usr/bin/env bash
# Every test: starts a throwaway PostgreSQL server for the shared-register tests (installing the
# server from Debian's packages when it is missing), runs the workspace's tests with all features
# against it, and stops it. Usage: scripts/test.sh [extra cargo test arguments]
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
cargo test --workspace --all-features --locked "$@"
