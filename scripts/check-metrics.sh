#!/usr/bin/env bash
# Checks the coordinator's /metrics with the real tools (issue 16):
#   installs Debian's prometheus if missing (apt-get update once, as root), starts a small
#   demo federation (coordinator with --http, three sites, as scripts/demo.sh does), makes
#   one refusal (a site whose key is not enrolled: unknown-key), runs a real Prometheus
#   server scraping the coordinator every second, then asks Prometheus's HTTP API for
#   fedtwin_rounds_committed_total and fedtwin_refusals_total{code="unknown-key"} and checks
#   them against the store's audit log; `promtool check metrics` must pass on /metrics.
#   With SCREENSHOT=path it also renders the status page in headless Chromium.
# Builds debug by default (FEDTWIN_BUILD=release for release). Work dir kept, path printed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROUNDS="${ROUNDS:-3}"
COMPONENT="${COMPONENT:-titre-regressor}"
SITES=(site-a site-b site-c)
CONFIG="${FEDTWIN_BUILD:-debug}"

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    [[ $(id -u) == 0 ]] || { echo "prometheus is not installed and this is not root: apt-get install prometheus" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
swift build -c "$CONFIG" >&2
BIN="$(swift build -c "$CONFIG" --show-bin-path)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-metrics.XXXXXX")"
cd "$WORK"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p keys
"$BIN/fedtwin" keygen --name coordinator --out keys > keys/coordinator.txt
FINGERPRINT="$(awk '/^fingerprint:/ {print $2}' keys/coordinator.txt)"
for s in "${SITES[@]}" stranger; do "$BIN/fedtwin" keygen --name "$s" --out keys >/dev/null; done
"$BIN/fedtwin" store init --store store --component "$COMPONENT" --coordinator-key keys/coordinator.key >/dev/null
for s in "${SITES[@]}"; do
    "$BIN/fedtwin" enroll --store store --name "$s" --key "keys/$s.pub" --coordinator-key keys/coordinator.key >/dev/null
    "$BIN/fedtwin" data simulate --site "$ROOT/sites/$s" --out "data/$s" >/dev/null
done

HTTP_PORT="$(free_port)"
PROM_PORT="$(free_port)"
# More rounds than are run: once ROUNDS are committed the sites stop and the coordinator
# waits for quorum, so the counters stand still while Prometheus scrapes them.
"$BIN/fedtwin-coordinator" --store store --key keys/coordinator.key --host 127.0.0.1 --port 0 --port-file coordinator.port \
    --http "127.0.0.1:$HTTP_PORT" --rounds 1000 --min-sites "${#SITES[@]}" --round-deadline 120 --evaluation-deadline 60 \
    2> coordinator.log &
PIDS+=("$!")
for _ in $(seq 1 100); do [[ -s coordinator.port ]] && break; sleep 0.1; done
[[ -s coordinator.port ]] || { echo "coordinator did not start; see $WORK/coordinator.log" >&2; exit 1; }
URL="http://127.0.0.1:$HTTP_PORT"

cat > prometheus.yml <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: fedtwin
    static_configs: [{targets: ["127.0.0.1:$HTTP_PORT"]}]
YML
prometheus --config.file=prometheus.yml --storage.tsdb.path=tsdb --web.listen-address="127.0.0.1:$PROM_PORT" 2> prometheus.log &
PIDS+=("$!")

# One refusal: a key that is not enrolled (refused as unknown-key, audited as hello-refused).
timeout 20 "$BIN/fedtwin-site" --name stranger --key keys/stranger.key --data data/site-a/data.json --component "$COMPONENT" \
    --coordinator "127.0.0.1:$(cat coordinator.port)" --coordinator-fingerprint "$FINGERPRINT" 2> stranger.log || true
SITE_PIDS=()
for s in "${SITES[@]}"; do
    "$BIN/fedtwin-site" --name "$s" --key "keys/$s.key" --data "data/$s/data.json" --component "$COMPONENT" \
        --coordinator "127.0.0.1:$(cat coordinator.port)" --coordinator-fingerprint "$FINGERPRINT" 2> "$s.log" &
    PIDS+=("$!"); SITE_PIDS+=("$!")
done
committed() { curl -sf "$URL/metrics" | awk '$1 == "fedtwin_rounds_committed_total" {print $2}'; }
for _ in $(seq 1 600); do [[ "$(committed)" -ge "$ROUNDS" ]] 2>/dev/null && break; sleep 0.5; done
# While the sites are still connected (the next round is under way).
if [[ -n "${SCREENSHOT:-}" ]]; then
    chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=3000 --screenshot="$SCREENSHOT" --window-size=1280,900 "$URL/" 2>/dev/null
    echo "screenshot: $SCREENSHOT"
fi
kill "${SITE_PIDS[@]}"; wait "${SITE_PIDS[@]}" 2>/dev/null || true
sleep 4  # the coordinator notices the sites leaving; Prometheus scrapes the settled values


curl -sf "$URL/metrics" > metrics.txt
promtool check metrics < metrics.txt
echo "promtool check metrics: passed"
# Every metric the Grafana dashboard queries is one the coordinator exposes.
python3 - "$ROOT/docs/grafana-dashboard.json" metrics.txt <<'PY'
import json, re, sys
dashboard, exposed = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
names = {n for p in dashboard["panels"] for t in p["targets"] for n in re.findall(r"\b(?:fedtwin|process)_[a-z_]+", t["expr"])}
missing = sorted(n for n in names if not re.search(r"^" + n + r"[ {]", exposed, re.M))
if missing: sys.exit("grafana-dashboard.json uses metrics /metrics does not expose: " + ", ".join(missing))
print(f"grafana dashboard: all {len(names)} metric names exposed")
PY

query() {
    curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}
for _ in $(seq 1 20); do [[ "$(query up)" == 1 ]] && break; sleep 0.5; done
PROM_COMMITTED="$(query 'fedtwin_rounds_committed_total{job="fedtwin"}')"
PROM_UNKNOWN="$(query 'fedtwin_refusals_total{job="fedtwin",code="unknown-key"}')"
"$BIN/fedtwin" audit show --store store --json > audit.json
read -r AUDIT_COMMITTED AUDIT_UNKNOWN < <(python3 - <<'PY'
import json
entries = json.load(open("audit.json"))
entries = entries["entries"] if isinstance(entries, dict) else entries
c = sum(1 for e in entries if e["event"] == "version-committed" and e["data"].get("round") != "0")
u = sum(1 for e in entries if e["event"] in ("hello-refused", "frame-refused", "connection-refused") and e["data"].get("code") == "unknown-key")
print(c, u)
PY
)
echo "rounds committed: prometheus $PROM_COMMITTED, audit log $AUDIT_COMMITTED"
echo "refusals unknown-key: prometheus $PROM_UNKNOWN, audit log $AUDIT_UNKNOWN"
[[ "$PROM_COMMITTED" == "$AUDIT_COMMITTED" && "$PROM_COMMITTED" -ge "$ROUNDS" ]] || { echo "FAIL: rounds committed differ" >&2; exit 1; }
[[ "$PROM_UNKNOWN" == "$AUDIT_UNKNOWN" && "$PROM_UNKNOWN" -ge 1 ]] || { echo "FAIL: unknown-key refusals differ" >&2; exit 1; }
"$BIN/fedtwin" status --coordinator "$URL"
echo "check-metrics: passed (work dir $WORK)"
