"""The pipeline: denominate → impute → screen → treat → normalise → aggregate → rank.

Each step reads the previous data set and writes a new one, named as in COINr (Raw,
Denominated, Imputed, Screened, Treated, Normalised, Aggregated), and appends a record of
what it did to the run log. The run keeps its resolved specification and an input hash so it
can be regenerated exactly.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import polars as pl

from .aggregate import aggregate_tree
from .errors import DataError, SpecError
from .framework import Framework
from .io import hash_frame, hash_json
from .normalise import normalise_expr
from .rank import group_codes, order_desc, rank_min_desc
from .spec import Spec
from .treat import DEFAULTS, treat_vector

DATASET_OF_STEP = {
    "denominate": "Denominated",
    "impute": "Imputed",
    "screen": "Screened",
    "treat": "Treated",
    "normalise": "Normalised",
    "aggregate": "Aggregated",
}

ENGINE_VERSION = "1.0"

# below this many rows, columns are treated and scores ranked in one thread: on small data
# threads and per-column work cost more than they save
_PARALLEL_ROWS = 50_000


@dataclass
class RunResult:
    """Everything a run produced: data sets, log, results table and its reproducibility record."""

    spec: Spec
    datasets: dict[str, pl.DataFrame]
    log: list[dict[str, Any]]
    input_hash: str
    spec_hash: str
    id_cols: list[str]
    table: pl.DataFrame | None = None
    denominators: pl.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def framework(self) -> Framework:
        """The framework used by the run."""
        return self.spec.framework

    @property
    def aggregated(self) -> pl.DataFrame:
        """The final data set: normalised indicators plus every aggregate score."""
        return self.datasets["Aggregated"]

    def score_columns(self) -> list[str]:
        """Aggregate codes from the root down, i.e. the score columns of the results table."""
        fw = self.framework
        return [c for lv in range(fw.max_level, 1, -1) for c in fw.codes_at(lv)]

    def record(self) -> dict[str, Any]:
        """JSON-able record of the run: full specification, hashes, versions and step log."""
        return {
            "engine": "kechuang.engines.composite",
            "engine_version": ENGINE_VERSION,
            "libraries": {lib: _version(lib) for lib in ("polars", "numpy")},
            "input_hash": self.input_hash,
            "spec_hash": self.spec_hash,
            "spec": self.spec.to_dict(),
            "log": self.log,
        }


def _version(lib: str) -> str | None:
    try:
        return metadata.version(lib)
    except metadata.PackageNotFoundError:
        return None


def id_columns(spec: Spec) -> list[str]:
    """Unit, name, time and group columns, in that order, without duplicates."""
    cols = [spec.unit, spec.name_col, spec.time, *spec.groups, *spec.rank_within]
    out: list[str] = []
    for c in cols:
        if c and c not in out:
            out.append(c)
    return out


def check_data(spec: Spec, data: pl.DataFrame) -> None:
    """Check the data fits the specification: columns present, numeric, units unique."""
    fw = spec.framework
    errors: list[str] = []
    cols = set(data.columns)
    for c in id_columns(spec):
        if c not in cols:
            errors.append(f"数据缺少列 '{c}'（规格中的单元、名称、时间或分组列）")
    missing = [c for c in fw.indicators if c not in cols]
    if missing:
        errors.append(f"数据缺少框架中的指标列：{', '.join(missing)}")
    den = spec.step("denominate")
    if den is not None:
        for ind in fw.indicators:
            d = den["denominators"].get(ind, fw.nodes[ind].denominator)
            if d and d not in cols:
                errors.append(f"指标 '{ind}' 的分母列 '{d}' 不在数据中")
    p = spec.step("impute")
    if p and p.get("group") and p["group"] not in cols:
        errors.append(f"插补分组列 '{p['group']}' 不在数据中")
    p = spec.step("normalise")
    for c in (p or {}).get("by") or []:
        if c not in cols:
            errors.append(f"归一化分组列 '{c}' 不在数据中")
    if errors:
        raise DataError(errors)
    keys = [spec.unit] + ([spec.time] if spec.time else [])
    key = pl.struct(keys) if len(keys) > 1 else pl.col(spec.unit)
    # counting distinct keys is much cheaper than flagging duplicates; flag only when needed.
    # Counting distinct hashes of the keys is cheaper still (integers, not strings), and
    # when every row's hash differs every key differs; equal hashes get the exact count
    unique = (
        data.select(key.hash().n_unique()).item() == data.height
        or data.select(key.n_unique()).item() == data.height
    )
    dup = None if unique else data.select(keys).filter(key.is_duplicated())
    if dup is not None and dup.height:
        sample = ", ".join(str(v) for v in dup.get_column(spec.unit).head(5).to_list())
        what = "单元-时间" if spec.time else "单元"
        raise DataError(f"数据中有 {dup.height} 行属于重复的{what}，例如：{sample}")
    for c in fw.indicators:
        s = data.get_column(c)
        if s.dtype.is_numeric() or s.dtype == pl.Null:
            continue
        bad = (
            data.filter(
                pl.col(c).is_not_null() & pl.col(c).cast(pl.Float64, strict=False).is_null()
            )
            .select(spec.unit, c)
            .head(3)
        )
        examples = "；".join(f"单元 {u} 的值 {v!r}" for u, v in bad.iter_rows())
        errors.append(f"指标列 '{c}' 含非数值：{examples}")
    if errors:
        raise DataError(errors)


def run(
    spec: Spec,
    data: pl.DataFrame,
    *,
    until: str | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    hash_input: bool = True,
    keep_datasets: bool = True,
) -> RunResult:
    """Run the specification on the data; `until` stops after a step, `overrides` replace step
    parameters (for what-if runs). Deterministic: the same input gives identical output.

    With keep_datasets=False only the last data set is kept (each step's input is freed once
    its output exists): the same results in a third of the memory, for data of many millions
    of units where the intermediate data sets would not fit."""
    if overrides:
        spec = spec.with_step_params(overrides)
    t0 = time.perf_counter()
    check_data(spec, data)
    fw = spec.framework
    ids = id_columns(spec)
    inds = fw.indicators
    # a float column without NaN is taken as it is: fill_nan would copy it for nothing (on
    # tens of millions of units, a second copy of the data)
    floats = [c for c in inds if data.schema[c] == pl.Float64]
    clean = (
        {
            c
            for c, has in data.select(pl.col(floats).is_nan().any()).row(0, named=True).items()
            if not has
        }
        if floats
        else set()
    )
    num = [
        pl.col(c) if c in clean else pl.col(c).cast(pl.Float64, strict=False).fill_nan(None)
        for c in inds
    ]
    df = data.select(*[pl.col(c) for c in ids], *num)
    denoms_needed = (
        sorted(
            {
                d
                for d in (
                    (spec.step("denominate") or {})
                    .get("denominators", {})
                    .get(i, fw.nodes[i].denominator)
                    for i in inds
                )
                if d
            }
        )
        if spec.step("denominate") is not None
        else []
    )
    denominators = data.select(
        *[pl.col(c) for c in ids],
        *[pl.col(c).cast(pl.Float64, strict=False).fill_nan(None) for c in denoms_needed],
    )
    datasets: dict[str, pl.DataFrame] = {"Raw": df}
    log: list[dict[str, Any]] = []
    # timings stay out of the run record, which must be identical on every rerun
    timings: dict[str, float] = {"prepare": time.perf_counter() - t0}
    # the input hash depends on the input alone, so it is computed while the steps and the
    # results table are built, and waited for last
    with ThreadPoolExecutor(max_workers=1) as hasher:
        pending = hasher.submit(_hash_in_background, data) if hash_input else None
        for name, params in spec.steps:
            step_fn = _STEPS[name]
            t = time.perf_counter()
            df, entry = step_fn(df, params, spec, denominators)
            timings[name] = time.perf_counter() - t
            if not keep_datasets:
                datasets.clear()
            datasets[DATASET_OF_STEP[name]] = df
            log.append({"step": name, "params": params, **entry})
            if until == name:
                break
        result = RunResult(
            spec=spec,
            datasets=datasets,
            log=log,
            input_hash="",
            spec_hash=hash_json(spec.to_dict()),
            id_cols=ids,
            denominators=denominators,
        )
        if "Aggregated" in datasets:
            t = time.perf_counter()
            result.table = results_table(result)
            timings["rank"] = time.perf_counter() - t
        t = time.perf_counter()
        result.input_hash = pending.result() if pending else ""
        timings["hash_wait"] = time.perf_counter() - t
    result.extra["timings"] = timings
    return result


def _hash_in_background(data: pl.DataFrame) -> str:
    """`hash_frame` at the lowest CPU priority, in the run's own short-lived hashing thread."""
    # the steps keep both cores busy; the hash then takes only the time they leave idle
    # (waits, single-threaded stretches) instead of slowing them down. Linux sets the
    # priority of one thread; the thread ends with the run, so nothing else is affected
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    return hash_frame(data)


