#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the three decoders that read bytes from outside:
#   frame    FuzzFrameDecoder   frames: prefix, JSON envelope, signature check, contents
#   payload  FuzzTensorPayload  tensor payloads: manifest JSON and body, with round trips
#   csv      FuzzBatchCSV       batch CSV reader with a column mapping
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]    (default: FUZZ_TIME or 20 s, all targets)
#
# Builds the fuzzers into .build-fuzz (never .build: the instrumented objects must not mix
# with a normal build), then runs each for SECONDS on a fresh corpus directory under
# FUZZ_OUT (default .build-fuzz/fuzz-out/<target>), seeded read-only from
# Tests/FuzzCorpus/<target>. Prints executions, exec/s, coverage and crashes per target;
# exits 1 if any target crashed, ran out of memory or timed out, with the reproducer paths.
# Replay a reproducer:  .build-fuzz/<config>/<Fuzzer> <file>   (or a plain build's
# executable of the same name, which replays files without libFuzzer).
# FUZZ_NO_BUILD=1 skips the build (e.g. when running targets in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_TIME:-20}}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame payload csv)
scratch=.build-fuzz
out="${FUZZ_OUT:-$scratch/fuzz-out}"

product() {
    case "$1" in
        frame) echo FuzzFrameDecoder ;;
        payload) echo FuzzTensorPayload ;;
        csv) echo FuzzBatchCSV ;;
        *) echo "unknown fuzz target '$1' (frame, payload, csv)" >&2; exit 2 ;;
    esac
}

# Longest input libFuzzer generates: the zip-bomb seed frame is 16.5 KB; payloads and CSV
# files this size already reach every branch, and longer inputs only cost exec/s.
max_len() {
    case "$1" in
        frame) echo 20000 ;;
        *) echo 8192 ;;
    esac
}

# -sanitize=fuzzer instruments for coverage and links libFuzzer; address adds ASan.
# FUZZING switches the targets' @main from "replay files" to LLVMFuzzerRunDriver.
# FUZZ_CONFIG=release (default) runs several times more executions per second than debug;
# overflow checks and preconditions stay on in both.
config="${FUZZ_CONFIG:-release}"
flags=(-c "$config" --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING)
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    for target in "${targets[@]}"; do
        p=$(product "$target")
        echo "== fuzz build $p" >&2
        # The link prints one "Cannot export local symbol" warning per ASan helper; drop them.
        swift build "${flags[@]}" --product "$p" 2>&1 | grep -v "Cannot export local symbol" >&2
    done
fi
bin="$(swift build "${flags[@]}" --show-bin-path)"

failed=0
summary=()
for target in "${targets[@]}"; do
    p=$(product "$target")
    work="$out/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    echo "== fuzz $target ($p) for ${seconds}s, log $work/fuzz.log" >&2
    # The writable corpus comes first: libFuzzer adds new inputs to the first directory
    # only, so the seeds in the repository are never written to.
    set +e
    nice -n 10 "$bin/$p" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len="$(max_len "$target")" \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
        "$work/corpus" "Tests/FuzzCorpus/$target" >"$work/fuzz.log" 2>&1
    status=$?
    set -e
    # A crash while reading the seeds leaves no coverage line: a failed grep is not an error.
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/fuzz.log" | tail -1 || true)
    crashes=$(find "$work/artifacts" -type f | wc -l)
    summary+=("$(printf '%-8s %10s execs %7s exec/s  %-22s crashes: %s' "$target" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$crashes")")
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "!! $target failed (exit $status); last lines of $work/fuzz.log:" >&2
        grep -E 'ERROR|runtime failure|Fatal error|Test unit written|SUMMARY| at /.*Sources/' "$work/fuzz.log" \
            | head -20 >&2 || tail -20 "$work/fuzz.log" >&2
        find "$work/artifacts" -type f -printf 'reproducer: %p\n' >&2
    fi
done

echo "== fuzz summary (${seconds}s per target, $config build)"
printf '%s\n' "${summary[@]}"
exit "$failed"
