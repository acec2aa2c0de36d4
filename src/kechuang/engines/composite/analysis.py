"""Explaining and auditing a run: contributions, strengths and weaknesses, gaps to a benchmark,
correlations, effective weights and leave-one-out (COINr results.R, correlations.R,
audit_tools.R `remove_elements`)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .aggregate import aggregate_tree
from .errors import DataError
from .pipeline import RunResult, level_methods


def rank_min_desc(scores: np.ndarray) -> np.ndarray:
    """Descending ranks along the last axis, ties take the minimum rank, NaN stays NaN."""
    s = np.asarray(scores, dtype=np.float64)
    v = np.where(np.isnan(s), np.inf, -s)
    order = np.argsort(v, axis=-1, kind="stable")
    sv = np.take_along_axis(v, order, axis=-1)
    n = s.shape[-1]
    pos = np.broadcast_to(np.arange(n), sv.shape)
    new_block = np.ones(sv.shape, dtype=bool)
    new_block[..., 1:] = sv[..., 1:] != sv[..., :-1]
    block_start = np.maximum.accumulate(np.where(new_block, pos, 0), axis=-1)
    ranks = np.empty(sv.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, block_start + 1.0, axis=-1)
    return np.where(np.isnan(s), np.nan, ranks)


def _one_period(result: RunResult, time: object | None) -> pl.DataFrame:
    agg = result.aggregated
    t = result.spec.time
    if t is None:
        return agg
    if time is None:
        time = agg.get_column(t).max()
    return agg.filter(pl.col(t) == time)


def _aggregate_params(result: RunResult) -> dict:
    return next(e["params"] for e in result.log if e["step"] == "aggregate")


def contributions(
    result: RunResult, target: str | None = None, time: object | None = None
) -> pl.DataFrame:
    """Each unit's score of `target` (default the index) split into indicator contributions.

    Exact for arithmetic means (weight share × normalised value, weights re-normalised over
    the unit's available data); for other means the parent's score is shared out in
    proportion to weight × value. Contributions of a unit sum to its score.
    """
    fw = result.framework
    p = _aggregate_params(result)
    if p["weights"]:
        fw = fw.with_weights(p["weights"])
    target = target or fw.root
    if target not in fw.nodes or fw.nodes[target].level < 2:
        raise DataError(f"'{target}' 不是框架中的汇总项")
    agg = _one_period(result, time)
    methods = level_methods(p, fw)
    vals = {c: agg.get_column(c).cast(pl.Float64).fill_null(np.nan).to_numpy() for c in fw.nodes}
    mult = {target: np.ones(agg.height)}
    for level in range(fw.nodes[target].level, 1, -1):
        for parent in [c for c in fw.codes_at(level) if c in mult]:
            kids = fw.children(parent)
            x = np.stack([vals[k] for k in kids], axis=-1)
            w = np.array([fw.nodes[k].weight for k in kids])
            avail = ~np.isnan(x)
            wa = np.where(avail, w, 0.0)
            share = wa / wa.sum(axis=-1, keepdims=True)
            if methods[level]["method"] != "arithmetic":
                wx = np.where(avail, w * x, 0.0)
                tot = wx.sum(axis=-1, keepdims=True)
                prop = np.where(tot != 0, wx / np.where(tot != 0, tot, 1.0), share)
                # m_child·x_child = m_parent·s_parent·prop  →  m_child = m_parent·s_parent·prop / x
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(x != 0, vals[parent][:, None] * prop / x, share)
            for j, k in enumerate(kids):
                mult[k] = mult[parent] * np.where(avail[:, j], share[:, j], np.nan)
    frames = []
    ids = agg.select(result.id_cols)
    for ind in fw.descendants(target, 1):
        frames.append(
            ids.with_columns(
                indicator=pl.lit(ind),
                name=pl.lit(fw.nodes[ind].label),
                value=pl.Series(vals[ind]).fill_nan(None),
                contribution=pl.Series(mult[ind] * vals[ind]).fill_nan(None),
            )
        )
    return pl.concat(frames)


def strengths_weaknesses(
    result: RunResult, unit: str, top: int = 5, bottom: int = 5, time: object | None = None
) -> pl.DataFrame:
    """A unit's top and bottom indicators by rank among all units (COINr get_str_weak)."""
    fw = result.framework
    agg = _one_period(result, time)
    uc = result.spec.unit
    ranks = agg.select(
        pl.col(uc), *[pl.col(c).rank("min", descending=True).alias(c) for c in fw.indicators]
    )
    row = ranks.filter(pl.col(uc).cast(pl.String) == str(unit))
    if row.height == 0:
        raise DataError(f"单元 '{unit}' 不在结果中")
    raw = result.datasets["Raw"]
    if result.spec.time:
        raw = raw.filter(pl.col(result.spec.time) == agg.get_column(result.spec.time)[0])
    raw_row = raw.filter(pl.col(uc).cast(pl.String) == str(unit)).row(0, named=True)
    r = row.row(0, named=True)
    items = sorted(
        ((r[c], c) for c in fw.indicators if r[c] is not None), key=lambda t: (t[0], t[1])
    )
    rows = [("strength", c, rk) for rk, c in items[:top]] + [
        ("weakness", c, rk) for rk, c in items[::-1][:bottom]
    ]
    return pl.DataFrame(
        [
            {
                "kind": k,
                "indicator": c,
                "name": fw.nodes[c].label,
                "parent": fw.nodes[c].parent,
                "rank": rk,
                "raw_value": raw_row.get(c),
            }
            for k, c, rk in rows
        ],
        schema={
            "kind": pl.String,
            "indicator": pl.String,
            "name": pl.String,
            "parent": pl.String,
            "rank": pl.Int64,
            "raw_value": pl.Float64,
        },
    )


def gap_to_benchmark(
    result: RunResult,
    unit: str,
    benchmark: str,
    target: str | None = None,
    time: object | None = None,
) -> pl.DataFrame:
    """Score gap between a unit and a benchmark unit, decomposed by indicator (benchmark − unit);
    the gaps sum to the difference of the target scores. Largest gaps first."""
    c = contributions(result, target, time)
    uc = result.spec.unit
    pick = lambda u: c.filter(pl.col(uc).cast(pl.String) == str(u))
    a, b = pick(unit), pick(benchmark)
    for code, part in ((unit, a), (benchmark, b)):
        if part.height == 0:
            raise DataError(f"单元 '{code}' 不在结果中")
    out = a.select(
        "indicator",
        "name",
        pl.col("value").alias("unit_value"),
        pl.col("contribution").alias("unit_contribution"),
    ).join(
        b.select(
            "indicator",
            pl.col("value").alias("benchmark_value"),
            pl.col("contribution").alias("benchmark_contribution"),
        ),
        on="indicator",
        how="left",
        maintain_order="left",
    )
    return out.with_columns(
        gap=pl.col("benchmark_contribution").fill_null(0) - pl.col("unit_contribution").fill_null(0)
    ).sort("gap", descending=True)


def correlations(
    result: RunResult,
    dataset: str = "Normalised",
    codes: list[str] | None = None,
    method: str = "pearson",
    time: object | None = None,
) -> pl.DataFrame:
    """Correlation matrix between indicators (and aggregates, if named) over units, pairwise
    complete; method "pearson" or "spearman"."""
    df = result.datasets["Aggregated" if dataset == "Aggregated" else dataset]
    if result.spec.time:
        t = result.spec.time
        df = df.filter(pl.col(t) == (time if time is not None else df.get_column(t).max()))
    codes = codes or result.framework.indicators
    x = df.select([pl.col(c).cast(pl.Float64) for c in codes])
    if method == "spearman":
        x = x.select([pl.col(c).rank("average") for c in codes])
    m = x.fill_null(np.nan).to_numpy()
    k = len(codes)
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            ok = ~np.isnan(m[:, i]) & ~np.isnan(m[:, j])
            if ok.sum() > 2 and np.std(m[ok, i]) > 0 and np.std(m[ok, j]) > 0:
                out[i, j] = out[j, i] = np.corrcoef(m[ok, i], m[ok, j])[0, 1]
    return pl.DataFrame({"code": codes, **{c: out[:, j] for j, c in enumerate(codes)}}).fill_nan(
        None
    )


def correlation_flags(
    result: RunResult, high: float = 0.9, low: float = -0.4, time: object | None = None
) -> pl.DataFrame:
    """Pairs of indicators in the same parent that are collinear (r ≥ high) or negatively
    correlated (r ≤ low), after COINr get_corr_flags (default threshold 0.9)."""
    fw = result.framework
    corr = correlations(result, time=time)
    mat = {r["code"]: r for r in corr.iter_rows(named=True)}
    rows = []
    for parent in fw.aggregates(2):
        kids = fw.children(parent)
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                r = mat[a][b]
                if r is None:
                    continue
                if r >= high or r <= low:
                    rows.append(
                        {
                            "parent": parent,
                            "indicator_a": a,
                            "indicator_b": b,
                            "r": r,
                            "flag": "collinear" if r >= high else "negative",
                        }
                    )
    return pl.DataFrame(
        rows,
        schema={
            "parent": pl.String,
            "indicator_a": pl.String,
            "indicator_b": pl.String,
            "r": pl.Float64,
            "flag": pl.String,
        },
    )


def cronbach_alpha(result: RunResult, parent: str, time: object | None = None) -> float:
    """Cronbach's alpha of a parent's children over complete units (COINr get_cronbach)."""
    agg = _one_period(result, time)
    kids = result.framework.children(parent)
    m = agg.select(kids).drop_nulls().to_numpy().astype(np.float64)
    k = m.shape[1]
    if k < 2 or m.shape[0] < 2:
        return float("nan")
    total = m.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / total))


