#!/usr/bin/env bash
# Regenerates the format numbers in benches/README.md: Avro parse/canonicalise/compatibility
# (10-500 fields) and JSON Schema validation (10-500 properties) beside jsonschema-rs.
set -euo pipefail
cd "$(dirname "$0")"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 -c 'import jsonschema_rs' 2>/dev/null || pip install -q jsonschema-rs
python3 peers/gen.py "$data"
swift build -c release
for round in 1 2; do
  echo "--- round $round"
  python3 peers/jsonschema_rs_bench.py "$data"
  .build/release/jsonschema-bench "$data"
done
.build/release/avro-bench
.build/release/protobuf-bench
