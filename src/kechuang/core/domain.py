"""Domain manifests: everything a domain adds to the platform, declared in one `Domain(...)` object.

A domain package (`kechuang.<name>`) declares `DOMAIN = Domain(...)` in its `__init__.py`. The
assembler (`kechuang.domains`) finds the manifests and installs them: roles, audit labels, import
kinds, navigation, start pages and page sections go into the registries below, which core and the
lower layers read without importing any domain; routers, page modules and CLI groups are imported
by the entry points. References to code are strings ("module:attribute") so that reading a manifest
imports neither the web UI nor the database models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from kechuang.core.security import Principal

# Roles that read enterprise and zone data; roles scoped to nothing (e.g. banks) get their own pages.
DATA_ROLES = ("city_admin", "zone_admin", "enterprise_user")
BUREAU_ROLES = ("city_admin", "zone_admin")


def resolve(ref: str) -> Any:
    """The object named by "package.module:attribute"."""
    module, _, attr = ref.partition(":")
    obj: Any = import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class NavItem:
    """A navigation entry; roles=None means every logged-in role."""

    path: str
    label: str
    icon: str
    roles: tuple[str, ...] | None = None
    order: int = 100


@dataclass(frozen=True)
class RoleSpec:
    """A role a domain introduces: code, Chinese label and its scope kind (all/zone/enterprise/none)."""

    code: str
    label: str
    scope: str


@dataclass(frozen=True)
class ImportKind:
    """A file a domain imports: who may import it, its template and its all-or-nothing import.

    `run(session, principal, content, filename, dry_run)` returns a report with `ok`,
    `message()`, `errors` (CellErrors) and `dry_run`.
    """

    code: str
    label: str
    template: str
    run: str
    roles: tuple[str, ...]

    def allowed(self, principal: Principal) -> bool:
        """True when the principal's role may import this kind."""
        return principal.role in self.roles

    def template_bytes(self) -> bytes:
        """An empty template with Chinese headers."""
        return resolve(self.template)()

    def run_import(
        self,
        session: Any,
        principal: Principal,
        content: bytes,
        filename: str,
        dry_run: bool,
        **options: Any,
    ) -> Any:
        """Run the import (the caller owns the transaction).

        `options` (e.g. ignore_columns, percent_as_fraction) reach the import function only
        when it accepts them, so kinds whose import takes none keep working.
        """
        import inspect

        run = resolve(self.run)
        params = inspect.signature(run).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        passed = {
            k: v
            for k, v in options.items()
            if v not in (None, False, (), []) and (takes_any or k in params)
        }
        return run(session, principal, content, filename, dry_run, **passed)


@dataclass(frozen=True)
class Section:
    """A block a domain adds to another layer's page or response (a hook point by name).

    Points in use: "enterprise_page" and "zone_page" (async renderers taking principal and id),
    "enterprise_detail" and "zone_detail" (functions (session, principal, id) -> dict merged into
    the API response), "zones_page" (renderer taking principal), "hnte_holders" (a function
    (session, years, enterprise_ids=None) -> DataFrame[enterprise_id, year, zone_id] giving the
    高新技术企业 of each year from the qualifications register: the tiers domain offers it, the
    zone evaluation counts with it).
    """

    point: str
    ref: str
    order: int = 100


@dataclass(frozen=True)
class Help:
    """A domain's 使用说明: its title in the help index and a Chinese markdown file in its package."""

    label: str
    file: str = "help.md"
    order: int = 100


@dataclass(frozen=True)
class HelpTopic:
    """An installed 使用说明: the domain's name (its address /help/<name>), title and text file."""

    name: str
    label: str
    path: Path
    order: int = 100

    def text(self) -> str:
        """The help text (markdown), read from the file each time so an edit shows at once."""
        return self.path.read_text(encoding="utf-8")

    def summary(self) -> str:
        """The text's first paragraph (what the module is for), shown in the help index."""
        for line in self.text().splitlines():
            if line.strip() and not line.lstrip().startswith(("#", "-", "|")):
                return line.strip()
        return ""


@dataclass(frozen=True)
class Domain:
    """One domain's manifest."""

    name: str
    label: str
    requires: tuple[str, ...] = ()
    models: str | None = None
    router: str | None = None
    pages: tuple[str, ...] = ()
    nav: tuple[NavItem, ...] = ()
    start_pages: Mapping[str, str] = field(default_factory=dict)
    cli: str | None = None
    cli_name: str | None = None
    roles: tuple[RoleSpec, ...] = ()
    import_kinds: tuple[ImportKind, ...] = ()
    sections: tuple[Section, ...] = ()
    audit_labels: Mapping[str, str] = field(default_factory=dict)
    demo: str | None = None
    help: Help | None = None
    setup: str | None = None
    migrations: str | None = "migrations"
    package: str = ""

    @property
    def module(self) -> str:
        """The domain's package name."""
        return self.package or f"kechuang.{self.name}"


# --- registries filled by the assembler ------------------------------------------------------

NAV: list[NavItem] = []
START_PAGES: dict[str, str] = {}
IMPORT_KINDS: dict[str, ImportKind] = {}
SECTIONS: dict[str, list[Section]] = {}
HELP: dict[str, HelpTopic] = {}
HELP_PAGE_MODULES: dict[str, str] = {}  # page module -> the help topic its pages link to


def add_nav(item: NavItem) -> None:
    """Add a navigation entry (kept sorted by order; a path appears once)."""
    if all(existing.path != item.path for existing in NAV):
        NAV.append(item)
        NAV.sort(key=lambda n: n.order)


def add_import_kind(kind: ImportKind) -> None:
    """Offer an import kind to the CLI, the API and the import page."""
    IMPORT_KINDS[kind.code] = kind


def import_kind(code: str) -> ImportKind | None:
    """The import kind with this code, or None."""
    return IMPORT_KINDS.get(code)


def import_kinds_for(principal: Principal) -> list[ImportKind]:
    """The import kinds the principal may use, in declaration order."""
    return [k for k in IMPORT_KINDS.values() if k.allowed(principal)]


def add_section(section: Section) -> None:
    """Register a section at its hook point."""
    items = SECTIONS.setdefault(section.point, [])
    if all(s.ref != section.ref for s in items):
        items.append(section)
        items.sort(key=lambda s: s.order)


def section_functions(point: str) -> list[Callable[..., Any]]:
    """The functions registered at a hook point, in order."""
    return [resolve(s.ref) for s in SECTIONS.get(point, [])]


def add_help(topic: HelpTopic, page_modules: tuple[str, ...] = ()) -> None:
    """Offer a domain's 使用说明 at /help/<name> and link it from the pages of its page modules."""
    HELP[topic.name] = topic
    for module in page_modules:
        HELP_PAGE_MODULES.setdefault(module, topic.name)


def help_topics() -> list[HelpTopic]:
    """Every installed 使用说明, in index order."""
    return sorted(HELP.values(), key=lambda t: (t.order, t.name))


def help_topic_for_module(module: str) -> HelpTopic | None:
    """The 使用说明 that the pages of a page module link to, or None."""
    name = HELP_PAGE_MODULES.get(module)
    return HELP.get(name) if name else None
