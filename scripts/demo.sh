#!/usr/bin/env bash
# The one-command demo: a local federation on 127.0.0.1.
#   builds (release), generates keys for a coordinator and three sites, creates the model
#   store for the hybrid bioreactor twin, enrols the sites, simulates each site's batch
#   records, runs the coordinator and three site workers for 5 rounds, stops everything
#   it started, then lists the versions and verifies them (with replay).
# The work directory is kept (path printed at the end) so the store can be inspected:
#   fedtwin models show 3 --store DIR/store
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

ROUNDS="${FEDTWIN_DEMO_ROUNDS:-5}"
COMPONENT="${FEDTWIN_DEMO_COMPONENT:-hybrid-bioreactor}"
SITES=(site-a site-b site-c)

bash scripts/setup.sh
echo "== building (release)" >&2
swift build -c release >&2
BIN="$(swift build -c release --show-bin-path)"

WORK="${FEDTWIN_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-demo.XXXXXX")}"
mkdir -p "$WORK"
cd "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== keys (in $WORK/keys)"
mkdir -p keys
"$BIN/fedtwin" keygen --name coordinator --out keys > keys/coordinator.txt
FINGERPRINT="$(awk '/^fingerprint:/ {print $2}' keys/coordinator.txt)"
echo "coordinator fingerprint (pinned by every site): $FINGERPRINT"
for s in "${SITES[@]}"; do "$BIN/fedtwin" keygen --name "$s" --out keys >/dev/null; done

echo "== store for $COMPONENT, enrolment"
"$BIN/fedtwin" store init --store store --component "$COMPONENT" --coordinator-key keys/coordinator.key
for s in "${SITES[@]}"; do
    "$BIN/fedtwin" enroll --store store --name "$s" --key "keys/$s.pub" --coordinator-key keys/coordinator.key
done

echo "== simulated batch records (each site keeps its own)"
for s in "${SITES[@]}"; do
    "$BIN/fedtwin" data simulate --site "$ROOT/sites/$s" --out "data/$s"
done

echo "== federation: coordinator + ${#SITES[@]} sites, $ROUNDS rounds"
"$BIN/fedtwin-coordinator" --store store --key keys/coordinator.key --host 127.0.0.1 --port 0 --port-file coordinator.port \
    --rounds "$ROUNDS" --min-sites "${#SITES[@]}" --round-deadline 300 --evaluation-deadline 120 2> >(tee coordinator.log >&2) &
COORDINATOR=$!
PIDS+=("$COORDINATOR")
for _ in $(seq 1 100); do [[ -s coordinator.port ]] && break; sleep 0.1; done
[[ -s coordinator.port ]] || { echo "coordinator did not start; see $WORK/coordinator.log" >&2; exit 1; }
for s in "${SITES[@]}"; do
    "$BIN/fedtwin-site" --name "$s" --key "keys/$s.key" --data "data/$s/data.json" --component "$COMPONENT" \
        --coordinator "127.0.0.1:$(cat coordinator.port)" --coordinator-fingerprint "$FINGERPRINT" --log "$s-sent.log" 2> "$s.log" &
    PIDS+=("$!")
done
wait "$COORDINATOR"
cleanup
PIDS=()

echo
echo "== fedtwin models list"
"$BIN/fedtwin" models list --store store
echo
echo "== fedtwin models verify --all --replay"
"$BIN/fedtwin" models verify --all --replay --store store | tail -n 3
echo
echo "demo directory: $WORK (store: $WORK/store; site logs: $WORK/site-*-sent.log)"
