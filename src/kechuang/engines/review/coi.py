"""Conflicts of interest (回避) between experts and applications, from the rules in ``coi.yaml``.

Persons are identified by 证件号, units by 统一社会信用代码. Relations are rows of a register
(甲, 甲类型, 乙, 乙类型, 关系, 开始年份, 结束年份); 亲属, 合作 and 师生 are symmetric, 任职 and
持股 run person → unit, 实际控制 runs controller (unit or person) → unit. A relation counts in call
year Y when it began in Y or earlier (or its start is blank) and it is open or ended in
Y − lookback_years or later (lookback null: ever). The evaluator joins whole tables (Polars), so
400 applications × 600 experts × thousands of relations take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from stdnum.cn import uscc as stdnum_uscc

DEFAULT_RULES = Path(__file__).with_name("coi.yaml")

PERSON, UNIT = "个人", "单位"
RELATION_KINDS = ("任职", "持股", "实际控制", "亲属", "合作", "师生")
SYMMETRIC = frozenset({"亲属", "合作", "师生"})
# Which party kinds each directed relation joins: (甲类型, 乙类型); None = either kind.
DIRECTED = {"任职": (PERSON, UNIT), "持股": (PERSON, UNIT), "实际控制": (None, UNIT)}
RULE_CODES = (
    "same_unit",
    "employment",
    "shareholding",
    "relative",
    "cooperation",
    "supervision",
    "control",
    "self",
)


class ReviewInputError(ValueError):
    """Input the review engine cannot use; the message is Chinese and names the place."""


@dataclass(frozen=True)
class Application:
    """An application for review: its applicant unit, its 项目负责人 and its texts."""

    id: str
    unit_code: str
    leader_id: str
    unit_name: str = ""
    leader_name: str = ""
    direction: str = ""
    title: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class Expert:
    """An expert in the bank: person id, unit, fields, finance expert or not, maximum load."""

    id: str
    person_id: str
    unit_code: str
    name: str = ""
    unit_name: str = ""
    title: str = ""
    fields: str = ""
    keywords: str = ""
    finance: bool = False
    max_reviews: int = 10


@dataclass(frozen=True)
class Relation:
    """One row of the relations register; `row` names it in evidence (e.g. the file row)."""

    a: str
    a_kind: str
    b: str
    b_kind: str
    kind: str
    start: int | None = None
    end: int | None = None
    row: str = ""

    def describe(self) -> str:
        """The relation in Chinese, as evidence."""
        period = f"{self.start or '?'}–{self.end if self.end is not None else '至今'}"
        where = f"（{self.row}）" if self.row else ""
        return f"{self.a_kind} {self.a} {self.kind} {self.b_kind} {self.b}，{period}{where}"


@dataclass(frozen=True)
class Rule:
    """One COI rule as data."""

    code: str
    number: int
    text: str
    relation: str | None
    parameters: dict[str, Any]
    source: str
    confirmation: str

    @property
    def lookback(self) -> int | None:
        """Years a relation keeps counting after it ended (None: ever)."""
        return self.parameters.get("lookback_years")


@dataclass(frozen=True)
class RuleSet:
    """The COI rules in force (from coi.yaml)."""

    version: str
    rules: tuple[Rule, ...]

    def __getitem__(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def codes(self) -> list[str]:
        """The codes of the rules, in order."""
        return [r.code for r in self.rules]


@dataclass(frozen=True)
class Conflict:
    """An expert who may not review an application, the rules that say so and the evidence."""

    application_id: str
    expert_id: str
    rules: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass
class Conflicts:
    """All conflicted (application, expert) pairs: index arrays plus rules and evidence per pair."""

    application_idx: np.ndarray
    expert_idx: np.ndarray
    items: list[Conflict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def pairs(self) -> set[tuple[str, str]]:
        """The conflicted (application id, expert id) pairs."""
        return {(c.application_id, c.expert_id) for c in self.items}

    def lookup(self, application_id: str, expert_id: str) -> Conflict | None:
        """The conflict of one pair, or None."""
        for c in self.items:
            if c.application_id == application_id and c.expert_id == expert_id:
                return c
        return None


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and check the COI rules file (coi.yaml by default)."""
    source = Path(path) if path else DEFAULT_RULES
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ReviewInputError(f"回避规则文件 {source.name} 缺少 rules 列表")
    rules = []
    for i, item in enumerate(data["rules"], start=1):
        missing = {"code", "number", "text", "relation", "source", "confirmation"} - set(item)
        if missing:
            raise ReviewInputError(f"回避规则第 {i} 条缺少：{'、'.join(sorted(missing))}")
        if item["code"] not in RULE_CODES:
            raise ReviewInputError(f"回避规则第 {i} 条的代码 {item['code']!r} 未知")
        if item["relation"] is not None and item["relation"] not in RELATION_KINDS:
            raise ReviewInputError(f"回避规则 {item['code']} 的关系 {item['relation']!r} 未知")
        params = dict(item.get("parameters") or {})
        lookback = params.get("lookback_years")
        if lookback is not None and (not isinstance(lookback, int) or lookback < 0):
            raise ReviewInputError(f"回避规则 {item['code']} 的回溯年数应为非负整数或留空")
        rules.append(
            Rule(
                code=item["code"],
                number=int(item["number"]),
                text=str(item["text"]),
                relation=item["relation"],
                parameters=params,
                source=str(item["source"]),
                confirmation=str(item["confirmation"]),
            )
        )
    return RuleSet(version=str(data.get("version", "")), rules=tuple(rules))


