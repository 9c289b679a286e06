#!/usr/bin/env bash
# Store and cache benchmarks (issue 4), each bounded in time and count:
#   registrations/s and latency on SQLite and on PostgreSQL,
#   cached GetSchemaById with PostgreSQL + Redis behind L1 vs SQLite,
#   reads with L1 off, served from Redis and from PostgreSQL,
#   start-up warm-up of N schemas (default 100,000) on SQLite and on PostgreSQL.
#
# Needs: a release build (swift build -c release --product schema-registry), the C load tool
# (make -C clients/c), a PostgreSQL URL in SR_BENCH_POSTGRES_URL (an empty database is created
# in it per run) and redis-server. Usage: benches/stores/run.sh [warm-up schema count]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bin="$root/.build/release/schema-registry"
load="$root/clients/c/build/sr-benchmark"
warm_count=${1:-100000}
pg_base=${SR_BENCH_POSTGRES_URL:?set SR_BENCH_POSTGRES_URL=postgres://user@host:port/postgres}
[ -x "$bin" ] || { echo "build first: swift build -c release --product schema-registry" >&2; exit 1; }
[ -x "$load" ] || make -C clients/c >/dev/null

work=$(mktemp -d /tmp/sr-bench-stores.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
fresh_db() {
  local name="srbench_$(date +%s%N)"
  psql "$pg_base" -qc "CREATE DATABASE $name" >/dev/null
  echo "${pg_base%/*}/$name"
}
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
redis_url="redis://127.0.0.1:$redis_port"

# serve NAME ARGS...: starts a server on a free port, waits for it, sets $port.
serve() {
  local name=$1; shift
  port=$(free_port)
  "$bin" serve --port "$port" --data-dir "$work/$name" --set event-loop-threads=1 --set metrics-port=off --set rest-port=off "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do grep -q listening "$work/$name.log" 2>/dev/null && return; sleep 0.1; done
  cat "$work/$name.log" >&2; exit 1
}
stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
bench() { echo "+ sr-benchmark $*"; "$load" -p "$port" "$@" | grep -E 'req/s|p50|errors' || true; }

echo "== registrations (a new schema under a new subject each time), 8 connections x 1, 10 s"
serve reg-sqlite
bench -t register -c 8 -P 1 --duration 10 -n 200000
stop_last
pg=$(fresh_db)
serve reg-postgres --store "$pg"
bench -t register -c 8 -P 1 --duration 10 -n 200000
stop_last
serve reg-postgres-redis --store "$pg" --cache "$redis_url"
bench -t register -c 8 -P 1 --duration 10 -n 200000
stop_last

echo "== cached GetSchemaById 1 KiB (L1), 50 x 1 and 50 x 16, 5 s each"
serve cached-sqlite
bench -t get-by-id -c 50 -P 1 --duration 5
bench -t get-by-id -c 50 -P 16 --duration 5
stop_last
serve cached-postgres-redis --store "$pg" --cache "$redis_url"
bench -t get-by-id -c 50 -P 1 --duration 5
bench -t get-by-id -c 50 -P 16 --duration 5
stop_last

echo "== L1 off (cache-bytes=0): GetSchemaById from Redis, then from PostgreSQL, 50 x 1, 5 s"
serve cold-redis --store "$pg" --cache "$redis_url" --set cache-bytes=0
bench -t get-by-id -c 50 -P 1 --duration 5
bench -t get-latest -c 50 -P 1 --duration 5
stop_last
serve cold-postgres --store "$pg" --set cache-bytes=0
bench -t get-by-id -c 50 -P 1 --duration 5
bench -t get-latest -c 50 -P 1 --duration 5
stop_last

echo "== warm-up of $warm_count schemas at start"
for store in sqlite postgres; do
  if [ "$store" = sqlite ]; then args=(); else warm_db=$(fresh_db); args=(--store "$warm_db"); fi
  serve "fill-$store" "${args[@]}"
  "$load" -p "$port" -t register -c 16 -P 4 -n "$warm_count" --duration 600 | grep -E 'req/s' || true
  stop_last
  serve "fill-$store" "${args[@]}" --set warmup-schemas="$warm_count"
  grep -E 'warm-up done' "$work/fill-$store.log" | sed "s/^/$store: /"
  ps -o rss= -p "${pids[-1]}" | awk -v s="$store" '{printf "%s: RSS after warm-up %.1f MiB\n", s, $1/1024}'
  stop_last
done
