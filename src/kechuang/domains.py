"""The assembler: finds every domain's manifest and installs it into the platform.

A domain is a subpackage of `kechuang` whose `__init__.py` defines `DOMAIN = Domain(...)`; nothing
else needs to name it. `install()` registers roles, audit labels, import kinds, navigation, start
pages and sections (idempotent); the entry points then take routers, page modules and CLI groups
from here. Domains are ordered so that each comes after the domains it requires.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path
from typing import Any

from kechuang.core import audit
from kechuang.core.db import add_migration_location
from kechuang.core.domain import IMPORT_KINDS as _IMPORT_KINDS
from kechuang.core.domain import START_PAGES as _START_PAGES
from kechuang.core.domain import (
    Domain,
    HelpTopic,
    ImportKind,
    add_help,
    add_import_kind,
    add_nav,
    add_section,
    resolve,
)
from kechuang.core.security import register_role

_domains: list[Domain] | None = None
_installed: set[str] = set()


def discover() -> list[Domain]:
    """Every domain manifest under the kechuang package, each after the domains it requires."""
    found: dict[str, Domain] = {}
    # the package as it is in sys.modules now (a test harness may have re-imported it)
    for info in pkgutil.iter_modules(import_module("kechuang").__path__):
        if not info.ispkg:
            continue
        module = import_module(f"kechuang.{info.name}")
        manifest = getattr(module, "DOMAIN", None)
        if isinstance(manifest, Domain):
            found[manifest.name] = manifest
    ordered: list[Domain] = []
    placed: set[str] = set()

    def place(d: Domain, trail: tuple[str, ...]) -> None:
        if d.name in placed:
            return
        if d.name in trail:
            raise RuntimeError(f"domain requirements form a cycle: {' -> '.join((*trail, d.name))}")
        for need in d.requires:
            if need not in found:
                raise RuntimeError(f"domain {d.name} requires unknown domain {need}")
            place(found[need], (*trail, d.name))
        placed.add(d.name)
        ordered.append(d)

    for d in sorted(found.values(), key=lambda d: d.name):
        place(d, ())
    return ordered


def domains() -> list[Domain]:
    """The installed domains, in dependency order (discovered once per process)."""
    global _domains
    if _domains is None:
        _domains = discover()
    return _domains


def refresh() -> list[Domain]:
    """Forget the discovered domains and find them again (tests that add a domain use this)."""
    global _domains
    _domains = None
    return domains()


def install() -> list[Domain]:
    """Register every domain's roles, labels, import kinds, navigation and sections; idempotent."""
    for d in domains():
        if d.name in _installed:
            continue
        for role in d.roles:
            register_role(role.code, role.label, role.scope)
        audit.ENTITY_LABELS.update(d.audit_labels)
        for kind in d.import_kinds:
            add_import_kind(kind)
        for item in d.nav:
            add_nav(item)
        _START_PAGES.update(d.start_pages)
        for section in d.sections:
            add_section(section)
        if d.help:
            folder = Path(import_module(d.module).__file__).parent
            topic = HelpTopic(d.name, d.help.label, folder / d.help.file, d.help.order)
            add_help(topic, d.pages)
        if d.migrations:
            folder = Path(import_module(d.module).__file__).parent / d.migrations
            if folder.is_dir():
                add_migration_location(folder)
        if d.setup:
            resolve(d.setup)()
        _installed.add(d.name)
    return domains()


def load_models() -> None:
    """Import every domain's models so that their tables join the metadata."""
    for d in install():
        if d.models:
            import_module(d.models)


def routers() -> list[Any]:
    """Every domain's API router."""
    return [resolve(d.router) for d in install() if d.router]


def page_modules() -> list[str]:
    """Every domain's page modules (importing one registers its pages)."""
    return [m for d in install() for m in d.pages]


def cli_groups() -> list[tuple[str, Any]]:
    """(command name, typer app) of every domain with a command group."""
    return [(d.cli_name or d.name, resolve(d.cli)) for d in install() if d.cli]


def import_kinds() -> list[ImportKind]:
    """Every import kind, in domain order."""
    install()
    return list(_IMPORT_KINDS.values())


def demo_seeders() -> list[tuple[str, Any]]:
    """(domain, seeding function) for every domain that adds demo data after the base load."""
    return [(d.name, resolve(d.demo)) for d in install() if d.demo]
