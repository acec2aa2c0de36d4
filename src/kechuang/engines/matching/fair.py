"""The `fair` mode: the largest achievable smallest per-demand sum, then the largest total under it.

The max–min t* lies between the smallest sum of any feasible assignment (below) and a bound (above:
every demand's best k candidates, and the LP relaxation when the instance is small). A probe at a
floor t asks for the largest total with every demand's sum >= t:

1. pairs that cannot be in any set reaching t for their demand are dropped (a demand's best set
   containing the pair falls short), and the floor rows that every remaining set meets are dropped;
2. the min-cost flow over the remaining pairs ignores the rest of the floor rows (and group rules):
   no flow proves t unreachable; a flow that meets every row is the probe's exact answer;
3. otherwise HiGHS solves the probe as a MILP over the remaining pairs and rows.

Bisection on t (a reached floor jumps to the smallest sum actually reached) closes the interval to
a relative 1e-9; the answer of the last reached floor is then the lexicographic optimum."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .flow import min_cost_flow
from .milp import solve_milp
from .prepare import Prepared

# relative width at which the max–min interval counts as closed, and the slack of a floor test
TOL = 1e-9
# the LP relaxation bound is worth its cost up to this many pairs
LP_BOUND_PAIRS = 400_000


@dataclass
class Probe:
    """A probe's verdict: 'feasible' (chosen = the largest total at the floor), 'infeasible',
    'time_limit'; `proven` is False when HiGHS stopped at its time limit with an incumbent."""

    verdict: str
    chosen: np.ndarray | None = None
    proven: bool = True
    gap_bound: float = 0.0


def _eps(t: float) -> float:
    return TOL * max(1.0, abs(t))


def demand_sums(prep: Prepared, chosen: np.ndarray) -> np.ndarray:
    """Sum of chosen scores per demand."""
    return np.bincount(prep.pair_demand[chosen], weights=prep.pair_score[chosen], minlength=prep.n_demands)


def groups_hold(prep: Prepared, chosen: np.ndarray) -> bool:
    """True when the chosen pairs meet every group rule."""
    d_n = prep.n_demands
    for g in prep.inst.groups:
        sup = np.zeros(prep.n_suppliers, dtype=bool)
        sup[g.suppliers] = True
        pick = chosen[sup[prep.pair_supplier[chosen]]]
        count = np.bincount(prep.pair_demand[pick], minlength=d_n)[np.unique(g.demands)]
        if g.at_least is not None and (count < g.at_least).any():
            return False
        if g.at_most is not None and (count > g.at_most).any():
            return False
    return True


def reduce(prep: Prepared, floor: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(pairs that can still serve, demands whose floor row can bind) at this floor, or None when
    some demand cannot reach the floor with its best candidates."""
    inst = prep.inst
    d_n = prep.n_demands
    eps = _eps(floor)
    fd = prep.forced_per_demand()
    base = np.bincount(prep.pair_demand[prep.forced], weights=prep.pair_score[prep.forced], minlength=d_n)
    need = inst.coverage - fd
    free = prep.free()
    fdem, fsc = prep.pair_demand[free], prep.pair_score[free]
    order = np.lexsort((-fsc, fdem))
    sd, ss = fdem[order], fsc[order]
    starts = np.searchsorted(sd, np.arange(d_n))
    rank = np.arange(len(sd)) - starts[sd]
    top = rank < need[sd]
    best = base + np.bincount(sd[top], weights=ss[top], minlength=d_n)
    covered = inst.coverage > 0
    if (best[covered] < floor - eps).any():
        return None
    # the k-th best score of each demand (its best set drops it to take a pair ranked lower)
    kth = np.zeros(d_n)
    last = top & (rank == need[sd] - 1)
    kth[sd[last]] = ss[last]
    with_pair = np.where(top, best[sd], best[sd] - kth[sd] + ss)
    keep_sorted = (with_pair >= floor - eps) | ~covered[sd]
    keep = np.zeros(len(prep.pair_demand), dtype=bool)
    keep[free[order[keep_sorted]]] = True
    # a row binds only if the worst set of kept pairs falls below the floor
    kd, ks = sd[keep_sorted], ss[keep_sorted]
    asc = np.lexsort((ks, kd))
    kd, ks = kd[asc], ks[asc]
    kstarts = np.searchsorted(kd, np.arange(d_n))
    krank = np.arange(len(kd)) - kstarts[kd]
    low = krank < need[kd]
    worst = base + np.bincount(kd[low], weights=ks[low], minlength=d_n)
    binds = covered & (worst < floor - eps)
    return keep, binds


