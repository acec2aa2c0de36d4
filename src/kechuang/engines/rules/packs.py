"""Rule packs as data: conditions, point tables, citations and effective dates.

A pack is a plain dict (read from YAML by the caller) turned into frozen dataclasses here, with every
problem reported in Chinese naming the pack and the item. Every condition and every scored item names
its source as ``source: {code, article, confirmation}``: a code of the project's sources registry
(listed in the pack's ``documents``), the article, and one confirmation level. A nested condition or
alternative without its own source inherits its parent's. A pack without sources is rejected, so an
unsourced rule cannot ship. This module imports nothing from kechuang: the caller passes the
registry's codes and titles (``sources``) and the file's hash (``digest``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

OPS = ("ge", "gt", "le", "lt", "eq", "is")
# The one confirmation vocabulary (kechuang.core.methodology.CONFIRMATION; a test keeps them equal).
CONFIRMATION_LABELS = {
    "confirmed": "已确认",
    "single_source": "单一来源",
    "unconfirmed": "未确认",
    "reconstructed": "重构",
    "provisional": "暂行",
}
READ_IN_SOURCE = ("confirmed", "single_source")


class RulePackError(ValueError):
    """A rule pack is malformed (message in Chinese, naming the pack and item)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: a registry code, the article within it, one confirmation level."""

    source: str
    article: str
    confirmation: str
    title: str = ""  # the registry's citation text for the code (the code when not resolved)

    @property
    def read_in_source(self) -> bool:
        """True when the rule was read in at least one copy of its source."""
        return self.confirmation in READ_IN_SOURCE

    @property
    def confirmation_label(self) -> str:
        """The confirmation level in Chinese."""
        return CONFIRMATION_LABELS[self.confirmation]


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
    confirmed: bool = True  # read in a source (confirmed or single_source)
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
    confirmed: bool = True  # read in a source (confirmed or single_source)
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
    documents: dict[str, str]  # registry code → citation text
    conditions: tuple[Condition, ...]
    scores: tuple[ScoreItem, ...] = ()
    group_caps: tuple[tuple[str, int], ...] = ()
    group_labels: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    not_evaluated: tuple[tuple[str, Citation], ...] = ()
    notes: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    digest: str = ""  # SHA-256 of the pack file (given by the loader)

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
        title = cite.title or self.documents.get(cite.source, cite.source)
        return f"{title} {cite.article}".strip()

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


class _Sources:
    """Reads the items' sources, collecting every problem (raised together at the end)."""

    def __init__(self, pack: str, docs: dict[str, str], known: Mapping[str, str] | None) -> None:
        self.pack, self.docs, self.known = pack, docs, known
        self.problems: list[str] = []

    def read(
        self, raw: dict[str, Any], item: str, inherited: Citation | None = None
    ) -> Citation | None:
        """The item's citation (or the inherited one); problems are collected, not raised."""
        where = _where(self.pack, item)
        for legacy in ("cite", "confirmed"):
            if legacy in raw:
                self.problems.append(
                    f"{where}：“{legacy}”已停用，出处写成 source: {{code: 来源代码, article: 条款, "
                    "confirmation: 确认程度}"
                )
        src = raw.get("source")
        if src is None:
            if inherited is None:
                self.problems.append(
                    f"{where}缺少出处（source: {{code: 来源代码, article: 条款, confirmation: 确认程度}}）"
                )
            return inherited
        if not isinstance(src, dict):
            self.problems.append(
                f"{where}的出处应写成 {{code: 来源代码, article: 条款, confirmation: 确认程度}}"
            )
            return inherited
        code, article, level = src.get("code"), src.get("article"), src.get("confirmation")
        ok = True
        unknown = sorted(set(src) - {"code", "article", "confirmation"})
        if unknown:
            self.problems.append(f"{where}的出处含未知字段 {'、'.join(map(str, unknown))}")
        if not code:
            self.problems.append(f"{where}的出处缺少来源代码 code")
            ok = False
        elif self.known is not None and str(code) not in self.known:
            self.problems.append(f"{where}的出处代码“{code}”不在来源登记表中")
            ok = False
        elif str(code) not in self.docs:
            self.problems.append(f"{where}的出处“{code}”未列入本规则包的 documents")
            ok = False
        if article is None or str(article).strip() == "":
            self.problems.append(f"{where}的出处“{code or '?'}”缺少条款 article")
            ok = False
        if level not in CONFIRMATION_LABELS:
            self.problems.append(
                f"{where}的确认程度 confirmation 应为 "
                + "、".join(f"{k}（{v}）" for k, v in CONFIRMATION_LABELS.items())
                + f" 之一，实际为 {level!r}"
            )
            ok = False
        if not ok:
            return inherited
        return Citation(str(code), str(article).strip(), str(level), self.docs[str(code)])


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
    raw: dict[str, Any],
    pack: str,
    srcs: _Sources,
    group: str = "",
    inherited: Citation | None = None,
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
    cite = srcs.read(raw, where, inherited)
    choose = tuple(
        _score_item(c, pack, srcs, group, inherited=cite) for c in raw.get("choose_max", [])
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
        cite=cite,
        confirmed=cite is None or cite.read_in_source,
        note=str(raw.get("note", "")),
    )


