"""Role × operation × object: every API operation, as every role, on objects inside and outside the
role's scope.

The operations are read from the OpenAPI document and each must have a decision in ACCESS (the
test fails on a new operation without one, and on a decision for an operation that no longer
exists). A decision names the roles that may use the operation and the object it addresses
(`enterprise`, `zone`, `submission`, `job`, `import`, `user`, or None for operations without
one). For each role the test then asserts:

- anonymous: 401 everywhere but the public operations;
- a role the decision leaves out: 403 (404 is accepted where the object is looked up first);
- an allowed role on an object outside its scope: never 2xx (403/404);
- an allowed role on its own object (or an operation without object): 2xx, or the status the
  decision names for a state that refuses the call (e.g. 409 undoing an import superseded later);
- never a 5xx.

What a successful answer may contain (no other side's figures in lists, exports and aggregates) is
tested in tests/test_scope_routes.py over the same operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sheets import xlsx
from web import PASSWORD, login

import kechuang
from kechuang.accounts.service import create_user, principal_of
from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file

PACKAGE_DIR = Path(kechuang.__file__).parent

CITY, ZONE, ENT, BANK = "city_admin", "zone_admin", "enterprise_user", "bank_viewer"
COUNTY, TPY, RECIP, INFORM = (
    "county_admin",
    "commissioner",
    "service_recipient",
    "village_informant",
)
APPL, EXP, OWNER = "applicant", "expert", "challenge_owner"
ANON = "anonymous"
EVERYONE = frozenset({CITY, ZONE, ENT, BANK, COUNTY, TPY, RECIP, INFORM, APPL, EXP, OWNER})
# 重点攻关: the bureau, applicants, reviewers and 发榜方
PROG = frozenset({CITY, APPL, EXP, OWNER})
# 科技特派员: the bureau, county admins, commissioners, served parties and village informants
FIELD = frozenset({CITY, COUNTY, TPY, RECIP, INFORM})
MATCHERS = frozenset({CITY, COUNTY})
# an in-scope write the state of the world refuses (already decided, infeasible, wrong party)
STATE = frozenset({409, 422})
DATA = frozenset({CITY, ZONE, ENT})
BUREAU = frozenset({CITY, ZONE})
BUREAU_ONLY = frozenset({CITY})


@dataclass(frozen=True)
class Access:
    """Who may call an operation, on what object, and the in-scope statuses besides 2xx."""

    roles: frozenset[str]
    obj: str | None = None
    public: bool = False
    # in-scope answers that are right for the state of the test world, by role
    also: dict[str, frozenset[int]] = field(default_factory=dict)
    body: object = None  # a dict, or a function of the role's ids (objects named in the body)
    query: str = ""


V1 = "/api/v1"
PLAN_TEXT = (PACKAGE_DIR / "plan" / "data" / "plan_14_5.yaml").read_text(encoding="utf-8")
# ids of the plan world's objects named in bodies (filled by _add_plan_world)
PLAN_IDS: dict[str, int] = {}
CITY_STATE = {CITY: STATE}
CALL_BODY = {"code": "NEWCALL", "year": 2026, "kind": "normal", "title": "新批次",
             "directions": ["HEALTH-NCD"], "budget": 100, "per_application": 5,
             "opens_on": "2026-03-01", "closes_on": "2026-04-30"}  # fmt: skip


def application_body() -> dict:
    """A valid application (a fresh unit code each time)."""
    from factories import make_uscc

    return {"unit_name": "申报单位", "unit_uscc": make_uscc(), "leader_name": "张三",
            "leader_id_no": "321000198001010011", "direction": "HEALTH-NCD-TUMOR",
            "title": "肿瘤早筛关键技术", "keywords": ["肿瘤", "早筛"], "budget": 50}  # fmt: skip


def challenge_body(code: str) -> dict:
    """A valid 揭榜挂帅 need."""
    return {"code": f"JB-{code}", "year": 2026, "owner_unit": "发榜单位", "title": "氢能榜单",
            "need": "需求", "acceptance_criteria": "能耗下降15%", "direction": "CARBON-CLEAN-H2",
            "budget": 100}  # fmt: skip


ACCESS: dict[tuple[str, str], Access] = {
    ("get", "/health"): Access(EVERYONE, public=True),
    ("post", "/auth/token"): Access(EVERYONE, public=True),
    ("post", "/auth/logout"): Access(EVERYONE),
    ("get", "/me"): Access(EVERYONE),
    ("post", "/me/password"): Access(
        EVERYONE,
        body={"old_password": "wrong-old-one", "new_password": "an0ther-Passw0rd"},
        # the old password given is wrong on purpose: the caller's own session must survive
        also={r: frozenset({400}) for r in EVERYONE},
    ),
    # --- registry and statistics
    ("get", "/zones"): Access(DATA),
    # the registry's facts about zones (names, parks, declared industries, carriers) are public to
    # the data roles; a zone's figures in the detail are scoped (tests/test_scope_routes.py)
    ("get", "/zones/{zone_id}"): Access(DATA),
    ("get", "/carriers"): Access(DATA),
    ("get", "/enterprises"): Access(DATA, "zone", query="zone_id"),
    ("get", "/enterprises/{enterprise_id}"): Access(DATA, "enterprise"),
    ("get", "/enterprises/{enterprise_id}/revisions"): Access(DATA, "enterprise"),
    ("get", "/templates/{kind}"): Access(DATA),
    ("get", "/exports/{kind}"): Access(DATA, "zone", query="zone_id"),
    ("post", "/imports"): Access(DATA),  # multipart: the import tests cover the scoped rows
    ("get", "/imports"): Access(DATA),  # one's own imports; all for the bureau
    ("post", "/imports/{import_id}/undo"): Access(BUREAU_ONLY, "import", body={}),
    ("get", "/jobs"): Access(EVERYONE),
    ("get", "/jobs/{job_id}"): Access(DATA, "job"),
    ("post", "/jobs/{job_id}/cancel"): Access(
        DATA,
        "job",
        body={},
        also={r: frozenset({409}) for r in DATA},  # already finished
    ),
    ("get", "/jobs/{job_id}/report"): Access(DATA, "job"),
    ("get", "/submissions"): Access(DATA),
    ("get", "/submissions/{submission_id}"): Access(DATA, "submission"),
    ("post", "/submissions/{submission_id}/approve"): Access(BUREAU, "submission", body={}),
    ("post", "/submissions/{submission_id}/reject"): Access(
        BUREAU,
        "submission",
        body={"reason": "数据有误"},
        also={CITY: frozenset({409}), ZONE: frozenset({409})},  # approved just before
    ),
    # --- accounts
    ("get", "/users"): Access(BUREAU_ONLY),
    ("post", "/users"): Access(
        BUREAU_ONLY,
        body={"username": "new_clerk", "password": "Another-Pass-2026", "role": CITY},
    ),
    ("get", "/users/{user_id}"): Access(BUREAU_ONLY, "user"),
    ("patch", "/users/{user_id}"): Access(BUREAU_ONLY, "user", body={"active": False}),
    ("post", "/users/{user_id}/reset-password"): Access(BUREAU_ONLY, "user", body={}),
    ("get", "/audit"): Access(BUREAU_ONLY),
    # --- innovation points
    ("get", "/points/methodologies"): Access(EVERYONE),
    ("get", "/points/runs"): Access(BUREAU),
    ("post", "/points/runs"): Access(BUREAU_ONLY, body={}),
    ("get", "/points/top"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/points/movers"): Access(BUREAU),
    ("get", "/points/bank-list"): Access(frozenset({CITY, BANK})),
    ("get", "/points/exports/{kind}"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/points/enterprises/{enterprise_id}"): Access(DATA, "enterprise"),
    ("post", "/points/enterprises/{enterprise_id}/what-if"): Access(
        DATA, "enterprise", body={"changes": {"rd_expense": 100}}
    ),
    ("put", "/points/enterprises/{enterprise_id}/consent"): Access(
        frozenset({ENT, CITY}),
        "enterprise",
        body={"consented": True, "basis": "企业同意"},
        also={
            CITY: frozenset({400})
        },  # the bureau needs the signed authorisation (…/authorisation)
    ),
    ("post", "/points/enterprises/{enterprise_id}/consent/authorisation"): Access(
        BUREAU_ONLY,
        "enterprise",  # multipart: tests/points/test_consent.py
    ),
    ("get", "/points/enterprises/{enterprise_id}/consent/document"): Access(
        frozenset({CITY, ENT}), "enterprise", also={CITY: frozenset({404}), ENT: frozenset({404})}
    ),
    ("put", "/points/enterprises/{enterprise_id}/flags"): Access(
        BUREAU, "enterprise", body={"year": 2024, "code": "hnte", "value": True}
    ),
    # issuing records a certificate (the enterprise's own, its zone's, the bureau's)
    ("post", "/points/enterprises/{enterprise_id}/certificate"): Access(
        DATA, "enterprise", body={}
    ),
    # the GET form earlier releases served: the same issuing
    ("get", "/points/enterprises/{enterprise_id}/certificate"): Access(DATA, "enterprise"),
    ("get", "/points/enterprises/{enterprise_id}/certificates"): Access(DATA, "enterprise"),
    # withdrawing is the bureau's (a certificate issued in the matrix world)
    ("post", "/points/certificates/{certificate_id}/withdraw"): Access(
        BUREAU_ONLY, body={"reason": "数据有误，撤回"}
    ),
    # public, no login: the path's {code} is no certificate's, so everyone learns 404 无此证明
    ("get", "/points/certificates/verify/{code}"): Access(
        EVERYONE, public=True, also={r: frozenset({404}) for r in EVERYONE}
    ),
    # --- tiers
    ("get", "/tiers/packs"): Access(EVERYONE),
    ("get", "/tiers/enterprises/{enterprise_id}"): Access(DATA, "enterprise"),
    ("get", "/tiers/candidates"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/tiers/candidates.xlsx"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/tiers/pipeline"): Access(BUREAU),
    # storing a snapshot evaluates the whole city: the city bureau's; reading is the pages'
    ("post", "/tiers/snapshots"): Access(BUREAU_ONLY, body={"years": [2024]}),
    ("get", "/tiers/snapshots"): Access(BUREAU),
    ("get", "/tiers/snapshots/latest"): Access(BUREAU),
    # stores nothing, reads no one's data
    ("post", "/tiers/self-assessment"): Access(
        EVERYONE, body={"year": 2024, "figures": {"2024": {"operating_revenue": 1000}}}
    ),
    ("get", "/tiers/qualifications/template"): Access(EVERYONE),
    ("get", "/tiers/qualifications/{enterprise_id}"): Access(DATA, "enterprise"),
    ("post", "/tiers/qualifications/import"): Access(BUREAU),  # multipart: tier import tests
    # --- zone evaluation
    ("get", "/evaluation/frameworks"): Access(BUREAU),
    ("post", "/evaluation/frameworks"): Access(
        BUREAU_ONLY, body={"code": "x", "yaml": "a: 1"}, also={CITY: frozenset({400, 422})}
    ),
    ("get", "/evaluation/peer-sets"): Access(BUREAU),
    ("get", "/evaluation/ranking"): Access(BUREAU),
    # the cockpit: each tile through its domain's scope (a zone admin sees her zone's part)
    ("get", "/plan/cockpit"): Access(BUREAU),
    # the annual report: 400 where no plan is loaded (the matrix world loads none)
    ("get", "/plan/report"): Access(BUREAU, also={CITY: frozenset({400}), ZONE: frozenset({400})}),
    ("post", "/evaluation/runs"): Access(BUREAU_ONLY, body={"year": 2024}),
    ("get", "/evaluation/runs"): Access(BUREAU),
    ("get", "/evaluation/runs/{run_id}"): Access(BUREAU),
    ("get", "/evaluation/benchmark"): Access(BUREAU, "zone", query="unit"),
    # the world has no 2020 figures, the shipped target's baseline year: a 400 saying so
    ("get", "/evaluation/targets"): Access(
        BUREAU, also={CITY: frozenset({400}), ZONE: frozenset({400})}
    ),
    ("get", "/evaluation/specialisation"): Access(BUREAU),
    ("get", "/evaluation/exports/{kind}"): Access(BUREAU, "zone", query="unit"),
    # --- 科技特派员 (scope: county admin his county, commissioner his own record and agreements,
    # served party his own demands, informant the demands of his area)
    ("get", "/commissioners"): Access(FIELD),
    ("post", "/commissioners"): Access(
        BUREAU_ONLY,
        body={
            "kind": "individual",
            "name": "演示数据·新特派员",
            "region_code": "321023",
            "batch_year": 2024,
        },
    ),  # fmt: skip
    ("get", "/commissioners/{commissioner_id}"): Access(FIELD, "commissioner"),
    ("get", "/commissioners/me"): Access(frozenset({TPY})),
    ("get", "/commissioners/dashboard"): Access(MATCHERS),
    ("post", "/commissioners/assessment/runs"): Access(BUREAU_ONLY, body={"year": 2024}),
    # no assessment run yet when the reads run: 404 says so
    ("get", "/commissioners/assessment"): Access(
        frozenset({CITY, TPY}), also={CITY: frozenset({404}), TPY: frozenset({404})}
    ),
    ("get", "/commissioners/assessment/export"): Access(BUREAU_ONLY, also={CITY: frozenset({404})}),
    ("get", "/demands"): Access(FIELD),
    ("post", "/demands"): Access(
        frozenset({CITY, COUNTY, RECIP, INFORM}),
        "region",
        body=lambda ids: {
            "title": "演示数据·新需求",
            "text": "藕塘需要土壤修复指导",
            "region_code": ids["region"],
            "recipient_kind": "农户",
            "recipient_name": "演示数据·李",
        },
    ),  # fmt: skip
    ("get", "/demands/{demand_id}"): Access(FIELD, "demand"),
    ("post", "/demands/{demand_id}/photos"): Access(FIELD, "demand"),  # multipart: domain tests
    # confirmed before the calls below replace the open demand's suggestions
    ("post", "/suggestions/{suggestion_id}/confirm"): Access(
        MATCHERS, "suggestion", body={}, also={r: STATE for r in MATCHERS}
    ),
    ("post", "/demands/suggest-batch"): Access(
        MATCHERS, body={"mode": "total"}, also={r: STATE for r in MATCHERS}
    ),
    ("post", "/demands/{demand_id}/suggest"): Access(
        MATCHERS, "open_demand", body={}, also={r: STATE for r in MATCHERS}
    ),
    ("get", "/demands/{demand_id}/suggestions"): Access(MATCHERS, "demand"),
    ("get", "/agreements"): Access(FIELD),
    ("post", "/agreements"): Access(
        MATCHERS,
        "open_demand",
        body=lambda ids: {"demand_id": ids["open_demand"], "commissioner_id": ids["commissioner"]},
        also={r: STATE for r in MATCHERS},
    ),
    ("get", "/agreements/{agreement_id}"): Access(FIELD, "agreement"),
    ("get", "/agreements/{agreement_id}/logs"): Access(FIELD, "agreement"),
    ("post", "/agreements/{agreement_id}/logs"): Access(
        frozenset({TPY}),
        "agreement",
        body={"served_on": date.today().isoformat(), "days": 1, "content": "现场指导藕塘施肥"},
    ),
    # every party approves: already active here (409)
    ("post", "/agreements/{agreement_id}/approve"): Access(
        FIELD, "agreement", body={}, also={r: STATE for r in FIELD}
    ),
    ("post", "/agreements/{agreement_id}/rating"): Access(
        frozenset({RECIP, INFORM}), "agreement", body={"score": 5}
    ),
    ("get", "/service-logs"): Access(FIELD),
    ("post", "/service-logs/{log_id}/confirm"): Access(
        frozenset({RECIP, INFORM}), "log", body={"accept": True}, also={r: STATE for r in FIELD}
    ),
    ("post", "/service-logs/{log_id}/photos"): Access(frozenset({TPY}), "log"),  # multipart
    ("get", "/service-ratings"): Access(FIELD),
    ("get", "/commissioner-photos/{photo_id}"): Access(FIELD, "photo"),
    # last: ending the agreement closes it for the writes above
    ("post", "/agreements/{agreement_id}/end"): Access(MATCHERS, "agreement", body={}),
    # --- 重点攻关 (scope: an applicant his applications, an expert what is assigned to him, a
    # 发榜方 his challenges and their applications; published calls are the domain's to read)
    # --- 规划管理: the bureau and the zone committees; a zone reports on its own units' tasks
    ("get", "/plan/periods"): Access(BUREAU),
    ("post", "/plan/periods"): Access(
        BUREAU_ONLY, body=lambda ids: {"filename": "p.yaml", "text": PLAN_TEXT}
    ),
    ("get", "/plan/targets"): Access(BUREAU),
    ("get", "/plan/targets/{target_id}/entries"): Access(BUREAU),
    ("post", "/plan/targets/{target_id}/entries"): Access(
        BUREAU_ONLY, body={"kind": "target", "value": 30000000, "note": "测试"}
    ),
    ("get", "/plan/targets/{target_id}/events"): Access(BUREAU),
    # the public target is quantitative: an event on it is refused (422) after the role check
    ("post", "/plan/targets/{target_id}/events"): Access(
        BUREAU_ONLY,
        body={"state": "achieved", "on_date": "2024-01-01", "evidence": "批复"},
        also=CITY_STATE,
    ),
    # two targets of one period: refused (422) after the role check
    ("post", "/plan/links"): Access(
        BUREAU_ONLY,
        body=lambda ids: {
            "from_target_id": PLAN_IDS.get("target", 1),
            "to_target_id": PLAN_IDS.get("target2", 1),
        },  # fmt: skip
        also=CITY_STATE,
    ),
    ("get", "/plan/tasks"): Access(BUREAU),
    ("post", "/plan/tasks"): Access(
        BUREAU_ONLY,
        body=lambda ids: {
            "action_id": PLAN_IDS.get("action", 1),
            "title": "新任务",
            "lead_unit": "市科技局",
            "due_on": "2025-12-31",
        },  # fmt: skip
    ),
    ("post", "/plan/tasks/{task_id}/state"): Access(BUREAU_ONLY, "task", body={"state": "done"}),
    ("get", "/plan/tasks/{task_id}/reports"): Access(BUREAU),
    ("post", "/plan/tasks/{task_id}/reports"): Access(
        BUREAU, "task", body={"year": 2024, "quarter": 1, "text": "按计划推进", "percent": 30}
    ),
    ("get", "/plan/reports"): Access(BUREAU),
    ("post", "/plan/reports/{report_id}/review"): Access(
        BUREAU_ONLY, "report", body={"approve": True}
    ),
    ("post", "/plan/reports/{report_id}/attachments"): Access(BUREAU, "report"),
    ("get", "/plan/attachments/{attachment_id}"): Access(BUREAU, "attachment"),
    ("get", "/plan/status.xlsx"): Access(BUREAU),
    ("get", "/programs/guide"): Access(PROG),
    ("get", "/programs/lifecycles"): Access(PROG),
    # 重点攻关 portfolio: the bureau's; applicants see and record outcomes of their own projects
    ("post", "/programs/portfolio/classify"): Access(BUREAU_ONLY, body={}),
    ("get", "/programs/portfolio/classifications"): Access(BUREAU_ONLY),
    ("get", "/programs/applications/{application_id}/classification"): Access(
        BUREAU_ONLY,
        "application",
        also={CITY: frozenset({404})},  # not yet classified
    ),
    ("post", "/programs/applications/{application_id}/classification"): Access(
        BUREAU_ONLY,
        "application",
        body={"direction": "HEALTH-NCD"},
        also={CITY: frozenset({404})},
    ),  # fmt: skip
    ("get", "/programs/portfolio/coverage"): Access(BUREAU_ONLY),
    ("get", "/programs/portfolio/funding"): Access(BUREAU_ONLY),
    ("get", "/programs/portfolio/outcomes"): Access(BUREAU_ONLY),
    ("get", "/programs/outcomes"): Access(frozenset({CITY, APPL})),
    ("post", "/programs/applications/{application_id}/outcomes"): Access(
        frozenset({CITY, APPL}),
        "application",
        body={"kind": "patent", "quantity": 1, "year": 2027},
        also={CITY: STATE, APPL: STATE},  # not funded yet: 409
    ),  # fmt: skip
    ("get", "/programs/calls"): Access(PROG),
    ("post", "/programs/calls"): Access(BUREAU_ONLY, body=CALL_BODY),
    ("get", "/programs/calls/{call_id}"): Access(PROG),
    ("post", "/programs/calls/{call_id}/open"): Access(BUREAU_ONLY, body={}, also=CITY_STATE),
    ("post", "/programs/calls/{call_id}/assignments"): Access(
        BUREAU_ONLY, body={}, also=CITY_STATE
    ),
    ("get", "/programs/calls/{call_id}/ranking"): Access(BUREAU_ONLY),
    ("post", "/programs/calls/{call_id}/decision"): Access(
        BUREAU_ONLY, body={"funded": [], "budget": 100}, also=CITY_STATE
    ),
    ("post", "/programs/calls/{call_id}/applications"): Access(
        frozenset({APPL, CITY}), body=lambda ids: application_body(), also=CITY_STATE
    ),
    ("get", "/programs/challenges"): Access(PROG),
    ("post", "/programs/challenges"): Access(
        frozenset({OWNER, CITY}), body=lambda ids: challenge_body("NEW")
    ),
    ("post", "/programs/challenges/{challenge_id}/transitions"): Access(
        frozenset({OWNER, CITY}),
        "challenge",
        body={"action": "withdraw", "reason": "撤榜"},
        also={OWNER: STATE, CITY: STATE},
    ),  # fmt: skip
    ("get", "/programs/applications"): Access(PROG),
    ("get", "/programs/applications/{application_id}"): Access(PROG, "application"),
    ("get", "/programs/applications/{application_id}/transitions"): Access(PROG, "application"),
    ("post", "/programs/applications/{application_id}/transitions"): Access(
        frozenset({CITY, APPL, OWNER}),
        "application",
        body={"action": "withdraw", "reason": "撤回"},
        also={r: STATE for r in (CITY, APPL, OWNER)},
    ),  # fmt: skip
    ("post", "/programs/applications/{application_id}/milestones"): Access(
        BUREAU_ONLY, "application", body={"outcome": "continue"}, also=CITY_STATE
    ),
    ("get", "/programs/experts"): Access(BUREAU_ONLY),
    ("post", "/programs/experts"): Access(
        BUREAU_ONLY, body={"code": "NEWX", "name": "新专家", "id_no": "321000199001010099"}
    ),
    ("get", "/programs/relations"): Access(BUREAU_ONLY),
    ("post", "/programs/relations"): Access(
        BUREAU_ONLY,
        body={
            "a": "321000199001010099",
            "a_kind": "person",
            "b": "321000199001010088",
            "b_kind": "person",
            "relation": "kin",
        },
        also=CITY_STATE,
    ),  # fmt: skip
    ("get", "/programs/assignments"): Access(frozenset({CITY, EXP})),
    ("post", "/programs/assignments/{assignment_id}/score"): Access(
        frozenset({EXP}), "assignment", body={"score": 80}, also={EXP: STATE}
    ),
    ("post", "/programs/assignments/{assignment_id}/recuse"): Access(
        frozenset({EXP, CITY}),
        "assignment",
        body={"reason": "亲属关系"},
        also={EXP: STATE, CITY: STATE},
    ),  # fmt: skip
    ("post", "/programs/publicity/{publicity_id}/objections"): Access(
        BUREAU_ONLY, body={"content": "对拟立项项目有异议"}, also=CITY_STATE
    ),
    ("post", "/programs/objections/{objection_id}/handle"): Access(
        BUREAU_ONLY, body={"upheld": False, "handling": "经核实不成立"}, also=CITY_STATE
    ),
    # after the writes that need the call open
    ("post", "/programs/calls/{call_id}/close"): Access(BUREAU_ONLY, body={}, also=CITY_STATE),
    # 创新载体链条: records for the data roles (an enterprise its own), statistics for the bureau
    ("get", "/chain/carriers"): Access(DATA),
    ("get", "/chain/incubations"): Access(DATA),
    ("get", "/chain/incubations/{incubation_id}"): Access(DATA, "incubation"),
    ("get", "/chain/relocations"): Access(DATA),
    ("get", "/chain/attributions"): Access(DATA),
    ("get", "/chain/contracts"): Access(DATA),
    ("get", "/chain/methodology"): Access(DATA),
    ("get", "/chain/metrics"): Access(BUREAU),
    ("get", "/chain/transfer"): Access(BUREAU),
    ("get", "/chain/flow"): Access(BUREAU),
    ("get", "/chain/summary"): Access(BUREAU),
    # 公示 is public: anyone, no login
    ("get", "/public/programs/publicity"): Access(EVERYONE, public=True),
    ("get", "/public/programs/publicity/{publicity_id}"): Access(EVERYONE, public=True),
}
# multipart uploads and the call that ends the caller's own token are decided above but not called
# here: their scope is tested where their bodies are built
NOT_CALLED = {
    ("post", "/auth/token"),
    ("post", "/auth/logout"),
    ("post", "/imports"),
    ("post", "/tiers/qualifications/import"),
    ("post", "/points/enterprises/{enterprise_id}/consent/authorisation"),
    ("post", "/demands/{demand_id}/photos"),
    ("post", "/service-logs/{log_id}/photos"),
    ("post", "/plan/reports/{report_id}/attachments"),  # multipart: tests/plan/test_plan_api.py
}
KIND = {
    "/templates/{kind}": "enterprises",
    "/exports/{kind}": "enterprise_years",
    "/points/exports/{kind}": "top",
    "/evaluation/exports/{kind}": "benchmark",
}
QUERY = {
    "/tiers/candidates": "family=hnte",
    "/tiers/candidates.xlsx": "family=hnte",
    "/evaluation/ranking": "year=2024",
    "/evaluation/exports/{kind}": "year=2024&against=top_quartile",
    "/commissioners/assessment": "year=2024",
    "/plan/targets": "year=2024",
    "/plan/tasks": "year=2024",
    "/plan/status.xlsx": "year=2024",
    "/commissioners/assessment/export": "year=2024",
    "/evaluation/benchmark": "year=2024&against=top_quartile",
}


def _operations(client) -> list[tuple[str, str]]:
    spec = client.get("/api/openapi.json").json()
    return [
        (method, path.removeprefix(V1))
        for path, ops in spec["paths"].items()
        if path.startswith(V1)
        for method in ops
    ]


def test_every_operation_has_a_scope_decision(client):
    ops = set(_operations(client))
    missing = sorted(ops - ACCESS.keys())
    stale = sorted(ACCESS.keys() - ops)
    assert not missing, f"operations without a scope decision in ACCESS: {missing}"
    assert not stale, f"decisions for operations that no longer exist: {stale}"


USERS = {
    CITY: "city",
    ZONE: "zone_yz",
    ENT: "ent_b",
    BANK: "bank_m",
    COUNTY: "by_admin",
    TPY: "tpy_by",
    RECIP: "by_farmer",
    INFORM: "by_informant",
    APPL: "app1",
    EXP: "exp1",
    OWNER: "own1",
}


@pytest.fixture
def matrix_world(world, session, client):
    """The `world` plus, for every role, an object of each kind inside and one outside its scope."""
    a, b, city = world["a"], world["b"], world["city"]
    create_user(session, username="bank_m", password=PASSWORD, role=BANK)
    ent_a = create_user(session, username="ent_a", password=PASSWORD, role=ENT, enterprise_id=a.id)
    spare = create_user(
        session, username="spare", password=PASSWORD, role=ZONE, zone_id=city["jiangdu"].id
    )
    session.flush()
    from kechuang.accounts.models import User

    ent_b = session.query(User).filter_by(username="ent_b").one()
    header = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]
    for user, ent in ((ent_a, a), (ent_b, b)):
        rep = import_file(
            session,
            principal_of(user),
            "enterprise_years",
            xlsx(header, [[ent.uscc, 2023, 10, 1234.5, 1]]),
            "报送.xlsx",
        )
        assert rep.ok and rep.submitted, rep.errors
    from kechuang.statistics.models import Submission

    subs = {s.enterprise_id: s.id for s in session.query(Submission).filter_by(status="pending")}
    # a rejected job per importing role (a bad cell: nothing stored, an error report kept)
    jobs = {}
    for role, username, ent in ((CITY, "city", a), (ZONE, "zone_yz", a), (ENT, "ent_b", b)):
        r = client.post(
            f"{V1}/imports",
            headers=login(client, username),
            data={"kind": "enterprise_years"},
            files={"file": ("d.xlsx", xlsx(header, [[ent.uscc, 2022, 10, "99.5亿美元", 1]]))},
        )
        assert r.status_code == 202, r.text
        jobs[role] = r.json()["id"]
    # the bureau's own import of 江都 (out of 扬州高新区's scope); undoing it is the bureau's call
    rep = import_file(
        session, SYSTEM, "enterprise_years", xlsx(header, [[b.uscc, 2021, 5, 77.5, 1]]), "jd.xlsx"
    )
    assert rep.ok, rep.errors
    assert client.post(f"{V1}/points/runs", headers=login(client, "city"), json={}).status_code in (
        200,
        201,
    )
    r = client.post(f"{V1}/evaluation/runs", headers=login(client, "city"), json={"year": 2024})
    assert r.status_code in (200, 201, 202), r.text
    from kechuang.zones.models import EvaluationRun

    run = session.query(EvaluationRun.id).order_by(EvaluationRun.id.desc()).limit(1).scalar()
    assert run is not None
    yz, jd = city["yzhtz"].id, city["jiangdu"].id
    inside = {
        CITY: {"enterprise": b.id, "zone": jd, "submission": subs[b.id], "job": jobs[CITY],
               "import": rep.import_id, "user": spare.id},
        ZONE: {"enterprise": a.id, "zone": yz, "submission": subs[a.id], "job": jobs[ZONE]},
        ENT: {"enterprise": b.id, "submission": subs[b.id], "job": jobs[ENT]},
        BANK: {},
    }  # fmt: skip
    outside = {
        CITY: {},
        ZONE: {"enterprise": b.id, "zone": jd, "submission": subs[b.id], "job": jobs[ENT],
               "import": rep.import_id, "user": spare.id},
        ENT: {"enterprise": a.id, "zone": yz, "submission": subs[a.id], "job": jobs[ZONE],
              "import": rep.import_id, "user": spare.id},
        BANK: {"enterprise": a.id, "zone": yz, "submission": subs[a.id], "job": jobs[ENT],
               "import": rep.import_id, "user": spare.id},
    }  # fmt: skip
    _add_field_world(session, inside, outside)
    _add_chain_world(session, a, b, city, inside, outside)
    # ids of objects that are not scoped (a zone's registry facts, published calls, 公示)
    public = {"zone": jd, **_add_programme_world(session, inside, outside)}
    from kechuang.points.verification import issue

    public["certificate"] = issue(session, SYSTEM, b.id)[0].id
    public.update(_add_plan_world(session, city, inside, outside))
    return {"inside": inside, "outside": outside, "public": public, "run": run}


def _add_chain_world(session, a, b, city, inside: dict, outside: dict) -> None:
    """创新载体链条 on two sides: an incubation of 甲 (扬州高新区) and one of 乙 (江都)."""
    from kechuang.carriers.models import Incubation
    from kechuang.registry.models import Carrier

    incs = {}
    for ent, zone in ((a, city["yzhtz"]), (b, city["jiangdu"])):
        c = Carrier(code=f"MX-INC-{zone.code}", name=f"矩阵孵化器{zone.code}", kind="incubator",
                    level="市级", zone_id=zone.id)  # fmt: skip
        session.add(c)
        session.flush()
        inc = Incubation(enterprise_id=ent.id, carrier_id=c.id, entered_on=date(2022, 1, 1))
        session.add(inc)
        session.flush()
        incs[zone.code] = inc.id
    inside[CITY]["incubation"] = incs["jiangdu"]
    inside[ZONE]["incubation"] = incs["yzhtz"]
    inside[ENT]["incubation"] = incs["jiangdu"]
    outside[ZONE]["incubation"] = incs["jiangdu"]
    for role in (ENT, BANK, COUNTY, TPY, RECIP, INFORM):
        outside.setdefault(role, {})["incubation"] = incs["yzhtz"]


def _add_programme_world(session, inside: dict, outside: dict) -> dict:
    """重点攻关 on two sides: applications of two applicants with one assignment each (to two
    experts), two 发榜方's challenges, and a published 公示 with an objection. Returns the ids
    of the objects every domain role may address (the open call, the 公示, the objection)."""
    from factories import make_uscc

    from kechuang.programs import service as ps
    from kechuang.programs.models import Assignment, Expert, Score

    users = {}
    for name, role in (("app1", APPL), ("app2", APPL), ("exp1", EXP), ("exp2", EXP),
                       ("own1", OWNER), ("own2", OWNER)):  # fmt: skip
        users[name] = create_user(session, username=name, password=PASSWORD, role=role)
    session.flush()
    p = {k: principal_of(u) for k, u in users.items()}
    experts = []
    for i, name in enumerate(("exp1", "exp2"), 1):
        e = Expert(code=f"MX{i}", name=f"专家{i}", id_no=f"32100019700101{i:04d}",
                   unit_name=f"专家单位{i}", unit_uscc=make_uscc(950 + i),
                   user_id=users[name].id, max_load=10)  # fmt: skip
        session.add(e)
        experts.append(e)
    session.flush()

    def call(code):
        c = ps.create_call(session, SYSTEM, {**CALL_BODY, "code": code, "per_application": 1,
                           "opens_on": date(2000, 1, 1), "closes_on": date(2100, 12, 31)})  # fmt: skip
        ps.set_call_state(session, SYSTEM, c.id, "open")
        return c

    def reviewed(c, applicant, expert):
        app = ps.create_application(session, p[applicant], c.id, application_body())
        ps.transition(session, p[applicant], app.id, "submit", "提交")
        ps.transition(session, SYSTEM, app.id, "start_form_review", "")
        ps.transition(session, SYSTEM, app.id, "form_pass", "")
        a = Assignment(application_id=app.id, expert_id=expert.id, affinity=0.5, reason="测试")
        session.add(a)
        session.flush()
        return app, a

    m1 = call("M1")
    a1, asg1 = reviewed(m1, "app1", experts[0])
    a2, asg2 = reviewed(m1, "app2", experts[1])
    c1 = ps.create_challenge(session, p["own1"], challenge_body("O1"))
    c2 = ps.create_challenge(session, p["own2"], challenge_body("O2"))
    # a second call reviewed, decided and published: the 公示 and an objection to it
    m2 = call("M2")
    a3, asg3 = reviewed(m2, "app1", experts[0])
    session.add(Score(assignment_id=asg3.id, application_id=a3.id, expert_id=asg3.expert_id,
                      score=88.0))  # fmt: skip
    asg3.state = "scored"
    ps.transition(session, SYSTEM, a3.id, "review_done", "")
    pub = ps.decide(session, SYSTEM, m2.id, [a3.id], 100)
    objection = ps.record_objection(session, SYSTEM, pub.id, {"content": "异议"})
    session.flush()
    inside[APPL] = {"application": a1.id}
    outside[APPL] = {"application": a2.id}
    inside[EXP] = {"application": a1.id, "assignment": asg1.id}
    outside[EXP] = {"application": a2.id, "assignment": asg2.id}
    inside[OWNER] = {"challenge": c1.id}
    outside[OWNER] = {"challenge": c2.id, "application": a1.id}
    programme = {"application": a2.id, "assignment": asg2.id, "challenge": c2.id}
    inside[CITY] = {**inside[CITY], **programme}
    for role in (ZONE, ENT, BANK, COUNTY, TPY, RECIP, INFORM):
        outside[role] = {**outside[role], **programme}
    return {"call": m1.id, "publicity": pub.id, "objection": objection.id}


def _add_plan_world(session, city, inside: dict, outside: dict) -> dict:
    """The 十四五 plan with a task (a report, an attachment) for 扬州高新区's committee and one for
    江都高新区's. Returns the ids every plan role may address (a target, a task)."""
    from kechuang.plan import service as plan
    from kechuang.plan.models import PlanAction, PlanTarget

    loaded = plan.load_shipped(session, SYSTEM)
    targets = {
        t.code: t.id for t in session.query(PlanTarget).filter_by(period_id=loaded["period_id"])
    }
    action = session.query(PlanAction).filter_by(period_id=loaded["period_id"], code="五.2").one()
    side = {}
    for key, unit in (("yz", "扬州高新区管委会"), ("jd", "江都高新区管委会")):
        task = plan.create_task(session, SYSTEM, {"action_id": action.id, "title": f"任务{key}",
                                "lead_unit": unit, "due_on": date(2025, 12, 31)})  # fmt: skip
        rep = plan.submit_progress(session, SYSTEM, task.id, {"year": 2023, "quarter": 4,
                                   "text": f"进展{key}", "percent": 50})  # fmt: skip
        att = plan.add_attachment(session, SYSTEM, rep.id, "批复.pdf", b"%PDF-1.4 test")
        side[key] = {"task": task.id, "report": rep.id, "attachment": att.id}
    session.flush()
    PLAN_IDS.update(target=targets["zone_revenue_3000yi"], target2=targets["hnte_count"],
                    action=action.id)  # fmt: skip
    inside[ZONE] = {**inside[ZONE], **side["yz"]}
    inside[CITY] = {**inside[CITY], **side["jd"]}
    for role in outside:
        if role != CITY:
            outside[role] = {**outside[role], **side["jd"]}
    return {"target": targets["zone_revenue_3000yi"], "task": side["jd"]["task"]}


