#!/usr/bin/env bash
# Memory beside Redis (issue 19): RSS idle; RSS with N ~1 KiB schemas warmed into L1 beside
# Redis holding the same N values; warm-up time; and whether `cache-bytes` bounds what L1
# really costs (RSS with a full L1 against idle RSS + cache-bytes).
#
#   benches/memory/run.sh [count, default 100000] [cache-bytes for the bound check, default 64 MiB]
#
# Needs a release build (SCHEMA_REGISTRY_BIN, default .build/release/schema-registry),
# redis-server and redis-cli. Everything runs on loopback in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${SCHEMA_REGISTRY_BIN:-$PWD/.build/release/schema-registry}
count=${1:-100000}
bound=${2:-67108864}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
wait_for() {  # file, pattern, seconds
  for _ in $(seq 1 $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; tail -5 "$1" >&2; exit 1
}

serve() {  # log name, then serve flags
  local log="$work/$1.log"; shift
  port=$(free_port)
  rest=$(free_port)
  "$bin" serve --data-dir "$work/data" --port "$port" --set rest-port="$rest" "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for "$log" "REST API listening" 30
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; }

echo "# $(date -u +%F) commit $(git rev-parse --short HEAD) load average $(cut -d' ' -f1-3 /proc/loadavg)"

serve idle
sleep 1
idle=$(rss_kib "$pid")
echo "registry idle: $(mib "$idle") MiB"
started=$(date +%s.%N)
python3 benches/memory/fill.py "$rest" "$count" 8
echo "filled $count schemas in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s"
stop

serve warm --set warmup-schemas="$count"
wait_for "$work/warm.log" "warm-up done" 120
sleep 1
warm=$(rss_kib "$pid")
took=$(grep -o 'took=[^ ]*' "$work/warm.log" | tail -1)
echo "registry with $count warmed: $(mib "$warm") MiB (warm-up $took)"
stop

# The base for L1's own cost: the same warm-up with a 1 MiB L1, so SQLite's page caches, the
# warm-up's leftovers and malloc's arenas are in both measurements and only L1 differs.
small=1048576
serve base --set warmup-schemas="$count" --set cache-bytes="$small"
wait_for "$work/base.log" "warm-up done" 120
sleep 1
base=$(rss_kib "$pid")
stop

serve bounded --set warmup-schemas="$count" --set cache-bytes="$bound"
wait_for "$work/bounded.log" "warm-up done" 120
sleep 1
bounded=$(rss_kib "$pid")
echo "registry, cache-bytes $(mib $((bound / 1024))) MiB, $count warmed: $(mib "$bounded") MiB" \
  "(idle + cache-bytes = $(mib $((idle + bound / 1024))) MiB; ratio $(awk -v r="$bounded" -v i="$idle" -v b="$bound" 'BEGIN{printf "%.2f", r/(i+b/1024)}'))"
echo "L1 alone: base (cache-bytes 1 MiB, same warm-up) $(mib "$base") MiB; full L1 adds $(mib $((bounded - base))) MiB" \
  "for $(mib $(((bound - small) / 1024))) MiB more cache-bytes (ratio $(awk -v r="$bounded" -v s="$base" -v b="$bound" -v m="$small" 'BEGIN{printf "%.2f", (r-s)/((b-m)/1024)}'))"
stop

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
rpid=$!
pids+=("$rpid")
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis_idle=$(rss_kib "$rpid")
python3 - "$count" <<'PY' | redis-cli -p "$redis_port" --pipe >/dev/null
import sys
sys.path.insert(0, "benches/memory")
import fill
out = sys.stdout.buffer
for n in range(int(sys.argv[1])):
    key, value = f"schema:{n + 1}".encode(), fill.schema_text(n).encode()
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))
PY
redis_full=$(rss_kib "$rpid")
echo "redis idle: $(mib "$redis_idle") MiB; with the same $count values: $(mib "$redis_full") MiB"
echo "ratio registry warmed / redis: $(awk -v a="$warm" -v b="$redis_full" 'BEGIN{printf "%.2f", a/b}') (target <= 1.5)"
