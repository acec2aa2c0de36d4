"""The 重点攻关 rule files in the methodology layer: the lifecycles (state machines, time limits,
tranche shares, the gate score, the 公示 period, the recusal rules) and the default eligibility
pack, each item with its source code, article and confirmation level from core/sources.yaml.

The lifecycle engine reads the same files for its mechanics (`lifecycle.py`, `eligibility.py`);
this module is what the pages use to say where a rule comes from and how well it is confirmed —
the Yangzhou texts are not available, so most of these rules are 暂行 (provisional)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kechuang.core.methodology import (
    Catalogue,
    MethodologyFile,
    MethodologyLayerError,
    Registry,
    Source,
    Versioning,
    read_source,
)

DATA_DIR = Path(__file__).parent / "data"


class ProgrammeRulesError(MethodologyLayerError):
    """A programmes rule file is invalid (every problem, in Chinese)."""


class _DataCatalogue(Catalogue):
    """The programmes keep their shipped rule files in `data/` (the engine reads them there)."""

    def shipped_dir(self) -> Path:
        """The folder of the shipped files."""
        return DATA_DIR


@dataclass(frozen=True)
class Rule:
    """One rule shown with its source: code, label, what it says, value (if any) and source."""

    code: str
    label: str
    text: str
    source: Source
    value: Any = None

    @property
    def provisional(self) -> bool:
        """True unless the rule was read in a source (confirmed or single source)."""
        return not self.source.read_in_source


@dataclass(frozen=True)
class LifecycleRules:
    """The lifecycle file as the methodology layer sees it: machine sources and provisional rules."""

    code: str
    version: str
    machines: dict[str, Source]
    rules: dict[str, Rule]
    sha256: str


@dataclass(frozen=True)
class EligibilityPack:
    """An eligibility pack's identity and the sources of its conditions."""

    code: str
    name: str
    version: str
    conditions: dict[str, Source]
    sha256: str


def _fail(problems: list[str]) -> None:
    if problems:
        raise ProgrammeRulesError(problems)


def _parse_lifecycles(file: MethodologyFile, reg: Registry) -> LifecycleRules:
    data = file.data or {}
    problems: list[str] = []
    machines = {}
    for code, m in (data.get("machines") or {}).items():
        src = read_source((m or {}).get("source"), f"生命周期“{code}”", problems, reg)
        if src is not None:
            machines[str(code)] = src
    rules = {}
    for r in data.get("rules") or []:
        where = f"暂行规则“{r.get('code', '?')}”"
        if not r.get("code") or not r.get("label"):
            problems.append(f"{where}：缺少 code 或 label")
            continue
        src = read_source(r.get("source"), where, problems, reg)
        if src is not None:
            rules[str(r["code"])] = Rule(
                str(r["code"]), str(r["label"]), str(r.get("text") or ""), src, r.get("value")
            )
    for needed in ("deadlines", "tranches", "gate_score", "publicity_days", "coi"):
        if needed not in rules and not any(needed in p for p in problems):
            problems.append(f"缺少暂行规则“{needed}”的说明与出处")
    _fail(problems)
    return LifecycleRules("lifecycles", str(data.get("version", "")), machines, rules, file.sha256)


def _parse_eligibility(file: MethodologyFile, reg: Registry) -> EligibilityPack:
    data = file.data or {}
    problems: list[str] = []
    for d in data.get("documents") or []:
        if d not in reg:
            problems.append(f"规则包引用的来源“{d}”不在来源登记表中")
    conditions = {}
    for c in data.get("conditions") or []:
        src = read_source(c.get("source"), f"条件“{c.get('code', '?')}”", problems, reg)
        if src is not None:
            conditions[str(c.get("code"))] = src
    if not data.get("code"):
        problems.append("规则包缺少代码 code")
    _fail(problems)
    return EligibilityPack(
        str(data["code"]),
        str(data.get("name") or data["code"]),
        str(data.get("version", "")),
        conditions,
        file.sha256,
    )


LIFECYCLES: Catalogue[LifecycleRules] = _DataCatalogue(
    label="重点攻关生命周期",
    package="kechuang.programs",
    folder="",
    pattern="lifecycles*.yaml",
    parse=_parse_lifecycles,
    error=ProgrammeRulesError,
    versioning=Versioning(
        code=lambda e: e.code, family=lambda e: e.code, version=lambda e: e.version
    ),
)
ELIGIBILITY: Catalogue[EligibilityPack] = _DataCatalogue(
    label="重点攻关申报条件",
    package="kechuang.programs",
    folder="",
    pattern="eligibility_*.yaml",
    parse=_parse_eligibility,
    error=ProgrammeRulesError,
    versioning=Versioning(
        code=lambda e: f"{e.code}@{e.version}", family=lambda e: e.code, version=lambda e: e.version
    ),
)


def lifecycle_rules() -> LifecycleRules:
    """The shipped lifecycle file's sources and provisional rules."""
    return LIFECYCLES.load()[0]


def rule(code: str) -> Rule:
    """One provisional rule (deadlines, tranches, gate_score, publicity_days, coi, eligibility)."""
    return lifecycle_rules().rules[code]


def rule_note(code: str) -> str:
    """“暂行（本平台暂定……）：label — text。出处：title article” for a page caption."""
    r = rule(code)
    return f"【{r.source.label}】{r.label}：{r.text}。出处：{r.source.text}"


def machine_source(kind: str) -> Source | None:
    """The source of a call type's lifecycle (or of the challenge machine)."""
    return lifecycle_rules().machines.get(kind)


def eligibility_sources() -> list[Source]:
    """The sources of the default eligibility pack's conditions."""
    packs = ELIGIBILITY.load()
    return list(packs[0].conditions.values()) if packs else []
