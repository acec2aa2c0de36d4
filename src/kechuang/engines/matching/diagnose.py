"""Why an instance has no assignment: the demands or suppliers involved and the binding constraint.

Cheap counting checks run before any solver; the min-cut checks run only when a solver finds no
assignment. A Hall-type min cut names the smallest set of demands whose candidates cannot supply
their coverage (or of suppliers whose candidate demands cannot absorb their minimum loads)."""

from __future__ import annotations

import numpy as np

from .flow import max_flow_cut, min_cost_flow
from .milp import solve_milp
from .model import Infeasibility
from .prepare import Prepared


def _names(ids: list[str], idx: np.ndarray, limit: int = 8) -> str:
    shown = "、".join(ids[i] for i in idx[:limit])
    return shown if len(idx) <= limit else f"{shown} 等 {len(idx)} 项"


def _ids(ids: list[str], idx: np.ndarray) -> list[str]:
    return [ids[i] for i in idx]


def static_checks(prep: Prepared) -> Infeasibility | None:
    """Counting checks that need no solver: forced pairs, candidate counts, load totals, group rules."""
    inst = prep.inst
    dids, sids = inst.demand_ids, inst.supplier_ids
    if len(prep.forced_conflicts):
        i = prep.forced_conflicts
        d, s = prep.pair_demand[i], prep.pair_supplier[i]
        pairs = "、".join(f"{dids[a]}–{sids[b]}" for a, b in zip(d[:8], s[:8], strict=True))
        return Infeasibility(
            "forced",
            f"指定配对与回避冲突：{pairs} 既被指定又在回避名单中",
            _ids(dids, np.unique(d)),
            _ids(sids, np.unique(s)),
        )
    fd, fs = prep.forced_per_demand(), prep.forced_per_supplier()
    over = np.flatnonzero(fd > inst.coverage)
    if len(over):
        return Infeasibility(
            "forced",
            f"需求 {_names(dids, over)} 的指定配对多于所需人数（需求 {dids[over[0]]} 需 {inst.coverage[over[0]]} 名，指定了 {fd[over[0]]} 名）",
            _ids(dids, over),
            _ids(
                sids, np.unique(prep.pair_supplier[prep.forced & np.isin(prep.pair_demand, over)])
            ),
            int(inst.coverage[over[0]]),
            int(fd[over[0]]),
        )
    over = np.flatnonzero(fs > inst.max_load)
    if len(over):
        return Infeasibility(
            "forced",
            f"供给方 {_names(sids, over)} 的指定配对超过负荷上限（{sids[over[0]]} 上限 {inst.max_load[over[0]]}，指定了 {fs[over[0]]} 项）",
            _ids(
                dids, np.unique(prep.pair_demand[prep.forced & np.isin(prep.pair_supplier, over)])
            ),
            _ids(sids, over),
            int(fs[over[0]]),
            int(inst.max_load[over[0]]),
        )
    el = prep.eligible
    cand_d = np.bincount(prep.pair_demand[el], minlength=prep.n_demands)
    short = np.flatnonzero(cand_d < inst.coverage)
    if len(short):
        sup = np.unique(prep.pair_supplier[el & np.isin(prep.pair_demand, short)])
        d0 = short[0]
        return Infeasibility(
            "coverage",
            f"需求 {_names(dids, short)} 的可选供给方不足：例如 {dids[d0]} 需要 {inst.coverage[d0]} 名，只有 {cand_d[d0]} 名可选（已除去回避）",
            _ids(dids, short),
            _ids(sids, sup),
            int(inst.coverage[short].sum()),
            int(cand_d[short].sum()),
        )
    cand_s = np.bincount(prep.pair_supplier[el], minlength=prep.n_suppliers)
    short = np.flatnonzero(cand_s < inst.min_load)
    if len(short):
        s0 = short[0]
        return Infeasibility(
            "min_load",
            f"供给方 {_names(sids, short)} 的最低负荷无法满足：例如 {sids[s0]} 至少要承担 {inst.min_load[s0]} 项，但只有 {cand_s[s0]} 项可选需求",
            _ids(dids, np.unique(prep.pair_demand[el & np.isin(prep.pair_supplier, short)])),
            _ids(sids, short),
            int(inst.min_load[short].sum()),
            int(cand_s[short].sum()),
        )
    need, floor, cap = int(inst.coverage.sum()), int(inst.min_load.sum()), int(inst.max_load.sum())
    if floor > need:
        return Infeasibility(
            "min_load",
            f"全部供给方的最低负荷之和 {floor} 超过全部需求的覆盖人次 {need}",
            [],
            _ids(sids, np.flatnonzero(inst.min_load > 0)),
            floor,
            need,
        )
    if cap < need:
        return Infeasibility(
            "max_load",
            f"全部供给方的负荷上限之和 {cap} 少于全部需求的覆盖人次 {need}",
            list(dids),
            list(sids),
            need,
            cap,
        )
    return _group_counts(prep, fd)


