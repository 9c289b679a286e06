#!/usr/bin/env bash
# One command for every number and chart in benches/README.md. Builds what the benches need
# (release server, C client and sr-benchmark, the bench packages), runs each bench script in
# turn (each bounded in count and time), and writes what each printed to
# benches/results/<date>/<bench>.txt. Rewritten in README.md in place: the peers table
# (splice_table.py, from what run.sh prints), the load-scenario table and charts (load_table.py
# and `schema-registry load --chart-from`, from their JSON). The other sections' tables are
# curated from the results files (several runs summarised per row). About 25 minutes on 2 cores.
#   benches/regenerate.sh                   # everything
#   benches/regenerate.sh load peers        # only these: formats micro peers wire stores load
# PostgreSQL for the stores bench: SR_BENCH_POSTGRES_URL, else a throwaway cluster is started
# as the postgres user (as scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(formats micro peers wire stores load)
out="$root/benches/results/$(date +%F)"
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "swift: $(swift --version 2>&1 | head -n 1)"
  echo "commit: $(git rev-parse --short HEAD)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

swift build -c release --product schema-registry
make -C clients/c >/dev/null

pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $pg_dir/data -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

postgres_url() {
  if [ -n "${SR_BENCH_POSTGRES_URL:-}" ]; then echo "$SR_BENCH_POSTGRES_URL"; return; fi
  pg_dir=$(mktemp -d /tmp/sr-bench-pg.XXXXXX)
  chown postgres "$pg_dir"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D $pg_dir/data -A trust >/dev/null"
  su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w -o '-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200' start" >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

for bench in "${benches[@]}"; do
  echo "== $bench -> $out/$bench.txt" >&2
  case "$bench" in
    formats) timeout 1800 bash benches/formats/run.sh ;;
    micro) timeout 1800 bash benches/micro/run.sh ;;
    peers) timeout 1800 bash benches/peers/run.sh 3 5 ;;
    wire) timeout 1800 bash benches/peers/wire.sh 1000 ;;
    stores) SR_BENCH_POSTGRES_URL=$(postgres_url) timeout 1800 bash benches/stores/run.sh ;;
    load)
      timeout 1800 bash benches/load/run.sh
      python3 benches/load_table.py --update
      ;;
    *) echo "unknown bench '$bench' (formats micro peers wire stores load)" >&2; exit 2 ;;
  esac >"$out/$bench.txt" 2>&1
  # Tables printed as markdown go straight into their README section.
  if [ "$bench" = peers ]; then python3 benches/splice_table.py peers "$out/peers.txt"; fi
done
echo "results in $out; the load table and charts in benches/README.md and benches/load/ are updated" >&2
