"""Carriers chain services: records with their validation, scoped lists, the chain metrics, the
成果转移转化 indicators, the 研究院→孵化器→产业园 flow and `chain_summary` for the cockpit.

Every function takes the session and the principal and reads through `scope.py`. Services flush,
never commit."""

from __future__ import annotations

import statistics as pystats
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kechuang.carriers.methodology import current_chain
from kechuang.carriers.models import (
    Attribution,
    CarrierProfile,
    Incubation,
    Relocation,
    TechContract,
)
from kechuang.carriers.scope import (
    ScopeError,
    attribution_scope,
    carrier_scope,
    contract_scope,
    incubation_scope,
    relocation_scope,
    require_bureau,
    require_domain_role,
    require_zone,
)
from kechuang.core.errors import Unprocessable
from kechuang.core.security import Principal
from kechuang.registry.models import CARRIER_KINDS, Carrier, Enterprise, Park, Zone
from kechuang.statistics.models import EnterpriseYear

# the rule shown wherever zone figures of incubated enterprises appear
ATTRIBUTION_RULE = (
    "企业的指标计入其“统计归属高新区”：有在有效期内的飞地经济、异地孵化或结对共建记录时，"
    "计入记录中的“计入高新区”（导入该记录时同步更新企业登记）；没有这类记录时计入注册所在高新区。"
    "在孵、毕业等链条指标按载体所在高新区统计（在哪里孵化），与统计归属分开列示。"
)
SURVIVAL_RULE = (
    "存活：毕业企业在毕业后第 1 年、第 3 年仍在企业库中且报送了当年企业年度数据（统计数据为准）；"
    "营收增长：毕业次年营业收入相对毕业当年营业收入的增长（中位数，两年均有数据且毕业当年大于0的企业）。"
)


class ChainError(Unprocessable):
    """A chain record that fails validation (422, Chinese message)."""


# ------------------------------------------------------------------ labels


def kind_label(kind: str) -> str:
    """Chinese name of a carrier kind (the chain's list, then the registry's)."""
    return current_chain().names("kinds").get(kind) or CARRIER_KINDS.get(kind, kind)


def _year_end(year: int) -> date:
    return date(year, 12, 31)


# ------------------------------------------------------------------ validation


def overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """True when two stays share a day; a stay ending on a day another starts (a transfer) does not
    overlap, an open stay (no end) runs on for ever."""
    return a_start < (b_end or date.max) and b_start < (a_end or date.max)


def check_incubation(
    session: Session,
    enterprise_id: int,
    carrier: Carrier,
    entered_on: date,
    ended_on: date | None,
    reason: str | None,
    others: Iterable[tuple[date, date | None]] = (),
    exclude_id: int | None = None,
) -> list[str]:
    """Every problem of one incubation record (Chinese): the carrier incubates, the end comes after
    entry, a reason exactly when it ended, and no stay of the same enterprise over the same dates
    (stored ones and `others`, e.g. earlier rows of the same file)."""
    chain = current_chain()
    problems = []
    if chain.stage_of(carrier.kind) != "incubation":
        problems.append(f"载体“{carrier.name}”是{kind_label(carrier.kind)}，不是孵化载体")
    if ended_on is not None and ended_on <= entered_on:
        problems.append(f"毕业/离开日期 {ended_on} 应晚于入孵日期 {entered_on}")
    reasons = chain.names("end_reasons")
    if ended_on is None and reason:
        problems.append("仍在孵（无毕业/离开日期）时不应填写结束原因")
    if ended_on is not None and not reason:
        problems.append("已毕业或离开的记录须填写结束原因：" + "、".join(reasons.values()))
    if reason and reason not in reasons:
        problems.append(f"结束原因“{reason}”不在代码表中：" + "、".join(reasons.values()))
    stmt = select(Incubation.entered_on, Incubation.ended_on, Incubation.id).where(
        Incubation.enterprise_id == enterprise_id
    )
    stored = [(s, e) for s, e, i in session.execute(stmt) if i != exclude_id]
    for s, e in [*stored, *others]:
        if overlaps(entered_on, ended_on, s, e):
            problems.append(
                f"该企业 {s} 至 {e or '今'} 已有在孵记录，同一企业不能同时在两个载体孵化"
            )
            break
    return problems


