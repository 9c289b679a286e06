#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts PostgreSQL and Redis on free
# loopback ports in temporary directories (PostgreSQL as the non-root `postgres` user),
# runs the Swift tests (unit + integration against real SQLite and real sockets), the REST API's
# Python and schemathesis suites, a bounded
# run of every fuzz target (fuzz/), the C tests when the C client exists, the Python package's
# tests (clients/python), and always stops
# what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh

# PostgreSQL and Redis, stopped on exit whatever happens.
source scripts/test-services.sh

# Confluent's Python clients: the Python suite uses them, and so does a Swift test (bytes
# crossing between our serializers and confluent-kafka's).
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r tests/python/requirements.txt

# --- Swift: build everything (the CLI tests run the real binary), then test.
# Foundation's Process lists /proc/self/fd in run() and reads past glibc's buffer once ~1,350
# descriptors are open, which kills this test process (Tests/TestSupport/ChildProcess.swift).
if grep -rn --include='*.swift' -E '(^|[^A-Za-z.])Process\(\)' Tests; then
  echo "Tests spawn children with TestSupport.ChildProcess, not Foundation's Process (above)" >&2
  exit 1
fi
swift build --build-tests
export SCHEMA_REGISTRY_BIN="$root/.build/debug/schema-registry"
# Two runs: the schema-format suites first, alone. They are CPU-bound synchronous tests, and Swift
# Testing runs those on the cooperative pool (one thread per core): beside the rest they held
# it for ~20 s at the start of a run on 2 cores, so socket tests waiting on a timer (a handshake
# timeout, a peer's receive timeout) resumed late and failed now and then.
swift_run() { # name, then swift test's selection arguments
  local name=$1 log="$work/swift-test-$1.log" status
  shift
  set +e
  swift test --skip-build "$@" >"$log" 2>&1
  status=$?
  set -e
  grep -E '^(✘|✔ Test run|✘ Test run)|Executed [0-9]+ tests' "$log" || true
  [ "$status" -eq 0 ] && return 0
  echo "Swift tests ($name) FAILED (exit $status); failures:" >&2
  # Each failure with the lines after it (Swift Testing prints an expectation's comment there).
  grep -E -A4 '✘.*(recorded an issue|error)|error:|Fatal error' "$log" | head -200 >&2
  # A crash (signal): the crashed thread's frames from Swift's backtracer, and the tests that
  # had started and not finished (one of them crashed).
  if grep -q '\*\*\* Signal' "$log"; then
    awk '/\*\*\* Signal/ { on = 1 } /Registers:/ { on = 0 } on && n < 160 { print; n++ }' "$log" >&2
    echo "Tests started and not finished when it crashed:" >&2
    sed -n -E 's/^.*Test (.*) started\.$/\1/p' "$log" | sort >"$work/started"
    sed -n -E 's/^.*Test (.*) (passed|failed|skipped)( .*)?\.$/\1/p' "$log" | sort -u >"$work/ended"
    comm -23 "$work/started" "$work/ended" | head -40 >&2
  fi
  tail -20 "$log" >&2
  exit 1
}
swift_run formats --filter SchemaFormatsTests
swift_run others --skip SchemaFormatsTests

# --- The REST API (issue 16): real Confluent clients (confluent-kafka from PyPI) and raw HTTP
# (tests/python), then schemathesis against docs/openapi.json on a live server (bounded).
tests/python/run.sh
tests/openapi/run-schemathesis.sh

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
# --- Python package (issue 18): a clean venv, `pip install clients/python` (cffi, compiled with
# clients/c's sources), pytest against real servers (open, API keys, TLS, mTLS) and confluent-kafka.
if [ -f clients/python/tests/run.sh ]; then
  clients/python/tests/run.sh
fi
echo "all tests passed"
