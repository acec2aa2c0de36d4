"""Evaluation frameworks and the indicator catalogue as versioned data.

A framework (methodology/frameworks/*.yaml, a file in the bureau's methodology directory, or one a
bureau stores through the API) lists dimensions with weights and rows with 赋权; each dimension and
row names its source (a code of the project's sources registry, the article, one confirmation level:
confirmed for the rows read in the official text, reconstructed for the rest) and the zone indicator
that computes it (methodology/indicators.yaml). Framework files are read through the methodology
layer's catalogue and must name every source; a definition stored in the database may omit them.
`engine_spec` turns a framework into the composite engine's specification.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from kechuang.core.errors import Unprocessable
from kechuang.core.methodology import (
    CONFIRMATION,
    MethodologyFile,
    Registry,
    Source,
    Versioning,
    read_source,
)
from kechuang.core.methodology import Catalogue as FileCatalogue

# The confirmation of a row or dimension (the methodology layer's one vocabulary).
ROW_STATUS = CONFIRMATION
# The confirmation of a weight (赋权): the same words; a provisional weight is not published.
WEIGHT_STATUS = {**CONFIRMATION, "provisional": "暂行（未公布，取1.0或类推）"}
# Stored definitions from before the one vocabulary
LEGACY_WEIGHT_STATUS = {"assumed": "provisional"}
SOURCE_LABELS = {
    "enterprise": "企业统计",
    "zone_year": "高新区统计",
    "mixed": "高新区统计/企业统计",
    # counted from the qualifications register (高企证书), the tiers dashboard's own source
    "register": "资质登记",
    "register_enterprise": "资质登记/企业统计",
}
INDICATOR_KINDS = ("value", "ratio", "increase", "growth", "growth_ratio")
PUBLISHABLE = ("rank", "score", "dimension_ranks", "dimension_scores", "performance_group")
NORMALISATIONS = {
    "minmax": "最小–最大（0–100）",
    "dist2max": "距前沿距离",
    "fracmax": "占最大值比例",
}
WINDOWS = {"period": "逐年归一化", "pooled": "多年合并归一化（EIS式，可跨年比较）"}


class FrameworkDataError(Unprocessable):
    """A framework or catalogue file is invalid (Chinese message naming the item)."""


@dataclass(frozen=True)
class Indicator:
    """A zone indicator: how it is computed (kind and references) and from which statistics."""

    code: str
    name: str
    unit: str
    source: str
    kind: str
    spec: Any
    direction: int = 1
    translate: dict[str, Any] | None = None
    note: str = ""

    @property
    def refs(self) -> list[str]:
        """The aggregate references (e.x / z.x) the indicator reads."""
        if self.kind in ("value", "increase", "growth"):
            return [self.spec]
        return [self.spec["num"], self.spec["den"]]


@dataclass(frozen=True)
class Catalogue:
    """The indicator catalogue with its enterprise flags and industry classes."""

    version: str
    indicators: dict[str, Indicator]
    flags: dict[str, str]
    classes: dict[str, list[str]]


def _parse_catalogue(data: dict[str, Any]) -> Catalogue:
    errors: list[str] = []
    inds: dict[str, Indicator] = {}
    for code, item in (data.get("indicators") or {}).items():
        kinds = [k for k in INDICATOR_KINDS if k in item]
        if len(kinds) != 1:
            errors.append(
                f"指标目录 {code}：必须且只能有一种计算方式（{'/'.join(INDICATOR_KINDS)}）"
            )
            continue
        kind = kinds[0]
        spec = item[kind]
        refs = [spec] if isinstance(spec, str) else [spec.get("num"), spec.get("den")]
        for ref in refs:
            if not isinstance(ref, str) or not ref.startswith(("e.", "z.")):
                errors.append(
                    f"指标目录 {code}：引用 {ref!r} 必须以 e.（企业汇总）或 z.（高新区统计）开头"
                )
        if item.get("source") not in SOURCE_LABELS:
            errors.append(f"指标目录 {code}：source 必须是 {'/'.join(SOURCE_LABELS)} 之一")
        inds[code] = Indicator(
            code=code,
            name=item["name"],
            unit=str(item.get("unit", "")),
            source=item.get("source", ""),
            kind=kind,
            spec=spec,
            direction=int(item.get("direction", 1)),
            translate=item.get("translate"),
            note=item.get("note", ""),
        )
    if errors:
        raise FrameworkDataError("；".join(errors))
    return Catalogue(
        str(data.get("version", "")),
        inds,
        dict(data.get("flags") or {}),
        {k: list(v) for k, v in (data.get("classes") or {}).items()},
    )


def _read_yaml(*parts: str) -> dict[str, Any]:
    path = resources.files("kechuang.zones").joinpath("methodology", *parts)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The shipped indicator catalogue."""
    return _parse_catalogue(_read_yaml("indicators.yaml"))


