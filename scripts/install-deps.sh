#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any are missing.
# Idempotent and quiet when everything is there already.
set -euo pipefail

packages=(
  pkg-config liblz4-dev libsqlite3-dev libpq-dev libhiredis-dev
  protobuf-compiler protobuf-c-compiler libprotobuf-c-dev
  libssl-dev  # TLS in the C client (clients/c, SR_HAS_TLS)
  gcc python3-dev python3-venv  # clients/python: Python.h for the cffi extension, `python3 -m venv` in its tests
  postgresql redis-server redis-tools
  prometheus  # for promtool: the metrics tests run `promtool check metrics` on the exposition
)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  # Only promtool is wanted: where the package started a Prometheus server (systemd), stop it.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 (https://swift.org/install)" >&2; exit 1; }