def _add_field_world(session, inside: dict, outside: dict) -> None:
    """科技特派员 on two sides, 宝应 (the field roles' own) and 高邮: commissioners, a served demand
    with an active agreement and a confirmed visit, an open demand with a suggestion, a photo."""
    from kechuang.commissioners import service as cs

    BAOYING, GAOYOU = "321023", "321084"
    village = BAOYING + "101"

    def commissioner(name, region):
        return cs.create_commissioner(
            session,
            SYSTEM,
            {"kind": "individual", "name": name, "unit": "扬州大学", "title": "研究员",
             "title_level": "正高", "expertise": "荷藕 土壤修复", "industries": ["莲藕"],
             "problem_types": ["土壤修复"], "region_code": region, "service_areas": [region],
             "batch_year": 2024},
        )  # fmt: skip

    c_by, c_gy = (
        commissioner("演示数据·宝应特派员", BAOYING),
        commissioner("演示数据·高邮特派员", GAOYOU),
    )
    users = {}
    for name, role, kw in (
        ("by_admin", COUNTY, {"region_code": BAOYING}),
        ("gy_admin", COUNTY, {"region_code": GAOYOU}),
        ("by_informant", INFORM, {"region_code": village}),
        ("by_farmer", RECIP, {}),
        ("gy_farmer", RECIP, {}),
        ("tpy_by", TPY, {"commissioner_id": c_by.id}),
        ("tpy_gy", TPY, {"commissioner_id": c_gy.id}),
    ):
        users[name] = principal_of(
            create_user(session, username=name, password=PASSWORD, role=role, **kw)
        )
    session.flush()
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 200

    def demand(poster, region, photos=()):
        data = {"title": "演示数据·藕塘土壤退化", "text": "连作多年的藕塘产量下降，希望专家指导土壤修复",
                "industries": ["莲藕"], "problem_type": "土壤修复", "region_code": region,
                "recipient_name": "演示数据·张", "recipient_kind": "农户", "urgency": "normal"}  # fmt: skip
        return cs.post_demand(session, users[poster], data, list(photos))

    def served(d, admin, tpy, party, c):
        a = cs.create_agreement(session, users[admin], d.id, c.id)
        for who in (tpy, party):
            cs.approve_agreement(session, users[who], a.id)
        log = cs.log_service(
            session, users[tpy], a.id,
            {"served_on": date.today(), "days": 1.0, "content": "现场检测土壤并指导"},
        )  # fmt: skip
        cs.confirm_log(session, users[party], log.id)
        return a, log

    side = {}
    for key, region, admin, tpy, farmer, c in (
        ("by", village, "by_admin", "tpy_by", "by_farmer", c_by),
        ("gy", GAOYOU, "gy_admin", "tpy_gy", "gy_farmer", c_gy),
    ):
        d = demand(farmer, region, [("p.jpg", jpeg)])
        a, log = served(d, admin, tpy, farmer, c)
        open_d = demand(farmer, region)
        (sug,) = cs.store_suggestions(
            session, users[admin], open_d.id, [{"commissioner_id": c.id, "score": 0.5}], "urgent"
        )
        side[key] = {"commissioner": c.id, "demand": d.id, "agreement": a.id, "log": log.id,
                     "open_demand": open_d.id, "suggestion": sug.id,
                     "photo": cs.photo_ids(session, demand_id=d.id)[0]}  # fmt: skip
    d_inf = demand("by_informant", village)
    a_inf, log_inf = served(d_inf, "by_admin", "tpy_by", "by_informant", c_by)
    session.flush()
    by, gy = side["by"], side["gy"]
    inside[COUNTY] = {**by, "region": village}
    inside[TPY] = {k: by[k] for k in ("commissioner", "demand", "agreement", "log", "photo")}
    inside[RECIP] = {**inside[TPY], "region": village}
    inside[INFORM] = {**inside[TPY], "agreement": a_inf.id, "log": log_inf.id, "region": village}
    inside[CITY] = {**inside[CITY], **gy, "region": GAOYOU}
    gy_out = {k: gy[k] for k in ("commissioner", "demand", "agreement", "log", "photo")}
    outside[COUNTY] = {**gy, "region": GAOYOU}
    outside[TPY] = dict(gy_out)
    outside[RECIP] = dict(gy_out)
    outside[INFORM] = {**gy_out, "region": GAOYOU}
    for role in (ZONE, ENT, BANK):
        outside[role] = {**outside[role], **gy}


