"""Every API route, called with another zone's and another enterprise's ids, reveals nothing.

The routes are read from the OpenAPI document, so a new route is called here without anyone
remembering to add it; a route that takes a body must have one in BODIES (the test fails
otherwise). Each call is made as a zone admin (扬州高新区), an enterprise user (乙) and a bank:
the answer is 403 (the role may not use the route) or 404 (the object does not exist for the
caller), or a success whose content - JSON, or the text of an .xlsx/.docx - holds none of the
other side's sentinel values (USCC, name, distinctive figures).
"""

from __future__ import annotations

import io
import json
import re

import pytest
from sheets import xlsx
from web import login

from kechuang.accounts.service import create_user
from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file

# Figures nobody else has: if one appears in a response, the response leaked it.
A_REVENUE, B_REVENUE = 6543.21, 7654.32
JIANGDU_GREEN = 12.3456

BODIES = {
    ("post", "/api/v1/points/enterprises/{enterprise_id}/what-if"): {
        "changes": {"rd_expense": 100}
    },
    ("put", "/api/v1/points/enterprises/{enterprise_id}/consent"): {
        "consented": True,
        "basis": "测试",
    },
    ("put", "/api/v1/points/enterprises/{enterprise_id}/flags"): {
        "year": 2024,
        "code": "hnte",
        "value": True,
    },
    ("post", "/api/v1/users"): {
        "username": "x1",
        "password": "Yz-kc-test-2026",
        "role": "city_admin",
    },
    ("patch", "/api/v1/users/{user_id}"): {"active": False},
    ("post", "/api/v1/users/{user_id}/reset-password"): {},
    ("post", "/api/v1/me/password"): {"old_password": "wrong-old", "new_password": "an0ther-pass"},
    ("post", "/api/v1/points/runs"): {},
    ("post", "/api/v1/points/enterprises/{enterprise_id}/certificate"): {},
    ("post", "/api/v1/points/certificates/{certificate_id}/withdraw"): {"reason": "测试"},
    ("post", "/api/v1/evaluation/runs"): {"year": 2024},
    ("post", "/api/v1/evaluation/frameworks"): {"code": "x", "yaml": "a: 1"},
    ("post", "/api/v1/tiers/self-assessment"): None,  # stores nothing, reads no one's data
    ("post", "/api/v1/tiers/snapshots"): {"years": [2024]},
    ("post", "/api/v1/imports/{import_id}/undo"): {},
    ("post", "/api/v1/jobs/{job_id}/cancel"): {},
    ("post", "/api/v1/submissions/{submission_id}/approve"): {},
    ("post", "/api/v1/submissions/{submission_id}/reject"): {"reason": "测试"},
    # 科技特派员 (tests/commissioners/test_api.py calls these with another county's ids)
    ("post", "/api/v1/commissioners"): {
        "kind": "individual",
        "name": "x",
        "region_code": "321023",
        "batch_year": 2024,
    },
    ("post", "/api/v1/commissioners/assessment/runs"): {"year": 2024},
    ("post", "/api/v1/demands"): {
        "title": "x",
        "text": "需求描述五个字",
        "region_code": "321023",
        "recipient_kind": "农户",
        "recipient_name": "x",
    },
    ("post", "/api/v1/demands/suggest-batch"): {"mode": "total"},
    ("post", "/api/v1/demands/{demand_id}/suggest"): {},
    ("post", "/api/v1/suggestions/{suggestion_id}/confirm"): {},
    ("post", "/api/v1/agreements"): {"demand_id": 1, "commissioner_id": 1},
    ("post", "/api/v1/agreements/{agreement_id}/approve"): {},
    ("post", "/api/v1/agreements/{agreement_id}/end"): {},
    ("post", "/api/v1/agreements/{agreement_id}/logs"): {
        "served_on": "2024-05-01",
        "days": 1,
        "content": "现场指导五个字",
    },
    ("post", "/api/v1/agreements/{agreement_id}/rating"): {"score": 5},
    ("post", "/api/v1/service-logs/{log_id}/confirm"): {"accept": True},
    # 重点攻关 (tests/programs/test_programs_api.py covers the programme roles' own scopes)
    ("post", "/api/v1/programs/calls"): {
        "code": "S1",
        "year": 2024,
        "kind": "normal",
        "title": "x",
        "directions": ["HEALTH-NCD"],
        "budget": 1,
    },
    ("post", "/api/v1/programs/calls/{call_id}/open"): {},
    ("post", "/api/v1/programs/calls/{call_id}/close"): {},
    ("post", "/api/v1/programs/calls/{call_id}/assignments"): {},
    ("post", "/api/v1/programs/calls/{call_id}/decision"): {"funded": [], "budget": 1},
    ("post", "/api/v1/programs/calls/{call_id}/applications"): {
        "unit_name": "x",
        "unit_uscc": "x",
        "leader_name": "x",
        "leader_id_no": "x",
        "direction": "HEALTH-NCD",
        "title": "x",
        "budget": 1,
    },
    ("post", "/api/v1/programs/challenges"): {
        "code": "x",
        "year": 2024,
        "owner_unit": "x",
        "title": "x",
        "need": "x",
        "acceptance_criteria": "x",
        "budget": 1,
    },
    ("post", "/api/v1/programs/challenges/{challenge_id}/transitions"): {"action": "publish"},
    ("post", "/api/v1/programs/applications/{application_id}/transitions"): {"action": "submit"},
    ("post", "/api/v1/programs/applications/{application_id}/milestones"): {"outcome": "cut"},
    ("post", "/api/v1/programs/experts"): {"code": "x", "name": "x", "id_no": "x"},
    ("post", "/api/v1/programs/relations"): {
        "a": "x",
        "a_kind": "person",
        "b": "y",
        "b_kind": "person",
        "relation": "kinship",
    },
    ("post", "/api/v1/programs/assignments/{assignment_id}/recuse"): {"reason": "x"},
    ("post", "/api/v1/programs/assignments/{assignment_id}/score"): {"score": 50},
    ("post", "/api/v1/programs/publicity/{publicity_id}/objections"): {"content": "x"},
    ("post", "/api/v1/programs/objections/{objection_id}/handle"): {
        "upheld": False,
        "handling": "x",
    },
    # 重点攻关 portfolio (tests/programs/test_portfolio.py covers the applicants' own outcomes)
    ("post", "/api/v1/programs/portfolio/classify"): {},
    ("post", "/api/v1/programs/applications/{application_id}/classification"): {
        "direction": "HEALTH-NCD"
    },
    ("post", "/api/v1/programs/applications/{application_id}/outcomes"): {
        "kind": "patent",
        "quantity": 1,
        "year": 2027,
    },
    # 规划管理 (tests/plan/test_plan_api.py calls these on another unit's tasks and reports)
    ("post", "/api/v1/plan/periods"): {"filename": "x.yaml", "text": "code: x"},
    ("post", "/api/v1/plan/targets/{target_id}/entries"): {"kind": "target", "value": 1},
    ("post", "/api/v1/plan/targets/{target_id}/events"): {
        "state": "achieved",
        "on_date": "2024-01-01",
        "evidence": "x",
    },
    ("post", "/api/v1/plan/links"): {"from_target_id": 1, "to_target_id": 2},
    ("post", "/api/v1/plan/tasks"): {
        "action_id": 1,
        "title": "x",
        "lead_unit": "x",
        "due_on": "2025-12-31",
    },
    ("post", "/api/v1/plan/tasks/{task_id}/state"): {"state": "done"},
    ("post", "/api/v1/plan/tasks/{task_id}/reports"): {"year": 2024, "quarter": 1, "text": "x"},
    ("post", "/api/v1/plan/reports/{report_id}/review"): {"approve": True},
}
SKIP = {
    ("post", "/api/v1/auth/token"),  # login itself
    ("post", "/api/v1/auth/logout"),  # would end the caller's own token
    ("post", "/api/v1/imports"),  # file uploads: covered by the import scope tests
    ("post", "/api/v1/tiers/qualifications/import"),
    # multipart with the signed authorisation: covered by tests/points/test_consent.py
    ("post", "/api/v1/points/enterprises/{enterprise_id}/consent/authorisation"),
    # photo uploads (multipart): covered by tests/commissioners/test_api.py
    ("post", "/api/v1/demands/{demand_id}/photos"),
    ("post", "/api/v1/service-logs/{log_id}/photos"),
    # evidence uploads (multipart): covered by tests/plan/test_plan_api.py
    ("post", "/api/v1/plan/reports/{report_id}/attachments"),
}
KINDS = {
    "/api/v1/templates/{kind}": ["enterprises"],
    "/api/v1/exports/{kind}": ["enterprises", "enterprise_years", "zone_years"],
    "/api/v1/points/exports/{kind}": ["top", "bank", "movers"],
    "/api/v1/evaluation/exports/{kind}": ["ranking", "benchmark", "targets", "specialisation"],
}


