"""The pipeline specification: which framework, which data columns, which steps with which
parameters. Loaded from YAML; every default is filled in so a run records its full recipe."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from . import aggregate as agg_mod
from . import normalise as norm_mod
from . import treat as treat_mod
from .errors import SpecError
from .framework import Framework, framework_from_dict, load_framework

STEP_ORDER_HINT = ("denominate", "impute", "screen", "treat", "normalise", "aggregate")

IMPUTE_METHODS = (
    "mean",
    "median",
    "group_mean",
    "group_median",
    "previous",
    "next",
    "previous_next",
    "linear",
)
SCREEN_BY = ("na", "zeros", "na_and_zeros")

STEP_DEFAULTS: dict[str, dict[str, Any]] = {
    "denominate": {"denominators": {}, "scale": 1.0},
    "impute": {"method": "mean", "group": None},
    "screen": {
        "by": "na",
        "threshold": 2 / 3,
        "nonzero_threshold": 0.05,
        "include": [],
        "exclude": [],
    },
    "treat": {**treat_mod.DEFAULTS, "by": None, "overrides": {}},
    "normalise": {
        "method": "minmax",
        "by": [],
        "window": "period",
        "window_years": None,
        "overrides": {},
        **{k: v for d in norm_mod.DEFAULT_PARAMS.values() for k, v in d.items()},
    },
    "aggregate": {
        "method": "arithmetic",
        "p": None,
        "levels": {},
        "min_availability": None,
        "weights": {},
    },
}


@dataclass(frozen=True)
class Spec:
    """A resolved pipeline specification (all defaults filled in)."""

    framework: Framework
    steps: list[tuple[str, dict[str, Any]]]
    unit: str = "uCode"
    name_col: str | None = None
    time: str | None = None
    groups: list[str] = field(default_factory=list)
    rank_within: list[str] = field(default_factory=list)
    name: str | None = None
    version: str | None = None
    source: str | None = None
    uncertainty: dict[str, Any] | None = None

    def step(self, name: str) -> dict[str, Any] | None:
        """Parameters of a step, or None when the step is not in the pipeline."""
        return next((p for s, p in self.steps if s == name), None)

    def with_step_params(self, overrides: dict[str, dict[str, Any]]) -> Spec:
        """A copy with some step parameters replaced (used by what-if and Monte Carlo runs)."""
        steps = []
        for s, p in self.steps:
            if s in overrides:
                p = resolve_step(s, {**p, **overrides[s]}, self.framework)
            steps.append((s, p))
        return replace(self, steps=steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form of the full specification, including the framework."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "data": {
                "unit": self.unit,
                "name": self.name_col,
                "time": self.time,
                "groups": list(self.groups),
            },
            "steps": [{s: copy.deepcopy(p)} for s, p in self.steps],
            "rank": {"within": list(self.rank_within)},
            "uncertainty": copy.deepcopy(self.uncertainty),
            "framework": self.framework.to_dict(),
        }


def resolve_step(name: str, params: dict[str, Any] | None, framework: Framework) -> dict[str, Any]:
    """Merge a step's parameters with its defaults and check them (Chinese errors)."""
    if name not in STEP_DEFAULTS:
        raise SpecError(f"未知的步骤 '{name}'，可选：{', '.join(STEP_DEFAULTS)}")
    params = dict(params or {})
    unknown = sorted(set(params) - set(STEP_DEFAULTS[name]))
    if unknown:
        raise SpecError(f"步骤 '{name}'：未知参数 {', '.join(unknown)}")
    p = {**copy.deepcopy(STEP_DEFAULTS[name]), **params}
    errors: list[str] = []
    codes = set(framework.nodes)
    if name == "impute":
        if p["method"] not in IMPUTE_METHODS:
            errors.append(
                f"步骤 impute：未知方法 '{p['method']}'，可选：{', '.join(IMPUTE_METHODS)}"
            )
        if p["method"].startswith("group_") and not p["group"]:
            errors.append(f"步骤 impute：方法 {p['method']} 需要分组列 group")
    elif name == "screen":
        if p["by"] not in SCREEN_BY:
            errors.append(f"步骤 screen：by 必须是 {'/'.join(SCREEN_BY)} 之一，实际为 {p['by']!r}")
        for key in ("threshold", "nonzero_threshold"):
            if not isinstance(p[key], (int, float)) or not 0 <= p[key] <= 1:
                errors.append(f"步骤 screen：{key} 必须在 0 与 1 之间，实际为 {p[key]!r}")
    elif name == "treat":
        if p["winmax"] is not None and (not isinstance(p["winmax"], int) or p["winmax"] < 0):
            errors.append(f"步骤 treat：winmax 必须是非负整数，实际为 {p['winmax']!r}")
        if p["fallback"] not in treat_mod.TRANSFORMS:
            errors.append(f"步骤 treat：fallback 必须是 {'/'.join(treat_mod.TRANSFORMS)} 之一")
        for code, ov in (p["overrides"] or {}).items():
            if code not in framework.indicators:
                errors.append(f"步骤 treat：overrides 中的 '{code}' 不是框架中的指标")
            elif ov != "none" and not isinstance(ov, dict):
                errors.append(f"步骤 treat：指标 '{code}' 的 overrides 必须是映射或 'none'")
            elif isinstance(ov, dict):
                bad = sorted(set(ov) - set(treat_mod.DEFAULTS))
                if bad:
                    errors.append(
                        f"步骤 treat：指标 '{code}' 的 overrides 含未知参数 {', '.join(bad)}"
                    )
    elif name == "normalise":
        if p["method"] not in norm_mod.METHODS:
            errors.append(
                f"步骤 normalise：未知方法 '{p['method']}'，可选：{', '.join(norm_mod.METHODS)}"
            )
        if p["window"] not in ("period", "pooled"):
            errors.append("步骤 normalise：window 必须是 period（逐期）或 pooled（多期合并）")
        if isinstance(p["by"], str):
            p["by"] = [p["by"]]
        for code, ov in (p["overrides"] or {}).items():
            if code not in framework.indicators:
                errors.append(f"步骤 normalise：overrides 中的 '{code}' 不是框架中的指标")
            elif not isinstance(ov, dict) or ov.get("method", p["method"]) not in norm_mod.METHODS:
                errors.append(f"步骤 normalise：指标 '{code}' 的 overrides 方法无效")
        if p["method"] == "minmax" and (
            not isinstance(p["range"], (list, tuple)) or len(p["range"]) != 2
        ):
            errors.append("步骤 normalise：minmax 的 range 必须是 [下限, 上限]")
    elif name == "aggregate":
        try:
            agg_mod.check_method(p["method"], p["p"])
            levels = {}
            for lv, lp in (p["levels"] or {}).items():
                lp = dict(lp)
                agg_mod.check_method(lp.get("method", p["method"]), lp.get("p", p["p"]))
                levels[int(lv)] = lp
            p["levels"] = levels
        except SpecError as exc:
            errors.extend(f"步骤 aggregate：{m}" for m in exc.messages)
        for code, w in (p["weights"] or {}).items():
            if code not in codes:
                errors.append(f"步骤 aggregate：weights 中的 '{code}' 不在框架中")
            elif not isinstance(w, (int, float)) or w < 0:
                errors.append(f"步骤 aggregate：'{code}' 的权重必须是非负数，实际为 {w!r}")
        ma = p["min_availability"]
        if ma is not None and (not isinstance(ma, (int, float)) or not 0 <= ma <= 1):
            errors.append(f"步骤 aggregate：min_availability 必须在 0 与 1 之间，实际为 {ma!r}")
    if errors:
        raise SpecError(errors)
    return p


