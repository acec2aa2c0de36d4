"""Scoring gives the same answer whatever the row order and chunk layout of the input.

`score` takes last year's figures from the row above when each enterprise's rows are consecutive
with increasing years (the usual layout), and otherwise from a dense enterprise × year table; a
chunked input is made contiguous first. These tests pin that every path agrees and that a
duplicated enterprise-year is refused on both.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kechuang.points import methodology as meth
from kechuang.points.scoring import ScoringError, score


def _panel() -> pl.DataFrame:
    rows = []
    for e in range(40):
        for year in (2023, 2024, 2025):
            if (e + year) % 7 == 0:
                continue  # some enterprises miss a year: no growth base for the next one
            rows.append(
                {
                    "uscc": f"91321000MA{e:08d}",
                    "year": year,
                    "founded_on": dt.date(2010 + e % 14, 1 + e % 12, 1),
                    "industry_code": ["C3612", "C3841", "M7514", None][e % 4],
                    "zone": ["yzhtz", "jiangdu", None][e % 3],
                    "operating_revenue": float((e * 37 + year) % 500) * (1 + e % 5),
                    "rd_expense": float((e * 13 + year) % 90),
                    "employees": 5 + (e * 7) % 60,
                    "rd_staff": (e * 3) % 12,
                    "tech_staff": (e * 5) % 20,
                    "ip_class1": e % 4,
                    "invention_patents_granted": (e + year) % 3,
                    "dishonest_listed": e == 17,
                    "major_accident": e == 5,
                }
            )
    return pl.DataFrame(rows)


@pytest.mark.parametrize("code", ["torch_core", "local_relative"])
def test_row_order_and_chunks_do_not_change_the_scores(code: str) -> None:
    m = meth.load(code)
    panel = _panel()
    grouped = score(panel, m).sort("uscc", "year")
    shuffled = score(panel.sample(fraction=1.0, shuffle=True, seed=3), m).sort("uscc", "year")
    chunked = score(pl.concat([panel.head(50), panel.slice(50)], rechunk=False), m)
    assert_frame_equal(grouped, shuffled, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(grouped, chunked.sort("uscc", "year"), check_exact=False, rel_tol=1e-12)
    growth = grouped.filter(pl.col("year") == 2024).get_column("v__revenue_growth")
    assert growth.is_not_null().any()  # last year's figures were found


def test_a_duplicated_enterprise_year_is_refused_in_any_order() -> None:
    m = meth.load("torch_core")
    panel = _panel()
    doubled = pl.concat([panel, panel.head(1)])
    with pytest.raises(ScoringError, match="同一企业同一年度"):
        score(doubled, m)  # the duplicate is not next to its twin
    with pytest.raises(ScoringError, match="同一企业同一年度"):
        score(doubled.sort("uscc", "year"), m)  # consecutive twins: years do not increase
