"""Web pages through NiceGUI's user simulation: login, real figures on every page, scoping, offline."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from nicegui import ui
from nicegui.testing import User
from page_text import findings, message_findings
from web import log_in


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
    await log_in(user, "zone_yz")  # lands on her zone's page
    yearly = [t for t in user.find(ui.table).elements if t.rows and "revenue" in t.rows[0]][0]
    assert [r["enterprises"] for r in yearly.rows] == ["2"]  # the enclave counts here too
    await user.open("/enterprises")
    table = user.find(ui.table).elements.pop()
    assert {r["name"] for r in table.rows} == {"甲高新科技有限公司", "丙飞地企业有限公司"}
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


async def test_exports_from_list_pages_are_scoped(user: User, world) -> None:
    import io

    import polars as pl

    await log_in(user, "zone_yz")
    await user.open("/enterprises")
    user.find("导出企业名录").click()
    response = await user.download.next(timeout=10)
    names = (
        pl.read_excel(io.BytesIO(response.content), read_options={"header_row": 1})
        .get_column("企业名称")
        .to_list()
    )
    assert sorted(names) == ["丙飞地企业有限公司", "甲高新科技有限公司"]
    await user.open("/zones")
    user.find("导出高新区年度统计").click()
    response = await user.download.next(timeout=10)
    zones = (
        pl.read_excel(io.BytesIO(response.content), read_options={"header_row": 1})
        .get_column("高新区")
        .to_list()
    )
    assert zones == ["扬州高新区"]


async def test_audit_export(user: User, world) -> None:
    import io

    import polars as pl

    await log_in(user, "city")
    await user.open("/audit")
    user.find("导出审计日志").click()
    response = await user.download.next(timeout=10)
    sheet = pl.read_excel(io.BytesIO(response.content), read_options={"header_row": 1})
    assert "操作人" in sheet.columns and "登录" in sheet.get_column("操作").to_list()


async def test_bank_viewer_lands_on_its_list_and_sees_no_registry(
    user: User, world, session
) -> None:
    from kechuang.accounts.service import create_user

    create_user(session, username="bank_x", password="Yz-kc-test-2026", role="bank_viewer")
    await user.open("/login")
    user.find("用户名").type("bank_x")
    user.find("密码").type("Yz-kc-test-2026")
    user.find(marker="login").click()
    await user.should_see("积分贷名单", retries=100)
    await user.should_not_see("数据导入", retries=100)
    await user.open("/")  # the city dashboard sends the bank back to its list
    await user.should_see("积分贷名单", retries=100)
    for path in ("/enterprises", "/imports", f"/enterprises/{world['a'].id}"):
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


# --- offline: no page references anything outside the server ---------------------------------

# An external reference: src/href/srcset/action/poster (HTML attribute, or a JSON prop of NiceGUI's
# element tree, possibly with escaped quotes) or a CSS url(), pointing at http(s):// or a
# protocol-relative //host that is not this server (localhost, 127.0.0.1, or the simulation's
# base URL http://test).
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data-src)\\?["']?\s*[:=]\s*\\?["']?\s*"""
    r"""|url\(\s*\\?["']?\s*)"""
    r"""(?:https?:)?(?://|\\/\\/)(?!(?:localhost|127\.0\.0\.1|test)(?:[:/"'\\)]|$))""",
    re.IGNORECASE,
)
ROLES = [
    "city", "zone_yz", "ent_b", "bank1",
    # 科技特派员 and 重点攻关 roles (made in _commissioner_and_program_roles)
    "by_admin", "by_informant", "by_farmer", "tpy_by", "a1", "e1", "o1",
    None,  # nobody logged in
]  # fmt: skip
# the test users' login names are data a page may show (操作人), not English left in the UI
LOGIN_NAMES = frozenset({"city"})


def _around(text: str, found: re.Match) -> str:
    return text[max(0, found.start() - 200) : found.end() + 200]


def test_external_url_pattern_catches_what_it_must() -> None:
    bad = [
        '<script src="https://cdn.jsdelivr.net/npm/x.js"></script>',
        "<link rel=stylesheet href='//fonts.googleapis.com/css?family=Noto'>",
        '"props":{"href":"https://example.com/page","target":"_blank"}',
        '"props":{"src":"http://img.example.com/a.png"}',
        r'"innerHTML":"<img src=\"https://evil.example/a.png\">"',
        "background-image: url('https://example.com/bg.png')",
        '<a href="//testcdn.example.com/a">',
    ]
    good = [
        '<script src="/_nicegui/3.0/static/vue.js"></script>',
        '"props":{"href":"/tiers","target":"_self"}',
        '<a href="http://127.0.0.1:8080/x">',
        '<a href="http://localhost/x">',
        '<img src="http://test/x.png">',
        "xmlns='http://www.w3.org/2000/svg'",
    ]
    assert [s for s in bad if not EXTERNAL.search(s)] == []
    assert [s for s in good if EXTERNAL.search(s)] == []


