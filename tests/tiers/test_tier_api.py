"""Tier API: scoping on every route, Chinese errors, exports, self-assessment stores nothing."""

from __future__ import annotations

from books import records, sheets
from factories import row_counts
from web import login


def test_packs_list_cites_sources(client, tier_world):
    body = client.get("/api/v1/tiers/packs", headers=login(client, "city")).json()
    hnte = next(p for p in body if p["code"] == "hnte_2016")
    cited = [c for c in hnte["conditions"] if c["kind"] != "all_of"]
    assert len(cited) >= 5 and all(c["source"] for c in cited)
    assert (
        next(p for p in body if p["code"] == "specialised_sme_2026")["confirmation"]
        == "unconfirmed"
    )


def test_enterprise_user_sees_only_his_verdicts(client, tier_world):
    h = login(client, "ent_b")
    assert (
        client.get(f"/api/v1/tiers/enterprises/{tier_world['b'].id}", headers=h).status_code == 200
    )
    r = client.get(f"/api/v1/tiers/enterprises/{tier_world['a'].id}", headers=h)
    assert r.status_code == 404 and r.json()["detail"] == "企业不存在或无权查看"
    r = client.get(f"/api/v1/tiers/qualifications/{tier_world['a'].id}", headers=h)
    assert r.status_code == 404


def test_zone_admin_candidates_and_export_are_scoped(client, tier_world):
    h = login(client, "zone_yz")
    body = client.get("/api/v1/tiers/candidates?family=hnte&year=2024", headers=h).json()
    names = {r["name"] for r in body["rows"]}
    assert names == {"甲高新科技有限公司", "丙飞地企业有限公司"}  # not 乙 of 江都, a candidate too
    r = client.get("/api/v1/tiers/candidates.xlsx?family=hnte&year=2024", headers=h)
    assert r.status_code == 200
    assert list(sheets(r.content)) == ["高新技术企业后备库", "说明"]
    header, rows = records(r.content, "高新技术企业后备库")
    assert header[:3] == ["序号", "企业名称", "统一社会信用代码"]
    assert [row["企业名称"] for row in rows] == [row["name"] for row in body["rows"]]
    assert {row["统计归属高新区"] for row in rows} == {"扬州高新区"}
    r = client.get("/api/v1/tiers/candidates?family=bogus", headers=h)
    assert r.status_code == 400 and "未知的梯度类型" in r.json()["detail"]
    pipe = client.get("/api/v1/tiers/pipeline?years=2023&years=2024", headers=h).json()
    assert {c["zone"] for c in pipe["counts"]} == {"扬州高新区", "全部（可见范围）"}


def test_self_assessment_api_stores_nothing(client, tier_world, session):
    h = login(client, "ent_b")
    before = row_counts(session)
    body = {
        "year": 2024,
        "founded_on": "2015-01-01",
        "tech_field": "电子信息",
        "figures": {
            "2024": {
                "employees": 100,
                "tech_staff": 9,
                "sales_revenue": 5000,
                "rd_expense": 400,
                "total_cost": 4000,
                "total_assets": 100,
                "ip_class1": 1,
                "major_accident": False,
                "environmental_violation": False,
                "dishonest_listed": False,
                "abnormal_operation": False,
            }
        },
    }
    r = client.post("/api/v1/tiers/self-assessment", json=body, headers=h)
    assert r.status_code == 200, r.text
    tech = next(p for p in r.json()["packs"] if p["family"] == "tech_sme")
    # 第六条（一）（三） not declared: unknown, and the form says which declarations decide
    assert tech["status"] == "unknown"
    assert {"境内注册居民企业", "产品属禁止/限制/淘汰类"} <= set(tech["missing_fields"])
    row = next(c for c in tech["conditions"] if c["condition"] == "resident")
    assert row["missing_fields"] == ["境内注册居民企业"] and row["pack_confirmation"] == "confirmed"
    assert row["sources"][0]["number"] == "国科发政〔2017〕115号"
    body["figures"]["2024"] |= {"mainland_resident": True, "restricted_products": False}
    r = client.post("/api/v1/tiers/self-assessment", json=body, headers=h)
    tech = next(p for p in r.json()["packs"] if p["family"] == "tech_sme")
    # the direct route（四）主导标准 is still open: a blank count is not read as none
    assert (tech["status"], tech["missing_fields"]) == ("unknown", ["主导制定标准数(项)"])
    body["figures"]["2024"]["standards_led"] = 0
    r = client.post("/api/v1/tiers/self-assessment", json=body, headers=h)
    tech = next(p for p in r.json()["packs"] if p["family"] == "tech_sme")
    assert tech["status"] == "unmet"  # 80 points but staff under 10%: the staff score is 0
    assert tech["missing_fields"] == []
    assert row_counts(session) == before  # no table gained a row, audited or not
    body["figures"]["2024"]["employees"] = -5
    r = client.post("/api/v1/tiers/self-assessment", json=body, headers=h)
    assert r.status_code == 400 and "职工总数" in r.json()["detail"]
