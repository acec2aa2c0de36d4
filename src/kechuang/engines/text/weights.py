"""Affinity weights and parameters as data: reading and validating ``affinity.yaml``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_WEIGHTS = Path(__file__).with_name("affinity.yaml")

COMPONENTS = ("text", "industry", "problem", "distance", "rating")
COMPONENT_LABELS = {
    "text": "文本相关度",
    "industry": "产业重合",
    "problem": "问题类型重合",
    "distance": "距离",
    "rating": "历史评分",
}
DISTANCE_LEVELS = ("township", "county", "city", "other")
TAG_METHODS = ("overlap", "jaccard")
_ITEM_KEYS = {"value", "meaning", "rationale"}
_COMPONENT_KEYS = {"weight", "meaning", "rationale"}
_TOP_KEYS = {
    "version",
    "confirmation",
    "components",
    "bm25",
    "tags",
    "distance",
    "rating",
    "gate",
}


class WeightsError(ValueError):
    """An affinity weights file that cannot be used; the message is Chinese and names the place."""


@dataclass(frozen=True)
class Weights:
    """Component weights and the parameters of each component (see affinity.yaml)."""

    text: float = 0.45
    industry: float = 0.20
    problem: float = 0.15
    distance: float = 0.10
    rating: float = 0.10
    k1: float = 1.2
    b: float = 0.75
    k3: float = 0.0
    tag_method: str = "overlap"
    distance_levels: Mapping[str, float] = field(
        default_factory=lambda: {"township": 1.0, "county": 0.7, "city": 0.4, "other": 0.0}
    )
    rating_prior_weight: float = 3.0
    rating_prior_mean: float | None = None
    rating_min: float = 1.0
    rating_max: float = 5.0
    gate: tuple[str, ...] = ("text", "industry")
    version: str = "default"
    meanings: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            _check_number(getattr(self, name), f"components.{name}.weight", low=0.0)
        _check_number(self.k1, "bm25.k1", low=0.0)
        _check_number(self.b, "bm25.b", low=0.0, high=1.0)
        _check_number(self.k3, "bm25.k3", low=0.0)
        if self.tag_method not in TAG_METHODS:
            raise WeightsError(
                f"tags.method 只能是 {' 或 '.join(TAG_METHODS)}，实际为 {self.tag_method!r}"
            )
        if set(self.distance_levels) != set(DISTANCE_LEVELS):
            raise WeightsError(f"distance 必须且只能包含 {'、'.join(DISTANCE_LEVELS)} 四个层级")
        for level in DISTANCE_LEVELS:
            _check_number(self.distance_levels[level], f"distance.{level}", low=0.0, high=1.0)
        _check_number(self.rating_prior_weight, "rating.prior_weight", low=0.0)
        _check_number(self.rating_min, "rating.scale_min")
        _check_number(self.rating_max, "rating.scale_max")
        if self.rating_max <= self.rating_min:
            raise WeightsError("rating.scale_max 必须大于 rating.scale_min")
        if self.rating_prior_mean is not None:
            _check_number(
                self.rating_prior_mean,
                "rating.prior_mean",
                low=self.rating_min,
                high=self.rating_max,
            )
        unknown = [g for g in self.gate if g not in COMPONENTS]
        if unknown:
            raise WeightsError(f"gate 中有未知的分项：{'、'.join(unknown)}")
        if all(getattr(self, name) == 0 for name in COMPONENTS):
            raise WeightsError("所有分项权重都为 0，无法计算匹配度")
        # YAML gives ints for whole numbers; store floats so equal weights compare and print alike.
        for name in (
            *COMPONENTS,
            "k1",
            "b",
            "k3",
            "rating_prior_weight",
            "rating_min",
            "rating_max",
        ):
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.rating_prior_mean is not None:
            object.__setattr__(self, "rating_prior_mean", float(self.rating_prior_mean))
        object.__setattr__(
            self, "distance_levels", {k: float(self.distance_levels[k]) for k in DISTANCE_LEVELS}
        )
        object.__setattr__(self, "gate", tuple(self.gate))

    def component_weights(self) -> dict[str, float]:
        """Weight of each component, in the fixed component order."""
        return {name: float(getattr(self, name)) for name in COMPONENTS}


def _check_number(value: Any, where: str, low: float | None = None, high: float | None = None):
    """Raise a WeightsError unless value is a finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WeightsError(f"{where} 必须是有限的数值，实际为 {value!r}")
    if low is not None and value < low:
        raise WeightsError(f"{where} 不能小于 {low:g}，实际为 {value!r}")
    if high is not None and value > high:
        raise WeightsError(f"{where} 不能大于 {high:g}，实际为 {value!r}")


