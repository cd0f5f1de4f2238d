#!/usr/bin/env bash
# Runs the recipes in README.md and docs/operations.md exactly as written, so that the
# docs cannot drift from what the tools do. A recipe is the fenced block that follows a
# `<!-- recipe: ... -->` comment; the comment's first word says how it is checked:
#   run        a shell block, run with bash from the checkout (README: one shell session,
#              blocks in order; docs/operations.md: each block in a fresh directory with
#              the release binaries on PATH)
#   transcript `$ command` lines run in a fresh directory; the lines after each must be
#              the command's output (stdout and stderr)
#   coordinator-config / site-config
#              a JSON config file: the executable must accept it and stop only at the
#              first file it names that does not exist here (the store or the key)
# Needs: a release build (the README recipe makes one). About 2–4 minutes on 2 cores.
# RECIPES_TIMEOUT (seconds per shell block, default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TIMEOUT="${RECIPES_TIMEOUT:-900}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-recipes.XXXXXX")"
failures=0

# extract FILE KIND: writes each recipe of that kind to $WORK/KIND-N (numbered in order)
extract() {
    python3 - "$1" "$2" "$WORK" <<'PY'
import re, sys
path, kind, work = sys.argv[1:]
text = open(path).read()
pattern = re.compile(r"<!-- recipe: (\S+)[^>]*-->\s*\n```[a-z]*\n(.*?)\n```", re.S)
n = 0
for match in pattern.finditer(text):
    if match.group(1) != kind:
        continue
    n += 1
    name = path.replace("/", "_")
    open(f"{work}/{name}-{kind}-{n}", "w").write(match.group(2) + "\n")
    print(f"{work}/{name}-{kind}-{n}")
PY
}

fail() {
    echo "FAILED: $*" >&2
    failures=$((failures + 1))
}

echo "== README.md: shell recipes, one session" >&2
readme_blocks=$(extract README.md run)
[[ -n "$readme_blocks" ]] || fail "README.md has no recipes"
session="$WORK/readme-session.sh"
{ echo "set -euo pipefail"; for block in $readme_blocks; do cat "$block"; done; } > "$session"
if ! timeout "$TIMEOUT" bash "$session" > "$WORK/readme.out" 2>&1; then
    tail -n 40 "$WORK/readme.out" >&2
    fail "README.md recipe (full output: $WORK/readme.out)"
fi

BIN="$(swift build -c release --show-bin-path)"
export PATH="$BIN:$PATH"

echo "== docs/operations.md: shell recipes" >&2
for block in $(extract docs/operations.md run); do
    dir="$(mktemp -d "$WORK/run.XXXXXX")"
    if ! (cd "$dir" && timeout "$TIMEOUT" bash -euo pipefail "$block" > "$dir/out" 2>&1); then
        tail -n 40 "$dir/out" >&2
        fail "$block"
    fi
done

echo "== docs/operations.md: transcripts" >&2
for block in $(extract docs/operations.md transcript); do
    dir="$(mktemp -d "$WORK/transcript.XXXXXX")"
    python3 - "$block" "$dir" <<'PY' || fail "$block"
import subprocess, sys
block, directory = sys.argv[1:]
lines = open(block).read().splitlines()
ok = True
i = 0
while i < len(lines):
    command = lines[i][2:]
    expected = []
    i += 1
    while i < len(lines) and not lines[i].startswith("$ "):
        expected.append(lines[i])
        i += 1
    result = subprocess.run(["bash", "-c", command], cwd=directory, capture_output=True, text=True)
    actual = (result.stdout + result.stderr).splitlines()
    if actual != expected:
        ok = False
        print(f"transcript: $ {command}\n  expected: {expected}\n  got:      {actual}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
done

echo "== docs/operations.md: config examples" >&2
check_config() { # KIND EXECUTABLE
    for block in $(extract docs/operations.md "$1"); do
        dir="$(mktemp -d "$WORK/config.XXXXXX")"
        cp "$block" "$dir/config.json"
        # Only the paths in the file are missing here: the first one named must be the
        # error, not a key of the file.
        first_path=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c.get("store") or c.get("key"))' "$dir/config.json")
        out=$(cd "$dir" && "$2" --config config.json 2>&1 || true)
        if [[ "$out" != *"$first_path"* ]] || [[ "$out" == *"config.json"* ]]; then
            echo "$out" | tail -n 5 >&2
            fail "$block: $2 did not accept it (expected it to stop at $first_path)"
        fi
    done
}
check_config coordinator-config fedtwin-coordinator
check_config site-config fedtwin-site

if [[ $failures -gt 0 ]]; then
    echo "$failures recipe check(s) failed; work directory $WORK" >&2
    exit 1
fi
echo "all recipes ran as written (work directory $WORK)" >&2
