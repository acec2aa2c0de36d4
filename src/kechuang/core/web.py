"""FastAPI plumbing shared by every router: the principal dependency and JSON errors in Chinese."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Annotated
from weakref import WeakSet

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kechuang.core import errors
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.security import Principal, SecurityError, principal_source

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ bounded integers of the API
# Every integer a client sends is bounded in the schema, so a value the database cannot hold (ids
# are 32-bit columns, offsets 64-bit) is a 422 in Chinese, never an overflow deep in a driver.
# tests/test_api_contract.py fails when a route declares an unbounded integer parameter.
ID_MIN, ID_MAX = 1, 2**31 - 1
YEAR_MIN, YEAR_MAX = 1990, 2100
PAGE_MAX = 100_000

Id = Annotated[int, Path(ge=ID_MIN, le=ID_MAX, description="编号（正整数）")]
"""An object id in the path."""
IdQuery = Annotated[int | None, Query(ge=ID_MIN, le=ID_MAX, description="编号（正整数）")]
"""An optional object id in the query (a filter)."""
Year = Annotated[int, Query(ge=YEAR_MIN, le=YEAR_MAX, description="年度（1990–2100）")]
"""A required year in the query."""
YearQuery = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX, description="年度（1990–2100）")]
"""An optional year in the query."""
YearItem = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
"""A year as an element of a list or a body field."""
Years = Annotated[list[YearItem] | None, Query(description="年度（1990–2100），可重复")]
"""Several years in the query (?years=2023&years=2024)."""
Page = Annotated[int, Query(ge=1, le=PAGE_MAX, description="页码（从 1 开始）")]
"""A page number."""
IdField = Annotated[int, Field(ge=ID_MIN, le=ID_MAX)]
"""An object id in a request body."""


_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token 取得的令牌")


def db_session() -> Iterator[Session]:
    """One session and transaction per request."""
    with session_scope() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


# What a user whose password was reset may still call: who am I, and change the password.
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"})


def current_principal(
    request: Request,
    session: DbSession,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal behind the bearer token; 401 when there is none or it has expired."""
    if creds is None or not creds.credentials:
        raise HTTPException(
            401,
            "未登录：请先通过 /api/v1/auth/token 获取令牌",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = principal_source().by_token(session, creds.credentials)
    if principal is None:
        raise HTTPException(
            401, "令牌无效或已过期，请重新登录", headers={"WWW-Authenticate": "Bearer"}
        )
    bind_principal(session, principal)
    request.state.principal = principal  # the error handler audits denied requests by it
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise HTTPException(403, "密码已被重置，请先修改密码（POST /api/v1/me/password）")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request | None) -> str:
    """The caller's address: the peer's, or, when the peer is a trusted reverse proxy
    (KECHUANG_TRUSTED_PROXIES), the right-most X-Forwarded-For entry that is not a trusted proxy
    (left-most entries are the client's own claim and could be forged)."""
    if request is None or request.client is None:
        return ""
    from kechuang.core.config import get_settings

    peer = request.client.host
    trusted = {a.strip() for a in get_settings().trusted_proxies.split(",") if a.strip()}
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def require_city_admin(principal: CurrentPrincipal) -> Principal:
    """Only the bureau's administrators pass."""
    if not principal.is_city_admin:
        from kechuang.core.scope import RoleError

        raise RoleError("仅市科技局管理员可以访问")
    return principal


CityAdmin = Annotated[Principal, Depends(require_city_admin)]


def require_data_reader(principal: CurrentPrincipal) -> Principal:
    """Roles that read enterprise and zone data (the bureau, zone admins, enterprise users) pass;
    roles scoped to nothing here (banks, and roles of other domains) get 403."""
    if principal.scope not in ("all", "zone", "enterprise"):
        from kechuang.core.scope import RoleError

        raise RoleError("无权查看企业与高新区数据")
    return principal


DataReader = Annotated[Principal, Depends(require_data_reader)]


def require_bureau(principal: CurrentPrincipal) -> Principal:
    """The bureau and zone administrators pass: lists, rankings and candidate pools are theirs."""
    if principal.scope not in ("all", "zone"):
        from kechuang.core.scope import RoleError

        raise RoleError("仅市科技局与高新区管理员可以访问")
    return principal


BureauReader = Annotated[Principal, Depends(require_bureau)]

STATUS_MESSAGES = {
    400: "请求有误",
    401: "未登录",
    403: "无权访问",
    404: "资源不存在",
    405: "不支持的请求方法",
    413: "文件过大",
    422: "参数有误",
}
_APPS: WeakSet[FastAPI] = WeakSet()


