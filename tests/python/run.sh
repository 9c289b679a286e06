#!/usr/bin/env bash
# The Python suite: real Confluent clients (confluent-kafka's SchemaRegistryClient, Avro and
# JSON Schema serdes) and raw HTTP against `schema-registry serve`'s REST API.
# SCHEMA_REGISTRY_BIN names the server binary (default: .build/debug/schema-registry).
# Each test may take 60 s at most, the whole run 170 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r tests/python/requirements.txt
exec timeout --kill-after=10 170 python3 -m pytest -q -p no:cacheprovider --timeout=60 tests/python "$@"
