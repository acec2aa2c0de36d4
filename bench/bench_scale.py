"""Benchmark (issue 17): points scoring, every tier pack and a 20-indicator composite evaluation
for 10,000,000 enterprises on the 2-core machine, out of core where needed.

    .venv/bin/python bench/bench_scale.py --panel /work/bench-data/panel_10m.parquet \
        --sample /work/bench-data/panel_1m.parquet [--only points,tiers,composite] [--no-check]

The panel is `kechuang panel FILE --enterprises 10000000` (about 26 million enterprise-years;
generated once, outside the repository). Each job runs in a fresh child process, so its peak
resident memory (ru_maxrss) is its own, and reads its input itself (the read is in its time):

- points: `score_parquet` (torch_core, batches of 2 million rows) writes every enterprise-year's
  result (items, ranks, gaps) to Parquet parts;
- tiers: `verdicts_parquet` evaluates every rule pack (all versions) for the enterprises with a
  row in 2025, a slice of the panel at a time;
- composite: 10 million units × 20 indicators in 1,200 cohorts (bench_composite's data, written
  once next to the panel): treat, normalise within cohorts, aggregate, rank overall and within
  cohorts, with `run(keep_datasets=False)`.

Goals: each ≤ 60 s and ≤ 8 GB (8×10⁹ bytes = 7,629 MiB) peak. With --sample, the batched
paths are checked against the in-memory ones on the 1M panel (a digest of every row of the
result, in order). The load average is printed before and after each job: other work shares
the cores.
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

GOAL_SECONDS = 60.0
GOAL_BYTES = 8e9
PACK_DIR = Path(__file__).resolve().parents[1] / "src/kechuang/tiers/methodology/packs"
YEAR = 2025
JOBS = ("points", "tiers", "composite")
CHECKS = ("check_points", "check_tiers", "check_composite")


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def digest(frame: pl.DataFrame) -> str:
    """A checksum of every row, in order: equal frames, equal digests."""
    h = frame.hash_rows(seed=0).to_numpy()
    return str(int(np.bitwise_xor.reduce(h * np.arange(1, len(h) + 1, dtype=np.uint64))))


def read_parts(directory: Path) -> pl.DataFrame:
    """The parts a batched path wrote, in name order."""
    return pl.concat([pl.read_parquet(p) for p in sorted(directory.glob("part-*.parquet"))])


def composite_data(panel: Path, units: int) -> Path:
    """bench_composite's seeded data for `units` units, written once beside the panel."""
    path = panel.with_name(f"composite_{units}.parquet")
    if not path.exists():
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_composite import COHORTS, N_IND, make_data

        make_data(units, N_IND, COHORTS).write_parquet(path)
    return path


def job(name: str, panel: Path, work: Path) -> dict:
    """Run one job in this process; return its figures."""
    t0 = time.perf_counter()
    if name in ("points", "check_points"):
        from kechuang.points import methodology as meth
        from kechuang.points.scoring import read_panel, score, score_parquet

        m = meth.load("torch_core")
        rows = score_parquet(panel, work / "points", m)
        seconds = time.perf_counter() - t0
        if name == "points":
            return {"seconds": seconds, "rows": rows, "peak": peak_mib()}
        batched = digest(read_parts(work / "points"))
        return {"same": batched == digest(score(read_panel(panel, m), m, "uscc")), "rows": rows}
    if name in ("tiers", "check_tiers"):
        from kechuang.engines.rules.evaluate import evaluate
        from kechuang.engines.rules.packs import load_pack_dir
        from kechuang.tiers.batched import scan_tier_panel, verdicts_parquet
        from kechuang.tiers.features import build_features
        from kechuang.tiers.measures import MEASURES

        packs = load_pack_dir(PACK_DIR)
        rows = verdicts_parquet(panel, work / "tiers", packs, YEAR, MEASURES)
        seconds = time.perf_counter() - t0
        if name == "tiers":
            return {"seconds": seconds, "rows": rows, "peak": peak_mib(), "packs": len(packs)}
        features = build_features(scan_tier_panel(panel).collect(), YEAR)
        whole = evaluate(features, packs, YEAR, MEASURES, outputs="verdicts")
        return {"same": digest(read_parts(work / "tiers")) == digest(whole), "rows": rows}
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_composite import N_IND, PILLARS, bench_spec, framework

    from kechuang.engines.composite import run

    data = pl.read_parquet(panel)
    read = time.perf_counter() - t0
    spec = bench_spec(framework(N_IND, PILLARS))
    result = run(spec, data, keep_datasets=False)
    seconds = time.perf_counter() - t0
    if name == "composite":
        return {"seconds": seconds, "read": read, "rows": result.table.height, "peak": peak_mib()}
    table = result.table
    del result
    full = run(spec, data)
    return {"same": digest(table) == digest(full.table), "rows": table.height}