def _url(path: str, access: Access, ids: dict[str, int], world: dict) -> str | None:
    """The operation's URL with the object's id in place, or None when the role has no such object."""
    url = path.replace("{kind}", KIND.get(path, ""))
    url = url.replace("{run_id}", str(world["run"]))
    for name in re.findall(r"{(\w+)_id}", url):
        obj = name
        # the operation's object fills its placeholder (e.g. an open demand for {demand_id})
        mine = access.obj is not None and (access.obj == obj or access.obj.endswith("_" + obj))
        source, key = (ids, access.obj) if mine else (world["public"], obj)
        if key not in source:
            source, key = (
                ids,
                obj,
            )  # an object the operation reaches through another (its agreement)
        if key not in source:
            return None
        url = url.replace("{" + name + "_id}", str(source[key]))
    query = [QUERY[path]] if path in QUERY else []
    if access.query:
        if access.obj not in ids:
            return None
        value = ids[access.obj]
        query.append(f"{access.query}={'z' if access.query == 'unit' else ''}{value}")
    return V1 + url + ("?" + "&".join(query) if query else "")


def _order(item):
    (method, _path), _access = item
    return method != "get"  # reads first: the writes then change what they address


ROLES = [ANON, CITY, ZONE, ENT, BANK, COUNTY, TPY, RECIP, INFORM, APPL, EXP, OWNER]


