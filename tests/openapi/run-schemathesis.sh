#!/usr/bin/env bash
# Schemathesis against the REST API, bounded: validates docs/openapi.json (openapi-spec-validator
# and schemathesis's loader), then runs schemathesis's examples, coverage, fuzzing and stateful
# phases (at most SR_SCHEMATHESIS_MAX_EXAMPLES cases per operation, 20 by default; one worker; a
# fixed seed; each request 10 s at most) with the checks not_a_server_error,
# status_code_conformance, content_type_conformance and response_schema_conformance. The whole
# schemathesis run is killed after 300 s.
#
#   tests/openapi/run-schemathesis.sh                         # starts a server of its own
#   tests/openapi/run-schemathesis.sh http://127.0.0.1:8081   # or BASE_URL=... : a running server
#
# Without BASE_URL it starts `schema-registry serve --insecure-no-auth` (SCHEMA_REGISTRY_BIN,
# default .build/debug/schema-registry) on free loopback ports with a temporary data directory,
# and stops it at the end. Against a running server, note that the run changes global state
# (PUT/DELETE /config and /mode, deletes): point it at a throwaway server.
#
# Environment: SR_SCHEMATHESIS_SEED (default 1), SR_SCHEMATHESIS_MAX_EXAMPLES (20),
# SR_SCHEMATHESIS_PHASES (default examples,coverage,fuzzing,stateful; stateful follows the
# document's links, e.g. register -> get by id; it adds a few seconds),
# SR_SCHEMATHESIS_AUTH (an Authorization header value, for a server with authentication),
# SR_OPENAPI_LOCATION (default $BASE_URL/openapi.json; e.g. docs/openapi.json before the
# server serves it), SR_SCHEMATHESIS_REPORT_DIR (JUnit report; default a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

base_url=${1:-${BASE_URL:-}}
seed=${SR_SCHEMATHESIS_SEED:-1}
max_examples=${SR_SCHEMATHESIS_MAX_EXAMPLES:-20}
phases=${SR_SCHEMATHESIS_PHASES:-examples,coverage,fuzzing,stateful}

# --- Python tools in a virtualenv of their own (created once, then reused).
venv="$root/.build-openapi/venv"
if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s tests/openapi/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/openapi/requirements.txt
  cp tests/openapi/requirements.txt "$venv/requirements.txt"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sr-schemathesis.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- The document itself.
"$venv/bin/openapi-spec-validator" docs/openapi.json
"$venv/bin/python" - <<'PY'
import schemathesis
schema = schemathesis.openapi.from_path("docs/openapi.json")
operations = [result.ok() for result in schema.get_all_operations()]
print(f"docs/openapi.json: schemathesis loads {len(operations)} operations")
PY

# --- The server: the one named, or one of our own.
started_here=false
if [ -z "$base_url" ]; then
  bin=${SCHEMA_REGISTRY_BIN:-.build/debug/schema-registry}
  [ -x "$bin" ] || { echo "no server binary at $bin: build it or set SCHEMA_REGISTRY_BIN (or pass BASE_URL)" >&2; exit 1; }
  mkdir -p "$work/data"
  # Settings come from the arguments only.
  env $(env | sed -n 's/^\(SCHEMA_REGISTRY_[A-Z_]*\)=.*/-u \1/p' | grep -v -- '-u SCHEMA_REGISTRY_BIN$') \
    "$bin" serve --data-dir "$work/data" --port 0 --set rest-port=0 --set metrics-port=off --insecure-no-auth \
    </dev/null >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    line=$(grep -m1 'REST API listening' "$work/server.log" || true)
    if [ -n "$line" ]; then
      port=$(sed -n 's/.*address=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
      [ -n "$port" ] && base_url="http://127.0.0.1:$port" && break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$base_url" ]; then
    echo "the server did not log 'REST API listening ... address=...' within 30 s; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  started_here=true
fi
base_url=${base_url%/}
echo "REST API under test: $base_url"
location=${SR_OPENAPI_LOCATION:-$base_url/openapi.json}
case "$location" in
  http://* | https://* | /*) ;;
  *) location="$root/$location" ;;
esac

# --- The served document is docs/openapi.json (a stale build would serve an older one).
if [ -z "${SR_OPENAPI_LOCATION:-}" ]; then
  "$venv/bin/python" - "$base_url/openapi.json" "$started_here" <<'PY'
import json, sys, urllib.request
url, strict = sys.argv[1], sys.argv[2] == "true"
with urllib.request.urlopen(url, timeout=10) as answer:
    served = json.load(answer)
with open("docs/openapi.json", encoding="utf-8") as file:
    ours = json.load(file)
if served != ours:
    print(f"{url} differs from docs/openapi.json" + (" (is the binary older than the document?)" if strict else ""),
          file=sys.stderr)
    sys.exit(1 if strict else 0)
print(f"{url} is docs/openapi.json")
PY
fi

report_dir=${SR_SCHEMATHESIS_REPORT_DIR:-$work/report}
args=(
  run "$location" --url "$base_url"
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
  --phases "$phases"
  --max-examples "$max_examples"
  --seed "$seed"
  --workers 1
  --request-timeout 10
  --generation-database none
  --generation-with-security-parameters false
  --suppress-health-check all
  --no-color
  --report junit --report-dir "$report_dir"
)
if [ -n "${SR_SCHEMATHESIS_AUTH:-}" ]; then
  args+=(--header "Authorization: $SR_SCHEMATHESIS_AUTH")
fi

# From the temporary directory: schemathesis keeps a cache (.schemathesis/) in the current
# directory, and replays the crashes it holds; every run starts without one.
set +e
(cd "$work" && timeout --kill-after=10 300 "$venv/bin/schemathesis" "${args[@]}")
status=$?
set -e
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "schemathesis did not finish within 300 s" >&2
fi
if [ "$started_here" = true ] && ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server exited during the run; its log:" >&2
  tail -50 "$work/server.log" >&2
  status=1
fi
if [ "$status" -ne 0 ] && [ "$started_here" = true ]; then
  echo "--- last lines of the server log ---" >&2
  tail -20 "$work/server.log" >&2
fi
exit "$status"
