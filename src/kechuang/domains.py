"""The domain packages and their optional modules, found in one place.

Each domain may have `models`, `api` (a `router`), `pages` (registers NiceGUI pages on import) and
`cli` (a typer `app`). A module that does not exist is skipped; one that exists but fails to import
raises, so a broken domain is never silently missing.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
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
