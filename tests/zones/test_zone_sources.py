"""Framework rows and plan targets show their source's registry title and confirmation label."""

from __future__ import annotations

from nicegui.testing import User
from web import PASSWORD, log_in, login

from kechuang.accounts.service import create_user


def test_api_rows_and_targets_name_their_sources(client, session, city):
    create_user(session, username="zs_city", password=PASSWORD, role="city_admin")
    session.flush()
    h = login(client, "zs_city")
    fws = client.get("/api/v1/evaluation/frameworks", headers=h).json()
    national = next(f for f in fws if f["code"] == "national_2021")
    rows = {r["row"]: r for r in national["rows"]}
    assert (
        rows["1.1"]["source"]
        == "《国家高新技术产业开发区综合评价指标体系》（国科发火〔2021〕106号） 附件 二级指标1.1"
    )
    assert rows["1.1"]["status_label"] == "已确认" and rows["2.1"]["status_label"] == "重构"
    assert rows["2.1"]["source_code"] == "THIRD-CNWR-2023"
    assert (
        national["document"]
        == "《国家高新技术产业开发区综合评价指标体系》（国科发火〔2021〕106号）"
    )
    jiangsu = next(f for f in fws if f["code"] == "jiangsu_2016")
    assert {r["weight_status"] for r in jiangsu["rows"]} == {"暂行（未公布，取1.0或类推）"}
    assert "[S" not in str(fws) and "§" not in str(fws) and ".md" not in str(fws)


async def test_frameworks_page_shows_titles_and_levels(user: User, session, city) -> None:
    create_user(session, username="zs_city2", password=PASSWORD, role="city_admin")
    session.flush()
    await log_in(user, "zs_city2")
    await user.open("/evaluation/frameworks")
    await user.should_see(
        "出处：《国家高新技术产业开发区综合评价指标体系》（国科发火〔2021〕106号）", retries=100
    )
    await user.should_see("已确认 2 行，重构 44 行", retries=100)
