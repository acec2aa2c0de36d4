"""Zone indicator values: computed from enterprise-year statistics, taken from zone-year statistics,
or entered for peer zones outside the city.

The evaluation needs every peer's figures to normalise, so these readers are unscoped; the results
leave the domain only through `service.visible_result`, which applies the principal's scope.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.domain import section_functions
from kechuang.registry.models import Enterprise
from kechuang.statistics.fields import NUMERIC_FIELDS
from kechuang.statistics.models import ZoneYear
from kechuang.statistics.queries import current_figures
from kechuang.zones.frameworks import Catalogue, Indicator, catalogue
from kechuang.zones.models import PeerZoneFigure

HNTE_SOURCE = "资质登记"  # where the 高新技术企业 count comes from, as the pages say it


def _prefix_flag(classes: list[str]) -> pl.Expr:
    code = pl.col("industry_code").fill_null("")
    expr = pl.lit(False)
    for prefix in classes:
        expr = expr | code.str.starts_with(prefix)
    return expr


def hnte_holders(session: Session, years: list[int]) -> pl.DataFrame | None:
    """(enterprise_id, year, zone_id) of every 高新技术企业 from the qualifications register, through
    the "hnte_holders" hook the tiers domain offers (None when no domain offers it: the count is
    then missing, never estimated). Unscoped, like every reader here."""
    for holders in section_functions("hnte_holders"):
        return holders(session, years)
    return None


def enterprise_flags(df: pl.DataFrame, cat: Catalogue) -> pl.DataFrame:
    """Per enterprise-year flags (rd5, financed, …) used by the count indicators; `hnte` is the
    register's (a Boolean column `is_hnte` the caller joins in), null when there is none."""
    rev = pl.col("operating_revenue")
    intensity = pl.when(rev > 0).then(pl.col("rd_expense") / rev)
    flags = {
        "hnte": pl.col("is_hnte") if "is_hnte" in df.columns else pl.lit(None, dtype=pl.Boolean),
        "rd5": intensity >= 0.05,
        "rd5_large": (intensity >= 0.05) & (rev > 50_000),
        "financed": pl.col("equity_financing") > 0,
        "standards": pl.col("standards_led") > 0,
        "listed": pl.col("is_listed"),
    }
    for name, classes in cat.classes.items():
        flags[name] = _prefix_flag(classes)
    return df.with_columns([e.fill_null(False).alias(f"flag_{k}") for k, e in flags.items()])


def enterprise_aggregates(session: Session, years: list[int]) -> pl.DataFrame:
    """Per zone-year sums of every enterprise field (e_<field>), flag counts (e_n_<flag>) and the
    revenue and exports of flagged enterprises (e_rev_<flag>, e_export_<flag>).

    An enterprise counts in its counted zone when it has one (飞地), otherwise where registered.
    A sum over a field nobody reported is missing, not zero.
    """
    cat = catalogue()
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
    figures = current_figures(session, None, years)
    df = (
        figures.join(ent, on="enterprise_id", how="inner")
        .with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("zone_id"))
        .filter(pl.col("zone_id").is_not_null())
    )
    holders = hnte_holders(session, years)
    if holders is not None:
        df = df.join(
            holders.select("enterprise_id", "year", pl.lit(True).alias("is_hnte")),
            on=["enterprise_id", "year"],
            how="left",
        ).with_columns(pl.col("is_hnte").fill_null(False))
    df = enterprise_flags(df, cat)
    flag_names = list(cat.flags)
    aggs = [pl.len().alias("e_n_enterprises")]
    aggs += [
        pl.when(pl.col(f).count() > 0).then(pl.col(f).sum()).alias(f"e_{f}") for f in NUMERIC_FIELDS
    ]
    aggs += [pl.col(f"flag_{k}").sum().cast(pl.Float64).alias(f"e_n_{k}") for k in flag_names]
    aggs += [
        pl.col("operating_revenue").filter(pl.col(f"flag_{k}")).sum().alias(f"e_rev_{k}")
        for k in flag_names
    ]
    aggs += [
        pl.col("export_value").filter(pl.col(f"flag_{k}")).sum().alias(f"e_export_{k}")
        for k in flag_names
    ]
    out = (
        df.group_by("zone_id", "year")
        .agg(aggs)
        .with_columns([pl.col(f"e_{f}").cast(pl.Float64) for f in NUMERIC_FIELDS])
    )
    if holders is None:
        # no register to count from: the HNTE indicators are missing, not 0
        return out.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("e_n_hnte", "e_rev_hnte", "e_export_hnte")
        )
    # every certificate holder counts, with figures for the year or not (one source: the register)
    counted = (
        holders.filter(pl.col("zone_id").is_not_null())
        .group_by("zone_id", "year")
        .agg(pl.len().cast(pl.Float64).alias("e_n_hnte"))
    )
    return (
        out.drop("e_n_hnte")
        .join(counted, on=["zone_id", "year"], how="full", coalesce=True)
        .with_columns(pl.col("e_n_hnte").fill_null(0.0))
    )


def zone_year_wide(session: Session, years: list[int]) -> pl.DataFrame:
    """Current zone-year figures, one row per zone-year, columns z_<indicator>."""
    stmt = select(ZoneYear.zone_id, ZoneYear.year, ZoneYear.indicator_code, ZoneYear.value).where(
        ZoneYear.is_current.is_(True), ZoneYear.year.in_(years)
    )
    long = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "zone_id": pl.Int64,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
    )
    if long.is_empty():
        return pl.DataFrame(schema={"zone_id": pl.Int64, "year": pl.Int64})
    wide = long.with_columns(("z_" + pl.col("indicator_code")).alias("indicator_code")).pivot(
        on="indicator_code", index=["zone_id", "year"], values="value"
    )
    return wide