def _denominate(df: pl.DataFrame, p: dict[str, Any], spec: Spec, denoms: pl.DataFrame):
    fw = spec.framework
    keys = [spec.unit] + ([spec.time] if spec.time else [])
    pairs = [(ind, p["denominators"].get(ind, fw.nodes[ind].denominator)) for ind in fw.indicators]
    pairs = [(i, d) for i, d in pairs if d]
    needed = sorted({d for _, d in pairs})
    # join rather than align by position: an earlier screen step may have dropped rows
    work = df.join(
        denoms.select(*keys, *[pl.col(d).alias(f"__den_{d}") for d in needed]),
        on=keys,
        how="left",
        maintain_order="left",
    )
    exprs, details = [], []
    for ind, d in pairs:
        den = pl.col(f"__den_{d}")
        exprs.append(pl.when(den != 0).then(pl.col(ind) / den * float(p["scale"])).alias(ind))
        zero = int(work.select(((den == 0) | den.is_null()).sum()).item())
        details.append({"indicator": ind, "denominator": d, "zero_or_missing_denominator": zero})
    out = work.with_columns(exprs).drop([f"__den_{d}" for d in needed])
    return out, {"denominated": details}


def _impute(df: pl.DataFrame, p: dict[str, Any], spec: Spec, _d: pl.DataFrame):
    inds = spec.framework.indicators
    method = p["method"]
    before = df.select(pl.col(inds).null_count()).row(0, named=True)
    period = [spec.time] if spec.time else []
    if method in ("mean", "median", "group_mean", "group_median"):
        keys = period + ([p["group"]] if method.startswith("group_") else [])
        stat = (
            (lambda c: pl.col(c).mean())
            if method.endswith("mean")
            else (lambda c: pl.col(c).median())
        )
        fill = [pl.col(c).fill_null(stat(c).over(keys) if keys else stat(c)).alias(c) for c in inds]
        out = df.with_columns(fill)
    else:
        if not spec.time:
            raise SpecError(f"插补方法 '{method}' 只适用于面板数据（规格需要指定 time 列）")
        order = "__row"
        work = df.with_row_index(order).sort([spec.unit, spec.time])
        exprs = []
        for c in inds:
            e = pl.col(c)
            if method == "previous":
                e = e.forward_fill().over(spec.unit)
            elif method == "next":
                e = e.backward_fill().over(spec.unit)
            elif method == "previous_next":
                e = e.forward_fill().backward_fill().over(spec.unit)
            else:
                e = e.interpolate().over(spec.unit)
            exprs.append(e.alias(c))
        out = work.with_columns(exprs).sort(order).drop(order)
    after = out.select(pl.col(inds).null_count()).row(0, named=True)
    details = [
        {"indicator": c, "imputed": before[c] - after[c], "still_missing": after[c]}
        for c in inds
        if before[c]
    ]
    return out, {"imputed_total": sum(d["imputed"] for d in details), "indicators": details}