def _condition(
    raw: dict[str, Any], pack: str, srcs: _Sources, inherited: Citation | None = None
) -> Condition:
    code = str(raw.get("code", "?"))
    label = str(raw.get("label", code))
    where = f"{label}（{code}）"
    cite = srcs.read(raw, where, inherited)
    common = {
        "code": code,
        "label": label,
        "confirmed": cite is None or cite.read_in_source,
        "closable": bool(raw.get("closable", True)),
        "note": str(raw.get("note", "")),
        "fail_as": str(raw.get("fail_as", "unmet")),
        "pass_as": str(raw.get("pass_as", "met")),
        "cite": cite,
    }
    if "all_of" in raw or "any_of" in raw:
        kind = "all_of" if "all_of" in raw else "any_of"
        children = tuple(_condition(c, pack, srcs, inherited=cite) for c in raw[kind])
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


def parse_pack(
    raw: dict[str, Any], sources: Mapping[str, str] | None = None, digest: str = ""
) -> Pack:
    """Turn a pack dict (from YAML) into a Pack, checking sources and structure.

    `sources` maps the registry's codes to their citation texts; every code the pack cites must be
    in it (None: codes are not looked up, titles are the codes). Every problem with the sources is
    reported at once; a structural error stops at the first."""
    if not isinstance(raw, dict):
        raise RulePackError("规则包文件的顶层应为映射")
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
    problems: list[str] = []
    if raw["confirmation"] not in CONFIRMATION_LABELS:
        problems.append(
            f"规则包“{code}”的 confirmation 应为 "
            + "、".join(f"{k}（{v}）" for k, v in CONFIRMATION_LABELS.items())
            + f" 之一，实际为 {raw['confirmation']!r}"
        )
    listed = raw["documents"]
    if not isinstance(listed, list) or not listed:
        raise RulePackError(f"规则包“{code}”的 documents 应为来源代码的列表")
    docs: dict[str, str] = {}
    for d in map(str, listed):
        if sources is not None and d not in sources:
            problems.append(f"规则包“{code}”的 documents 中的来源代码“{d}”不在来源登记表中")
        docs[d] = str(sources[d]) if sources is not None and d in sources else d
    srcs = _Sources(code, docs, sources)
    scores = tuple(_score_item(s, code, srcs) for s in raw.get("scores", []))
    conditions = tuple(_condition(c, code, srcs) for c in raw["conditions"])
    not_eval = []
    for n in raw.get("not_evaluated", []):
        cite = srcs.read(n, str(n.get("label", "?")))
        if cite is not None:
            not_eval.append((str(n["label"]), cite))
    problems += srcs.problems
    if problems:
        raise RulePackError("；".join(problems), problems)
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
        not_evaluated=tuple(not_eval),
        notes=tuple(str(n) for n in raw.get("notes", [])),
        readings=tuple(str(n) for n in raw.get("readings", [])),
        digest=digest,
    )


def _date(value: Any, code: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulePackError(f"规则包“{code}”的日期“{value}”无效（应为 2022-06-01 形式）") from exc


def load_pack_file(path: str | Path, sources: Mapping[str, str] | None = None) -> Pack:
    """Read one YAML pack file (the product reads packs through its methodology catalogue)."""
    data = Path(path).read_bytes()
    return parse_pack(
        yaml.safe_load(data.decode("utf-8")), sources, hashlib.sha256(data).hexdigest()
    )


def load_pack_dir(path: str | Path, sources: Mapping[str, str] | None = None) -> list[Pack]:
    """Read every *.yaml pack in a folder, sorted by rung then code."""
    packs = [
        load_pack_file(p, sources)
        for p in sorted(Path(path).glob("*.yaml"))
        if not p.name.startswith("_")
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
