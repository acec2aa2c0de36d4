"""Benchmark: evaluate every tier rule pack for N enterprises (default 1,000,000) from Parquet.

The panel comes from the demo generator (`write_panel_parquet`: three fiscal years per enterprise).
Each path runs in its own subprocess, so its peak resident memory (ru_maxrss) is its own:

- baseline: read 4 columns and compute one ratio with NumPy (the floor any evaluation pays for I/O);
- verdicts: read the columns the features need, build them, evaluate with outputs="verdicts"
  (verdicts, status, held, distance and rungs, in row batches): what counts and rankings use;
- full: the whole panel and the full result without detail (every value, score and threshold
  column), as callers did before issue 15;
- full_detail (only with --paths …,full_detail): the full result with gaps, as `explain` needs.

The script prints each path's time (read, features, evaluate), CPU time and peak memory, the ratio
to the baseline, the machine's load average, whether the verdicts path gives the full path's
verdicts, and the goal of issue 15: all packs for 1M enterprises in ≤ 3 s and ≤ 2 GB peak on a
2-core machine.

    .venv/bin/python bench/bench_tiers.py [--n 1000000] [--parquet /tmp/panel.parquet]
        [--paths baseline,verdicts,full]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from kechuang.demo.generator import write_panel_parquet
from kechuang.engines.rules.evaluate import evaluate, verdict_columns
from kechuang.engines.rules.packs import load_pack_dir, packs_in_force
from kechuang.tiers.features import build_features, input_columns, reference_date
from kechuang.tiers.measures import MEASURES

PACK_DIR = Path(__file__).resolve().parents[1] / "src/kechuang/tiers/methodology/packs"
GOAL_SECONDS = 3.0
GOAL_MB = 2048.0
PATHS = ("baseline", "verdicts", "full", "full_detail")


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other work shares the cores."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def digest(result: pl.DataFrame, columns: list[str]) -> str:
    """A checksum of the verdict columns, row by row in order: equal results, equal digests."""
    hashes = result.select(columns).hash_rows(seed=0).to_numpy()
    return str(int(np.bitwise_xor.reduce(hashes * np.arange(1, len(hashes) + 1, dtype=np.uint64))))


def run_path(path: str, parquet: Path, year: int) -> dict:
    """Run one path in this process and return its figures."""
    packs = load_pack_dir(PACK_DIR)  # every pack (all versions), not only those in force
    cpu0, t0 = os.times(), time.perf_counter()
    if path == "baseline":
        base = pl.read_parquet(parquet, columns=["uscc", "year", "rd_expense", "sales_revenue"])
        cur = base.filter(pl.col("year") == year)
        rd, sales = cur["rd_expense"].to_numpy(), cur["sales_revenue"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            np.where(sales > 0, rd / sales, np.nan)
        total = time.perf_counter() - t0
        return {"total": total, "cpu": _cpu(cpu0), "peak": peak_mb()}
    if path == "verdicts":
        names = set(pl.read_parquet_schema(parquet))
        wanted = ["uscc", *(c for c in input_columns() if c in names)]
        panel = pl.read_parquet(parquet, columns=wanted).rename({"uscc": "key"})
    else:
        panel = pl.read_parquet(parquet).rename({"uscc": "key"})
    t_read = time.perf_counter() - t0
    features = build_features(panel, year)
    del panel  # the long panel is not needed once the features are built
    t_feat = time.perf_counter() - t0 - t_read
    if path == "verdicts":
        result = evaluate(features, packs, year, MEASURES, outputs="verdicts")
    else:
        result = evaluate(features, packs, year, MEASURES, detail=path == "full_detail")
    total = time.perf_counter() - t0
    cpu = _cpu(cpu0)
    checked = verdict_columns(packs) + ["rung_eval", "rung", "next_distance"]
    return {
        "total": total,
        "read": t_read,
        "features": t_feat,
        "evaluate": total - t_read - t_feat,
        "cpu": cpu,
        "peak": peak_mb(),
        "rows": result.height,
        "columns": result.width,
        "met": {p.code: int((result[f"{p.code}|status"] == 0).sum()) for p in packs},
        "digest": digest(result, checked),
    }


def _cpu(start: os.times_result) -> float:
    now = os.times()
    return now.user - start.user + now.system - start.system


def in_subprocess(path: str, parquet: Path, year: int) -> dict:
    """Run one path in a fresh interpreter, so its peak memory is not another path's."""
    cmd = [sys.executable, __file__, "--child", path, "--parquet", str(parquet)]
    cmd += ["--year", str(year)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--parquet", type=Path, default=None)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--paths", default="baseline,verdicts,full")
    ap.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    path = args.parquet or Path(tempfile.gettempdir()) / f"kc_tiers_panel_{args.n}.parquet"
    if args.child:
        print(json.dumps(run_path(args.child, path, args.year)))
        return
    if not path.exists():
        t = time.perf_counter()
        write_panel_parquet(path, args.n)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    chosen = [p for p in args.paths.split(",") if p]
    unknown = set(chosen) - set(PATHS)
    if unknown:
        raise SystemExit(f"unknown paths: {', '.join(sorted(unknown))} (choose from {PATHS})")
    packs = load_pack_dir(PACK_DIR)
    print(f"packs: {len(packs)} ({len(packs_in_force(packs, reference_date(args.year)))} in force)")
    print(f"load average before: {load()}  (cores: {os.cpu_count()})")
    figures = {p: in_subprocess(p, path, args.year) for p in chosen}
    base = figures.get("baseline")
    for name, f in figures.items():
        if name == "baseline":
            print(
                f"baseline (read 4 columns + one NumPy ratio): {f['total']:.2f} s "
                f"(CPU {f['cpu']:.2f} s), peak {f['peak']:.0f} MB"
            )
            continue
        ratio = f" = {f['total'] / base['total']:.1f}x baseline" if base else ""
        print(
            f"{name:<11} {f['rows']:,} rows × {f['columns']} columns: {f['total']:.2f} s{ratio} "
            f"(read {f['read']:.2f}, features {f['features']:.2f}, "
            f"evaluate {f['evaluate']:.2f}; CPU {f['cpu']:.2f} s), peak {f['peak']:.0f} MB"
        )
    print(f"load average after: {load()}")
    lean = figures.get("verdicts")
    others = [f for n, f in figures.items() if n.startswith("full")]
    if lean:
        print(f"met per pack: {lean['met']}")
        for f in others:
            same = f["digest"] == lean["digest"] and f["met"] == lean["met"]
            print(f"verdicts path gives the full path's verdicts: {'yes' if same else 'NO'}")
            if not same:
                raise SystemExit(1)
        ok = lean["total"] <= GOAL_SECONDS and lean["peak"] <= GOAL_MB
        print(
            f"goal (issue 15): ≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_MB / 1024:.0f} GB peak — "
            f"verdicts path {lean['total']:.2f} s, {lean['peak'] / 1024:.2f} GB: "
            f"{'met' if ok else 'not met'}"
        )


if __name__ == "__main__":
    main()
