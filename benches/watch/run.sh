#!/usr/bin/env bash
# Issue 20's speed targets, reported (never asserted):
#  - registration -> watcher latency, p50/p99/max over every (registration, watcher) pair, with
#    WATCHERS connections watching (default 1,000), on one instance (SQLite), and across two
#    instances on one PostgreSQL when SR_BENCH_POSTGRES_URL is set (watchers on B, writes on A);
#    each both ways: every watcher gets every event (broadcast), and --spread (each watcher
#    watches subjects of its own, so an event reaches one of the 1,000 connected watchers);
#  - the Swift client's cached lookups beside the same calls' round trips (same run).
# Every loop is bounded: REGISTRATIONS registrations (default 200), cache loops of CACHE_SECONDS.
#   benches/watch/run.sh                       # uses .build/release/schema-registry (built if missing)
#   WATCHERS=1000 REGISTRATIONS=300 SR_BENCH_POSTGRES_URL=postgres://... benches/watch/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${SCHEMA_REGISTRY_BIN:-.build/release/schema-registry}
[ -x "$bin" ] || swift build -c release --product schema-registry
watchers=${WATCHERS:-1000}
registrations=${REGISTRATIONS:-200}
cache_seconds=${CACHE_SECONDS:-3}
work=$(mktemp -d)
cleanup() {
  # start runs in a command substitution (a subshell): its servers' pids are kept in files.
  for file in "$work"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server on a free port with the given extra arguments; prints the port.
start() {
  local name=$1; shift
  "$bin" serve --port 0 --data-dir "$work/$name" --set metrics-port=off --set rest-port=off \
    --set max-connections-per-address=$((watchers + 100)) --set default-compatibility=NONE "$@" \
    >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
  for _ in $(seq 1 300); do
    port=$(grep -m1 'schema-registry listening' "$work/$name.log" 2>/dev/null | grep -o '127.0.0.1:[0-9]*' | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && { echo "$port"; return; }
    sleep 0.1
  done
  echo "server $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"
echo "== one instance, SQLite"
port=$(start sqlite)
"$bin" bench-watch --port "$port" --watchers "$watchers" --registrations "$registrations" \
  --cache-seconds "$cache_seconds"
echo "== one instance, SQLite, spread (each registration to one of the connected watchers)"
"$bin" bench-watch --port "$port" --watchers "$watchers" --registrations "$registrations" --spread --no-cache

if [ -n "${SR_BENCH_POSTGRES_URL:-}" ]; then
  echo "== two instances on one PostgreSQL (writes on A, watchers on B)"
  a=$(start pg-a --store "$SR_BENCH_POSTGRES_URL")
  b=$(start pg-b --store "$SR_BENCH_POSTGRES_URL")
  "$bin" bench-watch --port "$a" --watch-port "$b" --watchers "$watchers" --registrations "$registrations" --no-cache
  echo "== two instances on one PostgreSQL, spread"
  "$bin" bench-watch --port "$a" --watch-port "$b" --watchers "$watchers" --registrations "$registrations" --no-cache --spread
  echo "== one instance on PostgreSQL (writes and watchers on A)"
  "$bin" bench-watch --port "$a" --watchers "$watchers" --registrations "$registrations" --no-cache
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
