"""Innovation-points scoring on small hand-computed cases: both modes, stage rule, bonus and
negative items, ranks, explanations and what-if (no database)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from kechuang.points import methodology as meth
from kechuang.points.scoring import ScoringError, apply_changes, score, shortfalls, what_if


def small(mode: str = "reference", **extra) -> meth.Methodology:
    """A 3-indicator methodology with two stages, bonus (cap 6) and negative items."""
    raw = {
        "code": "t",
        "version": "1",
        "scale": 100,
        "scoring": {"mode": mode, **({"cohort": ["stage"]} if mode == "relative" else {})},
        "stages": [
            {
                "code": "young",
                "name": "初创期",
                "when": [{"input": "age_years", "op": "lt", "value": 3}],
            },
            {"code": "old", "name": "稳定期"},
        ],
        "categories": [{"code": "tech", "name": "技术创新"}, {"code": "grow", "name": "成长经营"}],
        "indicators": [
            {
                "code": "rd",
                "name": "研发费用",
                "category": "tech",
                "formula": {"field": "rd_expense"},
                "reference": 100,
                "weights": {"young": 30, "old": 20},
            },
            {
                "code": "intensity",
                "name": "研发强度",
                "category": "tech",
                "formula": {"ratio": ["rd_expense", "operating_revenue"]},
                "reference": 0.1,
                "weights": {"young": 30, "old": 40},
            },
            {
                "code": "growth",
                "name": "收入增长",
                "category": "grow",
                "formula": {"growth": "operating_revenue"},
                "reference": 0.5,
                "weights": {"young": 40, "old": 40},
            },
        ],
        "flags": [{"code": "hnte", "name": "高企"}],
        "bonus": {
            "cap": 6,
            "items": [
                {
                    "code": "hnte",
                    "name": "高企",
                    "when": {"input": "hnte", "op": "eq", "value": True},
                    "points": 5,
                },
                {
                    "code": "listed",
                    "name": "上市",
                    "when": {"input": "is_listed", "op": "eq", "value": True},
                    "points": 3,
                },
            ],
        },
        "negative": {
            "items": [
                {
                    "code": "dishonest",
                    "name": "失信",
                    "veto": True,
                    "when": {"input": "dishonest_listed", "op": "eq", "value": True},
                },
                {
                    "code": "accident",
                    "name": "事故",
                    "points": 10,
                    "when": {"input": "major_accident", "op": "eq", "value": True},
                },
            ]
        },
    }
    raw.update(extra)
    return meth.parse(raw, "test.yaml")


def panel() -> pl.DataFrame:
    """A (2022, young), B and C (2010, old); 2023 rows give last year's revenue."""
    rows = [
        # uscc, year, founded, rd, revenue, hnte, listed, dishonest, accident
        ("A", 2023, date(2022, 5, 1), 40.0, 800.0, False, False, False, False),
        ("A", 2024, date(2022, 5, 1), 50.0, 1000.0, True, True, False, False),
        ("B", 2024, date(2010, 1, 1), 300.0, 2000.0, False, False, False, True),
        ("C", 2023, date(2010, 1, 1), 5.0, 200.0, False, False, False, False),
        ("C", 2024, date(2010, 1, 1), 10.0, 100.0, False, False, True, False),
    ]
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "uscc": pl.String,
            "year": pl.Int64,
            "founded_on": pl.Date,
            "rd_expense": pl.Float64,
            "operating_revenue": pl.Float64,
            "hnte": pl.Boolean,
            "is_listed": pl.Boolean,
            "dishonest_listed": pl.Boolean,
            "major_accident": pl.Boolean,
        },
    )


def row(df: pl.DataFrame, uscc: str, year: int = 2024) -> dict:
    return df.filter((pl.col("uscc") == uscc) & (pl.col("year") == year)).row(0, named=True)


def test_reference_mode_hand_computed():
    out = score(panel(), small())
    a = row(out, "A")
    assert a["stage"] == "young"  # age 2024 − 2022 = 2 < 3
    assert a["p__rd"] == pytest.approx(15)  # 50/100 × 30
    assert a["p__intensity"] == pytest.approx(15)  # (50/1000)/0.1 × 30
    assert a["p__growth"] == pytest.approx(20)  # ((1000−800)/800)/0.5 × 40
    assert a["c__tech"] == pytest.approx(30) and a["c__grow"] == pytest.approx(20)
    assert a["base"] == pytest.approx(50)
    assert a["bonus"] == pytest.approx(6)  # 5 + 3 = 8, capped at 6
    assert a["total"] == pytest.approx(56)
    b = row(out, "B")
    assert b["stage"] == "old"
    assert b["p__rd"] == pytest.approx(20)  # 300 ≥ 100: full marks, never more
    assert b["p__intensity"] == pytest.approx(40)  # 0.15 ≥ 0.1
    assert b["p__growth"] == 0  # no 2023 row: growth unknown → 0
    assert b["penalty"] == 10 and b["total"] == pytest.approx(50)
    c = row(out, "C")
    assert c["p__growth"] == 0  # revenue fell: clipped at 0
    assert c["base"] == pytest.approx(2 + 40)
    assert c["vetoed"] and c["total"] == 0  # 失信: 0 overall
    assert (a["rank_city"], b["rank_city"], c["rank_city"]) == (1, 2, 3)
    assert a["n_city"] == 3
    assert row(out, "A", 2023)["n_city"] == 2  # ranks are per year


