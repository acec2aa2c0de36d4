"""The leadership cockpit (领导驾驶舱): one tile per part of the plan — targets, zones' ranks and
movement, the tier funnel, innovation points, commissioners' service, programmes by domain and
the carriers chain — each read through its own domain's scoped service, so a zone admin sees
exactly what those services let her see (her zone, published ranks, no withheld totals).

A tile is plain data (stats, items, a link to its detail page, or a message saying why it is
empty); the page and the API render the same dicts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import UserError
from kechuang.core.security import Principal

COCKPIT_ROLES = ("city_admin", "zone_admin")
# the states in which an application is selected: 公示 (拟立项), 立项 and every later stage but failure
APPROVED_STATES = (
    "publicity",
    "approved",
    "task_book",
    "funded",
    "midterm",
    "acceptance",
    "evaluation",
    "closed",
)
# status colours: one meaning everywhere on the screen (green on track, amber at risk, red off)
STATUS_COLOURS = {
    "achieved": "#2e7d32",
    "on_track": "#43a047",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "missed": "#b71c1c",
    "pending": "#78909c",
    "no_data": "#9e9e9e",
}


def _tile(key: str, title: str, link: str) -> dict[str, Any]:
    return {"key": key, "title": title, "link": link, "message": None, "stats": [], "items": []}


def _safe(tile: dict[str, Any], fill: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Fill a tile; a domain's refusal or missing data becomes the tile's message."""
    try:
        fill(tile)
    except UserError as exc:
        tile["message"] = str(exc)
        if isinstance(exc, PermissionError):
            tile["link"] = None  # its detail page would refuse the role as well
    except PermissionError:
        tile["message"] = "本角色无权查看此项（由市科技局统一管理）"
        tile["link"] = None
    if tile["message"] is None and not tile["stats"] and not tile["items"]:
        tile["message"] = "暂无数据"
    return tile


def _stat(label: str, value: Any, unit: str = "") -> dict[str, Any]:
    return {"label": label, "value": value, "unit": unit}


# ------------------------------------------------------------------ tiles


def targets_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Every plan target of the year with its status, and the count per status."""
    from kechuang.plan.status import target_statuses

    def fill(t: dict[str, Any]) -> None:
        rows = target_statuses(session, principal, year)
        if not rows:
            t["message"] = "尚未加载规划：请市科技局先加载规划文件"
            return
        counts = Counter((r.status, r.status_label) for r in rows)
        t["stats"] = [_stat(label, n, "项") for (_s, label), n in counts.most_common()]
        t["items"] = [
            {
                "code": r.code,
                "title": r.title,
                "section": r.section_title,
                "value": r.value,
                "value_year": r.value_year,
                "target_value": r.target_value,
                "target_year": r.target_year,
                "unit": r.unit,
                "status": r.status,
                "status_label": r.status_label,
                "link": r.detail_url,
            }
            for r in rows
        ]

    return _safe(_tile("targets", "规划目标完成情况", "/plan"), fill)


def _ranking_year(session: Session, year: int) -> int | None:
    from kechuang.zones.service import available_years

    years = [y for y in available_years(session) if y <= year]
    return max(years) if years else None


def zones_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Zones' ranks, scores and movement against the previous year (published fields only)."""
    from kechuang.zones.service import ranking

    def fill(t: dict[str, Any]) -> None:
        y = _ranking_year(session, year)
        if y is None:
            t["message"] = "暂无高新区统计数据"
            return
        r = ranking(session, principal, y)
        rows = sorted(
            (x for x in r["table"] if x.get("is_city", True)),
            key=lambda x: (x["rank"] is None, x["rank"] or 0),
        )
        t["stats"] = [_stat("参评高新区", len(rows), "个"), _stat("评价年度", str(y), "年")]
        t["items"] = [
            {
                "name": x["name"],
                "rank": x["rank"],
                "previous_rank": x.get("previous_rank"),
                "movement": x.get("movement"),
                "score": None if x["score"] is None else round(x["score"], 2),
                "link": f"/zones/{x['zone_id']}" if x.get("zone_id") else "/evaluation/ranking",
            }
            for x in rows
        ]

    return _safe(_tile("zones", "高新区争先进位", "/evaluation/ranking"), fill)


