"""`solve`: choose the method for the mode and the constraints, and assemble the Result."""

from __future__ import annotations

import math
import time

import numpy as np

from .diagnose import diagnose, static_checks
from .fair import groups_hold, solve_fair
from .flow import min_cost_flow
from .milp import solve_milp
from .model import Infeasibility, Instance, Result
from .prepare import Prepared, prepare

MODES = ("total", "fair")


def solve(instance: Instance, mode: str = "total", time_limit: float | None = None) -> Result:
    """The best assignment for the mode, or the explanation of why none exists.

    `total`: the largest total score: a min-cost flow (OR-Tools), exact up to `gap_bound`; with group
    rules the flow's answer when it keeps them, else a MILP (HiGHS). `fair`: first the largest
    achievable smallest per-demand sum, then the largest total at that smallest sum (see fair.py);
    `min_bound` is then the proven upper bound of the max–min."""
    if mode not in MODES:
        raise ValueError(f"未知的模式 {mode!r}：应为 total 或 fair")
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    prep = prepare(instance)
    found = static_checks(prep)
    if found:
        return _fail(prep, mode, found, start, "checks")
    bound = None
    if mode == "total":
        chosen, status, method, gap = _total(prep, deadline)
    else:
        chosen, status, gap, bound = solve_fair(prep, deadline)
        method = "fair_bisection"
    if chosen is None:
        if status == "time_limit":
            why = Infeasibility(
                "time_limit", f"在 {time_limit:g} 秒时限内未找到可行分配（未证明不可行）"
            )
        else:
            why = diagnose(prep, _left(deadline))
        return _fail(prep, mode, why, start, method)
    res = _result(prep, mode, chosen, status, method, gap, start)
    res.min_bound = bound
    return res


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.perf_counter(), 0.01)


def _total(prep: Prepared, deadline: float | None):
    if prep.inst.groups:
        # the flow without the group rules bounds the total; when its answer keeps them, it is optimal
        try:
            ans = min_cost_flow(prep)
        except ImportError:
            ans = None
        if ans is not None and ans.chosen is None:
            return None, "infeasible", "min_cost_flow", 0.0
        if ans is not None:
            chosen = np.union1d(ans.chosen, np.flatnonzero(prep.forced))
            if groups_hold(prep, chosen):
                return chosen, "optimal", "min_cost_flow", ans.gap_bound
        res = solve_milp(prep, "total", _left(deadline))
        return res.chosen, res.status, "milp", 0.0
    try:
        ans = min_cost_flow(prep)
        return ans.chosen, "optimal" if ans.chosen is not None else "infeasible", "min_cost_flow", ans.gap_bound
    except ImportError:  # OR-Tools absent: HiGHS solves the same (totally unimodular) programme
        res = solve_milp(prep, "total", _left(deadline))
        return res.chosen, res.status, "milp", 0.0


def _min_sum(prep: Prepared, chosen: np.ndarray) -> float:
    sums = np.bincount(
        prep.pair_demand[chosen], weights=prep.pair_score[chosen], minlength=prep.n_demands
    )
    covered = prep.inst.coverage > 0
    return float(sums[covered].min()) if covered.any() else 0.0


def _result(
    prep: Prepared,
    mode: str,
    chosen: np.ndarray,
    status: str,
    method: str,
    gap: float,
    start: float,
) -> Result:
    chosen = np.union1d(chosen, np.flatnonzero(prep.forced)).astype(np.int64)
    order = np.lexsort((prep.pair_supplier[chosen], prep.pair_demand[chosen]))
    chosen = chosen[order]
    pd_, ps, sc = prep.pair_demand[chosen], prep.pair_supplier[chosen], prep.pair_score[chosen]
    inst = prep.inst
    return Result(
        feasible=True,
        mode=mode,
        status=status,
        pair_demand=pd_,
        pair_supplier=ps,
        pair_index=chosen,
        pair_score=sc,
        total=math.fsum(sc.tolist()),
        min_demand_affinity=_min_sum(prep, chosen),
        loads=np.bincount(ps, minlength=inst.n_suppliers),
        seconds=time.perf_counter() - start,
        method=method,
        gap_bound=gap,
        components={k: v[chosen] for k, v in prep.components.items()},
        demand_ids=inst.demand_ids,
        supplier_ids=inst.supplier_ids,
    )


def _fail(prep: Prepared, mode: str, why: Infeasibility, start: float, method: str) -> Result:
    empty = np.empty(0, dtype=np.int64)
    return Result(
        feasible=False,
        mode=mode,
        status="time_limit" if why.constraint == "time_limit" else "infeasible",
        pair_demand=empty,
        pair_supplier=empty,
        pair_index=empty,
        pair_score=np.empty(0),
        total=0.0,
        min_demand_affinity=0.0,
        loads=np.zeros(prep.n_suppliers, dtype=np.int64),
        seconds=time.perf_counter() - start,
        method=method,
        explanation=why,
        demand_ids=prep.inst.demand_ids,
        supplier_ids=prep.inst.supplier_ids,
    )
