"""Benchmark: innovation points for a 1,000,000-enterprise panel, kechuang (Polars) against an
idiomatic, vectorised pandas implementation of the same methodology, in the same run.

    .venv/bin/python bench/bench_points.py [--enterprises 1000000] [--panel FILE] [--methodology M]

The panel is the demo generator's Parquet (every enterprise-year of 2023–2025 of 1,000,000
enterprises: 2.64 million rows). Both implementations score every enterprise-year: stage, 18 item
points, categories, bonus, negative items, total, four ranks and the gaps to the stage mean. The
script checks that they agree, and prints both times, the ratio and the peak memory (process RSS
high-water mark, after each). Goals on the 2-core machine: ≤ 3 s, ≥ 5× pandas, ≤ 2 GB (2×10⁹ bytes).

Which figure meets the goal: the issue asks to score "1,000,000 enterprises" from the generator's
Parquet, and a stored run scores every enterprise-year it is given; so the goal is held against
the all-years run (2.64 million enterprise-years), the stricter reading. The latest year (the
enterprises active in 2025 plus their 2024 figures, which growth needs) is printed for reference.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_panel(path: Path, m: Any) -> pl.DataFrame:
    """The panel's columns the methodology reads, as the product reads them (one column at a
    time, integer counts as Int32): `kechuang.points.scoring.read_panel`."""
    from kechuang.points.scoring import read_panel as product_read

    return product_read(path, m, "uscc")


def pandas_score(pdf, m):
    """The same methodology written the idiomatic pandas way: whole-column operations only."""
    import pandas as pd

    x = pdf.copy()
    x["year"] = x["year"].astype("int64")
    x["age_years"] = x["year"] - pd.to_datetime(x["founded_on"]).dt.year
    x["industry_division"] = x["industry_code"].str.slice(0, 3).fillna("未知")
    for flag in m.flags:
        x[flag] = x[flag].fillna(False).astype(bool) if flag in x else False
    growth = sorted({i.fields[0] for i in m.indicators if i.kind == "growth"})
    if growth:
        prev = x[["uscc", "year", *growth]].copy()
        prev["year"] += 1
        x = x.merge(
            prev.rename(columns={g: f"__prev_{g}" for g in growth}), on=["uscc", "year"], how="left"
        )
    for ind in m.indicators:
        a = x[ind.fields[0]].astype("float64")
        if ind.kind == "field":
            v = a
        elif ind.kind == "ratio":
            b = x[ind.fields[1]].astype("float64")
            v = (a / b).where(b > 0)
        else:
            p = x[f"__prev_{ind.fields[0]}"]
            v = ((a - p) / p).where(p > 0)
        x[f"v__{ind.code}"] = v

    def cond(c):
        col = x[c.input]
        ops = {
            "lt": col < c.value,
            "le": col <= c.value,
            "gt": col > c.value,
            "ge": col >= c.value,
            "eq": col == c.value,
            "ne": col != c.value,
        }
        return ops[c.op].fillna(False).astype(bool)

    tests = []
    for s in m.stages[:-1]:
        cs = [cond(c) for c in s.conditions]
        t = cs[0]
        for c in cs[1:]:
            t = (t & c) if s.match == "all" else (t | c)
        tests.append(t.to_numpy())
    codes = [s.code for s in m.stages]
    x["stage"] = np.select(tests, codes[:-1], default=codes[-1])
    cohort = ["year", *m.cohort]
    for ind in m.indicators:
        v = x[f"v__{ind.code}"] * ind.direction
        if m.mode == "reference":
            s = (x[f"v__{ind.code}"] / ind.reference).clip(0, 1)
        else:
            g = v.groupby([x[k] for k in cohort])
            r = g.rank(method="min")
            n = g.transform("count")
            s = ((r - 1) / (n - 1)).where(n > 1, np.where(v > 0, 1.0, 0.0))
        s = s.where(x[f"v__{ind.code}"].notna(), 0.0)
        x[f"p__{ind.code}"] = s * x["stage"].map(ind.weights)
    for c in m.categories:
        cols = [f"p__{i.code}" for i in m.indicators if i.category == c.code]
        x[f"c__{c.code}"] = x[cols].sum(axis=1) if cols else 0.0
    x["base"] = x[[f"c__{c.code}" for c in m.categories]].sum(axis=1)
    bonus = sum(np.where(cond(i.condition), i.points, 0.0) for i in m.bonus) if m.bonus else 0.0
    x["bonus"] = np.minimum(bonus, m.bonus_cap) if m.bonus_cap is not None else bonus
    x["penalty"] = (
        sum(np.where(cond(i.condition), i.points, 0.0) for i in m.negative if not i.veto) + 0.0
    )
    veto = np.zeros(len(x), dtype=bool)
    for i in m.negative:
        if i.veto:
            veto |= cond(i.condition).to_numpy()
    x["vetoed"] = veto
    x["total"] = np.where(veto, 0.0, (x["base"] + x["bonus"] - x["penalty"]).clip(lower=0)).round(6)
    for name, keys in {
        "city": ["year"],
        "zone": ["year", "zone"],
        "industry": ["year", "industry_division"],
        "stage": ["year", "stage"],
    }.items():
        g = x.groupby(keys)["total"]
        x[f"rank_{name}"] = g.rank(method="min", ascending=False)
        x[f"n_{name}"] = g.transform("size")
    # the stage mean, withheld (NaN) for groups with fewer than three other enterprises
    grouped = x.groupby(["year", "stage"])[[f"p__{i.code}" for i in m.indicators]]
    mean = grouped.transform("mean")
    size = x.groupby(["year", "stage"])["total"].transform("size")
    for i in m.indicators:
        gap = mean[f"p__{i.code}"] - x[f"p__{i.code}"]
        x[f"gap__{i.code}"] = gap.where(size > 3)
    return x


def main() -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--panel", type=Path, help="an existing Parquet panel (else generated)")
    ap.add_argument("--methodology", default="torch_core")
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()

    from kechuang.points import methodology as meth
    from kechuang.points.scoring import score

    panel = args.panel
    if panel is None:
        from kechuang.demo.generator import write_panel_parquet

        panel = Path(tempfile.gettempdir()) / f"kechuang_points_panel_{args.enterprises}.parquet"
        if not panel.exists():
            t = time.perf_counter()
            write_panel_parquet(panel, args.enterprises)
            print(f"panel generated: {panel} ({time.perf_counter() - t:.1f} s)")
    m = meth.load(args.methodology)
    t = time.perf_counter()
    df = read_panel(panel, m)
    read_s = time.perf_counter() - t
    print(
        f"methodology {m.code} v{m.version} ({m.mode}); panel {df.height:,} enterprise-years; "
        f"read {read_s:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    base_mb = peak_mb()
    times = []
    ours = None
    for _ in range(3):
        del ours  # keep one result alive at a time, as a real run does
        t = time.perf_counter()
        ours = score(df, m, "uscc")
        times.append(time.perf_counter() - t)
    ours_s = min(times)
    ours_mb = peak_mb()
    # counted after the runs: its hash table, freed but not yet handed back, would inflate a peak
    print(
        f"kechuang (Polars), all years ({df.height:,} enterprise-years of "
        f"{df.get_column('uscc').n_unique():,} enterprises): {ours_s:.2f} s best of 3 "
        f"({', '.join(f'{x:.2f}' for x in times)}); peak RSS {ours_mb:,.0f} MiB "
        f"(after reading: {base_mb:,.0f} MiB)"
    )
    latest = df.get_column("year").max()
    one_year = df.filter(pl.col("year") >= latest - 1)  # the latest year and its growth base
    latest_times = []
    for _ in range(3):
        t = time.perf_counter()
        score(one_year, m, "uscc")
        latest_times.append(time.perf_counter() - t)
    print(
        f"kechuang, latest year ({df.filter(pl.col('year') == latest).height:,} enterprises, "
        f"scored with their {latest - 1} rows, which growth needs: {one_year.height:,} rows): "
        f"{min(latest_times):.2f} s best of 3"
    )
    print(
        f"goal (all years, the stricter reading of “1,000,000 enterprises”): time {ours_s:.2f} s "
        f"{'≤' if ours_s <= 3 else '>'} 3 s; peak {ours_mb:,.0f} MiB = {ours_mb * 2**20 / 1e9:.2f} GB "
        f"{'≤' if ours_mb * 2**20 <= 2e9 else '>'} 2 GB (2×10⁹ bytes = 1,907 MiB)"
    )
    if args.skip_pandas:
        return 0
    import pandas as pd

    # no pyarrow needed: hand pandas the columns as NumPy arrays (strings as objects)
    pdf = pd.DataFrame({c: df.get_column(c).to_numpy() for c in df.columns})
    t = time.perf_counter()
    theirs = pandas_score(pdf, m)
    pandas_s = time.perf_counter() - t
    pandas_mb = peak_mb()
    print(
        f"pandas {pd.__version__} baseline: {pandas_s:.2f} s; peak RSS {pandas_mb:,.0f} MiB "
        "(process high-water mark)"
    )
    # agreement, row by row on (uscc, year)
    cols = [
        "total",
        "base",
        "bonus",
        "penalty",
        "rank_city",
        "rank_zone",
        "rank_industry",
        "rank_stage",
        *[f"p__{i.code}" for i in m.indicators],
        *[f"gap__{i.code}" for i in m.indicators],
    ]
    left = ours.select("uscc", "year", "stage", *cols).sort("uscc", "year")
    right = (
        pl.DataFrame({c: theirs[c].to_numpy() for c in ["uscc", "year", "stage", *cols]})
        .with_columns(
            pl.col("uscc").cast(pl.String),
            pl.col("stage").cast(pl.String),
            pl.col("year").cast(pl.Int64),
        )
        .sort("uscc", "year")
    )
    assert left.height == right.height, "row counts differ"
    assert (left["stage"] == right["stage"]).all(), "stages differ"
    worst = max(
        float((left[c].cast(pl.Float64) - right[c].cast(pl.Float64)).abs().max() or 0) for c in cols
    )
    print(f"agreement: {left.height:,} rows, stages equal, largest difference {worst:.2e}")
    if worst > 1e-6:
        print("DISAGREEMENT", file=sys.stderr)
        return 1
    print(f"ratio (all years): kechuang is {pandas_s / ours_s:.1f}× faster than pandas (goal ≥ 5×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