def test_relative_mode_percentiles_within_cohort():
    m = meth.parse(
        {
            "code": "r",
            "version": "1",
            "scale": 100,
            "scoring": {"mode": "relative", "cohort": ["stage"]},
            "stages": [
                {
                    "code": "small",
                    "name": "初创期",
                    "when": [{"input": "operating_revenue", "op": "lt", "value": 1000}],
                },
                {"code": "big", "name": "稳定期"},
            ],
            "categories": [{"code": "tech", "name": "技术创新"}],
            "indicators": [
                {
                    "code": "rd",
                    "name": "研发费用",
                    "category": "tech",
                    "formula": {"field": "rd_expense"},
                    "weights": {"small": 100, "big": 50},
                },
                {
                    "code": "emp",
                    "name": "职工",
                    "category": "tech",
                    "formula": {"field": "employees"},
                    "weights": {"small": 0, "big": 50},
                },
            ],
        },
        "r.yaml",
    )
    df = pl.DataFrame(
        {
            "uscc": ["P", "Q", "R", "S", "T", "U"],
            "year": [2024] * 6,
            "operating_revenue": [100.0, 200, 300, 400, 500, 5000],
            "rd_expense": [0.0, 10, 10, 40, None, 5],
            "employees": [1, 1, 1, 1, 1, 30],
        }
    )
    out = score(df, m)
    pts = dict(zip(out["uscc"], out["p__rd"], strict=True))
    # small cohort P..S (T's value is missing: 0 points and not counted): min-ranks 1,2,2,4 of 4
    assert pts["P"] == 0
    assert pts["Q"] == pytest.approx(100 / 3) and pts["R"] == pytest.approx(100 / 3)
    assert pts["S"] == pytest.approx(100) and pts["T"] == 0
    u = row(out, "U")
    assert u["stage"] == "big"
    assert u["p__rd"] == 50 and u["p__emp"] == 50  # alone in its cohort with positive values
    assert row(out, "S")["rank_stage"] == 1
    assert row(out, "P")["rank_stage"] == row(out, "T")["rank_stage"] == 4  # tied at 0 share 4th


def test_stage_rule_of_the_default_methodology():
    m = meth.load("torch_core")
    cases = [  # founded year, revenue (2024) → stage
        (2020, 1999.0, "startup"),  # age 4 < 5 and revenue < 2000
        (2019, 100.0, "growth"),  # age 5 is not < 5
        (2022, 2000.0, "growth"),  # revenue 2000 is not < 2000
        (2012, 19999.0, "growth"),  # age 12, revenue < 2亿
        (2012, 20000.0, "mature"),
        (None, 500.0, "growth"),  # no founding date: judged by revenue only
        (None, 30000.0, "mature"),
    ]
    df = pl.DataFrame(
        {
            "uscc": [str(i) for i in range(len(cases))],
            "year": [2024] * len(cases),
            "founded_on": [date(y, 6, 1) if y else None for y, _, _ in cases],
            "operating_revenue": [r for _, r, _ in cases],
        },
        schema_overrides={"founded_on": pl.Date},
    )
    out = score(df, m)
    assert out["stage"].to_list() == [s for _, _, s in cases]


def test_default_methodology_is_complete_and_marked_provisional():
    m = meth.load()
    assert m.code == "torch_core" and m.provisional and m.mode == "reference"
    assert [c.name for c in m.categories] == ["技术创新指标", "成长经营指标", "辅助指标"]
    assert len(m.indicators) == 18
    assert [s.name for s in m.stages] == ["初创期", "成长期", "稳定期"]
    for s in m.stages:
        assert sum(i.weights[s.code] for i in m.indicators) == pytest.approx(100)
    for item in [*m.indicators, *m.bonus, *m.negative, *m.stages]:
        assert item.source and item.confidence in meth.CONFIDENCE
    assert any(i.veto for i in m.negative)
    assert all(i.confidence != "confirmed" for i in m.indicators)  # no official weight table
    local = meth.load("local_relative")
    assert (
        local.mode == "relative"
        and local.scale == 1000
        and local.cohort == ("stage", "industry_division")
    )
    assert {m.code for m in meth.available()} == {"torch_core", "local_relative"}


