#!/usr/bin/env bash
# Builds the libFuzzer targets (every module instrumented: -sanitize=fuzzer,address) and runs
# each for a bounded time on a temporary copy of its committed seed corpus, so the committed
# seeds stay small. Exits 1 when any target crashes, leaks, times out or runs out of memory;
# the crashing input is kept under fuzz/.artifacts/.
#
#   fuzz/run.sh [seconds-per-target] [target ...]     (default: 60 s, every target)
#   FUZZ_KEEP_CORPUS=1 fuzz/run.sh 600                keep the grown corpora (path printed)
set -euo pipefail
cd "$(dirname "$0")"
fuzz=$(pwd)
seconds=${1:-60}
if [ $# -gt 0 ]; then shift; fi
all=(FuzzFrames FuzzRequests FuzzAvroSchema FuzzJSONSchema FuzzPayloads FuzzJSONSchemaSoundness FuzzProtobufSchema FuzzProtoParser)
targets=("${@:-${all[@]}}")

# Same dependency versions as the root package (Package.resolved is not committed).
if [ ! -f Package.resolved ] && [ -f ../Package.resolved ]; then cp ../Package.resolved Package.resolved; fi
work=$(mktemp -d /tmp/schema-registry-fuzz.XXXXXX)
cleanup() { if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then echo "fuzz: corpora kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

flags=(-c release -Xswiftc -sanitize=fuzzer,address)
# The root package is a path dependency: a kept build plan can miss source files added to it
# since (a new SRPWire file went unseen, "cannot find type"). Dropping the plan makes SwiftPM
# list the sources again (compiled objects stay; only what changed is rebuilt).
rm -f .build/*.yaml
echo "fuzz: building (the first build instruments swift-nio and swift-protobuf too: minutes)"
if ! swift build "${flags[@]}" >"$work/build.log" 2>&1; then
  grep -v "Cannot export local symbol" "$work/build.log" | tail -40 >&2
  echo "fuzz: build failed" >&2
  exit 1
fi
bin=$(swift build "${flags[@]}" --show-bin-path)
mkdir -p "$fuzz/.artifacts"
# libFuzzer reports crashes itself (with ASan's stack); Swift's backtracer would only slow that.
# Leaks are checked per input (libFuzzer -detect_leaks), not at exit: at exit only globals
# remain, and LeakSanitizer cannot see pointers Swift stores with enum tag bits in them.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:leak_check_at_exit=0:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$fuzz/lsan.supp:print_suppressions=0}

failed=()
printf '%-24s %12s %10s %8s %8s %8s  %s\n' target execs exec/s cov ft corpus result
for target in "${targets[@]}"; do
  corpus="$work/$target"
  mkdir -p "$corpus"
  cp "corpus/$target/"* "$corpus/"
  dict=()
  case $target in FuzzAvroSchema | FuzzJSONSchema | FuzzPayloads) dict=(-dict="$fuzz/dict/json.dict") ;; esac
  set +e
  "$bin/$target" "$corpus" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -timeout=10 -max_len=8192 -print_final_stats=1 -artifact_prefix="$fuzz/.artifacts/$target-" \
    >"$work/$target.log" 2>&1
  status=$?
  set -e
  log="$work/$target.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status)"
    failed+=("$target")
  fi
  printf '%-24s %12s %10s %8s %8s %8s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
  if [ "$status" -ne 0 ]; then
    grep -E 'fuzz invariant failed|Fatal error|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY|Test unit written|^ +#[0-9]+ 0x' \
      "$log" | head -40 >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; inputs in $fuzz/.artifacts/ (replay: $bin/<target> <file>)" >&2
  exit 1
fi
