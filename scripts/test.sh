#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), builds, runs the Swift
# test suite, checks every protocol vector with the independent Python checker, then fuzzes
# each decoder briefly (scripts/fuzz.sh). FEDTWIN_CHECK_RECIPES=1 also runs the recipes of
# README.md and docs/operations.md as written (scripts/check-recipes.sh: a release build —
# `swift build -c release` took 423 s here on 2 shared cores — then about 1 minute), which
# is why it is not on by default.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== swift build" >&2
swift build --build-tests

# Serially: in parallel, Swift Testing runs every test on the cooperative pool, whose width
# is the core count. On a 2-core CI machine two CPU-bound tests (a training, a screening
# sweep) took both threads for ~30 s and every socket test with a deadline (read timeouts,
# handshake timeouts, connection limits) failed together (CI run of 8d6f26e). Serially the
# suite took 166 s here (`time swift test --skip-build --no-parallel`), with nothing starved.
echo "== swift test (serial)" >&2
swift test --skip-build --no-parallel

echo "== protocol vectors (independent Python checker)" >&2
python3 protocol/checker/check_vectors.py

# A brief libFuzzer run of each decoder from its seed corpus (docs/security.md "Fuzzing").
# Debug build: about a minute less to build than release, for a run this short.
# FEDTWIN_FUZZ_SECONDS sets the time per target; 0 skips.
fuzz_seconds="${FEDTWIN_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" != 0 ]; then
    echo "== fuzzing, ${fuzz_seconds} s per target (scripts/fuzz.sh)" >&2
    FUZZ_CONFIG=debug bash scripts/fuzz.sh "$fuzz_seconds"
fi

# The status endpoint against a real Prometheus server (installs Debian's prometheus as
# root if missing; about 70 s here after the build above). FEDTWIN_CHECK_METRICS=0 skips.
if [ "${FEDTWIN_CHECK_METRICS:-1}" = 1 ]; then
    echo "== /metrics scraped by a real Prometheus (scripts/check-metrics.sh)" >&2
    bash scripts/check-metrics.sh
fi

if [ "${FEDTWIN_CHECK_RECIPES:-0}" = 1 ]; then
    echo "== recipes in README.md and docs/operations.md (scripts/check-recipes.sh)" >&2
    bash scripts/check-recipes.sh
fi
