#!/usr/bin/env bash
# Server CPU per cached GetSchemaById (1 KiB, sr-benchmark, 50 x 1 and 50 x 16), for each build
# given and for Redis GET of a 1 KiB value through the same C loop, rounds alternated (issue 19:
# "server CPU per request <= Redis's"). CPU is the server process's user + system time from
# /proc over 300,000 requests after a 20,000-request warm-up; it moves less than req/s when
# other work shares the cores. Bounded: ROUNDS x (builds + 1) x 2 runs of 300k requests.
#
#   benches/refactor/cpu-per-request.sh before=/path/to/schema-registry after=.build/release/schema-registry
#   (ROUNDS=3 by default; needs redis-server and `make -C clients/c`)
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=clients/c/build/sr-benchmark
[ -x "$bench" ] || make -C clients/c >/dev/null
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/sr-cpu.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure NAME FLAGS...: warm-up, then 300k requests; prints req/s and CPU us per request.
measure() {
  local name=$1; shift
  local P a b rate
  for P in 1 16; do
    "$bench" "$@" -c 50 -P "$P" -d 1024 -n 20000 >/dev/null
    a=$(ticks "$pid")
    rate=$("$bench" "$@" -c 50 -P "$P" -d 1024 -n 300000 | grep -o '[0-9]* requests/s')
    b=$(ticks "$pid")
    awk -v n="$name" -v p="$P" -v r="$rate" -v t=$((b - a)) -v hz="$hz" \
      'BEGIN{printf "  %-8s 50 x %-2d %s, server CPU %.1f us per request\n", n, p, r, t / hz * 1e6 / 300000}'
  done
}

echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD) load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  echo "round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for entry in "$@"; do
    port=$(free_port)
    "${entry#*=}" serve --data-dir "$work/${entry%%=*}-$round" --port "$port" --set event-loop-threads=1 \
      --set token-rate=0 --insecure-no-auth --set rest-port=off --set metrics-port=off >"$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$work/log" && break; sleep 0.1; done
    measure "${entry%%=*}" -p "$port"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
  port=$(free_port)
  redis-server --port "$port" --save "" --appendonly no >"$work/redis.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  measure redis --resp -p "$port"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
