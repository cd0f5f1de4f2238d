#!/usr/bin/env bash
# The protocol's own floor for a round, on this machine: scripts/bench-floor.c (C, plain
# TCP on 127.0.0.1, one thread per process, no TLS, no JSON) does only the signatures and
# messages a FedTwin round requires. Compare its figure with scripts/bench-rounds.sh.
#   scripts/bench-floor.sh [SITES] [ROUNDS] [PARAMS]
# Defaults: 10 sites, 300 rounds, 10,000 parameters. The manifest goes to
# FEDTWIN_BENCH_STORE_DIR (default /dev/shm) and is fsynced; FEDTWIN_FLOOR_FSYNC=0 skips it.
# Variants for comparison: FEDTWIN_FLOOR_ACKS=0 (no per-update ack), FEDTWIN_FLOOR_CRYPTO=0
# (no SHA-256/Ed25519 at all: the messages alone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-floor.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
# gcc from Debian, or the clang that comes with the Swift toolchain.
CC="${CC:-$(command -v gcc || command -v clang || true)}"
[[ -n "$CC" ]] || { echo "bench-floor.sh: needs a C compiler (apt-get install gcc)" >&2; exit 1; }
# shellcheck disable=SC2046
"$CC" -O2 -Wall -Wextra -o "$OUT/bench-floor" scripts/bench-floor.c $(pkg-config --cflags --libs libcrypto)
DIR="${FEDTWIN_BENCH_STORE_DIR:-/dev/shm}"
"$OUT/bench-floor" "${1:-10}" "${2:-300}" "${3:-10000}" "$DIR" "${FEDTWIN_FLOOR_FSYNC:-1}" \
    "${FEDTWIN_FLOOR_ACKS:-1}" "${FEDTWIN_FLOOR_CRYPTO:-1}"
