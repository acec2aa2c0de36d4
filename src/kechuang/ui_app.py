"""Registers every page and starts NiceGUI on the FastAPI app (or in test simulation)."""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI
from nicegui import ui

from kechuang.core.config import get_settings


def register_pages() -> None:
    """Import every domain's page modules; importing registers their routes."""
    from kechuang.domains import page_modules

    for name in (*page_modules(), "kechuang.core.help_pages"):
        import_module(name)


def session_cookie_options() -> dict:
    """The browser cookie: HttpOnly always, SameSite=Lax, Secure behind HTTPS, no longer than a session."""
    settings = get_settings()
    return {
        "max_age": settings.session_max_hours * 3600,
        "same_site": "lax",
        "https_only": settings.secure_cookies,
    }


def configure_ui(app: FastAPI | None = None, simulation: bool = False) -> None:
    """Mount the UI on the API app (production) or prepare NiceGUI's user simulation (tests)."""
    from kechuang.core.layout import reset_demo_label

    reset_demo_label()
    register_pages()
    secret = get_settings().secret_key
    if simulation:
        ui.run(
            storage_secret=secret,
            session_middleware_kwargs=session_cookie_options(),
            language="zh-CN",
            title="科创",
            show_welcome_message=False,
            reload=False,
        )
        return
    assert app is not None
    ui.run_with(
        app,
        title="科创",
        language="zh-CN",
        storage_secret=secret,
        session_middleware_kwargs=session_cookie_options(),
        show_welcome_message=False,
        favicon="🔬",
    )
