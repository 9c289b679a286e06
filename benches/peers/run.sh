#!/usr/bin/env bash
# Peers side by side: cached GetSchemaById of a 1 KiB Avro schema, the same load shape on
# every wire, every loop bounded in time. Ours (`schema-registry serve`, SRP) twice: default
# settings (two event loops, as the facades' NIO groups have) and `event-loop-threads=1` (as
# single-threaded Redis); our REST API (Confluent's GET /schemas/ids/{id}, HTTP/1.1 keep-alive)
# on the two-loop server's rest-port; the gRPC facade (grpc-swift-2, HTTP/2) over the same
# RegistryService and SQLite file; and
# redis-server (GET of a 1 KiB value). Loads: 50 connections x 1 in flight, and 50 x 16
# where the client can (sr-benchmark pipelines SRP and RESP, grpc-load opens 16 HTTP/2
# streams per connection, as does h2load; wrk cannot, HTTP/1.1 clients do not pipeline). ROUNDS rounds of
# SECONDS each per cell, medians printed. Usage: benches/peers/run.sh [ROUNDS] [SECONDS]
set -euo pipefail
rounds=${1:-3} seconds=${2:-5}
cd "$(dirname "$0")/../.."
root=$(pwd)
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v redis-server >/dev/null || apt-get install -y redis-server >/dev/null
command -v h2load >/dev/null || apt-get install -y nghttp2-client >/dev/null
swift build -c release --product schema-registry >/dev/null
make -C clients/c >/dev/null
(cd benches/peers && swift build -c release >/dev/null)
bin="$root/benches/peers/.build/release"
load="$root/clients/c/build/sr-benchmark"
work=$(mktemp -d /tmp/sr-peers.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 200); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
srp2=$(free_port) srp1=$(free_port) grpc=$(free_port) rest=$(free_port) redis=$(free_port)

"$root/.build/release/schema-registry" serve --data-dir "$work" --port "$srp2" --set metrics-port=off --set rest-port="$rest" >"$work/srp2.log" 2>&1 &
pids+=($!)
wait_for "grep -q listening $work/srp2.log"
"$load" -p "$srp2" -c 1 -n 10 -d 1024 >/dev/null   # registers the 1 KiB schema: id 1
"$root/.build/release/schema-registry" serve --data-dir "$work" --port "$srp1" --set metrics-port=off --set rest-port=off \
  --set event-loop-threads=1 >"$work/srp1.log" 2>&1 &
pids+=($!)
"$bin/grpc-facade" --port "$grpc" --data-dir "$work" >"$work/grpc.log" 2>&1 &
pids+=($!)
redis-server --port "$redis" --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for "grep -q listening $work/srp1.log"
wait_for "grep -q listening $work/grpc.log"
wait_for "curl -sf 127.0.0.1:$rest/schemas/ids/1"
wait_for "redis-cli -p $redis ping"

# wrk prints p99.9 only through its Lua hook; print it in sr-benchmark's words.
cat >"$work/wrk.lua" <<'LUA'
done = function(s, latency, requests)
  local t = s.duration / 1e6
  io.write(string.format("   %d requests in %.3f s: %.0f requests/s (%d errors)\n", s.requests, t,
    s.requests / t, s.errors.status + s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout))
  io.write(string.format("   latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
LUA
# h2load (nghttp2, C) as a second gRPC client, so the gRPC rows are not only grpc-swift's own
# client: a pre-encoded request (5-byte gRPC prefix + GetSchemaByIdRequest{id: 1}). It gives
# throughput and mean latency only, no percentiles.
printf '\x00\x00\x00\x00\x02\x08\x01' >"$work/grpc-request.bin"
h2() {
  h2load -c 50 -m "$1" -t 1 -D "$2" -d "$work/grpc-request.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$grpc/srp.SchemaRegistry/GetSchemaById" |
    awk '/^finished/ {printf "   h2load: %s requests/s\n", $4} /^requests:/ {print "   " $0 " errors"}
         /^time for request/ {print "   mean " $6}'
}
# One cell: peer, in-flight, seconds -> the tool's text (requests/s and latency lines).
drive() {
  local n=100000000
  case $1 in
    ours-2loops) "$load" -p "$srp2" -c 50 -P "$2" --duration "$3" -n $n -d 1024 ;;
    ours-1loop) "$load" -p "$srp1" -c 50 -P "$2" --duration "$3" -n $n -d 1024 ;;
    grpc-h2load) h2 "$2" "$3" ;;
    grpc) "$bin/grpc-load" -p "$grpc" -c 50 -P "$2" --duration "$3" -n $n --id 1 ;;
    ours-rest) wrk -t1 -c50 -d"$3"s -s "$work/wrk.lua" "http://127.0.0.1:$rest/schemas/ids/1" ;;
    redis) "$load" --resp -p "$redis" -c 50 -P "$2" --duration "$3" -n $n -d 1024 ;;
  esac
}
peers="ours-2loops ours-1loop ours-rest grpc grpc-h2load redis"
for p in $peers; do drive "$p" 1 1 >/dev/null; done   # warm-up: caches, JIT-free but page faults and pools
results="$work/results"
for round in $(seq "$rounds"); do
  for inflight in 1 16; do
    for p in $peers; do
      [ "$p" = ours-rest ] && [ "$inflight" -gt 1 ] && continue
      out=$(drive "$p" "$inflight" "$seconds")
      echo "$out" | sed "s/^/[round $round, 50x$inflight, $p] /" | grep -E 'requests/s|p50' >&2
      rps=$(echo "$out" | sed -nE 's/.*: ([0-9.]+) requests\/s.*/\1/p')
      lat=$(echo "$out" | sed -nE 's/.*p50 ([0-9.]+) .*p99 ([0-9.]+) .*p99\.9 ([0-9.]+) .*/\1 \2 \3/p')
      errors=$(echo "$out" | sed -nE 's/.* ([0-9]+) errors.*/\1/p;s/.* ([0-9]+) failed.*/\1/p' | head -n 1)
      echo "$inflight $p $rps ${lat:-- - -} ${errors:-0}" >>"$results"
    done
  done
done
python3 - "$results" "$rounds" "$seconds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"\nmedians of {sys.argv[2]} rounds of {sys.argv[3]} s; latency in ms; ratio = ours / peer (req/s)\n")
print("| load | server | req/s | p50 / p99 / p99.9 ms | errors | ours (2 loops) / it | ours (1 loop) / it |")
print("|---|---|---|---|---|---|---|")
for inflight in ("1", "16"):
    med = {}
    for p in ("ours-2loops", "ours-1loop", "ours-rest", "grpc", "grpc-h2load", "redis"):
        r = [x for x in rows if x[0] == inflight and x[1] == p]
        if r:
            med[p] = [statistics.median(float(x[i]) for x in r) if r[0][i] != "-" else None for i in range(2, 6)]
            med[p].append(sum(int(x[6]) for x in r))
    for p, (rps, p50, p99, p999, err) in med.items():
        ratio = lambda ours: f"{med[ours][0] / rps:.2f}x" if ours in med and rps else "-"
        lat = f"{p50/1000:.2f} / {p99/1000:.2f} / {p999/1000:.2f}" if p50 is not None else "n/a"
        print(f"| 50 x {inflight} | {p} | {rps:,.0f} | {lat} | {err} | {ratio('ours-2loops')} | {ratio('ours-1loop')} |")
PY