def effective_weights(result: RunResult) -> pl.DataFrame:
    """Nominal and effective (share in the index) weight of every node (COINr get_eff_weights)."""
    fw = result.framework
    p = _aggregate_params(result)
    if p["weights"]:
        fw = fw.with_weights(p["weights"])
    eff = fw.effective_weights()
    return pl.DataFrame(
        [
            {
                "code": c,
                "name": n.label,
                "level": n.level,
                "parent": n.parent,
                "weight": n.weight,
                "effective_weight": eff[c],
            }
            for c, n in fw.nodes.items()
        ]
    )


def leave_one_out(result: RunResult, level: int = 1, time: object | None = None) -> pl.DataFrame:
    """Remove each component of a level in turn, re-aggregate, and report the mean absolute
    change of the index rank (COINr remove_elements); all removals run as one batch."""
    fw = result.framework
    p = _aggregate_params(result)
    if p["weights"]:
        fw = fw.with_weights(p["weights"])
    codes = fw.codes_at(level)
    if level >= fw.max_level or not codes:
        raise DataError(f"第 {level} 层没有可删除的组成部分")
    agg = _one_period(result, time)
    values = {
        c: agg.get_column(c).cast(pl.Float64).fill_null(np.nan).to_numpy() for c in fw.indicators
    }
    eye = np.eye(len(codes), dtype=bool)
    weights = {c: np.where(eye[j], 0.0, fw.nodes[c].weight) for j, c in enumerate(codes)}
    methods = level_methods(p, fw)
    min_av = {
        lv: p["levels"].get(lv, {}).get("min_availability", p["min_availability"]) for lv in methods
    }
    scores, _ = aggregate_tree(values, fw, weights, methods, min_av, on_invalid="nan")
    root = scores[fw.root]
    nominal = rank_min_desc(agg.get_column(fw.root).cast(pl.Float64).fill_null(np.nan).to_numpy())
    ranks = rank_min_desc(root)
    change = np.nanmean(np.abs(ranks - nominal), axis=-1)
    return pl.DataFrame(
        {
            "code": codes,
            "name": [fw.nodes[c].label for c in codes],
            "mean_abs_rank_change": change,
            "max_abs_rank_change": np.nanmax(np.abs(ranks - nominal), axis=-1),
        }
    ).sort("mean_abs_rank_change", descending=True)
