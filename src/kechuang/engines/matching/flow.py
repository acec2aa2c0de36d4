"""Network-flow pieces: the exact min-cost flow for `total` without group rules (OR-Tools), and the
max-flow/min-cut used to explain infeasibility (SciPy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .prepare import Prepared

# int64 head-room: OR-Tools' cost scaling multiplies unit costs by (nodes + 1) internally
_INT_BUDGET = 2.0**62


@dataclass
class FlowAnswer:
    """Chosen free pairs (indices into the prepared pairs), or None when no flow meets every bound."""

    chosen: np.ndarray | None
    gap_bound: float


def cost_scale(max_abs: float, n_nodes: int, n_units: int) -> float:
    """The power of two that turns scores into integer costs with the finest grain that cannot overflow."""
    if max_abs <= 0:
        return 1.0
    by_arc = _INT_BUDGET / 8 / (n_nodes + 1) / max_abs
    by_total = _INT_BUDGET / 8 / max(n_units, 1) / max_abs
    # beyond 2^40 the extra precision buys nothing over float64 scores and costs cost-scaling phases
    return 2.0 ** min(40, math.floor(math.log2(min(by_arc, by_total))))


def min_cost_flow(prep: Prepared, keep: np.ndarray | None = None) -> FlowAnswer:
    """Maximum total score with exact coverage and loads in [min, max], as a min-cost flow.

    Scores are rounded to integers at scale 2^k; the answer is then within (pairs chosen) / 2^k of the
    float optimum (each of the chosen and the optimal pairs loses at most half a unit), reported as
    `gap_bound` (0 when every scaled score is an integer). `keep` limits the pairs that may be chosen."""
    from ortools.graph.python import min_cost_flow as mcf

    cov, lo, hi = prep.residual()
    free = prep.free()
    if keep is not None:
        free = free[keep[free]]
    s, d = prep.n_suppliers, prep.n_demands
    if (cov < 0).any() or (hi < lo).any() or cov.sum() < lo.sum():
        return FlowAnswer(None, 0.0)
    score = prep.pair_score[free]
    units = int(cov.sum())
    scale = cost_scale(float(np.abs(score).max()) if len(score) else 0.0, s + d + 1, units)
    scaled = score * scale
    costs = -np.rint(scaled).astype(np.int64)
    exact = bool(np.all(-costs == scaled))
    source = s + d
    tails = np.concatenate([prep.pair_supplier[free], np.full(s, source)]).astype(np.int32)
    heads = np.concatenate([s + prep.pair_demand[free], np.arange(s)]).astype(np.int32)
    caps = np.concatenate([np.ones(len(free), np.int64), hi - lo])
    costs = np.concatenate([costs, np.zeros(s, np.int64)])
    g = mcf.SimpleMinCostFlow()
    g.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate([lo, -cov, [units - int(lo.sum())]]).astype(np.int64)
    g.set_nodes_supplies(np.arange(s + d + 1, dtype=np.int32), supplies)
    status = g.solve()
    if status != g.OPTIMAL:
        return FlowAnswer(None, 0.0)
    flows = g.flows(np.arange(len(free), dtype=np.int32))
    return FlowAnswer(free[flows > 0], 0.0 if exact else units / scale)


@dataclass
class Cut:
    """A max flow's value and the nodes on one side of a minimum cut."""

    value: int
    side: np.ndarray  # bool per node


def max_flow_cut(
    n_nodes: int,
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    source: int,
    sink: int,
    side: str,
) -> tuple[Cut, np.ndarray]:
    """Max flow from source to sink, the per-arc flow, and a minimum cut: with side='sink' the nodes
    that still reach the sink in the residual network (the smallest sink side), with side='source'
    the nodes the source still reaches (the smallest source side)."""
    keep = caps > 0
    tails, heads, caps = tails[keep], heads[keep], caps[keep]
    g = csr_array((caps.astype(np.int32), (tails, heads)), shape=(n_nodes, n_nodes))
    res = maximum_flow(g, source, sink, method="dinic")
    fl = np.asarray(res.flow[tails, heads]).ravel()
    rest = caps - fl
    # residual arcs: forward where capacity is left, backward where flow runs
    r_t = np.concatenate([tails[rest > 0], heads[fl > 0]])
    r_h = np.concatenate([heads[rest > 0], tails[fl > 0]])
    if side == "sink":
        graph = csr_array((np.ones(len(r_t), np.int8), (r_h, r_t)), shape=(n_nodes, n_nodes))
        start = sink
    else:
        graph = csr_array((np.ones(len(r_t), np.int8), (r_t, r_h)), shape=(n_nodes, n_nodes))
        start = source
    reach = breadth_first_order(graph, start, directed=True, return_predecessors=False)
    mask = np.zeros(n_nodes, dtype=bool)
    mask[reach] = True
    full = np.zeros(len(keep), dtype=np.int64)
    full[np.flatnonzero(keep)] = fl
    return Cut(int(res.flow_value), mask), full
