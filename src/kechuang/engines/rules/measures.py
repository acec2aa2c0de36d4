"""Measures: the named formulas rule packs compare, supplied by the caller.

A pack (data) names a measure and gives the threshold, band and citation; the formula that turns the
caller's feature frame into the measure belongs to the caller's domain, which passes its measures
(a mapping from code to `Measure`) to `evaluate` and `explain`. A measure's lever says how to close a
shortfall in the subject's own units (how much more R&D, how many more staff), which is what a gap
reports.

Division follows one rule everywhere (`div`): x / 0 is +∞ when x > 0 (a start-up with R&D and no
sales has an unbounded R&D ratio) and null when x = 0 (nothing to judge), so it is never NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Ctx:
    """What a measure may depend on: the assessment year and the pack's parameters."""

    year: int
    params: dict[str, Any]


Lever = Callable[[Ctx, pl.Expr], pl.Expr]


@dataclass(frozen=True)
class Measure:
    """A named formula, its Chinese label and unit, and how to close a gap against a threshold."""

    code: str
    label: str
    unit: str  # "%" ratios (stored as fractions), 万元, 人, 件, 项, 年, 天, 分, "" for yes/no
    build: Callable[[Ctx], pl.Expr]
    lever: Lever | None = None
    lever_text: str = ""
    lever_unit: str = ""
    integer: bool = False
    uses_params: bool = False


def div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den with x/0 = +∞ for x > 0 and null for 0/0 (never NaN)."""
    return (
        pl.when(den > 0)
        .then(num / den)
        .when((den == 0) & (num > 0))
        .then(float("inf"))
        .otherwise(None)
    )


def _usd_rate(ctx: Ctx) -> float:
    return float(ctx.params.get("usd_cny_rate", 7.0))


def usd_to_wan(value_usd: float, ctx: Ctx) -> float:
    """US dollars to 万元 at the pack's exchange rate."""
    return value_usd * _usd_rate(ctx) / 10_000.0


def measure(measures: Mapping[str, Measure], code: str) -> Measure:
    """The measure with this code (KeyError with a Chinese message otherwise)."""
    try:
        return measures[code]
    except KeyError:
        raise KeyError(f"未知的指标“{code}”") from None
