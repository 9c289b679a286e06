#!/usr/bin/env bash
# SRP vs the REST/JSON facade (Hummingbird 2) over the same RegistryService and SQLite file:
# cached GetSchemaById / GET /schemas/ids/{id} of a 1 KiB Avro schema, 50 connections, one
# request in flight each, 5 s per side, two rounds. Needs the release server
# (swift build -c release --product schema-registry), clients/c (make -C clients/c) and wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
(cd benches/peers && swift build -c release >/dev/null)
work=$(mktemp -d /tmp/sr-peers.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
srp=$(free_port) rest=$(free_port)
"$root/.build/release/schema-registry" serve --data-dir "$work" --port "$srp" --set metrics-port=off >"$work/srp.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/srp.log" && break; sleep 0.1; done
load="$root/clients/c/build/sr-benchmark"
"$load" -p "$srp" -c 1 -n 10 -d 1024 >/dev/null   # registers the 1 KiB schema: id 1
benches/peers/.build/release/rest-facade --port "$rest" --data-dir "$work" >"$work/rest.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "127.0.0.1:$rest/schemas/ids/1" >/dev/null && break; sleep 0.1; done
for round in 1 2; do
  echo "== round $round: SRP (sr-benchmark), then REST (wrk)"
  "$load" -p "$srp" -c 50 -P 1 --duration 5 -n 100000000 -d 1024 | grep -E 'requests/s|p50'
  wrk -t1 -c50 -d5s --latency "http://127.0.0.1:$rest/schemas/ids/1" | grep -E 'Requests/sec|50%|99%|read'
done
