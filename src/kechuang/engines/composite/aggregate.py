"""Weighted means over the framework tree, level by level (COINr `a_*`, R/aggregate.R).

Arrays may carry leading batch axes (Monte Carlo runs), so one call aggregates many weight
sets at once: values are (..., units, children) and weights (..., children). Missing values
are NaN; weights are re-normalised over the children each unit has data for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError
from .framework import Framework

METHODS = ("arithmetic", "geometric", "harmonic", "generalised")
METHOD_NAMES_ZH = {
    "arithmetic": "算术平均",
    "geometric": "几何平均",
    "harmonic": "调和平均",
    "generalised": "广义平均",
}


def check_method(method: str, p: float | None = None) -> None:
    """Refuse unknown methods and the generalised mean with p = 0 (COINr does the same)."""
    if method not in METHODS:
        raise SpecError(f"未知的汇总方法 '{method}'，可选：{', '.join(METHODS)}")
    if method == "generalised" and (p is None or p == 0):
        raise SpecError("广义平均 generalised 需要非零参数 p（p = 0 请用几何平均 geometric）")


def weighted_mean(
    values: np.ndarray,
    weights: np.ndarray,
    method: str = "arithmetic",
    p: float | None = None,
    min_availability: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean along the last axis; returns (scores, invalid) where `invalid` marks units
    whose values are outside the method's domain (x ≤ 0 for geometric and harmonic)."""
    check_method(method, p)
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    wcol = w[..., :, None]  # (..., k, 1): matmul sums over children for every batch at once
    avail = ~np.isnan(x)

    def wsum(a: np.ndarray) -> np.ndarray:
        return np.matmul(a, wcol)[..., 0]

    den = wsum(avail.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method == "arithmetic":
            invalid = np.zeros(np.broadcast_shapes(x.shape[:-1], den.shape), dtype=bool)
            out = wsum(np.where(avail, x, 0.0)) / den
        else:
            domain_ok = (x > 0) if (method != "generalised" or p < 0) else (x >= 0)
            invalid = (avail & ~domain_ok & (w[..., None, :] > 0)).any(axis=-1)
            ok = avail & domain_ok
            if method == "geometric":
                out = np.exp(wsum(np.where(ok, np.log(np.where(ok, x, 1.0)), 0.0)) / den)
            elif method == "harmonic":
                out = den / wsum(np.where(ok, 1.0 / np.where(ok, x, 1.0), 0.0))
            else:
                out = (wsum(np.where(ok, np.where(ok, x, 1.0) ** p, 0.0)) / den) ** (1.0 / p)
    out = np.where((den > 0) & ~invalid, out, np.nan)
    if min_availability is not None:
        share = avail.sum(axis=-1) / x.shape[-1]
        out = np.where(share >= min_availability - 1e-12, out, np.nan)
    return out, invalid


def aggregate_tree(
    values: dict[str, np.ndarray],
    framework: Framework,
    weights: dict[str, Any] | None = None,
    methods: dict[int, dict[str, Any]] | None = None,
    min_availability: dict[int, float | None] | float | None = None,
    on_invalid: str = "raise",
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Aggregate indicator arrays up to the root; returns (scores of every node, invalid masks).

    `weights` maps codes to scalars or (runs,) arrays; `methods` maps a level to
    {"method": ..., "p": ...}; with on_invalid="raise" a value outside a method's domain
    raises a Chinese error, with "nan" the unit's score becomes missing.
    """
    weights = weights or {}
    methods = methods or {}
    out = dict(values)
    invalid_masks: dict[str, np.ndarray] = {}
    for level in range(2, framework.max_level + 1):
        spec = methods.get(level, {"method": "arithmetic"})
        thr = (
            min_availability.get(level) if isinstance(min_availability, dict) else min_availability
        )
        for parent in framework.codes_at(level):
            kids = framework.children(parent)
            method = spec.get("method", "arithmetic")
            kid_w = [weights.get(k, framework.nodes[k].weight) for k in kids]
            if (
                method == "arithmetic"
                and thr is None
                and all(np.ndim(out[k]) == 1 for k in kids)
                and all(np.ndim(w) == 0 for w in kid_w)
            ):
                # one run over many units: column by column avoids stacking a units×children copy
                num = np.zeros(np.shape(out[kids[0]]))
                den = np.zeros_like(num)
                for k, w in zip(kids, kid_w, strict=False):
                    xk = np.asarray(out[k], dtype=np.float64)
                    ok = ~np.isnan(xk)
                    num += np.where(ok, xk, 0.0) * float(w)
                    den += ok * float(w)
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[parent] = np.where(den > 0, num / den, np.nan)
                invalid_masks[parent] = np.zeros(num.shape, dtype=bool)
                continue
            arrays = np.broadcast_arrays(*[np.asarray(out[k], dtype=np.float64) for k in kids])
            x = np.stack(arrays, axis=-1)
            w = np.stack(
                np.broadcast_arrays(
                    *[
                        np.asarray(weights.get(k, framework.nodes[k].weight), dtype=np.float64)
                        for k in kids
                    ]
                ),
                axis=-1,
            )
            score, invalid = weighted_mean(
                x, w, spec.get("method", "arithmetic"), spec.get("p"), thr
            )
            if on_invalid == "raise" and invalid.any():
                raise SpecError(
                    f"汇总项 '{parent}' 使用{METHOD_NAMES_ZH[spec.get('method')]}，但有 {int(invalid.sum())} 个单元的"
                    f"下级得分不为正数；请把归一化范围设为正数（如 minmax 的 range: [1, 100]）"
                )
            out[parent] = score
            invalid_masks[parent] = invalid
    return out, invalid_masks