def reason_code(text: str | None) -> str | None:
    """A reason given as code or Chinese name, as its code (None when blank)."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    by_name = {v: k for k, v in current_chain().names("end_reasons").items()}
    return by_name.get(text, text)


def add_incubation(session: Session, principal: Principal, data: dict[str, Any]) -> Incubation:
    """Record one incubation after validation (bureau and zone admins within scope)."""
    require_bureau(principal, "登记在孵记录")
    ent = session.scalars(
        select(Enterprise).where(Enterprise.id == data["enterprise_id"])
    ).one_or_none()
    carrier = session.get(Carrier, data["carrier_id"])
    if ent is None or carrier is None:
        raise ScopeError("企业或载体不存在")
    _require_writable(session, principal, ent, carrier)
    reason = reason_code(data.get("reason"))
    problems = check_incubation(
        session, ent.id, carrier, data["entered_on"], data.get("ended_on"), reason
    )
    if problems:
        raise ChainError("；".join(problems))
    inc = Incubation(
        enterprise_id=ent.id,
        carrier_id=carrier.id,
        origin_carrier_id=data.get("origin_carrier_id"),
        entered_on=data["entered_on"],
        ended_on=data.get("ended_on"),
        reason=reason,
        outcome=current_chain().outcome_of(reason) if reason else None,
        note=data.get("note") or "",
        is_demo=bool(data.get("is_demo")),
    )
    session.add(inc)
    session.flush()
    return inc


def _require_writable(
    session: Session, principal: Principal, ent: Enterprise, carrier: Carrier | None
) -> None:
    if principal.scope == "all":
        return
    zone = principal.zone_id
    if zone is not None and (
        zone in (ent.zone_id, ent.counted_zone_id) or (carrier and carrier.zone_id == zone)
    ):
        return
    raise ScopeError(f"企业“{ent.name}”不存在或无权登记")


def counted_zone_on(session: Session, enterprise: Enterprise, on: date) -> int | None:
    """The zone that counts the enterprise's figures on a date (the rule in ATTRIBUTION_RULE)."""
    rows = session.scalars(
        select(Attribution)
        .where(Attribution.enterprise_id == enterprise.id, Attribution.valid_from <= on)
        .order_by(Attribution.valid_from.desc())
    ).all()
    for a in rows:
        if a.valid_to is None or a.valid_to >= on:
            return a.counted_zone_id
    return enterprise.zone_id


# ------------------------------------------------------------------ lists


def list_carriers(
    session: Session, principal: Principal, zone_id: int | None = None
) -> list[dict[str, Any]]:
    """The carriers the principal may see, with profile, stage and in-incubation count."""
    require_zone(principal, zone_id)
    chain = current_chain()
    stmt = (
        select(Carrier, CarrierProfile, Zone.name, Park.name)
        .outerjoin(CarrierProfile, CarrierProfile.carrier_id == Carrier.id)
        .outerjoin(Zone, Zone.id == Carrier.zone_id)
        .outerjoin(Park, Park.id == CarrierProfile.park_id)
        .where(carrier_scope(principal))
        .order_by(Carrier.zone_id, Carrier.kind, Carrier.id)
    )
    if zone_id is not None:
        stmt = stmt.where(Carrier.zone_id == zone_id)
    today = date.today()
    active = dict(
        session.execute(
            select(Incubation.carrier_id, func.count())
            .where(
                incubation_scope(principal),
                Incubation.entered_on <= today,
                (Incubation.ended_on.is_(None)) | (Incubation.ended_on > today),
            )
            .group_by(Incubation.carrier_id)
        ).all()
    )
    ops = chain.names("operator_kinds")
    out = []
    for c, prof, zone_name, park_name in session.execute(stmt).all():
        out.append(
            {
                "id": c.id,
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "kind_label": kind_label(c.kind),
                "stage": chain.stage_of(c.kind),
                "level": c.level,
                "zone_id": c.zone_id,
                "zone": zone_name,
                "park": park_name,
                "operator_name": prof.operator_name if prof else "",
                "operator_kind": prof.operator_kind if prof else None,
                "operator_kind_label": ops.get(prof.operator_kind, "") if prof else "",
                "university": prof.university if prof else "",
                "in_incubation": int(active.get(c.id, 0)),
                "is_demo": c.is_demo,
            }
        )
    return out


