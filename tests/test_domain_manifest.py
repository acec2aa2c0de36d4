"""Adding a domain needs no edit outside its folder: a toy domain written into a temporary folder on
the kechuang package path registers its routes, pages, CLI group, import kind, role and audit
labels through its manifest alone."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import pytest
import typer
from typer.testing import CliRunner

TOY = {
    "__init__.py": '''
        """A toy domain used by the manifest test."""
        from kechuang.core.domain import Domain, ImportKind, NavItem, RoleSpec, Section

        DOMAIN = Domain(
            name="toydomain",
            label="玩具",
            requires=("registry",),
            router="kechuang.toydomain.api:router",
            pages=("kechuang.toydomain.pages",),
            nav=(NavItem("/toy", "玩具页", "toys", ("city_admin", "toy_role"), 99),),
            start_pages={"toy_role": "/toy"},
            cli="kechuang.toydomain.cli:app",
            roles=(RoleSpec("toy_role", "玩具角色", "none"),),
            import_kinds=(
                ImportKind("toys", "玩具清单", "kechuang.toydomain.service:template",
                           "kechuang.toydomain.service:run", ("city_admin",)),
            ),
            sections=(Section("enterprise_page", "kechuang.toydomain.pages:section", 99),),
            audit_labels={"toys": "玩具"},
        )
    ''',
    "api.py": """
        from fastapi import APIRouter

        from kechuang.core.web import CurrentPrincipal

        router = APIRouter(prefix="/api/v1/toys")


        @router.get("")
        def toys(principal: CurrentPrincipal) -> dict:
            return {"hello": principal.username}
    """,
    "pages.py": """
        from nicegui import ui


        @ui.page("/toy")
        def toy_page() -> None:
            ui.label("toy")


        async def section(principal, enterprise_id) -> None:
            ui.label("toy section")
    """,
    "cli.py": """
        import typer

        app = typer.Typer()


        @app.command()
        def hello(name: str = "x") -> None:
            print(f"toy says {name}")


        @app.command()
        def other() -> None:
            print("other")
    """,
    "service.py": """
        from dataclasses import dataclass, field


        @dataclass
        class Report:
            ok: bool = True
            dry_run: bool = False
            errors: list = field(default_factory=list)

            def message(self) -> str:
                return "玩具已导入"


        def template() -> bytes:
            return b"TOY"


        def run(session, principal, content, filename, dry_run):
            return Report(dry_run=dry_run)
    """,
}


class _Modules:
    """The platform's modules as they are now in sys.modules (the UI test harness may reload them)."""

    def __getattr__(self, name: str):
        target = {
            "kechuang": "kechuang",
            "domains": "kechuang.domains",
            "audit": "kechuang.core.audit",
            "domain": "kechuang.core.domain",
            "core_security": "kechuang.core.security",
        }[name]
        return importlib.import_module(target)


m = _Modules()


@pytest.fixture
def toy_domain(tmp_path, monkeypatch):
    """The toy domain on the package path; every registry restored afterwards."""
    kechuang, domains, audit, domain, core_security = (
        m.kechuang,
        m.domains,
        m.audit,
        m.domain,
        m.core_security,
    )
    folder = tmp_path / "toydomain"
    folder.mkdir()
    for name, text in TOY.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.setattr(kechuang, "__path__", [*kechuang.__path__, str(tmp_path)])
    importlib.invalidate_caches()  # the finders must see the folder just written
    snapshot = (
        list(domain.NAV),
        dict(domain.START_PAGES),
        dict(domain.IMPORT_KINDS),
        {k: list(v) for k, v in domain.SECTIONS.items()},
        dict(core_security.ROLES),
        dict(audit.ENTITY_LABELS),
        set(domains._installed),
    )
    domains.refresh()
    domains.install()
    yield
    domain.NAV[:] = snapshot[0]
    for target, saved in zip(
        (
            domain.START_PAGES,
            domain.IMPORT_KINDS,
            domain.SECTIONS,
            core_security.ROLES,
            audit.ENTITY_LABELS,
        ),
        snapshot[1:6],
        strict=True,
    ):
        target.clear()
        target.update(saved)
    domains._installed.clear()
    domains._installed.update(snapshot[6])
    for name in [m for m in sys.modules if m.startswith("kechuang.toydomain")]:
        del sys.modules[name]
    monkeypatch.undo()
    domains.refresh()


