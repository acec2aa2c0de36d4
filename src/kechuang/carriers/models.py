"""Tables of the carriers chain: carrier profiles, incubations, relocations, attributions and
technology contracts. Carriers themselves are the registry's (`carriers`); a profile adds what the
chain needs (operator, park) without changing the registry table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow


class CarrierProfile(Base):
    """Who runs a registry carrier (incl. social capital, §五.3) and the park it sits in."""

    __tablename__ = "carrier_profiles"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), unique=True)
    operator_name: Mapped[str] = mapped_column(String(200), default="")
    operator_kind: Mapped[str] = mapped_column(String(20))
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), nullable=True)
    university: Mapped[str] = mapped_column(String(100), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Incubation(Base):
    """One stay of an enterprise in an incubating carrier: entered, and graduated or left."""

    __tablename__ = "incubations"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    # the 应用型研究院/实验室 the start-up came out of (the chain's first link), when known
    origin_carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), nullable=True)
    entered_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # None while in incubation; "graduated" or "left" once it ended
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Relocation(Base):
    """A graduate moving into an industrial park: a registry park or a 特色产业园 carrier inside the
    city, or a named place outside it."""

    __tablename__ = "relocations"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    incubation_id: Mapped[int | None] = mapped_column(ForeignKey("incubations.id"), nullable=True)
    moved_on: Mapped[date] = mapped_column(Date)
    inside_city: Mapped[bool] = mapped_column(Boolean)
    to_zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    to_park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), nullable=True)
    to_carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), nullable=True)
    destination: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Attribution(Base):
    """A 飞地经济 / 异地孵化 / 结对共建 arrangement: where the enterprise is incubated or located and
    which zone counts its figures, over a period."""

    __tablename__ = "attributions"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    arrangement: Mapped[str] = mapped_column(String(20))
    incubated_zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    incubated_place: Mapped[str] = mapped_column(String(200), default="")
    counted_zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    basis: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class TechContract(Base):
    """A registered technology contract (技术开发/转让/许可/咨询/服务), amount in 万元."""

    __tablename__ = "tech_contracts"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_no: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    seller_uscc: Mapped[str] = mapped_column(String(18), index=True)
    seller_name: Mapped[str] = mapped_column(String(200))
    buyer_uscc: Mapped[str] = mapped_column(String(18), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    registered_year: Mapped[int] = mapped_column(Integer, index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
