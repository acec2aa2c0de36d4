"""Suggestions: the one module that calls the matching and text engines.

Batch suggestions assign a whole batch of open demands at once with `engines.matching.solve`
(each demand one commissioner, each commissioner within his remaining yearly load, only among
commissioners serving the demand's 区县); urgent demands get a top-N list from
`engines.text.score_pairs` at once. Affinities come from `engines.text` (BM25 between the demand and
the commissioner's expertise and past confirmed logs, tag overlap, distance, past ratings), and each
stored suggestion keeps its components and the Chinese reasons."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.commissioners.models import (
    Agreement,
    Commissioner,
    CommissionerArea,
    Demand,
    Rating,
    ServiceLog,
)
from kechuang.commissioners.scope import MATCHERS, commissioner_scope, require_role
from kechuang.commissioners.service import get_demand, list_demands, store_suggestions
from kechuang.core.errors import Unprocessable
from kechuang.core.security import Principal

TOP_N = 5


def _engines():
    from kechuang.engines import matching, text

    return matching, text


def _suppliers(session: Session, principal: Principal) -> list[Commissioner]:
    return list(
        session.scalars(
            select(Commissioner)
            .where(Commissioner.status == "active", commissioner_scope(principal))
            .order_by(Commissioner.id)
        )
    )


def _supplier_inputs(session: Session, commissioners: list[Commissioner]):
    """engines.text Suppliers: expertise, past confirmed logs, tags, home 区县, ratings."""
    _, text = _engines()
    ids = [c.id for c in commissioners]
    history: dict[int, list[str]] = defaultdict(list)
    for cid, content in session.execute(
        select(ServiceLog.commissioner_id, ServiceLog.content).where(
            ServiceLog.commissioner_id.in_(ids), ServiceLog.status == "confirmed"
        )
    ):
        history[cid].append(content)
    ratings: dict[int, list[int]] = defaultdict(list)
    for cid, score in session.execute(
        select(Rating.commissioner_id, Rating.score).where(Rating.commissioner_id.in_(ids))
    ):
        ratings[cid].append(score)
    return [
        text.Supplier(
            id=c.id,
            text=" ".join(filter(None, (c.title, c.expertise, c.strengths))),
            history_text=" ".join(history[c.id]),
            industries=frozenset(c.industries or ()),
            problem_types=frozenset(c.problem_types or ()),
            region_code=c.region_code,
            ratings=tuple(ratings[c.id]),
        )
        for c in commissioners
    ]


def _demand_inputs(demands: list[Demand]):
    _, text = _engines()
    return [
        text.Demand(
            id=d.id,
            text=f"{d.title} {d.text}",
            industries=frozenset(d.industries or ()),
            problem_types=frozenset([d.problem_type] if d.problem_type else []),
            region_code=d.region_code,
        )
        for d in demands
    ]


def _serves(session: Session, commissioners: list[Commissioner]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for cid, code in session.execute(
        select(CommissionerArea.commissioner_id, CommissionerArea.region_code).where(
            CommissionerArea.commissioner_id.in_([c.id for c in commissioners])
        )
    ):
        out[cid].add(code)
    return out


def _eligible_mask(demands, commissioners, serves) -> np.ndarray:
    """mask[pair] for the engine's pairs: the commissioner serves the demand's 区县."""
    return np.array(
        [[d.county_code in serves[c.id] for c in commissioners] for d in demands], dtype=bool
    )


def _reasons(text, pairs, i: int) -> list[str]:
    return [line for _component, _value, line in text.explain(pairs, i)]


def _components(pairs, i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in pairs.components.items()}


def _remaining_load(session: Session, commissioners: list[Commissioner]) -> np.ndarray:
    busy = dict(
        session.execute(
            select(Agreement.commissioner_id, func.count(Agreement.id))
            .where(Agreement.status.in_(("pending", "active")))
            .group_by(Agreement.commissioner_id)
        ).all()
    )
    return np.array([max(c.max_load - busy.get(c.id, 0), 0) for c in commissioners], dtype=np.int64)


def _chosen(result) -> tuple[np.ndarray, np.ndarray]:
    """The chosen pairs' (demand index, supplier index) arrays, from either spelling of Result."""
    if hasattr(result, "pair_demand"):
        return np.asarray(result.pair_demand), np.asarray(result.pair_supplier)
    return result.pairs


def _demand_ids(found, demands: list[Demand]) -> list[int]:
    """The ids of the demands an infeasibility names (the engine may give ids or indices)."""
    ids = {d.id for d in demands}
    out = []
    for item in found or ():
        value = int(item)
        out.append(value if value in ids else demands[value].id)
    return out


