"""Build the demo database: the shipped city, generated data written through the normal import
path (as .xlsx files, exactly as a bureau would upload them), and one login per role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import select

from kechuang.accounts.models import User
from kechuang.accounts.service import create_user
from kechuang.core.audit import bind_principal
from kechuang.core.config import get_settings
from kechuang.core.db import analyze, session_scope, upgrade
from kechuang.core.excel import write_sheets
from kechuang.core.security import Principal
from kechuang.domains import demo_seeders
from kechuang.registry.models import Carrier, Enterprise, Zone
from kechuang.registry.service import load_city_config
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import ImportBatch
from kechuang.statistics.templates import COLUMNS_BY_KIND
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS

DEMO_PASSWORD = "kechuang2026"
DEMO_LOGINS = (
    {
        "username": "admin",
        "password": DEMO_PASSWORD,
        "role": "city_admin",
        "note": "市科技局：全部高新区和企业",
    },
    {
        "username": "yzhtz",
        "password": DEMO_PASSWORD,
        "role": "zone_admin",
        "zone": "yzhtz",
        "note": "扬州高新区管理员：只看本区",
    },
    {
        "username": "qiye",
        "password": DEMO_PASSWORD,
        "role": "enterprise_user",
        "note": "企业用户：只看本企业（扬州高新区营收最高的演示企业）",
    },
    {
        "username": "bank",
        "password": DEMO_PASSWORD,
        "role": "bank_viewer",
        "note": "合作银行：只看授权共享积分的企业名单",
    },
)
DEMO_OPERATOR = Principal(None, "demo-loader", "city_admin", display_name="演示数据生成器")


def demo_database_url(rebuild: bool = False) -> str:
    """The demo database: KECHUANG_DATABASE_URL if set, else var/demo.db (deleted on rebuild)."""
    url = get_settings().database_url
    if url:
        return url
    var = get_settings().var_dir
    var.mkdir(parents=True, exist_ok=True)
    path = (var / "demo.db").resolve()
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def is_demo_database() -> bool:
    """True when the database holds demo data (the UI then labels figures 演示数据)."""
    with session_scope() as session:
        return (
            session.scalar(select(ImportBatch.id).where(ImportBatch.is_demo.is_(True)).limit(1))
            is not None
        )


def _import(session, kind: str, frame: pl.DataFrame, filename: str) -> str:
    content = write_sheets([("数据", COLUMNS_BY_KIND[kind], frame)])
    report = import_file(session, DEMO_OPERATOR, kind, content, filename, is_demo=True)
    if not report.ok:
        first = "; ".join(f"{e.row}行 {e.column}: {e.value} {e.reason}" for e in report.errors[:5])
        raise RuntimeError(f"演示数据未通过校验（{len(report.errors)} 处）：{first}")
    return report.message()


def _import_qualifications(session, frame: pl.DataFrame) -> str:
    """The demo's qualifications register, through the register's own import (all or nothing)."""
    from kechuang.tiers.qualifications import QUAL_COLUMNS, import_qualifications

    if frame.is_empty():
        return "演示数据无企业资质"
    content = write_sheets([("企业资质", QUAL_COLUMNS, frame)])
    report = import_qualifications(session, DEMO_OPERATOR, content, "演示_企业资质.xlsx")
    if not report.ok:
        errors = report.errors or []
        first = "; ".join(f"{e.row}行 {e.column}: {e.value} {e.reason}" for e in errors[:5])
        raise RuntimeError(f"演示资质未通过校验（{len(errors)} 处）：{first}")
    return report.message()


def build_demo(
    say: Callable[[str], None] = print, seed: int = 20251, n_enterprises: int = 3000
) -> str:
    """Create the demo database if it is not there yet; returns a summary line."""
    from kechuang.demo.generator import generate

    upgrade()
    with session_scope() as session:
        bind_principal(session, DEMO_OPERATOR)
        load_city_config(session)
        if session.scalar(select(ImportBatch.id).where(ImportBatch.is_demo.is_(True)).limit(1)):
            return "复用已有演示数据库（--rebuild 可重建）"
    say("正在生成演示数据（固定随机种子，可复现）……")
    data = generate(seed=seed, n_enterprises=n_enterprises)
    with session_scope() as session:
        bind_principal(session, DEMO_OPERATOR)
        zone_ids = dict(session.execute(select(Zone.code, Zone.id)).all())
        for row in data.carriers.iter_rows(named=True):
            session.add(
                Carrier(
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    level=row["level"],
                    zone_id=zone_ids.get(row["zone_code"]),
                    source="演示数据",
                    is_demo=True,
                )
            )
        session.flush()
        enterprises = data.enterprises.select(
            "uscc",
            "name",
            "founded_on",
            pl.col("region_code").alias("region"),
            pl.col("zone_code").alias("zone"),
            pl.col("park_code").alias("park"),
            "industry_code",
            "tech_field",
            pl.col("incubator_code").alias("incubator"),
            pl.col("counted_zone_code").alias("counted_zone"),
        )
        say(_import(session, "enterprises", enterprises, "演示_企业名录.xlsx"))
        say(
            _import(
                session,
                "enterprise_years",
                data.enterprise_years.join(
                    data.enterprises.select("uscc", "name"), on="uscc", how="left"
                ),
                "演示_企业年度统计.xlsx",
            )
        )
        zone_wide = data.zone_years.pivot(
            on="indicator_code", index=["zone_code", "year"], values="value"
        ).rename({"zone_code": "zone"})
        zone_wide = zone_wide.with_columns(
            [
                pl.lit(None, dtype=pl.Float64).alias(z.code)
                for z in ZONE_YEAR_INDICATORS
                if z.code not in zone_wide.columns
            ]
        )
        say(_import(session, "zone_years", zone_wide, "演示_高新区年度统计.xlsx"))
        # before the domains' seeders: the zone evaluation's stored runs count HNTEs from it
        say(_import_qualifications(session, data.qualifications))
        _demo_users(session, zone_ids)
        for _domain, seed in demo_seeders():
            say(seed(session))
    analyze()
    return (
        f"演示数据库已生成：{n_enterprises} 家企业，{data.enterprise_years.height} 条企业年度统计"
    )


def _demo_users(session, zone_ids: dict[str, int]) -> None:
    from kechuang.statistics.models import EnterpriseYear

    top = session.scalar(
        select(Enterprise.id)
        .join(EnterpriseYear, EnterpriseYear.enterprise_id == Enterprise.id)
        .where(Enterprise.zone_id == zone_ids["yzhtz"], EnterpriseYear.is_current.is_(True))
        .order_by(EnterpriseYear.year.desc(), EnterpriseYear.operating_revenue.desc().nulls_last())
        .limit(1)
    )
    for login in DEMO_LOGINS:
        if session.scalar(select(User.id).where(User.username == login["username"])):
            continue
        create_user(
            session,
            username=login["username"],
            password=login["password"],
            role=login["role"],
            display_name=login["note"].split("：")[0],
            zone_id=zone_ids.get(login.get("zone", "")),
            enterprise_id=top if login["role"] == "enterprise_user" else None,
            # the demo's published logins are weak on purpose (kechuang2026 is on the common
            # list, so no real account can have it); the demo never serves real data
            enforce_policy=False,
        )
