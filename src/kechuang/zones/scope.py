"""Who may read what of the zones domain's results.

A ranking needs every zone's figures, so evaluations are computed over the whole peer set and then
projected for the principal here, inside the services, before anything is returned: the bureau sees
everything; a zone admin sees her own zone in full and, of the other city zones, only what the
framework publishes (ranks, and scores where published), never their indicator values; peer zones
outside the city carry published figures and stay visible. Other roles may not use the evaluation.
"""

from __future__ import annotations

from typing import Any

from kechuang.core.scope import RoleError
from kechuang.core.security import Principal
from kechuang.zones.frameworks import ZoneFramework


def require_reader(principal: Principal) -> None:
    """Only the bureau and zone administrators use the evaluation."""
    if principal.scope not in ("all", "zone"):
        raise RoleError("无权查看高新区评价（仅市科技局与高新区管理员可用）")


def require_city_admin(principal: Principal) -> None:
    """Writes (runs, frameworks, peer sets, figures) are the bureau's."""
    if not principal.is_city_admin:
        raise RoleError("仅市科技局管理员可以执行此操作")


def own_unit(principal: Principal) -> str | None:
    """The evaluation unit code ("z<id>") of a zone admin's own zone, else None."""
    return f"z{principal.zone_id}" if principal.scope == "zone" and principal.zone_id else None


def visible_table(
    principal: Principal, fw: ZoneFramework, table: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The ranking as the principal may see it: a zone admin gets her row in full and, of the
    others, only the fields the framework publishes."""
    require_reader(principal)
    if principal.is_city_admin or principal.scope == "all":
        return table
    own = own_unit(principal)
    pub = set(fw.publish)
    out = []
    for r in table:
        if r["unit"] == own:
            out.append(r)
            continue
        out.append(
            {
                "unit": r["unit"],
                "name": r["name"],
                "is_city": r["is_city"],
                "zone_id": r["zone_id"],
                "rank": r["rank"] if "rank" in pub else None,
                "score": r["score"] if "score" in pub else None,
                "relative": r["relative"] if "score" in pub else None,
                "group": r["group"] if "performance_group" in pub else None,
                "group_label": r["group_label"] if "performance_group" in pub else None,
                "dimensions": {
                    k: {
                        "score": v["score"] if "dimension_scores" in pub else None,
                        "rank": v["rank"] if "dimension_ranks" in pub else None,
                    }
                    for k, v in r["dimensions"].items()
                },
                "band": r["band"] if "rank" in pub else None,
                "previous_rank": r["previous_rank"] if "rank" in pub else None,
                "movement": r["movement"] if "rank" in pub else None,
                "hidden": True,
            }
        )
    return out


def visible_values(
    principal: Principal, units: list[dict[str, Any]], values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Indicator values: all for the bureau; for a zone admin her zone's and the peer zones'
    entered (published) figures, not other city zones'."""
    require_reader(principal)
    if principal.scope == "all":
        return values
    own = own_unit(principal)
    city = {u["unit"] for u in units if u["is_city"]}
    return [v for v in values if v["unit"] == own or v["unit"] not in city]


def visible_contributions(
    principal: Principal, contributions: list[dict[str, Any]], zone_names: dict[int, str]
) -> list[dict[str, Any]]:
    """Each zone's share of a target's gap: all for the bureau, her own zone's for a zone admin."""
    require_reader(principal)
    if principal.scope == "all":
        return contributions
    own = zone_names.get(principal.zone_id) if principal.zone_id is not None else None
    return [c for c in contributions if c["zone"] == own]


def visible_specialisation(principal: Principal, res: dict[str, Any]) -> dict[str, Any]:
    """Specialisation results: all for the bureau; a zone admin's own zone and her similarity rows."""
    require_reader(principal)
    if principal.scope == "all":
        return res
    zid = principal.zone_id
    return {
        **res,
        "zones": [z for z in res["zones"] if z["zone_id"] == zid],
        "cells": [c for c in res["cells"] if c["zone_id"] == zid],
        "similarity": [s for s in res["similarity"] if zid in (s["zone_a_id"], s["zone_b_id"])],
        "flags": [f for f in res["flags"] if zid in (f["zone_a_id"], f["zone_b_id"])],
    }
