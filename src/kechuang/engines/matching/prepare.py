"""An instance brought to the form the solvers read: candidate pairs less conflicts, forced pairs marked,
and the loads and coverage left once the forced pairs are placed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Instance


@dataclass
class Prepared:
    """The pairs a solver may choose from and the residual bounds after forced pairs."""

    inst: Instance
    pair_demand: np.ndarray  # every candidate pair, forced pairs that were not candidates appended
    pair_supplier: np.ndarray
    pair_score: np.ndarray
    components: dict[str, np.ndarray]
    eligible: np.ndarray  # bool per pair: not in conflicts
    forced: np.ndarray  # bool per pair
    forced_conflicts: np.ndarray  # pair indices that are both forced and in conflict

    @property
    def n_suppliers(self) -> int:
        """Number of suppliers."""
        return self.inst.n_suppliers

    @property
    def n_demands(self) -> int:
        """Number of demands."""
        return self.inst.n_demands

    def forced_per_demand(self) -> np.ndarray:
        """Forced pairs per demand."""
        return np.bincount(self.pair_demand[self.forced], minlength=self.n_demands)

    def forced_per_supplier(self) -> np.ndarray:
        """Forced pairs per supplier."""
        return np.bincount(self.pair_supplier[self.forced], minlength=self.n_suppliers)

    def residual(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(coverage, min_load, max_load) still to fill once the forced pairs are placed."""
        fd, fs = self.forced_per_demand(), self.forced_per_supplier()
        cov = self.inst.coverage - fd
        lo = np.maximum(self.inst.min_load - fs, 0)
        hi = self.inst.max_load - fs
        return cov, lo, hi

    def free(self) -> np.ndarray:
        """Indices of the eligible pairs that are not forced: what the solver chooses among."""
        return np.flatnonzero(self.eligible & ~self.forced)


def _keys(dem: np.ndarray, sup: np.ndarray, n_sup: int) -> np.ndarray:
    return dem.astype(np.int64) * max(n_sup, 1) + sup


def prepare(inst: Instance) -> Prepared:
    """Mark conflicts and forced pairs; a forced pair that is no candidate joins with score 0."""
    s = inst.n_suppliers
    pd_, ps, sc = inst.pair_demand, inst.pair_supplier, inst.pair_score
    comps = dict(inst.components)
    keys = _keys(pd_, ps, s)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def locate(k: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(sorted_keys, k)
        pos_c = np.minimum(pos, len(sorted_keys) - 1)
        hit = (pos < len(sorted_keys)) & (sorted_keys[pos_c] == k) if len(sorted_keys) else pos < 0
        return np.where(hit, order[pos_c] if len(order) else -1, -1)

    forced_idx = np.empty(0, dtype=np.int64)
    if inst.forced is not None and len(inst.forced[0]):
        fk = np.unique(_keys(inst.forced[0], inst.forced[1], s))
        where = locate(fk)
        missing = fk[where < 0]
        if len(missing):
            # an administrator may force a pair the affinity source does not list: it counts 0
            add_d, add_s = missing // max(s, 1), missing % max(s, 1)
            base = len(pd_)
            pd_ = np.concatenate([pd_, add_d])
            ps = np.concatenate([ps, add_s])
            sc = np.concatenate([sc, np.zeros(len(missing))])
            for name, values in comps.items():
                fill = (
                    np.zeros(len(missing), dtype=values.dtype)
                    if values.dtype.kind in "biuf"
                    else np.full(len(missing), None, dtype=object)
                )
                comps[name] = np.concatenate(
                    [values.astype(fill.dtype) if fill.dtype == object else values, fill]
                )
            where = where.copy()
            where[where < 0] = base + np.arange(len(missing))
        forced_idx = where
    n = len(pd_)
    forced = np.zeros(n, dtype=bool)
    forced[forced_idx] = True
    eligible = np.ones(n, dtype=bool)
    if inst.conflicts is not None and len(inst.conflicts[0]):
        ck = _keys(inst.conflicts[0], inst.conflicts[1], s)
        all_keys = _keys(pd_, ps, s)
        eligible = ~np.isin(all_keys, ck)
    forced_conflicts = np.flatnonzero(forced & ~eligible)
    return Prepared(inst, pd_, ps, sc, comps, eligible, forced, forced_conflicts)
