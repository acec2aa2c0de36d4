"""The chain's rules as data (methodology/chain_*.yaml): carrier kinds and their chain stage, levels,
operator kinds, end reasons, 飞地/异地孵化/结对共建 arrangements, contract kinds and the provisional
孵化器 graduation criteria, each item citing its source and confirmation level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kechuang.core.errors import Unprocessable
from kechuang.core.methodology import (
    Catalogue,
    MethodologyFile,
    Registry,
    Source,
    Versioning,
    read_source,
)

STAGES = {"research": "研发端", "incubation": "孵化端", "industry": "产业端"}
OUTCOMES = {"graduated": "毕业", "left": "离开（未毕业）"}


class ChainMethodologyError(Unprocessable, ValueError):
    """A chain methodology file is wrong (message in Chinese naming file and item)."""


@dataclass(frozen=True)
class Item:
    """A coded item of a list (kind, level, reason, …) with its source; `extra` holds e.g. stage."""

    code: str
    name: str
    source: Source | None
    extra: str = ""


@dataclass(frozen=True)
class Criterion:
    """A graduation criterion: the sum of `fields` on the latest enterprise-year reaches `min`."""

    code: str
    name: str
    fields: tuple[str, ...]
    min: float
    source: Source | None


@dataclass(frozen=True)
class Chain:
    """One version of the chain methodology."""

    code: str
    version: str
    name: str
    kinds: tuple[Item, ...]
    levels: tuple[Item, ...]
    operator_kinds: tuple[Item, ...]
    end_reasons: tuple[Item, ...]
    arrangements: tuple[Item, ...]
    contract_kinds: tuple[Item, ...]
    max_months: int
    max_months_source: Source | None
    criteria_all: tuple[Criterion, ...]
    criteria_any: tuple[Criterion, ...]
    source: Source | None
    sha256: str = ""

    def names(self, attr: str) -> dict[str, str]:
        """code → Chinese name of one list (kinds, levels, operator_kinds, …)."""
        return {i.code: i.name for i in getattr(self, attr)}

    def stage_of(self, kind: str) -> str | None:
        """The chain stage (research/incubation/industry) of a carrier kind."""
        return next((i.extra for i in self.kinds if i.code == kind), None)

    def outcome_of(self, reason: str) -> str | None:
        """The outcome (graduated/left) a reason code implies."""
        return next((i.extra for i in self.end_reasons if i.code == reason), None)


def _items(data: Any, key: str, problems: list[str], reg: Registry, extra: str = "") -> list[Item]:
    out = []
    seen: set[str] = set()
    for raw in data.get(key) or []:
        code = str(raw.get("code") or "")
        if not code or code in seen:
            problems.append(f"{key} 中代码“{code}”为空或重复")
        seen.add(code)
        src = read_source(raw.get("source"), f"{key} {code}", problems, reg)
        out.append(
            Item(code, str(raw.get("name") or code), src, str(raw.get(extra, "")) if extra else "")
        )
    if not out:
        problems.append(f"缺少 {key}")
    return out


def _criteria(raw: list[Any], where: str, problems: list[str], reg: Registry) -> list[Criterion]:
    from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS

    known = {f.code for f in ENTERPRISE_YEAR_FIELDS}
    out = []
    for c in raw or []:
        fields = tuple(str(f) for f in c.get("fields") or [])
        bad = [f for f in fields if f not in known]
        if not fields or bad:
            problems.append(
                f"毕业条件 {c.get('code')} 的指标 {'、'.join(bad) or '（空）'} 不是企业年度指标"
            )
        src = read_source(c.get("source"), f"{where} {c.get('code')}", problems, reg)
        out.append(Criterion(str(c["code"]), str(c["name"]), fields, float(c["min"]), src))
    return out


def _parse(file: MethodologyFile, reg: Registry) -> Chain:
    data = file.data
    problems: list[str] = []
    kinds = _items(data, "kinds", problems, reg, "stage")
    for k in kinds:
        if k.extra not in STAGES:
            problems.append(f"载体类型 {k.code} 的链条环节应为 {'、'.join(STAGES)} 之一")
    reasons = _items(data, "end_reasons", problems, reg, "outcome")
    for r in reasons:
        if r.extra not in OUTCOMES:
            problems.append(f"结束原因 {r.code} 的结果应为 {'、'.join(OUTCOMES)} 之一")
    grad = data.get("graduation") or {}
    mm = grad.get("max_months") or {}
    chain = Chain(
        code=str(data["code"]),
        version=str(data["version"]),
        name=str(data["name"]),
        kinds=tuple(kinds),
        levels=tuple(_items(data, "levels", problems, reg)),
        operator_kinds=tuple(_items(data, "operator_kinds", problems, reg)),
        end_reasons=tuple(reasons),
        arrangements=tuple(_items(data, "arrangements", problems, reg)),
        contract_kinds=tuple(_items(data, "contract_kinds", problems, reg)),
        max_months=int(mm.get("value") or 0),
        max_months_source=read_source(mm.get("source"), "孵化期限", problems, reg),
        criteria_all=tuple(_criteria(grad.get("all"), "毕业条件", problems, reg)),
        criteria_any=tuple(_criteria(grad.get("any"), "毕业条件", problems, reg)),
        source=read_source(data.get("source"), "链条口径", problems, reg),
        sha256=file.sha256,
    )
    if problems:
        err = ChainMethodologyError("；".join(problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    return chain


CHAINS: Catalogue[Chain] = Catalogue(
    label="载体链条口径",
    package="kechuang.carriers",
    folder="",
    pattern="chain_*.yaml",
    parse=_parse,
    error=ChainMethodologyError,
    versioning=Versioning(
        code=lambda c: f"{c.code}@{c.version}", family=lambda c: c.code, version=lambda c: c.version
    ),
)


def current_chain() -> Chain:
    """The newest chain methodology."""
    chains = CHAINS.load()
    return CHAINS.latest(chains[0].code)


def item_dict(item: Item | Criterion) -> dict[str, Any]:
    """Plain data for an item with its source and confirmation label."""
    out: dict[str, Any] = {"code": item.code, "name": item.name}
    if isinstance(item, Item) and item.extra:
        out["extra"] = item.extra
    out["source"] = item.source.as_dict() if item.source else None
    return out