def tiers_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """The tier funnel: enterprises per rung in the year (rung 0, not on the ladder, left out)."""
    from kechuang.tiers.dashboard import pipeline
    from kechuang.tiers.methodology import RUNG_LABELS

    def fill(t: dict[str, Any]) -> None:
        y = _ranking_year(session, year)
        if y is None:
            t["message"] = "暂无企业统计数据"
            return
        data = pipeline(session, principal, [y])
        counts = {r["rung"]: r["len"] for r in data["rung_counts"] if r["year"] == y}
        t["items"] = [
            {"rung": rung, "label": RUNG_LABELS[rung], "count": counts.get(rung, 0)}
            for rung in sorted(RUNG_LABELS)
            if rung > 0
        ]
        t["stats"] = [
            _stat("入梯度企业", sum(i["count"] for i in t["items"]), "家"),
        ]
        if principal.role == "city_admin":  # the ladder targets are the city's, not a zone's
            t["stats"] += [
                _stat(p["label"], p["current"], f"/{p['target']:g}")
                for p in data["targets"]["progress"][:2]
            ]
        if not any(i["count"] for i in t["items"]):
            t["items"] = []

    return _safe(_tile("tiers", "梯度培育漏斗", "/tiers"), fill)


def points_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Innovation points: enterprises scored and the five best of the newest run."""
    from kechuang.points.service import top_list

    def fill(t: dict[str, Any]) -> None:
        data = top_list(session, principal, n=5)
        t["stats"] = [
            _stat("参评企业", data["total"], "家"),
            _stat("最高积分", data["items"][0]["total"] if data["items"] else None, "分"),
            _stat("积分年度", str(data["year"]), "年"),
        ]
        t["items"] = [
            {
                "name": x["name"],
                "zone": x["zone"],
                "total": x["total"],
                "rank": x["rank"],
                "link": f"/enterprises/{x['enterprise_id']}",
            }
            for x in data["items"]
        ]

    return _safe(_tile("points", "企业创新积分", "/points"), fill)


def commissioners_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Commissioners' service in the year: demands, served, days, income and satisfaction."""
    from kechuang.commissioners.dashboard import dashboard

    def fill(t: dict[str, Any]) -> None:
        d = dashboard(session, principal, year)
        tot = d["total"]
        all_years = not tot["demands"] and not tot["visits"]
        if all_years:  # nothing this year yet: all years, and the tile says so
            d = dashboard(session, principal, None)
            tot = d["total"]
        t["stats"] = [
            _stat("服务需求", tot["demands"], "项"),
            _stat("已对接", tot["served"], "项"),
            _stat("满意度", tot["satisfaction"] if tot["satisfaction"] is not None else "—", "分"),
            _stat("服务天数", tot["days"], "天"),
            _stat("带动增收", tot["income_wan"], "万元"),
        ] + ([_stat("统计范围", "全部年度")] if all_years else [])
        t["items"] = [
            {"label": r["label"], "demands": r["demands"], "served": r["served"], "days": r["days"]}
            for r in d["by"]["county"]
        ]
        if not tot["demands"] and not tot["visits"]:
            t["stats"], t["items"] = [], []

    return _safe(_tile("commissioners", "科技特派员服务", "/commissioners/dashboard"), fill)


