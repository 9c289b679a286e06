#!/usr/bin/env bash
# Regenerates the format numbers in benches/README.md: Avro and Protobuf parse/canonicalise/compatibility,
# JSON Schema validation beside jsonschema-rs, Avro JSON payload validation beside fastavro, and the serializers beside fastavro and upb.
set -euo pipefail
cd "$(dirname "$0")"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 -c 'import jsonschema_rs' 2>/dev/null || pip install -q jsonschema-rs
python3 peers/gen.py "$data"
python3 peers/gen_avro.py "$data"
swift build -c release
for round in 1 2; do
  echo "--- round $round"
  python3 peers/jsonschema_rs_bench.py "$data"
  .build/release/jsonschema-bench "$data"
  python3 peers/fastavro_validate_bench.py "$data"
  .build/release/avro-json-bench "$data"
done
.build/release/avro-bench
.build/release/protobuf-bench
# Avro binary (Swift and C) against fastavro, Protobuf binary validation against upb: same run.
[ -x ../../clients/c/build/avro-bench ] || make -C ../../clients/c tools >/dev/null
python3 peers/serdes_peers.py .build/release/serdes-bench
