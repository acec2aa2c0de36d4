"""Imports run one way: engines import nothing from kechuang; core nothing outside core; each domain
only core, the engines, itself and the domains its manifest requires. Entry points may import all.

The check reads every module's source (imports inside functions count too), so a lazy import that
runs the wrong way fails here as surely as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kechuang
from kechuang.domains import discover

PACKAGE = Path(kechuang.__file__).parent
ENTRY_POINTS = {
    "app",
    "cli",
    "main",
    "ui_app",
    "models",
    "domains",
    "demo",
    "migration_env",
    "__init__",
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level kechuang subpackage) of every kechuang import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "kechuang":
                names = [f"kechuang.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "kechuang" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def _allowed() -> dict[str, set[str]]:
    rules = {"core": {"core"}, "engines": {"engines"}}
    for d in discover():
        rules[d.name] = {"core", "engines", d.name, *d.requires}
    return rules


def violations(package_dir: Path = PACKAGE) -> list[str]:
    """Every import that runs the wrong way, as 'file:line imports X'."""
    rules = _allowed()
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir)
        top = rel.parts[0].removesuffix(".py")
        if top in ENTRY_POINTS or top not in rules:
            continue
        for line, target in _imports(path):
            if target not in rules[top]:
                out.append(f"{rel}:{line} imports kechuang.{target}")
    return out


def test_imports_run_one_way():
    assert violations() == []


def test_every_package_is_an_entry_point_an_engine_core_or_a_domain():
    rules = _allowed()
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    placeholders: set[str] = set()  # packages not yet built (none now)
    assert packages - set(rules) - ENTRY_POINTS - placeholders == set()
    for name in placeholders & packages:
        assert not [p for p in (PACKAGE / name).glob("*.py") if p.name != "__init__.py"], name


def test_domain_requirements_follow_the_layers():
    order = [d.name for d in discover()]
    assert order.index("registry") < order.index("statistics")
    for d in discover():
        for need in d.requires:
            assert order.index(need) < order.index(d.name), (d.name, need)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("core/bad.py", "from kechuang.registry.models import Zone\n", "kechuang.registry"),
        ("engines/bad.py", "def f():\n    import kechuang.core.db\n", "kechuang.core"),
        ("registry/bad.py", "from kechuang.statistics import service\n", "kechuang.statistics"),
        ("zones/bad.py", "from kechuang import cli\n", "kechuang.cli"),
    ],
)
def test_a_wrong_way_import_is_caught(tmp_path, where, source, expected):
    for pkg in ("core", "engines", "registry", "statistics", "zones"):
        (tmp_path / pkg).mkdir()
    (tmp_path / where).write_text(source, encoding="utf-8")
    found = violations(tmp_path)
    assert len(found) == 1 and found[0].endswith(expected), found
