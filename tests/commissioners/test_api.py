"""The 科技特派员 API: the workflow over HTTP, photos, and every route of the domain called with the
other county's (or another party's) ids as each role: 403, 404 or an answer without their data."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from cmdata import BAOYING, GAOYOU, JPEG, demand_data
from openpyxl import load_workbook
from web import login

from kechuang.commissioners import service as svc

PREFIXES = (
    "/api/v1/commissioner",
    "/api/v1/demands",
    "/api/v1/suggestions",
    "/api/v1/agreements",
    "/api/v1/service-",
)
# the other side's distinctive values
GY_TITLE, GY_RECIPIENT, GY_INCOME = "高邮罗氏沼虾尾水超标", "演示数据·高邮王家庭农场", 8765.43


def _flow(client, h_admin, h_tpy, h_party, demand_id, commissioner_id, income):
    r = client.post(
        "/api/v1/agreements",
        headers=h_admin,
        json={"demand_id": demand_id, "commissioner_id": commissioner_id},
    )
    assert r.status_code == 201, r.text
    a = r.json()
    for h in (h_tpy, h_party):
        r = client.post(f"/api/v1/agreements/{a['id']}/approve", headers=h, json={})
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    r = client.post(
        f"/api/v1/agreements/{a['id']}/logs",
        headers=h_tpy,
        json={
            "served_on": date.today().isoformat(),
            "days": 2.5,
            "content": "现场检测水质并指导",
            "income_wan": income,
        },
    )
    assert r.status_code == 201, r.text
    log = r.json()
    r = client.post(
        f"/api/v1/service-logs/{log['id']}/photos",
        headers=h_tpy,
        files=[("files", ("现场.jpg", JPEG, "image/jpeg"))],
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/service-logs/{log['id']}/confirm", headers=h_party, json={"accept": True}
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
    r = client.post(f"/api/v1/agreements/{a['id']}/rating", headers=h_party, json={"score": 5})
    assert r.status_code == 201, r.text
    return a, log


@pytest.fixture
def two_counties(cw, session, client):
    """One served demand in 宝应 (posted by the informant) and one in 高邮 (by its farmer)."""
    p = cw["p"]
    d_by = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    d_gy = svc.post_demand(
        session,
        p["gy_farmer"],
        demand_data(GAOYOU, title=GY_TITLE, recipient_name=GY_RECIPIENT),
        [("p.jpg", JPEG)],
    )
    session.flush()
    h = {u: login(client, u) for u in cw["users"]}
    a_by, log_by = _flow(
        client, h["by_admin"], h["tpy_by"], h["by_informant"], d_by.id, cw["c_by"].id, 1.25
    )
    a_gy, log_gy = _flow(
        client, h["gy_admin"], h["tpy_gy"], h["gy_farmer"], d_gy.id, cw["c_gy"].id, GY_INCOME
    )
    suggestion = svc.store_suggestions(
        session,
        p["gy_admin"],
        svc.post_demand(session, p["gy_farmer"], demand_data(GAOYOU, title=GY_TITLE)).id,
        [{"commissioner_id": cw["c_gy"].id, "score": 0.5}],
        "urgent",
    )[0]
    session.flush()
    return {
        "h": h,
        "gy": {
            "demand_id": d_gy.id,
            "agreement_id": a_gy["id"],
            "log_id": log_gy["id"],
            "commissioner_id": cw["c_gy"].id,
            "suggestion_id": suggestion.id,
            "photo_id": svc.photo_ids(session, demand_id=d_gy.id)[0],
        },
        "by": {"demand_id": d_by.id, "agreement_id": a_by["id"], "log_id": log_by["id"]},
    }


def test_workflow_over_http_counts_in_dashboard_and_assessment(two_counties, client):
    h = two_counties["h"]
    r = client.get("/api/v1/commissioners/dashboard", headers=h["city"])
    assert r.status_code == 200
    counties = {row["key"]: row for row in r.json()["by"]["county"]}
    assert counties[BAOYING]["days"] == 2.5 and counties[BAOYING]["satisfaction"] == 5.0
    assert counties[GAOYOU]["income_wan"] == GY_INCOME
    years = {row["key"]: row for row in r.json()["by"]["year"]}
    assert (
        years[str(date.today().year)]["days"] == 5.0
        and years[str(date.today().year)]["visits"] == 2
    )
    kinds = {row["key"]: row for row in r.json()["by"]["kind"]}
    assert kinds["individual"]["label"] == "个人" and kinds["individual"]["ratings"] == 2
    year = date.today().year
    # a commissioner with no service and no rating: the API shows his rating as null, not 0
    r = client.post(
        "/api/v1/commissioners",
        headers=h["city"],
        json={
            "kind": "individual",
            "name": "演示数据·未评价特派员",
            "region_code": BAOYING,
            "batch_year": year,
        },
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(
            "/api/v1/commissioners/assessment/runs", headers=h["city"], json={"year": year}
        ).status_code
        == 201
    )
    r = client.get(f"/api/v1/commissioners/assessment?year={year}", headers=h["city"])
    assert r.status_code == 200, r.text
    rows = r.json()
    assert {r["name"]: r["days"] for r in rows} == {
        "演示数据·宝应特派员": 2.5,
        "演示数据·高邮特派员": 2.5,
        "演示数据·未评价特派员": 0.0,
    }
    ratings = {r["name"]: r["rating"] for r in rows}
    assert ratings["演示数据·未评价特派员"] is None
    assert ratings["演示数据·宝应特派员"] == 5.0
    r = client.get(f"/api/v1/commissioners/assessment/export?year={year}", headers=h["city"])
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert "服务天数(天)" in [c.value for c in sheet[2]]  # under the title row
    # the photo of a demand is served to those who may see the demand
    photo = two_counties["gy"]["photo_id"]
    r = client.get(f"/api/v1/commissioner-photos/{photo}", headers=h["gy_admin"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert (
        client.get(f"/api/v1/commissioner-photos/{photo}", headers=h["by_admin"]).status_code == 404
    )
    # a bad photo is refused
    r = client.post(
        f"/api/v1/demands/{two_counties['by']['demand_id']}/photos",
        headers=h["by_informant"],
        files=[("files", ("x.jpg", b"not an image", "image/jpeg"))],
    )
    assert r.status_code == 400 and "不是 JPEG" in r.json()["detail"]


def test_bad_bodies_are_422_in_chinese(two_counties, client):
    h = two_counties["h"]
    a = two_counties["by"]["agreement_id"]
    for body in (
        {"served_on": "2024-01-01", "days": 0.7, "content": "内容五个字"},
        {"served_on": "2024-01-01", "days": 1, "content": "内容五个字", "income_wan": -1},
    ):
        r = client.post(f"/api/v1/agreements/{a}/logs", headers=h["tpy_by"], json=body)
        assert r.status_code == 422 and r.json()["detail"]
    r = client.post(f"/api/v1/agreements/{a}/rating", headers=h["by_informant"], json={"score": 6})
    assert r.status_code == 422
    r = client.post(
        "/api/v1/commissioners",
        headers=h["city"],
        json={
            "kind": "legal_person",
            "name": "演示数据·单位",
            "region_code": BAOYING,
            "batch_year": 2024,
            "members": [{"name": "甲"}, {"name": "乙"}],
        },
    )
    assert r.status_code == 422 and "至少 3 名" in r.json()["detail"]


def _routes(client):
    spec = client.get("/api/openapi.json").json()
    for path, ops in spec["paths"].items():
        if path.startswith(PREFIXES):
            for method in ops:
                yield method, path


def _url(path: str, ids: dict[str, int]) -> str:
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    assert "{" not in path, path
    return path + (
        "?year=" + str(date.today().year) if "assessment" in path and "runs" not in path else ""
    )


BODIES = {
    "/api/v1/demands": {
        "title": "x",
        "text": "需求描述五个字",
        "region_code": GAOYOU,
        "recipient_kind": "农户",
        "recipient_name": "x",
    },
    "/api/v1/agreements": None,  # filled per call with the other side's ids
    "/api/v1/agreements/{agreement_id}/logs": {
        "served_on": date.today().isoformat(),
        "days": 1,
        "content": "冒名填写日志内容",
    },
    "/api/v1/agreements/{agreement_id}/rating": {"score": 1},
    "/api/v1/service-logs/{log_id}/confirm": {"accept": False, "objection": "冒名"},
    "/api/v1/commissioners": {
        "kind": "individual",
        "name": "x",
        "region_code": GAOYOU,
        "batch_year": 2024,
    },
    "/api/v1/commissioners/assessment/runs": {"year": 2024},
    "/api/v1/demands/suggest-batch": {"mode": "total", "county": GAOYOU},
}


@pytest.mark.parametrize("username", ["by_admin", "tpy_by", "by_farmer", "by_informant", "zone_x"])
def test_every_route_with_the_other_countys_ids_reveals_and_changes_nothing(
    two_counties, client, session, username
):
    h = two_counties["h"][username]
    gy = two_counties["gy"]
    forbidden = [
        GY_TITLE,
        GY_RECIPIENT,
        "演示数据·高邮特派员",
        *(f"{GY_INCOME}", f"{GY_INCOME:,.2f}"),
    ]
    called = 0
    for method, path in _routes(client):
        if path.endswith("/photos"):
            continue  # multipart: the photo routes are checked in the flow test
        url = _url(path, gy)
        body = BODIES.get(path, {}) if method != "get" else None
        if path == "/api/v1/agreements":
            body = {"demand_id": gy["demand_id"], "commissioner_id": gy["commissioner_id"]}
        r = client.request(method.upper(), url, headers=h, json=body)
        called += 1
        assert r.status_code != 500, (url, r.text)
        if username == "zone_x":
            assert r.status_code in (403, 422), (method, url, r.status_code)
            continue
        if r.status_code >= 400:
            assert not any(s in r.text for s in forbidden), (url, r.text)
            continue
        # posting one's own new demand, or a batch run over one's own (empty) scope, is allowed
        assert method == "get" or path in ("/api/v1/demands", "/api/v1/demands/suggest-batch"), (
            method,
            url,
            r.text,
        )
        text = r.text
        if "spreadsheetml" in r.headers.get("content-type", ""):
            book = load_workbook(io.BytesIO(r.content))
            text = " ".join(
                str(c)
                for ws in book.worksheets
                for row in ws.iter_rows(values_only=True)
                for c in row
            )
        leaks = [s for s in forbidden if re.search(re.escape(s), text)]
        assert leaks == [], (url, leaks)
    assert called >= 20
    # nothing of 高邮's changed
    a = svc.get_agreement(session, two_counties_principal(session, "gy_admin"), gy["agreement_id"])
    assert a.status == "active"
    log = svc.get_log(session, two_counties_principal(session, "gy_admin"), gy["log_id"])
    assert log.status == "confirmed"


def two_counties_principal(session, username):
    """The principal of a test user."""
    from kechuang.accounts.service import principal_of, user_by_name

    return principal_of(user_by_name(session, username))


def test_the_bureau_sees_the_sentinels(two_counties, client):
    """The check above can fail: the bureau does see 高邮's demand."""
    r = client.get(
        f"/api/v1/demands/{two_counties['gy']['demand_id']}", headers=two_counties["h"]["city"]
    )
    assert r.status_code == 200 and GY_TITLE in r.text


def test_me_shows_region_and_commissioner(two_counties, client, cw):
    me = client.get("/api/v1/me", headers=two_counties["h"]["by_admin"]).json()
    assert me["region_code"] == BAOYING and me["role_label"] == "区县科技管理员"
    me = client.get("/api/v1/me", headers=two_counties["h"]["tpy_by"]).json()
    assert me["commissioner_id"] == cw["c_by"].id
    mine = client.get("/api/v1/commissioners/me", headers=two_counties["h"]["tpy_by"]).json()
    assert mine["id"] == cw["c_by"].id