def _mapping(value: Any, where: str, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
    """A YAML mapping with only allowed keys and every required one, or a WeightsError."""
    if not isinstance(value, Mapping):
        raise WeightsError(f"{where} 必须是键值映射")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise WeightsError(
            f"{where} 中有未知的键：{'、'.join(unknown)}（允许的键：{'、'.join(sorted(allowed))}）"
        )
    missing = sorted(required - set(value))
    if missing:
        raise WeightsError(f"{where} 缺少必需的键：{'、'.join(missing)}")
    return value


def _item(section: Mapping[str, Any], key: str, where: str) -> tuple[Any, str]:
    """(value, meaning) of one documented item ``{value, meaning, rationale}``."""
    item = _mapping(section[key], f"{where}.{key}", _ITEM_KEYS, _ITEM_KEYS)
    return item["value"], str(item["meaning"])


def weights_from_dict(data: Any, source: str = "affinity.yaml") -> Weights:
    """Validate a parsed weights document and build Weights; unknown keys are errors."""
    top = _mapping(data, source, _TOP_KEYS, _TOP_KEYS - {"confirmation"})
    meanings: dict[str, str] = {}
    comps = _mapping(top["components"], "components", set(COMPONENTS), set(COMPONENTS))
    kwargs: dict[str, Any] = {}
    for name in COMPONENTS:
        comp = _mapping(comps[name], f"components.{name}", _COMPONENT_KEYS, _COMPONENT_KEYS)
        kwargs[name] = comp["weight"]
        meanings[name] = str(comp["meaning"])
    bm25 = _mapping(top["bm25"], "bm25", {"k1", "b", "k3"}, {"k1", "b", "k3"})
    for key in ("k1", "b", "k3"):
        kwargs[key], meanings[f"bm25.{key}"] = _item(bm25, key, "bm25")
    tags = _mapping(top["tags"], "tags", {"method"}, {"method"})
    kwargs["tag_method"], meanings["tags.method"] = _item(tags, "method", "tags")
    levels = set(DISTANCE_LEVELS)
    dist = _mapping(top["distance"], "distance", levels, levels)
    kwargs["distance_levels"] = {}
    for level in DISTANCE_LEVELS:
        kwargs["distance_levels"][level], meanings[f"distance.{level}"] = _item(
            dist, level, "distance"
        )
    rkeys = {"prior_weight", "prior_mean", "scale_min", "scale_max"}
    rating = _mapping(top["rating"], "rating", rkeys, rkeys)
    for key, arg in (
        ("prior_weight", "rating_prior_weight"),
        ("prior_mean", "rating_prior_mean"),
        ("scale_min", "rating_min"),
        ("scale_max", "rating_max"),
    ):
        kwargs[arg], meanings[f"rating.{key}"] = _item(rating, key, "rating")
    gate = _mapping(top["gate"], "gate", _ITEM_KEYS, _ITEM_KEYS)
    if not isinstance(gate["value"], list) or not all(isinstance(g, str) for g in gate["value"]):
        raise WeightsError("gate.value 必须是分项名称的列表")
    kwargs["gate"] = tuple(gate["value"])
    meanings["gate"] = str(gate["meaning"])
    return Weights(**kwargs, version=str(top["version"]), meanings=meanings)


def load_weights(path: str | Path | None = None) -> Weights:
    """Read and validate an affinity weights YAML file (the shipped affinity.yaml by default)."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WeightsError(f"无法读取匹配权重文件 {path}：{exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise WeightsError(f"匹配权重文件 {path} 不是合法的 YAML：{exc}") from exc
    return weights_from_dict(data, source=path.name)