def _group_counts(prep: Prepared, fd: np.ndarray) -> Infeasibility | None:
    inst = prep.inst
    dids, sids = inst.demand_ids, inst.supplier_ids
    for g in inst.groups:
        sup = np.zeros(prep.n_suppliers, dtype=bool)
        sup[g.suppliers] = True
        in_g = sup[prep.pair_supplier]
        cand = np.bincount(prep.pair_demand[prep.eligible & in_g], minlength=prep.n_demands)
        forced = np.bincount(prep.pair_demand[prep.forced & in_g], minlength=prep.n_demands)
        dem = np.unique(g.demands)
        if g.at_least:
            need = np.minimum(g.at_least, 10**9)
            bad = dem[(cand[dem] < need) | (inst.coverage[dem] < need)]
            if len(bad):
                d0 = bad[0]
                return Infeasibility(
                    "group",
                    f"分组约束「{g.label}」无法满足：需求 {_names(dids, bad)} 至少要有 {g.at_least} 名该组供给方，"
                    f"例如 {dids[d0]} 只有 {min(cand[d0], inst.coverage[d0])} 个名额可由该组供给方担任",
                    _ids(dids, bad),
                    _ids(sids, np.unique(g.suppliers)),
                    int(g.at_least),
                    int(min(cand[d0], inst.coverage[d0])),
                    g.label,
                )
        if g.at_most is not None:
            bad = dem[forced[dem] > g.at_most]
            if len(bad):
                return Infeasibility(
                    "group",
                    f"分组约束「{g.label}」与指定配对冲突：需求 {_names(dids, bad)} 指定的该组供给方超过 {g.at_most} 名",
                    _ids(dids, bad),
                    _ids(sids, np.unique(g.suppliers)),
                    int(g.at_most),
                    int(forced[bad[0]]),
                    g.label,
                )
    return None


def coverage_cut(prep: Prepared) -> Infeasibility | None:
    """The smallest set of demands whose candidates, within their load limits, cannot cover them."""
    inst = prep.inst
    cov, _lo, hi = prep.residual()
    s, d = prep.n_suppliers, prep.n_demands
    free = prep.free()
    source, sink = 0, s + d + 1
    tails = np.concatenate(
        [np.zeros(s, np.int64), 1 + prep.pair_supplier[free], 1 + s + np.arange(d)]
    )
    heads = np.concatenate([1 + np.arange(s), 1 + s + prep.pair_demand[free], np.full(d, sink)])
    caps = np.concatenate([np.maximum(hi, 0), np.ones(len(free), np.int64), np.maximum(cov, 0)])
    cut, flow = max_flow_cut(s + d + 2, tails, heads, caps, source, sink, side="sink")
    need = int(np.maximum(cov, 0).sum())
    if cut.value >= need:
        return None
    dem = np.flatnonzero(cut.side[1 + s : 1 + s + d])
    into = flow[s + len(free) :][dem]
    required, available = int(cov[dem].sum()), int(into.sum())
    cand = np.unique(prep.pair_supplier[free][np.isin(prep.pair_demand[free], dem)])
    what = "全部需求" if len(dem) == d else f"需求 {_names(inst.demand_ids, dem)}"
    return Infeasibility(
        "coverage",
        f"{what}共需 {required} 人次（已扣除指定配对），但它们的候选供给方在负荷上限内最多只能提供 {available} 人次"
        f"（候选供给方 {len(cand)} 名：{_names(inst.supplier_ids, cand)}）",
        _ids(inst.demand_ids, dem),
        _ids(inst.supplier_ids, cand),
        required,
        available,
    )