def spec_from_dict(data: dict[str, Any], base_dir: Path | None = None) -> Spec:
    """Build a resolved Spec from its YAML form; a relative framework path is read from base_dir."""
    if not isinstance(data, dict):
        raise SpecError("规格文件的顶层必须是映射")
    fw_ref = data.get("framework")
    if isinstance(fw_ref, Framework):
        framework = fw_ref
    elif isinstance(fw_ref, dict):
        framework = framework_from_dict(fw_ref)
    elif isinstance(fw_ref, str):
        path = Path(fw_ref)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        framework = load_framework(path)
    else:
        raise SpecError("规格文件缺少 framework（框架文件路径或内嵌框架）")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise SpecError("规格文件缺少 steps 列表")
    steps: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(raw_steps, start=1):
        if isinstance(item, str):
            name, params = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
        else:
            raise SpecError(f"第 {i} 个步骤格式错误：应为 '步骤名' 或 {{步骤名: {{参数}}}}")
        if any(name == s for s, _ in steps):
            raise SpecError(f"步骤 '{name}' 出现了不止一次")
        steps.append((name, resolve_step(name, params, framework)))
    names = [s for s, _ in steps]
    if "aggregate" not in names or names[-1] != "aggregate":
        raise SpecError("最后一个步骤必须是 aggregate（汇总）")
    if "normalise" not in names:
        raise SpecError("汇总之前必须有 normalise（归一化）步骤")
    d = data.get("data") or {}
    unknown = sorted(set(d) - {"unit", "name", "time", "groups"})
    if unknown:
        raise SpecError(f"data 部分含未知字段 {', '.join(unknown)}")
    groups = d.get("groups") or []
    rank = data.get("rank") or {}
    within = rank.get("within") or []
    return Spec(
        framework=framework,
        steps=steps,
        unit=d.get("unit", "uCode"),
        name_col=d.get("name"),
        time=d.get("time"),
        groups=[groups] if isinstance(groups, str) else list(groups),
        rank_within=[within] if isinstance(within, str) else list(within),
        name=data.get("name"),
        version=None if data.get("version") is None else str(data.get("version")),
        source=data.get("source"),
        uncertainty=data.get("uncertainty"),
    )


def load_spec(path: str | Path) -> Spec:
    """Load a YAML specification file."""
    path = Path(path)
    if not path.exists():
        raise SpecError(f"规格文件不存在：{path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"规格文件 {path.name} 不是有效的 YAML：{exc}") from exc
    return spec_from_dict(data, base_dir=path.parent)
