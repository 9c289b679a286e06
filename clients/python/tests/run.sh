#!/usr/bin/env bash
# The tests of the Python package, as a user installs it: a clean virtual environment in a
# temporary directory, `pip install clients/python` into it (built against the C client's
# sources with cffi), the pinned test requirements, then pytest against real servers that the
# tests start themselves ($SCHEMA_REGISTRY_BIN, default .build/debug/schema-registry).
#
#   clients/python/tests/run.sh [pytest arguments]
#
# Needs python3 with venv, a C compiler and the -dev packages of clients/python/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGE="$(dirname "$HERE")"
ROOT="$(cd "$PACKAGE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"

SCHEMA_REGISTRY_BIN="${SCHEMA_REGISTRY_BIN:-$ROOT/.build/debug/schema-registry}"
case "$SCHEMA_REGISTRY_BIN" in /*) ;; *) SCHEMA_REGISTRY_BIN="$ROOT/$SCHEMA_REGISTRY_BIN" ;; esac
export SCHEMA_REGISTRY_BIN
if [ ! -x "$SCHEMA_REGISTRY_BIN" ]; then
    echo "run.sh: no server binary at $SCHEMA_REGISTRY_BIN (swift build --product schema-registry, or set SCHEMA_REGISTRY_BIN)" >&2
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/srclient-python.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "run.sh: clean venv in $WORK/venv ($("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
PIP=("$WORK/venv/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q -r "$HERE/requirements.txt"
# The package itself, built in-tree from clients/python (and ../c). Its build directory is
# wiped first so that every run compiles the C client as it is now.
rm -rf "$PACKAGE/build"
"${PIP[@]}" install -q "$PACKAGE"
"$WORK/venv/bin/python" -c 'import srclient; print("run.sh: srclient", srclient.__version__, "with libsrclient",
    srclient.c_library_version(), "TLS" if srclient.tls_available() else "no TLS")'

# From the temp dir, so that `import srclient` is the installed package, not the source tree.
cd "$WORK"
"$WORK/venv/bin/python" -m pytest -p no:cacheprovider --timeout 120 -q "$HERE" "$@"
