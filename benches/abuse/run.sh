#!/usr/bin/env bash
# A bystander's cached reads while legal LZ4 bombs hit the server (issue 13 item 3): p50/p99 of
# `schema-registry load baseline` (GetSchemaById only, paced) alone, then beside
# lz4_bombs.py (4 connections x 64 in flight of 16 KiB bodies inflating to 4 MiB), with the
# decompression charges on (the defaults) and off. Bounded: each run SECONDS long.
#
#   benches/abuse/run.sh [SECONDS] [RATE]     (SCHEMA_REGISTRY_BIN picks the binary; default release, else debug)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
rate=${2:-2000}
bin=${SCHEMA_REGISTRY_BIN:-}
if [ -z "$bin" ]; then
  bin=.build/release/schema-registry
  [ -x "$bin" ] || bin=.build/debug/schema-registry
fi
python3 -c 'import lz4' 2>/dev/null || pip install -q lz4
work=$(mktemp -d /tmp/sr-abuse.XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

serve() {
  rm -rf "$work/data"
  "$bin" serve --port 0 --data-dir "$work/data" --set metrics-port=off --set rest-port=off --insecure-no-auth "$@" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    port=$(grep -o 'address=[^ ]*' "$work/server.log" 2>/dev/null | head -1 | sed 's/.*://') && [ -n "$port" ] && break
    sleep 0.1
  done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
bystander() {
  rm -f "$work/bystander.json"
  "$bin" load baseline --port "$port" --rate "$rate" --duration "$seconds" --connections 1 \
    --mix get=100,validate=0,register=0,check=0 --json "$work/bystander.json" >"$work/load.log" 2>&1 ||
    { echo "bystander failed: $(tail -1 "$work/load.log")"; return; }
  python3 -c "
import json; t = json.load(open('$work/bystander.json'))['summary']['total']
print(f\"{t['completed']} ok, p50 {t['latency']['p50_us']/1000:.2f} ms, p99 {t['latency']['p99_us']/1000:.2f} ms\")"
}

echo "binary: $bin; bystander: GetSchemaById at $rate/s for $seconds s"
serve
echo "alone:                  $(bystander)"
attack() {
  python3 benches/abuse/lz4_bombs.py "$port" "$((seconds + 2))" 4 64 >"$work/bombs.log" &
  bombs=$!
  sleep 1
  local result
  result=$(bystander)
  wait "$bombs" || true
  echo "$result   [bombs: $(tail -1 "$work/bombs.log" | sed 's/lz4-bombs: //')]"
}
echo "beside bombs (charged): $(attack)"
stop
serve --set lz4-bytes-per-token=0 --set max-decompressed-bytes-in-flight=0
echo "beside bombs (free):    $(attack)"
