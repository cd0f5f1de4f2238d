#!/usr/bin/env bash
# A full disk pauses the coordinator; it resumes when space returns (docs/operations.md,
# "When the store is full or damaged"). The store lives on a small file system that is
# filled with `dd` once version 2 is committed and freed FEDTWIN_FULL_SECONDS later; two
# `noop` sites over plain TCP on 127.0.0.1. Prints the coordinator's progress lines about
# the pause, its exit status, `models verify --all --replay` and the store-paused/resumed
# audit entries. Needs root for the tmpfs mount (or FEDTWIN_SMALL_FS: an existing, empty,
# small file system's mount point, which it fills).
#
#   sudo scripts/disk-full.sh
#
# Environment: FEDTWIN_BIN [.build/debug], FEDTWIN_SMALL_FS [a fresh 2 MiB tmpfs],
#              FEDTWIN_FULL_SECONDS [12]
set -euo pipefail
BIN=$(cd "${FEDTWIN_BIN:-.build/debug}" && pwd)
FULL_SECONDS=${FEDTWIN_FULL_SECONDS:-12}
if [ -n "${FEDTWIN_SMALL_FS:-}" ]; then
    D=$FEDTWIN_SMALL_FS
else
    D=$(mktemp -d /tmp/fedtwin-small-fs.XXXXXX)
    mount -t tmpfs -o size=2m tmpfs "$D"
    trap 'cd /; umount "$D"; rmdir "$D"' EXIT
fi
LOGS=$(mktemp -d /tmp/fedtwin-disk-full.XXXXXX)
cd "$D"
"$BIN/fedtwin" keygen --name coordinator --out keys > "$LOGS/keygen.out"
FP=$(grep '^fingerprint:' "$LOGS/keygen.out" | awk '{print $2}')
for s in site-a site-b; do "$BIN/fedtwin" keygen --name $s --out keys > /dev/null; done
"$BIN/fedtwin" store init --store store --component noop --coordinator-key keys/coordinator.key > /dev/null 2>&1
for s in site-a site-b; do
    "$BIN/fedtwin" enroll --store store --name $s --key keys/$s.pub --coordinator-key keys/coordinator.key > /dev/null
done
"$BIN/fedtwin-coordinator" --store store --key keys/coordinator.key --insecure --port 0 --port-file "$LOGS/port" \
    --min-sites 2 --rounds 8 --round-deadline 3 --evaluation-deadline 2 > "$LOGS/coordinator.out" 2>&1 &
COORDINATOR=$!
for _ in $(seq 1 40); do [ -s "$LOGS/port" ] && break; sleep 0.25; done
PORT=$(cat "$LOGS/port")
for s in site-a site-b; do
    "$BIN/fedtwin-site" --name $s --key keys/$s.key --component noop --insecure --coordinator 127.0.0.1:"$PORT" \
        --coordinator-fingerprint "$FP" --log "$LOGS/$s-sent.log" > "$LOGS/$s.out" 2>&1 &
done
for _ in $(seq 1 120); do grep -q "committed version 2" "$LOGS/coordinator.out" && break; sleep 0.25; done
dd if=/dev/zero of="$D/fill" bs=4k 2> /dev/null || true
echo "filled: $(df -k "$D" | tail -1)"
sleep "$FULL_SECONDS"
rm -f "$D/fill"
echo "freed space"
STATUS=0
wait $COORDINATOR || STATUS=$?
wait || true
grep -E "PAUSED|resumed|committed version|finished" "$LOGS/coordinator.out" | cut -c1-240
echo "coordinator exit status: $STATUS"
"$BIN/fedtwin" models verify --store store --all --replay | tail -1
"$BIN/fedtwin" audit show --store store | grep -E "store-(paused|resumed)"
echo "logs: $LOGS"
