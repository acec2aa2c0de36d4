"""The annual assessment of commissioners: the scheme as data (methodology/assessment_*.yaml), a
pure computation (scores, ranks, grades with the 优秀 quota and ties), the stored run and the
bureau's table as .xlsx."""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from kechuang.commissioners.models import (
    KINDS,
    AssessmentResult,
    AssessmentRun,
    Commissioner,
    Rating,
    ServiceLog,
)
from kechuang.commissioners.scope import commissioner_scope, require_domain_role, require_role
from kechuang.core.errors import Unprocessable
from kechuang.core.excel import Column, demo_data_present, write_sheets
from kechuang.core.methodology import (
    Catalogue,
    MethodologyFile,
    Registry,
    Source,
    Versioning,
    read_source,
)
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal

INPUTS = ("days", "visits", "income_wan", "trainees", "introductions", "rating")
RATING_COUNT = "ratings"  # stored beside the inputs so "no rating" can be told from a mean of 0


class AssessmentSchemeError(Unprocessable, ValueError):
    """A scheme file is malformed (message in Chinese)."""


@dataclass(frozen=True)
class Indicator:
    """One scored input: points × min(value / full, 1)."""

    code: str
    name: str
    points: float
    full: float
    source: Source | None


@dataclass(frozen=True)
class Part:
    """A part of the scheme (服务情况、服务成效、服务满意度) with its indicators."""

    code: str
    name: str
    points: float
    indicators: tuple[Indicator, ...]
    source: Source | None


@dataclass(frozen=True)
class Grade:
    """A grade with its minimum total and an optional quota (share of those assessed)."""

    code: str
    name: str
    min: float
    quota: float | None
    source: Source | None


@dataclass(frozen=True)
class Scheme:
    """An assessment scheme as read from its file."""

    code: str
    version: str
    name: str
    parts: tuple[Part, ...]
    grades: tuple[Grade, ...]
    veto_no_service: bool
    sha256: str = ""
    source: Source | None = None


