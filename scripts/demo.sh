#!/usr/bin/env bash
# The one-command demo. For now (foundation stage) it shows the wire format end to end:
# generate two identities, sign a compressed int8 update with one, inspect and verify it,
# and show that the other key is refused.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "== building (release)" >&2
swift build -c release --product fedtwin >&2
BIN="$(swift build -c release --show-bin-path)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-demo.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== keys" 
"$BIN/fedtwin" keygen --name site-a --out "$WORK/keys"
"$BIN/fedtwin" keygen --name coordinator --out "$WORK/keys"

echo
echo "== a 100k-parameter update, int8 blockwise + zlib, signed by site-a"
"$BIN/fedtwin" frame sample --key "$WORK/keys/site-a.key" --out "$WORK/update.ftw" --params 100000 --encoding q8

echo
echo "== inspect and verify with site-a's public key"
"$BIN/fedtwin" frame inspect "$WORK/update.ftw" --key "$WORK/keys/site-a.pub" | grep -v '^ \|^{\|^}'

echo
echo "== verify with the coordinator's key instead (must be refused)"
if "$BIN/fedtwin" frame inspect "$WORK/update.ftw" --key "$WORK/keys/coordinator.pub" >"$WORK/wrong.txt" 2>&1; then
    echo "UNEXPECTED: a frame verified with the wrong key" >&2
    exit 1
fi
tail -n 1 "$WORK/wrong.txt"
echo
echo "demo finished: the frame verified with its signer's key and was refused with another."
