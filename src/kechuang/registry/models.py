"""Registry tables: regions, zones and parks, strategic industries, carriers, enterprises."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.core.db import Base, utcnow

ZONE_LEVELS = ("国家级", "省级", "省级(筹)", "培育")
ZONE_KINDS = ("高新区", "农业科技园区")
INDUSTRY_ROLES = {"main": "主导产业", "emerging": "新兴产业", "upgrading": "转型升级产业"}
CARRIER_KINDS = {
    "incubator": "孵化器",
    "maker_space": "众创空间",
    "university_science_park": "大学科技园",
    "new_rd_institute": "新型研发机构",
    "key_lab": "重点实验室",
    "engineering_center": "工程技术研究中心",
    "star_innovation_space": "星创天地",
    "agri_science_park": "农业科技园区",
    # the carriers chain's two ends (plan （五）3): 应用型研究院（实验室） and 特色产业园
    "applied_institute": "应用型研究院（实验室）",
    "featured_park": "特色产业园",
}
CARRIER_LEVELS = ("国家级", "省级", "市级")
# 国家重点支持的高新技术领域 (国科发火〔2016〕32号 附件)
TECH_FIELDS = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)


class Region(Base):
    """A district or county (区县), keyed by its GB/T 2260 code."""

    __tablename__ = "regions"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Industry(Base):
    """A strategic industry the city names, with the GB/T 4754 classes that belong to it."""

    __tablename__ = "industries"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gbt4754: Mapped[list[str]] = mapped_column(JSON, default=list)


class Zone(Base):
    """A high-tech zone (高新区) or agricultural S&T park."""

    __tablename__ = "zones"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="高新区")
    level: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    candidate_for: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    parks: Mapped[list[Park]] = relationship(back_populates="zone", order_by="Park.id")
    industries: Mapped[list[ZoneIndustry]] = relationship(
        back_populates="zone", order_by="ZoneIndustry.id"
    )


class Park(Base):
    """A park of a zone (一区多园)."""

    __tablename__ = "parks"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(300), default="")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)

    zone: Mapped[Zone] = relationship(back_populates="parks")


class ZoneIndustry(Base):
    """A zone's strategic industry (一区一战略产业) with its role: main, emerging or upgrading."""

    __tablename__ = "zone_industries"
    __audited__ = True
    __table_args__ = (UniqueConstraint("zone_id", "industry_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"))
    role: Mapped[str] = mapped_column(String(20))

    zone: Mapped[Zone] = relationship(back_populates="industries")
    industry: Mapped[Industry] = relationship()


class Carrier(Base):
    """An innovation carrier: incubator, maker space, university science park, lab, …"""

    __tablename__ = "carriers"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Enterprise(Base):
    """An enterprise identified by its 统一社会信用代码.

    `zone_id` is where it is registered; `counted_zone_id` is set for 飞地/异地孵化, where another zone
    counts it in its statistics.
    """

    __tablename__ = "enterprises"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True, index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), nullable=True)
    industry_code: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    tech_field: Mapped[str | None] = mapped_column(String(20), nullable=True)
    incubator_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), nullable=True)
    counted_zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id"), nullable=True, index=True
    )
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    zone: Mapped[Zone | None] = relationship(foreign_keys=[zone_id])
    park: Mapped[Park | None] = relationship()
    counted_zone: Mapped[Zone | None] = relationship(foreign_keys=[counted_zone_id])
    incubator: Mapped[Carrier | None] = relationship()
