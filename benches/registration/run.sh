#!/usr/bin/env bash
# Registration latency against a subject's history (issue 13 item 11): a fresh server on the
# embedded SQLite store, then benches/registration/history.py registering VERSIONS versions in
# one subject at each LEVEL given. Flat rows = cost independent of history size.
#
#   benches/registration/run.sh [VERSIONS] [LEVEL...]   (default 10000 BACKWARD FULL)
#   (SCHEMA_REGISTRY_BIN picks the binary; default release, else debug)
set -euo pipefail
cd "$(dirname "$0")/../.."
versions=${1:-10000}
shift || true
levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(BACKWARD FULL)
bin=${SCHEMA_REGISTRY_BIN:-}
if [ -z "$bin" ]; then
  bin=.build/release/schema-registry
  [ -x "$bin" ] || bin=.build/debug/schema-registry
fi
work=$(mktemp -d /tmp/sr-history.XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

"$bin" serve --port 0 --data-dir "$work/data" --set metrics-port=off --set rest-port=off --insecure-no-auth >"$work/server.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(grep -o 'address=[^ ]*' "$work/server.log" 2>/dev/null | head -1 | sed 's/.*://') && [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start: $(tail -3 "$work/server.log")" >&2; exit 1; }
echo "binary: $bin"
for level in "${levels[@]}"; do
  timeout 1800 python3 benches/registration/history.py "$port" "$versions" "$level"
done
