#!/usr/bin/env bash
# Validation and release end to end (docs/validation.md): a plan set before training, two
# `noop` sites over plain TCP on 127.0.0.1 for 2 rounds (each version is evaluated and
# validated as its evaluations are recorded), two persons, approve + release, the
# refusals the rules demand, `models list` / `show` / `verify`, and the release package
# (`models export --format package`, `package verify` with the store moved away).
#
#   scripts/release-demo.sh            (FEDTWIN_BIN [.build/debug]; SCREENSHOT=FILE.png to
#                                       screenshot the report in headless Chromium)
set -uo pipefail
BIN=$(cd "${FEDTWIN_BIN:-.build/debug}" && pwd)
D=$(mktemp -d /tmp/fedtwin-release-demo.XXXXXX)
cd "$D"
F="$BIN/fedtwin"
"$F" keygen --name coordinator --out keys > keygen.out
FP=$(grep '^fingerprint:' keygen.out | awk '{print $2}')
for s in site-a site-b; do "$F" keygen --name $s --out keys > /dev/null; done
"$F" store init --store store --component noop --coordinator-key keys/coordinator.key > /dev/null 2>&1
for s in site-a site-b; do "$F" enroll --store store --name $s --key keys/$s.pub --coordinator-key keys/coordinator.key > /dev/null; done
printf 'anna-passphrase\n' > anna.pass; printf 'ben-passphrase\n' > ben.pass; chmod 600 anna.pass ben.pass
"$F" person enroll --store store --name qa-anna --printed-name "Anna Example" --role qa --key-out anna.key --passphrase-file anna.pass --coordinator-key keys/coordinator.key
"$F" person enroll --store store --name po-ben --printed-name "Ben Example" --role process-owner --key-out ben.key --passphrase-file ben.pass --coordinator-key keys/coordinator.key
cat > plan.json <<'PLAN'
{"intendedUse": "demo: noop component", "minimumSites": 2,
 "thresholds": [{"metric": "loss", "atMost": 0.1}],
 "baselineBounds": [{"metric": "loss", "maxIncrease": 0}]}
PLAN
echo "--- plan set (authored by qa-anna)"
"$F" plan set --store store --file plan.json --as anna.key --passphrase-file anna.pass --coordinator-key keys/coordinator.key
"$BIN/fedtwin-coordinator" --store store --key keys/coordinator.key --insecure --port 0 --port-file port \
    --min-sites 2 --rounds 2 --round-deadline 3 --evaluation-deadline 3 > coordinator.out 2>&1 &
COORDINATOR=$!
for _ in $(seq 1 40); do [ -s port ] && break; sleep 0.25; done
for s in site-a site-b; do
    "$BIN/fedtwin-site" --name $s --key keys/$s.key --component noop --insecure --coordinator 127.0.0.1:"$(cat port)" \
        --coordinator-fingerprint "$FP" --log $s-sent.log > $s.out 2>&1 &
done
wait $COORDINATOR; echo "coordinator exit status: $?"
wait
echo "--- approve 2 as the process owner (no qa role): refused"
"$F" models approve 2 --store store --as ben.key --passphrase-file ben.pass --coordinator-key keys/coordinator.key; echo "exit $?"
echo "--- release 2 before approval: refused"
"$F" models release 2 --store store --as ben.key --passphrase-file ben.pass --coordinator-key keys/coordinator.key; echo "exit $?"
echo "--- approve 2 with a wrong passphrase: refused"
printf 'wrong\n' > wrong.pass
"$F" models approve 2 --store store --as anna.key --passphrase-file wrong.pass --coordinator-key keys/coordinator.key; echo "exit $?"
echo "--- approve 2 (qa-anna), release 2 (po-ben)"
"$F" models approve 2 --store store --as anna.key --passphrase-file anna.pass --coordinator-key keys/coordinator.key --reason "meets plan 1"
"$F" models release 2 --store store --as anna.key --passphrase-file anna.pass --coordinator-key keys/coordinator.key; echo "exit $? (the approver lacks the releasing role; four eyes with one person holding both roles: LifecycleTests)"
"$F" models release 2 --store store --as ben.key --passphrase-file ben.pass --coordinator-key keys/coordinator.key
echo "--- models list"
"$F" models list --store store
echo "--- models show 2 (lifecycle part)"
"$F" models show 2 --store store | sed -n '/^state:/,$p'
echo "--- models verify"
"$F" models verify --store store | grep -E "signature|validation|plan|^OK|^FAILED"
echo "--- audit (signing events)"
"$F" audit show --store store | grep -E "plan-set|validation-recorded|signature-|signing-locked|person-" | cut -c1-200
echo "--- reviewer's report"
"$F" report --store store --out report.html
if [ -n "${SCREENSHOT:-}" ] && command -v chromium > /dev/null; then
    chromium --headless --no-sandbox --disable-gpu --screenshot="$SCREENSHOT" --window-size=1200,1500 "file://$D/report.html" 2> /dev/null
fi
echo "--- release package of version 2, verified without the store"
"$F" models export 2 --store store --format package --out package --coordinator-key keys/coordinator.key
mv store store-away
"$F" package verify package --coordinator-fingerprint "$FP" | grep -E "^✗|lifecycle|audit segment|validation|^OK|^FAILED"
echo "--- a site fetches the release (coordinator and signers pinned), no store, no training session"
# The persons' fingerprints, as the site would obtain them from the QA department (here: their enrolment files).
ANNA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' store-away/persons/qa-anna.json)
BEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' store-away/persons/po-ben.json)
cp -r package site-package
"$BIN/fedtwin-site" fetch --package site-package --channel production --coordinator-fingerprint "$FP" \
    --signer "qa-anna=$ANNA" --signer "po-ben=$BEN" --releases site-releases | grep -E "^✗|release|^installed|^REFUSED"
echo "--- the same fetch with another key pinned for po-ben: refused"
"$BIN/fedtwin-site" fetch --package site-package --channel production --coordinator-fingerprint "$FP" \
    --signer "qa-anna=$ANNA" --signer "po-ben=0123456789abcdef" --releases site-releases | grep -E "^✗|^installed|^REFUSED"; echo "exit ${PIPESTATUS[0]}"
echo "--- the same package with one byte of the model card changed"
printf ' ' >> package/MODEL-CARD.md
"$F" package verify package --coordinator-fingerprint "$FP" | grep -E "^✗|^OK|^FAILED"
mv store-away store
echo "dir: $D"