def _ref(ref: str) -> str:
    """Column name of a reference: e.rd_expense → e_rd_expense, z.green_coverage → z_green_coverage."""
    return ref.replace(".", "_", 1)


def indicator_expr(ind: Indicator) -> pl.Expr:
    """The Polars expression computing an indicator from aggregate columns (and their _prev)."""

    def col(ref: str, prev: bool = False) -> pl.Expr:
        return pl.col(_ref(ref) + ("_prev" if prev else "")).cast(pl.Float64)

    def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den != 0).then(num / den)

    if ind.kind == "value":
        return col(ind.spec)
    if ind.kind == "ratio":
        return ratio(col(ind.spec["num"]), col(ind.spec["den"])) * float(ind.spec.get("scale", 1))
    if ind.kind == "increase":
        return col(ind.spec) - col(ind.spec, True)
    if ind.kind == "growth":
        return (ratio(col(ind.spec), col(ind.spec, True)) - 1.0) * 100.0
    now = ratio(col(ind.spec["num"]), col(ind.spec["den"]))
    before = ratio(col(ind.spec["num"], True), col(ind.spec["den"], True))
    return (ratio(now, before) - 1.0) * 100.0


def zone_aggregates(session: Session, years: list[int]) -> pl.DataFrame:
    """Enterprise and zone-year aggregates per city zone and year, with last year's as *_prev."""
    need = sorted(set(years) | {y - 1 for y in years})
    ent = enterprise_aggregates(session, need)
    zy = zone_year_wide(session, need)
    keys = pl.concat([ent.select("zone_id", "year"), zy.select("zone_id", "year")]).unique()
    wide = keys.join(ent, on=["zone_id", "year"], how="left").join(
        zy, on=["zone_id", "year"], how="left"
    )
    value_cols = [c for c in wide.columns if c not in ("zone_id", "year")]
    prev = wide.select(
        "zone_id",
        (pl.col("year") + 1).alias("year"),
        *[pl.col(c).alias(f"{c}_prev") for c in value_cols],
    )
    return wide.join(prev, on=["zone_id", "year"], how="left").filter(pl.col("year").is_in(years))


def city_indicator_values(
    session: Session, zone_ids: list[int], years: list[int], codes: list[str]
) -> pl.DataFrame:
    """Indicator values (columns = indicator codes) and the bases used to translate gaps
    (columns base:<ref>) for city zones and years."""
    cat = catalogue().indicators
    agg = zone_aggregates(session, years).filter(pl.col("zone_id").is_in(zone_ids))
    bases = sorted({cat[c].translate["base"] for c in codes if cat[c].translate})
    exprs = []
    for c in codes:
        ind = cat[c]
        missing = [r for r in ind.refs if _ref(r) not in agg.columns]
        if ind.kind in ("increase", "growth", "growth_ratio"):
            missing += [r for r in ind.refs if _ref(r) + "_prev" not in agg.columns]
        # a reference nobody reported (no column at all) gives a missing indicator, not an error
        exprs.append((pl.lit(None, dtype=pl.Float64) if missing else indicator_expr(ind)).alias(c))
    for b in bases:
        exprs.append(
            (
                pl.col(_ref(b)).cast(pl.Float64)
                if _ref(b) in agg.columns
                else pl.lit(None, dtype=pl.Float64)
            ).alias(f"base:{b}")
        )
    return (
        agg.select("zone_id", "year", *exprs)
        .with_columns(pl.col(pl.Float64).fill_nan(None))
        .sort("zone_id", "year")
    )


def peer_indicator_values(
    session: Session, peer_zone_ids: list[int], years: list[int], codes: list[str]
) -> pl.DataFrame:
    """Entered indicator values (and bases such as e.operating_revenue) of peer zones."""
    cat = catalogue().indicators
    bases = sorted({cat[c].translate["base"] for c in codes if cat[c].translate})
    stmt = select(
        PeerZoneFigure.peer_zone_id,
        PeerZoneFigure.year,
        PeerZoneFigure.indicator_code,
        PeerZoneFigure.value,
    ).where(PeerZoneFigure.peer_zone_id.in_(peer_zone_ids), PeerZoneFigure.year.in_(years))
    long = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "peer_zone_id": pl.Int64,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
    )
    long = long.with_columns(
        pl.when(pl.col("indicator_code").is_in(bases))
        .then("base:" + pl.col("indicator_code"))
        .otherwise(pl.col("indicator_code"))
        .alias("indicator_code")
    )
    cols = codes + [f"base:{b}" for b in bases]
    if long.is_empty():
        wide = pl.DataFrame(schema={"peer_zone_id": pl.Int64, "year": pl.Int64})
    else:
        wide = long.filter(pl.col("indicator_code").is_in(cols)).pivot(
            on="indicator_code", index=["peer_zone_id", "year"], values="value"
        )
    wide = wide.with_columns(
        [pl.lit(None, dtype=pl.Float64).alias(c) for c in cols if c not in wide.columns]
    )
    return wide.select("peer_zone_id", "year", *cols).sort("peer_zone_id", "year")