def programs_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Programmes by 指南 domain: applications, approved projects and funds granted."""
    from kechuang.programs.models import Application, Call
    from kechuang.programs.scope import application_scope, require_domain_role
    from kechuang.programs.taxonomy import load_guide

    def fill(t: dict[str, Any]) -> None:
        require_domain_role(principal)
        guide = load_guide()
        names = {n.code: n.name for n in guide.domains()}
        rows = session.execute(
            select(Application.direction, Application.state, Application.granted, Call.year)
            .join(Call, Call.id == Application.call_id)
            .where(application_scope(principal), Application.state != "draft")
        ).all()
        by: dict[str, dict[str, Any]] = {}
        for direction, state, granted, _year in rows:
            code = guide.domain_of(direction) or "other"
            row = by.setdefault(
                code,
                {
                    "domain": names.get(code, "其他"),
                    "applications": 0,
                    "approved": 0,
                    "granted": 0.0,
                },
            )
            row["applications"] += 1
            if state in APPROVED_STATES:
                row["approved"] += 1
                row["granted"] += float(granted or 0)
        t["items"] = [
            {**v, "granted": round(v["granted"], 2)}
            for _k, v in sorted(by.items(), key=lambda kv: -kv[1]["applications"])
        ]
        if t["items"]:
            t["stats"] = [
                _stat("申报项目", sum(r["applications"] for r in t["items"]), "项"),
                _stat("拟立项及立项", sum(r["approved"] for r in t["items"]), "项"),
                _stat(
                    "立项经费（含拟立项）", round(sum(r["granted"] for r in t["items"]), 2), "万元"
                ),
            ]

    return _safe(_tile("programs", "重点攻关项目（按领域）", "/programs/calls"), fill)


def carriers_tile(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """The 研究院→孵化园→产业园 chain: carriers, and enterprises entering, incubating, graduating
    and settling in the year (carriers.chain_summary)."""
    from kechuang.carriers.service import chain_summary

    def fill(t: dict[str, Any]) -> None:
        s = chain_summary(session, principal, year)
        if not s["carriers_total"]:
            t["message"] = "尚未登记创新载体"
            return
        t["stats"] = [
            _stat("创新载体", s["carriers_total"], "家"),
            _stat("在孵企业", s["in_incubation"], "家"),
            _stat(f"{year}年毕业", s["graduates"], "家"),
            _stat("技术合同", s["contracts_count"], "项"),
            _stat("合同金额", s["contracts_amount"], "万元"),
        ]
        t["items"] = [
            {"label": f"{year}年入孵", "count": s["entered"]},
            {"label": "在孵", "count": s["in_incubation"]},
            {"label": f"{year}年毕业", "count": s["graduates"]},
            {"label": f"{year}年迁移落地", "count": s["relocations"]},
        ] + [
            {"label": k["label"], "count": k["count"], "kind": k["kind"]}
            for k in s["carriers_by_kind"]
        ]

    return _safe(_tile("carriers", "载体链条：研究院→孵化园→产业园", "/carriers/chain"), fill)


TILES = (
    targets_tile,
    zones_tile,
    tiers_tile,
    points_tile,
    commissioners_tile,
    programs_tile,
    carriers_tile,
)


def cockpit(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """Every tile of the cockpit for a year, as the principal may see it."""
    from kechuang.core.scope import RoleError

    if principal.role not in COCKPIT_ROLES:
        raise RoleError("领导驾驶舱仅供市科技局和高新区管委会使用")
    return {
        "year": year,
        "scope_note": (
            "全市" if principal.role == "city_admin" else "本高新区可见范围（他区仅显示公开字段）"
        ),
        "tiles": [tile(session, principal, year) for tile in TILES],
    }


def default_year(session: Session) -> int:
    """The year the cockpit opens on: the newest year with enterprise statistics, else this year."""
    from datetime import date

    from kechuang.zones.service import available_years

    years = available_years(session)
    return max(years) if years else date.today().year


def figure(value: Any, unit: str | None) -> str:
    """`compact` with its unit; money in 万元 is shown in 亿元 from 1亿 up (28,600,001.7 万元 → 2,860亿元)."""
    if value is None:
        return "—"
    if unit == "万元" and not isinstance(value, (str, bool)) and abs(float(value)) >= 1e4:
        return f"{float(value) / 1e4:,.1f}".removesuffix(".0") + "亿元"
    return f"{compact(value)}{unit or ''}"


def compact(value: Any) -> str:
    """A figure short enough for a tile: 28,600,001.7 → 2,860万 ; 1462 → 1,462 ; 0.5 → 0.5."""
    if value is None:
        return "—"
    if isinstance(value, (str, bool)):
        return str(value)
    v = float(value)
    if abs(v) >= 1e8:
        return f"{v / 1e8:,.2f}亿"
    if abs(v) >= 1e5:
        return f"{v / 1e4:,.0f}万"
    if v.is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")
