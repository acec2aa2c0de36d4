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


def aggregate(rows: list[tuple[Any, Any, float]], method: str = "additive") -> list[dict[str, Any]]:
    """Per application: raw mean, corrected score, interval, rank and rank band (engine call)."""
    return list(_engine().aggregate_scores(rows, method=method))