@pytest.fixture
def scoped_world(world, session, client):
    """The test world with sentinel figures, a stored points run and a bank login."""
    a, b = world["a"], world["b"]
    header = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(header, [[a.uscc, 2024, 100, A_REVENUE, 300], [b.uscc, 2024, 50, B_REVENUE, 100]]),
        "sentinel.xlsx",
    )
    assert rep.ok, rep.errors
    world["batch"] = rep.import_id
    rep = import_file(
        session,
        SYSTEM,
        "zone_years",
        xlsx(["高新区", "年度", "总绿地率(%)"], [["江都高新区", 2024, JIANGDU_GREEN]]),
        "z.xlsx",
    )
    assert rep.ok, rep.errors
    create_user(session, username="bank_x", password="Yz-kc-test-2026", role="bank_viewer")
    session.flush()
    admin = login(client, "city")
    assert client.post("/api/v1/points/runs", headers=admin, json={}).status_code in (200, 201)
    # the bureau's rejected import job: its report quotes both enterprises' bad cells
    bad = xlsx(
        header,
        [[a.uscc, 2024, 1, f"{A_REVENUE}亿美元", 1], [b.uscc, 2024, 1, f"{B_REVENUE}亿美元", 1]],
    )
    r = client.post(
        "/api/v1/imports",
        headers=admin,
        data={"kind": "enterprise_years"},
        files={"file": ("s.xlsx", bad)},
    )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['id']}", headers=admin).json()
    assert job["state"] == "rejected" and str(A_REVENUE) in str(job["result"]["errors"])
    world["job"] = job["id"]
    # one submission per side: 甲's user reports a figure that awaits 扬州高新区's review, 乙's user one
    # that awaits 江都高新区's
    from kechuang.accounts.service import principal_of
    from kechuang.statistics.models import Submission

    ent_a = create_user(
        session,
        username="ent_a",
        password="Yz-kc-test-2026",
        role="enterprise_user",
        enterprise_id=a.id,
    )
    ent_b = session.query(type(ent_a)).filter_by(username="ent_b").one()
    for user, ent, revenue in ((ent_a, a, A_REVENUE), (ent_b, b, B_REVENUE)):
        rep = import_file(
            session,
            principal_of(user),
            "enterprise_years",
            xlsx(header, [[ent.uscc, 2023, 10, revenue, 1]]),
            "报送.xlsx",
        )
        assert rep.ok and rep.submitted, rep.errors
    world["submissions"] = {
        s.enterprise_id: s.id for s in session.query(Submission).filter_by(status="pending")
    }
    return world


