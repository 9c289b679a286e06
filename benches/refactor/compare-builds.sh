#!/usr/bin/env bash
# Cached GetSchemaById of several server builds side by side, each beside Redis through the same
# C loop (sr-benchmark --compare), rounds alternated. Bounded: ROUNDS x builds x 2 runs of 4 s.
#
#   benches/refactor/compare-builds.sh before=/path/to/schema-registry after=.build/release/schema-registry
#   (ROUNDS=3 by default; needs redis-server and `make -C clients/c`)
set -u
cd "$(dirname "$0")/../.."
B=clients/c/build/sr-benchmark
[ -x "$B" ] || make -C clients/c >/dev/null
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/sr-compare.XXXXXX)
names=()
declare -A port pid
cleanup() { for n in "${names[@]}"; do kill "${pid[$n]}" 2>/dev/null; done; redis-cli -p 6400 shutdown nosave >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
redis-server --port 6400 --save "" --appendonly no --daemonize yes >/dev/null
for arg in "$@"; do
  name=${arg%%=*}; bin=${arg#*=}; names+=("$name")
  "$bin" serve --data-dir "$work/$name" --port 0 --set event-loop-threads=1 --set metrics-port=off --set rest-port=off --insecure-no-auth \
    >"$work/$name.log" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 100); do
    p=$(grep -o 'address=[^ ]*' "$work/$name.log" 2>/dev/null | head -1 | sed 's/.*://'); [ -n "$p" ] && break; sleep 0.1
  done
  port[$name]=$p
done
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    for P in 1 16; do
      line=$(timeout 60 "$B" -p "${port[$name]}" -c 50 -P "$P" --duration 4 -n 100000000 -d 1024 --compare \
        --redis-port 6400 2>&1 | tr '\n' ' ')
      srp=$(echo "$line" | grep -o '== srp[^=]*' | grep -o '[0-9]* requests/s' | head -1 | cut -d' ' -f1)
      redis=$(echo "$line" | grep -o '== redis[^=]*' | grep -o '[0-9]* requests/s' | head -1 | cut -d' ' -f1)
      echo "round $round $name 50x$P srp $srp redis $redis"
    done
  done
done
