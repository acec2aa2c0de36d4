"""Innovation-points methodologies as versioned data: loading and validation (Chinese errors).

A methodology file (methodology/*.yaml, or one the bureau puts in its methodology directory) names
its categories, indicators (definition from enterprise-year figures, unit, direction, 满分参考值,
per-stage weights), the lifecycle-stage rule, bonus and negative items and the scoring mode. Every
item names its source (a code of the project's sources registry, the article, one confirmation
level). Files are read through the methodology layer's catalogue (kechuang.core.methodology);
nothing here touches a database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kechuang.core.errors import Unprocessable
from kechuang.core.methodology import (
    CONFIRMATION,
    Catalogue,
    MethodologyFile,
    Registry,
    Source,
    Versioning,
    read_source,
    version_label,
)
from kechuang.statistics.fields import FIELDS_BY_CODE

MODES = {"reference": "满分参考值计分", "relative": "同类百分位计分"}
# The confirmation vocabulary of every item (the methodology layer's one vocabulary).
CONFIDENCE = CONFIRMATION
OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}
# Inputs a stage rule or item may test besides the statistics fields.
DERIVED_INPUTS = {"age_years": "成立年限（年）"}
COHORT_KEYS = {"stage": "生命周期阶段", "industry_division": "行业大类", "zone": "高新区"}


class MethodologyError(Unprocessable):
    """A methodology file is invalid (message in Chinese, naming the file and item)."""


@dataclass(frozen=True)
class Condition:
    """input op value, e.g. age_years < 5."""

    input: str
    op: str
    value: Any

    def text(self, labels: dict[str, str]) -> str:
        """A Chinese rendering such as “成立年限（年） < 5”."""
        value = (
            {True: "是", False: "否"}.get(self.value, self.value)
            if isinstance(self.value, bool)
            else self.value
        )
        return f"{labels.get(self.input, self.input)} {OPS[self.op]} {value}"


@dataclass(frozen=True)
class Stage:
    """A lifecycle stage: the first stage whose conditions hold is the enterprise's stage."""

    code: str
    name: str
    conditions: tuple[Condition, ...]
    match: str = "all"
    note: str = ""
    source: str = ""  # the source as text: registry title and article
    confidence: str = "unconfirmed"  # its confirmation level
    cite: Source | None = None


@dataclass(frozen=True)
class Category:
    """A 一级指标 (category)."""

    code: str
    name: str
    source: str = ""
    confidence: str = "unconfirmed"
    cite: Source | None = None


@dataclass(frozen=True)
class Indicator:
    """A 二级指标: how its value is derived, its unit, 满分参考值 and points per stage."""

    code: str
    name: str
    category: str
    kind: str  # field | ratio | growth
    fields: tuple[str, ...]
    unit: str
    weights: dict[str, float]
    reference: float | None = None
    direction: int = 1
    source: str = ""
    confidence: str = "unconfirmed"
    cite: Source | None = None
    note: str = ""

    @property
    def definition(self) -> str:
        """The definition in Chinese, from the statistics template's column names."""
        names = [FIELDS_BY_CODE[f].template_header for f in self.fields]
        if self.kind == "ratio":
            return f"{names[0]} ÷ {names[1]}"
        if self.kind == "growth":
            return f"({names[0]} − 上年{names[0]}) ÷ 上年{names[0]}"
        return names[0]


@dataclass(frozen=True)
class Item:
    """A bonus (加分) or negative (负面) item; a negative item with veto sets the total to 0."""

    code: str
    name: str
    condition: Condition
    points: float = 0.0
    veto: bool = False
    source: str = ""
    confidence: str = "unconfirmed"
    cite: Source | None = None


