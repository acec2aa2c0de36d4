"""一区一战略: how specialised each zone is in its declared strategic industries, and whether zones
complement or copy each other (错位发展).

An enterprise belongs to the strategic industry whose GB/T 4754 prefix matches its industry code
longest; on a tie, to the one its own zone declares (e.g. I65 is both 电子信息 and 数字经济).
Measures per zone: revenue share of its declared industries; location quotient per industry
LQ = (R_zi / R_z) / (R_ci / R_c) against the city (all the city's zones); HHI = Σ s_i² over the
strategic industries (shares of the zone's strategic revenue; 1/k … 1); a zone × zone cosine
similarity of the industry share vectors; and flagged pairs that are similar (cosine ≥ threshold) and
both specialised (LQ ≥ 1) in, or both declaring, the same emerging industry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.registry.models import Enterprise, Industry, Zone, ZoneIndustry
from kechuang.registry.service import industry_styles
from kechuang.statistics.queries import current_figures

OTHER = "other"
SIMILARITY_THRESHOLD = 0.5


def classify(
    codes: pl.Series,
    home: pl.Series,
    industries: list[tuple[str, list[str]]],
    declared: set[tuple[int, str]],
) -> pl.Series:
    """Strategic industry of each enterprise (longest prefix; ties go to the home zone's declared
    industry, then to the first in configuration order); OTHER when none matches."""
    df = pl.DataFrame({"code": codes.fill_null(""), "home": home}).with_row_index("i")
    pairs = pl.DataFrame(
        [(ind, p, len(p), k) for k, (ind, ps) in enumerate(industries) for p in ps],
        schema={"industry": pl.String, "prefix": pl.String, "plen": pl.Int64, "order": pl.Int64},
        orient="row",
    )
    decl = pl.DataFrame(
        sorted(declared), schema={"home": pl.Int64, "industry": pl.String}, orient="row"
    ).with_columns(pl.lit(True).alias("declared"))
    cand = (
        df.join(pairs, how="cross")
        .filter(pl.col("code").str.starts_with(pl.col("prefix")))
        .join(decl, on=["home", "industry"], how="left")
        .with_columns(pl.col("declared").fill_null(False))
    )
    best = (
        cand.sort(["i", "plen", "declared", "order"], descending=[False, True, True, False])
        .group_by("i", maintain_order=True)
        .first()
    )
    out = df.join(best.select("i", "industry"), on="i", how="left")
    return out.sort("i").get_column("industry").fill_null(OTHER)


def specialisation(session: Session, year: int | None = None) -> dict[str, Any]:
    """Revenue by zone and strategic industry for a year (default the latest), with shares, LQ,
    HHI, the similarity matrix and the flagged pairs (unscoped: service.visible_specialisation
    filters it)."""
    industries = list(
        session.execute(
            select(Industry.code, Industry.name, Industry.gbt4754).order_by(Industry.code)
        ).all()
    )
    zones = list(session.execute(select(Zone.id, Zone.name).order_by(Zone.id)).all())
    roles = list(
        session.execute(
            select(ZoneIndustry.zone_id, ZoneIndustry.industry_code, ZoneIndustry.role)
        ).all()
    )
    declared = {(z, i) for z, i, _ in roles}
    ent = pl.DataFrame(
        session.execute(
            select(
                Enterprise.id,
                Enterprise.zone_id,
                Enterprise.counted_zone_id,
                Enterprise.industry_code,
            )
        ).all(),
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "zone_id": pl.Int64,
            "counted_zone_id": pl.Int64,
            "industry_code": pl.String,
        },
    )
    figs = current_figures(session, None, [year] if year else None).select(
        "enterprise_id", "year", "operating_revenue"
    )
    if figs.is_empty():
        return {
            "year": year,
            "zones": [],
            "industries": [],
            "cells": [],
            "similarity": [],
            "flags": [],
        }
    year = year or int(figs.get_column("year").max())
    figs = figs.filter(pl.col("year") == year)
    df = (
        figs.join(ent, on="enterprise_id", how="inner")
        .with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("zone_id"))
        .filter(pl.col("zone_id").is_not_null())
    )
    df = df.with_columns(
        classify(
            df.get_column("industry_code"),
            df.get_column("zone_id"),
            [(c, list(g)) for c, _, g in industries],
            declared,
        ).alias("industry")
    )
    by = df.group_by("zone_id", "industry").agg(pl.col("operating_revenue").sum().alias("revenue"))
    zone_tot = df.group_by("zone_id").agg(pl.col("operating_revenue").sum().alias("zone_revenue"))
    ind_tot = df.group_by("industry").agg(pl.col("operating_revenue").sum().alias("city_revenue"))
    city = float(df.get_column("operating_revenue").sum() or 0.0)
    names = {c: n for c, n, _ in industries} | {OTHER: "其他行业"}
    zname = dict(zones)
    role_of = {(z, i): r for z, i, r in roles}
    cells = (
        by.join(zone_tot, on="zone_id")
        .join(ind_tot, on="industry")
        .with_columns(
            (pl.col("revenue") / pl.col("zone_revenue")).alias("share"),
            ((pl.col("revenue") / pl.col("zone_revenue")) / (pl.col("city_revenue") / city)).alias(
                "lq"
            ),
        )
        .sort("zone_id", "industry")
    )
    zone_ids = [z for z, _ in zones if z in set(zone_tot.get_column("zone_id").to_list())]
    strat = [c for c, _, _ in industries]
    share = {(r["zone_id"], r["industry"]): r for r in cells.iter_rows(named=True)}
    mat = np.array([[share.get((z, i), {}).get("share") or 0.0 for i in strat] for z in zone_ids])
    zone_rows = []
    for k, z in enumerate(zone_ids):
        decl = [i for i in strat if (z, i) in declared]
        srev = mat[k].sum()
        hhi = float(((mat[k] / srev) ** 2).sum()) if srev > 0 else None
        zone_rows.append(
            {
                "zone_id": z,
                "zone": zname[z],
                "revenue": float(
                    zone_tot.filter(pl.col("zone_id") == z).get_column("zone_revenue")[0]
                ),
                "declared": [
                    {"industry": i, "name": names[i], "role": role_of[(z, i)]} for i in decl
                ],
                "declared_share": float(
                    sum(share.get((z, i), {}).get("share") or 0.0 for i in decl)
                ),
                "strategic_share": float(srev),
                "hhi": hhi,
            }
        )
    norms = np.linalg.norm(mat, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = (mat @ mat.T) / np.outer(norms, norms)
    sim = np.where(np.isfinite(sim), sim, np.nan)
    flags = []
    for a in range(len(zone_ids)):
        for b in range(a + 1, len(zone_ids)):
            za, zb = zone_ids[a], zone_ids[b]
            shared = []
            for i in strat:
                emerging = "emerging" in (role_of.get((za, i)), role_of.get((zb, i)))
                both_declared = (za, i) in declared and (zb, i) in declared
                lq_a = share.get((za, i), {}).get("lq") or 0.0
                lq_b = share.get((zb, i), {}).get("lq") or 0.0
                if emerging and (both_declared or (lq_a >= 1.0 and lq_b >= 1.0)):
                    shared.append(
                        {
                            "industry": i,
                            "name": names[i],
                            "lq_a": lq_a,
                            "lq_b": lq_b,
                            "both_declared": both_declared,
                        }
                    )
            s = sim[a, b]
            if shared and not np.isnan(s) and s >= SIMILARITY_THRESHOLD:
                flags.append(
                    {
                        "zone_a": zname[za],
                        "zone_b": zname[zb],
                        "zone_a_id": za,
                        "zone_b_id": zb,
                        "similarity": float(s),
                        "industries": shared,
                    }
                )
    styles = industry_styles(session, rest=OTHER)  # one colour per industry on every chart
    return {
        "year": year,
        "city_revenue": city,
        "zones": zone_rows,
        "industries": [{"code": c, "name": names[c], "style": styles[c]} for c in [*strat, OTHER]],
        "cells": [
            {
                "zone_id": r["zone_id"],
                "zone": zname[r["zone_id"]],
                "industry": r["industry"],
                "industry_name": names[r["industry"]],
                "revenue": r["revenue"],
                "share": r["share"],
                "lq": r["lq"],
                "role": role_of.get((r["zone_id"], r["industry"])),
            }
            for r in cells.iter_rows(named=True)
        ],
        "similarity": [
            {
                "zone_a": zname[za],
                "zone_b": zname[zb],
                "zone_a_id": za,
                "zone_b_id": zb,
                "similarity": None if np.isnan(sim[a, b]) else float(sim[a, b]),
            }
            for a, za in enumerate(zone_ids)
            for b, zb in enumerate(zone_ids)
        ],
        "flags": flags,
        "threshold": SIMILARITY_THRESHOLD,
    }
