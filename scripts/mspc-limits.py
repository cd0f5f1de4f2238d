#!/usr/bin/env python3
"""Independent check of an mspc-monitor version's control limits (numpy/scipy, not Swift).

Reads the summed sufficient statistics of a version exported with
`fedtwin models export N --store STORE --format safetensors --out stats.safetensors`,
rebuilds the PCA monitor the way docs/twin.md describes it (global mean, covariance
(Σxxᵀ − n·μμᵀ)/(n−1), auto-scaling, correlation eigen-decomposition, A components) and
prints, at 95 % and 99 %:

* the T² limit A(n²−1)/(n(n−A))·F(A, n−A) (scipy.stats.f);
* the SPE limit by Jackson–Mudholkar (with h0) and by Box's g·χ²_h (scipy.stats.chi2);
* the SPE quantile of Σ_{j>A} λ_j·χ²₁ by Monte Carlo, the distribution both approximate.

Usage: python3 scripts/mspc-limits.py stats.safetensors [--components A] [--draws N]
       python3 scripts/mspc-limits.py --spectra    # JM and Box against Monte Carlo, 300 random spectra
       python3 scripts/mspc-limits.py --new-batches  # exceedance by new in-control batches vs n/p
"""
import argparse
import json
import struct

import numpy as np
from scipy import stats


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F64": "<f8", "F32": "<f4"}[entry["dtype"]]
        start, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype=dtype).astype(np.float64).reshape(entry["shape"])
    return out


def monitor(t, components=None, explained=0.9):
    n = float(t["mspc.count"][0])
    s = t["mspc.sum"]
    cross = t["mspc.cross"]
    mean = s / n
    cov = (cross - n * np.outer(mean, mean)) / (n - 1)
    var = np.diag(cov)
    constant = var <= 1e-10 * np.maximum(1, mean * mean)
    scale = np.where(constant, 1.0, np.sqrt(np.where(constant, 1.0, var)))
    corr = cov / np.outer(scale, scale)
    corr[constant, :] = 0
    corr[:, constant] = 0
    lam = np.clip(np.linalg.eigvalsh(corr)[::-1], 0, None)
    if components is None:
        frac = np.cumsum(lam) / lam.sum()
        components = int(np.argmax(frac >= explained - 1e-15) + 1)
    a = max(1, min(components, int(n) - 2, len(lam)))
    return n, a, lam


def limits(n, a, lam, draws, seed=1):
    res = lam[a:]
    t1, t2, t3 = res.sum(), (res ** 2).sum(), (res ** 3).sum()
    h0 = 1 - 2 * t1 * t3 / (3 * t2 * t2)
    g, h = t2 / t1, t1 * t1 / t2
    rng = np.random.default_rng(seed)
    big = res[res > 1e-12 * res.max()]
    q = np.zeros(draws)
    for start in range(0, draws, 20000):
        k = min(20000, draws - start)
        q[start:start + k] = (rng.chisquare(1, size=(k, len(big))) * big).sum(axis=1)
    out = {"n": n, "A": a, "residual_eigenvalues": int((res > 1e-12 * max(res.max(), 1e-300)).sum()),
           "theta": [t1, t2, t3], "h0": h0, "levels": {}}
    for level in (0.95, 0.99):
        z = stats.norm.ppf(level)
        inner = z * np.sqrt(2 * t2 * h0 * h0) / t1 + 1 + t2 * h0 * (h0 - 1) / (t1 * t1)
        jm = t1 * inner ** (1 / h0) if inner > 0 and h0 != 0 else float("nan")
        out["levels"][str(level)] = {
            "t2": a * (n * n - 1) / (n * (n - a)) * stats.f.ppf(level, a, n - a),
            "spe_jackson_mudholkar": jm,
            "spe_box": g * stats.chi2.ppf(level, h),
            "spe_monte_carlo": float(np.quantile(q, level)),
        }
    return out


def spectra():
    """Share of Σλχ²₁ draws above the JM and Box limits, by h0, over random residual spectra."""
    rng = np.random.default_rng(5)
    rows = []
    for trial in range(300):
        k = rng.integers(1, 150)
        if trial % 3 == 0:
            res = rng.exponential(1, k)
        elif trial % 3 == 1:
            res = np.exp(rng.normal(0, 2, k))
        else:
            res = np.concatenate([rng.uniform(1, 5, rng.integers(1, 4)), rng.uniform(0, 0.05, k)])
        q = (rng.chisquare(1, size=(100000, len(res))) * res).sum(1)
        n, a = 1e9, 0
        out = limits(n, a, np.sort(res)[::-1], 1000)
        for level in ("0.95", "0.99"):
            jm, box = out["levels"][level]["spe_jackson_mudholkar"], out["levels"][level]["spe_box"]
            rows.append((out["h0"], level, (q > jm).mean() if jm == jm else float("nan"), (q > box).mean()))
    for name, keep in (("h0 < 0", lambda h: h < 0), ("h0 >= 0", lambda h: h >= 0)):
        for level in ("0.95", "0.99"):
            r = np.array([(j, b) for h, lv, j, b in rows if lv == level and keep(h)])
            print(f"{name}, {level}: {len(r)} spectra; above JM {np.nanmin(r[:, 0]):.4f}-{np.nanmax(r[:, 0]):.4f}, "
                  f"above Box {r[:, 1].min():.4f}-{r[:, 1].max():.4f}")


def new_batches():
    """Exceedance of the Box SPE and F-based T² limits by new in-control batches, vs n/p."""
    rng = np.random.default_rng(2)

    def gen(n, w, strength):
        return 10 + (rng.normal(size=(n, len(strength))) * strength) @ w + rng.normal(size=(n, w.shape[1]))

    for n, p, k in [(200, 10, 3), (60, 20, 4), (40, 60, 5), (67, 147, 8), (20, 147, 8)]:
        acc = []
        for _ in range(20):
            w, strength = rng.normal(size=(k, p)), np.geomspace(3, 0.5, k)
            x, y = gen(n, w, strength), gen(2000, w, strength)
            mu, sd = x.mean(0), x.std(0, ddof=1)
            lam, v = np.linalg.eigh(np.corrcoef(x.T))
            lam, v = np.clip(lam[::-1], 0, None), v[:, ::-1]
            a = max(1, min(int(np.argmax(np.cumsum(lam) / lam.sum() >= 0.9) + 1), n - 2))
            out = limits(float(n), a, lam, 1000)
            z = (y - mu) / sd
            t = z @ v[:, :a]
            t2, spe = (t ** 2 / lam[:a]).sum(1), ((z - t @ v[:, :a].T) ** 2).sum(1)
            acc.append([(spe > out["levels"][lv]["spe_box"]).mean() for lv in ("0.95", "0.99")]
                       + [(t2 > out["levels"][lv]["t2"]).mean() for lv in ("0.95", "0.99")])
        m = np.mean(acc, axis=0)
        print(f"n {n}, p {p} (n/p {n / p:.2f}): new batches above SPE 95/99 % {m[0]:.3f} / {m[1]:.3f}, "
              f"T² 95/99 % {m[2]:.3f} / {m[3]:.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", nargs="?")
    p.add_argument("--spectra", action="store_true")
    p.add_argument("--new-batches", action="store_true")
    p.add_argument("--components", type=int)
    p.add_argument("--draws", type=int, default=200000)
    args = p.parse_args()
    if args.spectra:
        return spectra()
    if args.new_batches:
        return new_batches()
    n, a, lam = monitor(load_safetensors(args.file), args.components)
    print(json.dumps(limits(n, a, lam, args.draws), indent=2))


if __name__ == "__main__":
    main()
