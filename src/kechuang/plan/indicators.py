"""The registry of named indicators a quantitative target reads, and of the readers of milestones
that the platform can judge from its own data. Each indicator calls its module's own service
function (the one behind the module's page), so the plan shows the same number as that page, in
the principal's scope: where the module refuses the role or withholds a total, the plan says so
instead of computing the figure another way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import UserError
from kechuang.core.security import Principal


@dataclass
class IndicatorResult:
    """A yearly series in the principal's scope; `tracker` when the module tracks the target
    itself (the zones tracker), `withheld` when the module refuses or withholds the figure."""

    values: dict[int, float] = field(default_factory=dict)
    tracker: dict[str, Any] | None = None
    withheld: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Indicator:
    """A named indicator: label, unit, the page showing the same figure, and its function
    `compute(session, principal, years, target)` with target the plan target's fields (and
    `cache`, a dict shared by one status computation, for module results several targets read)."""

    code: str
    label: str
    unit: str
    detail_url: str
    compute: Callable[[Session, Principal, list[int], dict[str, Any]], IndicatorResult]


def _refused(exc: UserError) -> IndicatorResult:
    return IndicatorResult(withheld=f"该指标由所属模块按权限不予显示（{exc}）")


# ------------------------------------------------------------------ zones


def zone_revenue(
    session: Session, principal: Principal, years: list[int], target: dict[str, Any]
) -> IndicatorResult:
    """Zone revenue total through the zones tracker (zones.service.track_targets, the function
    of the 目标跟踪 page), with the target's own baseline, year and value."""
    from kechuang.zones import service as zones

    # the tracker judges in the status year (a passed, unreported target year is pending)
    as_of = max(target.get("as_of") or 0, max(years))
    base = target.get("baseline_year") or min(years)
    cfg = {
        "code": "plan",
        "name": "规划目标",
        "version": "plan",
        "targets": [
            {
                "code": target.get("code", "plan"),
                "name": target.get("title", "高新区营业收入"),
                "indicator": "e.operating_revenue",
                "unit": "万元",
                "baseline_year": base,
                "baseline_value": target.get("baseline_value"),
                "target_year": target.get("target_year") or as_of,
                # a tracked indicator without a goal still needs one for the tracker's path; the
                # plan discards the verdict then and shows the series only
                "target_value": target.get("target_value") or 1.0,
                "confidence": 0.8,
            }
        ],
    }
    try:
        [t] = zones.track_targets(session, principal, as_of, config=cfg)
    except UserError as exc:
        if "没有数据" in str(exc) or "没有实际数据" in str(exc):
            return IndicatorResult(note=str(exc))
        return _refused(exc)
    if t.get("withheld"):
        return IndicatorResult(withheld=t["withheld"])
    tr = t["tracker"]
    values = {int(y): float(v) for y, v in tr["actual"].items() if int(y) <= max(years)}
    return IndicatorResult(values=values, tracker=tr if target.get("target_value") else None)


# ------------------------------------------------------------------ tiers


def tier_count(
    session: Session, principal: Principal, years: list[int], target: dict[str, Any]
) -> IndicatorResult:
    """Enterprises on a rung family (params.family) per year, from the 梯度培育 dashboard's
    pipeline (tiers.dashboard.pipeline), counted in the principal's visible range."""
    from kechuang.tiers.dashboard import pipeline

    family = (target.get("params") or {}).get("family")
    known = _years_with_enterprise_data(session, years)
    if not known:
        return IndicatorResult(note="没有企业年度统计数据")
    cache = target.get("cache")
    key = ("tiers.pipeline", tuple(known))
    try:
        if cache is not None and key in cache:
            data = cache[key]
        else:
            data = pipeline(session, principal, known)
            if cache is not None:
                cache[key] = data
    except UserError as exc:
        return _refused(exc)
    values = {
        int(r["year"]): float(r.get(family) or 0)
        for r in data["counts"]
        if r["zone_id"] is None and family in r
    }
    note = "" if principal.scope == "all" else "按本账号可见范围计数"
    return IndicatorResult(values=values, note=note)


def _years_with_enterprise_data(session: Session, years: list[int]) -> list[int]:
    from kechuang.statistics.models import EnterpriseYear

    have = set(
        session.scalars(
            select(EnterpriseYear.year).where(EnterpriseYear.year.in_(years)).distinct()
        )
    )
    return sorted(have)


# ------------------------------------------------------------------ points


def points_enterprises(
    session: Session, principal: Principal, years: list[int], target: dict[str, Any]
) -> IndicatorResult:
    """Enterprises scored in the newest points run, per year (points.service.top_list's total,
    the count the 创新积分 page shows)."""
    from kechuang.points import service as points

    run = points.get_run(session)
    if run is None:
        return IndicatorResult(note="尚未计算创新积分")
    values: dict[int, float] = {}
    for y in sorted(set(years) & set(run.years or [])):
        try:
            values[y] = float(points.top_list(session, principal, year=y, n=1)["total"])
        except UserError as exc:
            return _refused(exc)
    return IndicatorResult(values=values)


# ------------------------------------------------------------------ commissioners


def _commissioner_total(key: str):
    def compute(
        session: Session, principal: Principal, years: list[int], target: dict[str, Any]
    ) -> IndicatorResult:
        from kechuang.commissioners.dashboard import dashboard

        values: dict[int, float] = {}
        for y in years:
            try:
                total = dashboard(session, principal, y)["total"]
            except UserError as exc:
                return _refused(exc)
            if total["demands"] or total["visits"]:
                values[y] = float(total[key])
        return IndicatorResult(values=values)

    compute.__doc__ = f"The 特派员服务概况 dashboard's yearly total “{key}”."
    return compute


