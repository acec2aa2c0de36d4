"""Tests for the deterministic demo data generator (kechuang.demo.generator)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from stdnum.cn import uscc as stdnum_uscc

from kechuang.demo.generator import (
    CARRIER_KINDS,
    PANEL_COLUMNS,
    TECH_FIELDS,
    UNICORN_VALUATION,
    USCC_ALPHABET,
    DemoData,
    _load_config,
    generate,
    uscc_check_chars,
    write_panel_parquet,
)
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS

YEARS = (2020, 2021, 2022, 2023, 2024, 2025)
DTYPES = {"int": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}

# (smaller, larger): the importer rejects any row where smaller > larger.
ORDERED_PAIRS = (
    ("tech_staff", "employees"),
    ("rd_staff", "employees"),
    ("rd_expense", "operating_revenue"),
    ("rd_expense_domestic", "rd_expense"),
    ("rd_expense_outsourced", "rd_expense"),
    ("high_tech_revenue", "total_revenue"),
    ("main_business_revenue", "operating_revenue"),
    ("operating_revenue", "total_revenue"),
    ("sales_revenue", "total_revenue"),
)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate()


@pytest.fixture(scope="module")
def joined(demo: DemoData) -> pl.DataFrame:
    return demo.enterprise_years.join(demo.enterprises, on="uscc", how="left")


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel_parquet(path, 2_000)
    return pl.read_parquet(path)


def assert_consistent(ey: pl.DataFrame) -> None:
    """Every hard rule of the enterprise-year importer holds (null cells are not checked)."""
    assert ey.height > 0
    assert ey["uscc"].null_count() == 0 and ey["year"].null_count() == 0
    assert ey.select(pl.struct("uscc", "year").is_duplicated().any()).item() is False
    for field in ENTERPRISE_YEAR_FIELDS:
        if field.kind != "bool" and not field.allow_negative:
            assert ey.filter(pl.col(field.code) < 0).height == 0, field.code
    assert ey.filter(pl.col("employees") < 1).height == 0
    for small, large in ORDERED_PAIRS:
        assert ey.filter(pl.col(small) > pl.col(large)).height == 0, (small, large)
    # Decimals carry at most two places (amounts in 万元).
    for field in ENTERPRISE_YEAR_FIELDS:
        if field.kind == "decimal":
            s = ey[field.code].drop_nulls()
            assert ((s * 100).round(0) - s * 100).abs().max() < 1e-6, field.code


# --- determinism and shape ---------------------------------------------------------------


def test_same_seed_gives_identical_frames(demo: DemoData) -> None:
    again = generate()
    for name in ("carriers", "enterprises", "enterprise_years", "zone_years"):
        assert getattr(demo, name).equals(getattr(again, name)), name


def test_other_seed_gives_other_data(demo: DemoData) -> None:
    other = generate(seed=7, n_enterprises=500)
    assert not other.enterprises["uscc"].is_in(demo.enterprises["uscc"].implode()).all()
    small_again = generate(seed=7, n_enterprises=500)
    assert other.enterprise_years.equals(small_again.enterprise_years)


def test_enterprise_year_columns_follow_the_field_catalogue(demo: DemoData) -> None:
    ey = demo.enterprise_years
    assert ey.columns == ["uscc", "year", *(f.code for f in ENTERPRISE_YEAR_FIELDS)]
    for field in ENTERPRISE_YEAR_FIELDS:
        assert ey.schema[field.code] == DTYPES[field.kind], field.code
    assert set(ey["year"].unique()) == set(YEARS)


def test_enterprise_columns(demo: DemoData) -> None:
    ent = demo.enterprises
    assert ent.columns == [
        "uscc",
        "name",
        "founded_on",
        "region_code",
        "zone_code",
        "park_code",
        "industry_code",
        "tech_field",
        "incubator_code",
        "counted_zone_code",
    ]
    assert ent.height == 3000
    assert ent.schema["founded_on"] == pl.Date


# --- hard consistency rules ---------------------------------------------------------------


def test_hard_rules(demo: DemoData) -> None:
    assert_consistent(demo.enterprise_years)
    assert demo.enterprise_years.filter(pl.col("rd_staff") > pl.col("tech_staff")).height == 0
    assert demo.enterprise_years.filter(pl.col("rd_staff_fte") > pl.col("rd_staff")).height == 0
    assert (
        demo.enterprise_years.filter(pl.col("total_liabilities") > pl.col("total_assets")).height
        == 0
    )


def test_unique_uscc_and_name(demo: DemoData) -> None:
    ent = demo.enterprises
    assert ent["uscc"].n_unique() == ent.height
    assert ent["name"].n_unique() == ent.height
    assert ent["name"].str.contains(r"(有限公司|股份有限公司)$").all()


def test_every_row_belongs_to_a_known_enterprise(demo: DemoData) -> None:
    assert demo.enterprise_years["uscc"].is_in(demo.enterprises["uscc"].implode()).all()


# --- identifiers --------------------------------------------------------------------------


def test_usccs_are_valid_and_region_consistent(demo: DemoData) -> None:
    ent = demo.enterprises
    assert ent.height > 0 and all(stdnum_uscc.is_valid(u) for u in ent["uscc"])
    assert ent.filter(pl.col("uscc").str.slice(0, 2) != "91").height == 0
    assert ent.filter(pl.col("uscc").str.slice(2, 6) != pl.col("region_code")).height == 0


def test_vectorised_check_digit_matches_stdnum() -> None:
    rng = np.random.default_rng(1)
    alphabet = np.array(list(USCC_ALPHABET))
    bodies = ["".join(row) for row in alphabet[rng.integers(0, 31, (2_000, 17))]]
    bodies += ["91110000600037341", "91321003MA1MXXXXX"]
    ours = uscc_check_chars(np.array(bodies, dtype="S17")).astype(str)
    assert list(ours) == [stdnum_uscc.calc_check_digit(b) for b in bodies]


def test_uscc_check_rejects_foreign_characters() -> None:
    with pytest.raises(ValueError):
        uscc_check_chars(np.array(["9132100300000000I"], dtype="S17"))


# --- registry attributes ------------------------------------------------------------------


def test_zone_region_park_and_industry_follow_the_yaml(demo: DemoData) -> None:
    cfg = _load_config()
    ent = demo.enterprises
    zones = {z.code: z for z in cfg.zones}
    assert set(ent["zone_code"].unique()) == set(zones)
    for row in ent.iter_rows(named=True):
        zone = zones[row["zone_code"]]
        assert row["region_code"] == zone.region
        parks = {p[0] for p in zone.parks}
        assert (row["park_code"] is None) == (not parks)
        assert row["park_code"] is None or row["park_code"] in parks
    assert ent["industry_code"].str.contains(r"^[A-T]\d{4}$").all()
    # Most firms belong to their zone's strategic industries.
    strategic = 0
    for row in ent.iter_rows(named=True):
        prefixes = [
            p for ind, _ in zones[row["zone_code"]].industries for p in cfg.industries[ind][1]
        ]
        strategic += any(row["industry_code"].startswith(p) for p in prefixes)
    assert strategic / ent.height > 0.6


def test_tech_fields_incubators_and_enclaves(demo: DemoData) -> None:
    ent = demo.enterprises
    assert set(ent["tech_field"].drop_nulls().unique()) <= set(TECH_FIELDS)
    assert 0.10 <= ent["tech_field"].null_count() / ent.height <= 0.20
    carrier_codes = set(demo.carriers["code"]) | set(_load_config().carrier_codes)
    incubated = ent.filter(pl.col("incubator_code").is_not_null())
    assert 0 < incubated.height < 0.1 * ent.height
    assert set(incubated["incubator_code"]) <= carrier_codes
    # Incubated firms are young.
    assert incubated["founded_on"].min().year >= 2015
    counted = ent.filter(pl.col("counted_zone_code").is_not_null())
    assert 0 < counted.height < 0.05 * ent.height
    assert counted.filter(pl.col("counted_zone_code") == pl.col("zone_code")).height == 0


def test_carriers(demo: DemoData) -> None:
    car = demo.carriers
    cfg = _load_config()
    assert 15 <= car.height <= 25
    assert car["code"].n_unique() == car.height
    assert not set(car["code"]) & set(cfg.carrier_codes)
    assert set(car["kind"]) <= set(CARRIER_KINDS)
    assert set(car["level"]) <= {"国家级", "省级", "市级"}
    assert set(car["zone_code"]) == {z.code for z in cfg.zones}


# --- zone revenue totals ------------------------------------------------------------------


def test_zone_revenue_totals(joined: pl.DataFrame) -> None:
    totals = joined.group_by("year").agg(pl.col("operating_revenue").sum()).sort("year")
    by_year = dict(zip(totals["year"], totals["operating_revenue"], strict=True))
    assert abs(by_year[2020] - 19_000_000) <= 0.05 * 19_000_000
    assert 26_000_000 < by_year[2025] < 30_000_000
    values = [by_year[y] for y in YEARS]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))


def test_zone_revenue_shares(joined: pl.DataFrame) -> None:
    rev = (
        joined.filter(pl.col("year") == 2023)
        .group_by("zone_code")
        .agg(pl.col("operating_revenue").sum())
    )
    share = dict(
        zip(
            rev["zone_code"], rev["operating_revenue"] / rev["operating_revenue"].sum(), strict=True
        )
    )
    expected = {
        "yzhtz": 0.37,
        "jiangdu": 0.21,
        "gaoyou": 0.18,
        "hangji": 0.16,
        "baoying": 0.05,
        "agri": 0.03,
    }
    for zone, target in expected.items():
        assert abs(share[zone] - target) < 0.02, zone
    assert max(share, key=share.get) == "yzhtz"


# --- entry, exit, gaps ----------------------------------------------------------------------


def test_enterprises_enter_and_leave(joined: pl.DataFrame) -> None:
    span = joined.group_by("uscc").agg(
        pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"),
        pl.len().alias("rows"),
        pl.col("founded_on").first().dt.year().alias("founded"),
    )
    # No figures before the founding year; no holes between the first and the last year.
    assert span.filter(pl.col("first") < pl.col("founded")).height == 0
    assert span.filter(pl.col("rows") != pl.col("last") - pl.col("first") + 1).height == 0
    entrants = span.filter((pl.col("first") > 2020) & (pl.col("founded") == pl.col("first")))
    leavers = span.filter(pl.col("last") < 2025)
    assert 0.1 * span.height < entrants.height < 0.4 * span.height
    assert 0.02 * span.height < leavers.height < 0.15 * span.height
    # Older firms report from the first year.
    assert span.filter((pl.col("founded") <= 2020) & (pl.col("first") != 2020)).height == 0


def test_founding_ages(demo: DemoData) -> None:
    years = 2025 - demo.enterprises["founded_on"].dt.year()
    assert years.min() == 0 and 25 <= years.max() <= 31


def test_gaps(demo: DemoData) -> None:
    ey = demo.enterprise_years
    figures = [f.code for f in ENTERPRISE_YEAR_FIELDS]
    nulls = sum(ey[c].null_count() for c in figures)
    share = nulls / (ey.height * len(figures))
    assert 0.005 < share < 0.03
    assert ey["operating_revenue"].null_count() == 0


# --- realism --------------------------------------------------------------------------------


def test_realistic_tiers_and_tails(joined: pl.DataFrame) -> None:
    y = joined.filter(pl.col("year") == 2024)
    rev = y["operating_revenue"]
    assert rev.mean() > 3 * rev.median()  # heavy tail
    large = (rev > 20_000).sum()
    assert 0.02 * y.height < large < 0.15 * y.height
    hnte_rd = (
        pl.when(pl.col("sales_revenue") <= 5_000)
        .then(0.05)
        .when(pl.col("sales_revenue") <= 20_000)
        .then(0.04)
        .otherwise(0.03)
    )
    shares = y.select(
        (pl.col("rd_expense") / pl.col("sales_revenue") >= hnte_rd).mean().alias("rd"),
        (pl.col("tech_staff") / pl.col("employees") >= 0.10).mean().alias("staff"),
        (pl.col("high_tech_revenue") / pl.col("total_revenue") >= 0.60).mean().alias("ht"),
        (pl.col("net_profit") < 0).mean().alias("loss"),
        (
            (pl.col("employees") <= 500)
            & (pl.col("sales_revenue") <= 20_000)
            & (pl.col("total_assets") <= 20_000)
        )
        .mean()
        .alias("sme_size"),
    ).row(0, named=True)
    for key in ("rd", "staff", "ht"):
        assert 0.3 < shares[key] < 0.9, key  # many but not all
    assert 0.05 < shares["loss"] < 0.4
    assert 0.6 < shares["sme_size"] < 0.95


def test_young_firms_grow_faster(joined: pl.DataFrame) -> None:
    growth = (
        joined.sort("uscc", "year")
        .with_columns(
            (
                pl.col("operating_revenue") / pl.col("operating_revenue").shift(1).over("uscc") - 1
            ).alias("g"),
            (pl.col("year") - pl.col("founded_on").dt.year()).alias("age"),
        )
        .drop_nulls("g")
    )
    young = growth.filter(pl.col("age") <= 3)["g"].median()
    mature = growth.filter(pl.col("age") >= 10)["g"].median()
    assert young > mature + 0.2


def test_financing_listing_and_flags(joined: pl.DataFrame) -> None:
    financed = joined.filter(pl.col("equity_financing") > 0)["uscc"].n_unique()
    assert 50 < financed < 600
    unicorns = joined.filter(pl.col("latest_valuation") >= UNICORN_VALUATION)["uscc"].n_unique()
    assert 1 <= unicorns <= 4
    assert joined.filter(pl.col("is_listed"))["uscc"].n_unique() >= 10
    for flag in (
        "major_accident",
        "environmental_violation",
        "dishonest_listed",
        "abnormal_operation",
    ):
        rate = joined[flag].mean()
        assert 0 < rate < 0.02, flag


# --- zone-years -----------------------------------------------------------------------------


def test_zone_years(demo: DemoData) -> None:
    zy = demo.zone_years
    assert zy.schema == pl.Schema(
        {"zone_code": pl.String, "year": pl.Int64, "indicator_code": pl.String, "value": pl.Float64}
    )
    full = len(_load_config().zones) * len(YEARS) * len(ZONE_YEAR_INDICATORS)
    assert full - 10 <= zy.height < full  # a few deliberately missing
    assert set(zy["indicator_code"]) == {i.code for i in ZONE_YEAR_INDICATORS}
    assert (
        zy.select(pl.struct("zone_code", "year", "indicator_code").is_duplicated().any()).item()
        is False
    )
    negatives_allowed = {i.code for i in ZONE_YEAR_INDICATORS if i.allow_negative}
    assert (
        zy.filter(
            ~pl.col("indicator_code").is_in(list(negatives_allowed)) & (pl.col("value") < 0)
        ).height
        == 0
    )
    assert zy["value"].null_count() == 0


# --- large panel ------------------------------------------------------------------------------


def test_panel_columns_and_dtypes(panel: pl.DataFrame, demo: DemoData) -> None:
    assert tuple(panel.columns) == PANEL_COLUMNS
    for col, dtype in demo.enterprise_years.schema.items():
        assert panel.schema[col] == dtype, col
    for col in ("zone_code", "industry_code", "tech_field"):
        assert panel.schema[col] == demo.enterprises.schema[col]
    assert panel.schema["founded_on"] == pl.Date
    assert set(panel["year"].unique()) == {2023, 2024, 2025}


def test_panel_usccs_and_rules(panel: pl.DataFrame) -> None:
    usccs = panel["uscc"].unique()
    assert usccs.len() == 2_000
    assert all(stdnum_uscc.is_valid(u) for u in usccs)
    assert panel.select("uscc", "name").unique().height == usccs.len()
    assert panel["name"].str.contains(r"^企业\d{7}$").all()
    assert_consistent(panel)


def test_panel_is_deterministic(panel: pl.DataFrame, tmp_path) -> None:
    path = tmp_path / "again.parquet"
    write_panel_parquet(path, 2_000)
    assert pl.read_parquet(path).equals(panel)


def test_industry_codes_are_gbt4754_shaped(panel: pl.DataFrame) -> None:
    assert panel["industry_code"].str.contains(r"^[A-T]\d{4}$").all()


# --- the qualifications register -------------------------------------------------------------


def test_register_is_seeded_and_plausible(demo: DemoData) -> None:
    """高企证书 for a plausible share of the enterprises, issued over the years with three-year
    validity: those valid at the end of 2025 were issued 2023–2025, some expire every year, a
    renewal comes three years after the certificate it replaces; other kinds are rarer."""
    from datetime import date

    q = demo.qualifications
    assert q.equals(generate().qualifications)  # same seed, same register
    kinds = dict(q.group_by("kind").len().iter_rows())
    assert set(kinds) <= {
        "hnte_certificate",
        "innovative_sme_title",
        "specialised_sme_title",
        "little_giant_title",
        "niche_market",
        "market_top",
        "rd_institution",
        "national_sci_award",
        "provincial_sci_award",
    }
    assert kinds["hnte_certificate"] > kinds["innovative_sme_title"] > kinds["little_giant_title"]
    assert set(q.get_column("uscc")) <= set(demo.enterprises.get_column("uscc"))
    assert q.get_column("obtained_on").max() <= min(date(2025, 12, 31), date.today())
    hnte = q.filter(pl.col("kind") == "hnte_certificate").with_columns(
        pl.coalesce(
            "expires_on", pl.col("obtained_on").dt.offset_by("3y").dt.offset_by("-1d")
        ).alias("until")
    )
    # every given 有效期至 is the issue date plus three years less a day; some are left blank
    given = hnte.filter(pl.col("expires_on").is_not_null())
    assert 0 < given.height < hnte.height
    assert (
        given["expires_on"] == given["obtained_on"].dt.offset_by("3y").dt.offset_by("-1d")
    ).all()
    valid = hnte.filter(
        (pl.col("obtained_on") <= date(2025, 12, 31)) & (pl.col("until") >= date(2025, 12, 31))
    )
    holders = valid.get_column("uscc").n_unique()
    assert 0.08 * demo.enterprises.height < holders < 0.25 * demo.enterprises.height
    assert set(valid.get_column("obtained_on").dt.year()) == {2023, 2024, 2025}
    for year in (2023, 2024, 2025):
        assert hnte.filter(pl.col("until").dt.year() == year).height > 0, year
    # renewals: consecutive certificates of one enterprise are three issue-years apart
    steps = (
        hnte.sort("uscc", "obtained_on")
        .with_columns(pl.col("obtained_on").dt.year().diff().over("uscc").alias("step"))
        .get_column("step")
        .drop_nulls()
    )
    assert steps.len() > 0 and set(steps.to_list()) == {3}
