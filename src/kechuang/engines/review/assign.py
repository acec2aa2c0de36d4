"""Reviewer assignment: conflict-free, load-capped, unit- and finance-aware, optimal and explained.

Affinity comes from engines/text (``review_affinity.yaml``: BM25 of the application's 项目名称 +
关键词 + 指南方向 against the expert's 研究领域 + 关键词 + 职称, and the overlap of the two keyword
lists); the assignment from engines/matching in ``total`` mode (largest total affinity) with:
exactly K experts per application, at most 最多评审数 applications per expert, conflicted pairs
never chosen (coi.py), at most one expert of a unit per application (a Group per unit with two or
more experts), and at least one finance expert per application when asked (a Group). Candidates
are each application's `top_k` conflict-free experts by affinity with some word in common.

Recusal: `replace(assignment, application_id, expert_id)` solves again with every other chosen
pair forced and the recused pair excluded, so only the freed seat changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from kechuang.engines.matching import Group, Infeasibility, Instance, solve
from kechuang.engines.text import Demand, Supplier, Weights, load_weights, score_pairs

from .coi import Application, Conflicts, Expert, Relation, ReviewInputError, RuleSet, find_conflicts

REVIEW_WEIGHTS = Path(__file__).with_name("review_affinity.yaml")
_SPLIT = re.compile(r"[、，,;；/\s]+")


def split_keywords(text: str) -> frozenset[str]:
    """The keywords of a 关键词 cell (separated by 、，,;； or spaces)."""
    return frozenset(k for k in _SPLIT.split(text or "") if k)


@dataclass(frozen=True)
class ReviewPair:
    """One chosen (application, expert) pair with its affinity and the reason in Chinese."""

    application_id: str
    expert_id: str
    score: float
    reason: str


@dataclass(frozen=True)
class Unstaffed:
    """An application that cannot get its K reviewers, and why (Chinese)."""

    application_id: str
    reason: str


@dataclass
class ReviewAssignment:
    """The assignment (or why there is none) and the inputs needed to re-solve on recusal."""

    feasible: bool
    pairs: list[ReviewPair]
    unstaffed: list[Unstaffed]
    message: str
    explanation: Infeasibility | None
    conflicts: Conflicts
    applications: Sequence[Application] = field(repr=False, default=())
    experts: Sequence[Expert] = field(repr=False, default=())
    relations: Sequence[Relation] = field(repr=False, default=())
    year: int = 0
    per_application: int = 0
    finance: bool = False
    excluded: frozenset[tuple[str, str]] = frozenset()
    total: float = 0.0
    status: str = ""
    options: dict = field(repr=False, default_factory=dict)

    def experts_of(self, application_id: str) -> list[str]:
        """The experts assigned to one application."""
        return [p.expert_id for p in self.pairs if p.application_id == application_id]


def _documents(
    applications: Sequence[Application], experts: Sequence[Expert]
) -> tuple[list[Demand], list[Supplier]]:
    """Applications and experts as engines/text documents (keywords as tags)."""
    demands = [
        Demand(
            id=a.id,
            text=f"{a.title} {a.keywords} {a.direction}",
            industries=split_keywords(a.keywords),
        )
        for a in applications
    ]
    suppliers = [
        Supplier(
            id=e.id,
            text=f"{e.fields} {e.keywords} {e.title}",
            industries=split_keywords(e.keywords),
        )
        for e in experts
    ]
    return demands, suppliers


def _reason(pairs, i: int, weights: Weights) -> str:
    """The affinity components of pair i in Chinese: values, weights and the shared words."""
    d, s = int(pairs.demand_idx[i]), int(pairs.supplier_idx[i])
    shared = set(pairs.demand_tokens[d]) & set(pairs.supplier_tokens[s])
    vocab, idf = pairs.index.vocabulary, pairs.index.idf
    terms = sorted(shared, key=lambda t: (-idf[vocab[t]], t))[:5]
    text = float(pairs.components["text"][i])
    kw = float(pairs.components["industry"][i])
    common = sorted(pairs.demands[d].industries & pairs.suppliers[s].industries)
    part1 = f"文本相关度 {text:.2f}×{weights.text:g}"
    part1 += f"（共同词：{'、'.join(terms)}）" if terms else "（无共同词）"
    part2 = f"关键词重合 {kw:.2f}×{weights.industry:g}"
    part2 += f"（共同关键词：{'、'.join(common)}）" if common else "（无共同关键词）"
    return f"{part1}；{part2}"


def assign_reviewers(
    applications: Sequence[Application],
    experts: Sequence[Expert],
    relations: Sequence[Relation],
    year: int,
    per_application: int,
    finance: bool = False,
    *,
    rules: RuleSet | None = None,
    weights: Weights | None = None,
    top_k: int | None = None,
    forced: Iterable[tuple[str, str]] = (),
    excluded: Iterable[tuple[str, str]] = (),
    time_limit: float | None = None,
) -> ReviewAssignment:
    """The optimal conflict-free assignment of `per_application` experts to every application."""
    if per_application < 1:
        raise ReviewInputError(f"每项申报的评审专家数应为正整数，实际为 {per_application}")
    _unique([a.id for a in applications], "申报编号")
    _unique([e.id for e in experts], "专家编号")
    weights = weights or load_weights(REVIEW_WEIGHTS)
    n_app, n_exp = len(applications), len(experts)
    app_pos = {a.id: i for i, a in enumerate(applications)}
    exp_pos = {e.id: j for j, e in enumerate(experts)}
    excluded = frozenset(excluded)
    forced = list(forced)
    conflicts = find_conflicts(applications, experts, relations, year, rules)
    blocked = np.ones((n_app, n_exp), dtype=bool)
    blocked[conflicts.application_idx, conflicts.expert_idx] = False
    for a_id, e_id in excluded:
        if a_id in app_pos and e_id in exp_pos:
            blocked[app_pos[a_id], exp_pos[e_id]] = False
    allowed = blocked
    demands, suppliers = _documents(applications, experts)
    k = top_k or max(40, 8 * per_application)
    pairs = score_pairs(
        demands, suppliers, weights, top_k=min(k, max(n_exp, 1)), eligible=sp.csr_matrix(allowed)
    )
    reasons = [_reason(pairs, i, weights) for i in range(len(pairs))]
    pair_d, pair_s, pair_score = pairs.demand_idx, pairs.supplier_idx, pairs.score
    if finance:
        # Finance experts review the budget, not the technology: every conflict-free finance
        # expert is a candidate for every application, at affinity 0 when no word is shared.
        have = np.zeros((n_app, n_exp), dtype=bool)
        have[pair_d, pair_s] = True
        fin = np.array([e.finance for e in experts], dtype=bool)
        extra_d, extra_s = np.nonzero(allowed & ~have & fin[None, :])
        pair_d = np.concatenate([pair_d, extra_d])
        pair_s = np.concatenate([pair_s, extra_s])
        pair_score = np.concatenate([pair_score, np.zeros(len(extra_d))])
        reasons += ["财务专家（审核预算），与项目无共同词：匹配度 0"] * len(extra_d)

    groups = []
    all_apps = np.arange(n_app)
    by_unit: dict[str, list[int]] = {}
    for j, e in enumerate(experts):
        by_unit.setdefault(e.unit_code, []).append(j)
    for unit, members in by_unit.items():
        if len(members) > 1:
            name = experts[members[0]].unit_name or unit
            groups.append(
                Group(f"同一单位至多 1 人：{name}", all_apps, np.array(members), at_most=1)
            )
    finance_idx = np.array([j for j, e in enumerate(experts) if e.finance], dtype=np.int64)
    if finance:
        groups.append(Group("至少 1 名财务专家", all_apps, finance_idx, at_least=1))

    forced_idx = None
    if forced:
        fd = np.array([app_pos[a] for a, _ in forced], dtype=np.int64)
        fs = np.array([exp_pos[e] for _, e in forced], dtype=np.int64)
        forced_idx = (fd, fs)
    inst = Instance(
        supplier_ids=[e.id for e in experts],
        demand_ids=[a.id for a in applications],
        min_load=np.zeros(n_exp, dtype=np.int64),
        max_load=np.array([e.max_reviews for e in experts], dtype=np.int64),
        coverage=np.full(n_app, per_application, dtype=np.int64),
        pair_demand=pair_d,
        pair_supplier=pair_s,
        pair_score=pair_score,
        components={"reason": np.array(reasons, dtype=object)},
        forced=forced_idx,
        groups=groups,
    )
    unstaffed = _diagnose(
        pair_d, pair_s, applications, experts, conflicts, per_application, finance
    )
    res = solve(inst, mode="total", time_limit=time_limit)
    common = dict(
        conflicts=conflicts,
        applications=applications,
        experts=experts,
        relations=relations,
        year=year,
        per_application=per_application,
        finance=finance,
        excluded=excluded,
        options=dict(rules=rules, weights=weights, top_k=top_k, time_limit=time_limit),
    )
    if not res.feasible:
        why = res.explanation
        named = {u.application_id for u in unstaffed}
        for a_id in why.demands if why else []:
            if a_id not in named:
                unstaffed.append(Unstaffed(a_id, why.message))
        message = why.message if why else "无可行分配"
        return ReviewAssignment(False, [], unstaffed, message, why, status=res.status, **common)
    chosen = []
    for i in range(len(res)):
        w = res.why(i)
        reason = w.get("reason") or "指定的评审专家（非候选对）"
        chosen.append(
            ReviewPair(w["demand_id"], w["supplier_id"], round(w["score"], 4), str(reason))
        )
    return ReviewAssignment(
        True, chosen, [], "", None, total=float(res.total), status=res.status, **common
    )


def _unique(ids: Sequence[str], label: str) -> None:
    """Refuse duplicated ids."""
    seen: set[str] = set()
    for x in ids:
        if x in seen:
            raise ReviewInputError(f"{label} {x} 重复")
        seen.add(x)


def _diagnose(
    pair_d: np.ndarray,
    pair_s: np.ndarray,
    applications: Sequence[Application],
    experts: Sequence[Expert],
    conflicts: Conflicts,
    k: int,
    finance: bool,
) -> list[Unstaffed]:
    """Applications that fail on their own (too few candidates, units or finance experts)."""
    n_conf = np.bincount(conflicts.application_idx, minlength=len(applications))
    out = []
    for i, a in enumerate(applications):
        cand = pair_s[pair_d == i]
        units = {experts[j].unit_code for j in cand}
        reasons = []
        if len(cand) < k:
            reasons.append(
                f"无利益冲突且研究方向相关的候选专家只有 {len(cand)} 人，少于所需 {k} 人"
                f"（因回避排除 {int(n_conf[i])} 人）"
            )
        elif len(units) < k:
            reasons.append(f"候选专家只来自 {len(units)} 个单位，每单位至多 1 人，凑不足 {k} 人")
        if finance and not any(experts[j].finance for j in cand):
            reasons.append("候选专家中没有财务专家")
        if reasons:
            out.append(Unstaffed(a.id, "；".join(reasons)))
    return out


def replace(assignment: ReviewAssignment, application_id: str, expert_id: str) -> ReviewAssignment:
    """The assignment after `expert_id` recuses from `application_id`: the other pairs stay."""
    if not assignment.feasible:
        raise ReviewInputError("原分配不可行，无法回避替换")
    current = {(p.application_id, p.expert_id) for p in assignment.pairs}
    if (application_id, expert_id) not in current:
        raise ReviewInputError(f"专家 {expert_id} 未被分配评审申报 {application_id}")
    keep = sorted(current - {(application_id, expert_id)})
    new = assign_reviewers(
        assignment.applications,
        assignment.experts,
        assignment.relations,
        assignment.year,
        assignment.per_application,
        assignment.finance,
        forced=keep,
        excluded=assignment.excluded | {(application_id, expert_id)},
        **assignment.options,
    )
    return new


def replacement_of(
    before: ReviewAssignment, after: ReviewAssignment, application_id: str
) -> list[str]:
    """Experts the application gained between two assignments."""
    return sorted(set(after.experts_of(application_id)) - set(before.experts_of(application_id)))


__all__ = [
    "REVIEW_WEIGHTS",
    "ReviewAssignment",
    "ReviewPair",
    "Unstaffed",
    "assign_reviewers",
    "replace",
    "replacement_of",
    "split_keywords",
]
