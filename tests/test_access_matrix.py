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

from dataclasses import dataclass, field

import pytest
from sheets import xlsx
from web import PASSWORD, login

from kechuang.accounts.service import create_user, principal_of
from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file

CITY, ZONE, ENT, BANK = "city_admin", "zone_admin", "enterprise_user", "bank_viewer"
ANON = "anonymous"
EVERYONE = frozenset({CITY, ZONE, ENT, BANK})
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
    body: object = None
    query: str = ""


V1 = "/api/v1"
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
    ("get", "/points/enterprises/{enterprise_id}/certificate"): Access(DATA, "enterprise"),
    # --- tiers
    ("get", "/tiers/packs"): Access(EVERYONE),
    ("get", "/tiers/enterprises/{enterprise_id}"): Access(DATA, "enterprise"),
    ("get", "/tiers/candidates"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/tiers/candidates.xlsx"): Access(BUREAU, "zone", query="zone_id"),
    ("get", "/tiers/pipeline"): Access(BUREAU),
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
}
# multipart uploads and the call that ends the caller's own token are decided above but not called
# here: their scope is tested where their bodies are built
NOT_CALLED = {
    ("post", "/auth/token"),
    ("post", "/auth/logout"),
    ("post", "/imports"),
    ("post", "/tiers/qualifications/import"),
    ("post", "/points/enterprises/{enterprise_id}/consent/authorisation"),
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


USERS = {CITY: "city", ZONE: "zone_yz", ENT: "ent_b", BANK: "bank_m"}


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
    # ids of objects that are not scoped (a zone's registry facts)
    public = {"zone": jd}
    return {"inside": inside, "outside": outside, "public": public, "run": run}


def _url(path: str, access: Access, ids: dict[str, int], world: dict) -> str | None:
    """The operation's URL with the object's id in place, or None when the role has no such object."""
    url = path.replace("{kind}", KIND.get(path, ""))
    url = url.replace("{run_id}", str(world["run"]))
    for name, obj in (
        ("{enterprise_id}", "enterprise"),
        ("{zone_id}", "zone"),
        ("{submission_id}", "submission"),
        ("{job_id}", "job"),
        ("{import_id}", "import"),
        ("{user_id}", "user"),
    ):
        if name in url:
            source = ids if obj == access.obj else world["public"]
            if obj not in source:
                return None
            url = url.replace(name, str(source[obj]))
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


ROLES = [ANON, CITY, ZONE, ENT, BANK]


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
        body = access.body
        cases = []
        if role == ANON or role not in access.roles:
            ids = matrix_world["outside"].get(role) or matrix_world["inside"].get(CITY)
            cases.append(("role", _url(path, access, ids, matrix_world)))
        else:
            inside = matrix_world["inside"][role]
            outside = matrix_world["outside"][role]
            if access.obj is not None:
                cases.append(("outside", _url(path, access, outside, matrix_world)))
            cases.append(("inside", _url(path, access, inside, matrix_world)))
        for case, url in cases:
            if url is None:
                continue
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