def _screen(df: pl.DataFrame, p: dict[str, Any], spec: Spec, _d: pl.DataFrame):
    inds = spec.framework.indicators
    k = len(inds)
    avail = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in inds]) / k
    nonzero = (
        pl.sum_horizontal(
            [(pl.col(c).is_not_null() & (pl.col(c) != 0)).cast(pl.Int32) for c in inds]
        )
        / k
    )
    keep = pl.lit(True)
    if p["by"] in ("na", "na_and_zeros"):
        keep = keep & (avail >= p["threshold"] - 1e-12)
    if p["by"] in ("zeros", "na_and_zeros"):
        keep = keep & (nonzero >= p["nonzero_threshold"] - 1e-12)
    unit = pl.col(spec.unit).cast(pl.String)
    include = [str(u) for u in p["include"]]
    exclude = [str(u) for u in p["exclude"]]
    keep = (keep | unit.is_in(include)) & ~unit.is_in(exclude)
    flagged = df.with_columns(
        __avail=avail,
        __nonzero=nonzero,
        __keep=keep,
    )
    removed_rows = flagged.filter(~pl.col("__keep"))
    cols = [spec.unit] + ([spec.time] if spec.time else [])
    removed = [
        {
            **{c: r[c] for c in cols},
            "availability": round(r["__avail"], 6),
            "nonzero": round(r["__nonzero"], 6),
            "reason": "excluded" if str(r[spec.unit]) in exclude else "below_threshold",
        }
        for r in removed_rows.select(*cols, "__avail", "__nonzero").iter_rows(named=True)
    ]
    forced = flagged.filter(pl.col("__keep") & unit.is_in(include)).get_column(spec.unit).to_list()
    out = flagged.filter(pl.col("__keep")).drop("__avail", "__nonzero", "__keep")
    return out, {"kept": out.height, "removed": removed, "forced_in": forced}


