"""Demo peers (演示数据): fictional zones 示例高新区A–H with plausible figures, a provincial peer set
and stored evaluation runs, so every zone-evaluation page has something real to show.

The peers' figures are drawn around the city zones' own indicator values (seeded, reproducible):
A is the strongest, H the weakest, most of them ahead of the city's zones, as provincial leaders are.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.audit import current_principal
from kechuang.zones import service
from kechuang.zones.frameworks import SHIPPED, catalogue, shipped_framework
from kechuang.zones.inputs import city_indicator_values
from kechuang.zones.models import PeerZone

DEMO_PEERS = (
    ("A", "国家级", 1.6),
    ("B", "国家级", 1.2),
    ("C", "国家级", 0.9),
    ("D", "国家级", 0.6),
    ("E", "省级", 0.3),
    ("F", "省级", 0.0),
    ("G", "省级", -0.3),
    ("H", "省级", -0.6),
)
DEMO_PEER_SET = "province_demo"
COUNT_UNITS = ("家", "个", "人", "件")


def seed_demo(session: Session, seed: int = 20252) -> str:
    """Add the demo peer zones, their figures, the demo peer set and evaluation runs; idempotent."""
    if session.scalar(select(PeerZone.id).where(PeerZone.is_demo.is_(True)).limit(1)):
        return "演示对标数据已存在"
    rng = np.random.default_rng(seed)
    years = sorted(service.available_years(session))
    if not years:
        return "没有统计数据，未生成演示对标数据"
    units = service.city_units(session)
    codes = sorted({c for f in SHIPPED for c in shipped_framework(f).indicators})
    cat = catalogue().indicators
    city = city_indicator_values(session, [u.zone_id for u in units], years, codes)
    bases = [c for c in city.columns if c.startswith("base:")]
    peers = []
    for letter, level, _ in DEMO_PEERS:
        p = PeerZone(
            code=f"demo_peer_{letter.lower()}",
            name=f"示例高新区{letter}",
            province="（演示）",
            level=level,
            source="演示数据（虚构，非真实高新区）",
            is_demo=True,
        )
        session.add(p)
        peers.append(p)
    session.flush()
    for (_letter, _level, strength), peer in zip(DEMO_PEERS, peers, strict=True):
        size = float(np.exp(0.45 * strength + rng.normal(0, 0.1)))
        for year in years:
            part = city.filter(pl.col("year") == year)
            figures: dict[str, float | None] = {}
            for code in codes:
                col = part.get_column(code).drop_nulls()
                if col.is_empty():
                    continue
                med = float(col.median())
                spread = max(float(col.std() or 0.0), abs(med) * 0.3, 1e-6)
                z = cat[code].direction * strength + rng.normal(0, 0.5)
                value = med + spread * z
                if float(col.min()) >= 0:  # never invent a negative count, share or rate
                    value = max(value, 0.0)
                if cat[code].unit in COUNT_UNITS and cat[code].kind == "value":
                    value = float(round(value))
                figures[code] = round(value, 4)
            for b in bases:
                col = part.get_column(b).drop_nulls()
                if not col.is_empty():
                    figures[b.removeprefix("base:")] = round(float(col.mean()) * size * 1.8, 2)
            service.save_peer_figures(
                session, current_principal(session), peer.name, year, figures, source="演示数据"
            )
    members = [u.name for u in units] + [p.name for p in peers]
    service.save_peer_set(
        session,
        current_principal(session),
        DEMO_PEER_SET,
        "省内对标组（演示）",
        members,
        kind="province",
        description="本市高新区与虚构的示例高新区A–H（演示数据）",
        is_demo=True,
    )
    stored = 0
    # as a bureau records each year's result: the provincial benchmark and the city's own ranking
    # (the API's default peer set), so that pages and the API read the record, not a new run
    for year in years[-2:]:
        for peer_set, note in (
            (DEMO_PEER_SET, "演示：国家2021框架，省内对标组"),
            (service.CITY_PEER_SET, "演示：国家2021框架，本市高新区"),
        ):
            ev = service.evaluate(
                session, current_principal(session), year, "national_2021", peer_set
            )
            service.store_run(
                session, current_principal(session), ev, peer_set, note=note, is_demo=True
            )
            stored += 1
    return f"演示对标数据：{len(peers)} 个示例高新区，{len(years)} 年指标，{stored} 次评价记录"
