"""sort_order: a whitelisted ORDER BY, empty values last in both directions, a unique tiebreak;
a NOT NULL column is ordered plainly so that PostgreSQL can read its index in order."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

from kechuang.core.tables import sort_order
from kechuang.points.models import PointsScore

COLUMNS = {"total": PointsScore.total, "rank_city": PointsScore.rank_city}


def _sql(sort: str | None, descending: bool) -> str:
    order = sort_order(COLUMNS, sort, descending, PointsScore.enterprise_id, "total")
    return ", ".join(str(c.compile(dialect=postgresql.dialect())) for c in order)


def test_a_not_null_column_is_ordered_without_nulls_last():
    assert _sql("total", True) == "points_scores.total DESC, points_scores.enterprise_id"
    assert _sql("total", False) == "points_scores.total ASC, points_scores.enterprise_id"


def test_a_nullable_column_puts_empty_values_last_both_ways():
    assert _sql("rank_city", True) == (
        "points_scores.rank_city DESC NULLS LAST, points_scores.enterprise_id"
    )
    assert _sql("rank_city", False) == (
        "points_scores.rank_city ASC NULLS LAST, points_scores.enterprise_id"
    )


def test_an_unknown_key_sorts_by_the_default():
    assert _sql("drop table", True) == _sql("total", True)
    assert _sql(None, False) == _sql("total", False)
