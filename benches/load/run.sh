#!/usr/bin/env bash
# The load scenarios of `schema-registry load` against a release server, each on a fresh data
# directory: baseline 30 s, stress ramp to the knee, spike 30 s, soak 60 s. Writes
# <scenario>.json and <scenario>.svg here (benches/load/). Needs the release binary
# (swift build -c release --product schema-registry). Bounded: every run has a hard time cap
# (`timeout`) on top of the tool's own (duration and --max-requests).
#   SCALE=0.1 benches/load/run.sh     # all durations x 0.1, a quick check (~30 s in all)
#   OUT=/tmp/load benches/load/run.sh # write elsewhere
#   benches/load/run.sh stress spike  # only these scenarios
#   CHARTS_ONLY=1 benches/load/run.sh # redraw the SVGs from the committed JSON, run nothing
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bin=${SCHEMA_REGISTRY_BIN:-$root/.build/release/schema-registry}
out=${OUT:-$root/benches/load}
scale=${SCALE:-1}
only=("$@")
[ -x "$bin" ] || { echo "no $bin: swift build -c release --product schema-registry" >&2; exit 1; }
mkdir -p "$out"
if [ "${CHARTS_ONLY:-0}" = 1 ]; then
  for json in "$out"/*.json; do
    scenario=$(basename "$json" .json)
    "$bin" load "$scenario" --chart-from "$json" --svg "$out/$scenario.svg"
  done
  exit 0
fi
work=$(mktemp -d /tmp/sr-load.XXXXXX)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Starts a server on a fresh data directory; sets $server (pid) and $port.
start_server() {
  port=$(free_port)
  rm -rf "$work/data" && mkdir -p "$work/data"
  "$bin" serve --data-dir "$work/data" --port "$port" --set metrics-port=off --set rest-port=off >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q listening "$work/server.log" && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}

stop_server() {
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

# run <scenario> <flags...>: one scenario against a fresh server, at most 10 minutes.
run() {
  local scenario=$1; shift
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $scenario "* ]]; then return; fi
  start_server
  echo "== $scenario"
  timeout 600 "$bin" load "$scenario" --port "$port" --server-pid "$server" --duration-scale "$scale" \
    --json "$out/$scenario.json" --svg "$out/$scenario.svg" "$@"
  stop_server
}

run baseline --rate 4000 --duration 30
# The p99 bound is 200 ms, not tighter: on a shared 2-core machine other processes preempt the
# server for tens of milliseconds at any rate, while saturation makes an open-loop p99 grow
# without bound (seconds within a 5 s step), so 200 ms tells the two apart.
run stress --start-rate 1000 --step-rate 500 --max-rate 20000 --step-seconds 5 --max-p99-ms 200 --max-error-percent 1
run spike --rate 3000 --spike-factor 3 --before-seconds 10 --spike-seconds 5 --after-seconds 15
run soak --rate 4000 --duration 60
