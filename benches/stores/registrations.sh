#!/usr/bin/env bash
# Registrations/s beside their floors (issue 19), in alternated rounds on one machine:
#   SQLite:     the server on the embedded store (`sr-benchmark -t register`, C connections x 1)
#               vs sqlite_floor.c: one durable transaction (WAL, synchronous=FULL) per INSERT
#               from C threads, each with its own connection, on the same disk;
#   PostgreSQL: the server on PostgreSQL vs `pgbench` one-INSERT transactions with C clients
#               against the same server (synchronous_commit as configured there).
# Every round runs each of the four for SECONDS seconds; medians are what to quote, the rounds
# show the spread. Nothing else should run on the machine; `uptime` is printed per round.
#
# Needs: a release build (or SCHEMA_REGISTRY_BIN), the C load tool (make -C clients/c), cc with
# libsqlite3-dev, pgbench, and SR_BENCH_POSTGRES_URL (a fresh database is created per run). A
# throwaway PostgreSQL: `source scripts/test-services.sh; SR_BENCH_POSTGRES_URL=$SR_TEST_POSTGRES_URL`.
#
#   benches/stores/registrations.sh [ROUNDS=3] [SECONDS=10] [CONNECTIONS=8]
#
# SR_BENCH_BINARIES="before=/path/a after=/path/b" runs each binary in every round (paired
# before/after on the same machine state); the default is the one binary above. Beside each
# rate: the server's CPU time per registration (user + system, from /proc), which moves less
# than the rate when other work shares the cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds=${1:-3}
seconds=${2:-10}
clients=${3:-8}
bin=${SCHEMA_REGISTRY_BIN:-$root/.build/release/schema-registry}
load="$root/clients/c/build/sr-benchmark"
pg_base=${SR_BENCH_POSTGRES_URL:?set SR_BENCH_POSTGRES_URL=postgres://user@host:port/postgres}
read -r -a binaries <<<"${SR_BENCH_BINARIES:-ours=$bin}"
for entry in "${binaries[@]}"; do
  [ -x "${entry#*=}" ] || { echo "${entry#*=}: build first: swift build -c release --product schema-registry" >&2; exit 1; }
done
[ -x "$load" ] || make -C clients/c >/dev/null

work=$(mktemp -d /tmp/sr-bench-registrations.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/sqlite_floor" benches/stores/sqlite_floor.c -lsqlite3 -lpthread

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
fresh_db() {
  local name="srbench_$(date +%s%N)"
  psql "$pg_base" -qc "CREATE DATABASE $name" >/dev/null
  echo "${pg_base%/*}/$name"
}
# serve NAME ARGS...: starts $server_bin on a free port, waits for it, sets $port.
serve() {
  local name=$1; shift
  port=$(free_port)
  "$server_bin" serve --port "$port" --data-dir "$work/$name" --set event-loop-threads=1 --set metrics-port=off \
    --set rest-port=off "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do grep -q listening "$work/$name.log" 2>/dev/null && return; sleep 0.1; done
  cat "$work/$name.log" >&2; exit 1
}
stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# ours: the load against the server just started; prints the rate, latencies and server CPU per registration.
ours() {
  local pid=${pids[-1]} before after out count
  before=$(cpu_ticks "$pid")
  out=$("$load" -p "$port" -t register -c "$clients" -P 1 --duration "$seconds" -n 10000000 \
    | grep -E 'req/s|p50|errors' | tr -s ' ' | paste -sd' ' - || true)
  after=$(cpu_ticks "$pid")
  count=$(echo "$out" | awk '{print $1}')
  echo "$out server CPU $(awk -v t=$((after - before)) -v n="$count" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.0f us/registration", (n > 0) ? t / hz * 1e6 / n : 0}')"
}

pg=$(fresh_db)
psql "$pg" -qc "CREATE TABLE floor (id bigserial PRIMARY KEY, worker int NOT NULL, payload text NOT NULL)"
# One INSERT of a registration-sized row per transaction (pgbench's default: autocommit).
cat >"$work/insert.sql" <<'SQL'
INSERT INTO floor (worker, payload) VALUES (:client_id, '{"type":"record","name":"R' || :client_id || '_' || random() || '","fields":[{"name":"a","type":"string"}]}');
SQL
echo "binaries: ${binaries[*]} (tree at $(git log -1 --format=%h)), $clients connections/threads/clients, $seconds s per run"
psql "$pg" -Atc "select 'postgres ' || current_setting('server_version') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', fsync=' || current_setting('fsync')"
for round in $(seq "$rounds"); do
  echo "== round $round ($(uptime | sed 's/.*load/load/'))"
  rm -f "$work/floor.db"*
  echo "sqlite floor:  $("$work/sqlite_floor" "$work/floor.db" "$clients" "$seconds")"
  for entry in "${binaries[@]}"; do
    server_bin=${entry#*=}
    serve "sqlite-$round-${entry%%=*}"
    echo "sqlite ${entry%%=*}: $(ours)"
    stop_last
  done
  echo "pgbench floor: $(pgbench -n -f "$work/insert.sql" -c "$clients" -j 2 -T "$seconds" "$pg" 2>&1 \
    | grep -E 'tps|latency average' | tr -s ' ' | paste -sd' ' -)"
  for entry in "${binaries[@]}"; do
    server_bin=${entry#*=}
    serve "postgres-$round-${entry%%=*}" --store "$(fresh_db)"
    echo "postgres ${entry%%=*}: $(ours)"
    stop_last
  done
done
