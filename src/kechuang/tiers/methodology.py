"""梯度培育 methodology: the ladder's rungs, the rule packs and the ladder targets, as data.

Packs (`methodology/packs/*.yaml`) and targets (`methodology/targets_*.yaml`) are read through the
methodology layer with the bureau's own files (`<KECHUANG_METHODOLOGY_DIR>/tiers/…`); this module says
which versions apply to an assessment year and how a pack and its sources are summarised for lists
and pages. `TierError` lives here, the lowest tiers module, because the targets catalogue raises it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kechuang.core.errors import BadInput
from kechuang.core.methodology import (
    Catalogue,
    MethodologyFile,
    Registry,
    Versioning,
    confirmation_label,
    confirmation_text,
    read_source,
    registry,
)
from kechuang.engines.rules.packs import Citation, Pack, RulePackError, parse_pack

# The ladder's rungs (a pack's `rung`); 0 is an enterprise on no rung yet.
RUNG_LABELS = {
    0: "未入梯度",
    1: "科技型中小企业",
    2: "创新型中小企业",
    3: "高新技术企业",
    4: "专精特新中小企业 / 瞪羚企业",
    5: "专精特新“小巨人” / 潜在独角兽",
    6: "独角兽企业",
}


class TierError(BadInput):
    """Bad input to a tier service (message in Chinese)."""


def _parse_pack(file: MethodologyFile, reg: Registry) -> Pack:
    pack = parse_pack(file.data, reg.titles(), file.sha256)
    problems = _annotation_problems(pack, reg)
    if problems:
        raise RulePackError("；".join(problems), problems)
    return pack


def _annotation_problems(pack: Pack, reg: Registry) -> list[str]:
    """Problems with a pack's `params.inferred` (condition → inferred reading) and
    `params.also_cited` (condition → further sources): codes must be the pack's conditions, and
    every further source must resolve in the registry and be among the pack's documents."""
    codes = {c.code for c in pack.leaf_conditions()}
    problems: list[str] = []
    inferred = pack.params.get("inferred") or {}
    if not isinstance(inferred, dict):
        problems.append(f"规则包“{pack.code}”的 params.inferred 应为 条件代码: 推断读法说明 的映射")
        inferred = {}
    for code, text in inferred.items():
        if code not in codes:
            problems.append(f"规则包“{pack.code}”的 params.inferred 中的“{code}”不是本规则包的条件")
        if not str(text or "").strip():
            problems.append(f"规则包“{pack.code}”的 params.inferred 中“{code}”缺少读法说明")
    also = pack.params.get("also_cited") or {}
    if not isinstance(also, dict):
        problems.append(f"规则包“{pack.code}”的 params.also_cited 应为 条件代码: [出处…] 的映射")
        also = {}
    for code, items in also.items():
        where = f"规则包“{pack.code}”的“{code}”另引出处"
        if code not in codes:
            problems.append(
                f"规则包“{pack.code}”的 params.also_cited 中的“{code}”不是本规则包的条件"
            )
        for raw in items if isinstance(items, list) else [items]:
            src = read_source(raw, where, problems, reg)
            if src is not None and src.code not in pack.documents:
                problems.append(f"{where}“{src.code}”未列入本规则包的 documents")
    return problems


def inferred_reading(pack: Pack, condition: str) -> str:
    """The pack's note that a condition's reading is inferred ("" when it is read as written)."""
    return str((pack.params.get("inferred") or {}).get(condition) or "")


def cited_sources(pack: Pack, cite: Citation | None, condition: str | None = None) -> list[dict]:
    """Every source an item cites, in full: its own and (for a condition) the pack's further
    citations — registry code, title, issuer, 文号, article and confirmation level."""
    reg = registry()
    out: list[dict[str, Any]] = []
    raws: list[Any] = []
    if cite is not None:
        raws.append(
            {"code": cite.source, "article": cite.article, "confirmation": cite.confirmation}
        )
    if condition is not None:
        raws += list(((pack.params.get("also_cited") or {}).get(condition)) or [])
    for raw in raws:
        src = read_source(raw, pack.code, [], reg)
        if src is None:
            continue
        doc = reg.get(src.code)
        out.append(
            {
                **src.as_dict(),
                "citation": doc.citation if doc else src.code,
                "issuer": doc.issuer if doc else None,
                "number": doc.number if doc else None,
                "full_text": full_source_text(src.code, src.article),
            }
        )
    return out


def full_source_text(code: str, article: str) -> str:
    """A citation in full: 《title》（文号）, issuer, article — as every page and export shows it."""
    doc = registry().get(code)
    if doc is None:
        return f"{code} {article}".strip()
    guessed = "（推定）" if "issuer" in doc.unconfirmed else ""
    issuer = f"，{doc.issuer}{guessed}" if doc.issuer else ""
    return f"{doc.citation}{issuer} {article}".strip()