def _sentinels(ent) -> list[str]:
    return [ent.uscc, ent.name]


def _numbers(value: float) -> list[str]:
    return [f"{value:.2f}", f"{value:,.2f}", repr(value)]


def _text(response) -> str:
    """The content of a response as text: JSON as is, .xlsx cells, .docx paragraphs and tables."""
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if "wordprocessingml" in kind:
        from docx import Document

        doc = Document(io.BytesIO(response.content))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join(parts)
    return response.text


def _operations(client):
    spec = client.get("/api/openapi.json").json()
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in ops.items():
            yield method, path, op


def _calls(client, world):
    """(method, url, body) for every operation, with other-side ids filled in per role."""
    city = world["city"]
    for method, path, op in _operations(client):
        if (method, path) in SKIP:
            continue
        if method != "get" and (method, path) not in BODIES:
            raise AssertionError(f"{method.upper()} {path}: add a body to BODIES (or to SKIP)")
        body = BODIES.get((method, path))
        if method != "get" and body is None:
            continue
        names = {p["name"] for p in op.get("parameters", [])}
        for kind in KINDS.get(path, [None]):
            yield method, path, names, kind, body, city


def _fill(path: str, names: set[str], kind, ids: dict[str, int]) -> str:
    url = path.replace("{kind}", kind or "")
    url = url.replace("{enterprise_id}", str(ids["enterprise"]))
    url = url.replace("{zone_id}", str(ids["zone"]))
    url = url.replace("{run_id}", str(ids["run"])).replace("{user_id}", "1")
    url = url.replace("{import_id}", str(ids["import"])).replace("{job_id}", str(ids["job"]))
    url = url.replace("{submission_id}", str(ids["submission"]))
    # ids of domains these roles may not use at all (科技特派员): any id, the answer must be 403
    url = re.sub(r"{\w+_id}", "1", url)
    query = {"year": 2024} if "year" in names else {}
    if "zone_id" in names and "{zone_id}" not in path:
        query["zone_id"] = ids["zone"]
    if "unit" in names:
        query["unit"] = f"z{ids['zone']}"
    if "against" in names:
        query["against"] = f"z{ids['zone']}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