@pytest.fixture
def crawl_world(session, world):
    """The world with a bank user, a points run and one consent, so every page has content."""
    from factories import make_principal, make_uscc
    from progdata import app_data, call_data

    from kechuang.core.security import SYSTEM
    from kechuang.points import service as points
    from kechuang.programs import service as programs

    make_principal(session, "bank_viewer", username="bank1")
    world["a"].industry_code, world["b"].industry_code = "C3511", "C3911"  # shown by name
    points.create_run(session, SYSTEM)
    points.set_consent(session, SYSTEM, world["a"].id, True, "书面授权书 001", b"%PDF", "a.pdf")
    call = programs.create_call(session, SYSTEM, call_data("KJ2026"))
    programs.set_call_state(session, SYSTEM, call.id, "open")
    project = programs.create_application(session, SYSTEM, call.id, app_data(make_uscc(7070)))
    from datetime import date

    from kechuang.plan import service as plan
    from kechuang.plan.models import PlanAction

    plan.load_shipped(session, SYSTEM)
    action = session.query(PlanAction).filter_by(code="五.2").one()
    plan.create_task(session, SYSTEM, {"action_id": action.id, "title": "巡检任务",
                     "lead_unit": "扬州高新区管委会", "due_on": date(2025, 12, 31)})  # fmt: skip
    _commissioner_and_program_roles(session, call)
    session.flush()
    return {**world, "call": call, "project": project}


def _commissioner_and_program_roles(session, call) -> None:
    """One user of each 科技特派员 and 重点攻关 role (scoped as tests/commissioners and
    tests/programs make them), each with something to see: a demand matched to a commissioner
    under an approved agreement, a recipient's own demand, an application under expert review
    assigned to the expert, a challenge."""
    from cmdata import BAOYING, PASSWORD, demand_data, individual
    from factories import make_uscc
    from progdata import app_data, assign

    from kechuang.accounts.service import create_user, principal_of
    from kechuang.commissioners import service as cm
    from kechuang.core.security import SYSTEM
    from kechuang.programs import service as programs
    from kechuang.programs.models import Expert

    tpy = cm.create_commissioner(session, SYSTEM, individual("演示数据·宝应特派员", BAOYING))
    users = {}
    for name, role, kw in (
        ("by_admin", "county_admin", {"region_code": BAOYING}),
        ("by_informant", "village_informant", {"region_code": BAOYING + "101"}),
        ("by_farmer", "service_recipient", {}),
        ("tpy_by", "commissioner", {"commissioner_id": tpy.id}),
        ("a1", "applicant", {}),
        ("e1", "expert", {}),
        ("o1", "challenge_owner", {}),
    ):
        users[name] = create_user(session, username=name, password=PASSWORD, role=role, **kw)
    session.flush()
    p = {k: principal_of(u) for k, u in users.items()}
    demand = cm.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    agreement = cm.create_agreement(session, p["by_admin"], demand.id, tpy.id)
    cm.approve_agreement(session, p["by_informant"], agreement.id)
    cm.approve_agreement(session, p["tpy_by"], agreement.id)
    cm.post_demand(session, p["by_farmer"], demand_data(BAOYING, title="虾塘水质变差"))
    expert = Expert(code="ZJ1", name="专家1", id_no="321000197001010001", unit_name="专家单位1",
                    unit_uscc=make_uscc(901), user_id=users["e1"].id, max_load=10)  # fmt: skip
    session.add(expert)
    app = programs.create_application(session, p["a1"], call.id, app_data(make_uscc(7071)))
    programs.transition(session, p["a1"], app.id, "submit", "提交")
    for action in ("start_form_review", "form_pass"):
        programs.transition(session, SYSTEM, app.id, action, "")
    assign(session, app.id, expert)
    programs.create_challenge(
        session,
        p["o1"],
        {"code": "JB2026-09", "year": 2026, "owner_unit": "巡检发榜单位", "title": "巡检榜单",
         "need": "需求", "acceptance_criteria": "验收标准甲", "direction": "", "budget": 10},
    )  # fmt: skip


def _page_state(user: User) -> str | None:
    """'title' once the page shows its title, 'forbidden' on the no-access notice, 'login' on the
    login form; None while it is still building."""
    for el in list(user.client.elements.values()):
        if "page-title" in el._markers:
            return "title"
        if "login" in el._markers:
            return "login"
        if getattr(el, "text", None) == "无权访问此页面":
            return "forbidden"
    return None


async def _settled(user: User) -> None:
    """Wait (up to about a second) until the page stops changing: tables and charts that a page
    fills from a background load after its title shows."""
    last = None
    for _ in range(10):
        now = [
            (el.id, len(getattr(el, "rows", None) or []))
            for el in list(user.client.elements.values())
        ]
        if now == last:
            return
        last = now
        await asyncio.sleep(0.1)


def _tree_text(user: User) -> str:
    """Everything the browser would receive for the open page: head and body HTML plus every
    element (tag, props, classes, style, slot templates) as JSON."""
    client = user.client
    elements = [el._to_dict() for el in list(client.elements.values())]
    return "\n".join(
        [client.head_html, client.body_html, json.dumps(elements, ensure_ascii=False, default=str)]
    )


