"""The one error model and response layer: the same Chinese error body everywhere, declared in
OpenAPI; a response schema on every /api/v1 route; downloads with correct Chinese file names."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from factories import make_principal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sheets import xlsx
from web import login

from kechuang.core.errors import (
    ErrorBody,
    NotFound,
    UserError,
    register_error,
    status_of,
    validation_items,
)
from kechuang.core.responses import XLSX, content_disposition, media_type_for
from kechuang.core.scope import ScopeError
from kechuang.core.web import install_error_handlers
from kechuang.points.models import BANK_ROLE
from kechuang.points.scope import PointsForbidden
from kechuang.points.service import PointsError

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"Field required|Input should|String should|value is not|Traceback")
ACCOUNTS_PENDING: set[str] = set()  # every route declares its schema now
FILE_TYPES = {
    XLSX,
    media_type_for("a.docx"),
    media_type_for("a.pdf"),
    "image/jpeg",
    "image/png",
    "image/webp",
}


def assert_error_body(r, status: int) -> dict:
    """The response is the one error body: a Chinese `detail` and, when present, Chinese items."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) <= {"detail", "errors"}, body
    ErrorBody.model_validate(body)
    assert CJK.search(body["detail"]) and not ENGLISH.search(body["detail"]), body
    for item in body.get("errors", []):
        assert CJK.search(item["message"]) and not ENGLISH.search(item["message"]), item
    return body


def test_representative_errors_share_one_shape(client, world, session):
    make_principal(session, BANK_ROLE, username="bank1")
    session.flush()
    zone, city, bank = login(client, "zone_yz"), login(client, "city"), login(client, "bank1")
    b = world["b"]
    # 404: a row outside the caller's scope looks like a row that does not exist
    body = assert_error_body(client.get(f"/api/v1/enterprises/{b.id}", headers=zone), 404)
    assert body == {"detail": "企业不存在或无权查看"}
    assert_error_body(client.get(f"/api/v1/tiers/enterprises/{b.id}", headers=zone), 404)
    assert_error_body(client.get("/api/v1/zones/999999", headers=zone), 404)
    assert_error_body(client.get("/api/v1/templates/nope", headers=zone), 404)
    assert_error_body(client.get("/api/v1/points/exports/nope", headers=city), 404)
    # 403: a role that may not use the function (domain error and route dependency alike)
    body = assert_error_body(client.get("/api/v1/points/top", headers=bank), 403)
    assert body["detail"] == "仅市科技局与高新区管理员可以访问"
    assert_error_body(client.post("/api/v1/points/runs", json={}, headers=zone), 403)
    # 422: bad parameters, each named, in Chinese
    body = assert_error_body(client.get("/api/v1/enterprises?page=0", headers=zone), 422)
    assert body["errors"] == [{"field": "page", "message": "参数“page”应大于或等于 1"}]
    body = assert_error_body(client.get("/api/v1/tiers/candidates", headers=zone), 422)
    assert body["detail"] == "缺少必填参数“family”"
    body = assert_error_body(
        client.post(
            "/api/v1/tiers/self-assessment",
            json={"year": "x", "figures": {"2024": {"employees": "many"}}},
            headers=zone,
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"year", "figures.2024.employees"}
    # 400: a file that cannot be used at all (the tiers import answers at once)
    r = client.post(
        "/api/v1/tiers/qualifications/import",
        headers=zone,
        files={"file": ("x.xlsx", b"not excel")},
    )
    body = assert_error_body(r, 400)
    assert "不是有效的 Excel 文件" in body["detail"] and body["errors"][0]["row"] == 0
    # imports are jobs: 202, and the job ends rejected with every bad cell in its result
    for content, row, reason in (
        (b"not excel", 0, "不是有效的 Excel 文件"),
        (
            xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[world["a"].uscc, 2025, -1]]),
            2,
            "不能为负数",
        ),
    ):
        r = client.post(
            "/api/v1/imports",
            headers=zone,
            data={"kind": "enterprise_years"},
            files={"file": ("x.xlsx", content)},
        )
        assert r.status_code == 202 and r.headers["location"] == f"/api/v1/jobs/{r.json()['id']}"
        job = client.get(r.headers["location"], headers=zone).json()
        assert job["state"] == "rejected", job
        cell = job["result"]["errors"][-1]
        assert cell["row"] == row and reason in cell["reason"]
    # 400: bad input to a service; 401: no token; 404: no route
    assert_error_body(client.get("/api/v1/points/top?stage=nope", headers=zone), 400)
    assert_error_body(client.get("/api/v1/enterprises"), 401)
    assert_error_body(client.get("/api/v1/nowhere", headers=zone), 404)


