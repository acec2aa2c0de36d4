"""create_api() builds the FastAPI application (REST API only; the UI is mounted by the entry module)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from kechuang import __version__
from kechuang.accounts.schemas import HealthOut
from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.web import (
    AdmissionLimit,
    DbSession,
    SecurityHeaders,
    api_concurrency,
    install_error_handlers,
)
from kechuang.domains import install, routers

install()  # roles, labels and import kinds are there as soon as the app module is imported
platform_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@platform_router.get("/health", tags=["平台"], summary="健康检查", response_model=HealthOut)
def health(session: DbSession) -> dict[str, Any]:
    """Liveness and database reachability."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": session.bind.dialect.name}


def create_api() -> FastAPI:
    """The REST API under /api/v1 with OpenAPI docs at /api/docs, assembled from the domains."""
    install()
    app = FastAPI(
        title="科创 kechuang API",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="城市科技创新规划管理平台接口。先用 POST /api/v1/auth/token 登录取得令牌。",
    )
    install_error_handlers(app)
    app.add_middleware(AdmissionLimit, limit=api_concurrency())
    app.add_middleware(SecurityHeaders)  # the NiceGUI pages mounted on this app get them too
    app.include_router(platform_router)
    for router in routers():
        app.include_router(router)
    return app