def valid_uscc(code: str) -> bool:
    """True when the code is an 18-character 统一社会信用代码 with a correct check digit."""
    return bool(code) and stdnum_uscc.is_valid(code)


def check_relations(relations: Sequence[Relation]) -> None:
    """Refuse relations with unknown kinds, wrong party kinds, bad unit codes or years."""
    for r in relations:
        where = r.row or f"{r.a}–{r.b}"
        if r.kind not in RELATION_KINDS:
            raise ReviewInputError(
                f"{where}：关系 {r.kind!r} 未知，应为 {'、'.join(RELATION_KINDS)} 之一"
            )
        for party, kind in ((r.a, r.a_kind), (r.b, r.b_kind)):
            if kind not in (PERSON, UNIT):
                raise ReviewInputError(f"{where}：类型 {kind!r} 应为“个人”或“单位”")
            if kind == UNIT and not valid_uscc(party):
                raise ReviewInputError(f"{where}：统一社会信用代码 {party!r} 无效（校验位不符）")
        want = DIRECTED.get(r.kind)
        if want is not None:
            if (want[0] and r.a_kind != want[0]) or r.b_kind != want[1]:
                raise ReviewInputError(
                    f"{where}：{r.kind} 关系应为 {want[0] or '个人或单位'} → {want[1]}"
                )
        elif r.a_kind != PERSON or r.b_kind != PERSON:
            raise ReviewInputError(f"{where}：{r.kind} 关系的双方都应为个人")
        if r.start is not None and r.end is not None and r.end < r.start:
            raise ReviewInputError(f"{where}：结束年份 {r.end} 早于开始年份 {r.start}")


def _active(frame: pl.DataFrame, year: int, lookback: int | None) -> pl.DataFrame:
    """The relations that count in call year `year` with this look-back."""
    started = pl.col("start").is_null() | (pl.col("start") <= year)
    if lookback is None:
        return frame.filter(started)
    recent = pl.col("end").is_null() | (pl.col("end") >= year - lookback)
    return frame.filter(started & recent)


