"""The service dashboard: demands open and served, days in the field, income brought and
satisfaction, by 区县, industry, commissioner type and year — only over the rows the principal's
scope admits (a county admin's totals are his county's, never the city's)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from kechuang.commissioners.models import (
    KINDS,
    Agreement,
    Commissioner,
    Demand,
    Rating,
    ServiceLog,
)
from kechuang.commissioners.scope import agreement_scope, demand_scope, require_role
from kechuang.commissioners.service import region_names
from kechuang.core.security import Principal

OPEN = ("open", "suggested")
SERVED = ("confirmed", "in_service", "closed")
DIMENSIONS = {"county": "区县", "industry": "产业", "kind": "特派员类型", "year": "年度"}


def _blank() -> dict[str, Any]:
    return {
        "demands": 0,
        "open": 0,
        "served": 0,
        "days": 0.0,
        "income_wan": 0.0,
        "visits": 0,
        "ratings": 0,
        "rating_sum": 0,
    }


def dashboard(session: Session, principal: Principal, year: int | None = None) -> dict[str, Any]:
    """Totals and breakdowns by county, industry and commissioner type for a year (all years when
    None); only confirmed service logs count."""
    require_role(principal, ("city_admin", "county_admin"), "查看特派员服务概况")
    regions = region_names(session)
    groups: dict[str, dict[str, dict[str, Any]]] = {d: defaultdict(_blank) for d in DIMENSIONS}
    total = _blank()

    def add(keys: dict[str, str], field: str, value: float) -> None:
        total[field] += value
        for dim, key in keys.items():
            groups[dim][key][field] += value

    dq = select(Demand.id, Demand.county_code, Demand.industries, Demand.status, Demand.year).where(
        demand_scope(principal)
    )
    if year:
        dq = dq.where(Demand.year == year)
    for _id, county, industries, status, demand_year in session.execute(dq):
        keys = {
            "county": county,
            "industry": (industries or ["未分类"])[0],
            "year": str(demand_year),
        }
        add(keys, "demands", 1)
        add(keys, "open", 1 if status in OPEN else 0)
        add(keys, "served", 1 if status in SERVED else 0)
    lq = (
        select(
            Agreement.county_code,
            Demand.industries,
            Commissioner.kind,
            ServiceLog.days,
            ServiceLog.income_wan,
            ServiceLog.served_on,
        )
        .join(Agreement, Agreement.id == ServiceLog.agreement_id)
        .join(Demand, Demand.id == Agreement.demand_id)
        .join(Commissioner, Commissioner.id == ServiceLog.commissioner_id)
        .where(ServiceLog.status == "confirmed", agreement_scope(principal))
    )
    if year:
        lq = lq.where(extract("year", ServiceLog.served_on) == year)
    for county, industries, kind, days, income, served_on in session.execute(lq):
        keys = {
            "county": county,
            "industry": (industries or ["未分类"])[0],
            "kind": kind,
            "year": str(served_on.year),
        }
        add(keys, "days", float(days))
        add(keys, "income_wan", float(income or 0))
        add(keys, "visits", 1)
    rq = (
        select(
            Agreement.county_code, Demand.industries, Commissioner.kind, Rating.score, Rating.year
        )
        .join(Agreement, Agreement.id == Rating.agreement_id)
        .join(Demand, Demand.id == Agreement.demand_id)
        .join(Commissioner, Commissioner.id == Rating.commissioner_id)
        .where(agreement_scope(principal))
    )
    if year:
        rq = rq.where(Rating.year == year)
    for county, industries, kind, score, rating_year in session.execute(rq):
        keys = {
            "county": county,
            "industry": (industries or ["未分类"])[0],
            "kind": kind,
            "year": str(rating_year),
        }
        add(keys, "ratings", 1)
        add(keys, "rating_sum", score)

    def finish(key: str, label: str, row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if k != "rating_sum"}
        out["days"] = round(out["days"], 1)
        out["income_wan"] = round(out["income_wan"], 2)
        out["satisfaction"] = (
            round(row["rating_sum"] / row["ratings"], 2) if row["ratings"] else None
        )
        return {"key": key, "label": label, **out}

    labels = {"county": regions, "industry": {}, "kind": KINDS, "year": {}}
    return {
        "year": year,
        "total": finish("total", "合计", total),
        "by": {
            dim: [
                finish(k, labels[dim].get(k, k), v)
                for k, v in sorted(groups[dim].items(), key=lambda kv: kv[0])
            ]
            for dim in DIMENSIONS
        },
    }
