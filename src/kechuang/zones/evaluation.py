"""One evaluation of a peer set under a framework, on top of the composite engine.

Pure computation (no database): the engine scores, ranks, decomposes gaps and draws rank bands; this
module adds what zones ask for: EIS-style performance groups, year-on-year rank movement
(进位/退位), gaps in raw units ("+1.3个百分点，约8.2亿元研发费用") and the gap to the peer set's top
quartile, which the engine has no unit for: the mean of the best quarter of the other units, at
least three of them, so that it is never one zone's own figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from kechuang.core.errors import BadInput
from kechuang.core.formatting import fmt_figure, is_count_unit
from kechuang.core.scope import PEER_GROUP_MIN
from kechuang.engines.composite import RunResult, hash_frame, run, spec_from_dict
from kechuang.engines.composite.analysis import gap_to_benchmark, strengths_weaknesses
from kechuang.engines.composite.uncertainty import uncertainty
from kechuang.zones.frameworks import ZoneFramework, catalogue, engine_spec

# EIS 2024 performance groups: score relative to the reference (= 100) [E1].
GROUPS = (
    ("leader", "领先型", 125.0),
    ("strong", "强劲型", 100.0),
    ("moderate", "中等型", 70.0),
    ("emerging", "追赶型", -math.inf),
)
GROUP_LABELS = {code: label for code, label, _ in GROUPS}
TOP_QUARTILE = "__top_quartile__"
TOP_QUARTILE_NAME = "对标组前25%均值"
# A figure over other zones is shown only when at least this many zones make it up: a quantile of
# a few zones, or a group of one or two, would be one zone's own value under another name.
WITHHELD_NOTE = "同类高新区不足3个，不显示"


def top_group_mean(values: list[Any], higher_is_better: bool = True) -> float | None:
    """The mean of the best quarter of `values` (other zones'), at least PEER_GROUP_MIN of them.

    None with fewer than PEER_GROUP_MIN values. The group widens while its mean equals one of the
    values (ties), so the figure returned is never a single zone's value; None if it always does.
    """
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    vals.sort(reverse=higher_is_better)
    k = max(PEER_GROUP_MIN, math.ceil(len(vals) / 4))
    while k <= len(vals):
        mean = sum(vals[:k]) / k
        if not any(math.isclose(mean, v, rel_tol=1e-9, abs_tol=1e-9) for v in vals):
            return mean
        k += 1
    return None


class EvaluationError(BadInput):
    """The evaluation cannot be computed (Chinese message saying what is missing)."""


def performance_group(relative: float | None) -> str | None:
    """EIS group code for a score relative to the reference (reference = 100)."""
    if relative is None or (isinstance(relative, float) and math.isnan(relative)):
        return None
    return next(code for code, _, lo in GROUPS if relative > lo or lo == -math.inf)


def _f(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


@dataclass
class Evaluation:
    """The engine's run plus the zone-facing results for the target year."""

    framework: ZoneFramework
    options: dict[str, Any]
    year: int
    units: list[dict[str, Any]]
    data: pl.DataFrame
    result: RunResult
    input_hash: str
    bands: pl.DataFrame | None = None
    uncertainty_record: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ tables
    @property
    def unit_names(self) -> dict[str, str]:
        """Unit key → display name."""
        return {u["unit"]: u["name"] for u in self.units}

    def _period(self, year: int) -> pl.DataFrame:
        return self.result.table.filter(pl.col("year") == year)

    def table(self) -> list[dict[str, Any]]:
        """Per unit for the target year: score, rank, group, dimension scores and ranks, rank band,
        last year's rank and the movement (positive = 进位)."""
        now = self._period(self.year)
        if now.is_empty():
            raise EvaluationError(f"{self.year}年没有可评价的数据")
        prev = {
            r["unit"]: r["index_rank"] for r in self._period(self.year - 1).iter_rows(named=True)
        }
        scores = [s for s in now.get_column("index").to_list() if s is not None]
        ref_opt = self.options.get("reference", "mean")
        if ref_opt == "mean":
            reference = float(np.mean(scores)) if scores else None
        else:
            row = now.filter(pl.col("unit") == ref_opt)
            reference = _f(row.get_column("index")[0]) if row.height else None
        bands = {}
        if self.bands is not None:
            for r in self.bands.filter(pl.col("year") == self.year).iter_rows(named=True):
                bands[r["unit"]] = r
        meta = {u["unit"]: u for u in self.units}
        out = []
        for r in now.iter_rows(named=True):
            score = _f(r["index"])
            rel = (100.0 * score / reference) if score is not None and reference else None
            rank = None if r["index_rank"] is None else int(r["index_rank"])
            p = prev.get(r["unit"])
            b = bands.get(r["unit"])
            out.append(
                {
                    "unit": r["unit"],
                    "name": r["unit_name"],
                    "is_city": meta[r["unit"]]["is_city"],
                    "zone_id": meta[r["unit"]].get("zone_id"),
                    "score": score,
                    "rank": rank,
                    "relative": rel,
                    "group": performance_group(rel),
                    "group_label": GROUP_LABELS.get(performance_group(rel) or ""),
                    "dimensions": {
                        d.code: {
                            "score": _f(r[d.code]),
                            "rank": None
                            if r[f"{d.code}_rank"] is None
                            else int(r[f"{d.code}_rank"]),
                        }
                        for d in self.framework.dimensions
                    },
                    "band": None
                    if b is None
                    else {
                        "q05": _f(b["q05_rank"]),
                        "median": _f(b["median_rank"]),
                        "q95": _f(b["q95_rank"]),
                    },
                    "previous_rank": None if p is None else int(p),
                    "movement": None if p is None or rank is None else int(p) - rank,
                }
            )
        return out

    def values(self) -> list[dict[str, Any]]:
        """Raw and normalised value and rank of every indicator per unit, target year (long)."""
        raw = self.result.datasets["Raw"].filter(pl.col("year") == self.year)
        norm = self.result.datasets["Normalised"].filter(pl.col("year") == self.year)
        cat = catalogue().indicators
        out = []
        for code in self.framework.indicators:
            ranks = norm.select("unit", pl.col(code).rank("min", descending=True).alias("r"))
            rank_of = dict(ranks.iter_rows())
            norm_of = dict(norm.select("unit", code).iter_rows())
            for unit, value in raw.select("unit", code).iter_rows():
                out.append(
                    {
                        "unit": unit,
                        "indicator": code,
                        "name": self.framework.row_of(code).name,
                        "unit_label": cat[code].unit,
                        "raw": _f(value),
                        "normalised": _f(norm_of.get(unit)),
                        "rank": None if rank_of.get(unit) is None else int(rank_of[unit]),
                    }
                )
        return out

    # ------------------------------------------------------------------ explanations
    def strengths(self, unit: str, top: int = 3) -> list[dict[str, Any]]:
        """The unit's best and worst indicators by rank among the peers (COINr get_str_weak)."""
        sw = strengths_weaknesses(self.result, unit, top=top, bottom=top, time=self.year)
        return [
            {**r, "dimension": self.framework.dimension_of(r["indicator"]).name}
            for r in sw.iter_rows(named=True)
        ]

    def _raw(self, unit: str) -> dict[str, Any]:
        row = self.data.filter((pl.col("unit") == unit) & (pl.col("year") == self.year))
        if row.is_empty():
            raise EvaluationError(f"“{self.unit_names.get(unit, unit)}”在{self.year}年没有数据")
        return row.row(0, named=True)

    def gaps(self, unit: str, benchmark: str) -> dict[str, Any]:
        """The score gap to a benchmark unit (or TOP_QUARTILE) decomposed by indicator, in points
        (the contributions sum to the score gap) and in raw units with a translated amount."""
        if unit not in self.unit_names:
            raise EvaluationError(f"单元 {unit} 不在对标组中")
        if benchmark == TOP_QUARTILE:
            gap, bench_raw, bench_score = self._quartile_gap(unit)
            bench_name = TOP_QUARTILE_NAME
        else:
            if benchmark not in self.unit_names:
                raise EvaluationError(f"对标单元 {benchmark} 不在对标组中")
            gap = gap_to_benchmark(self.result, unit, benchmark, time=self.year)
            bench_raw = self._raw(benchmark)
            bench_score = _f(
                self._period(self.year).filter(pl.col("unit") == benchmark).get_column("index")[0]
            )
            bench_name = self.unit_names[benchmark]
        unit_score = _f(
            self._period(self.year).filter(pl.col("unit") == unit).get_column("index")[0]
        )
        own = self._raw(unit)
        cat = catalogue().indicators
        rows = []
        for g in gap.iter_rows(named=True):
            code = g["indicator"]
            ind = cat[code]
            ur, br = _f(own.get(code)), _f(bench_raw.get(code))
            raw_gap = None if ur is None or br is None else br - ur
            amount = None
            if raw_gap is not None and ind.translate and raw_gap * ind.direction > 0:
                base = _f(own.get(f"base:{ind.translate['base']}"))
                if base is not None:
                    amount = raw_gap * base * float(ind.translate["scale"])
            rows.append(
                {
                    "indicator": code,
                    "name": self.framework.row_of(code).name,
                    "dimension": self.framework.dimension_of(code).name,
                    "unit_label": ind.unit,
                    "direction": ind.direction,
                    "unit_raw": ur,
                    "benchmark_raw": br,
                    "raw_gap": raw_gap,
                    "unit_normalised": _f(g["unit_value"]),
                    "benchmark_normalised": _f(g["benchmark_value"]),
                    "points": _f(g["gap"]) or 0.0,
                    "translated": None
                    if amount is None
                    else {
                        "what": ind.translate["what"],
                        "unit": ind.translate["unit"],
                        "amount": amount,
                    },
                    "advice": WITHHELD_NOTE
                    if benchmark == TOP_QUARTILE and bench_score is None
                    else _advice(ind, raw_gap, amount, bench_name),
                }
            )
        rows.sort(key=lambda r: -r["points"])
        return {
            "unit": unit,
            "unit_name": self.unit_names[unit],
            "benchmark": benchmark,
            "benchmark_name": bench_name,
            "unit_score": unit_score,
            "benchmark_score": bench_score,
            "score_gap": None
            if unit_score is None or bench_score is None
            else bench_score - unit_score,
            "rows": rows,
            "note": WITHHELD_NOTE if benchmark == TOP_QUARTILE and bench_score is None else None,
        }

    def _quartile_gap(self, unit: str) -> tuple[pl.DataFrame, dict[str, Any], float | None]:
        """Gap to a virtual unit holding, for each indicator, the mean of the best quarter of the
        other units (at least PEER_GROUP_MIN of them; lowest for a lower-is-better indicator), in
        normalised and raw terms; its score aggregates the normalised means with the framework's
        weights. Withheld (None, no points) when an indicator has fewer than PEER_GROUP_MIN others."""
        fw = self.result.framework
        norm = self.result.datasets["Normalised"].filter(pl.col("year") == self.year)
        raw = self.data.filter(pl.col("year") == self.year)
        others_norm = norm.filter(pl.col("unit") != unit)
        others_raw = raw.filter(pl.col("unit") != unit)
        cat = catalogue().indicators
        bench_norm: dict[str, float | None] = {}
        bench_raw: dict[str, Any] = {}
        for code in fw.indicators:
            bench_norm[code] = top_group_mean(others_norm.get_column(code).to_list())
            bench_raw[code] = top_group_mean(
                others_raw.get_column(code).to_list(), cat[code].direction == 1
            )
        withheld = any(bench_norm[c] is None or bench_raw[c] is None for c in fw.indicators)
        if withheld:  # all or nothing: a partial virtual unit would not add up
            bench_norm = dict.fromkeys(fw.indicators)
            bench_raw = dict.fromkeys(fw.indicators)
        unit_norm = norm.filter(pl.col("unit") == unit).row(0, named=True)
        unit_contrib, _ = _contributions(fw, {c: _f(unit_norm[c]) for c in fw.indicators})
        bench_score: float | None = None
        bench_contrib: dict[str, float] = {}
        if not withheld:
            bench_contrib, bench_score = _contributions(fw, bench_norm)
        gap = pl.DataFrame(
            {
                "indicator": fw.indicators,
                "unit_value": [_f(unit_norm[c]) for c in fw.indicators],
                "benchmark_value": [bench_norm[c] for c in fw.indicators],
                "gap": [
                    None
                    if withheld
                    else (bench_contrib.get(c) or 0.0) - (unit_contrib.get(c) or 0.0)
                    for c in fw.indicators
                ],
            },
            schema={
                "indicator": pl.String,
                "unit_value": pl.Float64,
                "benchmark_value": pl.Float64,
                "gap": pl.Float64,
            },
        )
        return gap, bench_raw, bench_score

    def radar(self, unit: str, benchmark: str) -> dict[str, Any]:
        """Dimension scores of a unit and its benchmark, for the radar chart."""
        now = self._period(self.year)
        dims = [d.code for d in self.framework.dimensions]

        def scores_of(u: str) -> list[float | None]:
            if u == TOP_QUARTILE:  # over the other units, as in the gap
                others = now.filter(pl.col("unit") != unit)
                return [top_group_mean(others.get_column(d).to_list()) for d in dims]
            row = now.filter(pl.col("unit") == u).row(0, named=True)
            return [_f(row[d]) for d in dims]

        return {
            "dimensions": [{"code": d.code, "name": d.name} for d in self.framework.dimensions],
            "unit": scores_of(unit),
            "benchmark": scores_of(benchmark),
        }


def _contributions(fw: Any, values: dict[str, float | None]) -> tuple[dict[str, float], float]:
    """Indicator contributions to the index for one set of normalised values (weighted arithmetic
    means re-normalised over available data, as the engine aggregates); returns (by indicator, score)."""
    share: dict[str, float] = {fw.root: 1.0}
    avail: dict[str, bool] = {c: values.get(c) is not None for c in fw.indicators}
    for level in range(2, fw.max_level + 1):
        for p in fw.codes_at(level):
            avail[p] = any(avail[k] for k in fw.children(p))
    for level in range(fw.max_level, 1, -1):
        for p in fw.codes_at(level):
            if p not in share:
                continue
            kids = [k for k in fw.children(p) if avail[k]]
            total = sum(fw.nodes[k].weight for k in kids)
            for k in kids:
                share[k] = share[p] * fw.nodes[k].weight / total if total else 0.0
    contrib = {c: share[c] * values[c] for c in fw.indicators if avail[c] and c in share}
    return contrib, float(sum(contrib.values()))


def _advice(ind: Any, raw_gap: float | None, amount: float | None, bench: str) -> str:
    """A one-line Chinese reading of the raw gap ("对标X：研发强度 +1.3 个百分点，约 8.2亿元研发费用")."""
    if raw_gap is None:
        return "数据不全，无法比较"
    if raw_gap * ind.direction <= 0:
        return f"已达到或优于{bench}"
    unit = "个百分点" if ind.unit == "%" else ind.unit
    need = abs(raw_gap)
    if is_count_unit(unit):
        # a gap of 2.5 enterprises (to a group mean) takes 3 more to close
        need = math.ceil(need - 1e-9)
    text = f"需{'提高' if ind.direction == 1 else '降低'} {fmt_figure(need, unit)}"
    if amount is not None:
        amt = amount / 10000 if ind.translate["unit"] == "万元" and abs(amount) >= 10000 else amount
        u = (
            "亿元"
            if ind.translate["unit"] == "万元" and abs(amount) >= 10000
            else ind.translate["unit"]
        )
        if is_count_unit(u):
            amt = math.ceil(amt - 1e-9)
        text += f"，约需增加{ind.translate['what']} {fmt_figure(amt, u)}"
    return text


def evaluate_frame(
    framework: ZoneFramework,
    options: dict[str, Any],
    data: pl.DataFrame,
    units: list[dict[str, Any]],
    year: int,
) -> Evaluation:
    """Run the engine on prepared data (unit, unit_name, year, indicators, base:* columns)."""
    codes = framework.indicators
    data = data.sort("unit", "year")
    if data.filter(pl.col("year") == year).is_empty():
        raise EvaluationError(f"{year}年对标组内没有任何高新区的数据")
    if data.filter(pl.col("year") == year).height < 2:
        raise EvaluationError(f"{year}年对标组内只有1个高新区有数据，至少需要2个才能比较")
    spec = spec_from_dict(engine_spec(framework, options))
    engine_data = data.select("unit", "unit_name", "year", *codes)
    result = run(spec, engine_data)
    ev = Evaluation(framework, options, year, units, data, result, hash_frame(data))
    runs = int(options.get("uncertainty_runs", 0))
    if runs > 0:
        factors: list[dict[str, Any]] = [
            {
                "name": f"权重±{round(100 * options['weight_noise'])}%",
                "noise": float(options["weight_noise"]),
                "levels": [1, 2],
                "sets": 100,
            }
        ]
        if options.get("vary_normalisation"):
            norm = spec.step("normalise")
            factors.append(
                {
                    "name": "归一化方法",
                    "step": "normalise",
                    "values": [{"method": norm["method"]}, {"method": "prank"}],
                }
            )
        ua = uncertainty(
            spec, engine_data, runs=runs, seed=int(options["seed"]), factors=factors, nominal=result
        )
        ev.bands = ua.table
        ev.uncertainty_record = ua.record()
    return ev
