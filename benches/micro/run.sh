#!/usr/bin/env bash
# Micro-benchmarks of the hot path (package-benchmark: wall clock, CPU, mallocs, throughput).
#   benches/micro/run.sh            run them all and print the tables
#   benches/micro/run.sh check      compare against the committed p90 thresholds (Thresholds/)
#   benches/micro/run.sh update     re-record the thresholds after an intended change
# Takes a few minutes on 2 cores (the first build builds the root package in release mode too).
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-run}" in
  run) swift package --disable-sandbox benchmark ;;
  check) swift package --disable-sandbox benchmark thresholds check ;;
  update) swift package --disable-sandbox --allow-writing-to-package-directory benchmark thresholds update ;;
  *) echo "usage: $0 [run|check|update]" >&2; exit 64 ;;
esac
