#!/usr/bin/env bash
# Quick start: install what is missing, build, and run `schema-registry serve` on the
# embedded SQLite store (data in ./data, SRP on 127.0.0.1:7911, the REST API on 127.0.0.1:8081). Extra arguments go to serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product schema-registry
exec .build/release/schema-registry serve "$@"
