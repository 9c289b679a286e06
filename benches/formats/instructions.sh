#!/usr/bin/env bash
# Instructions per format operation, counted by callgrind (the same from run to run, whatever
# else the machine does), for one or two builds of format-ops side by side:
#   benches/formats/instructions.sh [NAME=FORMAT_OPS_BINARY ...]   (default: this tree's build)
# Each operation runs at COUNT and at 2 x COUNT; the difference / COUNT is one operation. Hashing
# is seeded the same in every run (SWIFT_DETERMINISTIC_HASHING), so dictionaries behave alike.
set -euo pipefail
cd "$(dirname "$0")"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 peers/gen.py "$data" >/dev/null
python3 peers/gen_avro.py "$data" >/dev/null
builds=("$@")
if [ ${#builds[@]} -eq 0 ]; then
  swift build -c release --product format-ops >/dev/null
  builds=("this=.build/release/format-ops")
fi
instructions() {  # BINARY OPERATION COUNT -> total instructions of the run (nothing if it failed)
  local report
  report=$(SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$1" "$data" "$2" "$3" 2>&1) || return 0
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$report"
}
operations=(json-parse-10 json-parse-100 json-parse-500 json-serialize-100 json-string-100 avro-parse-10 avro-parse-100
  avro-parse-500 avro-json-validate-100 jsonschema-validate-10 jsonschema-validate-100 jsonschema-validate-500)
printf '| operation |'; for build in "${builds[@]}"; do printf ' %s |' "${build%%=*}"; done; echo
printf '|---|'; for _ in "${builds[@]}"; do printf -- '---|'; done; echo
for operation in "${operations[@]}"; do
  count=200
  case "$operation" in *-10) count=1000 ;; *-500) count=40 ;; esac
  printf '| %s |' "$operation"
  for build in "${builds[@]}"; do
    binary=${build#*=}
    once=$(instructions "$binary" "$operation" "$count")
    twice=$(instructions "$binary" "$operation" $((2 * count)))
    # A build older than the operation refuses it: no count.
    if [ -n "$once" ] && [ -n "$twice" ]; then printf ' %s |' "$(( (twice - once) / count ))"; else printf ' n/a |'; fi
  done
  echo
done