def test_every_registered_role_is_in_the_matrix(client):
    """A role a new domain registers must be added here (a user, its objects, its decisions)."""
    from kechuang.core.security import ROLES as REGISTERED

    assert set(REGISTERED) == set(ROLES) - {ANON}, sorted(set(REGISTERED) ^ (set(ROLES) - {ANON}))


@pytest.mark.parametrize("role", ROLES)
def test_role_by_operation_by_object(matrix_world, client, role):
    headers = {} if role == ANON else login(client, USERS[role])
    wrong = []
    calls = 0
    for (method, path), access in sorted(ACCESS.items(), key=_order):
        if (method, path) in NOT_CALLED:
            continue
        cases = []
        if role == ANON or role not in access.roles:
            ids = matrix_world["outside"].get(role) or matrix_world["inside"].get(CITY)
            cases.append(("role", ids))
        else:
            if access.obj is not None:
                cases.append(("outside", matrix_world["outside"][role]))
            cases.append(("inside", matrix_world["inside"][role]))
        for case, ids in cases:
            if access.obj is not None and access.obj not in ids:
                continue  # the role has no such object on this side
            url = _url(path, access, ids, matrix_world)
            if url is None:
                continue
            body = access.body(ids) if callable(access.body) else access.body
            r = client.request(method.upper(), url, headers=headers, json=body)
            calls += 1
            status = r.status_code
            if status >= 500:
                wrong.append(f"{case} {method.upper()} {url}: {status} {r.text[:120]}")
            elif role == ANON:
                if not access.public and status != 401:
                    wrong.append(f"anonymous {method.upper()} {url}: {status}, expected 401")
            elif case == "role":
                if status not in (403, 404):
                    wrong.append(f"role {method.upper()} {url}: {status}, expected 403")
            elif case == "outside":
                if status < 300 or status not in (403, 404):
                    wrong.append(f"outside {method.upper()} {url}: {status}, expected 403/404")
            elif not (200 <= status < 300 or status in access.also.get(role, ())):
                wrong.append(f"inside {method.upper()} {url}: {status} {r.text[:160]}")
    assert calls >= 50
    assert wrong == [], "\n".join(wrong)