async def _user_error(request: Request, exc: Exception) -> JSONResponse:
    """The one handler for UserError and the registered plain exceptions (engines, security)."""
    from kechuang.core.scope import RoleError, ScopeError

    if isinstance(exc, (ScopeError, RoleError)):
        # only refusals of a known route for a known caller: unknown routes are not audited
        await run_in_threadpool(_audit_denied, request, exc)
    return JSONResponse(errors.error_body(exc), status_code=errors.status_of(exc))


def _audit_denied(request: Request, exc: Exception) -> None:
    """Record a refused request in its own transaction (the request's own was rolled back)."""
    from kechuang.core import audit

    principal = getattr(request.state, "principal", None)
    try:
        with session_scope() as session:
            if principal is not None:
                bind_principal(session, principal)
            audit.record(
                session,
                "denied",
                "requests",
                errors.status_of(exc),
                f"{request.method} {request.url.path}：{errors.error_body(exc)['detail']}",
            )
    except Exception:  # the refusal must reach the caller even if the audit write fails
        log.exception("could not audit a denied request")


# Content-Security-Policy for the API and the NiceGUI pages: nothing from other origins. NiceGUI
# (Vue templates compiled in the browser, inline styles and scripts) needs 'unsafe-inline' and
# 'unsafe-eval'; the websocket is same-origin.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in present
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class AdmissionLimit:
    """Pure ASGI middleware letting at most `limit` API requests run at once; the others wait
    their turn in the event loop, holding neither a thread nor a database connection.

    Why: FastAPI runs a request's sync dependencies (its session, its principal) and its endpoint
    as separate thread-pool calls. Under load a request that already holds a pooled connection
    waits for a thread while every thread waits for a connection: a deadlock that only the pool
    timeout (30 s) breaks, failing every request. An admitted request needs at most two
    connections (its own and the audit of a refusal), so a limit of half the pool keeps the pool
    from running dry. The slot is given back when the response's last byte is sent, before any
    background task (an import job) runs on."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = max(1, int(limit))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # one per event loop: test clients start a loop each
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self._loop, self._slots = loop, asyncio.Semaphore(self.limit)
        return self._slots

    async def __call__(self, scope, receive, send) -> None:
        """Wait for a slot (API requests only), pass the request on, free the slot when sent."""
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        await slots.acquire()
        held = [True]

        def free() -> None:
            if held:
                held.clear()
                slots.release()

        async def sending(message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                free()

        try:
            await self.app(scope, receive, sending)
        finally:
            free()


def api_concurrency() -> int:
    """How many API requests a process runs at once (KECHUANG_API_CONCURRENCY, else half its
    connection pool)."""
    from kechuang.core.config import get_settings

    s = get_settings()
    return s.api_concurrency or max(1, (s.db_pool_size + s.db_max_overflow) // 2)


def _install_registered(cls: type[BaseException]) -> None:
    for app in list(_APPS):
        app.add_exception_handler(cls, _user_error)


errors.on_register(_install_registered)


def install_error_handlers(app: FastAPI) -> None:
    """Every error becomes the one JSON body {"detail": 中文, "errors": [...]}; never a stack trace.

    UserError and the classes registered with `errors.register_error` (also those registered after
    this call, e.g. when a domain's router is imported) share one handler; HTTP errors and request
    validation errors get the same body.
    """
    errors.register_error(SecurityError, 400)  # core.security keeps its own ValueError subclass
    _APPS.add(app)
    app.add_exception_handler(errors.UserError, _user_error)
    for cls in errors.registered_errors():
        app.add_exception_handler(cls, _user_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if not isinstance(detail, str) or not any("\u4e00" <= ch <= "\u9fff" for ch in detail):
            detail = STATUS_MESSAGES.get(exc.status_code, "请求失败")
        return JSONResponse(
            errors.body(detail),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        items = errors.validation_items(exc.errors())
        text = "；".join(i.message for i in items) or "参数有误"
        return JSONResponse(errors.body(text, items), status_code=422)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        known = errors.database_error(exc)
        if known is None:
            return await unexpected(request, exc)
        log.warning("database error answered as %s: %s", known.status, exc.orig)
        headers = {"Retry-After": "1"} if isinstance(known, errors.Busy) else None
        return JSONResponse(errors.error_body(known), status_code=known.status, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            errors.body("服务器内部错误，请联系管理员（详情已记录在服务器日志）"), status_code=500
        )