def _parse(file: MethodologyFile, reg: Registry | None) -> Scheme:
    data = file.data
    problems: list[str] = []
    parts = []
    for p in data.get("parts") or []:
        inds = []
        for i in p.get("indicators") or []:
            if i["code"] not in INPUTS:
                problems.append(f"指标 {i['code']} 不是可计算的输入（{'、'.join(INPUTS)}）")
            if float(i["full"]) <= 0:
                problems.append(f"指标 {i['code']} 的满分值应为正数")
            src = read_source(i.get("source"), f"指标 {i['code']}", problems, reg)
            inds.append(Indicator(i["code"], i["name"], float(i["points"]), float(i["full"]), src))
        total = sum(i.points for i in inds)
        if abs(total - float(p["points"])) > 1e-9:
            problems.append(f"部分“{p['name']}”的指标分值之和 {total:g} ≠ {p['points']}")
        src = read_source(p.get("source"), f"部分 {p['code']}", problems, reg)
        parts.append(Part(p["code"], p["name"], float(p["points"]), tuple(inds), src))
    if abs(sum(p.points for p in parts) - 100) > 1e-9:
        problems.append("各部分分值之和应为 100")
    grades = []
    for g in data.get("grades") or []:
        src = read_source(g.get("source"), f"等次 {g['code']}", problems, reg)
        quota = g.get("quota")
        if quota is not None and not 0 < float(quota) <= 1:
            problems.append(f"等次 {g['name']} 的名额比例应在 0–1 之间")
        grades.append(
            Grade(
                g["code"], g["name"], float(g["min"]), None if quota is None else float(quota), src
            )
        )
    if not grades or grades[-1].min != 0:
        problems.append("最后一个等次的最低分应为 0（每人都有等次）")
    if any(a.min < b.min for a, b in zip(grades, grades[1:], strict=False)):
        problems.append("等次应按最低分从高到低排列")
    source = read_source(data.get("source"), "方案", problems, reg)
    vetoes = {v["code"] for v in data.get("vetoes") or []}
    for v in data.get("vetoes") or []:
        read_source(v.get("source"), f"否决项 {v['code']}", problems, reg)
    if problems:
        err = AssessmentSchemeError("；".join(problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    return Scheme(
        str(data["code"]),
        str(data["version"]),
        str(data["name"]),
        tuple(parts),
        tuple(grades),
        "no_service" in vetoes,
        file.sha256,
        source,
    )


SCHEMES: Catalogue[Scheme] = Catalogue(
    label="特派员考核方案",
    package="kechuang.commissioners",
    folder="",
    pattern="assessment_*.yaml",
    parse=_parse,
    error=AssessmentSchemeError,
    versioning=Versioning(
        code=lambda s: f"{s.code}@{s.version}", family=lambda s: s.code, version=lambda s: s.version
    ),
)


def current_scheme() -> Scheme:
    """The newest assessment scheme."""
    schemes = SCHEMES.load()
    return SCHEMES.latest(schemes[0].code)


# ------------------------------------------------------------------ pure computation


@dataclass
class Scored:
    """One commissioner's computed assessment."""

    key: int
    inputs: dict[str, float]
    parts: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    rank: int = 0
    grade: str = ""
    note: str = ""


def score_one(inputs: dict[str, float], scheme: Scheme) -> tuple[dict[str, float], float]:
    """Part scores and the total (rounded to 2 decimals) of one commissioner's inputs."""
    parts = {}
    for part in scheme.parts:
        s = sum(
            ind.points * min(max(inputs.get(ind.code, 0.0), 0.0) / ind.full, 1.0)
            for ind in part.indicators
        )
        parts[part.code] = round(s, 2)
    return parts, round(sum(parts.values()), 2)


def assess(rows: dict[int, dict[str, float]], scheme: Scheme) -> list[Scored]:
    """Score, rank (competition ranking: ties share a rank) and grade every commissioner.

    A grade with a quota admits at most floor(quota × number assessed), best first; when admitting
    a group of tied totals would exceed it, none of the tied group is admitted (no arbitrary
    tie-break) and they fall to the next grade they reach. A veto (no confirmed service) fails."""
    out = []
    for key, inputs in rows.items():
        parts, total = score_one(inputs, scheme)
        out.append(Scored(key, dict(inputs), parts, total))
    out.sort(key=lambda s: (-s.total, s.key))
    for i, s in enumerate(out):
        s.rank = out[i - 1].rank if i and out[i - 1].total == s.total else i + 1
    n = len(out)
    used: dict[str, int] = defaultdict(int)
    closed: set[str] = set()  # a quota grade that refused a tied group admits no lower total
    fail = scheme.grades[-1]
    by_total: dict[float, list[Scored]] = defaultdict(list)
    for s in out:
        by_total[s.total].append(s)
    for total in sorted(by_total, reverse=True):
        group = by_total[total]
        vetoed = [s for s in group if scheme.veto_no_service and s.inputs.get("visits", 0) <= 0]
        for s in vetoed:
            s.grade, s.note = fail.name, "全年无已确认服务"
        group = [s for s in group if not s.grade]
        for g in scheme.grades:
            if not group or total < g.min:
                continue
            if g.quota is not None:
                cap = math.floor(g.quota * n)
                if g.code in closed or used[g.code] + len(group) > cap:
                    closed.add(g.code)
                    for s in group:
                        s.note = f"{g.name}名额已满（{cap} 名）" + (
                            "，同分并列" if len(group) > 1 else ""
                        )
                    continue
            for s in group:
                s.grade = g.name
            used[g.code] += len(group)
            group = []
    return out


# ------------------------------------------------------------------ inputs from the database


def gather_inputs(session: Session, year: int) -> dict[int, dict[str, float]]:
    """Per active commissioner: the year's confirmed service (days, visits, income, trainees,
    introductions) and the mean rating; unconfirmed logs do not count."""
    rows: dict[int, dict[str, float]] = {
        cid: dict.fromkeys(INPUTS, 0.0)
        for cid in session.scalars(
            select(Commissioner.id).where(
                Commissioner.status == "active", Commissioner.batch_year <= year
            )
        )
    }
    stmt = (
        select(
            ServiceLog.commissioner_id,
            func.sum(ServiceLog.days),
            func.count(ServiceLog.id),
            func.sum(ServiceLog.income_wan),
            func.sum(ServiceLog.trainees),
            func.sum(
                ServiceLog.new_varieties + ServiceLog.new_techniques + ServiceLog.new_equipment
            ),
        )
        .where(ServiceLog.status == "confirmed", extract("year", ServiceLog.served_on) == year)
        .group_by(ServiceLog.commissioner_id)
    )
    for cid, days, visits, income, trainees, intro in session.execute(stmt):
        r = rows.setdefault(cid, dict.fromkeys(INPUTS, 0.0))
        r.update(
            days=float(days or 0),
            visits=float(visits or 0),
            income_wan=round(float(income or 0), 4),
            trainees=float(trainees or 0),
            introductions=float(intro or 0),
        )
    for r in rows.values():
        r[RATING_COUNT] = 0.0
    ratings = select(Rating.commissioner_id, func.avg(Rating.score), func.count(Rating.id)).where(
        Rating.year == year
    )
    for cid, mean, count in session.execute(ratings.group_by(Rating.commissioner_id)):
        if cid in rows:
            rows[cid]["rating"] = round(float(mean), 4)
            rows[cid][RATING_COUNT] = float(count)
    return rows


def run_assessment(session: Session, principal: Principal, year: int) -> AssessmentRun:
    """Assess every commissioner for the year with the current scheme and store it (the bureau)."""
    require_role(principal, ("city_admin",), "进行特派员年度考核")
    scheme = current_scheme()
    rows = gather_inputs(session, year)
    digest = hashlib.sha256(
        json.dumps(sorted(rows.items()), sort_keys=True).encode("utf-8")
    ).hexdigest()
    run = AssessmentRun(
        year=year,
        scheme=f"{scheme.code}@{scheme.version}",
        scheme_sha256=scheme.sha256,
        input_sha256=digest,
        created_by=principal.user_id,
    )
    session.add(run)
    session.flush()
    for s in assess(rows, scheme):
        session.add(
            AssessmentResult(
                run_id=run.id,
                commissioner_id=s.key,
                inputs=s.inputs,
                parts=s.parts,
                total=s.total,
                rank=s.rank,
                grade=s.grade,
                note=s.note,
            )
        )
    session.flush()
    return run


def latest_run(session: Session, principal: Principal, year: int) -> AssessmentRun | None:
    """The newest stored assessment of the year."""
    require_domain_role(principal)
    return session.scalar(
        select(AssessmentRun)
        .where(AssessmentRun.year == year)
        .order_by(AssessmentRun.id.desc())
        .limit(1)
    )


def assessment_table(session: Session, principal: Principal, year: int) -> list[dict[str, Any]]:
    """The year's newest assessment as rows (the bureau all; a commissioner only his own row;
    county admins, whose view is one county, are refused: the assessment counts all counties)."""
    require_role(principal, ("city_admin", "commissioner"), "查看年度考核结果")
    run = latest_run(session, principal, year)
    if run is None:
        if principal.is_city_admin:
            return []
        raise ScopeError(f"{year} 年度考核结果尚未发布")
    scheme = current_scheme()
    stmt = (
        select(AssessmentResult, Commissioner)
        .join(Commissioner, Commissioner.id == AssessmentResult.commissioner_id)
        .where(AssessmentResult.run_id == run.id, commissioner_scope(principal))
        .order_by(AssessmentResult.rank, Commissioner.id)
    )
    out = []
    for r, c in session.execute(stmt):
        row = {
            "commissioner_id": c.id,
            "name": c.name,
            "kind": KINDS.get(c.kind, c.kind),
            "unit": c.unit,
            "region_code": c.region_code,
            **{k: r.inputs.get(k, 0.0) for k in INPUTS},
            # no rating is not a rating of 0: shown as "—" (the scheme still scores it as 0)
            "rating": None if r.inputs.get(RATING_COUNT) == 0 else r.inputs.get("rating", 0.0),
            **{p.code: r.parts.get(p.code, 0.0) for p in scheme.parts},
            "total": r.total,
            "rank": r.rank,
            "grade": r.grade,
            "note": r.note,
        }
        out.append(row)
    return out


def export_columns(scheme: Scheme) -> list[Column]:
    """The columns of the bureau's assessment table."""
    cols = [
        Column("rank", "名次", "int"),
        Column("name", "特派员（团队、单位）"),
        Column("kind", "类型"),
        Column("unit", "派出单位"),
        Column("region_code", "所在区县代码"),
        Column("days", "服务天数", "decimal", unit="天"),
        Column("visits", "已确认服务次数", "int"),
        Column("income_wan", "带动增收", "decimal", unit="万元"),
        Column("trainees", "培训人次", "int"),
        Column("introductions", "引进推广新品种新技术新装备", "int", unit="项"),
        Column("rating", "平均评分", "decimal"),
    ]
    cols += [Column(p.code, f"{p.name}（{p.points:g}分）", "decimal") for p in scheme.parts]
    cols += [Column("total", "总分", "decimal"), Column("grade", "等次"), Column("note", "说明")]
    return cols


def export_assessment(session: Session, principal: Principal, year: int) -> bytes:
    """The bureau's table (.xlsx, Chinese headers) of the year's newest assessment."""
    require_role(principal, ("city_admin",), "导出年度考核表")
    rows = assessment_table(session, principal, year)
    scheme = current_scheme()
    cols = export_columns(scheme)
    frame = pl.DataFrame(
        {c.code: [r.get(c.code) for r in rows] for c in cols},
        schema={
            c.code: (
                pl.Int64 if c.kind == "int" else pl.Float64 if c.kind == "decimal" else pl.Utf8
            )
            for c in cols
        },
        strict=False,
    )
    notes = [
        f"{year} 年度科技特派员考核表（方案：{scheme.name}，版本 {scheme.version}）",
        "只计经服务对象确认的服务日志；满意度为服务对象评分（1–5 分）的平均值。",
        "分值：" + "；".join(f"{p.name} {p.points:g} 分" for p in scheme.parts),
        "等次："
        + "；".join(
            f"{g.name} ≥ {g.min:g} 分" + (f"（名额 ≤ {g.quota:.0%}）" if g.quota else "")
            for g in scheme.grades
        ),
        "未经确认：指标、满分值、分数线与优秀名额为本平台暂行规则，待市科技局确认。",
    ]
    return write_sheets(
        [(f"{year}年度考核", cols, frame)],
        notes,
        title=f"{year}年度科技特派员考核表",
        scope="全市",
        year=year,
        demo=demo_data_present(session),
        methodology_version=f"{scheme.name} {scheme.version}",
    )
