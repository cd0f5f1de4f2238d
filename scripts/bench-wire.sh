#!/usr/bin/env bash
# Wire-format benchmark (release build): stage timings, sizes per encoding, recorded errors,
# and the decode path against the sum of its primitives. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product fedtwin >&2
"$(swift build -c release --show-bin-path)/fedtwin" bench wire "$@"
