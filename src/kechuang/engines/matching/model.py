"""The data of an assignment problem and of its answer: Instance, Group, Result, Infeasibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


class MatchingInputError(ValueError):
    """An instance or an instance file that cannot be read; the message names what is wrong."""


@dataclass(frozen=True)
class Group:
    """A per-demand count rule: for every demand in `demands`,
    at_least <= |assigned(d) ∩ suppliers| <= at_most (None = no bound on that side)."""

    label: str
    demands: np.ndarray
    suppliers: np.ndarray
    at_least: int | None = None
    at_most: int | None = None


@dataclass
class Instance:
    """Suppliers × demands with sparse candidate pairs and every constraint on them (indices, not ids)."""

    supplier_ids: list[str]
    demand_ids: list[str]
    min_load: np.ndarray
    max_load: np.ndarray
    coverage: np.ndarray
    pair_demand: np.ndarray
    pair_supplier: np.ndarray
    pair_score: np.ndarray
    components: dict[str, np.ndarray] = field(default_factory=dict)
    conflicts: tuple[np.ndarray, np.ndarray] | None = None
    forced: tuple[np.ndarray, np.ndarray] | None = None
    groups: list[Group] = field(default_factory=list)

    def __post_init__(self) -> None:
        s, d = len(self.supplier_ids), len(self.demand_ids)
        self.min_load = _ints(self.min_load, "min_load", s)
        self.max_load = _ints(self.max_load, "max_load", s)
        self.coverage = _ints(self.coverage, "coverage", d)
        self.pair_demand = _index(self.pair_demand, "pair_demand", d)
        self.pair_supplier = _index(self.pair_supplier, "pair_supplier", s)
        self.pair_score = np.asarray(self.pair_score, dtype=np.float64)
        n = len(self.pair_demand)
        if len(self.pair_supplier) != n or len(self.pair_score) != n:
            raise MatchingInputError(
                f"候选对的三个数组长度不一致：demand {n}、supplier {len(self.pair_supplier)}、score {len(self.pair_score)}"
            )
        if not np.all(np.isfinite(self.pair_score)):
            raise MatchingInputError("候选对分数含非有限值（NaN 或无穷）")
        if (self.min_load < 0).any() or (self.coverage < 0).any():
            raise MatchingInputError("最低负荷与覆盖人数不能为负")
        bad = np.flatnonzero(self.min_load > self.max_load)
        if len(bad):
            raise MatchingInputError(
                f"供给方 {self.supplier_ids[bad[0]]} 的最低负荷 {self.min_load[bad[0]]} 大于最高负荷 {self.max_load[bad[0]]}"
            )
        if len(set(self.supplier_ids)) != s or len(set(self.demand_ids)) != d:
            raise MatchingInputError("供给方或需求的编号有重复")
        key = self.pair_demand.astype(np.int64) * max(s, 1) + self.pair_supplier
        uniq, counts = np.unique(key, return_counts=True)
        if (counts > 1).any():
            k = int(uniq[counts > 1][0])
            raise MatchingInputError(
                f"候选对重复：需求 {self.demand_ids[k // max(s, 1)]} – 供给方 {self.supplier_ids[k % max(s, 1)]}"
            )
        comps = {}
        for name, values in self.components.items():
            arr = np.asarray(values)
            if len(arr) != n:
                raise MatchingInputError(f"解释分量 {name} 的长度 {len(arr)} 与候选对数 {n} 不一致")
            comps[name] = arr
        self.components = comps
        self.conflicts = _pairs(self.conflicts, "conflicts", d, s)
        self.forced = _pairs(self.forced, "forced", d, s)
        groups = []
        for g in self.groups:
            if g.at_least is not None and g.at_most is not None and g.at_least > g.at_most:
                raise MatchingInputError(
                    f"分组约束「{g.label}」的下限 {g.at_least} 大于上限 {g.at_most}"
                )
            groups.append(
                Group(
                    g.label,
                    _index(g.demands, f"分组「{g.label}」的 demands", d),
                    _index(g.suppliers, f"分组「{g.label}」的 suppliers", s),
                    g.at_least,
                    g.at_most,
                )
            )
        self.groups = groups

    @property
    def n_suppliers(self) -> int:
        """Number of suppliers."""
        return len(self.supplier_ids)

    @property
    def n_demands(self) -> int:
        """Number of demands."""
        return len(self.demand_ids)

    @property
    def n_pairs(self) -> int:
        """Number of candidate pairs."""
        return len(self.pair_demand)


def _ints(values: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise MatchingInputError(f"{name} 的长度 {arr.shape} 应为 {n}")
    if arr.size and not np.all(arr == np.round(arr)):
        raise MatchingInputError(f"{name} 应为整数")
    return arr.astype(np.int64)


def _index(values: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.int64).reshape(-1)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise MatchingInputError(f"{name} 含越界的下标（应在 0 到 {n - 1} 之间）")
    return arr


def _pairs(value: Any, name: str, d: int, s: int) -> tuple[np.ndarray, np.ndarray] | None:
    if value is None:
        return None
    dem, sup = value
    dem = _index(dem, f"{name} 的需求下标", d)
    sup = _index(sup, f"{name} 的供给方下标", s)
    if len(dem) != len(sup):
        raise MatchingInputError(f"{name} 的两个数组长度不一致")
    return dem, sup


@dataclass
class Infeasibility:
    """Why no assignment exists: a Chinese message, the demands and suppliers involved, the binding
    constraint's code ('coverage', 'min_load', 'max_load', 'group', 'forced', 'time_limit') and figures."""

    constraint: str
    message: str
    demands: list[str] = field(default_factory=list)
    suppliers: list[str] = field(default_factory=list)
    required: int | None = None
    available: int | None = None
    group: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable form (for JSON)."""
        return {
            "constraint": self.constraint,
            "message": self.message,
            "demands": self.demands,
            "suppliers": self.suppliers,
            "required": self.required,
            "available": self.available,
            "group": self.group,
        }


@dataclass
class Result:
    """An assignment (or the reason there is none) with its figures.

    `pair_index` points into the instance's candidate pairs (forced pairs that were not candidates are
    appended there with score 0, see `solve`). `status` is 'optimal', 'time_limit' (best found, not
    proven) or 'infeasible'. `gap_bound` bounds how far `total` may be below the true optimum (the
    integer scaling of the min-cost flow; 0 when proven by the MILP at gap 0). In `fair` mode
    `min_bound` is the proven upper bound of the max–min (equal to `min_demand_affinity` within a
    relative 1e-9 when the status is 'optimal')."""

    feasible: bool
    mode: str
    status: str
    pair_demand: np.ndarray
    pair_supplier: np.ndarray
    pair_index: np.ndarray
    pair_score: np.ndarray
    total: float
    min_demand_affinity: float
    loads: np.ndarray
    seconds: float
    method: str
    explanation: Infeasibility | None = None
    gap_bound: float = 0.0
    min_bound: float | None = None
    components: dict[str, np.ndarray] = field(default_factory=dict)
    demand_ids: list[str] = field(default_factory=list)
    supplier_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pair_demand)

    def why(self, i: int) -> dict[str, Any]:
        """The i-th chosen pair: ids, score and the caller's affinity components."""
        out: dict[str, Any] = {
            "demand_id": self.demand_ids[int(self.pair_demand[i])],
            "supplier_id": self.supplier_ids[int(self.pair_supplier[i])],
            "score": float(self.pair_score[i]),
        }
        for name, values in self.components.items():
            v = values[i]
            out[name] = v.item() if hasattr(v, "item") else v
        return out

    def assignments(self) -> list[dict[str, Any]]:
        """Every chosen pair as `why` gives it."""
        return [self.why(i) for i in range(len(self))]

    def demand_sums(self) -> np.ndarray:
        """Sum of chosen scores per demand."""
        return np.bincount(
            self.pair_demand, weights=self.pair_score, minlength=len(self.demand_ids)
        )