def min_load_cut(prep: Prepared) -> Infeasibility | None:
    """The smallest set of suppliers whose candidate demands cannot take their minimum loads."""
    inst = prep.inst
    cov, lo, _hi = prep.residual()
    s, d = prep.n_suppliers, prep.n_demands
    free = prep.free()
    source, sink = 0, s + d + 1
    tails = np.concatenate(
        [np.zeros(s, np.int64), 1 + prep.pair_supplier[free], 1 + s + np.arange(d)]
    )
    heads = np.concatenate([1 + np.arange(s), 1 + s + prep.pair_demand[free], np.full(d, sink)])
    caps = np.concatenate([lo, np.ones(len(free), np.int64), np.maximum(cov, 0)])
    cut, flow = max_flow_cut(s + d + 2, tails, heads, caps, source, sink, side="source")
    need = int(lo.sum())
    if cut.value >= need:
        return None
    sup = np.flatnonzero(cut.side[1 : 1 + s] & (lo > 0))
    required, available = int(lo[sup].sum()), int(flow[:s][sup].sum())
    dem = np.unique(prep.pair_demand[free][np.isin(prep.pair_supplier[free], sup)])
    return Infeasibility(
        "min_load",
        f"供给方 {_names(inst.supplier_ids, sup)} 的最低负荷共 {required} 项（已扣除指定配对），"
        f"但它们可服务的需求（{len(dem)} 项）在覆盖人数内最多只能给它们 {available} 项",
        _ids(inst.demand_ids, dem),
        _ids(inst.supplier_ids, sup),
        required,
        available,
    )


def diagnose(prep: Prepared, time_limit: float | None = None) -> Infeasibility:
    """The explanation after a solver found no assignment (counting checks first, then min cuts,
    then which group rule makes it infeasible)."""
    found = static_checks(prep) or coverage_cut(prep) or min_load_cut(prep)
    if found:
        return found
    inst = prep.inst
    no_groups = _feasible_without_groups(prep, time_limit)
    if not no_groups:
        return Infeasibility(
            "min_load",
            "各供给方的最低负荷与各需求的覆盖人数单独都能满足，但无法同时满足",
            [],
            _ids(inst.supplier_ids, np.flatnonzero(inst.min_load > 0)),
        )
    # deletion filter: drop each group rule in turn; the ones that cannot be dropped form the core
    core = list(inst.groups)
    for g in list(core):
        trial = [h for h in core if h is not g]
        if solve_milp(prep, "none", time_limit, groups=trial).status == "infeasible":
            core = trial
    labels = "、".join(f"「{g.label}」" for g in core)
    dem = np.unique(np.concatenate([g.demands for g in core])) if core else np.empty(0, np.int64)
    sup = np.unique(np.concatenate([g.suppliers for g in core])) if core else np.empty(0, np.int64)
    return Infeasibility(
        "group",
        f"不考虑分组约束时存在可行分配；加上分组约束 {labels} 后，在负荷上限与覆盖人数之内无法同时满足",
        _ids(inst.demand_ids, dem),
        _ids(inst.supplier_ids, sup),
        group=core[0].label if len(core) == 1 else None,
    )


def _feasible_without_groups(prep: Prepared, time_limit: float | None) -> bool:
    try:
        return min_cost_flow(prep).chosen is not None
    except ImportError:  # OR-Tools missing: HiGHS decides
        return solve_milp(prep, "none", time_limit, groups=[]).status != "infeasible"