def probe(prep: Prepared, floor: float, deadline: float | None) -> Probe:
    """The largest total with every covered demand's sum >= floor (see the module docstring)."""
    reduced = reduce(prep, floor)
    if reduced is None:
        return Probe("infeasible")
    keep, binds = reduced
    eps = _eps(floor)
    covered = prep.inst.coverage > 0
    try:
        flow = min_cost_flow(prep, keep)
    except ImportError:
        flow = None
    if flow is not None:
        if flow.chosen is None:
            return Probe("infeasible")
        chosen = np.union1d(flow.chosen, np.flatnonzero(prep.forced))
        if (demand_sums(prep, chosen)[covered] >= floor - eps).all() and groups_hold(prep, chosen):
            return Probe("feasible", chosen, True, flow.gap_bound)
    for lift in (0.0, 2e-7):  # HiGHS accepts rows short by its feasibility tolerance (1e-7)
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
        ans = solve_milp(prep, "total", left, floor=floor - eps + lift, keep=keep, floor_demands=binds)
        if ans.chosen is None:
            return Probe("infeasible" if ans.status == "infeasible" else "time_limit")
        if (demand_sums(prep, ans.chosen)[covered] >= floor - eps).all():
            return Probe("feasible", ans.chosen, ans.status == "optimal")
    return Probe("time_limit")


def solve_fair(prep: Prepared, deadline: float | None) -> tuple[np.ndarray | None, str, float, float | None]:
    """(chosen pairs, status, gap bound of the total, upper bound of the max–min) for the fair mode."""
    start = probe(prep, -np.inf, deadline)
    if start.verdict != "feasible":
        return None, start.verdict, 0.0, None
    covered = prep.inst.coverage > 0
    if not covered.any():
        return start.chosen, "optimal" if start.proven else "time_limit", start.gap_bound, None
    best = start
    lo = float(demand_sums(prep, start.chosen)[covered].min())
    hi = _upper_bound(prep, deadline)
    first, closed = True, True
    while hi - lo > _eps(hi):
        t = hi if first else 0.5 * (lo + hi)
        first = False
        p = probe(prep, t, deadline)
        if p.verdict == "feasible":
            best = p
            # t counts as reached (the probe allows eps of slack): the search goes on above it
            lo = max(lo, t, float(demand_sums(prep, p.chosen)[covered].min()))
        elif p.verdict == "infeasible":
            hi = t - _eps(t)  # no answer reaches t - eps, the slack the probe allows
        else:
            closed = False
            break
    # the last reached floor's answer has the largest total at its floor and reaches lo >= that floor,
    # so it is also the largest total at lo
    status = "optimal" if closed and best.proven else "time_limit"
    return best.chosen, status, best.gap_bound, hi


def _upper_bound(prep: Prepared, deadline: float | None) -> float:
    """No assignment's smallest per-demand sum exceeds this: every demand's best set, and the LP
    relaxation when the instance is small enough for it to pay."""
    reduced_best = _best_sets(prep)
    bound = reduced_best
    if prep.eligible.sum() <= LP_BOUND_PAIRS:
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
        lp = solve_milp(prep, "fair", left, integral=False)
        if lp.status == "optimal" and lp.objective is not None:
            bound = min(bound, lp.objective)
    return bound


def _best_sets(prep: Prepared) -> float:
    inst = prep.inst
    d_n = prep.n_demands
    fd = prep.forced_per_demand()
    base = np.bincount(prep.pair_demand[prep.forced], weights=prep.pair_score[prep.forced], minlength=d_n)
    free = prep.free()
    fdem, fsc = prep.pair_demand[free], prep.pair_score[free]
    order = np.lexsort((-fsc, fdem))
    sd, ss = fdem[order], fsc[order]
    rank = np.arange(len(sd)) - np.searchsorted(sd, np.arange(d_n))[sd]
    top = rank < (inst.coverage - fd)[sd]
    best = base + np.bincount(sd[top], weights=ss[top], minlength=d_n)
    return float(best[inst.coverage > 0].min())
