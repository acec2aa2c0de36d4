"""Rule packs as data: conditions, point tables, citations and effective dates.

A pack is a plain dict (read from YAML by the caller) turned into frozen dataclasses here, with every
problem reported in Chinese naming the pack and the item. Every condition and every scored item must
cite a document and an article; a pack that does not is rejected, so an unsourced rule cannot ship.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

OPS = ("ge", "gt", "le", "lt", "eq", "is")
CONFIRMATION_LABELS = {
    "confirmed": "已确认（多份独立文本一致）",
    "single_source": "单一来源（仅见一份转载）",
    "unconfirmed": "未确认（官方原文未获取，待核实）",
}


class RulePackError(ValueError):
    """A rule pack is malformed (message in Chinese, naming the pack and item)."""


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: a document key of the pack and the article within it."""

    doc: str
    article: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Test:
    """One comparison: measure op value (value may be relative to the assessment year)."""

    measure: str
    op: str
    value: float | bool | None
    relative_to_year: bool = False
    usd: bool = False  # value is in US dollars; converted to 万元 with the pack's rate


@dataclass(frozen=True)
class Band:
    """A point band: when any of its tests holds, the item scores `points` (a lo–hi range)."""

    tests: tuple[Test, ...]
    points: tuple[int, int]
    label: str = ""


@dataclass(frozen=True)
class ScoreItem:
    """A scored indicator: bands over measures, an expert range, or the best of alternatives."""

    code: str
    label: str
    group: str
    max_points: int
    bands: tuple[Band, ...] = ()
    otherwise: tuple[int, int] = (0, 0)
    expert: tuple[int, int] | None = None
    choose_max: tuple[ScoreItem, ...] = ()
    cite: Citation | None = None
    confirmed: bool = True
    note: str = ""


@dataclass(frozen=True)
class Tier:
    """A threshold that depends on another measure (e.g. the R&D ratio by revenue size)."""

    test: Test | None  # None for the last, catch-all tier
    value: float
    label: str


@dataclass(frozen=True)
class Condition:
    """A condition: a comparison, a combination of conditions, a score test or an expert item."""

    code: str
    label: str
    kind: str  # compare | all_of | any_of | score | manual
    test: Test | None = None
    tiers: tuple[Tier, ...] = ()
    tier_measure: str | None = None
    children: tuple[Condition, ...] = ()
    min_total: float | None = None
    total_strict: bool = False
    item_min: tuple[tuple[str, str, float], ...] = ()
    group_min: tuple[tuple[str, float], ...] = ()
    cite: Citation | None = None
    confirmed: bool = True
    closable: bool = True
    fail_as: str = "unmet"  # or "manual_review": failing the test only sends it to an expert
    pass_as: str = "met"  # or "manual_review": passing opens a route an expert must confirm
    note: str = ""


