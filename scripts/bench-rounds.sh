#!/usr/bin/env bash
# Per-round time of a local federation (release build, loopback), printed as figures.
#   scripts/bench-rounds.sh [SITES] [ROUNDS] [COMPONENT] [PARAMS]
# Defaults: 10 sites, the no-op component (PARAMS parameters, default 10,000; training
# returns its input), 30 rounds, evaluation off. PARAMS applies to noop only; the store
# records it in its component schema, so `models verify --replay` needs nothing more.
# Round time = from sending the tasks to the committed version (progress line "committed
# version N ... in X s"); the median is over all rounds but the first.
# Set FEDTWIN_BENCH_STORE_DIR to put the store elsewhere (e.g. /dev/shm to take disk
# fsync latency out of the figure); by default it is on the same disk as $TMPDIR.
# Connections use TLS 1.3 as in deployment; FEDTWIN_BENCH_INSECURE=1 measures plain TCP.
# FEDTWIN_SCRATCH sets the SwiftPM scratch path (default .build).
# FEDTWIN_BENCH_CPU=1 runs each process under /usr/bin/time and prints the CPU (user+sys)
# of the coordinator and of all sites, per round; start-up is included, so compare two
# runs with different round counts to take it out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SITES="${1:-10}"
ROUNDS="${2:-30}"
COMPONENT="${3:-noop}"
PARAMS="${4:-}"
PARAMS_FLAG=()
[[ -n "$PARAMS" ]] && PARAMS_FLAG=(--params "$PARAMS")

bash scripts/setup.sh
SCRATCH="${FEDTWIN_SCRATCH:-.build}"
swift build -c release --scratch-path "$SCRATCH" >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-bench.XXXXXX")"
STORE_PARENT="${FEDTWIN_BENCH_STORE_DIR:-$WORK}"
STORE="$(mktemp -d "$STORE_PARENT/store.XXXXXX")"
rmdir "$STORE"
INSECURE=()
[[ -n "${FEDTWIN_BENCH_INSECURE:-}" ]] && INSECURE=(--insecure)
PIDS=()
TIMED=()
[[ -n "${FEDTWIN_BENCH_CPU:-}" ]] && TIMED=(/usr/bin/time -f "%U %S")
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n "${FEDTWIN_BENCH_KEEP:-}" ]] || rm -rf "$WORK" "$STORE"
}
trap cleanup EXIT
cd "$WORK"
mkdir -p keys
FP="$("$BIN/fedtwin" keygen --name coordinator --out keys | awk '/^fingerprint:/ {print $2}')"
"$BIN/fedtwin" store init --store "$STORE" --component "$COMPONENT" "${PARAMS_FLAG[@]}" --coordinator-key keys/coordinator.key >/dev/null
for i in $(seq 1 "$SITES"); do
    "$BIN/fedtwin" keygen --name "site-$i" --out keys >/dev/null
    "$BIN/fedtwin" enroll --store "$STORE" --name "site-$i" --key "keys/site-$i.pub" --coordinator-key keys/coordinator.key >/dev/null
done
"${TIMED[@]}" ${TIMED:+-o cpu-coordinator} "$BIN/fedtwin-coordinator" --store "$STORE" --key keys/coordinator.key --port 0 --port-file port --rounds "$ROUNDS" \
    --min-sites "$SITES" --evaluation-deadline 0 --log-level "${FEDTWIN_BENCH_LOG_LEVEL:-warning}" "${INSECURE[@]}" 2> coordinator.log &
COORD=$!
PIDS+=("$COORD")
for _ in $(seq 1 100); do [[ -s port ]] && break; sleep 0.1; done
for i in $(seq 1 "$SITES"); do
    DATA=()
    if [[ "$COMPONENT" != noop ]]; then
        PROFILE="site-$(printf '%b' "\\x$(printf '%x' $(( 97 + (i - 1) % 3 )))")"
        "$BIN/fedtwin" data simulate --site "$ROOT/sites/$PROFILE" --out "data/site-$i" >/dev/null
        DATA=(--data "data/site-$i/data.json")
    fi
    "${TIMED[@]}" ${TIMED:+-o "cpu-site-$i"} "$BIN/fedtwin-site" --name "site-$i" --key "keys/site-$i.key" --component "$COMPONENT" "${PARAMS_FLAG[@]}" "${DATA[@]}" \
        --coordinator "127.0.0.1:$(cat port)" --coordinator-fingerprint "$FP" --log "site-$i.log" --log-level warning "${INSECURE[@]}" 2> "site-$i.err" &
    PIDS+=("$!")
done
wait "$COORD"
echo "FedTwin round benchmark: $SITES sites, component $COMPONENT${PARAMS:+ ($PARAMS parameters)}, $ROUNDS rounds, store under $STORE_PARENT, ${INSECURE[*]:-TLS 1.3}"
grep -o 'committed version [0-9]* .* in [0-9.]* ms' coordinator.log | awk '{print $(NF-1)}' > times.txt || true
awk 'NR > 1 {print $1}' times.txt | sort -g > sorted.txt
N=$(wc -l < sorted.txt)
if [[ "$N" -lt 1 ]]; then echo "no rounds completed; see coordinator log:"; cat coordinator.log; exit 1; fi
MEDIAN=$(awk -v n="$N" 'NR == int((n + 1) / 2) {print $1}' sorted.txt)
MIN=$(head -1 sorted.txt)
MAX=$(tail -1 sorted.txt)
echo "round time (task sent → version committed), rounds 2..$ROUNDS: median $MEDIAN ms, min $MIN ms, max $MAX ms"
if [[ -n "${FEDTWIN_BENCH_CPU:-}" ]]; then
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    awk -v rounds="$ROUNDS" 'FNR == 1 { cpu = $1 + $2; if (FILENAME ~ /coordinator/) c += cpu; else s += cpu }
        END { printf "CPU (user+sys, start-up included) per round: coordinator %.2f ms, all sites %.2f ms, total %.2f ms\n", c / rounds * 1000, s / rounds * 1000, (c + s) / rounds * 1000 }' cpu-coordinator cpu-site-*
fi