def test_bad_methodology_is_refused_in_chinese():
    with pytest.raises(meth.MethodologyError, match="阶段“young”的权重合计为 90"):
        small(
            indicators=[
                {
                    "code": "rd",
                    "name": "研发",
                    "category": "tech",
                    "formula": {"field": "rd_expense"},
                    "reference": 1,
                    "weights": {"young": 90, "old": 100},
                }
            ]
        )
    with pytest.raises(meth.MethodologyError, match="“revenue”不是企业年度统计中的数值字段"):
        small(
            indicators=[
                {
                    "code": "x",
                    "name": "x",
                    "category": "tech",
                    "formula": {"field": "revenue"},
                    "reference": 1,
                    "weights": {"young": 100, "old": 100},
                }
            ]
        )
    with pytest.raises(meth.MethodologyError, match="未知的积分方法"):
        meth.load("nope")


def test_explanations_gaps_are_withheld_in_small_groups():
    m = small()
    df = pl.DataFrame(
        {
            "uscc": ["A", "B", "C"],
            "year": [2024] * 3,
            "founded_on": [date(2000, 1, 1)] * 3,
            "rd_expense": [100.0, 100.0, 0.0],
            "operating_revenue": [1000.0, 500.0, 1000.0],
        }
    )
    out = score(df, m)
    c = row(out, "C")
    # two other enterprises in the stage: a median would be one of their points; nothing shown
    assert c["gap__rd"] is None and c["gap__intensity"] is None
    assert shortfalls(out, m) == [[], [], []]


def test_explanations_gaps_against_the_stage_mean_are_never_one_enterprises_points():
    """Issue 11 item 2: five enterprises; the median of intensity points would be B's own."""
    m = small()
    df = pl.DataFrame(
        {
            "uscc": ["A", "B", "C", "D", "E"],
            "year": [2024] * 5,
            "founded_on": [date(2000, 1, 1)] * 5,
            "rd_expense": [100.0, 100.0, 0.0, 30.0, 60.0],
            "operating_revenue": [1000.0, 500.0, 1000.0, 1000.0, 1000.0],
        }
    )
    out = score(df, m)
    points = out.get_column("p__intensity").to_list()
    mean = sum(points) / 5
    c = row(out, "C")
    assert c["gap__intensity"] == pytest.approx(mean - c["p__intensity"])
    assert c["gap__rd"] == pytest.approx(sum(out.get_column("p__rd")) / 5 - c["p__rd"])
    # the figure C can work out (its points + gap) is no enterprise's own points
    learned = c["p__intensity"] + c["gap__intensity"]
    assert all(abs(learned - p) > 1e-9 for p in points)
    assert shortfalls(out, m)[2] == ["intensity", "rd"]
    assert shortfalls(out, m)[0] == []  # nothing below the mean


@pytest.mark.parametrize("mode", ["reference", "relative"])
def test_what_if_equals_full_rescore(mode):
    m = small(mode)
    df = panel()
    result = what_if(df, m, "A", 2024, {"rd_expense": 30, "hnte": False})
    changed = df.with_columns(
        pl.when((pl.col("uscc") == "A") & (pl.col("year") == 2024))
        .then(80.0)
        .otherwise(pl.col("rd_expense"))
        .alias("rd_expense"),
        pl.when((pl.col("uscc") == "A") & (pl.col("year") == 2024))
        .then(False)
        .otherwise(pl.col("hnte"))
        .alias("hnte"),
    )
    full = row(score(changed, m), "A")
    assert result.after == full
    assert result.before == row(score(df, m), "A")
    if mode == "reference":
        # rd 80/100 × 30 = 24, intensity (80/1000)/0.1 × 30 = 24, growth 20; bonus now 3 (listed)
        assert result.after["total"] == pytest.approx(24 + 24 + 20 + 3)


def test_what_if_refuses_bad_changes_in_chinese():
    m = small()
    df = panel()
    with pytest.raises(ScoringError, match="不能为负数"):
        apply_changes(df, "A", 2024, {"rd_expense": -1000}, m=m)
    with pytest.raises(ScoringError, match="不是企业年度统计中的数值字段"):
        apply_changes(df, "A", 2024, {"nonsense": 1}, m=m)
    with pytest.raises(ScoringError, match="应为整数"):
        apply_changes(df, "A", 2024, {"ip_class1": 0.5}, m=m)
    with pytest.raises(ScoringError, match="没有该企业 2030 年的数据"):
        apply_changes(df, "A", 2030, {"rd_expense": 1}, m=m)
