#!/usr/bin/env bash
# The REST API against SRP on the same server (issue 16), same run, rounds alternated:
#   - cached GET /schemas/ids/1 (1 KiB Avro), 50 keep-alive connections, wrk -t1 (HTTP/1.1
#     clients do not pipeline), against SRP's cached GetSchemaById at 50 x 1 (sr-benchmark,
#     unpipelined, the same shape);
#   - registrations: POST /subjects/{s}/versions of a new schema under a new subject per
#     request (wrk with a Lua body generator), against sr-benchmark -t register (the same
#     writes over SRP), 8 connections each, unpipelined.
# Bounded: ROUNDS x 4 runs of SECONDS each. Usage: benches/rest/run.sh [ROUNDS] [SECONDS]
set -euo pipefail
rounds=${1:-3} seconds=${2:-5}
cd "$(dirname "$0")/../.."
root=$(pwd)
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
swift build -c release --product schema-registry >/dev/null
make -C clients/c >/dev/null
load="$root/clients/c/build/sr-benchmark"
work=$(mktemp -d /tmp/sr-rest-bench.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
"$root/.build/release/schema-registry" serve --data-dir "$work/data" --port 0 --set rest-port=0 \
  --set metrics-port=off --set token-rate=0 --insecure-no-auth >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q 'REST API listening' "$work/server.log" 2>/dev/null && break; sleep 0.1; done
srp=$(grep -m1 'schema-registry listening' "$work/server.log" | grep -o 'address=[^ ]*' | sed 's/.*://')
rest=$(grep -m1 'REST API listening' "$work/server.log" | grep -o 'address=[^ ]*' | sed 's/.*://')
"$load" -p "$srp" -c 1 -n 10 -d 1024 >/dev/null   # registers the 1 KiB schema: id 1
curl -sf "127.0.0.1:$rest/schemas/ids/1" >/dev/null

cat >"$work/report.lua" <<'LUA'
done = function(s, latency, requests)
  local t = s.duration / 1e6
  io.write(string.format("%.0f requests/s p50 %.1f us p99 %.1f us errors %d non2xx %d\n", s.requests / t,
    latency:percentile(50), latency:percentile(99),
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, s.errors.status))
end
LUA
cat "$work/report.lua" >"$work/register.lua"
cat >>"$work/register.lua" <<'LUA'
local counter = 0
local stamp = tostring(os.time()) .. tostring(math.random(1000000))
request = function()
  counter = counter + 1
  local name = "R" .. stamp .. "_" .. counter
  local body = '{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"' .. name ..
    '\\",\\"fields\\":[{\\"name\\":\\"f\\",\\"type\\":\\"string\\"}]}"}'
  return wrk.format("POST", "/subjects/bench-rest-" .. name .. "/versions",
    {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}, body)
end
LUA

# Server CPU (user + system) in clock ticks, read around each run: CPU per request is what the
# door costs the server, independent of how much of the 2 cores the load tool takes.
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
rps() { sed -nE 's/.* ([0-9.]+) requests\/s.*/\1/p;s/^([0-9.]+) requests\/s.*/\1/p' | head -1; }
results="$work/results"
for round in $(seq "$rounds"); do
  measure() {  # op door command...: one run, its rate and the server's CPU per request
    local op=$1 door=$2; shift 2
    local before after rate
    before=$(ticks)
    rate=$("$@" 2>&1 | rps)
    after=$(ticks)
    local cpu
    cpu=$(python3 -c "print(f'{($after - $before) * 1e6 / $hz / max(1.0, $rate * $seconds):.1f}')")
    echo "[round $round] $op $door: $rate requests/s, server CPU $cpu us/request" >&2
    echo "$op $door $rate $cpu" >>"$results"
  }
  measure get rest wrk -t1 -c50 -d"${seconds}s" -s "$work/report.lua" "http://127.0.0.1:$rest/schemas/ids/1"
  measure get srp "$load" -p "$srp" -c 50 -P 1 --duration "$seconds" -n 100000000 -d 1024
  measure register rest wrk -t1 -c8 -d"${seconds}s" -s "$work/register.lua" "http://127.0.0.1:$rest/"
  measure register srp "$load" -p "$srp" -c 8 -P 1 -t register --duration "$seconds" -n 100000000
done
python3 - "$results" "$rounds" "$seconds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 4]
med = {(op, door, i): statistics.median(float(r[i]) for r in rows if r[0] == op and r[1] == door)
       for op in ("get", "register") for door in ("rest", "srp") for i in (2, 3)}
print(f"\nmedians of {sys.argv[2]} rounds of {sys.argv[3]} s\n")
print("| operation | REST req/s | SRP req/s | REST / SRP | server CPU us/request REST / SRP |")
print("|---|---|---|---|---|")
for op, label in (("get", "cached GET /schemas/ids/1, 1 KiB, 50 connections x 1"),
                  ("register", "registration (new schema, new subject), 8 connections x 1")):
    rest, srp = med[(op, "rest", 2)], med[(op, "srp", 2)]
    print(f"| {label} | {rest:,.0f} | {srp:,.0f} | {rest / srp:.2f}x | {med[(op, 'rest', 3)]} / {med[(op, 'srp', 3)]} |")
PY
