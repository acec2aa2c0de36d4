"""COI rules: each at its boundary year and one year beyond; symmetry and direction; evidence."""

from __future__ import annotations

import pytest
from review_helpers import app, code, expert, person, rel, synthetic

from kechuang.engines.review import (
    ReviewInputError,
    assign_reviewers,
    check_relations,
    find_conflicts,
    load_rules,
)

Y = 2025
APP = app(1, unit=1, leader=1)  # applicant unit code(1), leader P000001
EXP = expert(1, unit=2)  # expert unit code(2), person P100001


def rules_hit(relations, a=APP, e=EXP, year=Y):
    """The rule codes that forbid e for a, () if none."""
    found = find_conflicts([a], [e], relations, year)
    return found.items[0].rules if found.items else ()


def test_rules_file_has_the_eight_rules_unconfirmed_with_lookbacks():
    rules = load_rules()
    assert [r.number for r in rules.rules] == list(range(1, 9))
    assert all(r.confirmation == "未经确认" and r.source for r in rules.rules)
    assert rules["employment"].lookback == 5
    assert rules["shareholding"].lookback == 3
    assert rules["cooperation"].lookback == 3
    assert rules["relative"].lookback is None and rules["supervision"].lookback is None


def test_no_relation_no_conflict():
    assert rules_hit([]) == ()


def test_rule1_same_unit():
    assert rules_hit([], e=expert(1, unit=1)) == ("same_unit",)


@pytest.mark.parametrize(("end", "hit"), [(Y - 5, True), (Y - 6, False), (None, True), (Y, True)])
def test_rule2_employment_within_five_years(end, hit):
    r = rel(EXP.person_id, "个人", code(1), "单位", "任职", 2000, end)
    assert rules_hit([r]) == (("employment",) if hit else ())


@pytest.mark.parametrize(("end", "hit"), [(Y - 3, True), (Y - 4, False), (None, True)])
def test_rule3_shareholding_within_three_years(end, hit):
    r = rel(EXP.person_id, "个人", code(1), "单位", "持股", 2010, end)
    assert rules_hit([r]) == (("shareholding",) if hit else ())


@pytest.mark.parametrize("end", [1990, Y - 30, None])
def test_rule4_relative_ever_and_symmetric(end):
    forward = rel(EXP.person_id, "个人", person(1), "个人", "亲属", 1980, end)
    backward = rel(person(1), "个人", EXP.person_id, "个人", "亲属", 1980, end)
    assert rules_hit([forward]) == ("relative",)
    assert rules_hit([backward]) == ("relative",)


@pytest.mark.parametrize(("end", "hit"), [(Y - 3, True), (Y - 4, False), (None, True)])
def test_rule5_cooperation_within_three_years_both_directions(end, hit):
    for r in (
        rel(EXP.person_id, "个人", person(1), "个人", "合作", 2015, end),
        rel(person(1), "个人", EXP.person_id, "个人", "合作", 2015, end),
    ):
        assert rules_hit([r]) == (("cooperation",) if hit else ())


def test_rule6_supervision_ever():
    r = rel(person(1), "个人", EXP.person_id, "个人", "师生", 1995, 2000)
    assert rules_hit([r]) == ("supervision",)


@pytest.mark.parametrize(
    ("controller", "controlled"),
    [(code(2), code(1)), (code(1), code(2))],  # expert unit controls applicant, and the reverse
)
def test_rule7_one_unit_controls_the_other(controller, controlled):
    r = rel(controller, "单位", controlled, "单位", "实际控制", 2015, None)
    assert rules_hit([r]) == ("control",)


@pytest.mark.parametrize(("kind", "who"), [("单位", code(9)), ("个人", person(55))])
def test_rule7_common_controller(kind, who):
    rows = [
        rel(who, kind, code(1), "单位", "实际控制", 2015, None, "第 2 行"),
        rel(who, kind, code(2), "单位", "实际控制", 2018, None, "第 3 行"),
    ]
    found = find_conflicts([APP], [EXP], rows, Y)
    assert found.items[0].rules == ("control",)
    evidence = found.items[0].evidence[0]
    assert "第 2 行" in evidence and "第 3 行" in evidence


@pytest.mark.parametrize(("end", "hit"), [(Y, True), (Y - 1, False)])
def test_rule7_control_must_be_in_force_in_the_call_year(end, hit):
    r = rel(code(2), "单位", code(1), "单位", "实际控制", 2015, end)
    assert rules_hit([r]) == (("control",) if hit else ())


def test_rule8_expert_is_the_leader():
    e = expert(1, unit=2)
    a = app(1, unit=1, leader=100001)  # the leader's id is the expert's person id
    assert rules_hit([], a=a, e=e) == ("self",)


def test_relation_that_begins_after_the_call_year_does_not_count():
    r = rel(EXP.person_id, "个人", code(1), "单位", "任职", Y + 1, None)
    assert rules_hit([r]) == ()


def test_directed_relations_do_not_run_backwards():
    # The leader works at the expert's unit: no rule (rule 2 is about the expert at the applicant).
    r = rel(person(1), "个人", code(2), "单位", "任职", 2000, None)
    assert rules_hit([r]) == ()


def test_several_rules_and_evidence_rows():
    rows = [
        rel(EXP.person_id, "个人", code(1), "单位", "任职", 2000, None, "关系表 第 7 行"),
        rel(EXP.person_id, "个人", person(1), "个人", "合作", 2020, 2024, "关系表 第 8 行"),
    ]
    found = find_conflicts([APP], [EXP], rows, Y)
    c = found.items[0]
    assert c.rules == ("employment", "cooperation")
    assert any("第 7 行" in e for e in c.evidence) and any("第 8 行" in e for e in c.evidence)


def test_bad_unit_code_is_refused_in_chinese():
    bad = code(1)[:-1] + ("0" if code(1)[-1] != "0" else "1")
    with pytest.raises(ReviewInputError, match="统一社会信用代码.*无效"):
        check_relations([rel(EXP.person_id, "个人", bad, "单位", "任职", 2000, None, "第 4 行")])


def test_wrong_direction_and_unknown_kind_are_refused():
    with pytest.raises(ReviewInputError, match="任职 关系应为 个人 → 单位"):
        check_relations([rel(code(1), "单位", EXP.person_id, "个人", "任职")])
    with pytest.raises(ReviewInputError, match="未知"):
        check_relations([rel(EXP.person_id, "个人", person(1), "个人", "同学")])


def test_vectorised_matches_a_pair_by_pair_reference():
    apps, exps, rels = synthetic(15, 25, 8, 80, seed=3)
    found = find_conflicts(apps, exps, rels, Y).pairs()
    expected = set()
    for a in apps:
        for e in exps:
            if find_conflicts([a], [e], rels, Y).items:
                expected.add((a.id, e.id))
    assert found == expected and found


def test_assignment_never_uses_a_conflicted_pair():
    apps, exps, rels = synthetic(30, 60, 20, 300, seed=5)
    res = assign_reviewers(apps, exps, rels, Y, 3)
    assert res.feasible
    conflicted = find_conflicts(apps, exps, rels, Y).pairs()
    assert conflicted
    assert not {(p.application_id, p.expert_id) for p in res.pairs} & conflicted
