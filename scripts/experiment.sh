#!/usr/bin/env bash
# The evidence for federation, in one command:
#   builds the release executables, then runs `fedtwin experiment` on the default three
#   sites — each site alone, federated (a real fedtwin-coordinator and three fedtwin-site
#   processes over TCP on 127.0.0.1), pooled — for the hybrid twin and the network-only
#   baseline, with the mechanistic-only baseline alongside, and prints the results table.
# Extra arguments go to `fedtwin experiment` (e.g. --rounds 10 --epochs 10, --work DIR).
# Environment: FEDTWIN_SCRATCH (SwiftPM scratch path, default .build-exp-release).
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH="${FEDTWIN_SCRATCH:-.build-exp-release}"
bash scripts/setup.sh
echo "== building (release, scratch path $SCRATCH)" >&2
swift build -c release --scratch-path "$SCRATCH" >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

echo "== fedtwin experiment $*" >&2
exec "$BIN/fedtwin" experiment "$@"