CASES = {
    # role login → (the other side's enterprise, the other zone, sentinels that must not appear)
    "zone_yz": ("b", "jiangdu"),
    "ent_b": ("a", "yzhtz"),
    "bank_x": ("a", "yzhtz"),
}


@pytest.mark.parametrize("username", sorted(CASES))
def test_every_route_with_other_ids_reveals_nothing(scoped_world, client, session, username):
    world = scoped_world
    other_ent_key, other_zone_code = CASES[username]
    other_ent = world[other_ent_key]
    other_zone = world["city"][other_zone_code]
    from kechuang.zones.models import EvaluationRun

    run_id = session.query(EvaluationRun.id).order_by(EvaluationRun.id.desc()).limit(1).scalar()
    ids = {
        "enterprise": other_ent.id,
        "zone": other_zone.id,
        "run": run_id or 999_999,
        "import": world["batch"],
        "job": world["job"],
        "submission": world["submissions"][other_ent.id],
    }
    forbidden = _sentinels(other_ent) + _numbers(A_REVENUE if other_ent_key == "a" else B_REVENUE)
    if username == "zone_yz":
        forbidden += _numbers(JIANGDU_GREEN)
    if username == "bank_x":  # a bank sees no enterprise that has not consented
        forbidden += _sentinels(world["b"]) + _numbers(B_REVENUE)
    headers = login(client, username)
    called = 0
    leaks = []
    for method, path, names, kind, body, _city in _calls(client, world):
        url = _fill(path, names, kind, ids)
        response = client.request(method.upper(), url, headers=headers, json=body)
        called += 1
        assert response.status_code != 500, (url, response.text)
        if response.status_code in (401, 403, 404, 400, 422):
            if response.status_code in (400, 422):
                text = response.text
                assert not any(s in text for s in forbidden), (url, text)
            continue
        text = _text(response)
        found = [s for s in forbidden if re.search(re.escape(s), text)]
        if found:
            leaks.append(f"{method.upper()} {url}: {found}")
    assert called >= 40  # every route was called, not an empty loop
    assert leaks == [], "\n".join(leaks)


def test_sentinels_are_visible_to_the_bureau(scoped_world, client):
    """The check above can fail: the same calls as the city admin do show the sentinels."""
    headers = login(client, "city")
    b = scoped_world["b"]
    text = client.get(f"/api/v1/enterprises/{b.id}", headers=headers).text
    assert b.uscc in text and any(s in text for s in _numbers(B_REVENUE))
    zone = scoped_world["city"]["jiangdu"]
    text = json.dumps(client.get(f"/api/v1/zones/{zone.id}", headers=headers).json())
    assert any(s in text for s in _numbers(JIANGDU_GREEN))
