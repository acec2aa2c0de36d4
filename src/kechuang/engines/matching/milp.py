"""The assignment as a mixed-integer programme for HiGHS (scipy.optimize.milp): group rules, the
fair (max–min) objective, and feasibility probes for the explanations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, vstack

from .model import Group
from .prepare import Prepared

# HiGHS stops at this relative gap: tight enough that the max–min and the total are exact to print
# precision (the default 1e-4 would stop a total of 200 up to 0.02 short)
GAP = 1e-9


@dataclass
class MilpAnswer:
    """Chosen pairs (indices into the prepared pairs) or None, HiGHS's status and objective value."""

    chosen: np.ndarray | None
    status: str  # 'optimal', 'time_limit', 'infeasible', 'error'
    objective: float | None = None
    message: str = ""


def group_rows(
    prep: Prepared, var: np.ndarray, groups: list[Group]
) -> list[tuple[csr_array, np.ndarray, np.ndarray]]:
    """One row per (group, demand) that can bind: the count of the group's suppliers assigned."""
    out = []
    d_n, s_n = prep.n_demands, prep.n_suppliers
    vd, vs = prep.pair_demand[var], prep.pair_supplier[var]
    for g in groups:
        dem = np.zeros(d_n, dtype=bool)
        dem[g.demands] = True
        sup = np.zeros(s_n, dtype=bool)
        sup[g.suppliers] = True
        cols = np.flatnonzero(dem[vd] & sup[vs])
        rows_d = np.unique(g.demands)
        counts = np.bincount(vd[cols], minlength=d_n)[rows_d]
        lo = (
            np.full(len(rows_d), -np.inf)
            if not g.at_least
            else np.full(len(rows_d), float(g.at_least))
        )
        hi = (
            np.full(len(rows_d), np.inf)
            if g.at_most is None
            else np.full(len(rows_d), float(g.at_most))
        )
        # a row binds only when its lower bound is positive or its upper bound below the candidates
        binds = (lo > 0) | (hi < counts)
        rows_d, lo, hi = rows_d[binds], lo[binds], hi[binds]
        if not len(rows_d):
            continue
        row_of = np.full(d_n, -1)
        row_of[rows_d] = np.arange(len(rows_d))
        r = row_of[vd[cols]]
        ok = r >= 0
        a = csr_array((np.ones(int(ok.sum())), (r[ok], cols[ok])), shape=(len(rows_d), len(var)))
        out.append((a, lo, hi))
    return out


def solve_milp(
    prep: Prepared,
    objective: str,
    time_limit: float | None,
    groups: list[Group] | None = None,
    floor: float | None = None,
    integral: bool = True,
    keep: np.ndarray | None = None,
    floor_demands: np.ndarray | None = None,
) -> MilpAnswer:
    """Solve over the eligible pairs: objective 'total' (max score), 'fair' (max the smallest
    per-demand sum), 'none' (any feasible point); `floor` requires every covered demand's sum >= floor
    (only the demands in `floor_demands` when given); `keep` limits the pairs that may be chosen."""
    inst = prep.inst
    groups = inst.groups if groups is None else groups
    usable = prep.eligible if keep is None else prep.eligible & (keep | prep.forced)
    var = np.flatnonzero(usable)
    n = len(var)
    vd, vs, sc = prep.pair_demand[var], prep.pair_supplier[var], prep.pair_score[var]
    d_n, s_n = prep.n_demands, prep.n_suppliers
    fair = objective == "fair"
    n_cols = n + (1 if fair else 0)
    cols = np.arange(n)
    blocks = [
        (
            csr_array((np.ones(n), (vd, cols)), shape=(d_n, n)),
            inst.coverage.astype(float),
            inst.coverage.astype(float),
        ),
        (
            csr_array((np.ones(n), (vs, cols)), shape=(s_n, n)),
            inst.min_load.astype(float),
            inst.max_load.astype(float),
        ),
        *group_rows(prep, var, groups),
    ]
    covered = np.flatnonzero(inst.coverage > 0)
    if floor_demands is not None and not fair:
        covered = np.intersect1d(covered, np.flatnonzero(floor_demands))
    if fair or floor is not None:
        row_of = np.full(d_n, -1)
        row_of[covered] = np.arange(len(covered))
        r = row_of[vd]
        ok = r >= 0
        a = csr_array((sc[ok], (r[ok], cols[ok])), shape=(len(covered), n))
        lo = np.zeros(len(covered)) if fair else np.full(len(covered), float(floor))
        blocks.append((a, lo, np.full(len(covered), np.inf)))
    mats = []
    for i, (a, lo, hi) in enumerate(blocks):
        if fair:
            # the extra column is t; only the last block (the per-demand sums) holds it: sum - t >= 0
            extra = np.full((a.shape[0], 1), -1.0 if i == len(blocks) - 1 else 0.0)
            a = _hcat(a, extra)
        mats.append((a, lo, hi))
    lb = np.concatenate([m[1] for m in mats])
    ub = np.concatenate([m[2] for m in mats])
    if n == 0:  # nothing to choose: HiGHS refuses an empty model, and x = 0 decides it
        ok = bool(np.all(lb <= 0) and np.all(ub >= 0))
        return MilpAnswer(
            var if ok else None, "optimal" if ok else "infeasible", 0.0 if ok else None
        )
    a_all = vstack([m[0] for m in mats], format="csr")
    c = np.zeros(n_cols)
    if objective == "total":
        c[:n] = -sc
    elif fair:
        c[n] = -1.0
    x_lo = np.zeros(n_cols)
    x_hi = np.ones(n_cols)
    x_lo[:n][prep.forced[var]] = 1.0
    integrality = np.ones(n_cols) if integral else np.zeros(n_cols)
    if fair:
        span = float(np.abs(sc).sum()) + 1.0
        x_lo[n], x_hi[n] = -span, span
        integrality[n] = 0
    options: dict = {"mip_rel_gap": GAP}
    if time_limit is not None:
        options["time_limit"] = max(float(time_limit), 0.01)
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(x_lo, x_hi),
        constraints=LinearConstraint(a_all, lb, ub),
        options=options,
    )
    status = {0: "optimal", 1: "time_limit", 2: "infeasible"}.get(res.status, "error")
    if res.x is None:
        return MilpAnswer(None, "infeasible" if status == "optimal" else status, None, res.message)
    x = res.x[:n]
    chosen = var[x > 0.5] if integral else var[x > 1e-9]
    return MilpAnswer(chosen, status, -float(res.fun), res.message)


def _hcat(a: csr_array, extra: np.ndarray) -> csr_array:
    from scipy.sparse import hstack

    return hstack([a, csr_array(extra)], format="csr")
