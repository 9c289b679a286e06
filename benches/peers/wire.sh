#!/usr/bin/env bash
# Bytes on the wire per cached GetSchemaById, counted at the socket by count_proxy.py (payload
# bytes each way per TCP connection; TCP/IP headers left out). For each wire and size: one
# connection making 1 call (all it sends: handshake, the call, closing), then one making 1+N
# calls; steady state per call = the difference / N, connection cost = first - steady.
# Wires: SRP plain, SRP LZ4 (on a compressible schema, with plain beside it), gRPC (HTTP/2,
# grpc-load), REST/JSON (HTTP/1.1, curl with only a Host header, as wrk sends) and Redis RESP
# (GET of a value of the size). Usage: benches/peers/wire.sh [N]
set -euo pipefail
steady=${1:-1000}
cd "$(dirname "$0")/../.."
root=$(pwd)
command -v redis-server >/dev/null || apt-get install -y redis-server >/dev/null
swift build -c release --product schema-registry >/dev/null
make -C clients/c >/dev/null
(cd benches/peers && swift build -c release >/dev/null)
bin="$root/benches/peers/.build/release"
load="$root/clients/c/build/sr-benchmark"
work=$(mktemp -d /tmp/sr-wire.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 200); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
srp=$(free_port) grpc=$(free_port) rest=$(free_port) redis=$(free_port)

"$root/.build/release/schema-registry" serve --data-dir "$work" --port "$srp" --set metrics-port=off --set rest-port="$rest" >"$work/srp.log" 2>&1 &
pids+=($!)
wait_for "grep -q listening $work/srp.log"
# Ids in registration order on a fresh store: 1-4 random-doc schemas, 5-8 compressible ones.
sizes="100 1024 10240 102400"
for d in $sizes; do "$load" -p "$srp" -c 1 -n 1 -d "$d" >/dev/null; done
for d in $sizes; do "$load" -p "$srp" -c 1 -n 1 -d "$d" --compressible >/dev/null; done
"$bin/grpc-facade" --port "$grpc" --data-dir "$work" >"$work/grpc.log" 2>&1 &
pids+=($!)
redis-server --port "$redis" --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for "grep -q listening $work/grpc.log"
wait_for "curl -sf 127.0.0.1:$rest/schemas/ids/8"
wait_for "redis-cli -p $redis ping"
# One counting proxy per server; each prints `conn N up U down D` when a connection ends.
for s in srp grpc rest redis; do
  port=$(free_port)
  python3 benches/peers/count_proxy.py --listen "$port" --target "127.0.0.1:${!s}" >"$work/proxy-$s.log" &
  pids+=($!)
  eval "proxy_$s=$port"
  wait_for "grep -q listening $work/proxy-$s.log"
done

# counted SERVER CONNECTIONS COMMAND...: runs COMMAND, waits for CONNECTIONS more closed
# connections at SERVER's proxy (the tools' set-up connections count too) and prints the
# last one's "up down".
counted() {
  local log="$work/proxy-$1.log" expect=$2
  shift 2
  local before
  before=$(grep -c '^conn' "$log" || true)
  "$@" >"$work/last.out" 2>&1 || { cat "$work/last.out" >&2; exit 1; }
  for _ in $(seq 600); do [ "$(grep -c '^conn' "$log")" -ge $((before + expect)) ] && break; sleep 0.1; done
  grep '^conn' "$log" | tail -n 1 | awk '{print $4, $6}'
}
curl_calls() {  # REST: N calls on one kept-alive connection, no User-Agent or Accept headers
  local n=$1 url=$2
  for _ in $(seq "$n"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done >"$work/curl.cfg"
  curl -s -H 'User-Agent:' -H 'Accept:' -K "$work/curl.cfg"
}
# call WIRE ID SIZE N: one connection making N calls.
call() {
  local size=$3 n=$4
  case $1 in
    srp) counted srp 2 "$load" -p "$proxy_srp" -c 1 -n "$n" -d "$size" --no-compression ;;
    srp-fields) counted srp 2 "$load" -p "$proxy_srp" -c 1 -n "$n" -d "$size" --compressible --no-compression ;;
    srp-fields-lz4) counted srp 2 "$load" -p "$proxy_srp" -c 1 -n "$n" -d "$size" --compressible ;;
    grpc) counted grpc 1 "$bin/grpc-load" -p "$proxy_grpc" -c 1 -P 1 -n "$n" --id "$2" --duration 120 ;;
    rest) counted rest 1 curl_calls "$n" "http://127.0.0.1:$proxy_rest/schemas/ids/$2" ;;
    resp) counted redis 2 "$load" --resp -p "$proxy_redis" -c 1 -n "$n" -d "$size" ;;
  esac
}
row() {  # WIRE ID SIZE -> a table row
  local first steady_bytes
  read -r u1 d1 < <(call "$1" "$2" "$3" 1)
  read -r un dn < <(call "$1" "$2" "$3" $((steady + 1)))
  local text
  text=$(curl -s "127.0.0.1:$rest/schemas/ids/$2" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["schema"]))')
  [ "${1}" = resp ] && text=$3
  awk -v w="$1" -v t="$text" -v u1="$u1" -v d1="$d1" -v un="$un" -v dn="$dn" -v n="$steady" 'BEGIN {
    su = (un - u1) / n; sd = (dn - d1) / n
    printf "| %s | %d | %.1f | %.1f | %d | %d | %.0f | %.0f |\n", w, t, su, sd, u1, d1, u1 - su, d1 - sd }'
}
header() {
  echo
  echo "$1"
  echo
  echo "| wire | schema/value bytes | steady request | steady response | first conn up (1 call) | first conn down | conn cost up | conn cost down |"
  echo "|---|---|---|---|---|---|---|---|"
}
echo "steady state over $steady calls; bytes are TCP payload, client->server (up) and server->client (down)"
header "Random-letter doc (sr-benchmark's default schema; LZ4 offered but not worth it on SRP)"
id=0
for d in $sizes; do
  id=$((id + 1))
  for w in srp grpc rest resp; do row "$w" "$id" "$d"; done
done
header "Compressible: a record of many similar fields (sr-benchmark --compressible)"
for d in $sizes; do
  id=$((id + 1))
  for w in srp-fields srp-fields-lz4 grpc rest; do row "$w" "$id" "$d"; done
done
