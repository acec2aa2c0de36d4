"""create_api() builds the FastAPI application (REST API only; the UI is mounted by the entry module)."""

from __future__ import annotations

from fastapi import FastAPI

from kechuang import __version__
from kechuang.core import api as core_api
from kechuang.core.web import install_error_handlers
from kechuang.domains import domain_modules


def create_api() -> FastAPI:
    """The REST API under /api/v1 with OpenAPI docs at /api/docs."""
    app = FastAPI(
        title="科创 kechuang API",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="城市科技创新规划管理平台接口。先用 POST /api/v1/auth/token 登录取得令牌。",
    )
    install_error_handlers(app)
    app.include_router(core_api.router)
    for _domain, module in domain_modules("api"):
        app.include_router(module.router)
    return app
