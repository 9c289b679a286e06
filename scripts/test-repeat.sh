#!/usr/bin/env bash
# Runs the whole Swift suite N times in a row (default 10) against one PostgreSQL and one
# Redis, while another process keeps one core busy (`yes > /dev/null`; SR_REPEAT_BUSY=0 runs
# on a quiet machine), and reports every failure. A suite that passes here does not fail by
# chance under load. Exit status: 0 only if every run passed.
#
#   scripts/test-repeat.sh 10
#   SR_REPEAT_BUSY=0 scripts/test-repeat.sh 3 --filter "Bad input"   # extra arguments go to swift test
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-10}
shift || true
scripts/install-deps.sh
source scripts/test-services.sh

swift build --build-tests
export SCHEMA_REGISTRY_BIN="$root/.build/debug/schema-registry"

busy_pid=""
if [ "${SR_REPEAT_BUSY:-1}" != "0" ]; then
  # Bounded even if this script is killed: at most 3 hours.
  timeout 3h sh -c 'yes > /dev/null' &
  busy_pid=$!
  echo "one core kept busy by pid $busy_pid"
fi
stop_busy() { if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; fi; }

failed=0
for run in $(seq "$runs"); do
  log="$work/run-$run.log"
  started=$(date +%s)
  set +e
  swift test --skip-build "$@" >"$log" 2>&1
  status=$?
  set -e
  summary=$(grep -E '^(✔|✘) Test run' "$log" | tail -1 || true)
  echo "run $run/$runs: exit $status in $(( $(date +%s) - started )) s: ${summary:-no summary}"
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    grep -E '✘|Expectation failed|Caught error|Fatal error' "$log" | head -40 >&2 || true
    mkdir -p "$root/.build/test-repeat"
    cp "$log" "$root/.build/test-repeat/run-$run.log"
  fi
done
stop_busy
echo "$((runs - failed)) of $runs runs passed$([ -n "$busy_pid" ] && echo " with one core busy")"
[ "$failed" -eq 0 ]
