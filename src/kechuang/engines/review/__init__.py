"""Expert review of 重点攻关 applications (pure: no database, no web, no domain imports).

Interface (stable; the programmes domain and `kechuang programs ...` commands use it)::

    from kechuang.engines.review import (Application, Expert, Relation, find_conflicts, load_rules,
                                         assign_reviewers, replace, aggregate)

    rules = load_rules()                      # coi.yaml: the 8 回避 rules as data (code, 中文, look-back, source)
    conf = find_conflicts(apps, experts, relations, year)     # Conflicts: .items [Conflict(application_id,
                                              # expert_id, rules, evidence)], .pairs(), index arrays
    res = assign_reviewers(apps, experts, relations, year, per_application=5, finance=True)
    res.feasible, res.pairs                   # [ReviewPair(application_id, expert_id, score, reason)]
    res.unstaffed, res.message                # [Unstaffed(application_id, reason)] when infeasible
    res2 = replace(res, "A001", "E017")       # recusal: other pairs forced, that pair excluded
    agg = aggregate(app_ids, reviewer_ids, scores, method="additive"|"standardised",
                    trim=0.0, bootstrap=1000, seed=0)   # AggregateResult, .rows()

See coi.py (rules and the evaluator), assign.py (assignment, recusal) and aggregate.py (score
correction, bootstrap interval and rank band) for the definitions.
"""

from .aggregate import METHODS, AggregateResult, aggregate
from .assign import (
    ReviewAssignment,
    ReviewPair,
    Unstaffed,
    assign_reviewers,
    replace,
    replacement_of,
    split_keywords,
)
from .coi import (
    PERSON,
    RELATION_KINDS,
    UNIT,
    Application,
    Conflict,
    Conflicts,
    Expert,
    Relation,
    ReviewInputError,
    Rule,
    RuleSet,
    check_relations,
    find_conflicts,
    load_rules,
    rule_labels,
    valid_uscc,
)

__all__ = [
    "METHODS",
    "PERSON",
    "RELATION_KINDS",
    "UNIT",
    "AggregateResult",
    "Application",
    "Conflict",
    "Conflicts",
    "Expert",
    "Relation",
    "ReviewAssignment",
    "ReviewInputError",
    "ReviewPair",
    "Rule",
    "RuleSet",
    "Unstaffed",
    "aggregate",
    "assign_reviewers",
    "check_relations",
    "find_conflicts",
    "load_rules",
    "replace",
    "replacement_of",
    "rule_labels",
    "split_keywords",
    "valid_uscc",
]
