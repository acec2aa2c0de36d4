"""The zone ranking page: each city zone's name links to its page, and ?year= picks the year."""

from __future__ import annotations

from nicegui.testing import User
from test_zone_web import people  # noqa: F401 - the fixture
from web import log_in


async def test_ranking_rows_link_to_zone_pages_and_year_comes_from_the_address(
    user: User,
    people,  # noqa: F811
    city,
) -> None:
    await log_in(user, "zc_city")
    await user.open("/evaluation/ranking")
    await user.should_see(marker="ranking-table", retries=100)
    select = user.find(marker="year-select").elements.pop()
    years = sorted(select.options)
    assert select.value == years[-1]
    rows = {r["name"]: r for r in user.find(marker="ranking-table").elements.pop().rows}
    assert rows["江都高新区"]["url"] == f"/zones/{city['jiangdu'].id}"
    assert (
        "props.row.url"
        in user.find(marker="ranking-table").elements.pop().slots["body-cell-name"].template
    )
    if len(years) > 1:
        await user.open(f"/evaluation/ranking?year={years[0]}")
        await user.should_see(marker="ranking-table", retries=100)
        assert user.find(marker="year-select").elements.pop().value == years[0]
    await user.open("/evaluation/ranking?year=1900")  # no data that year: the newest instead
    await user.should_see(marker="ranking-table", retries=100)
    assert user.find(marker="year-select").elements.pop().value == years[-1]
