"""The 指南 taxonomy as data: a versioned tree domain → direction → topic, each node citing the plan.

The tree lives in `data/guide.yaml`; `load_guide()` validates it and reports every problem in
Chinese naming the node, so a malformed tree cannot ship.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

GUIDE_FILE = Path(__file__).parent / "data" / "guide.yaml"
LEVELS = ("领域", "方向", "课题")


class GuideError(ValueError):
    """The 指南 file is malformed (every problem listed, in Chinese)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Node:
    """One node of the tree: its code, name, level (0 领域, 1 方向, 2 课题) and plan section."""

    code: str
    name: str
    level: int
    section: str
    parent: str | None = None
    description: str = ""
    keywords: tuple[str, ...] = ()
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guide:
    """The whole tree, by code, with its version and the file's hash."""

    version: str
    title: str
    source: str
    nodes: dict[str, Node] = field(default_factory=dict)
    sha256: str = ""

    def domains(self) -> list[Node]:
        """The top-level nodes (领域) in file order."""
        return [n for n in self.nodes.values() if n.level == 0]

    def directions(self, domain: str | None = None) -> list[Node]:
        """The 方向 nodes, optionally of one domain."""
        return [
            n
            for n in self.nodes.values()
            if n.level == 1 and (domain is None or n.parent == domain)
        ]

    def domain_of(self, code: str) -> str | None:
        """The 领域 code a node belongs to (None for an unknown code)."""
        node = self.nodes.get(code)
        while node is not None and node.parent is not None:
            node = self.nodes.get(node.parent)
        return node.code if node else None

    def path(self, code: str) -> str:
        """“领域 / 方向 / 课题” names of a node."""
        names = []
        node = self.nodes.get(code)
        while node is not None:
            names.append(node.name)
            node = self.nodes.get(node.parent) if node.parent else None
        return " / ".join(reversed(names))

    def check_directions(self, codes: list[str]) -> None:
        """Raise GuideError when a code is not a 方向 or 课题 of this guide."""
        bad = [c for c in codes if c not in self.nodes or self.nodes[c].level == 0]
        if bad:
            raise GuideError([f"指南方向“{c}”不存在（指南版本 {self.version}）" for c in bad])


_CHILD_KEYS = ("directions", "topics")


def parse_guide(raw: Any, digest: str = "") -> Guide:
    """Validate a guide dict (from YAML) into a Guide; every problem is reported at once."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise GuideError(["指南文件的顶层应为映射"])
    for key in ("version", "title", "source", "domains"):
        if not raw.get(key):
            problems.append(f"指南文件缺少字段“{key}”")
    nodes: dict[str, Node] = {}

    def walk(items: Any, level: int, parent: str | None) -> tuple[str, ...]:
        where = f"“{parent}”下的{LEVELS[level]}" if parent else LEVELS[level]
        if not isinstance(items, list) or not items:
            problems.append(f"{where}应为非空列表")
            return ()
        codes = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                problems.append(f"{where}第{i}项应为映射")
                continue
            code = str(item.get("code") or "")
            label = code or f"{where}第{i}项"
            for key in ("code", "name", "section"):
                if not item.get(key):
                    problems.append(
                        f"{LEVELS[level]}“{label}”缺少字段“{key}”（每个节点须注明规划条目）"
                    )
            if code in nodes:
                problems.append(f"节点编码“{code}”重复")
                continue
            kids: tuple[str, ...] = ()
            if level < 2:
                kids = walk(item.get(_CHILD_KEYS[level]), level + 1, code or label)
            keywords = item.get("keywords") or []
            if level == 2 and not keywords:
                problems.append(f"课题“{label}”缺少关键词")
            nodes[code] = Node(
                code=code,
                name=str(item.get("name") or ""),
                level=level,
                section=str(item.get("section") or ""),
                parent=parent,
                description=str(item.get("description") or ""),
                keywords=tuple(str(k) for k in keywords),
                children=kids,
            )
            codes.append(code)
        return tuple(codes)

    if raw.get("domains"):
        walk(raw["domains"], 0, None)
    if problems:
        raise GuideError(problems)
    return Guide(
        version=str(raw["version"]),
        title=str(raw["title"]),
        source=str(raw["source"]),
        nodes=nodes,
        sha256=digest,
    )


def read_guide(path: Path) -> Guide:
    """Parse a guide file."""
    data = path.read_bytes()
    return parse_guide(yaml.safe_load(data), hashlib.sha256(data).hexdigest())


@cache
def load_guide() -> Guide:
    """The shipped 指南 (cached)."""
    return read_guide(GUIDE_FILE)