def in_child(name: str, panel: Path) -> dict:
    """Run one job in a fresh interpreter (its own peak memory), in a scratch directory."""
    with tempfile.TemporaryDirectory(dir=panel.parent, prefix=".bench_scale_") as work:
        cmd = [sys.executable, __file__, "--child", name, "--panel", str(panel), "--work", work]
        before = load()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures["load"] = f"{before} → {load()}"
        return figures


def main() -> int:
    """Run the jobs and the checks; print the figures and the goals."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", type=Path, default=Path("/work/bench-data/panel_10m.parquet"))
    ap.add_argument("--sample", type=Path, help="a 1M panel for the equality checks")
    ap.add_argument("--only", default=",".join(JOBS))
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--child", choices=JOBS + CHECKS, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        figures = job(args.child, args.panel, args.work)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures["cpu"] = usage.ru_utime + usage.ru_stime  # all threads: the work done
        print(json.dumps(figures))
        return 0
    if not args.panel.exists():
        raise SystemExit(f"no panel at {args.panel}: kechuang panel {args.panel} --enterprises …")
    rows = pl.scan_parquet(args.panel).select(pl.len()).collect().item()
    units = pl.scan_parquet(args.panel).select(pl.col("uscc").n_unique()).collect().item()
    print(
        f"panel {args.panel.name}: {units:,} enterprises, {rows:,} enterprise-years; "
        f"polars {pl.__version__}; {os.cpu_count()} cores; load {load()}",
        flush=True,
    )
    failed = False
    for name in [j for j in args.only.split(",") if j]:
        source = composite_data(args.panel, units) if name == "composite" else args.panel
        f = in_child(name, source)
        ok = f["seconds"] <= GOAL_SECONDS and f["peak"] * 2**20 <= GOAL_BYTES
        failed |= not ok
        extra = f" (read {f['read']:.1f} s)" if "read" in f else ""
        extra += f", CPU {f['cpu']:.0f} s" if "cpu" in f else ""
        extra += f", {f['packs']} packs" if "packs" in f else ""
        print(
            f"{name:<9} {f['rows']:>12,} rows: {f['seconds']:7.1f} s{extra}, peak "
            f"{f['peak']:,.0f} MiB = {f['peak'] * 2**20 / 1e9:.2f} GB; goal ≤ {GOAL_SECONDS:.0f} s "
            f"and ≤ {GOAL_BYTES / 1e9:.0f} GB: {'PASS' if ok else 'FAIL'}  [load {f['load']}]",
            flush=True,
        )
    if args.sample and not args.no_check:
        sample_units = pl.scan_parquet(args.sample).select(pl.col("uscc").n_unique())
        sample_units = sample_units.collect().item()
        for name in [j for j in args.only.split(",") if j]:
            source = (
                composite_data(args.sample, sample_units) if name == "composite" else args.sample
            )
            f = in_child(f"check_{name}", source)
            failed |= not f["same"]
            print(
                f"{name:<9} batched (composite: lean) = in-memory on {args.sample.name} ({f['rows']:,} rows): "
                f"{'yes' if f['same'] else 'NO'}  [load {f['load']}]",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
