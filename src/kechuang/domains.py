"""The domain packages and their optional modules, found in one place.

Each domain may have `models`, `api` (a `router`), `pages` (registers NiceGUI pages on import) and
`cli` (a typer `app`). A module that does not exist is skipped; one that exists but fails to import
raises, so a broken domain is never silently missing.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

DOMAINS = (
    "registry",
    "statistics",
    "zones",
    "points",
    "tiers",
    "commissioners",
    "programs",
    "plan",
)


def domain_modules(kind: str) -> list[tuple[str, ModuleType]]:
    """(domain, module) for every domain that has the module `kechuang.<domain>.<kind>`."""
    out = []
    for domain in DOMAINS:
        name = f"kechuang.{domain}.{kind}"
        if find_spec(f"kechuang.{domain}") is None or find_spec(name) is None:
            continue
        out.append((domain, import_module(name)))
    return out


def migration_locations() -> list[Path]:
    """Every `kechuang/<package>/migrations` folder: the Alembic version locations, sorted.

    Found through the installed package's own path, so a wheel install finds them as a checkout does.
    """
    package = Path(__file__).resolve().parent
    return sorted(p for p in package.glob("*/migrations") if p.is_dir())