def suggest_urgent(
    session: Session, principal: Principal, demand_id: int, top_n: int = TOP_N
) -> list[dict[str, Any]]:
    """Top-N commissioners for one (urgent) demand, stored as its suggestions, best first."""
    require_role(principal, MATCHERS, "生成特派员推荐")
    _, text = _engines()
    d = get_demand(session, principal, demand_id)
    commissioners = _suppliers(session, principal)
    serves = _serves(session, commissioners)
    commissioners = [c for c in commissioners if d.county_code in serves[c.id]]
    if not commissioners:
        raise Unprocessable(f"没有服务{d.county_code}的在派特派员，无法推荐")
    pairs = text.score_pairs(
        _demand_inputs([d]),
        _supplier_inputs(session, commissioners),
        text.load_weights(),
        top_k=top_n,
    )
    order = np.argsort(-np.asarray(pairs.score), kind="stable")[:top_n]
    rows = [
        {
            "commissioner_id": commissioners[int(pairs.supplier_idx[i])].id,
            "score": float(pairs.score[i]),
            "components": _components(pairs, int(i)),
            "reasons": _reasons(text, pairs, int(i)),
        }
        for i in order
    ]
    store_suggestions(session, principal, d.id, rows, "urgent")
    return rows


def suggest_batch(
    session: Session,
    principal: Principal,
    *,
    year: int | None = None,
    county: str | None = None,
    mode: str = "total",
    time_limit: float | None = None,
) -> dict[str, Any]:
    """Assign every open demand in the principal's scope (one commissioner each, loads respected)
    with the matching engine and store the assignment as suggestions; an infeasible batch is
    refused with the engine's explanation (which demands, which constraint)."""
    require_role(principal, MATCHERS, "生成特派员推荐")
    if mode not in ("total", "fair"):
        raise Unprocessable("匹配方式应为 total（总匹配度最大）或 fair（兼顾公平）")
    matching, text = _engines()
    demands = [
        d
        for d in list_demands(session, principal, county=county, year=year, limit=None)
        if d.status in ("open", "suggested")
    ]
    if not demands:
        return {"demands": 0, "assigned": 0, "total": 0.0, "min_demand_affinity": None}
    commissioners = _suppliers(session, principal)
    serves = _serves(session, commissioners)
    allowed = _eligible_mask(demands, commissioners, serves)
    pairs = text.score_pairs(
        _demand_inputs(demands),
        _supplier_inputs(session, commissioners),
        text.load_weights(),
        eligible=allowed,
    )
    pd_, ps_ = np.asarray(pairs.demand_idx), np.asarray(pairs.supplier_idx)
    keep = allowed[pd_, ps_] if len(pd_) else np.zeros(0, dtype=bool)
    instance = matching.Instance(
        supplier_ids=[c.id for c in commissioners],
        demand_ids=[d.id for d in demands],
        min_load=np.zeros(len(commissioners), dtype=np.int64),
        max_load=_remaining_load(session, commissioners),
        coverage=np.ones(len(demands), dtype=np.int64),
        pair_demand=pd_[keep],
        pair_supplier=ps_[keep],
        pair_score=np.asarray(pairs.score, dtype=float)[keep],
        components={k: np.asarray(v)[keep] for k, v in pairs.components.items()},
    )
    result = matching.solve(instance, mode=mode, time_limit=time_limit)
    if not result.feasible:
        ex = result.explanation
        names = "、".join(f"#{i}" for i in _demand_ids(ex.demands, demands)[:20])
        raise Unprocessable(f"{ex.message}（涉及需求 {names}）" if names else ex.message)
    kept = np.flatnonzero(keep)
    lookup = {(int(pd_[j]), int(ps_[j])): int(j) for j in kept}
    demand_idx, supplier_idx = _chosen(result)
    for di, si in zip(demand_idx, supplier_idx, strict=True):
        j = lookup[(int(di), int(si))]
        store_suggestions(
            session,
            principal,
            demands[int(di)].id,
            [
                {
                    "commissioner_id": commissioners[int(si)].id,
                    "score": float(pairs.score[j]),
                    "components": _components(pairs, j),
                    "reasons": _reasons(text, pairs, j),
                }
            ],
            f"batch_{mode}",
        )
    return {
        "demands": len(demands),
        "assigned": int(len(demand_idx)),
        "total": float(result.total),
        "min_demand_affinity": float(result.min_demand_affinity),
    }
