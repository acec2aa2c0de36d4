"""The 梯度培育 dashboard: rungs per enterprise and year, counts per zone against the ladder
targets, flows between rungs, and HNTE certificates due for renewal."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise
from kechuang.registry.service import EnterpriseFilter, enterprise_query
from kechuang.tiers.assessment import zone_names
from kechuang.tiers.methodology import RUNG_LABELS, TierError, families, targets
from kechuang.tiers.qualifications import CERTIFICATE_YEARS, qualification_frame
from kechuang.tiers.snapshots import year_results


def pipeline(session: Session, principal: Principal, years: list[int]) -> dict[str, Any]:
    """Rungs per enterprise and year, counts per zone against targets, flows and renewals; read
    from the latest snapshot whose inputs still match the data, else computed now (`source`)."""
    years = sorted(set(years))
    if not years:
        raise TierError("请至少选择一个年度")
    results, source = year_results(session, principal, years)
    zones = zone_names(session)
    per_year: list[pl.DataFrame] = []
    counts: list[dict[str, Any]] = []
    tgt = targets()
    met_keys: dict[str, set[int]] = {}
    review_keys: dict[str, set[int]] = {}
    for year in years:
        result, packs = results[year]
        per_year.append(result.select("key", "stat_zone_id", "rung", pl.lit(year).alias("year")))
        by_family = {}
        for pack in packs:
            met = result.filter((pl.col(f"{pack.code}|status") == 0) | pl.col(f"{pack.code}|held"))
            review = result.filter(pl.col(f"{pack.code}|status") == 1)
            by_family[pack.family] = (met, review, pack)
            if year == years[-1]:
                met_keys[pack.family] = set(met.get_column("key").to_list())
                review_keys[pack.family] = set(review.get_column("key").to_list())
        for zone_id in sorted(
            {z for z in result.get_column("stat_zone_id").to_list() if z is not None}
        ) + [None]:
            row: dict[str, Any] = {
                "year": year,
                "zone_id": zone_id,
                "zone": zones.get(zone_id, "全部（可见范围）") if zone_id else "全部（可见范围）",
            }
            for family, (met, review, _pack) in by_family.items():
                if zone_id is not None:
                    met = met.filter(pl.col("stat_zone_id") == zone_id)
                    review = review.filter(pl.col("stat_zone_id") == zone_id)
                row[family] = met.height
                row[f"{family}__review"] = review.height
            counts.append(row)
    rungs = pl.concat(per_year)
    flows = _flows(rungs, years)
    progress = []
    for t in tgt["targets"]:
        # an enterprise meeting several packs of one target (e.g. GEI and Jiangsu unicorn) counts once
        met = set().union(*(met_keys.get(f, set()) for f in t["families"]))
        review = set().union(*(review_keys.get(f, set()) for f in t["families"])) - met
        progress.append(
            {
                "code": t["code"],
                "label": t["label"],
                "target": t["value"],
                "current": len(met),
                "review": len(review),
                "ratio": len(met) / t["value"] if t["value"] else None,
            }
        )
    rung_counts = rungs.group_by("year", "rung").len().sort("year", "rung").to_dicts()
    return {
        "years": years,
        "counts": counts,
        "rung_counts": rung_counts,
        "rung_labels": RUNG_LABELS,
        "flows": flows,
        "targets": {
            "name": tgt["name"],
            "status": tgt["status"],
            "status_label": tgt["status_label"],
            "year": tgt["year"],
            "source": tgt["source"],
            "progress": progress,
            "not_tracked": tgt.get("not_tracked", []),
        },
        "families": families(),
        "certificates": hnte_certificates(session, principal, years),
        "scope_note": "按企业统计归属高新区计数；资质（证书、称号）持有者计入相应梯度。",
        "source": source,
    }


def _flows(rungs: pl.DataFrame, years: list[int]) -> list[dict[str, Any]]:
    out = []
    for a, b in zip(years, years[1:], strict=False):
        prev = rungs.filter(pl.col("year") == a).select("key", pl.col("rung").alias("from"))
        nxt = rungs.filter(pl.col("year") == b).select("key", pl.col("rung").alias("to"))
        joined = prev.join(nxt, on="key", how="full", coalesce=True).with_columns(
            pl.col("from").fill_null(-1), pl.col("to").fill_null(-1)
        )
        for r in joined.group_by("from", "to").len().sort("from", "to").iter_rows(named=True):
            out.append(
                {
                    "from_year": a,
                    "to_year": b,
                    "from": r["from"],
                    "to": r["to"],
                    "count": r["len"],
                    "kind": "entry"
                    if r["to"] > r["from"]
                    else ("exit" if r["to"] < r["from"] else "stay"),
                }
            )
    return out


def hnte_certificates(
    session: Session, principal: Principal, years: list[int]
) -> list[dict[str, Any]]:
    """Per year: valid HNTE certificates, those expiring (renewal due), renewed and lapsed."""
    ids = [
        r[0]
        for r in session.execute(
            enterprise_query(principal, EnterpriseFilter()).with_only_columns(Enterprise.id)
        ).all()
    ]
    if not ids:
        return [{"year": y, "valid": 0, "expiring": 0, "renewed": 0, "lapsed": 0} for y in years]
    quals = qualification_frame(session, ids).filter(pl.col("kind") == "hnte_certificate")
    quals = quals.with_columns(
        pl.coalesce(
            "expires_on",
            pl.col("obtained_on").dt.offset_by(f"{CERTIFICATE_YEARS}y").dt.offset_by("-1d"),
        ).alias("expires_on")
    )
    out = []
    for y in years:
        ref = date(y, 12, 31)
        valid = quals.filter((pl.col("obtained_on") <= ref) & (pl.col("expires_on") >= ref))
        expiring = quals.filter(pl.col("expires_on").dt.year() == y)
        # renewed: a later certificate of the same enterprise issued by the end of the next year
        later = quals.select("key", pl.col("obtained_on").alias("next_on"))
        pairs = expiring.join(later, on="key").filter(
            (pl.col("next_on") > pl.col("obtained_on")) & (pl.col("next_on") <= date(y + 1, 12, 31))
        )
        renewed = pairs.select("key").unique().height
        out.append(
            {
                "year": y,
                "valid": valid.select("key").unique().height,
                "expiring": expiring.select("key").unique().height,
                "renewed": renewed,
                "lapsed": expiring.select("key").unique().height - renewed,
            }
        )
    return out
