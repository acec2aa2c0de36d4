"""The one place the workflow calls the review engine (`kechuang.engines.review`, built separately):
conflict-free reviewer assignment and bias-corrected score aggregation.

Imports are lazy so this domain loads (and its other features work) before the engine is merged;
a missing engine is reported in Chinese. Rows are passed in the file interface's Chinese headers,
so the API, the CLI and the independent checks see one format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kechuang.core.errors import Unprocessable


class ReviewEngineMissing(Unprocessable):
    """The review engine is not installed in this build."""


@dataclass
class Staffing:
    """The assignment result: pairs (申报编号/专家编号/匹配度/理由) and infeasibility explanations."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    infeasible: list[str] = field(default_factory=list)


def _engine() -> Any:
    try:
        from kechuang.engines import review
    except ImportError as exc:  # the engine arrives in a separate branch
        raise ReviewEngineMissing(
            "评审引擎（engines/review）尚未安装，无法自动分配专家或汇总评分"
        ) from exc
    return review


def assign(
    applications: list[dict[str, Any]],
    experts: list[dict[str, Any]],
    relations: list[dict[str, Any]],
    year: int,
    per_application: int,
    finance: bool,
) -> Staffing:
    """Assign `per_application` conflict-free experts to every application (engine call)."""
    result = _engine().assign_reviewers(
        applications, experts, relations, year, per_application, finance
    )
    return Staffing(list(result.pairs), [str(x) for x in result.infeasible])


# The engine's result keys are agreed in words only (raw mean, corrected, interval, rank, band);
# these are the spellings accepted for each, English or the file interface's Chinese headers.
_KEYS = {
    "application_id": ("application_id", "application", "申报编号"),
    "raw_mean": ("raw_mean", "raw", "mean", "原始均分", "原始平均分"),
    "corrected": ("corrected", "corrected_score", "score", "校正分", "校正后分数"),
    "rank": ("rank", "名次", "排名"),
    "rank_band": ("rank_band", "band", "名次区间", "排名区间"),
}
_INTERVAL = (("interval",), ("ci",), ("lo", "hi"), ("low", "high"), ("区间下限", "区间上限"))


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((row[n] for n in names if n in row), None)


def normalise(row: Any) -> dict[str, Any]:
    """One aggregate row with the canonical keys (application_id, raw_mean, corrected, interval
    as (lo, hi), rank, rank_band); the engine's own keys are kept as well."""
    raw = dict(row) if isinstance(row, dict) else dict(vars(row))
    out = {**raw, **{k: _pick(raw, names) for k, names in _KEYS.items()}}
    interval = None
    for names in _INTERVAL:
        if all(n in raw for n in names):
            interval = tuple(raw[names[0]]) if len(names) == 1 else (raw[names[0]], raw[names[1]])
            break
    out["interval"] = interval
    missing = [k for k in ("application_id", "corrected") if out[k] is None]
    if missing:
        raise ReviewEngineMissing("评审引擎返回的汇总结果缺少字段：" + "、".join(missing))
    return out


def aggregate(rows: list[tuple[Any, Any, float]], method: str = "additive") -> list[dict[str, Any]]:
    """Per application: raw mean, corrected score, interval, rank and rank band (engine call)."""
    return [normalise(r) for r in _engine().aggregate_scores(rows, method=method)]