# ------------------------------------------------------------------ programmes

# states from 立项 on: the project was funded (terminated ones were funded too)
FUNDED_STATES = (
    "approved",
    "task_book",
    "funded",
    "midterm",
    "acceptance",
    "evaluation",
    "closed",
    "terminated",
)


def programs_funded(
    session: Session, principal: Principal, years: list[int], target: dict[str, Any]
) -> IndicatorResult:
    """Projects funded (立项 and later) per call year in a 指南 domain (params.domain), from the
    applications the principal may see (programs.service.list_applications)."""
    from kechuang.programs import service as programs
    from kechuang.programs.models import Call
    from kechuang.programs.taxonomy import load_guide

    domain = (target.get("params") or {}).get("domain")
    guide = load_guide()
    try:
        apps = programs.list_applications(session, principal)
    except UserError as exc:
        return _refused(exc)
    call_years = dict(session.execute(select(Call.id, Call.year)).all())
    values: dict[int, float] = {y: 0.0 for y in years if call_years and y in call_years.values()}
    for a in apps:
        y = call_years.get(a.call_id)
        if y in values and a.state in FUNDED_STATES and guide.domain_of(a.direction) == domain:
            values[y] += 1
    return IndicatorResult(values=values)


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "zones.revenue_total",
            "全市高新区营业收入",
            "万元",
            "/evaluation/targets",
            zone_revenue,
        ),
        Indicator("tiers.count", "梯度企业数", "家", "/tiers", tier_count),
        Indicator(
            "points.pilot_enterprises",
            "参与创新积分评价的企业数",
            "家",
            "/points",
            points_enterprises,
        ),
        Indicator(
            "commissioners.service_days",
            "科技特派员服务天数",
            "天",
            "/commissioners/dashboard",
            _commissioner_total("days"),
        ),
        Indicator(
            "commissioners.demands_served",
            "已服务需求数",
            "项",
            "/commissioners/dashboard",
            _commissioner_total("served"),
        ),
        Indicator("programs.funded", "立项项目数", "项", "/programs/review", programs_funded),
    )
}


# ------------------------------------------------------------------ milestone readers


@dataclass
class MilestoneReading:
    """What the platform's data say about a milestone: a state, dated evidence lines."""

    state: str | None  # achieved / in_progress / not_started / None (cannot tell)
    evidence: list[str] = field(default_factory=list)
    detail_url: str = ""


def rank_advance(
    session: Session, principal: Principal, year: int, target: dict[str, Any]
) -> MilestoneReading:
    """进位: each listed zone's rank in the stored zone evaluation of the latest year up to `year`
    against its rank in the baseline year (zones.service.ranking, the 高新区排名 page)."""
    from kechuang.zones import service as zones

    names = list((target.get("params") or {}).get("zones") or [])
    base_year = target.get("baseline_year")
    years = [y for y in zones.available_years(session) if y <= year]
    if not years or base_year is None:
        return MilestoneReading(None, ["暂无高新区评价数据"], "/evaluation/ranking")
    latest = max(years)
    first = base_year if base_year in years else min(years)
    if latest == first:
        return MilestoneReading(
            None, [f"仅有 {latest} 年评价，尚无法比较名次"], "/evaluation/ranking"
        )
    try:
        before = _ranks(zones.ranking(session, principal, first))
        after = _ranks(zones.ranking(session, principal, latest))
    except UserError as exc:
        return MilestoneReading(None, [f"无法读取高新区排名（{exc}）"], "/evaluation/ranking")
    evidence, advanced, known = [], 0, 0
    for name in names:
        a, b = before.get(name), after.get(name)
        if a is None or b is None:
            evidence.append(f"{name}：{first}年或{latest}年名次不可见")
            continue
        known += 1
        moved = "进位" if b < a else ("持平" if b == a else "退位")
        advanced += b < a
        evidence.append(f"{name}：{first}年第{a}名 → {latest}年第{b}名（{moved}）")
    if known < len(names) or not names:
        state = None
    elif advanced == len(names):
        state = "achieved"
    elif advanced:
        state = "in_progress"
    else:
        state = "not_started"
    return MilestoneReading(state, evidence, "/evaluation/ranking")


def _ranks(view: dict[str, Any]) -> dict[str, int]:
    out = {}
    for row in view.get("table") or []:
        name = row.get("zone") or row.get("name") or row.get("unit")
        rank = row.get("rank")
        if name and rank is not None:
            out[str(name)] = int(rank)
    return out


def open_challenges(
    session: Session, principal: Principal, year: int, target: dict[str, Any]
) -> MilestoneReading:
    """揭榜挂帅 used in a 指南 domain: 揭榜挂帅 challenges posted in the domain up to `year`."""
    from kechuang.programs import service as programs
    from kechuang.programs.taxonomy import load_guide

    domain = (target.get("params") or {}).get("domain")
    guide = load_guide()
    try:
        challenges = programs.list_challenges(session, principal)
    except UserError as exc:
        return MilestoneReading(None, [f"无法读取揭榜挂帅榜单（{exc}）"], "/programs/calls")
    hits = [
        c
        for c in challenges
        if c.year <= year and (guide.domain_of(c.direction) == domain or c.direction == domain)
    ]
    if not hits:
        return MilestoneReading(None, [], "/programs/calls")
    evidence = [f"{c.year}年 揭榜挂帅榜单“{c.title}”（{c.owner_unit}）" for c in hits]
    return MilestoneReading("achieved", evidence, "/programs/calls")


MILESTONE_READERS: dict[str, Callable[..., MilestoneReading]] = {
    "zones.rank_advance": rank_advance,
    "programs.challenges": open_challenges,
}