@dataclass(frozen=True)
class Methodology:
    """A validated methodology, with its version and content hash."""

    code: str
    version: str
    name: str
    status: str
    status_label: str
    source: str
    scale: float
    mode: str
    cohort: tuple[str, ...]
    scoring_source: str
    scoring_confidence: str
    stages: tuple[Stage, ...]
    categories: tuple[Category, ...]
    indicators: tuple[Indicator, ...]
    flags: dict[str, str]
    bonus: tuple[Item, ...]
    bonus_cap: float | None
    negative: tuple[Item, ...]
    pending: tuple[dict[str, str], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    sha256: str = ""  # hash of the methodology file's bytes (empty for a mapping parsed in code)
    source_detail: Source | None = None
    origin: str = "shipped"
    cites: tuple[Source, ...] = ()  # every source the file names, in file order

    @property
    def provisional(self) -> bool:
        """True unless the whole methodology is confirmed by official text."""
        return self.status != "official"

    @property
    def digest(self) -> str:
        """SHA-256 of the methodology file (a run records it); of the mapping when not a file."""
        if self.sha256:
            return self.sha256
        text = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def label(self) -> str:
        """Name and version for display."""
        return f"{self.name}（{version_label(self.version)}）"

    def source_codes(self) -> list[str]:
        """The registry codes the methodology cites, in file order."""
        return list(dict.fromkeys(c.code for c in self.cites))

    def stage_names(self) -> dict[str, str]:
        """Stage code → Chinese name."""
        return {s.code: s.name for s in self.stages}

    def input_fields(self) -> list[str]:
        """Statistics fields the methodology reads (indicators, stage rule, items)."""
        out: list[str] = []
        for ind in self.indicators:
            out += list(ind.fields)
        for cond in [c for s in self.stages for c in s.conditions] + [
            i.condition for i in self.bonus + self.negative
        ]:
            if cond.input in FIELDS_BY_CODE:
                out.append(cond.input)
        return list(dict.fromkeys(out))

    def input_labels(self) -> dict[str, str]:
        """Input code → Chinese label (fields, derived inputs, flags)."""
        return (
            {c: f.template_header for c, f in FIELDS_BY_CODE.items()} | DERIVED_INPUTS | self.flags
        )


DEFAULT_CODE = "torch_core"


def _parse_file(file: MethodologyFile, reg: Registry) -> Methodology:
    return parse(file.data, file.name, reg, file.sha256, file.origin)


# methodology/*.yaml and the bureau's <KECHUANG_METHODOLOGY_DIR>/points/*.yaml
CATALOGUE: Catalogue[Methodology] = Catalogue(
    label="积分方法",
    package="kechuang.points",
    folder="",
    parse=_parse_file,
    error=MethodologyError,
    versioning=Versioning(
        code=lambda m: f"{m.code}@{m.version}", family=lambda m: m.code, version=lambda m: m.version
    ),
)


def available() -> list[Methodology]:
    """Every methodology (shipped and the bureau's), default first."""
    return sorted(CATALOGUE.load(), key=lambda m: (m.code != DEFAULT_CODE, m.code, m.version))


def load(code: str | None = None) -> Methodology:
    """A methodology by code (the newest version), code@version, or a path to a YAML file (read
    and validated as the catalogue's files are)."""
    code = code or DEFAULT_CODE
    if code.endswith((".yaml", ".yml")) and Path(code).is_file():
        return CATALOGUE.load_path(code)
    name, _, version = code.partition("@")
    matches = [m for m in available() if m.code == name and (not version or m.version == version)]
    if not matches:
        known = "、".join(f"{m.code}（{m.name}）" for m in available())
        raise MethodologyError(f"未知的积分方法“{code}”，可选：{known}")
    return sorted(matches, key=lambda m: m.version)[-1]


def _need(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d or d[key] in (None, ""):
        raise MethodologyError(f"{where}：缺少“{key}”")
    return d[key]


def _condition(d: Any, where: str, inputs: set[str]) -> Condition:
    if not isinstance(d, dict):
        raise MethodologyError(f"{where}：条件应写成 {{input, op, value}}")
    cond = Condition(str(_need(d, "input", where)), str(_need(d, "op", where)), d.get("value"))
    if cond.op not in OPS:
        raise MethodologyError(f"{where}：未知的比较符“{cond.op}”，可选：{'、'.join(OPS)}")
    if cond.input not in inputs:
        raise MethodologyError(
            f"{where}：未知的输入“{cond.input}”（应为统计字段、age_years 或 flags 中声明的标记）"
        )
    return cond


class _Sources:
    """Reads items' sources: with a registry every item must name one (problems collected and
    raised together); without (a mapping built in code) a source is optional."""

    def __init__(self, reg: Registry | None) -> None:
        self.reg = reg
        self.problems: list[str] = []
        self.seen: list[Source] = []  # every source read, in file order

    def read(self, d: Any, where: str) -> tuple[str, str, Source | None]:
        """(text, confirmation level, Source) of an item."""
        raw = d.get("source") if isinstance(d, dict) else None
        if "confidence" in (d if isinstance(d, dict) else {}) and self.reg is not None:
            self.problems.append(
                f"{where}：“confidence”已停用，确认程度写在 source.confirmation 中"
            )
        if self.reg is None and not isinstance(raw, dict):
            level = str((d or {}).get("confidence", "unconfirmed"))
            return str(raw or ""), level, None
        src = read_source(raw, where, self.problems, self.reg)
        if src is None:
            return "", "unconfirmed", None
        self.seen.append(src)
        return src.text, src.confirmation, src


def parse(
    raw: dict[str, Any],
    filename: str = "",
    reg: Registry | None = None,
    sha256: str = "",
    origin: str = "shipped",
) -> Methodology:
    """Validate a methodology mapping (as read from YAML) and build the Methodology.

    With the sources registry `reg` (files read through the catalogue) every item must name its
    source; every source problem is reported at once. Without it (a mapping built in code) sources
    are optional."""
    if not isinstance(raw, dict):
        raise MethodologyError(f"积分方法文件“{filename}”格式错误：应为 YAML 映射")
    where = f"积分方法文件“{filename or raw.get('code', '')}”"
    srcs = _Sources(reg)
    code, version = str(_need(raw, "code", where)), str(_need(raw, "version", where))
    top_text, _, top_src = srcs.read(raw, f"{where} 方法依据")
    scoring = raw.get("scoring") or {}
    mode = scoring.get("mode", "reference")
    if mode not in MODES:
        raise MethodologyError(f"{where}：scoring.mode 应为 {'、'.join(MODES)}，而不是“{mode}”")
    scoring_text, scoring_level, _ = srcs.read(scoring, f"{where} 计分方式")
    cohort = tuple(scoring.get("cohort") or (("stage",) if mode == "relative" else ()))
    bad = [c for c in cohort if c not in COHORT_KEYS]
    if bad:
        raise MethodologyError(
            f"{where}：scoring.cohort 中未知的分组“{bad[0]}”，可选：{'、'.join(COHORT_KEYS)}"
        )
    flags = {str(f["code"]): str(f.get("name", f["code"])) for f in raw.get("flags") or []}
    inputs = set(FIELDS_BY_CODE) | set(DERIVED_INPUTS) | set(flags)
    stages = []
    for i, s in enumerate(_need(raw, "stages", where)):
        w = f"{where} 第{i + 1}个阶段“{s.get('name', s.get('code', ''))}”"
        conds = tuple(_condition(c, w, inputs) for c in s.get("when") or [])
        if s.get("match", "all") not in ("all", "any"):
            raise MethodologyError(f"{w}：match 应为 all 或 any")
        text, level, cite = srcs.read(s, w)
        stages.append(
            Stage(
                str(_need(s, "code", w)),
                str(_need(s, "name", w)),
                conds,
                s.get("match", "all"),
                s.get("note", ""),
                text,
                level,
                cite,
            )
        )
    if stages[-1].conditions:
        raise MethodologyError(f"{where}：最后一个阶段“{stages[-1].name}”应不带条件（其余企业）")
    stage_codes = [s.code for s in stages]
    categories = []
    for i, c in enumerate(_need(raw, "categories", where)):
        w = f"{where} 第{i + 1}个一级指标“{c.get('name', c.get('code', ''))}”"
        text, level, cite = srcs.read(c, w)
        categories.append(
            Category(str(_need(c, "code", w)), str(_need(c, "name", w)), text, level, cite)
        )
    cat_codes = {c.code for c in categories}
    scale = float(raw.get("scale", 100))
    indicators = []
    seen: set[str] = set()
    for i, d in enumerate(_need(raw, "indicators", where)):
        w = f"{where} 第{i + 1}个指标“{d.get('code', '')}”"
        icode = str(_need(d, "code", w))
        if icode in seen:
            raise MethodologyError(f"{w}：指标代码重复")
        seen.add(icode)
        if d.get("category") not in cat_codes:
            raise MethodologyError(f"{w}：未知的一级指标“{d.get('category')}”")
        formula = _need(d, "formula", w)
        kinds = [k for k in ("field", "ratio", "growth") if k in formula]
        if len(kinds) != 1:
            raise MethodologyError(f"{w}：formula 应为 field、ratio 或 growth 之一")
        kind = kinds[0]
        fields = tuple(formula[kind]) if kind == "ratio" else (formula[kind],)
        if kind == "ratio" and len(fields) != 2:
            raise MethodologyError(f"{w}：ratio 应为 [分子, 分母]")
        for f in fields:
            if f not in FIELDS_BY_CODE or FIELDS_BY_CODE[f].kind == "bool":
                raise MethodologyError(f"{w}：“{f}”不是企业年度统计中的数值字段")
        weights = {str(k): float(v) for k, v in (_need(d, "weights", w)).items()}
        if set(weights) != set(stage_codes):
            raise MethodologyError(f"{w}：weights 应为每个阶段（{'、'.join(stage_codes)}）给出分值")
        if any(v < 0 for v in weights.values()):
            raise MethodologyError(f"{w}：权重不能为负")
        ref = d.get("reference")
        if mode == "reference" and (ref is None or float(ref) <= 0):
            raise MethodologyError(f"{w}：满分参考值计分需要正数 reference（满分参考值）")
        direction = int(d.get("direction", 1))
        if direction not in (1, -1):
            raise MethodologyError(f"{w}：direction 应为 1 或 -1")
        text, level, cite = srcs.read(d, w)
        indicators.append(
            Indicator(
                icode,
                str(_need(d, "name", w)),
                d["category"],
                kind,
                fields,
                str(d.get("unit", "")),
                weights,
                float(ref) if ref is not None else None,
                direction,
                text,
                level,
                cite,
                str(d.get("note", "")),
            )
        )
    for s in stage_codes:
        total = sum(ind.weights[s] for ind in indicators)
        if abs(total - scale) > 1e-6:
            raise MethodologyError(
                f"{where}：阶段“{s}”的权重合计为 {total:g}，应等于满分 {scale:g}"
            )

    def items(block: dict[str, Any] | None, kind: str) -> tuple[Item, ...]:
        out = []
        if block and (block.get("items") or block.get("source")):
            srcs.read(block, f"{where} {kind}项")
        for i, d in enumerate((block or {}).get("items") or []):
            w = f"{where} {kind}第{i + 1}项“{d.get('code', '')}”"
            text, level, cite = srcs.read(d, w)
            out.append(
                Item(
                    str(_need(d, "code", w)),
                    str(_need(d, "name", w)),
                    _condition(_need(d, "when", w), w, inputs),
                    float(d.get("points", 0)),
                    bool(d.get("veto", False)),
                    text,
                    level,
                    cite,
                )
            )
            if out[-1].points < 0:
                raise MethodologyError(f"{w}：points 写正数（负面项按扣分处理）")
        return tuple(out)

    bonus_block = raw.get("bonus") or {}
    bonus, negative = items(bonus_block, "加分"), items(raw.get("negative"), "负面")
    pending = []
    for i, p in enumerate(raw.get("pending") or []):
        w = f"{where} 待补充第{i + 1}项“{p.get('name', '')}”"
        text, level, _ = srcs.read(p, w)
        pending.append(
            {
                "name": str(p.get("name", "")),
                "reason": str(p.get("reason", "")),
                "source": text,
                "confidence": level,
            }
        )
    if srcs.problems:
        err = MethodologyError("；".join(srcs.problems))
        err.problems = srcs.problems  # type: ignore[attr-defined]
        raise err
    return Methodology(
        code=code,
        version=version,
        name=str(raw.get("name", code)),
        status=str(raw.get("status", "provisional")),
        status_label=str(raw.get("status_label", "")),
        source=top_text,
        scale=scale,
        mode=mode,
        cohort=cohort,
        scoring_source=scoring_text,
        scoring_confidence=scoring_level,
        stages=tuple(stages),
        categories=tuple(categories),
        indicators=tuple(indicators),
        flags=flags,
        bonus=bonus,
        bonus_cap=float(bonus_block["cap"]) if bonus_block.get("cap") is not None else None,
        negative=negative,
        pending=tuple(pending),
        raw=raw,
        sha256=sha256,
        source_detail=top_src,
        origin=origin,
        cites=tuple(srcs.seen),
    )