def _treat(df: pl.DataFrame, p: dict[str, Any], spec: Spec, _d: pl.DataFrame):
    inds = spec.framework.indicators
    by = p["by"] if p["by"] is not None else ([spec.time] if spec.time else [])
    by = [by] if isinstance(by, str) else list(by)

    # Polars gives each column's skew and kurtosis; only columns that may fail go through the
    # NumPy rule, which recomputes them exactly
    def stats_of(c: str) -> list[pl.Expr]:
        return [
            pl.col(c).skew(bias=False).alias(f"{c}\x1fs"),
            pl.col(c).kurtosis(bias=False).alias(f"{c}\x1fk"),
            pl.col(c).count().alias(f"{c}\x1fn"),
        ]

    if by:
        groups = (
            df.with_row_index("__row")
            .group_by(by, maintain_order=True)
            .agg(pl.col("__row"), *[e for c in inds for e in stats_of(c)])
            .sort(by)
        )
        partitions = [
            ({k: r[k] for k in by}, np.asarray(r["__row"], dtype=np.int64), r)
            for r in groups.iter_rows(named=True)
        ]

        def partitions_of(c: str) -> list[tuple[dict[str, Any], np.ndarray | None, dict[str, Any]]]:
            return partitions
    elif df.height >= _PARALLEL_ROWS:
        # one column at a time, inside the worker threads: one select of all columns runs on
        # a single core, while this keeps both busy (one thread's statistics overlap the
        # other's NumPy rule). The numbers are the same as from one select
        def partitions_of(c: str) -> list[tuple[dict[str, Any], np.ndarray | None, dict[str, Any]]]:
            return [({}, None, df.select(stats_of(c)).row(0, named=True))]
    else:
        # small data: one select, as a select per column costs more than it computes
        everything = df.select([e for c in inds for e in stats_of(c)]).row(0, named=True)

        def partitions_of(c: str) -> list[tuple[dict[str, Any], np.ndarray | None, dict[str, Any]]]:
            return [({}, None, everything)]

    units = df.get_column(spec.unit)
    base = {k: v for k, v in p.items() if k not in ("by", "overrides")}

    def params_of(c: str) -> dict[str, Any] | None:
        ov = (p["overrides"] or {}).get(c)
        return None if ov == "none" else {**DEFAULTS, **base, **(ov or {})}

    def clear_pass(c: str, st: dict[str, Any], params: dict[str, Any]) -> bool:
        # passes with a margin on the Polars statistics, so the exact NumPy test would agree
        sk, ku, n = st[f"{c}\x1fs"], st[f"{c}\x1fk"], st[f"{c}\x1fn"]
        return (
            n >= 4
            and sk is not None
            and ku is not None
            and np.isfinite(sk)
            and np.isfinite(ku)
            and not params["force_winsorise"]
            and (abs(sk) < params["skew_threshold"] - 1e-9 or ku < params["kurt_threshold"] - 1e-9)
        )

    def treat_column(c: str) -> tuple[pl.Series | None, list[dict[str, Any]]]:
        # returns the treated column, or None when no value changed (the input column is kept)
        params = params_of(c)
        if params is None:
            return None, [{"indicator": c, "status": "skipped"}]
        recs = []
        x: np.ndarray | None = None  # read only when a partition needs the NumPy rule
        changed = False
        for key, rows, st in partitions_of(c):
            sk, ku = st[f"{c}\x1fs"], st[f"{c}\x1fk"]
            if clear_pass(c, st, params):
                recs.append(
                    {
                        "indicator": c,
                        **key,
                        "skew_before": sk,
                        "kurt_before": ku,
                        "passed_before": True,
                        "winsorised": 0,
                        "points": [],
                        "transform": None,
                        "status": "passed",
                        "passed": True,
                        "skew_after": sk,
                        "kurt_after": ku,
                    }
                )
                continue
            if rows is None:
                # the whole column: treat_vector splits the Series itself, cheaper than a copy
                part = df.get_column(c)
            else:
                if x is None:  # written back partition by partition
                    x = df.get_column(c).to_numpy().astype(np.float64, copy=True)
                part = x[rows]
            y, rec = treat_vector(part, params)
            rec["points"] = [
                {
                    "unit": units[int(i if rows is None else rows[i])],
                    "from": old,
                    "to": new,
                    "side": side,
                }
                for i, old, new, side in rec["points"]
            ]
            if rec["status"] in ("winsorised", "transformed"):
                changed = True
                if rows is None:
                    x = y
                else:
                    x[rows] = y
            recs.append({"indicator": c, **key, **rec})
        return (pl.Series(c, x).fill_nan(None) if changed else None), recs

    # only columns that may fail need the NumPy rule; Polars and NumPy release the GIL on
    # long arrays, so the columns are tested and treated in parallel threads. Results are
    # collected in framework order, so the output does not depend on scheduling
    workers = min(len(inds), os.cpu_count() or 1)
    if workers > 1 and df.height >= _PARALLEL_ROWS:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(treat_column, inds))
    else:
        done = [treat_column(c) for c in inds]
    new_cols = [col for col, _ in done if col is not None]
    records = [r for _, recs in done for r in recs]
    out = df.with_columns(new_cols) if new_cols else df
    summary = {
        "failed_before": sum(1 for r in records if r.get("passed_before") is False),
        "winsorised": sum(1 for r in records if r.get("status") == "winsorised"),
        "transformed": sum(1 for r in records if r.get("status") == "transformed"),
        "still_failing": sum(1 for r in records if r.get("passed") is False),
    }
    return out, {"by": by, **summary, "indicators": records}


