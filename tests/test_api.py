"""The REST API: login, errors in Chinese, and scoping on every endpoint and export."""

from __future__ import annotations

import io

import polars as pl
from books import records, sheets
from sheets import xlsx
from web import login


def test_health_and_docs(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert client.get("/api/docs").status_code == 200
    assert "/api/v1/enterprises" in client.get("/api/openapi.json").json()["paths"]


def test_login_errors_are_chinese_json(client, world):
    r = client.post("/api/v1/auth/token", data={"username": "city", "password": "wrong"})
    assert r.status_code == 401 and r.json() == {"detail": "用户名或密码错误"}
    r = client.get("/api/v1/enterprises")
    assert r.status_code == 401 and "未登录" in r.json()["detail"]
    r = client.get("/api/v1/enterprises", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and "令牌无效" in r.json()["detail"]
    h = login(client, "city")
    r = client.get("/api/v1/enterprises?page=0", headers=h)
    assert r.status_code == 422 and "page" in r.json()["detail"] and "Traceback" not in r.text
    assert client.get("/api/v1/nowhere", headers=h).json()["detail"] == "资源不存在"


def test_city_admin_sees_everything(client, world):
    h = login(client, "city")
    body = client.get("/api/v1/enterprises", headers=h).json()
    assert body["total"] == 3
    detail = client.get(f"/api/v1/enterprises/{world['b'].id}", headers=h).json()
    assert detail["years"][0]["operating_revenue"] == 2000.0


def test_zone_admin_sees_only_her_zone_everywhere(client, world):
    h = login(client, "zone_yz")
    a, b, enclave = world["a"], world["b"], world["enclave"]
    names = {
        e["name"]
        for e in client.get("/api/v1/enterprises?page_size=100", headers=h).json()["items"]
    }
    assert names == {a.name, enclave.name}  # her zone's, plus the enclave counted in it
    assert client.get(f"/api/v1/enterprises/{b.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/enterprises?q={b.uscc}", headers=h).json()["total"] == 0
    # naming another zone in a filter is refused, not answered with an empty page
    r = client.get(f"/api/v1/enterprises?zone_id={world['city']['jiangdu'].id}", headers=h)
    assert r.status_code == 404 and "无权查看" in r.json()["detail"]
    jd = client.get(f"/api/v1/zones/{world['city']['jiangdu'].id}", headers=h).json()
    assert jd["name"] == "江都高新区" and jd["yearly"] == [] and jd["zone_statistics"] == []
    own = client.get(f"/api/v1/zones/{world['city']['yzhtz'].id}", headers=h).json()
    assert own["zone_statistics"][0]["value"] == 30.0
    exported = {}
    for kind, sheet in (
        ("enterprises", "企业名录"),
        ("enterprise_years", "企业年度统计"),
        ("zone_years", "高新区年度统计"),
    ):
        r = client.get(f"/api/v1/exports/{kind}", headers=h)
        assert r.status_code == 200
        assert list(sheets(r.content)) == [sheet, "说明"]
        exported[kind] = records(r.content, sheet)
        text = pl.read_excel(io.BytesIO(r.content)).write_csv()
        assert b.uscc not in text and "乙江都" not in text and "江都高新区" not in text
    header, rows = exported["enterprises"]
    assert header[:2] == ["统一社会信用代码", "企业名称"]
    assert sorted((r["统一社会信用代码"], r["企业名称"]) for r in rows) == sorted(
        [(a.uscc, a.name), (enclave.uscc, enclave.name)]
    )
    header, rows = exported["enterprise_years"]
    assert header[:3] == ["统一社会信用代码", "企业名称", "年度"]
    assert sorted((r["统一社会信用代码"], r["年度"], r["营业收入(万元)"]) for r in rows) == sorted(
        [(a.uscc, 2024, 5000), (enclave.uscc, 2024, 800)]
    )
    header, rows = exported["zone_years"]
    # 30% is written as a percent cell: the value 0.3, shown as 30.00% (a bare 30 would do on
    # import, but a bare 0.3 would be refused as ambiguous)
    assert [(r["高新区"], r["年度"], r["总绿地率(%)"]) for r in rows] == [("扬州高新区", 2024, 0.3)]
    assert client.get("/api/v1/audit", headers=h).status_code == 403
    assert client.get("/api/v1/users", headers=h).status_code == 403


def test_enterprise_user_sees_only_his_enterprise(client, world):
    h = login(client, "ent_b")
    a, b = world["a"], world["b"]
    body = client.get("/api/v1/enterprises", headers=h).json()
    assert [e["uscc"] for e in body["items"]] == [b.uscc]
    assert client.get(f"/api/v1/enterprises/{a.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/enterprises/{b.id}", headers=h).status_code == 200
    yz = client.get(f"/api/v1/zones/{world['city']['yzhtz'].id}", headers=h).json()
    assert yz["yearly"] == [] and yz["zone_statistics"] == []
    content = client.get("/api/v1/exports/enterprise_years", headers=h).content
    _, rows = records(content, "企业年度统计")
    assert [(r["统一社会信用代码"], r["年度"], r["营业收入(万元)"]) for r in rows] == [
        (b.uscc, 2024, 2000)
    ]
    # no zone statistics for him: the sheet has its header and nothing else
    header, rows = records(
        client.get("/api/v1/exports/zone_years", headers=h).content, "高新区年度统计"
    )
    assert header[:2] == ["高新区", "年度"] and rows == []


def test_upload_rejects_bad_file_with_every_cell_and_stores_nothing(client, world, session):
    h = login(client, "zone_yz")
    a, b = world["a"], world["b"]
    bad = xlsx(
        ["统一社会信用代码", "年度", "营业收入(万元)"], [[a.uscc, 2025, -1], [b.uscc, 2025, 5]]
    )
    r = client.post(
        "/api/v1/imports",
        headers=h,
        data={"kind": "enterprise_years"},
        files={"file": ("bad.xlsx", bad)},
    )
    assert r.status_code == 202
    job = client.get(f"/api/v1/jobs/{r.json()['id']}", headers=h).json()
    assert job["state"] == "rejected" and job["result"]["ok"] is False
    # a row outside the caller's scope refuses the file before anything else is checked
    reasons = {(e["row"], e["reason"]) for e in job["result"]["errors"]}
    assert reasons == {(3, "企业未登记或无权导入该企业的数据")} and job["result"]["refused"]
    report = client.get(f"/api/v1/jobs/{job['id']}/report", headers=h)
    header, rows = records(report.content, "错误报告")
    assert header == ["行号", "列", "值", "原因"] and [r["行号"] for r in rows] == [3]
    good = xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[a.uscc, 2025, 6000]])
    r = client.post(
        "/api/v1/imports",
        headers=h,
        data={"kind": "enterprise_years"},
        files={"file": ("good.xlsx", good)},
    )
    assert r.status_code == 202
    job = client.get(f"/api/v1/jobs/{r.json()['id']}", headers=h).json()
    assert job["state"] == "done" and job["result"]["created"] == 1, job
    listed = client.get("/api/v1/imports", headers=h).json()
    assert [i["filename"] for i in listed] == ["good.xlsx"]  # her own imports only


def test_users_and_audit_for_city_admin(client, world):
    h = login(client, "city")
    r = client.post(
        "/api/v1/users",
        headers=h,
        json={
            "username": "newzone",
            "password": "abcdefgh12",
            "role": "zone_admin",
            "zone_id": world["city"]["hangji"].id,
        },
    )
    assert r.status_code == 201 and "password_hash" not in r.json()
    r = client.post(
        "/api/v1/users",
        headers=h,
        json={"username": "x", "password": "abcdefgh12", "role": "zone_admin"},
    )
    assert r.status_code == 400 and r.json()["detail"] == "高新区管理员必须指定所属高新区"
    entries = client.get("/api/v1/audit?entity=users", headers=h).json()["items"]
    created = [e for e in entries if e["action"] == "create" and e["summary"] == "newzone"]
    assert created and created[0]["username"] == "city"
    assert "password_hash" not in created[0]["after"]
