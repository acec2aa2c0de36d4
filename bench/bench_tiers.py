"""Benchmark: evaluate every tier rule pack for N enterprises (default 1,000,000) from Parquet.

The panel comes from the demo generator (`write_panel_parquet`: three fiscal years per enterprise).
In the same run a baseline reads the same file and computes a single ratio with NumPy (the floor
any evaluation pays for I/O); the script prints both times, their ratio and the peak resident
memory. Goal (issue 6): all packs for 1M enterprises in ≤ 5 s on a 2-core machine.

    .venv/bin/python bench/bench_tiers.py [--n 1000000] [--parquet /tmp/panel.parquet]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from kechuang.demo.generator import write_panel_parquet
from kechuang.engines.rules.evaluate import evaluate
from kechuang.engines.rules.packs import load_pack_dir, packs_in_force
from kechuang.tiers.features import build_features, reference_date
from kechuang.tiers.measures import MEASURES

PACK_DIR = Path(__file__).resolve().parents[1] / "src/kechuang/tiers/methodology/packs"


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--parquet", type=Path, default=None)
    ap.add_argument("--year", type=int, default=2025)
    args = ap.parse_args()
    path = args.parquet or Path(tempfile.gettempdir()) / f"kc_tiers_panel_{args.n}.parquet"
    if not path.exists():
        t = time.perf_counter()
        write_panel_parquet(path, args.n)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    packs = load_pack_dir(PACK_DIR)
    # every pack (all versions), not only those in force: the heaviest case
    print(f"packs: {len(packs)} ({len(packs_in_force(packs, reference_date(args.year)))} in force)")
    mem0 = peak_mb()

    t0 = time.perf_counter()
    base = pl.read_parquet(path, columns=["uscc", "year", "rd_expense", "sales_revenue"])
    cur = base.filter(pl.col("year") == args.year)
    rd, sales = cur["rd_expense"].to_numpy(), cur["sales_revenue"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sales > 0, rd / sales, np.nan)
    baseline = time.perf_counter() - t0
    del base, cur, rd, sales, ratio

    t1 = time.perf_counter()
    panel = pl.read_parquet(path).rename({"uscc": "key"})
    t_read = time.perf_counter() - t1
    features = build_features(panel, args.year)
    t_feat = time.perf_counter() - t1 - t_read
    result = evaluate(features, packs, args.year, MEASURES, detail=False)
    total = time.perf_counter() - t1
    t2 = time.perf_counter()
    detailed = evaluate(features, packs, args.year, MEASURES, detail=True)
    t_detail = time.perf_counter() - t2
    del detailed
    met = {p.code: int((result[f"{p.code}|status"] == 0).sum()) for p in packs}
    print(f"enterprises evaluated: {result.height:,}  result columns: {result.width}")
    print(f"met per pack: {met}")
    print(f"baseline (read 4 columns + one NumPy ratio): {baseline:.2f} s")
    print(
        f"kechuang (read + features + all packs):      {total:.2f} s "
        f"(read {t_read:.2f}, features {t_feat:.2f}, evaluate {total - t_read - t_feat:.2f})"
    )
    print(f"ratio kechuang / baseline: {total / baseline:.1f}x")
    print(
        f"evaluate with detail (constant thresholds and gap amounts materialised): {t_detail:.2f} s"
    )
    print(f"peak memory: {peak_mb():.0f} MB (before evaluation {mem0:.0f} MB)")


if __name__ == "__main__":
    main()