@dataclass(frozen=True)
class Pack:
    """A versioned rule pack for one rung of the ladder."""

    code: str
    family: str
    name: str
    version: str
    rung: int
    effective_from: date
    effective_to: date | None
    confirmation: str
    documents: dict[str, str]
    conditions: tuple[Condition, ...]
    scores: tuple[ScoreItem, ...] = ()
    group_caps: tuple[tuple[str, int], ...] = ()
    group_labels: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    not_evaluated: tuple[tuple[str, Citation], ...] = ()
    notes: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()

    @property
    def confirmation_label(self) -> str:
        """The Chinese label of how well the pack's source text is confirmed."""
        return CONFIRMATION_LABELS.get(self.confirmation, self.confirmation)

    def in_force(self, on: date) -> bool:
        """True when the pack applies on this date."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def cite_text(self, cite: Citation | None) -> str:
        """The citation as Chinese text: document title and article."""
        if cite is None:
            return ""
        title = self.documents.get(cite.doc, cite.doc)
        text = f"{title} {cite.article}".strip()
        if cite.sources:
            text += f"（来源：{'、'.join(cite.sources)}）"
        return text

    def leaf_conditions(self) -> list[Condition]:
        """Every condition, depth first (compound ones before their children)."""
        out: list[Condition] = []

        def walk(c: Condition) -> None:
            out.append(c)
            for child in c.children:
                walk(child)

        for c in self.conditions:
            walk(c)
        return out


def _where(pack: str, item: str) -> str:
    return f"规则包“{pack}”的“{item}”"


def _cite(
    raw: Any, pack: str, item: str, docs: dict[str, str], required: bool = True
) -> Citation | None:
    if raw is None:
        if required:
            raise RulePackError(f"{_where(pack, item)}缺少出处（cite: 文件与条款）")
        return None
    if not isinstance(raw, dict) or "doc" not in raw or "article" not in raw:
        raise RulePackError(f"{_where(pack, item)}的出处应写成 {{doc: 文件键, article: 条款}}")
    if raw["doc"] not in docs:
        raise RulePackError(f"{_where(pack, item)}引用了未登记的文件“{raw['doc']}”")
    return Citation(str(raw["doc"]), str(raw["article"]), tuple(raw.get("sources", ())))


def _test(raw: dict[str, Any], pack: str, item: str, default_measure: str | None = None) -> Test:
    measure = raw.get("measure", default_measure)
    ops = [op for op in OPS if op in raw]
    if measure is None or len(ops) != 1:
        raise RulePackError(
            f"{_where(pack, item)}的比较应有一个指标（measure）和一个运算符（{'/'.join(OPS)} 之一）"
        )
    op = ops[0]
    value = raw[op]
    if op != "is" and not isinstance(value, (int, float)):
        raise RulePackError(f"{_where(pack, item)}的阈值“{value}”不是数字")
    if op == "is" and not isinstance(value, bool):
        raise RulePackError(f"{_where(pack, item)}的“is”应为 true 或 false")
    return Test(
        str(measure),
        op,
        value if op == "is" else float(value),
        bool(raw.get("relative_to_year", False)),
        bool(raw.get("usd", False)),
    )


def _points(raw: Any, pack: str, item: str) -> tuple[int, int]:
    if isinstance(raw, (int, float)):
        return int(raw), int(raw)
    if isinstance(raw, (list, tuple)) and len(raw) == 2 and raw[0] <= raw[1]:
        return int(raw[0]), int(raw[1])
    raise RulePackError(f"{_where(pack, item)}的分值“{raw}”应为整数或 [最低, 最高]")


def _score_item(
    raw: dict[str, Any], pack: str, docs: dict[str, str], group: str = "", nested: bool = False
) -> ScoreItem:
    code = str(raw.get("code", "?"))
    label = str(raw.get("label", code))
    where = f"{label}（{code}）"
    measure = raw.get("measure")
    bands = []
    for i, b in enumerate(raw.get("bands", [])):
        if "any" in b:
            tests = tuple(_test(t, pack, f"{where}第{i + 1}档", measure) for t in b["any"])
        else:
            tests = (_test(b, pack, f"{where}第{i + 1}档", measure),)
        bands.append(Band(tests, _points(b.get("points"), pack, where), str(b.get("label", ""))))
    choose = tuple(
        _score_item(c, pack, docs, group, nested=True) for c in raw.get("choose_max", [])
    )
    expert = _points(raw["expert"], pack, where) if "expert" in raw else None
    if not bands and not choose and expert is None:
        raise RulePackError(f"{_where(pack, where)}既没有分档（bands）也没有专家评分区间（expert）")
    return ScoreItem(
        code=code,
        label=label,
        group=str(raw.get("group", group)),
        max_points=int(raw.get("max", 0)),
        bands=tuple(bands),
        otherwise=_points(raw.get("otherwise", 0), pack, where),
        expert=expert,
        choose_max=choose,
        cite=_cite(raw.get("cite"), pack, where, docs, required=not nested),
        confirmed=bool(raw.get("confirmed", True)),
        note=str(raw.get("note", "")),
    )


def _condition(
    raw: dict[str, Any], pack: str, docs: dict[str, str], nested: bool = False
) -> Condition:
    code = str(raw.get("code", "?"))
    label = str(raw.get("label", code))
    where = f"{label}（{code}）"
    common = {
        "code": code,
        "label": label,
        "confirmed": bool(raw.get("confirmed", True)),
        "closable": bool(raw.get("closable", True)),
        "note": str(raw.get("note", "")),
        "fail_as": str(raw.get("fail_as", "unmet")),
        "pass_as": str(raw.get("pass_as", "met")),
        "cite": _cite(raw.get("cite"), pack, where, docs, required=not nested or "cite" in raw),
    }
    if "all_of" in raw or "any_of" in raw:
        kind = "all_of" if "all_of" in raw else "any_of"
        children = tuple(_condition(c, pack, docs, nested=True) for c in raw[kind])
        if not children:
            raise RulePackError(f"{_where(pack, where)}的 {kind} 为空")
        return Condition(kind=kind, children=children, **common)
    if "min_total" in raw:
        item_min = tuple(
            (str(k), str(v.get("op", "ge")), float(v["value"]))
            for k, v in raw.get("item_min", {}).items()
        )
        group_min = tuple((str(k), float(v)) for k, v in raw.get("group_min", {}).items())
        return Condition(
            kind="score",
            min_total=float(raw["min_total"]),
            total_strict=bool(raw.get("strict", False)),
            item_min=item_min,
            group_min=group_min,
            **common,
        )
    if raw.get("manual"):
        return Condition(kind="manual", **common)
    if "tiers" in raw:
        tier_measure = raw["tiers"].get("measure")
        tiers = []
        for t in raw["tiers"]["bands"]:
            test = None
            if any(op in t for op in OPS):
                test = _test({k: v for k, v in t.items() if k in OPS}, pack, where, tier_measure)
            tiers.append(Tier(test, float(t["value"]), str(t.get("label", ""))))
        if tiers[-1].test is not None:
            raise RulePackError(f"{_where(pack, where)}的分档阈值最后一档应不带条件（兜底档）")
        op = raw.get("op", "ge")
        return Condition(
            kind="compare",
            test=Test(str(raw["measure"]), op, None),
            tiers=tuple(tiers),
            tier_measure=tier_measure,
            **common,
        )
    return Condition(kind="compare", test=_test(raw, pack, where), **common)


def parse_pack(raw: dict[str, Any]) -> Pack:
    """Turn a pack dict (from YAML) into a Pack, checking citations and structure."""
    code = str(raw.get("code", "?"))
    for key in (
        "code",
        "family",
        "name",
        "version",
        "rung",
        "effective_from",
        "documents",
        "conditions",
        "confirmation",
    ):
        if key not in raw:
            raise RulePackError(f"规则包“{code}”缺少字段“{key}”")
    if raw["confirmation"] not in CONFIRMATION_LABELS:
        raise RulePackError(
            f"规则包“{code}”的 confirmation 应为 {'/'.join(CONFIRMATION_LABELS)} 之一"
        )
    docs = {str(k): str(v) for k, v in raw["documents"].items()}
    scores = tuple(_score_item(s, code, docs) for s in raw.get("scores", []))
    conditions = tuple(_condition(c, code, docs) for c in raw["conditions"])
    not_eval = tuple(
        (str(n["label"]), _cite(n.get("cite"), code, str(n["label"]), docs))
        for n in raw.get("not_evaluated", [])
    )
    eff_to = raw.get("effective_to")
    return Pack(
        code=code,
        family=str(raw["family"]),
        name=str(raw["name"]),
        version=str(raw["version"]),
        rung=int(raw["rung"]),
        effective_from=_date(raw["effective_from"], code),
        effective_to=_date(eff_to, code) if eff_to else None,
        confirmation=str(raw["confirmation"]),
        documents=docs,
        conditions=conditions,
        scores=scores,
        group_caps=tuple((str(k), int(v)) for k, v in raw.get("group_caps", {}).items()),
        group_labels={str(k): str(v) for k, v in raw.get("groups", {}).items()},
        params=dict(raw.get("params", {})),
        not_evaluated=not_eval,
        notes=tuple(str(n) for n in raw.get("notes", [])),
        readings=tuple(str(n) for n in raw.get("readings", [])),
    )


def _date(value: Any, code: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulePackError(f"规则包“{code}”的日期“{value}”无效（应为 2022-06-01 形式）") from exc


def load_pack_file(path: str | Path) -> Pack:
    """Read one YAML pack file."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return parse_pack(raw)


def load_pack_dir(path: str | Path) -> list[Pack]:
    """Read every *.yaml pack in a folder, sorted by rung then code."""
    packs = [
        load_pack_file(p) for p in sorted(Path(path).glob("*.yaml")) if not p.name.startswith("_")
    ]
    codes = [p.code for p in packs]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise RulePackError(f"规则包代码重复：{'、'.join(sorted(dupes))}")
    return sorted(packs, key=lambda p: (p.rung, p.code))


def packs_in_force(packs: list[Pack], on: date) -> list[Pack]:
    """For each family, the newest version in force on the date (else its earliest version).

    Falling back to the earliest version lets a ladder be drawn for years before a rung's current
    rules existed; callers flag such results as retrospective.
    """
    chosen: list[Pack] = []
    for family in dict.fromkeys(p.family for p in packs):
        versions = sorted((p for p in packs if p.family == family), key=lambda p: p.effective_from)
        live = [p for p in versions if p.in_force(on)]
        if live:
            chosen.append(live[-1])
        else:
            started = [p for p in versions if p.effective_from <= on]
            chosen.append(started[-1] if started else versions[0])
    return sorted(chosen, key=lambda p: (p.rung, p.code))
