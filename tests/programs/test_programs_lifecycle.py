"""The 指南 taxonomy and the lifecycle state machines: shipped data validates, malformed data is
refused in Chinese, every machine refuses illegal transitions, guards, roles, deadlines and the
tranche rules (a 赛马 gate that cuts an awardee stops its next tranche)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml

from kechuang.programs.lifecycle import (
    CALL_TYPES,
    LIFECYCLE_FILE,
    Gate,
    LifecycleError,
    Tranche,
    TransitionRefused,
    load_lifecycles,
    next_tranche,
    parse_lifecycles,
)
from kechuang.programs.taxonomy import GuideError, load_guide, parse_guide

# --- 指南 ---------------------------------------------------------------------------------------


def test_guide_covers_the_four_plan_domains_and_cites_sections():
    g = load_guide()
    assert [d.code for d in g.domains()] == ["AGR", "HEALTH", "SAFETY", "CARBON"]
    assert all(n.section.startswith("（六）") for n in g.nodes.values())
    assert g.domain_of("CARBON-CLEAN-H2") == "CARBON"
    assert g.path("HEALTH-NCD-TUMOR") == "健康扬州 / 重大非传染性疾病防治 / 恶性肿瘤"
    names = {n.name for n in g.nodes.values()}
    for must in (
        "莲藕品种与栽培",
        "罗氏沼虾育苗与养殖",
        "精神卫生智能辅助诊疗",
        "危化品安全生产",
        "氢能",
    ):
        assert must in names


def test_guide_refuses_unknown_direction():
    with pytest.raises(GuideError, match="指南方向“NOPE”不存在"):
        load_guide().check_directions(["NOPE"])
    with pytest.raises(GuideError, match="“HEALTH”"):  # a 领域 is not a direction
        load_guide().check_directions(["HEALTH"])
    load_guide().check_directions(["HEALTH-NCD", "HEALTH-NCD-TUMOR"])


def test_guide_problems_are_all_reported_in_chinese():
    raw = {
        "version": "x",
        "title": "t",
        "source": "s",
        "domains": [
            {
                "code": "A",
                "name": "甲",
                "section": "（六）1",
                "directions": [{"code": "A1", "name": "x"}],
            },
            {"code": "A", "name": "重复", "section": "（六）1", "directions": []},
        ],
    }
    with pytest.raises(GuideError) as err:
        parse_guide(raw)
    text = "；".join(err.value.problems)
    assert "方向“A1”缺少字段“section”" in text
    assert "“A1”下的课题应为非空列表" in text
    assert "节点编码“A”重复" in text


# --- state machines ----------------------------------------------------------------------------

L = load_lifecycles()
ALL = {**{k: k for k in CALL_TYPES}, "challenge": "challenge"}


def test_every_call_type_has_a_machine_and_tranche_rules():
    assert set(CALL_TYPES) <= set(L.machines)
    for code in CALL_TYPES:
        assert abs(sum(t.share for t in L.tranches[code]) - 1) < 1e-9


@pytest.mark.parametrize("code", sorted(ALL))
def test_illegal_transitions_are_refused(code):
    """Every (state, action) pair the machine does not list is refused with a Chinese reason."""
    m = L.machine(code)
    actions = {t.action for t in m.transitions}
    refused = 0
    for state in m.states:
        for action in actions:
            legal = [t for t in m.transitions if t.action == action and state in t.sources]
            if legal:
                continue
            with pytest.raises(TransitionRefused, match="当前状态为"):
                m.check(state, action, "city_admin", dict.fromkeys(m.guard_reasons, True))
            refused += 1
    assert refused > 0
    # terminal states have no way out
    for state in m.terminal:
        assert m.available(state) == []
    with pytest.raises(TransitionRefused, match="没有“teleport”操作"):
        m.check(m.initial, "teleport", "city_admin")


def test_normal_walk_and_roles_and_guards():
    m = L.machine("normal")
    ok = dict.fromkeys(m.guard_reasons, True)
    assert m.check("draft", "submit", "applicant").target == "submitted"
    with pytest.raises(TransitionRefused, match="“开始形式审查”只能由市科技局操作"):
        m.check("submitted", "start_form_review", "applicant")
    with pytest.raises(TransitionRefused, match="专家评分尚未全部提交"):
        m.check("expert_review", "review_done", "city_admin", {})
    with pytest.raises(TransitionRefused, match="公示期尚未结束；公示期内有未处理的异议"):
        m.check("publicity", "publicity_close", "city_admin", {})
    with pytest.raises(TransitionRefused, match="公示期内有未处理的异议"):
        m.check("publicity", "publicity_close", "city_admin", {"publicity_over": True})
    path = [
        ("submit", "submitted"),
        ("start_form_review", "form_review"),
        ("form_pass", "expert_review"),
        ("review_done", "decision"),
        ("decide_fund", "publicity"),
        ("publicity_close", "approved"),
        ("sign_task_book", "task_book"),
        ("release_tranche", "funded"),
        ("submit_midterm", "midterm"),
        ("midterm_pass", "funded"),
        ("apply_acceptance", "acceptance"),
        ("acceptance_pass", "evaluation"),
        ("evaluate", "closed"),
    ]
    state = m.initial
    for action, target in path:
        state = m.check(state, action, "city_admin", ok).target
        assert state == target


def test_jiebang_acceptance_is_the_owners():
    m = L.machine("jiebang")
    with pytest.raises(TransitionRefused, match="只能由发榜方操作"):
        m.check("acceptance", "owner_accept", "city_admin")
    assert m.check("acceptance", "owner_accept", "challenge_owner").target == "closed"
    with pytest.raises(TransitionRefused, match="任务书缺少发榜方验收标准"):
        m.check("approved", "sign_task_book", "challenge_owner", {})
    with pytest.raises(TransitionRefused, match="榜单尚未发布"):
        m.check("draft", "submit", "applicant", {})


def test_directed_has_no_open_call():
    m = L.machine("directed")
    assert "submit" not in {t.action for t in m.transitions}
    assert m.initial == "proposal"


def test_saima_cut_is_terminal_and_stops_tranches():
    m = L.machine("saima")
    assert m.check("gate", "gate_cut", "city_admin").target == "cut"
    with pytest.raises(TransitionRefused, match="当前状态为“淘汰”"):
        m.check("cut", "release_tranche", "city_admin", {"tranche_allowed": True})
    rules = L.tranches["saima"]
    assert next_tranche(rules, 0, [])[0] is True
    # second tranche: gate 1 passed at ≥ 60
    assert next_tranche(rules, 1, [Gate(1, "continue", 60)]) == (
        True,
        "第2期（30%）：第1次里程碑考核通过",
    )
    ok, why = next_tranche(rules, 1, [Gate(1, "continue", 59.9)])
    assert not ok and "低于60分" in why
    ok, why = next_tranche(rules, 1, [Gate(1, "cut", 80)])
    assert not ok and "淘汰" in why
    ok, why = next_tranche(rules, 1, [])
    assert not ok and "须先完成第1次里程碑考核" in why
    ok, why = next_tranche(rules, 3, [Gate(1, "continue", 70), Gate(2, "continue", 70)])
    assert not ok and "全部3期" in why
    ok, _ = next_tranche([Tranche(1.0)], 0, [], terminal=True)
    assert not ok


def test_deadlines_and_overdue():
    m = L.machine("normal")
    t0 = datetime(2026, 3, 1)
    assert m.due("form_review", t0) == t0 + timedelta(days=15)
    assert not m.overdue("form_review", t0, t0 + timedelta(days=15))
    assert m.overdue("form_review", t0, t0 + timedelta(days=15, seconds=1))
    assert m.due("closed", t0) is None and not m.overdue("closed", t0, t0 + timedelta(days=999))


def test_malformed_lifecycles_are_refused_in_chinese():
    raw = yaml.safe_load(LIFECYCLE_FILE.read_text(encoding="utf-8"))
    raw["machines"]["normal"]["transitions"].append(
        {"action": "x", "from": ["closed"], "to": "nowhere", "roles": [], "guards": ["magic"]}
    )
    raw["tranches"]["saima"] = [{"share": 0.5}]
    del raw["machines"]["directed"]
    with pytest.raises(LifecycleError) as err:
        parse_lifecycles(raw)
    text = "；".join(err.value.problems)
    for part in (
        "未知状态“nowhere”",
        "从终止状态“closed”出发",
        "未定义的守卫“magic”",
        "未规定操作角色",
        "比例之和为0.50",
        "缺少项目类型“定向委托”的生命周期",
    ):
        assert part in text, part