def find_conflicts(
    applications: Sequence[Application],
    experts: Sequence[Expert],
    relations: Sequence[Relation],
    year: int,
    rules: RuleSet | None = None,
) -> Conflicts:
    """Every (application, expert) pair some rule forbids, with the rules and evidence of each."""
    rules = rules or load_rules()
    check_relations(relations)
    apps = pl.DataFrame(
        {
            "app": np.arange(len(applications), dtype=np.int64),
            "app_unit": [a.unit_code for a in applications],
            "leader": [a.leader_id for a in applications],
        },
        schema={"app": pl.Int64, "app_unit": pl.Utf8, "leader": pl.Utf8},
    )
    exps = pl.DataFrame(
        {
            "exp": np.arange(len(experts), dtype=np.int64),
            "exp_unit": [e.unit_code for e in experts],
            "person": [e.person_id for e in experts],
        },
        schema={"exp": pl.Int64, "exp_unit": pl.Utf8, "person": pl.Utf8},
    )
    rel = pl.DataFrame(
        {
            "a": [r.a for r in relations],
            "b": [r.b for r in relations],
            "kind": [r.kind for r in relations],
            "start": [r.start for r in relations],
            "end": [r.end for r in relations],
            "rel": np.arange(len(relations), dtype=np.int64),
        },
        schema={
            "a": pl.Utf8,
            "b": pl.Utf8,
            "kind": pl.Utf8,
            "start": pl.Int64,
            "end": pl.Int64,
            "rel": pl.Int64,
        },
    )
    schema = {"app": pl.Int64, "exp": pl.Int64, "rule": pl.Utf8, "rel": pl.Int64, "rel2": pl.Int64}
    found: list[pl.DataFrame] = []

    def emit(frame: pl.DataFrame, code: str) -> None:
        cols = [pl.col("app"), pl.col("exp"), pl.lit(code).alias("rule")]
        cols.append(
            pl.col("rel") if "rel" in frame.columns else pl.lit(None, pl.Int64).alias("rel")
        )
        cols.append(
            pl.col("rel2") if "rel2" in frame.columns else pl.lit(None, pl.Int64).alias("rel2")
        )
        found.append(frame.select(cols).cast(schema))

    for rule in rules.rules:
        if rule.code == "same_unit":
            emit(apps.join(exps, left_on="app_unit", right_on="exp_unit"), rule.code)
        elif rule.code == "self":
            emit(apps.join(exps, left_on="leader", right_on="person"), rule.code)
        elif rule.code in ("employment", "shareholding"):
            r = _active(rel.filter(pl.col("kind") == rule.relation), year, rule.lookback)
            hit = r.join(exps, left_on="a", right_on="person").join(
                apps, left_on="b", right_on="app_unit"
            )
            emit(hit, rule.code)
        elif rule.code in ("relative", "cooperation", "supervision"):
            r = _active(rel.filter(pl.col("kind") == rule.relation), year, rule.lookback)
            both = pl.concat([r, r.with_columns(a=pl.col("b"), b=pl.col("a"))])
            hit = both.join(exps, left_on="a", right_on="person").join(
                apps, left_on="b", right_on="leader"
            )
            emit(hit, rule.code)
        elif rule.code == "control":
            r = _active(rel.filter(pl.col("kind") == rule.relation), year, rule.lookback)
            direct = pl.concat(
                [
                    r.select(u="a", v="b", rel="rel"),
                    r.select(u="b", v="a", rel="rel"),
                ]
            ).with_columns(rel2=pl.lit(None, pl.Int64))
            unit_pairs = [direct]
            if rule.parameters.get("common_controller", True):
                left = r.select(c="a", u="b", rel="rel")
                right = r.select(c="a", v="b", rel2="rel")
                common = left.join(right, on="c").filter(pl.col("u") != pl.col("v"))
                unit_pairs.append(common.select("u", "v", "rel", "rel2"))
            pairs = pl.concat(unit_pairs)
            hit = pairs.join(exps, left_on="u", right_on="exp_unit").join(
                apps, left_on="v", right_on="app_unit"
            )
            emit(hit, rule.code)
    table = pl.concat(found) if found else pl.DataFrame(schema=schema)
    return _collect(table, applications, experts, relations, rules)


def _collect(
    table: pl.DataFrame,
    applications: Sequence[Application],
    experts: Sequence[Expert],
    relations: Sequence[Relation],
    rules: RuleSet,
) -> Conflicts:
    """Group the rule hits by pair into Conflict items with Chinese evidence."""
    order = {code: i for i, code in enumerate(rules.codes())}
    grouped = (
        table.unique()
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("o"))
        .sort(["app", "exp", "o", "rel", "rel2"], nulls_last=True)
        .group_by(["app", "exp"], maintain_order=True)
        .agg(pl.col("rule"), pl.col("rel"), pl.col("rel2"))
    )
    items = []
    for app, exp, codes, rels, rels2 in grouped.iter_rows():
        a, e = applications[app], experts[exp]
        seen: list[str] = []
        evidence: list[str] = []
        for code, r1, r2 in zip(codes, rels, rels2, strict=True):
            if code not in seen:
                seen.append(code)
            text = _evidence(code, a, e, relations, r1, r2)
            if text not in evidence:
                evidence.append(text)
        items.append(Conflict(a.id, e.id, tuple(seen), tuple(evidence)))
    return Conflicts(
        application_idx=grouped["app"].to_numpy().astype(np.int64),
        expert_idx=grouped["exp"].to_numpy().astype(np.int64),
        items=items,
    )


def _evidence(
    code: str,
    app: Application,
    expert: Expert,
    relations: Sequence[Relation],
    r1: int | None,
    r2: int | None,
) -> str:
    """One line of Chinese evidence for a rule hit."""
    if code == "same_unit":
        return f"专家工作单位代码 {expert.unit_code} 与申报单位代码相同"
    if code == "self":
        return f"专家证件号 {expert.person_id} 即项目负责人证件号"
    parts = [relations[r].describe() for r in (r1, r2) if r is not None]
    return "；".join(parts)


def rule_labels(rules: RuleSet | None = None) -> dict[str, str]:
    """Rule code → '规则 n：text' for messages."""
    rules = rules or load_rules()
    return {r.code: f"规则{r.number}：{r.text}" for r in rules.rules}