def _incubation_dict(inc: Incubation, ent_name: str, carrier: Carrier, origin: str | None) -> dict:
    chain = current_chain()
    return {
        "id": inc.id,
        "enterprise_id": inc.enterprise_id,
        "enterprise": ent_name,
        "carrier_id": inc.carrier_id,
        "carrier": carrier.name,
        "carrier_kind_label": kind_label(carrier.kind),
        "origin": origin,
        "entered_on": inc.entered_on,
        "ended_on": inc.ended_on,
        "outcome": inc.outcome,
        "outcome_label": {"graduated": "毕业", "left": "离开"}.get(inc.outcome or "", "在孵"),
        "reason": inc.reason,
        "reason_label": chain.names("end_reasons").get(inc.reason or "", ""),
        "days": (inc.ended_on - inc.entered_on).days if inc.ended_on else None,
        "is_demo": inc.is_demo,
    }


def list_incubations(
    session: Session,
    principal: Principal,
    carrier_id: int | None = None,
    zone_id: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Incubation records in scope, newest entry first."""
    require_zone(principal, zone_id)
    origin_c = aliased(Carrier)
    origin = select(origin_c.name).where(origin_c.id == Incubation.origin_carrier_id)
    stmt = (
        select(Incubation, Enterprise.name, Carrier, origin.scalar_subquery())
        .join(Enterprise, Enterprise.id == Incubation.enterprise_id)
        .join(Carrier, Carrier.id == Incubation.carrier_id)
        .where(incubation_scope(principal))
        .order_by(Incubation.entered_on.desc(), Incubation.id.desc())
        .limit(limit)
    )
    if carrier_id is not None:
        stmt = stmt.where(Incubation.carrier_id == carrier_id)
    if zone_id is not None:
        stmt = stmt.where(Carrier.zone_id == zone_id)
    return [_incubation_dict(*row) for row in session.execute(stmt).all()]


def graduation_check(session: Session, inc: Incubation, on: date | None = None) -> dict[str, Any]:
    """The provisional graduation criteria applied to the enterprise's latest reported year: each
    item's value and whether it is met, and whether the stay exceeds the incubation term."""
    chain = current_chain()
    row = session.scalars(
        select(EnterpriseYear)
        .where(
            EnterpriseYear.enterprise_id == inc.enterprise_id, EnterpriseYear.is_current.is_(True)
        )
        .order_by(EnterpriseYear.year.desc())
        .limit(1)
    ).first()
    items = []
    for group, crits in (("all", chain.criteria_all), ("any", chain.criteria_any)):
        for c in crits:
            values = [getattr(row, f) for f in c.fields] if row is not None else []
            known = [float(v) for v in values if v is not None]
            value = sum(known) if known else None
            items.append({"code": c.code, "name": c.name, "group": group, "value": value,
                          "min": c.min, "met": value is not None and value >= c.min})  # fmt: skip
    end = inc.ended_on or on or date.today()
    months = (end.year - inc.entered_on.year) * 12 + end.month - inc.entered_on.month
    met_all = all(i["met"] for i in items if i["group"] == "all")
    met_any = any(i["met"] for i in items if i["group"] == "any") or not chain.criteria_any
    return {
        "year": row.year if row is not None else None,
        "items": items,
        "meets": met_all and met_any,
        "months": months,
        "over_term": bool(chain.max_months) and months > chain.max_months,
        "note": "暂行口径（未确认）：按企业最近一个报送年度的数据判断",
    }


def get_incubation(session: Session, principal: Principal, incubation_id: int) -> dict[str, Any]:
    """One incubation record with the graduation check (404 outside scope)."""
    origin_c = aliased(Carrier)
    origin = select(origin_c.name).where(origin_c.id == Incubation.origin_carrier_id)
    row = session.execute(
        select(Incubation, Enterprise.name, Carrier, origin.scalar_subquery())
        .join(Enterprise, Enterprise.id == Incubation.enterprise_id)
        .join(Carrier, Carrier.id == Incubation.carrier_id)
        .where(Incubation.id == incubation_id, incubation_scope(principal))
    ).one_or_none()
    if row is None:
        raise ScopeError(f"在孵记录 {incubation_id} 不存在或无权查看")
    return {**_incubation_dict(*row), "criteria": graduation_check(session, row[0])}


def list_relocations(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Relocations of graduates in scope."""
    to_park = select(Park.name).where(Park.id == Relocation.to_park_id).scalar_subquery()
    to_carrier = (
        select(Carrier.name).where(Carrier.id == Relocation.to_carrier_id).scalar_subquery()
    )
    to_zone = select(Zone.name).where(Zone.id == Relocation.to_zone_id).scalar_subquery()
    rows = session.execute(
        select(Relocation, Enterprise.name, to_zone, to_park, to_carrier)
        .join(Enterprise, Enterprise.id == Relocation.enterprise_id)
        .where(relocation_scope(principal))
        .order_by(Relocation.moved_on.desc(), Relocation.id.desc())
        .limit(1000)
    ).all()
    return [
        {
            "id": r.id,
            "enterprise_id": r.enterprise_id,
            "enterprise": name,
            "moved_on": r.moved_on,
            "inside_city": r.inside_city,
            "to_zone": zone,
            "to_park": park,
            "to_carrier": carrier,
            "destination": r.destination or carrier or park or zone or "",
            "is_demo": r.is_demo,
        }
        for r, name, zone, park, carrier in rows
    ]


def list_attributions(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """飞地经济/异地孵化/结对共建 records in scope, with the zone that counts each enterprise today."""
    arr = current_chain().names("arrangements")
    zones = dict(session.execute(select(Zone.id, Zone.name)).all())
    rows = session.execute(
        select(Attribution, Enterprise)
        .join(Enterprise, Enterprise.id == Attribution.enterprise_id)
        .where(attribution_scope(principal))
        .order_by(Attribution.valid_from.desc(), Attribution.id)
    ).all()
    today = date.today()
    return [
        {
            "id": a.id,
            "enterprise_id": e.id,
            "enterprise": e.name,
            "arrangement": a.arrangement,
            "arrangement_label": arr.get(a.arrangement, a.arrangement),
            "incubated_in": zones.get(a.incubated_zone_id) or a.incubated_place,
            "registered_zone": zones.get(e.zone_id),
            "counted_zone": zones.get(a.counted_zone_id),
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "in_force": a.valid_from <= today and (a.valid_to is None or a.valid_to >= today),
            "basis": a.basis,
            "is_demo": a.is_demo,
        }
        for a, e in rows
    ]


def list_contracts(
    session: Session, principal: Principal, year: int | None = None
) -> list[dict[str, Any]]:
    """Technology contracts in scope, largest first."""
    kinds = current_chain().names("contract_kinds")
    stmt = select(TechContract).where(contract_scope(principal))
    if year is not None:
        stmt = stmt.where(TechContract.registered_year == year)
    stmt = stmt.order_by(TechContract.amount.desc(), TechContract.id).limit(1000)
    return [
        {
            "id": c.id,
            "contract_no": c.contract_no,
            "kind": c.kind,
            "kind_label": kinds.get(c.kind, c.kind),
            "amount": c.amount,
            "seller_uscc": c.seller_uscc,
            "seller_name": c.seller_name,
            "buyer_uscc": c.buyer_uscc,
            "buyer_name": c.buyer_name,
            "registered_year": c.registered_year,
            "is_demo": c.is_demo,
        }
        for c in session.scalars(stmt)
    ]


# ------------------------------------------------------------------ metrics


def _median(values: list[float]) -> float | None:
    return float(pystats.median(values)) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _chain_rows(session: Session, principal: Principal, zone_id: int | None):
    """Incubations (with carrier zone) counted in the principal's chain metrics: those at carriers
    of the zone (zone admin: hers), every one for the bureau."""
    require_bureau(principal)
    require_zone(principal, zone_id)
    zone = zone_id if zone_id is not None else principal.zone_id
    stmt = select(Incubation, Carrier.zone_id, Carrier.kind, Carrier.name).join(
        Carrier, Carrier.id == Incubation.carrier_id
    )
    if principal.scope != "all" or zone is not None:
        stmt = stmt.where(Carrier.zone_id == zone)
    return session.execute(stmt).all()


def _metrics(
    incs: list[Incubation],
    year: int,
    active: set[tuple[int, int]],
    revenue: dict[tuple[int, int], float],
    relocated: dict[int, bool],
) -> dict[str, Any]:
    """The chain metrics of one group of incubations for one year (see SURVIVAL_RULE)."""
    end = _year_end(year)
    grads = [i for i in incs if i.outcome == "graduated" and i.ended_on and i.ended_on.year == year]
    days = [(i.ended_on - i.entered_on).days for i in grads if i.ended_on]
    med = _median([float(d) for d in days])

    def cohort(y: int) -> list[int]:
        return sorted(
            {
                i.enterprise_id
                for i in incs
                if i.outcome == "graduated" and i.ended_on and i.ended_on.year == y
            }
        )

    c1, c3 = cohort(year - 1), cohort(year - 3)
    alive1 = sum((e, year) in active for e in c1)
    alive3 = sum((e, year) in active for e in c3)
    growth = []
    for e in c1:
        before, after = revenue.get((e, year - 1)), revenue.get((e, year))
        if before is not None and after is not None and before > 0:
            growth.append(after / before - 1)
    grad_ids = sorted({i.enterprise_id for i in grads})
    moved = [e for e in grad_ids if e in relocated]
    inside = sum(relocated[e] for e in moved)
    return {
        "entered": sum(i.entered_on.year == year for i in incs),
        "in_incubation": sum(
            i.entered_on <= end and (i.ended_on is None or i.ended_on > end) for i in incs
        ),
        "graduates": len(grads),
        "left": sum(
            i.outcome == "left" and i.ended_on is not None and i.ended_on.year == year for i in incs
        ),
        "median_days_to_graduation": med,
        "median_years_to_graduation": round(med / 365.25, 2) if med is not None else None,
        "survival_1y_cohort": len(c1),
        "survival_1y": _share(alive1, len(c1)),
        "survival_3y_cohort": len(c3),
        "survival_3y": _share(alive3, len(c3)),
        "revenue_growth_median": _median(growth),
        "revenue_growth_n": len(growth),
        "relocated": len(moved),
        "relocated_inside_city": int(inside),
        "share_inside_city": _share(int(inside), len(moved)),
    }


def chain_metrics(
    session: Session, principal: Principal, year: int, zone_id: int | None = None
) -> dict[str, Any]:
    """Chain metrics for a year: the whole scope, per zone (where incubated) and per carrier."""
    rows = _chain_rows(session, principal, zone_id)
    incs = [r[0] for r in rows]
    ent_ids = sorted({i.enterprise_id for i in incs})
    years = [year - 3, year - 1, year]
    active: set[tuple[int, int]] = set()
    revenue: dict[tuple[int, int], float] = {}
    if ent_ids:
        fig = session.execute(
            select(
                EnterpriseYear.enterprise_id, EnterpriseYear.year, EnterpriseYear.operating_revenue
            )
            .join(Enterprise, Enterprise.id == EnterpriseYear.enterprise_id)
            .where(
                EnterpriseYear.is_current.is_(True),
                EnterpriseYear.year.in_(years),
                EnterpriseYear.enterprise_id.in_(ent_ids),
            )
        ).all()
        for e, y, rev in fig:
            active.add((e, y))
            if rev is not None:
                revenue[(e, y)] = float(rev)
    relocated: dict[int, bool] = {}
    if ent_ids:
        for e, inside in session.execute(
            select(Relocation.enterprise_id, Relocation.inside_city)
            .where(Relocation.enterprise_id.in_(ent_ids))
            .order_by(Relocation.moved_on)
        ):
            relocated[e] = bool(inside)  # the latest move counts
    zones = dict(session.execute(select(Zone.id, Zone.name)).all())
    by_zone: dict[int | None, list[Incubation]] = defaultdict(list)
    by_carrier: dict[int, list[Incubation]] = defaultdict(list)
    carrier_info: dict[int, tuple[int | None, str, str]] = {}
    for inc, czone, ckind, cname in rows:
        by_zone[czone].append(inc)
        by_carrier[inc.carrier_id].append(inc)
        carrier_info[inc.carrier_id] = (czone, ckind, cname)
    return {
        "year": year,
        "total": _metrics(incs, year, active, revenue, relocated),
        "zones": [
            {
                "zone_id": z,
                "zone": zones.get(z, "（未定）"),
                **_metrics(v, year, active, revenue, relocated),
            }
            for z, v in sorted(by_zone.items(), key=lambda kv: kv[0] or 0)
        ],
        "carriers": [
            {
                "carrier_id": cid,
                "carrier": carrier_info[cid][2],
                "kind_label": kind_label(carrier_info[cid][1]),
                "zone": zones.get(carrier_info[cid][0], ""),
                **_metrics(v, year, active, revenue, relocated),
            }
            for cid, v in sorted(by_carrier.items())
        ],
        "rule": SURVIVAL_RULE,
        "attribution_rule": ATTRIBUTION_RULE,
    }


def _zone_of_uscc(session: Session, usccs: Iterable[str]) -> dict[str, int | None]:
    """USCC → the zone counting the enterprise now (统计归属高新区, else registered zone), for the
    given codes only (a year's contracts name a few thousand of a million enterprises)."""
    wanted = sorted(set(usccs))
    out: dict[str, int | None] = {}
    for i in range(0, len(wanted), 900):
        stmt = select(Enterprise.uscc, Enterprise.zone_id, Enterprise.counted_zone_id).where(
            Enterprise.uscc.in_(wanted[i : i + 900])
        )
        out |= {u: c or z for u, z, c in session.execute(stmt)}
    return out


def transfer_indicators(
    session: Session, principal: Principal, year: int, zone_id: int | None = None
) -> dict[str, Any]:
    """成果转移转化 per zone for a year: contracts sold (输出) and bought (吸纳), count and 万元.
    A contract counts for the zone counting its seller (or buyer); both sides may be one zone."""
    require_bureau(principal, "查看成果转移转化指标")
    require_zone(principal, zone_id)
    zone = zone_id if zone_id is not None else principal.zone_id
    contracts = list(
        session.scalars(select(TechContract).where(TechContract.registered_year == year))
    )
    of = _zone_of_uscc(session, [u for c in contracts for u in (c.seller_uscc, c.buyer_uscc)])
    names = dict(session.execute(select(Zone.id, Zone.name).order_by(Zone.id)).all())
    acc = {
        z: {"sold_count": 0, "sold_amount": 0.0, "bought_count": 0, "bought_amount": 0.0}
        for z in names
    }
    total = {"count": 0, "amount": 0.0}
    kinds: Counter[str] = Counter()
    kind_amount: dict[str, float] = defaultdict(float)
    for c in contracts:
        s, b = of.get(c.seller_uscc), of.get(c.buyer_uscc)
        if zone is not None and zone not in (s, b):
            continue
        total["count"] += 1
        total["amount"] += c.amount
        kinds[c.kind] += 1
        kind_amount[c.kind] += c.amount
        if s in acc:
            acc[s]["sold_count"] += 1
            acc[s]["sold_amount"] += c.amount
        if b in acc:
            acc[b]["bought_count"] += 1
            acc[b]["bought_amount"] += c.amount
    klabels = current_chain().names("contract_kinds")
    return {
        "year": year,
        "total": total,
        "by_kind": [
            {"kind": k, "label": klabels.get(k, k), "count": kinds[k], "amount": kind_amount[k]}
            for k in klabels
            if kinds[k]
        ],
        "zones": [
            {"zone_id": z, "zone": names[z], **acc[z]} for z in names if zone is None or z == zone
        ],
    }


# ------------------------------------------------------------------ flow and summary


def chain_flow(
    session: Session, principal: Principal, zone_id: int | None = None
) -> dict[str, Any]:
    """Sankey data of the chain: research carriers → incubating carriers (by kind) → destination
    (市内产业园 / 市外 / 毕业未登记落地 / 未毕业离开 / 在孵), counted in enterprises' stays."""
    rows = _chain_rows(session, principal, zone_id)
    origin_kind = dict(session.execute(select(Carrier.id, Carrier.kind)).all())
    ent_ids = sorted({r[0].enterprise_id for r in rows})
    relocated: dict[int, bool] = {}
    if ent_ids:
        for e, inside in session.execute(
            select(Relocation.enterprise_id, Relocation.inside_city)
            .where(Relocation.enterprise_id.in_(ent_ids))
            .order_by(Relocation.moved_on)
        ):
            relocated[e] = bool(inside)
    links: Counter[tuple[str, str]] = Counter()
    for inc, _z, ckind, _n in rows:
        mid = "孵化：" + kind_label(ckind)
        src = (
            "研发：" + kind_label(origin_kind[inc.origin_carrier_id])
            if inc.origin_carrier_id in origin_kind
            else "研发：社会创业（无来源机构）"
        )
        links[(src, mid)] += 1
        if inc.outcome is None:
            dest = "在孵"
        elif inc.outcome == "left":
            dest = "未毕业离开"
        elif inc.enterprise_id in relocated:
            dest = "产业园（市内）" if relocated[inc.enterprise_id] else "迁往市外"
        else:
            dest = "毕业（未登记落地）"
        links[(mid, dest)] += 1
    nodes = list(dict.fromkeys(n for pair in links for n in pair))
    return {
        "nodes": [{"name": n} for n in nodes],
        "links": [{"source": s, "target": t, "value": v} for (s, t), v in links.items()],
    }


def chain_summary(session: Session, principal: Principal, year: int) -> dict[str, Any]:
    """The chain at a glance for the cockpit (stable contract): carriers by kind and level, entries,
    graduates and relocations in the year, and the year's technology contracts, within the
    principal's scope (bureau: the city; zone admin: her zone; other roles 403)."""
    require_bureau(principal, "查看载体链条概况")
    stmt = select(Carrier.kind, Carrier.level, func.count()).where(carrier_scope(principal))
    by = session.execute(stmt.group_by(Carrier.kind, Carrier.level)).all()
    kinds: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    for k, lv, n in by:
        kinds[k] += n
        levels[lv] += n
    m = chain_metrics(session, principal, year)["total"]
    start, end = date(year, 1, 1), _year_end(year)
    rel = select(Relocation.inside_city).where(
        relocation_scope(principal), Relocation.moved_on >= start, Relocation.moved_on <= end
    )
    moves = [bool(x) for x in session.scalars(rel)]
    contracts = transfer_indicators(session, principal, year)["total"]
    chain = current_chain()
    return {
        "year": year,
        "carriers_total": sum(kinds.values()),
        "carriers_by_kind": [
            {"kind": k, "label": kind_label(k), "count": n} for k, n in sorted(kinds.items())
        ],
        "carriers_by_level": [{"level": lv, "count": n} for lv, n in sorted(levels.items())],
        "in_incubation": m["in_incubation"],
        "entered": m["entered"],
        "graduates": m["graduates"],
        "median_days_to_graduation": m["median_days_to_graduation"],
        "relocations": len(moves),
        "relocations_inside_city": sum(moves),
        "contracts_count": contracts["count"],
        "contracts_amount": round(contracts["amount"], 2),
        "methodology": f"{chain.name} {chain.version}",
    }


def my_incubations(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """An enterprise user's own incubation records (others: their scope's, same as the list)."""
    require_domain_role(principal)
    return list_incubations(session, principal)
