"""read_frame: a SELECT of numbers and booleans as a Polars frame, through COPY on PostgreSQL,
equal value for value (NULLs, booleans, float digits, negative numbers) to fetching the rows."""

from __future__ import annotations

import polars as pl
import polars.testing as pt
import pytest
from factories import make_enterprise
from sqlalchemy import select

from kechuang.core.db import read_frame
from kechuang.statistics.models import EnterpriseYear

SCHEMA = {
    "enterprise_id": pl.Int64,
    "year": pl.Int64,
    "operating_revenue": pl.Float64,
    "employees": pl.Int64,
    "is_current": pl.Boolean,
}
VALUES = [
    (2022, 81.92916732641223, 12, True),
    (2023, None, None, False),
    (2024, -7.45e-09, 0, True),
    (2025, 1e20, -3, True),
]


def _stmt(ent_id: int):
    return (
        select(
            EnterpriseYear.enterprise_id,
            EnterpriseYear.year,
            EnterpriseYear.operating_revenue,
            EnterpriseYear.employees,
            EnterpriseYear.is_current,
        )
        .where(
            EnterpriseYear.enterprise_id == ent_id,
            EnterpriseYear.year.in_([2022, 2023, 2024, 2025]),
        )
        .order_by(EnterpriseYear.year)
    )


def test_read_frame_equals_the_rows_fetched(session, city):
    ent = make_enterprise(session, city["yzhtz"], name="读数企业有限公司")
    for year, revenue, staff, current in VALUES:
        session.add(
            EnterpriseYear(
                enterprise_id=ent.id,
                year=year,
                operating_revenue=revenue,
                employees=staff,
                is_current=current,
            )
        )
    # not flushed: read_frame must see the transaction's own pending writes
    got = read_frame(session, _stmt(ent.id), SCHEMA)
    fetched = pl.DataFrame(session.execute(_stmt(ent.id)).all(), schema=SCHEMA, orient="row")
    pt.assert_frame_equal(got, fetched, check_exact=True)
    assert got.get_column("operating_revenue").to_list() == [v[1] for v in VALUES]
    assert got.get_column("is_current").to_list() == [True, False, True, True]
    assert got.get_column("employees").to_list() == [12, None, 0, -3]


def test_read_frame_of_no_rows_has_the_schema(session, city):
    got = read_frame(session, _stmt(-1), SCHEMA)
    assert got.is_empty() and got.schema == pl.Schema(SCHEMA)


def test_read_frame_refuses_text_columns(session):
    # CSV cannot tell an empty text from NULL: text is read the ordinary way
    with pytest.raises(ValueError, match="numbers and booleans"):
        read_frame(session, select(EnterpriseYear.id), {"id": pl.String})
