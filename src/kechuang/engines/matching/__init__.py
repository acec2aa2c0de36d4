"""Constrained optimal assignment (匹配引擎): suppliers × demands, pure NumPy/SciPy/OR-Tools.

Suppliers (科技特派员, reviewers) are assigned to demands (service requests, applications) over sparse
candidate pairs with scores. Constraints: each demand gets exactly `coverage[d]` distinct suppliers;
each supplier gets between `min_load[s]` and `max_load[s]` demands; conflicts are never chosen; forced
pairs always are; group rules bound, for each demand, how many suppliers of a set it gets.

Interface (stable; other modules and the `kechuang match solve` command use it)::

    from kechuang.engines.matching import Instance, Group, Result, solve, read_neutral, write_assignment

    inst = Instance(supplier_ids, demand_ids, min_load, max_load, coverage,
                    pair_demand, pair_supplier, pair_score,          # int, int, float arrays per pair
                    components={"bm25": ..., "distance": ...},       # per-pair parts, passed through
                    conflicts=(demand_idx, supplier_idx),            # or None
                    forced=(demand_idx, supplier_idx),               # or None; a forced pair that is
                                                                     # no candidate joins with score 0
                    groups=[Group("正高", demands=team_idx, suppliers=senior_idx, at_least=1),
                            Group("同单位", demands=all_idx, suppliers=unit_idx, at_most=1)])
    res = solve(inst, mode="total" | "fair", time_limit=None)
    res.feasible, res.status            # status: 'optimal', 'time_limit' or 'infeasible'
    res.pair_demand, res.pair_supplier  # the chosen pairs (indices), sorted by demand then supplier
    res.total, res.min_demand_affinity, res.loads, res.seconds, res.method, res.gap_bound
    res.why(i), res.assignments()       # per pair: ids, score and the caller's components
    res.explanation                     # Infeasibility when not feasible: .constraint ('coverage',
                                        # 'min_load', 'max_load', 'group', 'forced', 'time_limit'),
                                        # .message (Chinese), .demands, .suppliers (ids),
                                        # .required, .available, .group; .as_dict()
    inst = read_neutral("dir/")         # suppliers.csv, demands.csv, affinity.csv, conflicts.csv
    write_assignment(res, inst, "out.csv")   # header demand_id,supplier_id

Modes: `total` maximises the total score; without group rules it is a min-cost flow (totally
unimodular, so integral and exact: scores scaled by 2^k to integers, `gap_bound` = pairs / 2^k bounds
the rounding loss), with group rules a MILP (HiGHS). `fair` is lexicographic: the largest achievable
smallest per-demand sum first, then the largest total keeping that smallest sum (two HiGHS MILPs).
No assignment comes back with the binding constraint: counting checks, then the smallest set of
demands (or suppliers) a min cut finds short, then the group rules that cannot be dropped.
"""

from .io import read_neutral, write_assignment
from .model import Group, Infeasibility, Instance, MatchingInputError, Result
from .solve import MODES, solve

__all__ = [
    "MODES",
    "Group",
    "Infeasibility",
    "Instance",
    "MatchingInputError",
    "Result",
    "read_neutral",
    "solve",
    "write_assignment",
]
