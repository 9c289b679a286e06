#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts PostgreSQL and Redis on free
# loopback ports in temporary directories (PostgreSQL as the non-root `postgres` user),
# runs the Swift tests (unit + integration against real SQLite and real sockets), a bounded
# run of every fuzz target (fuzz/), the C tests when the C client exists, and always stops
# what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh

work=$(mktemp -d /tmp/schema-registry-test.XXXXXX)
chmod 755 "$work"
pg_pid="" redis_pid=""
cleanup() {
  status=$?
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
  if [ -n "$pg_pid" ]; then
    su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$work/pg' -m fast -w stop" >/dev/null 2>&1 || kill "$pg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# --- PostgreSQL (initdb and postgres refuse root: run them as `postgres`)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
id postgres >/dev/null 2>&1 || useradd --system --home "$work" --shell /bin/sh postgres
pg_port=$(free_port)
install -d -o postgres "$work/pg" "$work/pg-run"
if ! su postgres -s /bin/sh -c "$pg_bin/initdb -D '$work/pg' -U postgres --auth=trust -E UTF8 >'$work/pg-run/initdb.log' 2>&1"; then
  cat "$work/pg-run/initdb.log" >&2
  exit 1
fi
su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$work/pg' -l '$work/pg-run/postgres.log' -w -o \"-p $pg_port -k $work/pg-run -c listen_addresses=127.0.0.1 -c max_connections=400\" start" >/dev/null
pg_pid=$(head -1 "$work/pg/postmaster.pid")
export SR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"

# --- Redis
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export SR_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"

# Both must answer before the suites run.
psql "$SR_TEST_POSTGRES_URL" -Atc 'select 1' >/dev/null
[ "$(redis-cli -p "$redis_port" ping)" = "PONG" ]
echo "postgres on $pg_port, redis on $redis_port"

# --- Swift: build everything (the CLI tests run the real binary), then test.
swift build --build-tests
export SCHEMA_REGISTRY_BIN="$root/.build/debug/schema-registry"
set +e
swift test --skip-build >"$work/swift-test.log" 2>&1
swift_status=$?
set -e
grep -E '^(✘|✔ Test run|✘ Test run)|Executed [0-9]+ tests' "$work/swift-test.log" || true
if [ "$swift_status" -ne 0 ]; then
  echo "Swift tests FAILED (exit $swift_status); failures:" >&2
  grep -E '✘|error:|Expectation failed|Caught error|Fatal error' "$work/swift-test.log" | head -150 >&2
  tail -20 "$work/swift-test.log" >&2
  exit 1
fi

# --- Fuzzing (issue 7): every libFuzzer target for a few seconds on its seed corpus; a crash,
# leak or timeout fails the run. SR_FUZZ_SECONDS sets the time per target (0 skips).
fuzz_seconds=${SR_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" -gt 0 ]; then
  fuzz/run.sh "$fuzz_seconds"
fi

# --- C client (issue 5): run its tests when it exists.
if [ -f clients/c/Makefile ]; then
  make -C clients/c test
fi
echo "all tests passed"
