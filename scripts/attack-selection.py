#!/usr/bin/env python3
"""Which sites' deltas each committed version actually followed, in one run of
scripts/attack-experiment.sh (docs/robustness.md, "Krum and non-IID sites").

    scripts/attack-selection.py BIN_DIR WORK RUN      e.g.  .build-attack/release /tmp/fedtwin-attack.X krum-scale10

For every version v ≥ 1 it takes the step P_v − P_(v−1) (`fedtwin models export --format
json`), decodes and signature-checks each contribution's update frame with the site's
public key (`fedtwin frame inspect --values --key`), and prints each delta's L2 norm, its
distance to the step, the unweighted mean of a subset of deltas that matches the step best
(Krum: one site; Multi-Krum: m sites; an exact match is distance ~0), and an independent
Krum choice (f = 1, n − f − 2 nearest neighbours) to cross-check the coordinator's.
Reads the store only; needs nothing but python3.
"""
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile

bin_dir, work, run = sys.argv[1:4]
store = os.path.join(work, run, "store")
fedtwin = os.path.join(bin_dir, "fedtwin")


def run_json(*args):
    return json.loads(subprocess.run([fedtwin, *args], check=True, capture_output=True, text=True).stdout)


def parameters(version):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([fedtwin, "models", "export", str(version), "--store", store, "--format", "json", "--out", out.name],
                       check=True, capture_output=True)
        exported = json.load(open(out.name))
    return [x for name in sorted(exported["parameters"]) for x in exported["parameters"][name]["values"]]


def delta(site, update):
    path = os.path.join(store, "objects", update[:2], update)
    key = os.path.join(work, "keys", site + ".pub")
    lines = subprocess.run([fedtwin, "frame", "inspect", path, "--values", "--key", key],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    tensors = {line.split()[1]: json.loads(lines[i + 1].strip()) for i, line in enumerate(lines) if line.startswith("tensor ")}
    return [x for name in sorted(tensors) for x in tensors[name]]


def norm(v):
    return math.sqrt(sum(x * x for x in v))


latest = run_json("models", "show", "latest", "--json", "--store", store)["version"]
previous = parameters(0)
for v in range(1, latest + 1):
    current = parameters(v)
    step = [a - b for a, b in zip(current, previous)]
    manifest = run_json("models", "show", str(v), "--json", "--store", store)["manifest"]
    deltas = {c["site"]: delta(c["site"], c["update"]) for c in manifest["contributions"]}
    names = sorted(deltas)
    cells = [f"{s}: |d| {norm(deltas[s]):.3f}, |step − d| {norm([a - b for a, b in zip(step, deltas[s])]):.3f}" for s in names]
    best = None
    for k in range(1, len(names) + 1):
        for subset in itertools.combinations(names, k):
            mean = [sum(deltas[s][i] for s in subset) / k for i in range(len(step))]
            distance = norm([a - b for a, b in zip(step, mean)])
            if best is None or distance < best[0]:
                best = (distance, subset)
    n = len(names)
    scores = {a: sum(sorted(sum((x - y) ** 2 for x, y in zip(deltas[a], deltas[b])) for b in names if b != a)[: n - 3]) for a in names}
    krum = min(names, key=lambda a: (scores[a], names.index(a)))
    print(f"v{v} |step| {norm(step):.3f} | " + "; ".join(cells)
          + f" | step = mean of {'+'.join(best[1])} (distance {best[0]:.1e}) | independent Krum f=1: {krum}")
    previous = current