def _normalise(df: pl.DataFrame, p: dict[str, Any], spec: Spec, _d: pl.DataFrame):
    fw = spec.framework
    keys = list(p["by"] or [])
    mask = None
    if spec.time:
        if p["window"] == "period":
            keys = keys + [spec.time]
        if p["window_years"]:
            lo, hi = p["window_years"]
            mask = pl.col(spec.time).is_between(lo, hi)
    exprs, details = [], []
    for c in fw.indicators:
        ov = (p["overrides"] or {}).get(c) or {}
        method = ov.get("method", p["method"])
        params = {**p, **ov}
        exprs.append(normalise_expr(c, method, params, fw.nodes[c], keys, mask, spec.unit).alias(c))
        details.append({"indicator": c, "method": method, "direction": fw.nodes[c].direction})
    before = df.select(pl.col(fw.indicators).null_count()).row(0, named=True)
    # lazy, so the optimiser computes each cohort window once (common subexpressions)
    out = df.lazy().with_columns(exprs).collect()
    after = out.select(pl.col(fw.indicators).null_count()).row(0, named=True)
    for d in details:
        d["became_missing"] = after[d["indicator"]] - before[d["indicator"]]
    cohorts = (
        df.select((pl.struct(keys) if len(keys) > 1 else pl.col(keys[0])).n_unique()).item()
        if keys
        else 1
    )
    return out, {"over": keys, "cohorts": cohorts, "indicators": details}