def test_toy_domain_is_discovered_in_dependency_order(toy_domain):
    names = [d.name for d in m.domains.domains()]
    assert "toydomain" in names
    assert names.index("registry") < names.index("toydomain")


def test_toy_domain_registers_role_labels_nav_start_page_and_section(toy_domain):
    assert m.core_security.ROLES["toy_role"].label == "玩具角色"
    assert m.core_security.ROLES["toy_role"].scope == "none"
    assert m.audit.ENTITY_LABELS["toys"] == "玩具"
    assert [n.label for n in m.domain.NAV if n.path == "/toy"] == ["玩具页"]
    assert m.domain.START_PAGES["toy_role"] == "/toy"
    assert [s.ref for s in m.domain.SECTIONS["enterprise_page"]][-1] == (
        "kechuang.toydomain.pages:section"
    )


def test_toy_domain_import_kind_reaches_cli_and_import_page(toy_domain, session, tmp_path):
    from kechuang.core.security import SYSTEM, Principal

    assert "toys" in [k.code for k in m.domains.import_kinds()]
    assert "toys" in [k.code for k in m.domain.import_kinds_for(SYSTEM)]
    zone_admin = Principal(1, "z", "zone_admin", zone_id=1)
    assert "toys" not in [k.code for k in m.domain.import_kinds_for(zone_admin)]
    file = tmp_path / "toys.xlsx"
    file.write_bytes(b"anything")
    from kechuang.cli import app

    result = CliRunner().invoke(app, ["import", "toys", str(file)])
    assert result.exit_code == 0, result.output
    assert "玩具已导入" in result.output
    out = tmp_path / "tpl.xlsx"
    assert CliRunner().invoke(app, ["template", "toys", str(out)]).exit_code == 0
    assert out.read_bytes() == b"TOY"


def test_toy_domain_cli_group(toy_domain):
    from kechuang.cli import add_groups

    cli = add_groups(typer.Typer())
    result = CliRunner().invoke(cli, ["toydomain", "hello", "--name", "星"])
    assert result.exit_code == 0, result.output
    assert "toy says 星" in result.output


def test_toy_domain_router_and_pages(toy_domain, world):
    from fastapi.testclient import TestClient
    from nicegui import app as nicegui_app
    from web import login

    from kechuang.app import create_api

    client = TestClient(create_api())
    response = client.get("/api/v1/toys", headers=login(client, "city"))
    assert response.status_code == 200 and response.json() == {"hello": "city"}
    assert client.get("/api/v1/toys").status_code == 401
    # the UI entry imports every module page_modules() names; importing the toy's registers /toy
    # (only that module is imported here: importing all page modules outside the UI harness would
    # keep them from registering again in the UI tests)
    assert "kechuang.toydomain.pages" in m.domains.page_modules()
    importlib.import_module("kechuang.toydomain.pages")
    assert "/toy" in {getattr(r, "path", None) for r in nicegui_app.routes}


def test_every_table_has_an_audit_label():
    from kechuang.models import metadata

    m.domains.install()
    assert set(metadata.tables) - set(m.audit.ENTITY_LABELS) == set()


@pytest.mark.parametrize("module", ["kechuang.app", "kechuang.cli", "kechuang.models"])
def test_every_entry_point_installs_every_domain(module):
    """Whatever entry imports the platform, every role and import kind is registered (not only
    those of the modules that happen to have been imported)."""
    import subprocess

    code = (
        f"import json, {module}; from kechuang.core.security import ROLES; "
        "from kechuang.core.domain import IMPORT_KINDS; from kechuang.core import audit; "
        "print(json.dumps([sorted(ROLES), sorted(IMPORT_KINDS), sorted(audit.ENTITY_LABELS)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    roles, kinds, labels = json.loads(out.stdout)
    assert {"city_admin", "zone_admin", "enterprise_user", "bank_viewer"} <= set(roles)
    assert {"enterprises", "enterprise_years", "zone_years", "enterprise_qualifications"} <= set(
        kinds
    )
    assert {"points_runs", "enterprise_qualifications", "zone_evaluation_runs", "users"} <= set(
        labels
    )
