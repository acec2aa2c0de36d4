"""From an enterprise-year panel to the tier feature frame: one row per enterprise for a year.

The panel is long (one row per enterprise and fiscal year, in the statistics template's columns);
the features are wide: the assessment year's figures under their own names and up to three earlier
years as `<field>__p1`, `__p2`, `__p3`, plus the founding year, the number of operating years that
count for three-year rules, cumulative and windowed sums, and the qualification facts (`q_*`).
Everything is joins and column expressions, so a million enterprises take a fraction of a second.
The tier measures (`kechuang.tiers.measures`) read these columns; the rules engine reads the measures.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# Fields whose earlier years some rule needs (growth, three-year sums, two-year tests).
LAG_FIELDS: tuple[str, ...] = (
    "operating_revenue",
    "main_business_revenue",
    "sales_revenue",
    "total_assets",
    "total_liabilities",
    "rd_expense",
    "rd_expense_domestic",
    "rd_expense_outsourced",
    "employees",
    "tech_transfers",
    "equity_financing",
    "standards_led",
    "standards_participated",
)
NUMERIC_FIELDS: tuple[str, ...] = (
    "employees",
    "tech_staff",
    "rd_staff",
    "operating_revenue",
    "main_business_revenue",
    "sales_revenue",
    "total_revenue",
    "high_tech_revenue",
    "rd_expense",
    "rd_expense_domestic",
    "rd_expense_outsourced",
    "total_cost",
    "total_assets",
    "total_liabilities",
    "net_profit",
    "ip_class1",
    "ip_class2",
    "ip_class1_self_developed",
    "ip_class1_high_value",
    "standards_led",
    "standards_participated",
    "tech_transfers",
    "equity_financing",
    "latest_valuation",
    "latest_valuation_usd",
    "sci_activity_expense",
)
FLAG_FIELDS: tuple[str, ...] = (
    "is_listed",
    "major_accident",
    "environmental_violation",
    "dishonest_listed",
    "abnormal_operation",
    # declarations (blank = not declared: the rules that need them say `unknown`)
    "mainland_resident",
    "restricted_products",
    "strategic_emerging",
    "pe_funded",
    "key_core_tech",
    "new_track",
)
TEXT_FIELDS: tuple[str, ...] = ("tech_field", "industry_code")
# Dates other than the founding date: the HNTE application date (from the register's
# 高企认定申请 record or the input file); null when not known.
DATE_FIELDS: tuple[str, ...] = ("hnte_applied_on",)

# Qualification facts the statistics do not hold. "Held" facts (titles, certificates, awards,
# institutions) default to False when absent: the bureau's lists are the record, and an enterprise
# not on them does not hold the title. "Fact" columns (market years, share, platform score) stay
# null when absent, so rules that need them report `unknown`.
QUAL_HELD: tuple[str, ...] = (
    "q_hnte_valid",
    "q_national_award_5y",
    "q_national_award_3y",
    "q_award_3y",
    "q_prov_award_3y",
    "q_rd_institution",
    "q_honour",
    "q_innovative_title",
    "q_specialised_title",
    "q_little_giant_title",
)
QUAL_FACTS: dict[str, pl.DataType] = {
    "q_niche_years": pl.Float64(),
    "q_market_top": pl.Boolean(),
    "q_zjtx_score": pl.Float64(),
    # expert scores of an HNTE recognition on record (创新能力评价总分; 核心支持作用 0–8)
    "q_hnte_innovation_score": pl.Float64(),
    "q_hnte_core_ip_score": pl.Float64(),
}


def reference_date(year: int) -> date:
    """The date at which ages and certificates are judged for an assessment year: its 31 December."""
    return date(year, 12, 31)


def ensure_columns(panel: pl.DataFrame) -> pl.DataFrame:
    """Add every column the tier measures read that the panel lacks (as nulls), with the right types."""
    missing: list[pl.Expr] = []
    for name in NUMERIC_FIELDS:
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=pl.Float64).alias(name))
    for name in FLAG_FIELDS:
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=pl.Boolean).alias(name))
    for name in TEXT_FIELDS:
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=pl.String).alias(name))
    for name in ("founded_on", *DATE_FIELDS):
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=pl.Date).alias(name))
    for name in QUAL_HELD:
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=pl.Boolean).alias(name))
    for name, dtype in QUAL_FACTS.items():
        if name not in panel.columns:
            missing.append(pl.lit(None, dtype=dtype).alias(name))
    out = panel.with_columns(missing) if missing else panel
    casts = [pl.col(n).cast(pl.Float64) for n in NUMERIC_FIELDS]
    casts += [pl.col(n).cast(pl.Boolean) for n in FLAG_FIELDS + QUAL_HELD]
    casts += [pl.col(n).cast(t) for n, t in QUAL_FACTS.items()]
    casts += [pl.col(n).cast(pl.String) for n in TEXT_FIELDS]
    dates = [
        (
            pl.col(n).str.to_date(strict=False)
            if out.schema[n] == pl.String
            else pl.col(n).cast(pl.Date)
        )
        for n in ("founded_on", *DATE_FIELDS)
    ]
    casts += [pl.col("year").cast(pl.Int64), *dates]
    return out.with_columns(casts)


def input_columns() -> list[str]:
    """The panel columns `build_features` reads besides the key: a reader may load just these."""
    return [
        "year",
        *NUMERIC_FIELDS,
        *FLAG_FIELDS,
        *TEXT_FIELDS,
        "founded_on",
        *DATE_FIELDS,
        *QUAL_HELD,
        *QUAL_FACTS,
    ]


def build_features(panel: pl.DataFrame, year: int, key: str = "key") -> pl.DataFrame:
    """One row per enterprise with figures for `year`: that year, three lags and derived facts.

    `panel` needs `key` and `year` columns; any other column the rules read may be missing (it is
    then null, and the rules that need it say `unknown`). Qualification columns (`q_*`) and
    registry columns (founded_on, tech_field, industry_code) are taken from the assessment year's row.

    Lags come from one sort by (enterprise, year) and row shifts rather than joins: the row for
    year Y − k of the same enterprise is at most k rows back, so each lag is a coalesce of k
    shifted, checked candidates — linear time, no hashing of keys per lag.
    """
    panel = ensure_columns(panel.filter(pl.col("year") <= year))
    panel = panel.with_columns(pl.col(key).hash(seed=7).alias("__kid"))
    same = lambda j: pl.col(key).shift(j) == pl.col(key)
    # Files are usually grouped by enterprise with ascending years already; sort only if not.
    ordered = panel.select(
        ((~same(1).fill_null(False)).sum() == pl.col("__kid").n_unique())
        & (same(1).not_() | (pl.col("year") > pl.col("year").shift(1))).fill_null(True).all()
    ).item()
    lf = panel.lazy() if ordered else panel.lazy().sort(["__kid", "year"])
    # per shift j: is the row j back the same enterprise, and which year back is it?
    lf = lf.with_columns(
        [same(j).fill_null(False).alias(f"__same{j}") for j in range(1, 5)]
        + [(pl.col("year") - pl.col("year").shift(j)).alias(f"__back{j}") for j in range(1, 5)]
    )
    lags: list[pl.Expr] = []
    for k in (1, 2, 3):
        hit = [pl.col(f"__same{j}") & (pl.col(f"__back{j}") == k) for j in range(1, k + 1)]
        for f in LAG_FIELDS:
            expr = pl.when(hit[-1]).then(pl.col(f).shift(k))
            for j in range(k - 1, 0, -1):
                expr = expr.when(hit[j - 1]).then(pl.col(f).shift(j))
            lags.append(expr.alias(f"{f}__p{k}"))
        lags.append(pl.any_horizontal(hit).alias(f"__has_p{k}"))
    # cumulative equity within each enterprise: a running sum per run of its rows (a global
    # running sum less the sum before the run would carry other enterprises' rounding, so an
    # enterprise's figure would depend on the rows read with it)
    eq = pl.col("equity_financing").fill_null(0.0)
    run_id = (~pl.col("__same1")).cum_sum()
    std = pl.col("standards_led").fill_null(0.0)
    in_window = [pl.col(f"__same{j}") & (pl.col("year").shift(j) >= year - 4) for j in range(1, 5)]
    std5 = std + pl.sum_horizontal(
        [pl.when(w).then(std.shift(j)).otherwise(0.0) for j, w in enumerate(in_window, start=1)]
    )
    # a blank standards cell in a year on file is not read as "none led" (years not on file are)
    std5_blank = pl.col("standards_led").is_null() | pl.any_horizontal(
        [w & pl.col("standards_led").shift(j).is_null() for j, w in enumerate(in_window, start=1)]
    )
    lf = lf.with_columns(
        lags
        + [
            eq.cum_sum().over(run_id).alias("__equity_cum"),
            std5.alias("__standards_5y"),
            std5_blank.alias("__standards_5y_blank"),
        ]
    )
    lf = lf.filter(pl.col("year") == year).drop(
        ["__kid"] + [f"__{w}{j}" for w in ("same", "back") for j in range(1, 5)]
    )
    has = [pl.col(f"__has_p{k}") for k in (1, 2, 3)]
    founded_year = pl.col("founded_on").dt.year().cast(pl.Int64)
    # Operating fiscal years that count for three-year rules: by founding year when known (the
    # founding year itself counts), else by how many consecutive earlier years the data holds.
    by_data = 1 + has[0].cast(pl.Int64) + (has[0] & has[1]).cast(pl.Int64)
    op_years = (
        pl.when(founded_year.is_not_null())
        .then(pl.min_horizontal(pl.lit(3, dtype=pl.Int64), pl.lit(year) - founded_year + 1))
        .otherwise(by_data)
        .clip(1, 3)
    )
    lf = lf.with_columns(
        [
            founded_year.alias("founded_year"),
            op_years.alias("op_years"),
            pl.lit(year, dtype=pl.Int64).alias("assessment_year"),
        ]
        + [pl.col(n).fill_null(False) for n in QUAL_HELD]
    )
    return lf.collect()
