"""The one place the workflow calls the review engine (`kechuang.engines.review`): conflict-free
reviewer assignment and bias-corrected score aggregation.

Rows come in the file interface's Chinese headers (the same as `kechuang programs
assign-reviewers` reads), so the workflow, the CLI and the independent checks share one format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kechuang.core.errors import Unprocessable
from kechuang.engines import review


class ReviewInputRefused(Unprocessable):
    """The engine refused the inputs (message in Chinese)."""


@dataclass
class Staffing:
    """The assignment result: pairs (申报编号/专家编号/匹配度/理由) and infeasibility explanations."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    infeasible: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _application(row: dict[str, Any]) -> review.Application:
    return review.Application(
        id=_text(row["申报编号"]),
        unit_code=_text(row["申报单位代码"]),
        leader_id=_text(row["项目负责人证件号"]).upper(),
        unit_name=_text(row.get("申报单位")),
        leader_name=_text(row.get("项目负责人")),
        direction=_text(row.get("指南方向")),
        title=_text(row.get("项目名称")),
        keywords=_text(row.get("关键词")),
    )


def _expert(row: dict[str, Any]) -> review.Expert:
    return review.Expert(
        id=_text(row["专家编号"]),
        person_id=_text(row["证件号"]).upper(),
        unit_code=_text(row["工作单位代码"]),
        name=_text(row.get("姓名")),
        unit_name=_text(row.get("工作单位")),
        title=_text(row.get("职称")),
        fields=_text(row.get("研究领域")),
        keywords=_text(row.get("关键词")),
        finance=_text(row.get("财务专家")) == "是",
        max_reviews=int(row.get("最多评审数") or 0),
    )


def _relation(row: dict[str, Any], number: int) -> review.Relation:
    return review.Relation(
        _text(row["甲"]).upper(),
        _text(row["甲类型"]),
        _text(row["乙"]).upper(),
        _text(row["乙类型"]),
        _text(row["关系"]),
        row.get("开始年份"),
        row.get("结束年份"),
        f"关联关系登记第 {number} 条",
    )


def assign(
    applications: list[dict[str, Any]],
    experts: list[dict[str, Any]],
    relations: list[dict[str, Any]],
    year: int,
    per_application: int,
    finance: bool,
) -> Staffing:
    """Assign `per_application` conflict-free experts to every application (engine call)."""
    try:
        result = review.assign_reviewers(
            [_application(r) for r in applications],
            [_expert(r) for r in experts],
            [_relation(r, i) for i, r in enumerate(relations, 1)],
            year,
            per_application,
            finance,
        )
    except review.ReviewInputError as exc:
        raise ReviewInputRefused(str(exc)) from exc
    pairs = [
        {"申报编号": p.application_id, "专家编号": p.expert_id, "匹配度": p.score, "理由": p.reason}
        for p in result.pairs
    ]
    infeasible = [f"{u.application_id}：{u.reason}" for u in result.unstaffed]
    if not result.feasible and not infeasible:
        infeasible = [result.message]
    return Staffing(pairs, infeasible)


def aggregate(rows: list[tuple[Any, Any, float]], method: str = "additive") -> list[dict[str, Any]]:
    """Per application (best first): raw mean, corrected score, its 90% interval (lo, hi), rank and
    rank band "a–b"; application ids come back as given."""
    if not rows:
        return []
    ids = {str(a): a for a, _e, _s in rows}
    try:
        result = review.aggregate(
            [str(a) for a, _e, _s in rows],
            [str(e) for _a, e, _s in rows],
            [float(s) for _a, _e, s in rows],
            method=method,
        )
    except review.ReviewInputError as exc:
        raise ReviewInputRefused(str(exc)) from exc
    return [
        {
            **r,
            "application_id": ids[r["application_id"]],
            "interval": (r["lower"], r["upper"]),
            "rank_band": f"{r['rank_lower']}–{r['rank_upper']}",
        }
        for r in result.rows()
    ]
