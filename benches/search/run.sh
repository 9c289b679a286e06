#!/usr/bin/env bash
# Search with N ~1 KiB schemas (issue 19) on SQLite and on PostgreSQL: a fresh server per store,
# the store filled in its tables, then search_bench.py (the server's REST search beside the same
# SQL by hand, rounds alternated). Needs python3 with psycopg2 (pip install psycopg2-binary) and
# PostgreSQL binaries (scripts/test-services.sh starts a throwaway one).
#
#   benches/search/run.sh [COUNT] [ROUNDS] [--ranked]   (default 100000 4)
#   --ranked: the server has the index (measure `query`; also builds and runs the store-level
#   bench of benches/search/Package.swift on the SQLite file unless SKIP_STORE_LEVEL is set)
#   (SCHEMA_REGISTRY_BIN picks the binary; default release, else debug)
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000} rounds=${2:-4} ranked=${3:-}
bin=${SCHEMA_REGISTRY_BIN:-}
if [ -z "$bin" ]; then
  bin=.build/release/schema-registry
  [ -x "$bin" ] || bin=.build/debug/schema-registry
fi
source scripts/test-services.sh   # PostgreSQL + Redis, stopped on exit
bench=$(mktemp -d /tmp/sr-search-bench.XXXXXX)
pid=""
stop_server() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop_server; rm -rf "$bench"; stop_test_services' EXIT

serve() {  # serve NAME ARGS...: a server with the REST API on a free port; sets $rest
  "$bin" serve --port 0 --set rest-port=0 --set metrics-port=off --set token-rate=0 --insecure-no-auth \
    --data-dir "$bench/$1" "${@:2}" >"$bench/$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q 'REST API listening' "$bench/$1.log" 2>/dev/null && break; sleep 0.1; done
  rest=$(grep -m1 'REST API listening' "$bench/$1.log" | grep -o 'address=[^ ]*' | sed 's/.*://')
  [ -n "$rest" ] || { tail -5 "$bench/$1.log" >&2; exit 1; }
}

echo "binary: $bin ($(git rev-parse --short HEAD)), $count versions, load: $(uptime | sed 's/.*load average: //')"
echo "== SQLite"
serve sqlite
python3 benches/search/search_bench.py --store sqlite --db "$bench/sqlite/registry.db" --rest "$rest" \
  --count "$count" --rounds "$rounds" $ranked
stop_server
if [ -n "$ranked" ] && [ -z "${SKIP_STORE_LEVEL:-}" ]; then
  # The store itself beside the C API (no HTTP, no Python): benches/search/Package.swift.
  swift build -c release --package-path benches/search >/dev/null
  benches/search/.build/release/search-store-bench "$bench/sqlite/registry.db" "$rounds" 200
fi
echo "== PostgreSQL"
psql "$SR_TEST_POSTGRES_URL" -qc "CREATE DATABASE srsearch" >/dev/null
pg="${SR_TEST_POSTGRES_URL%/*}/srsearch"
serve postgres --store "$pg"
python3 benches/search/search_bench.py --store postgres --db "$pg" --rest "$rest" \
  --count "$count" --rounds "$rounds" $ranked
stop_server
echo "load after: $(uptime | sed 's/.*load average: //')"