class EngineError(ValueError):
    """A plain exception of code that may not import kechuang (like the engines)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def test_registered_plain_exceptions_and_user_errors_use_the_one_handler():
    app = FastAPI()
    install_error_handlers(app)
    register_error(EngineError, 422)  # after install, as a domain's router registers on import

    @app.get("/engine")
    def engine() -> None:
        raise EngineError(["权重必须为正数", "指标“x”没有父节点"])

    @app.get("/scope")
    def scope() -> None:
        raise ScopeError("企业不存在或无权查看")

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("oops")

    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_error_body(c.get("/engine"), 422)
        assert body["detail"] == "权重必须为正数；指标“x”没有父节点" and len(body["errors"]) == 2
        assert_error_body(c.get("/scope"), 404)
        body = assert_error_body(c.get("/bug"), 500)
        assert "oops" not in body["detail"]


def test_statuses_of_the_error_classes():
    assert status_of(ScopeError("x")) == 404 and isinstance(ScopeError("x"), NotFound)
    assert status_of(PointsForbidden("x")) == 403 and isinstance(
        PointsForbidden("x"), PermissionError
    )
    assert status_of(PointsError("x")) == 400 and isinstance(PointsError("x"), ValueError)
    assert status_of(KeyError("x")) == 500
    err = UserError(errors=[{"field": "year", "message": "参数“year”应为整数"}])
    assert err.message == "请求有误" and err.errors[0].field == "year"


def test_validation_messages_are_chinese_and_merged_per_field():
    class Body(BaseModel):
        year: int
        page: int
        figures: dict[int, float | bool | None]

    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        Body.model_validate({"page": "x", "figures": {"2024": "many"}})
    items = {i.field: i.message for i in validation_items(info.value.errors())}
    assert items == {
        "year": "缺少必填参数“year”",
        "page": "参数“page”应为整数",
        "figures.2024": "参数“figures.2024”应为数字，或应为布尔值（true 或 false）",
    }


def test_every_v1_route_declares_its_response_and_errors(client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    missing = []
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/v1/") or path in ACCOUNTS_PENDING:
            continue
        for method, op in ops.items():
            name = f"{method.upper()} {path}"
            code = next(c for c in op["responses"] if c.startswith("2"))
            content = op["responses"][code].get("content", {})
            files = set(content) & FILE_TYPES
            if files:  # a download declares its media types, and nothing else
                assert set(content) == files, name
                continue
            schema = content.get("application/json", {}).get("schema", {})
            options = schema.get("anyOf") or [schema]  # a union lists each model
            refs = [o.get("$ref") or o.get("items", {}).get("$ref") for o in options]
            if not refs or any(
                r is None or not schemas[r.rsplit("/", 1)[1]].get("properties") for r in refs
            ):
                missing.append(name)
            for status in ("400", "401", "403", "404", "422"):
                err = op["responses"].get(status, {}).get("content", {}).get("application/json", {})
                assert err.get("schema", {}).get("$ref", "").endswith("/ErrorBody"), (name, status)
    assert not missing, f"routes without a response schema: {missing}"


def test_downloads_have_one_correct_content_disposition(client, world):
    h = login(client, "city")
    r = client.get("/api/v1/templates/enterprise_years", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    cd = r.headers["content-disposition"]
    assert cd.startswith('attachment; filename="') and "filename*=UTF-8''" in cd
    assert unquote(cd.split("filename*=UTF-8''")[1]) == "企业年度统计模板.xlsx"
    assert (
        content_disposition("甲/乙 公司_2024 积分证明.docx")
        == "attachment; filename=\"2024.docx\"; filename*=UTF-8''"
        "%E7%94%B2_%E4%B9%99%20%E5%85%AC%E5%8F%B8_2024%20%E7%A7%AF%E5%88%86%E8%AF%81%E6%98%8E.docx"
    )
    assert content_disposition("报告.xlsx").startswith('attachment; filename="download.xlsx"')
    assert media_type_for("x.PDF") == "application/pdf"


# Latin letters an API error may carry: a field's name in “…” and, after 应匹配/以下之一, the codes the
# client must send (they are the API's values); every other word is Chinese
_API_NAMES = re.compile(r"“[^”]*”|（应匹配 [^）]*）|以下之一：.*$")


def _latin_words(text: str) -> list[str]:
    # JSON is the name of the body's format, as CSV or Excel are of files
    return [w for w in re.findall(r"[A-Za-z]{2,}", _API_NAMES.sub("", text)) if w != "JSON"]


def test_missing_fields_and_wrong_types_are_answered_only_in_chinese(client, world):
    city = login(client, "city")
    cases = [
        # a missing required field (pydantic: "Field required")
        client.post("/api/v1/plan/tasks", json={"title": "巡检"}, headers=city),
        # wrong types (pydantic: "Input should be a valid integer / date")
        client.post(
            "/api/v1/plan/tasks",
            json={"action_id": "第一", "title": "巡检", "lead_unit": "管委会", "due_on": "明年"},
            headers=city,
        ),
        client.get("/api/v1/enterprises?page=abc", headers=city),
        # a body that is not JSON, and a value outside the allowed codes
        client.post(
            "/api/v1/plan/tasks",
            content=b"{not json",
            headers={**city, "content-type": "application/json"},
        ),
        client.post("/api/v1/plan/tasks/1/state", json={"state": "finished"}, headers=city),
    ]
    for r in cases:
        body = assert_error_body(r, 422)
        texts = [body["detail"], *(e["message"] for e in body.get("errors", []))]
        assert [t for t in texts if _latin_words(t)] == [], body
    missing = cases[0].json()["errors"]
    assert {e["field"] for e in missing} == {"action_id", "lead_unit", "due_on"}
    assert {e["message"] for e in missing} == {
        "缺少必填参数“action_id”",
        "缺少必填参数“lead_unit”",
        "缺少必填参数“due_on”",
    }
    wrong = {e["field"]: e["message"] for e in cases[1].json()["errors"]}
    assert wrong == {
        "action_id": "参数“action_id”应为整数",
        "due_on": "参数“due_on”应为日期（如 2024-01-31）",
    }


def test_the_latin_word_check_catches_pydantic_english():
    assert _latin_words("参数“due_on”Field required") == ["Field", "required"]
    assert _latin_words("Input should be a valid integer") != []
    assert _latin_words("参数“state”格式不符合要求（应匹配 ^(planned|done)$）") == []
    assert _latin_words("缺少必填参数“action_id”") == []
