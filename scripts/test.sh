#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), builds, runs the Swift
# test suite, then checks every protocol vector with the independent Python checker.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== swift build" >&2
swift build --build-tests

echo "== swift test" >&2
swift test --skip-build

echo "== protocol vectors (independent Python checker)" >&2
python3 protocol/checker/check_vectors.py
