# Sourced by scripts/test.sh and scripts/test-repeat.sh: starts PostgreSQL and Redis on free
# loopback ports in a temporary directory (PostgreSQL as the non-root `postgres` user, since
# initdb and postgres refuse root), exports SR_TEST_POSTGRES_URL and SR_TEST_REDIS_URL, and
# installs an EXIT trap that always stops them and removes the directory.
# After sourcing: $work is the temporary directory (for logs).

work=$(mktemp -d /tmp/schema-registry-test.XXXXXX)
chmod 755 "$work"
pg_pid="" redis_pid=""
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
stop_test_services() {
  status=$?
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
  if [ -n "$pg_pid" ]; then
    su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$work/pg' -m fast -w stop" >/dev/null 2>&1 || kill "$pg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $status
}
trap stop_test_services EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# --- PostgreSQL
id postgres >/dev/null 2>&1 || useradd --system --home "$work" --shell /bin/sh postgres
pg_port=$(free_port)
install -d -o postgres "$work/pg" "$work/pg-run"
if ! su postgres -s /bin/sh -c "$pg_bin/initdb -D '$work/pg' -U postgres --auth=trust -E UTF8 >'$work/pg-run/initdb.log' 2>&1"; then
  cat "$work/pg-run/initdb.log" >&2
  exit 1
fi
su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$work/pg' -l '$work/pg-run/postgres.log' -w -o \"-p $pg_port -k $work/pg-run -c listen_addresses=127.0.0.1 -c max_connections=400\" start" >/dev/null
pg_pid=$(head -1 "$work/pg/postmaster.pid")
# connect_timeout: the store's default is 2 s, and with every suite starting at once on two cores
# a backend has taken longer than that to start (CI, stop 27); tests are about behaviour, not speed.
export SR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres?connect_timeout=15"

# --- Redis
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export SR_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"

# Both must answer before the suites run.
psql "$SR_TEST_POSTGRES_URL" -Atc 'select 1' >/dev/null
[ "$(redis-cli -p "$redis_port" ping)" = "PONG" ]
echo "postgres on $pg_port, redis on $redis_port"
