#!/usr/bin/env bash
# Instructions per registration on the embedded store, counted with callgrind (issue 19): rates
# on a shared 2-core VM move by 30-40% between runs of one binary; instruction counts repeat to
# within 0.1%. Runs the server under valgrind twice (N1 and N2 registrations from
# `sr-benchmark -t register -c 4 -P 1`) and prints (instructions at N2 - at N1) / (N2 - N1).
#
#   benches/stores/instructions.sh BINARY [N1=300] [N2=1300]
#
# valgrind cannot read Swift 6.3's DWARF: the binary is copied with `strip --strip-debug`
# (symbols stay, so `callgrind_annotate` still names functions; KEEP=DIR keeps the outputs).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:?usage: instructions.sh BINARY [N1] [N2]}
n1=${2:-300}
n2=${3:-1300}
load="$PWD/clients/c/build/sr-benchmark"
[ -x "$load" ] || make -C clients/c >/dev/null
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d /tmp/sr-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT
strip --strip-debug -o "$work/server" "$binary"

count() { # count N: total instructions of a server run that served N registrations
  local n=$1 port dir=$work/run-$1
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" "$work/server" serve --port "$port" \
    --data-dir "$dir/data" --set event-loop-threads=1 --set metrics-port=off --set rest-port=off \
    --insecure-no-auth >"$dir/log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do grep -q listening "$dir/log" 2>/dev/null && break; sleep 0.2; done
  "$load" -p "$port" -t register -c 4 -P 1 -n "$n" --duration 600 | grep requests >&2
  kill -INT "$pid"; wait "$pid" || true
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp "$dir/callgrind.out" "$KEEP/callgrind-$n.out"; fi
  callgrind_annotate "$dir/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' | head -1
}

first=$(count "$n1")
second=$(count "$n2")
echo "$(basename "$binary"): $(( (second - first) / (n2 - n1) )) instructions per registration ($first at $n1, $second at $n2)"
