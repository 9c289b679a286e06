#!/usr/bin/env bash
# Runs the C client's tests (called by `make test`, which builds them first):
#   1. reader unit tests: every golden vector + malformed input, under ASan + UBSan, and the
#      client against a scripted peer sending golden vectors (PING, a lying LZ4 body, a bad kind);
#   2. integration tests against real servers started from $SCHEMA_REGISTRY_BIN (sanitized);
#   3. the examples (the README's C blocks, checked identical to examples/), a Python binding
#      through cffi, and an sr-benchmark smoke run (every op, SRP and --resp, --compare),
#      against a server started here and Redis at $SR_TEST_REDIS_URL.
# Without SCHEMA_REGISTRY_BIN (or SR_TEST_REDIS_URL) the parts that need it are skipped
# with a message, unless CI=true, where that is a failure. The last line is always
# "N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0 failed=0
work=$(mktemp -d /tmp/srclient-run.XXXXXX)
server_pid=""
tls_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  if [ -n "$tls_pid" ]; then kill "$tls_pid" 2>/dev/null; wait "$tls_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a test program that prints its own "N passed, N failed" line and adds it up.
suite() {
  local name=$1; shift
  echo "--- $name"
  timeout 900 "$@" >"$work/out" 2>&1
  local status=$?
  cat "$work/out"
  local summary
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/out" | tail -1)
  if [ -n "$summary" ]; then
    passed=$((passed + $(echo "$summary" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$summary" | cut -d' ' -f3)))
  fi
  if [ "$status" -ne 0 ] && { [ -z "$summary" ] || [ "$(echo "$summary" | cut -d' ' -f3)" = 0 ]; }; then
    echo "FAIL $name exited with status $status"
    failed=$((failed + 1))
  fi
}

# One check: a command that must succeed and whose output must match a pattern.
check() {
  local name=$1 pattern=$2; shift 2
  if timeout 300 "$@" >"$work/out" 2>&1 && grep -Eq "$pattern" "$work/out"; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$work/out" | tail -20
    failed=$((failed + 1))
  fi
}

missing() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL $1 is not set (required when CI=true)"
    failed=$((failed + 1))
  else
    echo "SKIP $2: $1 is not set (scripts/test.sh sets it)"
  fi
}

suite "reader unit tests (ASan+UBSan)" "$build/san/test-reader"
suite "wire format, JSON, Avro codec: fastavro vectors, spec examples, hostile input (ASan+UBSan)" "$build/san/test-avro"
suite "client against a scripted peer (ASan+UBSan)" "$build/san/test-peer"
suite "README.md's C blocks are examples/ verbatim" python3 tests/check_readme.py

# The port of a server's "listening" line in its log (waits up to 60 s).
port_of() {
  local found=""
  for _ in $(seq 600); do
    found=$(grep -m1 'listening' "$1" 2>/dev/null | grep -o 'address=[^ ]*' | sed 's/.*://')
    [ -n "$found" ] && break
    sleep 0.1
  done
  echo "$found"
}

if [ -n "${SCHEMA_REGISTRY_BIN:-}" ] && [ -x "$SCHEMA_REGISTRY_BIN" ]; then
  suite "integration tests (ASan+UBSan)" "$build/san/test-integration"
  suite "pending loop, calls with bytes, deadlines (ASan+UBSan)" "$build/san/test-calls"
  suite "TLS: verified, refused, mTLS, pipelined (ASan+UBSan)" "$build/san/test-tls"
  suite "serializer and deserializer: register on first use, round trips, bad payloads (ASan+UBSan)" "$build/san/test-serde"
  suite "watch (events, calls while watching, unwatch, resume, resync, queue bound) and schema cache (ASan+UBSan)" \
    "$build/san/test-watch"
  suite "mutable cache: versions, config, mode kept exact by a watch; RESYNC, reconnect, restart (ASan+UBSan)" \
    "$build/san/test-mcache"

  # A server for the examples and the benchmark smoke run: port 0, read back from the log.
  "$SCHEMA_REGISTRY_BIN" serve --store sqlite --data-dir "$work" --port 0 --host 127.0.0.1 --set rest-port=0 \
    >/dev/null 2>"$work/server.log" &
  server_pid=$!
  port=$(port_of "$work/server.log")
  echo "--- examples, Python through cffi, sr-benchmark smoke run (server on $port)"
  if [ -z "$port" ]; then
    echo "FAIL server did not start"; cat "$work/server.log"; failed=$((failed + 1))
  else
    check "example register-and-fetch" '^schema [0-9]+: ' "$build/examples/register-and-fetch" 127.0.0.1 "$port"
    check "example pipelined-fetch" 'id 1: [0-9]+ bytes' "$build/examples/pipelined-fetch" 127.0.0.1 "$port" 1 1 1
    check "example quickstart (README)" '^schema [0-9]+ fetched 100 times$' "$build/examples/quickstart" 127.0.0.1 "$port"
    check "example call-bytes (README)" '^ServerInfo: OK, [0-9]+ bytes$' "$build/examples/call-bytes" 127.0.0.1 "$port"
    check "example watch (README): an event pushed, then one cache miss and one hit" \
      '^schema [0-9]+: 1 hit, 1 miss$' "$build/examples/watch" 127.0.0.1 "$port"
    check "example serde (README): register on first use, read back, wrong magic byte" \
      '^SR_ERR_WIRE_MAGIC: wrong magic byte 0x7b' "$build/examples/serde" 127.0.0.1 "$port"
    tls=../../Tests/SchemaRegistryTesting/Fixtures/tls
    if ! grep -q 'SR_HAS_TLS' "$build/srclient.pc"; then
      echo "SKIP example tls-ping (README): this libsrclient was built without OpenSSL"
    else
      mkdir -p "$work/tls"
      "$SCHEMA_REGISTRY_BIN" serve --store sqlite --data-dir "$work/tls" --port 0 --host 127.0.0.1 \
        --set rest-port=off --set metrics-port=off --tls-cert "$tls/server.pem" --tls-key "$tls/server-key.pem" \
        --tls-client-ca "$tls/ca.pem" >/dev/null 2>"$work/tls.log" &
      tls_pid=$!
      tls_port=$(port_of "$work/tls.log")
      check "example tls-ping (README), mTLS" '^TLS 1, ping: OK$' \
        "$build/examples/tls-ping" 127.0.0.1 "${tls_port:-1}" "$tls/ca.pem" "$tls/client.pem" "$tls/client-key.pem"
    fi
    # Both doors of one server (issue 16): registered over REST, fetched by the C client over
    # SRP; registered by the C client, fetched over REST.
    rest_port=$(grep -m1 'REST API listening' "$work/server.log" | grep -o 'address=[^ ]*' | sed 's/.*://')
    rest_id=$(python3 - "$rest_port" <<'PY'
import json, sys, urllib.request
body = json.dumps({"schema": json.dumps({"type": "record", "name": "FromRest", "fields": [{"name": "a", "type": "int"}]})})
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/subjects/c-rest-door/versions", data=body.encode(),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["id"])
PY
)
    check "REST -> C client: registered over REST, fetched over SRP" "id $rest_id: [0-9]+ bytes of Avro schema" \
      "$build/examples/pipelined-fetch" 127.0.0.1 "$port" "$rest_id"
    "$build/examples/register-and-fetch" 127.0.0.1 "$port" >"$work/c-register.out" 2>&1 || true
    c_id=$(grep -Eo '^schema [0-9]+' "$work/c-register.out" | head -1 | grep -Eo '[0-9]+' || true)
    check "C client -> REST: registered over SRP, fetched over REST" '"schema"' \
      python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())" \
      "http://127.0.0.1:$rest_port/schemas/ids/${c_id:-0}"
    # A Python binding through cffi, from srclient_core.h alone (no protobuf-c): installs cffi
    # (and protobuf) with pip when missing.
    for module in cffi:cffi google.protobuf:protobuf; do
      python3 -c "import ${module%%:*}" 2>/dev/null || python3 -m pip install -q "${module##*:}" 2>/dev/null ||
        python3 -m pip install -q --break-system-packages "${module##*:}" >/dev/null 2>&1 || true
    done
    suite "Python through cffi (srclient_core.h, sr_call_bytes)" python3 tests/test_cffi.py "$build/libsrclient.so" "$port"
    for op in get-by-id get-latest register validate mixed; do
      check "sr-benchmark srp $op" '"errors":0,"throttled":0' \
        "$build/san/sr-benchmark" -p "$port" -c 4 -n 2000 -P 8 -t "$op" --json
    done
    check "cache-bench: cached GetSchemaById beside round trips (rates reported, not asserted)" \
      '^cache-bench: GetSchemaById x2000: round trip [0-9]+/s, cached [0-9]+/s' "$build/cache-bench" 127.0.0.1 "$port" 2000
    # The rates are reported, not asserted; that a hit allocates nothing is (cache-bench counts malloc).
    check "cache-bench: cached latest version (mutable cache) beside round trips, no allocation in 2000 hits" \
      '^cache-bench: GetSchemaByVersion latest x2000: round trip [0-9]+/s, cached [0-9]+/s .*, 2000 hits, .*, 0 allocations in the hits$' \
      "$build/cache-bench" 127.0.0.1 "$port" 2000
    check "sr-benchmark srp open loop" '"requests":200,"ok":200' \
      "$build/san/sr-benchmark" -p "$port" -c 2 -n 200 --rate 2000 --json
    if [ -n "${SR_TEST_REDIS_URL:-}" ]; then
      redis_port=${SR_TEST_REDIS_URL##*:}
      redis_port=${redis_port%%/*}
      check "sr-benchmark --resp" '"mode":"resp".*"requests":2000,"ok":2000' \
        "$build/san/sr-benchmark" --resp -p "$redis_port" -c 4 -n 2000 -P 8 --json
      check "sr-benchmark --compare" '^== ratio srp/redis: throughput [0-9.]+' \
        "$build/san/sr-benchmark" --compare -p "$port" --redis-port "$redis_port" -c 4 -n 2000 -P 4
    else
      missing SR_TEST_REDIS_URL "sr-benchmark --resp and --compare"
    fi
  fi
else
  missing SCHEMA_REGISTRY_BIN "integration tests, examples and sr-benchmark smoke run"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