@dataclass(frozen=True)
class Row:
    """One row (secondary indicator) of a framework."""

    row: str
    name: str
    weight: float
    weight_status: str
    status: str  # confirmation level
    source: str  # registry title and article
    indicator: str | None
    missing: str = ""
    cite: Source | None = None


@dataclass(frozen=True)
class Dimension:
    """One primary dimension (一级指标) with its weight and rows."""

    code: str
    name: str
    weight: float
    weight_status: str
    status: str  # confirmation level
    source: str  # registry title and article
    rows: list[Row]
    cite: Source | None = None


@dataclass(frozen=True)
class ZoneFramework:
    """A validated evaluation framework."""

    code: str
    name: str
    version: str
    document: str
    source: str
    method_note: str
    publish: list[str]
    dimensions: list[Dimension]
    definition: dict[str, Any] = field(repr=False, default_factory=dict)
    origin: str = "shipped"
    sha256: str = ""  # of the framework file (empty for a stored definition)
    cite: Source | None = None

    @property
    def hash(self) -> str:
        """SHA-256 of the framework file, or of the stored definition; recorded with every run."""
        if self.sha256:
            return self.sha256
        text = json.dumps(self.definition, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def source_codes(self) -> list[str]:
        """The registry codes the framework cites, in file order."""
        cites = [self.cite, *(d.cite for d in self.dimensions)]
        cites += [r.cite for d in self.dimensions for r in d.rows]
        return list(dict.fromkeys(c.code for c in cites if c is not None))

    @property
    def scored_rows(self) -> list[tuple[Dimension, Row]]:
        """Rows that have a computing indicator, with their dimension."""
        return [(d, r) for d in self.dimensions for r in d.rows if r.indicator]

    @property
    def indicators(self) -> list[str]:
        """Catalogue codes of the scored rows, in framework order."""
        return [r.indicator for _, r in self.scored_rows]

    def dimension_of(self, indicator: str) -> Dimension:
        """The dimension an indicator is scored under."""
        return next(d for d, r in self.scored_rows if r.indicator == indicator)

    def row_of(self, indicator: str) -> Row:
        """The framework row an indicator computes."""
        return next(r for _, r in self.scored_rows if r.indicator == indicator)

    def rows_table(self) -> list[dict[str, Any]]:
        """Every row with its status and data source, for pages and exports."""
        cat = catalogue().indicators
        out = []
        for d in self.dimensions:
            for r in d.rows:
                ind = cat.get(r.indicator) if r.indicator else None
                out.append(
                    {
                        "dimension": d.code,
                        "dimension_name": d.name,
                        "dimension_weight": d.weight,
                        "dimension_status": ROW_STATUS[d.status],
                        "dimension_source": d.source,
                        "row": r.row,
                        "name": r.name,
                        "weight": r.weight,
                        "weight_status": WEIGHT_STATUS[r.weight_status],
                        "status": r.status,
                        "status_label": ROW_STATUS[r.status],
                        "source": r.source,
                        "source_code": r.cite.code if r.cite else None,
                        "indicator": r.indicator or "",
                        "indicator_name": ind.name if ind else "",
                        "data_source": SOURCE_LABELS[ind.source] if ind else "无数据来源（不计分）",
                        "unit": ind.unit if ind else "",
                        "direction": ind.direction if ind else None,
                        "note": (ind.note if ind else r.missing) or "",
                    }
                )
        return out


def _status(
    item: dict[str, Any],
    where: str,
    errors: list[str],
    reg: Registry | None,
    strict: bool,
    inherited: tuple[str, Source | None] = ("", None),
) -> tuple[str, str, Source | None]:
    """(confirmation level, source text, Source) of a framework, dimension or row.

    A file must give ``source: {code, article, confirmation}``. A stored definition may instead
    carry a ``status`` word (reconstructed when absent) and a free-text source, or none (the
    dimension's)."""
    raw = item.get("source")
    if strict or isinstance(raw, dict):
        if strict and "status" in item:
            errors.append(f"{where}：“status”已停用，确认程度写在 source.confirmation 中")
        src = read_source(raw, where, errors, reg)
        return (src.confirmation, src.text, src) if src else ("unconfirmed", "", None)
    status = item.get("status", "reconstructed")
    if status not in CONFIRMATION:
        errors.append(f"{where}：status 必须是 {'/'.join(CONFIRMATION)} 之一")
        status = "unconfirmed"
    return (status, str(raw), None) if raw else (status, *inherited)


def _weight_status(
    item: dict[str, Any], default: str, where: str, errors: list[str], strict: bool
) -> str:
    ws = item.get("weight_status", default)
    if not strict:
        ws = LEGACY_WEIGHT_STATUS.get(ws, ws)
    if ws not in CONFIRMATION:
        errors.append(f"{where}：weight_status 必须是 {'/'.join(CONFIRMATION)} 之一，实际为 {ws!r}")
        ws = "provisional"
    return ws


def parse_framework(
    data: dict[str, Any],
    origin: str = "shipped",
    reg: Registry | None = None,
    sha256: str = "",
    strict: bool = False,
) -> ZoneFramework:
    """Validate a framework definition; every error names the dimension and row, in Chinese.

    `strict` (files): the framework, every dimension and every row name their source, resolved in
    the sources registry `reg`. Otherwise (a definition stored in the database) sources are
    optional; a given ``{code, …}`` source is still checked against `reg` when one is passed."""
    if not isinstance(data, dict):
        raise FrameworkDataError("框架定义的顶层必须是映射")
    errors: list[str] = []
    for key in ("code", "name", "version", "dimensions"):
        if not data.get(key):
            errors.append(f"框架缺少字段 {key}")
    if errors:
        raise FrameworkDataError("；".join(errors))
    code = str(data["code"])
    cat = catalogue().indicators
    top_level, top_text, top = _status(data, f"框架 {code}", errors, reg, strict)
    dims: list[Dimension] = []
    seen_ind: dict[str, str] = {}
    seen_dim: set[str] = set()
    for i, d in enumerate(data["dimensions"], start=1):
        where = f"框架 {code} 第 {i} 个维度"
        if not isinstance(d, dict) or not d.get("code") or not d.get("name"):
            errors.append(f"{where}：需要 code 与 name")
            continue
        dcode = str(d["code"])
        where = f"框架 {code} 维度 {dcode}"
        if dcode in seen_dim or dcode == "index":
            errors.append(f"{where}：代码重复或保留（index）")
        seen_dim.add(dcode)
        w = d.get("weight")
        if not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0:
            errors.append(f"{where}：权重 weight 必须是正数，实际为 {w!r}")
            w = 0
        dstatus, dsource, dcite = _status(d, where, errors, reg, strict)
        rows: list[Row] = []
        for j, r in enumerate(d.get("rows") or [], start=1):
            rwhere = f"{where} 第 {j} 行"
            if not isinstance(r, dict) or not r.get("name"):
                errors.append(f"{rwhere}：需要 name")
                continue
            rwhere = f"{rwhere}（{r['name']}）"
            ind = r.get("indicator")
            if ind is not None and ind not in cat:
                errors.append(f"{rwhere}：未知指标 '{ind}'，可选：{', '.join(cat)}")
                ind = None
            if ind is not None and ind in seen_ind:
                errors.append(f"{rwhere}：指标 '{ind}' 已在 {seen_ind[ind]} 使用")
            if ind:
                seen_ind[ind] = rwhere
            rw = r.get("weight", 1.0)
            if not isinstance(rw, (int, float)) or isinstance(rw, bool) or rw <= 0:
                errors.append(f"{rwhere}：赋权 weight 必须是正数，实际为 {rw!r}")
                rw = 1.0
            status, text, rcite = _status(r, rwhere, errors, reg, strict, (dsource, dcite))
            ws = _weight_status(r, "provisional", rwhere, errors, strict)
            rows.append(
                Row(
                    str(r.get("row", f"{i}.{j}")),
                    str(r["name"]),
                    float(rw),
                    ws,
                    status,
                    text,
                    ind,
                    str(r.get("missing", "")),
                    rcite,
                )
            )
        if not any(r.indicator for r in rows):
            errors.append(f"{where}：没有任何可计算的指标（每个维度至少需要一行指定 indicator）")
        dims.append(
            Dimension(
                dcode,
                str(d["name"]),
                float(w),
                _weight_status(
                    d,
                    "confirmed" if dstatus == "confirmed" else "provisional",
                    where,
                    errors,
                    strict,
                ),
                dstatus,
                dsource,
                rows,
                dcite,
            )
        )
    publish = list(data.get("publish") or ["rank"])
    bad = [p for p in publish if p not in PUBLISHABLE]
    if bad:
        errors.append(
            f"框架 {code}：publish 含未知项 {', '.join(bad)}，可选：{', '.join(PUBLISHABLE)}"
        )
    if errors:
        err = FrameworkDataError("；".join(errors))
        err.problems = errors  # type: ignore[attr-defined]
        raise err
    return ZoneFramework(
        code,
        str(data["name"]),
        str(data["version"]),
        str(data.get("document") or (top.title if top else "")),
        top_text,
        str(data.get("method_note", "")),
        publish,
        dims,
        copy.deepcopy(data),
        origin,
        sha256,
        top,
    )


def _parse_file(file: MethodologyFile, reg: Registry) -> ZoneFramework:
    return parse_framework(
        file.data,
        "shipped" if file.origin == "shipped" else "bureau",
        reg,
        file.sha256,
        strict=True,
    )


# methodology/frameworks/*.yaml and the bureau's <KECHUANG_METHODOLOGY_DIR>/zones/frameworks
FRAMEWORKS: FileCatalogue[ZoneFramework] = FileCatalogue(
    label="评价框架",
    package="kechuang.zones",
    folder="frameworks",
    parse=_parse_file,
    error=FrameworkDataError,
    versioning=Versioning(
        code=lambda f: f.code, family=lambda f: f.code, version=lambda f: f.version
    ),
)
SHIPPED = ("national_2021", "jiangsu_2016")
DEFAULT_FRAMEWORK = "national_2021"


def file_frameworks() -> list[ZoneFramework]:
    """Every framework file: the shipped ones first (the default first), then the bureau's."""
    order = {c: i for i, c in enumerate(SHIPPED)}
    return sorted(FRAMEWORKS.load(), key=lambda f: (order.get(f.code, len(order)), f.code))


def shipped_framework(code: str) -> ZoneFramework:
    """A framework read from a file (shipped, or in the bureau's methodology directory)."""
    fw = FRAMEWORKS.get(code)
    if fw is None:
        known = ", ".join(f.code for f in FRAMEWORKS.load())
        raise FrameworkDataError(f"未知的评价框架 '{code}'，可选：{known}")
    return fw


def _engine_source(cite: Source | None, text: str) -> dict[str, Any]:
    """An item's source for the composite engine: registry code and article (else the text)."""
    if cite is not None:
        return {"source": cite.code, "article": cite.article}
    return {"source": text or None}


def engine_spec(fw: ZoneFramework, options: dict[str, Any]) -> dict[str, Any]:
    """The composite engine's specification for the framework and run options.

    Indicators are level 1 (weight = 赋权), dimensions level 2 (weight = dimension weight), the
    index level 3; the engine re-normalises weights over each zone's available data.
    """
    cat = catalogue().indicators
    items: list[dict[str, Any]] = [{"code": "index", "name_zh": fw.name, "level": 3}]
    for d in fw.dimensions:
        rows = [r for r in d.rows if r.indicator]
        items.append(
            {
                "code": d.code,
                "name_zh": d.name,
                "level": 2,
                "parent": "index",
                "weight": d.weight,
                **_engine_source(d.cite, d.source),
                "confidence": d.status,
            }
        )
        for r in rows:
            ind = cat[r.indicator]
            items.append(
                {
                    "code": ind.code,
                    "name_zh": r.name,
                    "level": 1,
                    "parent": d.code,
                    "weight": r.weight,
                    "direction": ind.direction,
                    "unit": ind.unit,
                    **_engine_source(r.cite, r.source),
                    "confidence": r.status,
                }
            )
    steps: list[dict[str, Any]] = []
    if options.get("treat"):
        steps.append(
            {
                "treat": {
                    "winmax": 5,
                    "skew_threshold": 2.0,
                    "kurt_threshold": 3.5,
                    "fallback": "log_ct",
                }
            }
        )
    norm: dict[str, Any] = {
        "method": options.get("normalise", "minmax"),
        "window": options.get("window", "period"),
    }
    if norm["method"] == "minmax":
        norm["range"] = [0, 100]
    steps.append({"normalise": norm})
    steps.append({"aggregate": {"method": "arithmetic"}})
    return {
        "name": fw.name,
        "version": fw.version,
        "source": fw.document,
        "framework": {
            "name": fw.name,
            "version": fw.version,
            "items": items,
            "levels": {1: "指标", 2: "维度", 3: "总分"},
        },
        "data": {"unit": "unit", "name": "unit_name", "time": "year"},
        "steps": steps,
    }


DEFAULT_OPTIONS: dict[str, Any] = {
    "normalise": "minmax",
    "window": "period",
    "treat": False,
    "reference": "mean",
    "uncertainty_runs": 200,
    "weight_noise": 0.25,
    "vary_normalisation": True,
    "seed": 20250101,
}


def resolve_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Run options with defaults filled in; bad values raise a Chinese message naming the option."""
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    unknown = sorted(set(opts) - set(DEFAULT_OPTIONS))
    if unknown:
        raise FrameworkDataError(f"未知的评价选项：{', '.join(unknown)}")
    if opts["normalise"] not in NORMALISATIONS:
        raise FrameworkDataError(
            f"选项 normalise 必须是 {'/'.join(NORMALISATIONS)} 之一，实际为 {opts['normalise']!r}"
        )
    if opts["window"] not in WINDOWS:
        raise FrameworkDataError(
            f"选项 window 必须是 {'/'.join(WINDOWS)} 之一，实际为 {opts['window']!r}"
        )
    runs = opts["uncertainty_runs"]
    if not isinstance(runs, int) or isinstance(runs, bool) or not 0 <= runs <= 5000:
        raise FrameworkDataError(f"选项 uncertainty_runs 必须是 0–5000 的整数，实际为 {runs!r}")
    noise = opts["weight_noise"]
    if not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        raise FrameworkDataError(f"选项 weight_noise 必须在 0 与 1 之间，实际为 {noise!r}")
    opts["treat"] = bool(opts["treat"])
    opts["vary_normalisation"] = bool(opts["vary_normalisation"])
    return opts