def _links(user: User) -> set[str]:
    """Internal paths linked from the open page (navigation drawer and page links)."""
    out = set()
    for el in list(user.client.elements.values()):
        href = el._props.get("href")
        if isinstance(href, str) and href.startswith("/") and not href.startswith("//"):
            out.add(href.split("?")[0].split("#")[0])
    return out


@pytest.mark.parametrize("username", ROLES, ids=[r or "anonymous" for r in ROLES])
async def test_no_page_references_an_external_url(user: User, crawl_world, username) -> None:
    """Crawl every registered page (and every internal link found on them) as each role; fail
    on any external src/href in the served HTML or in the element tree after the page built."""
    from nicegui import Client

    if username is not None:
        await log_in(user, username)
    else:
        await user.open("/login")
    routes = sorted(set(Client.page_routes.values()))
    assert len(routes) >= 20 and {"/", "/login", "/tiers", "/points", "/evaluation/ranking"} <= set(
        routes
    ), routes
    # path parameters of registered pages, from the test world (one visible, one not for the
    # zone admin and the enterprise user); a new parameterised page fails until it is added here
    params = {
        "enterprise_id": [crawl_world["a"].id, crawl_world["b"].id],
        "zone_id": [crawl_world["city"]["yzhtz"].id, crawl_world["city"]["jiangdu"].id],
        "call_id": [crawl_world["call"].id],
        "app_id": [crawl_world["project"].id, 999_999],  # a project; a missing one says so
        "publicity_id": [999_999],  # none published: the page says so
        "code": ["ABCD-EFGH-JKMN-PQRS-TUVW"],  # no such certificate: 无此证明
        "module": ["zones", "accounts", "no_such_module"],  # 使用说明; an unknown one says so
    }
    todo: list[str] = []
    for route in routes:
        names = re.findall(r"{(\w+)}", route)
        unknown = [n for n in names if n not in params]
        assert not unknown, f"页面 {route} 的参数 {unknown} 没有测试取值：请在 params 中补上"
        paths = [route]
        for name in names:
            paths = [p.replace(f"{{{name}}}", str(v)) for p in paths for v in params[name]]
        todo += paths
    patterns = [re.compile("^" + re.sub(r"{\w+}", r"[^/]+", r) + "$") for r in routes]
    seen: dict[str, str] = {}
    nav: set[str] = set()
    texts: dict[str, list[str]] = {}  # per page, what it shows that a bureau cannot hand on
    notified = len(user.notify.messages)
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        # a role's / answers with a redirect to its start page (issue 16): crawl where it lands
        response = await user.http_client.get(path, follow_redirects=True)
        assert response.status_code == 200, (username, path, response.status_code)
        found = EXTERNAL.search(response.text)
        assert found is None, (username, path, _around(response.text, found))
        # the login form, the public 公示 pages and the certificate check are served without the
        # logged-in frame
        public = path == "/login" or path.startswith(("/programs/publicity", "/verify"))
        if username is not None and not public:
            assert "退出" in response.text, (username, path, "served HTML is not logged in")
        await user.open(path)
        for _ in range(200):
            state = _page_state(user)
            if state is not None:
                break
            await asyncio.sleep(0.05)
        assert state is not None, (username, path, "page never finished building")
        seen[path] = state
        await _settled(user)
        text = _tree_text(user)
        found = EXTERNAL.search(text)
        assert found is None, (username, path, _around(text, found))
        wrong = findings(user.client, LOGIN_NAMES) + [
            f"提示 {message_findings(m, LOGIN_NAMES)}: {m}"
            for m in user.notify.messages[notified:]
            if message_findings(m, LOGIN_NAMES)
        ]
        notified = len(user.notify.messages)
        if wrong:
            texts[path] = wrong
        for link in _links(user):
            if link not in seen and any(p.match(link) for p in patterns):
                todo.append(link)
        if path == "/" and username is not None:
            nav = {
                el._props["href"]
                for drawer in user.find(ui.left_drawer).elements
                for el in drawer.descendants()
                if isinstance(el, ui.link)
            }
    assert set(seen) >= set(r for r in routes if "{" not in r)
    # issue 16: what each page shows a bureau can hand on (see page_text.py for the checks)
    assert texts == {}, (username, texts)
    if username is None:
        # data pages send a visitor to the login form (a page the bureau makes public, such as
        # the self-assessment, may open; none shows the logged-in frame's no-access notice)
        assert {seen[p] for p in ("/", "/enterprises", "/audit", "/users", "/login")} == {"login"}
        assert "forbidden" not in seen.values(), seen
        return
    assert nav, "the navigation drawer lists no pages"
    # every page the navigation offers this role opens for it
    assert {p: seen[p] for p in nav if seen.get(p) != "title"} == {}
    if username == "city":  # the city admin may open every page
        assert {p: s for p, s in seen.items() if s != "title" and p != "/login"} == {}