# The rule packs: methodology/packs/*.yaml and the bureau's <KECHUANG_METHODOLOGY_DIR>/tiers/packs.
PACKS: Catalogue[Pack] = Catalogue(
    label="规则包",
    package="kechuang.tiers",
    folder="packs",
    parse=_parse_pack,
    error=RulePackError,
    versioning=Versioning(
        code=lambda p: p.code,
        family=lambda p: p.family,
        version=lambda p: p.version,
        effective_from=lambda p: p.effective_from,
        effective_to=lambda p: p.effective_to,
    ),
)


def _ladder_order(packs: list[Pack]) -> list[Pack]:
    return sorted(packs, key=lambda p: (p.rung, p.code))


def all_packs() -> tuple[Pack, ...]:
    """Every rule pack, shipped and the bureau's (all versions), by rung then code."""
    return tuple(_ladder_order(PACKS.load()))


def packs_for_year(year: int) -> list[Pack]:
    """The packs that apply to an assessment year (applications are made in the following year)."""
    return _ladder_order(PACKS.in_force(date(year + 1, 7, 1)))


def retrospective(pack: Pack, year: int) -> bool:
    """True when the pack was not yet in force for that year's applications."""
    return pack.effective_from > date(year + 1, 7, 1)


def _parse_targets(file: MethodologyFile, reg: Registry) -> dict[str, Any]:
    """A ladder-targets file: every target and untracked item names its source (Chinese errors)."""
    data = file.data
    if not isinstance(data, dict):
        raise TierError("目标文件的顶层应为映射")
    problems: list[str] = []
    for key in ("code", "name", "year", "targets"):
        if key not in data:
            problems.append(f"目标文件缺少字段“{key}”")
    where = f"目标“{data.get('name', data.get('code', '?'))}”"
    top = read_source(data.get("source"), where, problems, reg)
    out = {**data, "sha256": file.sha256, "origin": file.origin}
    if top is not None:
        out |= {"source": top.text, "source_detail": top.as_dict()}
    for group in ("targets", "not_tracked"):
        items = []
        for i, t in enumerate(data.get(group) or [], start=1):
            if not isinstance(t, dict) or not t.get("label"):
                problems.append(f"{where} {group} 第{i}项：需要 label")
                continue
            src = read_source(t.get("source"), f"{where}的“{t['label']}”", problems, reg)
            items.append(
                {
                    **t,
                    "source": src.text if src else "",
                    "source_detail": src.as_dict() if src else None,
                }
            )
        out[group] = items
    if problems:
        raise TierError("；".join(problems)) from None
    return out


# The ladder targets: methodology/targets_*.yaml (and the bureau's tiers/targets_*.yaml).
TARGETS: Catalogue[dict[str, Any]] = Catalogue(
    label="梯度培育目标",
    package="kechuang.tiers",
    folder="",
    pattern="targets_*.yaml",
    parse=_parse_targets,
    error=TierError,
    versioning=Versioning(
        code=lambda t: str(t["code"]), family=lambda t: "targets", version=lambda t: str(t["year"])
    ),
)


def targets() -> dict[str, Any]:
    """The city's ladder targets (Yangzhou's draft 2028 targets), as data; the latest year wins."""
    latest = TARGETS.latest("targets")
    if latest is None:
        raise TierError("没有梯度培育目标文件")
    return latest


def families() -> dict[str, str]:
    """Pack family → Chinese name (newest version's name)."""
    return {p.family: p.name for p in sorted(all_packs(), key=lambda p: p.effective_from)}


def pack_summary(pack: Pack, year: int | None = None) -> dict[str, Any]:
    """A pack's identity, confirmation status and citations, for lists and pages."""
    return {
        "code": pack.code,
        "family": pack.family,
        "name": pack.name,
        "version": pack.version,
        "rung": pack.rung,
        "rung_label": RUNG_LABELS.get(pack.rung, ""),
        "effective_from": pack.effective_from.isoformat(),
        "effective_to": pack.effective_to.isoformat() if pack.effective_to else None,
        "confirmation": pack.confirmation,
        "confirmation_label": pack.confirmation_label,
        "confirmation_note": confirmation_text(pack.confirmation),
        "documents": pack.documents,
        "sources": registry().entries(pack.documents),
        "readings": list(pack.readings),
        "not_evaluated": [
            {"label": label, "source": pack.cite_text(c), **source_fields(c)}
            for label, c in pack.not_evaluated
        ],
        "retrospective": bool(year is not None and retrospective(pack, year)),
    }


def source_fields(cite: Citation | None) -> dict[str, Any]:
    """The item's source code and confirmation level (with its Chinese label)."""
    level = cite.confirmation if cite else "unconfirmed"
    return {
        "source_code": cite.source if cite else None,
        "confirmation": level,
        "confirmation_label": confirmation_label(level),
    }
