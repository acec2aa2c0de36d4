"""Every tier pack for a Parquet panel too large for memory: enterprises a batch at a time.

A verdict depends on one enterprise's own rows (its figures for the year and the years
before), so the panel is read in slices of rows, cut only between enterprises, and each slice
goes through `build_features` and the rules engine's verdicts path; the parts, read in name
order, are the frame the in-memory path gives for the whole panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from kechuang.core.errors import Unprocessable
from kechuang.engines.rules.evaluate import evaluate
from kechuang.tiers.features import build_features, input_columns

# Panel rows read at a time: a slice, its features and its verdicts take about 1 GB per million.
BATCH_ROWS = 2_000_000


class BatchError(Unprocessable):
    """A panel the batched path cannot read (message in Chinese)."""


def scan_tier_panel(source: Any, key: str = "uscc") -> pl.LazyFrame:
    """The panel's key (as `key`) and the columns the features read, lazily."""
    lf = pl.scan_parquet(source)
    names = lf.collect_schema().names()
    if key not in names or "year" not in names:
        raise BatchError(f"面板缺少列“{key}”或“year”")
    return lf.select(pl.col(key).alias("key"), *[c for c in input_columns() if c in names])


def verdicts_parquet(
    source: Any,
    target: Any,
    packs: list[Any],
    year: int,
    measures: Mapping[str, Any],
    key: str = "uscc",
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Write every pack's verdicts (outputs="verdicts") for the enterprises with a row in `year`
    to Parquet parts in the directory `target`; returns the number of enterprises.

    Rows must come grouped by enterprise (as the generator and the service write them): an
    enterprise found in two batches is refused rather than evaluated twice.
    """
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BatchError(f"结果目录“{target}”不是空目录")
    target.mkdir(parents=True, exist_ok=True)
    lf = scan_tier_panel(source, key)
    total = lf.select(pl.len()).collect().item()
    carry: pl.DataFrame | None = None
    written, k, runs, before = 0, 0, 0, None  # before: the key of the previous slice's last row
    for start in range(0, max(total, 1), batch_rows):
        chunk = lf.slice(start, batch_rows).collect(engine="in-memory")
        if carry is not None:
            chunk = pl.concat([carry, chunk])
        carry = None
        if start + batch_rows < total and chunk.height:
            # the last enterprise may go on in the next slice: keep its rows for that one
            keys = chunk.get_column("key")
            others = np.flatnonzero((keys != keys[-1]).to_numpy())
            tail = chunk.height - (int(others[-1]) + 1 if others.size else 0)
            carry, chunk = chunk.tail(tail), chunk.head(chunk.height - tail)
        if chunk.height:
            # runs of equal keys: as many as enterprises when each one's rows are together
            key_col = pl.col("key")
            runs += chunk.select((key_col != key_col.shift(1)).fill_null(True).sum()).item()
            runs -= int(chunk.get_column("key")[0] == before)
            before = chunk.get_column("key")[-1]
        features = build_features(chunk, year)
        if features.is_empty():
            continue
        result = evaluate(features, packs, year, measures, outputs="verdicts")
        result.write_parquet(target / f"part-{k:05d}.parquet")
        written, k = written + result.height, k + 1
    ids = lf.select(pl.col("key").hash(seed=7).n_unique()).collect().item()
    if runs != ids:
        for part in target.glob("part-*.parquet"):
            part.unlink()
        raise BatchError("分批评估要求同一企业的各年度数据相邻，请先按企业和年度排序后再评估")
    return written
