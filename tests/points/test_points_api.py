"""Points API: roles and scoping on every route, Chinese errors, files."""

from __future__ import annotations

import pytest
from books import docx_text, records, sheets
from factories import make_principal
from sheets import xlsx
from web import login

from kechuang.core.security import SYSTEM
from kechuang.points.models import BANK_ROLE
from kechuang.statistics.imports import import_file


@pytest.fixture
def api_world(session, world):
    a, b = world["a"], world["b"]
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(
            ["统一社会信用代码", "年度", "营业收入(万元)", "研发费用总额(万元)"],
            [[a.uscc, 2023, 4000, 100], [b.uscc, 2023, 1500, 50]],
        ),
        "p.xlsx",
    )
    assert rep.ok
    make_principal(session, BANK_ROLE, username="bank1")
    session.flush()
    return world


def test_run_lists_card_and_files(client, api_world):
    h = login(client, "city")
    assert (
        client.get("/api/v1/points/top", headers=h).json()["detail"].startswith("尚未计算创新积分")
    )
    r = client.post("/api/v1/points/runs", json={}, headers=h)
    assert r.status_code == 201 and r.json()["provisional"] and r.json()["years"] == [2023, 2024]
    top = client.get("/api/v1/points/top?n=2", headers=h).json()
    assert len(top["items"]) == 2 and top["total"] == 3 and top["methodology"]["provisional"]
    b = api_world["b"]
    card = client.get(f"/api/v1/points/enterprises/{b.id}", headers=h).json()
    assert card["latest"]["year"] == 2024 and len(card["latest"]["items"]) == 18
    r = client.post(f"/api/v1/points/enterprises/{b.id}/certificate", headers=h)
    assert r.status_code == 200
    text = docx_text(r.content)
    assert "企业创新积分证明" in text and "暂行方法" in text
    assert b.name in text and b.uscc in text
    r = client.get("/api/v1/points/exports/top", headers=h)
    assert r.status_code == 200
    assert list(sheets(r.content)) == ["创新积分排行", "说明"]
    header, rows = records(r.content, "创新积分排行")
    assert header[:3] == ["名次", "企业名称", "统一社会信用代码"]
    everyone = client.get("/api/v1/points/top?n=10", headers=h).json()["items"]
    assert [(row["名次"], row["企业名称"]) for row in rows] == [
        (i["rank"], i["name"]) for i in everyone
    ]
    assert len(rows) == 3
    assert (
        client.get("/api/v1/points/exports/nope", headers=h)
        .json()["detail"]
        .startswith("未知的名单类型")
    )
    movers = client.get("/api/v1/points/movers", headers=h).json()
    assert movers["previous_year"] == 2023
    ms = client.get("/api/v1/points/methodologies", headers=h).json()
    assert [m["code"] for m in ms] == ["torch_core", "local_relative"]
    assert ms[0]["stages"][0]["rule"] == ["成立年限（年） < 5", "营业收入(万元) < 2000"]


def test_what_if_and_errors(client, api_world):
    h = login(client, "city")
    client.post("/api/v1/points/runs", json={"methodology": "local_relative"}, headers=h)
    a = api_world["a"]
    r = client.post(
        f"/api/v1/points/enterprises/{a.id}/what-if",
        json={"changes": {"rd_expense": 100}},
        headers=h,
    )
    assert r.status_code == 200 and "before" in r.json() and "after" in r.json()
    r = client.post(
        f"/api/v1/points/enterprises/{a.id}/what-if",
        json={"changes": {"rd_expense": -1e9}},
        headers=h,
    )
    assert r.status_code == 400 and "不能为负数" in r.json()["detail"]
    r = client.post(
        f"/api/v1/points/enterprises/{a.id}/what-if", json={"changes": {"foo": 1}}, headers=h
    )
    assert r.status_code == 400 and "foo" in r.json()["detail"]
    r = client.post("/api/v1/points/runs", json={"methodology": "x"}, headers=h)
    assert r.status_code == 400 and "未知的积分方法" in r.json()["detail"]


def test_roles_enterprise_user_zone_admin_and_bank(client, api_world):
    client.post("/api/v1/points/runs", json={}, headers=login(client, "city"))
    a, b = api_world["a"], api_world["b"]
    ent = login(client, "ent_b")
    assert client.get(f"/api/v1/points/enterprises/{b.id}", headers=ent).status_code == 200
    assert client.get(f"/api/v1/points/enterprises/{a.id}", headers=ent).status_code == 404
    assert (
        client.post(f"/api/v1/points/enterprises/{a.id}/certificate", headers=ent).status_code
        == 404
    )
    # leaderboards are the bureau's: an enterprise user has his own card (and 403 here)
    assert client.get("/api/v1/points/top", headers=ent).status_code == 403
    assert client.post("/api/v1/points/runs", json={}, headers=ent).status_code == 403
    assert client.get("/api/v1/points/bank-list", headers=ent).status_code == 403
    # the enterprise consents online; the bank then sees it, and only it
    r = client.put(
        f"/api/v1/points/enterprises/{b.id}/consent", json={"consented": True}, headers=ent
    )
    assert r.status_code == 200 and r.json()["basis"] == "企业用户在线授权"
    bank = login(client, "bank1")
    items = client.get("/api/v1/points/bank-list", headers=bank).json()["items"]
    assert [i["name"] for i in items] == [b.name]
    for url in (
        "/api/v1/points/top",
        "/api/v1/points/movers",
        "/api/v1/points/runs",
        f"/api/v1/points/enterprises/{b.id}",
        "/api/v1/points/exports/top",
    ):
        assert client.get(url, headers=bank).status_code in (403, 404), url
    assert client.get("/api/v1/enterprises", headers=bank).status_code == 403
    assert (
        client.put(
            f"/api/v1/points/enterprises/{b.id}/consent", json={"consented": False}, headers=bank
        ).status_code
        == 403
    )
    r = client.get("/api/v1/points/exports/bank", headers=bank)
    assert r.status_code == 200
    header, rows = records(r.content, "银行名单")
    assert header[:2] == ["企业名称", "统一社会信用代码"]
    assert [(row["企业名称"], row["统一社会信用代码"]) for row in rows] == [(b.name, b.uscc)]
    zone = login(client, "zone_yz")
    assert (
        client.put(
            f"/api/v1/points/enterprises/{b.id}/consent",
            json={"consented": False, "basis": "x"},
            headers=zone,
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/points/enterprises/{a.id}/flags",
            json={"year": 2024, "code": "hnte"},
            headers=zone,
        ).status_code
        == 200
    )
    audit = client.get("/api/v1/audit?page_size=200", headers=login(client, "city")).json()
    entities = {row["entity"] for row in audit["items"]}
    assert {"points_consents", "points_flags", "points_runs"} <= entities
