"""Zone-evaluation tables: peer zones outside the city, peer sets, bureau frameworks and stored runs.

Zones that are not the city's (provincial or national peers whose published figures the bureau
enters, and the demo's 示例高新区) live in `peer_zones`, not in the registry's `zones`, so every city
page keeps listing exactly the city's zones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow

PEER_SET_KINDS = {
    "city": "本市高新区",
    "province": "省内高新区",
    "national": "全国高新区",
    "custom": "自定义",
}


class PeerZone(Base):
    """A zone outside the city, compared with through the figures the bureau enters."""

    __tablename__ = "peer_zones"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    province: Mapped[str] = mapped_column(String(20), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class PeerZoneFigure(Base):
    """One entered figure of a peer zone: an indicator value (or a base like e.operating_revenue)."""

    __tablename__ = "peer_zone_figures"
    __audited__ = True
    __table_args__ = (UniqueConstraint("peer_zone_id", "year", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_zone_id: Mapped[int] = mapped_column(
        ForeignKey("peer_zones.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(300), default="")


class PeerSet(Base):
    """A named set of zones a zone is compared with (city zones, the province, chosen peers)."""

    __tablename__ = "peer_sets"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="custom")
    description: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class PeerSetMember(Base):
    """A member of a peer set: a city zone or a peer zone (exactly one of the two)."""

    __tablename__ = "peer_set_members"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_set_id: Mapped[int] = mapped_column(
        ForeignKey("peer_sets.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    peer_zone_id: Mapped[int | None] = mapped_column(ForeignKey("peer_zones.id"), nullable=True)


class BureauFramework(Base):
    """A framework a bureau defined itself (same YAML schema as the shipped ones)."""

    __tablename__ = "zone_frameworks"
    __audited__ = True
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationRun(Base):
    """A stored evaluation: framework version, peer set, options, input hash, inputs and results."""

    __tablename__ = "zone_evaluation_runs"
    __audited__ = True
    # the audit row keeps the recipe; the (large) inputs and results stay in this table only
    __audit_exclude__ = ("inputs", "results", "record")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int] = mapped_column(Integer, index=True)
    framework_code: Mapped[str] = mapped_column(String(40))
    framework_version: Mapped[str] = mapped_column(String(40))
    framework_hash: Mapped[str] = mapped_column(String(64))
    peer_set_code: Mapped[str] = mapped_column(String(40))
    peer_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_hash: Mapped[str] = mapped_column(String(64))
    spec_hash: Mapped[str] = mapped_column(String(64), default="")
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
