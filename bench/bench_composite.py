"""Benchmark of the composite-indicator engine (issue 3).

1. Pipeline on 1,000,000 units × 20 indicators in 1,200 cohorts: treat (COINr skew/kurtosis
   rule, winmax 5, log fallback), min–max 0–100 within cohorts, weighted arithmetic mean
   (indicators → 4 pillars → index, weights re-normalised over available data), ranks
   overall and within cohorts. kechuang (Polars/NumPy) against an idiomatic pandas
   implementation of the same steps (vectorised group-by transforms, no per-row Python),
   each in a forked child so its peak memory can be read; both must give the same numbers.
   Goals: ≤ 3 s and ≥ 5× faster than pandas.
2. Uncertainty analysis: 1,000 Monte Carlo runs on 200 units × 50 indicators (winmax 1–5,
   two normalisations, weights ±25 %, arithmetic vs geometric). Goal: ≤ 10 s. The baseline
   is the naive approach, one full pipeline run per draw, timed on a subset.

Run:  .venv/bin/python bench/bench_composite.py  [--units 1000000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import tempfile
import time

import numpy as np
import polars as pl

from kechuang.engines.composite import run, spec_from_dict
from kechuang.engines.composite.uncertainty import uncertainty

N_IND = 20
PILLARS = 4
COHORTS = 1200
AGGS = ("Index", "P0", "P1", "P2", "P3")
COMPARED = [*AGGS, *(f"{a}_rank" for a in AGGS), *(f"{a}_rank_cohort" for a in AGGS)]


def framework(n_ind: int, pillars: int, subindices: int | None = None) -> dict:
    """Indicators split evenly over pillars (optionally sub-indices); every third is a 'bad'."""
    items = [{"code": "Index"}]
    per = n_ind // pillars
    for p in range(pillars):
        parent = "Index" if not subindices else f"S{p % subindices}"
        items.append({"code": f"P{p}", "parent": parent, "weight": 1 + p % 2})
    for s in range(subindices or 0):
        items.append({"code": f"S{s}", "parent": "Index"})
    for i in range(n_ind):
        items.append(
            {
                "code": f"x{i:02d}",
                "parent": f"P{i // per}",
                "direction": -1 if i % 3 == 2 else 1,
                "weight": 1 + i % 3,
            }
        )
    return {"items": items}


def make_data(n: int, n_ind: int, cohorts: int, seed: int = 42) -> pl.DataFrame:
    """Skewed (log-normal) and plain (normal) indicators with 1 % missing values."""
    rng = np.random.default_rng(seed)
    cols = {
        "unit": np.char.add("U", np.arange(n).astype(str)),
        "cohort": (rng.integers(0, cohorts, n)).astype(np.int32),
    }
    for i in range(n_ind):
        x = rng.lognormal(2.0, 1.0, n) if i % 2 == 0 else rng.normal(50.0, 10.0, n)
        x[rng.random(n) < 0.01] = np.nan
        cols[f"x{i:02d}"] = x
    return pl.DataFrame(cols).with_columns(pl.selectors.float().fill_nan(None))


def bench_spec(fw: dict) -> object:
    """treat → normalise within cohorts → aggregate, ranks also within cohorts."""
    return spec_from_dict(
        {
            "framework": fw,
            "data": {"unit": "unit", "groups": ["cohort"]},
            "steps": [
                {"treat": {"winmax": 5, "skew_threshold": 2.0, "kurt_threshold": 3.5}},
                {"normalise": {"method": "minmax", "range": [0, 100], "by": ["cohort"]}},
                {"aggregate": {"method": "arithmetic"}},
            ],
            "rank": {"within": ["cohort"]},
        }
    )


# ----------------------------------------------------------------- pandas baseline


def pandas_pipeline(pdf, fw: dict):
    """The same steps in idiomatic pandas: Series.skew/kurt (the same type-2 estimators),
    groupby().transform for cohorts, column arithmetic for the means, rank(method='min')."""
    import pandas as pd

    items = {i["code"]: i for i in fw["items"]}
    inds = [c for c in pdf.columns if c.startswith("x")]
    out = pd.DataFrame({"unit": pdf["unit"], "cohort": pdf["cohort"]})
    for c in inds:
        s = pdf[c]
        fails = lambda v: abs(v.skew()) >= 2.0 and v.kurt() >= 3.5
        if fails(s):
            w = s.copy()
            moved = 0
            while fails(w) and moved < 5:
                high = w.skew() >= 0
                ext = w.max() if high else w.min()
                at = w == ext
                nxt = w[~at].max() if high else w[~at].min()
                w = w.mask(at, nxt)
                # points that differ from the original; NaN != NaN, so missing values are
                # excluded (counting them stopped the loop after one step)
                moved = int((w.ne(s) & s.notna()).sum())
            if fails(w):
                w = np.log(s - s.min() + 0.01 * (s.max() - s.min()))
            s = w
        out[c] = s * items[c].get("direction", 1)
    g = out.groupby("cohort")[inds]
    mn, mx = g.transform("min"), g.transform("max")
    out[inds] = (out[inds] - mn) / (mx - mn) * 100.0
    levels = {}
    for code, it in items.items():
        if it.get("parent"):
            levels.setdefault(it["parent"], []).append(code)
    order = (
        [p for p in levels if p.startswith("P")]
        + [p for p in levels if p.startswith("S")]
        + ["Index"]
    )
    for parent in order:
        kids = levels[parent]
        w = pd.Series({k: float(items[k].get("weight", 1)) for k in kids})
        vals = out[kids]
        num = vals.mul(w).sum(axis=1, min_count=1)
        den = vals.notna().mul(w).sum(axis=1)
        out[parent] = num / den.where(den > 0)
    # the same results table as kechuang: every aggregate's rank, overall and within cohort,
    # sorted by the index rank
    for parent in order[::-1]:
        out[f"{parent}_rank"] = out[parent].rank(method="min", ascending=False)
        out[f"{parent}_rank_cohort"] = out.groupby("cohort")[parent].rank(
            method="min", ascending=False
        )
    table = out.sort_values("Index_rank", kind="stable")
    return out, table


# ----------------------------------------------------------------- child processes


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, units: int, fw: dict, path: str, q) -> None:
    # each child regenerates the (seeded, identical) data: forking after Polars has started
    # its thread pool can deadlock, and spawning avoids copying a million rows between processes
    df = make_data(units, N_IND, COHORTS)
    # warm up on a small slice first (imports, thread pools), the same for both sides
    warm = df.head(20_000)
    if kind == "kechuang":
        run(bench_spec(fw), warm)
    else:
        import pandas as pd

        pandas_pipeline(pd.DataFrame({c: warm.get_column(c).to_numpy() for c in warm.columns}), fw)
    before = _rss_mb()
    cpu0 = os.times()
    if kind == "kechuang":
        t = time.perf_counter()
        res = run(bench_spec(fw), df)
        elapsed = time.perf_counter() - t
        cpu = _cpu_since(cpu0)
        # compare in input order
        table = res.aggregated.select("unit").join(
            res.table, on="unit", how="left", maintain_order="left"
        )
        arrays = {c: table.get_column(c).to_numpy().astype(float) for c in COMPARED}
    else:
        import pandas as pd

        pdf = pd.DataFrame({c: df.get_column(c).to_numpy() for c in df.columns})
        t = time.perf_counter()
        out, _ = pandas_pipeline(pdf, fw)
        elapsed = time.perf_counter() - t
        cpu = _cpu_since(cpu0)
        arrays = {c: out[c].to_numpy(dtype=float) for c in COMPARED}
    np.savez(path, **arrays)
    q.put((elapsed, _rss_mb(), before, cpu))


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other work shares the cores."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _cpu_since(start: os.times_result) -> float:
    """CPU seconds (user + system, every thread) since `start`: on a loaded machine the wall
    time says how much of the cores the run got, the CPU time how much work it did."""
    now = os.times()
    return now.user - start.user + now.system - start.system


def timed_child(kind: str, units: int, fw: dict, path: str) -> tuple[float, float, float, float]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(kind, units, fw, path, q))
    p.start()
    p.join()
    if p.exitcode != 0:
        raise SystemExit(f"{kind} child failed (exit code {p.exitcode})")
    return q.get()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--ua-runs", type=int, default=1000)
    args = ap.parse_args()
    import pandas as pd

    print(
        f"machine: {os.cpu_count()} cores, load {_load()}; "
        f"polars {pl.__version__}, numpy {np.__version__}, pandas {pd.__version__}"
    )

    fw = framework(N_IND, PILLARS)
    print(
        f"data: {args.units:,} units × {N_IND} indicators, {COHORTS} cohorts, 1 % missing",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        ours = timed_child("kechuang", args.units, fw, f"{tmp}/k.npz")
        base = timed_child("pandas", args.units, fw, f"{tmp}/p.npz")
        a, b = np.load(f"{tmp}/k.npz"), np.load(f"{tmp}/p.npz")
        for key in a.files:
            np.testing.assert_allclose(
                a[key], b[key], rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=key
            )
    print("same numbers: all 5 aggregate scores (rtol 1e-9) and their 10 rank columns agree")
    print(
        f"{'pipeline (treat, normalise in cohorts, aggregate, rank)':58s} {'time':>8s} {'peak RSS':>10s}"
    )
    print(
        f"{'  kechuang (Polars/NumPy)':58s} {ours[0]:7.2f}s {ours[1]:8.0f}MB (data {ours[2]:.0f})"
    )
    print(
        f"{'  pandas (idiomatic, vectorised)':58s} {base[0]:7.2f}s {base[1]:8.0f}MB (data {base[2]:.0f})"
    )
    print(f"  speed-up vs pandas: {base[0] / ours[0]:.1f}×   (goals: ≤ 3 s, ≥ 5×)", flush=True)
    print(
        f"  CPU time (user + system, all threads): kechuang {ours[3]:.2f} s, pandas {base[3]:.2f} s "
        f"({base[3] / ours[3]:.1f}× less work); load after: "
        f"{_load()}",
        flush=True,
    )

    # ---- uncertainty
    fw50 = framework(50, 10, subindices=2)
    spec = spec_from_dict(
        {
            "framework": fw50,
            "data": {"unit": "unit"},
            "steps": ["treat", {"normalise": {"method": "minmax", "range": [1, 100]}}, "aggregate"],
            "uncertainty": {
                "seed": 1,
                "factors": [
                    {
                        "name": "winmax",
                        "step": "treat",
                        "param": "winmax",
                        "values": [1, 2, 3, 4, 5],
                    },
                    {
                        "name": "normalisation",
                        "step": "normalise",
                        "values": [
                            {"method": "minmax", "range": [1, 100]},
                            {"method": "zscore", "mean": 10, "sd": 2},
                        ],
                    },
                    {"name": "weights", "noise": 0.25, "levels": [2, 3], "sets": 100},
                    {
                        "name": "aggregation",
                        "step": "aggregate",
                        "values": [{"method": "arithmetic"}, {"method": "geometric"}],
                    },
                ],
            },
        }
    )
    small = make_data(200, 50, 1, seed=7).drop("cohort")
    rss0 = _rss_mb()
    t = time.perf_counter()
    ua = uncertainty(spec, small, runs=args.ua_runs)
    ua_time = time.perf_counter() - t
    # naive baseline: a full pipeline run per Monte Carlo draw, on a subset of draws
    k = 40
    t = time.perf_counter()
    for i in range(k):
        w = {c: 1.0 + 0.25 * np.sin(i + j) for j, c in enumerate(spec.framework.aggregates())}
        run(
            spec,
            small,
            overrides={"treat": {"winmax": 1 + i % 5}, "aggregate": {"weights": w}},
            hash_input=False,
        )
    naive = (time.perf_counter() - t) / k * args.ua_runs
    print(
        f"uncertainty: {args.ua_runs} runs on 200 units × 50 indicators: {ua_time:.2f} s "
        f"({ua.record()['failed_runs']} failed runs), peak RSS {_rss_mb():.0f} MB (+{_rss_mb() - rss0:.0f}); "
        f"naive one-pipeline-per-run ≈ {naive:.1f} s (from {k} runs) → {naive / ua_time:.0f}×  (goal: ≤ 10 s)"
    )


if __name__ == "__main__":
    main()