def level_methods(p: dict[str, Any], fw: Framework) -> dict[int, dict[str, Any]]:
    """Aggregation method per level: the step's default overridden by its `levels` entries."""
    return {
        lv: {
            "method": p["levels"].get(lv, {}).get("method", p["method"]),
            "p": p["levels"].get(lv, {}).get("p", p["p"]),
        }
        for lv in range(2, fw.max_level + 1)
    }


def _aggregate(df: pl.DataFrame, p: dict[str, Any], spec: Spec, _d: pl.DataFrame):
    fw = spec.framework
    if p["weights"]:
        fw = fw.with_weights(p["weights"])
    methods = level_methods(p, fw)
    min_av = {
        lv: p["levels"].get(lv, {}).get("min_availability", p["min_availability"]) for lv in methods
    }
    aggs = [c for lv in range(2, fw.max_level + 1) for c in fw.codes_at(lv)]
    if (
        df.height >= _PARALLEL_ROWS
        and all(m["method"] == "arithmetic" and min_av[lv] is None for lv, m in methods.items())
        and _bounded(df, fw)
    ):
        # large data, weighted arithmetic means only: one lazy plan, whose expressions Polars
        # runs in parallel, with no NumPy copy of the (chunked, nullable) columns
        lazy = df.lazy()
        for lv in range(2, fw.max_level + 1):
            lazy = lazy.with_columns([arithmetic_expr(fw, c) for c in fw.codes_at(lv)])
        out = lazy.collect()
    else:
        # to_numpy already copies a column with missing values; aggregate_tree does not write
        # to its inputs, so a second copy (astype) would only cost time
        values = {
            c: np.asarray(df.get_column(c).to_numpy(), dtype=np.float64) for c in fw.indicators
        }
        scores, _ = aggregate_tree(values, fw, None, methods, min_av, on_invalid="raise")
        out = df.with_columns([pl.Series(c, scores[c]).fill_nan(None) for c in aggs])
    missing = out.select(pl.col(aggs).null_count()).row(0, named=True)
    return out, {
        "methods": {str(k): v for k, v in methods.items()},
        "missing_scores": {c: n for c, n in missing.items() if n},
    }


# values and weights up to this size keep every product and sum of the means finite
_BOUND = 1e150


def _bounded(df: pl.DataFrame, fw: Framework) -> bool:
    """Whether every indicator value and weight is within ±_BOUND (so no mean overflows)."""
    if any(fw.nodes[c].weight > _BOUND for c in fw.nodes):
        return False
    top = df.select(pl.max_horizontal(pl.col(fw.indicators).fill_nan(None).abs().max())).item()
    return top is None or top <= _BOUND


def arithmetic_expr(fw: Framework, parent: str) -> pl.Expr:
    """The weighted arithmetic mean of `aggregate_tree`'s one-run path, as a Polars expression."""
    # the same operations in the same order (running sums of value × weight and of weight over
    # the children with data; NaN is missing), so the same numbers. Only bounded values come
    # here (`_bounded`): no infinity, so no NaN result to turn into a missing value
    num = den = None
    for k in fw.children(parent):
        w = float(fw.nodes[k].weight)
        x = pl.col(k).cast(pl.Float64).fill_nan(None)
        term, share = x.fill_null(0.0) * w, x.is_not_null().cast(pl.Float64) * w
        num = term if num is None else num + term
        den = share if den is None else den + share
    # the NumPy sum starts from 0.0, so it is never −0.0; this one is when every term is −0.0
    # (Polars' 0.0 + x keeps x's sign, so the zero is replaced instead)
    num = pl.when(num == 0.0).then(0.0).otherwise(num)
    return pl.when(den > 0).then(num / den).alias(parent)


