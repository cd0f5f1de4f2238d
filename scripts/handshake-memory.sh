#!/usr/bin/env bash
# Issue 10, rule 2: what pending handshakes cost the coordinator (docs/security.md,
# "Before the handshake"). Starts a real coordinator over TLS, measures its resident memory
# idle, then while 32 clients with throw-away certificates each hold the largest frame a
# peer may send before its handshake (a hello prefix declaring a 16 KiB header, then all
# of that header but its last byte, so the frame never completes and the connection stays
# pending), then while 32 more send only a prefix declaring a 255 MiB body and 4 try to
# send a 200 MiB hello (the attacks of the issue). Prints the figures; exits non-zero if
# the peak is 64 MiB or more above idle.
#
#   scripts/handshake-memory.sh            # uses the debug build (swift build)
#   BIN=.build/release scripts/handshake-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$(swift build --show-bin-path)}"
[[ -x "$BIN/fedtwin-coordinator" ]] || swift build >&2
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-hsmem.XXXXXX")"
COORDINATOR=""
cleanup() {
    [[ -n "$COORDINATOR" ]] && kill "$COORDINATOR" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
mkdir keys
"$BIN/fedtwin" keygen --name coordinator --out keys > /dev/null
"$BIN/fedtwin" keygen --name stranger --out keys > /dev/null
"$BIN/fedtwin" store init --store store --component noop --coordinator-key keys/coordinator.key > /dev/null
"$BIN/fedtwin-coordinator" --store store --key keys/coordinator.key --host 127.0.0.1 --port 0 --port-file port \
    --rounds 1 --min-sites 1 --handshake-timeout 60 --log-level error 2> coordinator.log &
COORDINATOR=$!
for _ in $(seq 1 100); do [[ -s port ]] && break; sleep 0.1; done
[[ -s port ]] || { cat coordinator.log >&2; exit 1; }
sleep 1
python3 - "$COORDINATOR" "$(cat port)" keys/stranger.crt keys/stranger.key <<'PY'
import socket, ssl, struct, sys, threading, time
pid, port, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]

def status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise SystemExit(f"no {field}")

def connect():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))

def prefix(msg_type, header, body):
    return b"FTWF" + bytes([1, msg_type]) + b"\0\0" + struct.pack("<II", header, body)

HELLO = 1
MiB = 1 << 20
idle = status("VmRSS")
print(f"idle: resident {idle / MiB:.1f} MiB, virtual {status('VmSize') / MiB:.0f} MiB")

# 1. 32 pending handshakes, each holding the largest pre-handshake frame minus one byte.
held = []
for _ in range(32):
    s = connect()
    s.sendall(prefix(HELLO, 16 << 10, 0) + b"{" * ((16 << 10) - 1))
    held.append(s)
time.sleep(2)
pending = status("VmRSS")
print(f"32 pending handshakes holding 16 KiB hellos: resident {pending / MiB:.1f} MiB "
      f"(+{(pending - idle) / MiB:.1f} MiB), virtual {status('VmSize') / MiB:.0f} MiB")
for s in held:
    s.close()
time.sleep(1)

# 2. The issue's attacks: 32 prefixes declaring a 255 MiB body, 4 hellos of 200 MiB.
refused = 0
for _ in range(32):
    s = connect()
    s.sendall(prefix(HELLO, 100, 255 * MiB))
    held.append(s)
def big_hello():
    global refused
    try:
        s = connect()
        s.sendall(prefix(HELLO, 200 * MiB, 0) + b"{" * (200 * MiB))
    except OSError:
        refused += 1
threads = [threading.Thread(target=big_hello) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join(60)
time.sleep(1)
attacks = status("VmRSS")
print(f"32 prefixes declaring 255 MiB + 4 hellos of 200 MiB ({refused} cut off by the coordinator): "
      f"resident {attacks / MiB:.1f} MiB (+{(attacks - idle) / MiB:.1f} MiB), virtual {status('VmSize') / MiB:.0f} MiB")
peak = status("VmHWM")
print(f"peak resident over the run: {peak / MiB:.1f} MiB (+{(peak - idle) / MiB:.1f} MiB above idle; target < 64 MiB)")
sys.exit(0 if peak - idle < 64 * MiB else 1)
PY
