"""The index framework as data: a tree of indicators and aggregates, loaded and validated.

Item fields follow COINr's iMeta (Level, iCode, Parent, Direction, Weight, Unit, Target,
Denominator; bluefoxr/COINr `vignettes/coins.Rmd`) plus Chinese/English names, goalposts, and
what the bureau's methodologies need: source (a code of kechuang's sources registry), article and
confidence (the methodology layer's five-word confirmation vocabulary).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import FrameworkError

# How well an item's source is confirmed: the one vocabulary of kechuang.core.methodology (已确认 /
# 单一来源 / 未确认 / 重构 / 暂行); this library imports nothing from kechuang, a test keeps them equal.
CONFIDENCE_VALUES = ("confirmed", "single_source", "unconfirmed", "reconstructed", "provisional")

_ITEM_KEYS = {
    "code",
    "name_zh",
    "name_en",
    "level",
    "parent",
    "direction",
    "weight",
    "unit",
    "denominator",
    "target",
    "goalposts",
    "source",
    "article",
    "confidence",
    "note",
}


@dataclass(frozen=True)
class Node:
    """One indicator (level 1) or aggregate (level ≥ 2) of the framework."""

    code: str
    level: int
    parent: str | None
    name_zh: str | None = None
    name_en: str | None = None
    direction: int = 1
    weight: float = 1.0
    unit: str | None = None
    denominator: str | None = None
    target: float | None = None
    goalposts: tuple[float, ...] | None = None
    source: str | None = None  # a sources-registry code (or a citation) …
    article: str | None = None  # … and the article within it
    confidence: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """Display name: Chinese first, then English, then the code."""
        return self.name_zh or self.name_en or self.code


@dataclass(frozen=True)
class Framework:
    """A validated framework: nodes in file order, with tree look-ups."""

    nodes: dict[str, Node]
    name: str | None = None
    version: str | None = None
    source: str | None = None
    level_names: dict[int, str] = field(default_factory=dict)
    denominators: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def indicators(self) -> list[str]:
        """Codes of the level-1 indicators, in file order."""
        return [c for c, n in self.nodes.items() if n.level == 1]

    @property
    def max_level(self) -> int:
        """The level of the root (the index)."""
        return max(n.level for n in self.nodes.values())

    @property
    def root(self) -> str:
        """Code of the single top node (the index)."""
        return next(c for c, n in self.nodes.items() if n.parent is None)

    def aggregates(self, level: int | None = None) -> list[str]:
        """Codes of the aggregates (level ≥ 2), optionally of one level, in file order."""
        return [
            c for c, n in self.nodes.items() if n.level >= 2 and (level is None or n.level == level)
        ]

    def children(self, code: str) -> list[str]:
        """Direct children of an aggregate, in file order."""
        return [c for c, n in self.nodes.items() if n.parent == code]

    def codes_at(self, level: int) -> list[str]:
        """All node codes at one level."""
        return [c for c, n in self.nodes.items() if n.level == level]

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... up to the root."""
        out = []
        p = self.nodes[code].parent
        while p is not None:
            out.append(p)
            p = self.nodes[p].parent
        return out

    def descendants(self, code: str, level: int = 1) -> list[str]:
        """Descendants of a node at a given level (the node itself if it is at that level)."""
        if self.nodes[code].level == level:
            return [code]
        out: list[str] = []
        for c in self.children(code):
            out.extend(self.descendants(c, level))
        return out

    def weights(self) -> dict[str, float]:
        """Nominal weight of every node."""
        return {c: n.weight for c, n in self.nodes.items()}

    def with_weights(self, weights: dict[str, float]) -> Framework:
        """A copy with some weights replaced; the result is validated again."""
        unknown = [c for c in weights if c not in self.nodes]
        if unknown:
            raise FrameworkError([f"权重覆盖：框架中没有项目 '{c}'" for c in unknown])
        nodes = {
            c: (replace(n, weight=float(weights[c])) if c in weights else n)
            for c, n in self.nodes.items()
        }
        fw = replace(self, nodes=nodes)
        validate_framework(fw)
        return fw

    def without(self, codes: Iterable[str]) -> Framework:
        """A copy with nodes (and their subtrees) removed; emptied parents are removed too."""
        drop: set[str] = set()
        for c in codes:
            drop.add(c)
            for lvl in range(1, self.nodes[c].level):
                drop.update(self.descendants(c, lvl))
        changed = True
        while changed:
            changed = False
            for c, n in self.nodes.items():
                if c not in drop and n.level >= 2 and all(k in drop for k in self.children(c)):
                    drop.add(c)
                    changed = True
        if self.root in drop:
            raise FrameworkError("删除后框架为空")
        return replace(self, nodes={c: n for c, n in self.nodes.items() if c not in drop})

    def effective_weights(self) -> dict[str, float]:
        """Share of each node in the root when all data is present (COINr get_eff_weights)."""
        out: dict[str, float] = {self.root: 1.0}
        for level in range(self.max_level, 1, -1):
            for p in self.codes_at(level):
                kids = self.children(p)
                total = sum(self.nodes[k].weight for k in kids)
                for k in kids:
                    out[k] = out[p] * self.nodes[k].weight / total
        return {c: out[c] for c in self.nodes}

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the YAML schema), used to record a run's full specification."""
        items = []
        for n in self.nodes.values():
            d = {k: v for k, v in asdict(n).items() if v is not None}
            if n.goalposts is not None:
                d["goalposts"] = list(n.goalposts)
            items.append(d)
        out: dict[str, Any] = {"items": items}
        for key in ("name", "version", "source"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.level_names:
            out["levels"] = {int(k): v for k, v in self.level_names.items()}
        if self.denominators:
            out["denominators"] = [dict(v, code=k) for k, v in self.denominators.items()]
        return out


def _num(value: Any, code: str, name: str, errors: list[str]) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        errors.append(f"框架项 '{code}'：{name} 必须是数字，实际为 {value!r}")
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        errors.append(f"框架项 '{code}'：{name} 必须是数字，实际为 {value!r}")
        return None
    if math.isnan(out):
        return None
    return out


def framework_from_dict(data: dict[str, Any]) -> Framework:
    """Build and validate a framework from its plain-data (YAML) form."""
    if not isinstance(data, dict):
        raise FrameworkError("框架文件的顶层必须是映射（包含 items 列表）")
    items = data.get("items", data.get("nodes"))
    if not isinstance(items, list) or not items:
        raise FrameworkError("框架文件缺少 items 列表，或列表为空")
    errors: list[str] = []
    raw: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(f"框架第 {i} 项：必须是映射，实际为 {item!r}")
            continue
        code = item.get("code")
        if code is None or str(code).strip() == "":
            errors.append(f"框架第 {i} 项：缺少代码 code")
            continue
        code = str(code).strip()
        if code in raw:
            errors.append(f"框架项 '{code}'：代码重复")
            continue
        unknown = sorted(set(item) - _ITEM_KEYS)
        if unknown:
            errors.append(f"框架项 '{code}'：未知字段 {', '.join(unknown)}")
        raw[code] = item
    nodes: dict[str, Node] = {}
    for code, item in raw.items():
        parent = item.get("parent")
        parent = None if parent is None or str(parent).strip() == "" else str(parent).strip()
        direction = item.get("direction", 1)
        if direction in (1, -1, 1.0, -1.0) and not isinstance(direction, bool):
            direction = int(direction)
        else:
            errors.append(f"框架项 '{code}'：方向 direction 必须为 1 或 -1，实际为 {direction!r}")
            direction = 1
        weight = _num(item.get("weight", 1.0), code, "权重 weight", errors)
        if weight is None:
            weight = 1.0
        elif not math.isfinite(weight) or weight < 0:
            errors.append(f"框架项 '{code}'：权重 weight 必须是非负有限数，实际为 {weight!r}")
        level = item.get("level")
        if level is not None:
            lv = _num(level, code, "层级 level", errors)
            if lv is None or lv != int(lv) or lv < 1:
                errors.append(
                    f"框架项 '{code}'：层级 level 必须是不小于 1 的整数，实际为 {level!r}"
                )
                level = None
            else:
                level = int(lv)
        goalposts = item.get("goalposts")
        if goalposts is not None:
            if (
                not isinstance(goalposts, (list, tuple))
                or len(goalposts) not in (2, 3)
                or any(_num(g, code, "目标区间 goalposts", errors) is None for g in goalposts)
            ):
                errors.append(
                    f"框架项 '{code}'：goalposts 必须是 [下限, 上限] 或 [下限, 上限, 满分]"
                )
                goalposts = None
            else:
                goalposts = tuple(float(g) for g in goalposts)
                if goalposts[0] == goalposts[1]:
                    errors.append(f"框架项 '{code}'：goalposts 的下限与上限相同")
        confidence = item.get("confidence")
        if confidence is not None and confidence not in CONFIDENCE_VALUES:
            errors.append(
                f"框架项 '{code}'：confidence 必须是 {'/'.join(CONFIDENCE_VALUES)} 之一，实际为 {confidence!r}"
            )
        denominator = item.get("denominator")
        denominator = (
            None if denominator is None or str(denominator).strip() == "" else str(denominator)
        )
        nodes[code] = Node(
            code=code,
            level=level if isinstance(level, int) else 0,
            parent=parent,
            name_zh=item.get("name_zh"),
            name_en=item.get("name_en"),
            direction=direction,
            weight=float(weight),
            unit=None if item.get("unit") is None else str(item.get("unit")),
            denominator=denominator,
            target=_num(item.get("target"), code, "目标值 target", errors),
            goalposts=goalposts,
            source=item.get("source"),
            article=None if item.get("article") is None else str(item.get("article")),
            confidence=confidence,
            note=item.get("note"),
        )
    if errors:
        raise FrameworkError(errors)
    level_names = {int(k): str(v) for k, v in (data.get("levels") or {}).items()}
    denoms: dict[str, dict[str, Any]] = {}
    for d in data.get("denominators") or []:
        if not isinstance(d, dict) or not d.get("code"):
            raise FrameworkError(f"分母定义必须包含 code：{d!r}")
        denoms[str(d["code"])] = {k: v for k, v in d.items() if k != "code"}
    fw = Framework(
        nodes=_with_levels(nodes),
        name=data.get("name"),
        version=None if data.get("version") is None else str(data.get("version")),
        source=data.get("source"),
        level_names=level_names,
        denominators=denoms,
    )
    validate_framework(fw)
    return fw


def _with_levels(nodes: dict[str, Node]) -> dict[str, Node]:
    """Fill in missing levels from the tree (leaf = 1, parent = 1 + highest child)."""
    if all(n.level >= 1 for n in nodes.values()):
        return nodes
    if _find_cycle(nodes) or any(n.parent and n.parent not in nodes for n in nodes.values()):
        return nodes  # validation reports the real problem
    kids: dict[str, list[str]] = {}
    for c, n in nodes.items():
        if n.parent:
            kids.setdefault(n.parent, []).append(c)
    derived: dict[str, int] = {}

    def level_of(c: str) -> int:
        if c not in derived:
            derived[c] = 1 + max((level_of(k) for k in kids.get(c, [])), default=0)
        return derived[c]

    return {c: (n if n.level >= 1 else replace(n, level=level_of(c))) for c, n in nodes.items()}


def _find_cycle(nodes: dict[str, Node]) -> list[str] | None:
    for start in nodes:
        seen: list[str] = []
        c: str | None = start
        while c is not None and c in nodes:
            if c in seen:
                return seen[seen.index(c) :] + [c]
            seen.append(c)
            c = nodes[c].parent
    return None


def validate_framework(fw: Framework) -> None:
    """Check the tree: no cycles, known parents, one root, consistent levels, normalisable weights."""
    nodes = fw.nodes
    errors: list[str] = []
    cycle = _find_cycle(nodes)
    if cycle:
        errors.append("框架存在循环：" + " → ".join(cycle))
        raise FrameworkError(errors)
    for c, n in nodes.items():
        if n.parent is not None and n.parent not in nodes:
            errors.append(f"框架项 '{c}'：上级 '{n.parent}' 不存在")
    roots = [c for c, n in nodes.items() if n.parent is None]
    if len(roots) != 1:
        errors.append(
            f"框架必须有且只有一个顶层指数（无上级的项），现有 {len(roots)} 个：{', '.join(roots)}"
        )
    if errors:
        raise FrameworkError(errors)
    kids: dict[str, list[str]] = {}
    for c, n in nodes.items():
        if n.parent:
            kids.setdefault(n.parent, []).append(c)
    for c, n in nodes.items():
        if n.level == 1 and c in kids:
            errors.append(f"框架项 '{c}'：第 1 层是指标，不能有下级（{', '.join(kids[c])}）")
        if n.level >= 2 and c not in kids:
            errors.append(f"框架项 '{c}'：第 {n.level} 层的汇总项没有任何下级指标")
        if n.parent is not None and nodes[n.parent].level != n.level + 1:
            errors.append(
                f"框架项 '{c}'：层级为 {n.level}，其上级 '{n.parent}' 的层级应为 {n.level + 1}，"
                f"实际为 {nodes[n.parent].level}"
            )
    for p, ks in kids.items():
        if sum(nodes[k].weight for k in ks) <= 0:
            errors.append(f"框架项 '{p}'：下级 {', '.join(ks)} 的权重之和为 0，无法归一化")
    if errors:
        raise FrameworkError(errors)


def load_framework(path: str | Path) -> Framework:
    """Load a framework from a YAML file, or from a COINr-style iMeta CSV."""
    path = Path(path)
    if not path.exists():
        raise FrameworkError(f"框架文件不存在：{path}")
    if path.suffix.lower() == ".csv":
        import polars as pl

        return framework_from_imeta(pl.read_csv(path, infer_schema_length=None))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FrameworkError(f"框架文件 {path.name} 不是有效的 YAML：{exc}") from exc
    return framework_from_dict(data)


def framework_from_imeta(imeta: Any) -> Framework:
    """Convert a COINr iMeta table (Level, iCode, Parent, Direction, Weight, Type, ...)."""
    rows = imeta.to_dicts()
    items = []
    denominators = []
    for r in rows:
        kind = r.get("Type")
        if kind in ("Indicator", "Aggregate"):
            items.append(
                {
                    "code": r["iCode"],
                    "name_en": r.get("iName"),
                    "level": int(r["Level"]),
                    "parent": r.get("Parent"),
                    "direction": int(r.get("Direction") or 1),
                    "weight": r.get("Weight", 1.0),
                    "unit": r.get("Unit"),
                    "denominator": r.get("Denominator"),
                    "target": r.get("Target"),
                }
            )
        elif kind == "Denominator":
            denominators.append(
                {"code": r["iCode"], "name_en": r.get("iName"), "unit": r.get("Unit")}
            )
    return framework_from_dict({"items": items, "denominators": denominators})