_STEPS = {
    "denominate": _denominate,
    "impute": _impute,
    "screen": _screen,
    "treat": _treat,
    "normalise": _normalise,
    "aggregate": _aggregate,
}


def rank_expr(col: str, keys: list[str]) -> pl.Expr:
    """Descending rank with ties taking the minimum rank (COINr rank_df), within keys."""
    r = pl.col(col).rank("min", descending=True)
    return r.over(keys) if keys else r


def results_table(result: RunResult) -> pl.DataFrame:
    """Scores and ranks of every aggregate per unit (ranks per period, also within groups).

    The ranks equal `rank_expr` over each key set; they are computed with one sort per score
    (see rank.py), and the scores are ranked in parallel threads."""
    spec = result.spec
    codes = result.score_columns()
    root = spec.framework.root
    period = [spec.time] if spec.time else []
    key_sets = {"": period, **{f"_{g}": period + [g] for g in spec.rank_within}}
    # the streaming engine leaves the data in chunks; gathers from one chunk are several
    # times faster (a chunked string column: ~10×), and rechunking only these columns is cheap
    agg = (
        result.datasets["Aggregated"]
        .select(
            list(
                dict.fromkeys(
                    [*result.id_cols, *(k for keys in key_sets.values() for k in keys), *codes]
                )
            )
        )
        .rechunk()
    )
    index_type = pl.get_index_type()
    # group codes are found once per key set and shared by every score
    groups = {suffix: group_codes(agg, keys) if keys else None for suffix, keys in key_sets.items()}

    # the table's row order first: by period, then by the root's rank, ties and missing scores
    # in input order. Every column is then gathered into that order once and ranked there
    # (a rank does not depend on row order), instead of ranking in input order and gathering
    # every rank column again: random gathers of a million rows are the costliest part
    x_root = agg.get_column(root).to_numpy()
    root_desc = order_desc(x_root)
    if period:
        rank_root = rank_min_desc(x_root, root_desc, groups[""]).astype(np.int64)
        rank_root[np.isnan(x_root)] = np.iinfo(np.int64).max  # missing last
        perm = (
            agg.select(period)
            .with_columns(__r=pl.Series(rank_root))
            .select(pl.arg_sort_by([*period, "__r"], nulls_last=True, maintain_order=True))
            .to_series()
            .to_numpy()
        )
    else:
        perm = np.concatenate([root_desc, np.flatnonzero(np.isnan(x_root))])
    ids = agg.select(result.id_cols)[perm]
    groups_t = {suffix: None if g is None else g[perm] for suffix, g in groups.items()}

    def score_and_ranks(c: str) -> list[pl.Series]:
        if c == root and not period:
            x = x_root[perm]
            # already in descending order, ties in input order: the order is the identity
            order, values = np.arange(root_desc.size), x[: root_desc.size]
        else:
            x = agg.get_column(c).to_numpy()[perm]
            order, values = order_desc(x, with_values=True)
        missing = np.flatnonzero(np.isnan(x))
        ranks = [
            pl.Series(f"{c}_rank{suffix}", rank_min_desc(x, order, g, values), dtype=index_type)
            for suffix, g in groups_t.items()
        ]
        if missing.size:
            ranks = [r.scatter(missing, None) for r in ranks]
        return [pl.Series(c, x, nan_to_null=True), *ranks]

    workers = min(len(codes), os.cpu_count() or 1)
    if workers > 1 and agg.height >= _PARALLEL_ROWS:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            columns = list(pool.map(score_and_ranks, codes))
    else:
        columns = [score_and_ranks(c) for c in codes]
    return ids.hstack([s for cols in columns for s in cols])
