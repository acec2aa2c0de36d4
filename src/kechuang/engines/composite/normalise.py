"""Normalisation methods as Polars expressions, so cohorts and panel windows use `over()`.

Formulas follow COINr's `n_*` functions (bluefoxr/COINr R/normalise.R). As in COINr the
direction is applied first (x·direction) for every method except goalposts and
distance-to-target, whose bounds are given in the indicator's own units. A zero range
gives a missing value, where COINr gives NaN with a warning.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .errors import SpecError
from .framework import Node

METHODS = (
    "minmax",
    "zscore",
    "scaled",
    "goalposts",
    "dist2max",
    "dist2ref",
    "dist2targ",
    "fracmax",
    "prank",
    "rank",
    "borda",
    "none",
)

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "minmax": {"range": [0.0, 100.0]},
    "zscore": {"mean": 0.0, "sd": 1.0},
    "scaled": {"bounds": None, "scale": 100.0},
    "goalposts": {"goalposts": None, "truncate": True},
    "dist2max": {},
    "dist2ref": {"reference": None, "cap_max": False},
    "dist2targ": {"target": None, "cap_max": False},
    "fracmax": {},
    "prank": {},
    "rank": {},
    "borda": {},
    "none": {},
}


def method_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Defaults of a method merged with the given parameters (unknown methods are refused)."""
    if method not in METHODS:
        raise SpecError(f"未知的归一化方法 '{method}'，可选：{', '.join(METHODS)}")
    return {
        **DEFAULT_PARAMS[method],
        **{k: v for k, v in params.items() if k in DEFAULT_PARAMS[method]},
    }


def normalise_expr(
    col: str,
    method: str,
    params: dict[str, Any],
    node: Node,
    keys: list[str] | None = None,
    stats_mask: pl.Expr | None = None,
    unit_col: str = "uCode",
) -> pl.Expr:
    """Expression normalising column `col`; statistics are taken over `keys` (cohort, period).

    `stats_mask` limits which rows feed the statistics (e.g. the years of a multi-year
    window) while every row is still normalised.
    """
    p = method_params(method, params)
    keys = list(keys or [])
    raw = pl.col(col).cast(pl.Float64)
    x = raw * float(node.direction) if node.direction != 1 else raw  # x·1 would be a wasted pass
    xs = x if stats_mask is None else pl.when(stats_mask).then(x)

    def over(e: pl.Expr) -> pl.Expr:
        return e.over(keys) if keys else e

    def safe_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den != 0).then(num / den).otherwise(None)

    if method == "none":
        return raw
    if method == "minmax":
        lo, hi = (float(v) for v in p["range"])
        mn, mx = over(xs.min()), over(xs.max())
        return safe_div(x - mn, mx - mn) * (hi - lo) + lo
    if method == "zscore":
        mean, sd = over(xs.mean()), over(xs.std(ddof=1))
        return safe_div(x - mean, sd) * float(p["sd"]) + float(p["mean"])
    if method == "scaled":
        if not p["bounds"] or len(p["bounds"]) != 2:
            raise SpecError(f"指标 '{node.code}'：scaled 归一化需要 bounds: [下限, 上限]")
        lo, hi = (float(v) for v in p["bounds"])
        if lo == hi:
            raise SpecError(f"指标 '{node.code}'：scaled 归一化的 bounds 上下限相同")
        return (x - lo) / (hi - lo) * float(p["scale"])
    if method == "goalposts":
        gp = p["goalposts"] or node.goalposts
        if gp is None:
            raise SpecError(f"指标 '{node.code}'：goalposts 归一化需要框架或参数中的 goalposts")
        lo, hi = float(gp[0]), float(gp[1])
        scale = float(gp[2]) if len(gp) > 2 else 1.0
        y = (
            (raw - lo) / (hi - lo) * scale
            if node.direction == 1
            else (raw - hi) / (lo - hi) * scale
        )
        return y.clip(0.0, scale) if p["truncate"] else y
    if method == "dist2max":
        mn, mx = over(xs.min()), over(xs.max())
        return 1.0 - safe_div(mx - x, mx - mn)
    if method == "dist2ref":
        ref = p["reference"]
        if ref is None:
            raise SpecError(f"指标 '{node.code}'：dist2ref 归一化需要参照单元 reference")
        x_ref = over(x.filter(pl.col(unit_col).cast(pl.String) == str(ref)).first())
        mn = over(xs.min())
        y = 1.0 - safe_div(x_ref - x, x_ref - mn)
        return y.clip(upper_bound=1.0) if p["cap_max"] else y
    if method == "dist2targ":
        targ = p["target"] if p["target"] is not None else node.target
        if targ is None:
            raise SpecError(f"指标 '{node.code}'：dist2targ 归一化需要框架或参数中的目标值 target")
        rs = raw if stats_mask is None else pl.when(stats_mask).then(raw)
        targ = float(targ)
        if node.direction == 1:
            mn = over(rs.min())
            y = safe_div(raw - mn, targ - mn)
        else:
            mx = over(rs.max())
            y = safe_div(mx - raw, mx - targ)
        return y.clip(upper_bound=1.0) if p["cap_max"] else y
    if method == "fracmax":
        return safe_div(x, over(xs.max()))
    if method in ("prank", "rank", "borda"):
        r = over(x.rank("min")).cast(pl.Float64)
        if method == "rank":
            return r
        if method == "borda":
            return r - 1.0
        n = over(x.count()).cast(pl.Float64)
        return safe_div(r - 1.0, n - 1.0)
    raise SpecError(f"未知的归一化方法 '{method}'")
