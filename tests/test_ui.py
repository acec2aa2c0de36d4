"""Web pages through NiceGUI's user simulation: login, real figures on every page, scoping, offline."""

from __future__ import annotations

import re

from nicegui import ui
from nicegui.testing import User
from web import log_in

PAGES = ["/", "/zones", "/enterprises", "/imports", "/users", "/audit"]


async def test_login_required_and_wrong_password(user: User, world) -> None:
    await user.open("/enterprises")
    await user.should_see("请登录", retries=100)
    user.find("用户名").type("city")
    user.find("密码").type("nope")
    user.find(marker="login").click()
    await user.should_see("用户名或密码错误", retries=100)


async def test_home_shows_real_figures(user: User, world) -> None:
    await log_in(user, "city")
    await user.should_see("2024年 企业数", retries=100)
    await user.should_see("3 家", retries=100)
    await user.should_see("7,800.00万元", retries=100)  # 5000 + 2000 + 800
    echart = user.find(ui.echart).elements.pop()
    names = [s["name"] for s in echart.options["series"]]
    assert "扬州高新区" in names and "3000亿元目标" in names


async def test_enterprise_list_and_page(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/enterprises")
    table = user.find(ui.table).elements.pop()
    assert {r["name"] for r in table.rows} == {
        "甲高新科技有限公司",
        "乙江都智能有限公司",
        "丙飞地企业有限公司",
    }
    assert table.pagination["rowsNumber"] == 3
    user.find("搜索名称或信用代码").type("江都")
    user.find("查询").click()
    await user.should_see("共 1 家", retries=100)
    await user.open(f"/enterprises/{world['b'].id}")
    await user.should_see("乙江都智能有限公司", retries=100)
    await user.should_see("年度统计（当前版本）", retries=100)
    figures = [t for t in user.find(ui.table).elements if t.rows and "field" in t.rows[0]][0]
    revenue = next(r for r in figures.rows if r["field"] == "营业收入(万元)")
    assert revenue["2024"] == "2,000.00"


async def test_zone_admin_pages_are_scoped(user: User, world) -> None:
    await log_in(user, "zone_yz")
    home = user.find(ui.table).elements.pop()
    assert [r["zone"] for r in home.rows] == ["扬州高新区"]  # the enclave counts here too
    assert home.rows[0]["enterprises"] == "2"
    await user.open("/enterprises")
    table = user.find(ui.table).elements.pop()
    assert "乙江都智能有限公司" not in {r["name"] for r in table.rows}
    await user.open(f"/enterprises/{world['b'].id}")
    await user.should_see("企业不存在或无权查看", retries=100)
    await user.open(f"/zones/{world['city']['jiangdu'].id}")
    await user.should_see("您无权查看该高新区的统计数据", retries=100)
    await user.open("/audit")
    await user.should_see("无权访问此页面", retries=100)
    await user.should_not_see("用户管理", retries=100)


async def test_zone_page_has_parks_industries_and_trend(user: User, world) -> None:
    await log_in(user, "city")
    await user.open(f"/zones/{world['city']['yzhtz'].id}")
    await user.should_see("高端装备制造 主导产业", retries=100)
    await user.should_see("微机电园", retries=100)
    await user.should_see("营业收入与研发费用（亿元）", retries=100)


async def test_users_and_audit_pages(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/users")
    assert "zone_yz" in {r["username"] for r in user.find(ui.table).elements.pop().rows}
    await user.open("/audit")
    rows = user.find(ui.table).elements.pop().rows
    assert any(r["action"] == "导入" for r in rows)
    assert any(r["action"] == "登录" and r["username"] == "city" for r in rows)


async def test_import_page_reports_bad_cells(user: User, world) -> None:
    from sheets import xlsx

    await log_in(user, "city")
    await user.open("/imports")
    user.find(ui.select).elements.pop().value = "enterprise_years"
    upload = user.find(ui.upload).elements.pop()
    bad = xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[world["a"].uscc, 2024, "很多"]])
    from nicegui.elements.upload_files import SmallFileUpload

    await upload.handle_uploads([SmallFileUpload("坏文件.xlsx", "application/octet-stream", bad)])
    await user.should_see("有 1 处错误，未导入任何数据", retries=100)
    await user.should_see("下载错误报告", retries=100)
    errors = [t for t in user.find(ui.table).elements if t.rows and "reason" in t.rows[0]][0]
    assert errors.rows[0]["row"] == 2 and errors.rows[0]["reason"] == "不是有效的数字"


async def test_no_page_references_an_external_url(user: User, world) -> None:
    await log_in(user, "city")
    external = re.compile(
        r"""(?:src|href)\s*=\s*["']?(?:https?:)?//(?!127\.0\.0\.1|localhost|test)"""
    )
    for path in PAGES + [
        "/login",
        f"/enterprises/{world['a'].id}",
        f"/zones/{world['city']['yzhtz'].id}",
    ]:
        response = await user.http_client.get(path)
        assert response.status_code == 200, path
        assert not external.search(response.text), (path, external.search(response.text))


async def test_exports_from_list_pages_are_scoped(user: User, world) -> None:
    import io

    import polars as pl

    await log_in(user, "zone_yz")
    await user.open("/enterprises")
    user.find("导出企业名录").click()
    response = await user.download.next(timeout=10)
    names = pl.read_excel(io.BytesIO(response.content)).get_column("企业名称").to_list()
    assert sorted(names) == ["丙飞地企业有限公司", "甲高新科技有限公司"]
    await user.open("/zones")
    user.find("导出高新区年度统计").click()
    response = await user.download.next(timeout=10)
    zones = pl.read_excel(io.BytesIO(response.content)).get_column("高新区").to_list()
    assert zones == ["扬州高新区"]


async def test_audit_export(user: User, world) -> None:
    import io

    import polars as pl

    await log_in(user, "city")
    await user.open("/audit")
    user.find("导出审计日志").click()
    response = await user.download.next(timeout=10)
    sheet = pl.read_excel(io.BytesIO(response.content))
    assert "操作人" in sheet.columns and "登录" in sheet.get_column("操作").to_list()


async def test_bank_viewer_lands_on_its_list_and_sees_no_registry(
    user: User, world, session
) -> None:
    from kechuang.accounts.service import create_user

    create_user(session, username="bank_x", password="password123", role="bank_viewer")
    await user.open("/login")
    user.find("用户名").type("bank_x")
    user.find("密码").type("password123")
    user.find(marker="login").click()
    await user.should_see("积分贷名单", retries=100)
    await user.should_not_see("数据导入", retries=100)
    for path in ("/", "/enterprises", "/imports", f"/enterprises/{world['a'].id}"):
        await user.open(path)
        await user.should_see("无权访问此页面", retries=100)


async def test_import_page_offers_domain_imports(user: User, world) -> None:
    from nicegui.elements.upload_files import SmallFileUpload
    from sheets import xlsx

    await log_in(user, "city")
    await user.open("/imports")
    select = user.find(ui.select).elements.pop()
    assert "enterprise_qualifications" in select.options
    select.value = "enterprise_qualifications"
    upload = user.find(ui.upload).elements.pop()
    bad = xlsx(["统一社会信用代码", "资质类型"], [["91320000XXXXXXXXXX", "火星证书"]])
    await upload.handle_uploads([SmallFileUpload("资质.xlsx", "application/octet-stream", bad)])
    await user.should_see("未导入任何数据", retries=100)
