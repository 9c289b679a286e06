#!/usr/bin/env bash
# Idle RSS of the registry on its default settings (issue 19 target: <= 30 MiB), and where it
# goes: resident KiB per mapped file, largest first, from /proc/PID/smaps.
#
#   benches/memory/idle.sh [binary ...]     (default .build/release/schema-registry)
#
# Each binary is started on a fresh data directory, measured 1 s after "REST API listening",
# and stopped. RSS is not a timing: it does not depend on the load average.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- "$PWD/.build/release/schema-registry"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "# $(date -u +%F) commit $(git rev-parse --short HEAD) load average $(cut -d' ' -f1-3 /proc/loadavg)"
for bin in "$@"; do
  work=$(mktemp -d)
  "$bin" serve --data-dir "$work/data" --port "$(free_port)" --set rest-port="$(free_port)" \
    >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "REST API listening" "$work/log" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  echo "$bin: VmRSS $(awk '/^VmRSS/{printf "%.1f MiB", $2/1024}' /proc/$pid/status)"
  awk '/^[0-9a-f]+-[0-9a-f]+ /{name=($6=="" ? "[anonymous]" : $6)} /^Rss:/{rss[name]+=$2}
       END{for (n in rss) if (rss[n] >= 256) printf "  %7.1f MiB  %s\n", rss[n]/1024, n}' \
    "/proc/$pid/smaps" | sort -rn
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
done
