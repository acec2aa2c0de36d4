"""The 重点攻关 API as each role: the bureau runs calls, an applicant sees only his applications, an
expert only his assigned ones, other roles get 403, illegal transitions 409 with the reason in
Chinese, and the 公示 pages answer without a login (API and page)."""

from __future__ import annotations

from datetime import date, timedelta

from factories import make_uscc
from nicegui.testing import User
from progdata import app_data, assign, score, to_review
from web import login

from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc

V1 = "/api/v1/programs"


def test_bureau_creates_and_opens_a_call(client, session, pw):
    h = login(client, "city")
    body = {
        "code": "API1",
        "year": 2026,
        "kind": "saima",
        "title": "储能赛马",
        "directions": ["CARBON-CLEAN"],
        "budget": 600,
        "awardees": 3,
    }
    # an open competition without its application period is refused, naming both fields
    r = client.post(f"{V1}/calls", json=body, headers=h)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"opens_on", "closes_on"}
    body |= {"opens_on": "2026-03-01", "closes_on": "2026-04-30"}
    r = client.post(f"{V1}/calls", json=body, headers=h)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["kind_label"] == "赛马制" and r.json()["state"] == "draft"
    # applicants do not see an unpublished call
    ha = login(client, "a1")
    assert client.get(f"{V1}/calls/{cid}", headers=ha).status_code == 404
    assert client.post(f"{V1}/calls/{cid}/open", headers=h).status_code == 200
    assert client.get(f"{V1}/calls/{cid}", headers=ha).status_code == 200
    r = client.post(f"{V1}/calls", json={**body, "code": "API2"}, headers=ha)
    assert r.status_code == 403 and "无权" in r.json()["detail"]


def test_roles_outside_the_domain_get_403(client, session, pw):
    for who in ("bank", "farmer"):
        h = login(client, who)
        for url in ("/calls", "/applications", "/challenges", "/guide", "/lifecycles"):
            r = client.get(f"{V1}{url}", headers=h)
            assert r.status_code == 403, (who, url, r.text)


def test_bureau_only_routes_refuse_the_programme_roles(client, session, pw):
    call = pw["call"]
    for who in ("a1", "e1", "o1"):
        h = login(client, who)
        for method, url, body in (
            ("get", "/experts", None),
            ("get", "/relations", None),
            ("get", f"/calls/{call.id}/ranking", None),
            ("post", f"/calls/{call.id}/assignments", None),
            ("post", f"/calls/{call.id}/decision", {"funded": [], "budget": 1}),
            ("post", "/experts", {"code": "x", "name": "x", "id_no": "x"}),
            (
                "post",
                "/relations",
                {"a": "x", "a_kind": "person", "b": "y", "b_kind": "person", "relation": "kinship"},
            ),
        ):
            kw = {"json": body} if body is not None else {}
            r = client.request(method, f"{V1}{url}", headers=h, **kw)
            assert r.status_code == 403, (who, url, r.text)


def test_assignments_are_for_the_bureau_and_experts(client, session, pw):
    for who, status in (("a1", 403), ("o1", 403), ("e1", 200), ("city", 200)):
        r = client.get(f"{V1}/assignments", headers=login(client, who))
        assert r.status_code == status, (who, r.text)


def test_applicant_and_expert_scope_over_the_api(client, session, pw):
    p, call, ex = pw["p"], pw["call"], pw["experts"]
    h1 = login(client, "a1")
    r = client.post(f"{V1}/calls/{call.id}/applications", json=app_data(make_uscc()), headers=h1)
    assert r.status_code == 201, r.text
    mine = r.json()["id"]
    other = svc.create_application(
        session, p["a2"], call.id, app_data(make_uscc(), title="乙的申报")
    )
    assert [a["id"] for a in client.get(f"{V1}/applications", headers=h1).json()] == [mine]
    assert client.get(f"{V1}/applications/{other.id}", headers=h1).status_code == 404
    r = client.post(
        f"{V1}/applications/{mine}/transitions",
        json={"action": "submit", "reason": "提交"},
        headers=h1,
    )
    assert r.status_code == 200 and r.json()["state_label"] == "已申报"
    r = client.post(
        f"{V1}/applications/{mine}/transitions", json={"action": "decide_fund"}, headers=h1
    )
    assert r.status_code == 409 and "当前状态为“已申报”" in r.json()["detail"]
    # expert e1 is assigned only the reviewed one
    reviewed = to_review(session, p, call)
    asg = assign(session, reviewed.id, ex["e1"])
    he = login(client, "e1")
    assert [a["id"] for a in client.get(f"{V1}/applications", headers=he).json()] == [reviewed.id]
    assert client.get(f"{V1}/applications/{mine}", headers=he).status_code == 404
    r = client.post(f"{V1}/assignments/{asg.id}/score", json={"score": 86.5}, headers=he)
    assert r.status_code == 201, r.text
    he2 = login(client, "e2")
    assert client.get(f"{V1}/assignments", headers=he2).json() == []
    r = client.post(f"{V1}/assignments/{asg.id}/score", json={"score": 50}, headers=he2)
    assert r.status_code == 404
    hist = client.get(f"{V1}/applications/{mine}/transitions", headers=h1).json()
    assert hist[0]["username"] == "a1" and hist[0]["reason"] == "提交"


def test_publicity_is_public(client, session, pw):
    p, call, ex = pw["p"], pw["call"], pw["experts"]
    app = to_review(session, p, call)
    score(session, assign(session, app.id, ex["e1"]), 90)
    svc.transition(session, SYSTEM, app.id, "review_done", "")
    pub = svc.decide(
        session,
        SYSTEM,
        call.id,
        [app.id],
        call.budget,
        "立项",
        7,
        today=date.today() - timedelta(days=1),
    )
    svc.record_objection(
        session,
        SYSTEM,
        pub.id,
        {"application_id": app.id, "content": "异议", "raised_by": "举报人甲"},
    )
    r = client.get("/api/v1/public/programs/publicity")  # no Authorization header
    assert r.status_code == 200, r.text
    (item,) = [x for x in r.json() if x["id"] == pub.id]
    assert item["status"] == "公示中" and item["projects"][0]["code"] == app.code
    r = client.get(f"/api/v1/public/programs/publicity/{pub.id}")
    assert (
        r.status_code == 200
        and "举报人甲" not in r.text
        and r.json()["objections"][0]["state"] == "open"
    )
    assert client.get("/api/v1/public/programs/publicity/999999").status_code == 404


async def test_publicity_page_without_login(user: User, session, pw) -> None:
    p, call, ex = pw["p"], pw["call"], pw["experts"]
    app = to_review(session, p, call, title="公开页可见的项目")
    score(session, assign(session, app.id, ex["e1"]), 90)
    svc.transition(session, SYSTEM, app.id, "review_done", "")
    pub = svc.decide(session, SYSTEM, call.id, [app.id], call.budget, "立项", 7)
    session.flush()
    await user.open("/programs/publicity")
    await user.should_see("立项公示", retries=100)
    await user.should_see(pub.title)
    await user.open(f"/programs/publicity/{pub.id}")
    await user.should_see(marker="pub-projects", retries=100)
    (table,) = user.find(marker="pub-projects").elements
    assert [r["title"] for r in table.rows] == ["公开页可见的项目"]
    await user.should_see("暂无异议")
