"""Lifecycles as explicit state machines read from data (`data/lifecycles.yaml`), one per call type.

The engine here is pure: given a machine, the current state, an action, the actor's role and the
facts its guards need, it returns the transition or refuses with the reason in Chinese. Tranche
release rules and deadlines are data too. The service records every transition (who, why, when).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LIFECYCLE_FILE = Path(__file__).parent / "data" / "lifecycles.yaml"
CALL_TYPES = {
    "normal": "指南申报",
    "jiebang": "揭榜挂帅",
    "saima": "赛马制",
    "directed": "定向委托",
}
ROLE_LABELS = {
    "city_admin": "市科技局",
    "applicant": "申报单位",
    "challenge_owner": "发榜方",
    "expert": "评审专家",
}


class LifecycleError(ValueError):
    """The lifecycle file is malformed (problems in Chinese)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class TransitionRefused(ValueError):
    """An illegal transition, with the reason in Chinese."""


@dataclass(frozen=True)
class Transition:
    """One legal move: action, Chinese label, source states, target, who may trigger it, guards."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Machine:
    """One lifecycle: its states (code → Chinese), initial and terminal states, transitions, deadlines."""

    code: str
    label: str
    source: str
    initial: str
    states: dict[str, str]
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    deadlines: dict[str, int] = field(default_factory=dict)
    guard_reasons: dict[str, str] = field(default_factory=dict)

    def state_label(self, state: str) -> str:
        """The Chinese name of a state."""
        return self.states.get(state, state)

    def available(self, state: str, role: str | None = None) -> list[Transition]:
        """Transitions leaving `state` (only those `role` may trigger, when given)."""
        return [
            t for t in self.transitions if state in t.sources and (role is None or role in t.roles)
        ]

    def check(
        self, state: str, action: str, role: str, facts: Mapping[str, bool] | None = None
    ) -> Transition:
        """The transition `action` from `state` by `role`, or TransitionRefused with the reason."""
        if state not in self.states:
            raise TransitionRefused(f"未知状态“{state}”（{self.label}）")
        named = [t for t in self.transitions if t.action == action]
        if not named:
            raise TransitionRefused(f"{self.label}没有“{action}”操作")
        here = [t for t in named if state in t.sources]
        if not here:
            allowed = "、".join(self.state_label(s) for t in named for s in t.sources)
            raise TransitionRefused(
                f"当前状态为“{self.state_label(state)}”，不能“{named[0].label}”"
                f"（仅在“{allowed}”状态可以）"
            )
        move = here[0]
        if role not in move.roles:
            who = "、".join(ROLE_LABELS.get(r, r) for r in move.roles)
            raise TransitionRefused(f"“{move.label}”只能由{who}操作")
        facts = facts or {}
        failed = [g for g in move.guards if not facts.get(g, False)]
        if failed:
            raise TransitionRefused(
                f"不能“{move.label}”：" + "；".join(self.guard_reasons.get(g, g) for g in failed)
            )
        return move

    def due(self, state: str, entered_at: datetime) -> datetime | None:
        """When the object must leave `state` (None when the state has no time limit)."""
        days = self.deadlines.get(state)
        return entered_at + timedelta(days=days) if days else None

    def overdue(self, state: str, entered_at: datetime, now: datetime) -> bool:
        """True when the object has stayed in `state` past its time limit."""
        due = self.due(state, entered_at)
        return due is not None and now > due


@dataclass(frozen=True)
class Tranche:
    """One instalment: its share of the budget and the gate score the previous stage must reach."""

    share: float
    min_score: float | None = None


@dataclass(frozen=True)
class Gate:
    """A milestone gate result: its sequence, outcome (continue/cut/merge) and score."""

    seq: int
    outcome: str
    score: float | None = None


def next_tranche(
    rules: list[Tranche], released: int, gates: list[Gate], terminal: bool = False
) -> tuple[bool, str]:
    """Whether instalment number `released + 1` may be paid now, and why (Chinese).

    The first instalment needs only the task book; instalment k (k ≥ 2) needs gate k−1 passed
    (outcome continue) with a score at or above the rule's threshold. A project cut or merged at
    any gate, or in a terminal state, gets nothing more.
    """
    if any(g.outcome in ("cut", "merge") for g in gates):
        return False, "项目在里程碑考核中被淘汰或并入他队，停止后续拨款"
    if terminal:
        return False, "项目已终止、淘汰或归档，不再拨款"
    if released >= len(rules):
        return False, f"全部{len(rules)}期经费已拨付"
    rule = rules[released]
    if released == 0:
        return True, f"第1期（{rule.share:.0%}）：任务书签订后拨付"
    gate = next((g for g in gates if g.seq == released), None)
    n = released + 1
    if gate is None:
        return False, f"第{n}期须先完成第{released}次里程碑考核"
    if gate.outcome != "continue":
        return False, f"第{released}次里程碑考核未通过"
    if rule.min_score is not None and (gate.score is None or gate.score < rule.min_score):
        return False, f"第{released}次里程碑考核得分低于{rule.min_score:g}分"
    return True, f"第{n}期（{rule.share:.0%}）：第{released}次里程碑考核通过"


@dataclass(frozen=True)
class Lifecycles:
    """Every machine and the tranche rules per call type."""

    version: str
    machines: dict[str, Machine]
    tranches: dict[str, list[Tranche]]

    def machine(self, code: str) -> Machine:
        """The machine for a call type (or 'challenge')."""
        if code not in self.machines:
            raise LifecycleError([f"没有“{code}”的生命周期"])
        return self.machines[code]


def parse_lifecycles(raw: Any) -> Lifecycles:
    """Validate the lifecycle data; every problem is reported at once in Chinese."""
    if not isinstance(raw, dict) or "machines" not in raw:
        raise LifecycleError(["生命周期文件应为映射且含“machines”"])
    guards = {str(k): str(v) for k, v in (raw.get("guards") or {}).items()}
    problems: list[str] = []
    machines: dict[str, Machine] = {}
    for code, m in raw["machines"].items():
        states = {str(k): str(v) for k, v in (m.get("states") or {}).items()}
        where = f"生命周期“{code}”"
        if m.get("initial") not in states:
            problems.append(f"{where}的初始状态“{m.get('initial')}”不在状态表中")
        terminal = frozenset(m.get("terminal") or ())
        for s in terminal - set(states):
            problems.append(f"{where}的终止状态“{s}”不在状态表中")
        moves = []
        for t in m.get("transitions") or []:
            sources = tuple(t.get("from") or ())
            for s in (*sources, t.get("to")):
                if s not in states:
                    problems.append(f"{where}的操作“{t.get('action')}”引用了未知状态“{s}”")
            for s in set(sources) & terminal:
                problems.append(f"{where}的操作“{t.get('action')}”从终止状态“{s}”出发")
            for g in t.get("guards") or ():
                if g not in guards:
                    problems.append(f"{where}的操作“{t.get('action')}”使用了未定义的守卫“{g}”")
            if not t.get("roles"):
                problems.append(f"{where}的操作“{t.get('action')}”未规定操作角色")
            moves.append(
                Transition(
                    action=str(t.get("action")),
                    label=str(t.get("label") or t.get("action")),
                    sources=sources,
                    target=str(t.get("to")),
                    roles=tuple(t.get("roles") or ()),
                    guards=tuple(t.get("guards") or ()),
                )
            )
        for s in m.get("deadlines") or {}:
            if s not in states:
                problems.append(f"{where}的时限引用了未知状态“{s}”")
        reachable = {m.get("initial")}
        frontier = [m.get("initial")]
        while frontier:
            s = frontier.pop()
            for t in moves:
                if s in t.sources and t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        for s in set(states) - reachable:
            problems.append(f"{where}的状态“{states[s]}”无法到达")
        machines[code] = Machine(
            code=code,
            label=str(m.get("label") or code),
            source=_source_text(m.get("source")),
            initial=str(m.get("initial")),
            states=states,
            terminal=terminal,
            transitions=tuple(moves),
            deadlines={str(k): int(v) for k, v in (m.get("deadlines") or {}).items()},
            guard_reasons=guards,
        )
    tranches: dict[str, list[Tranche]] = {}
    for code, rules in (raw.get("tranches") or {}).items():
        parsed = [Tranche(float(r["share"]), r.get("min_score")) for r in rules]
        total = sum(r.share for r in parsed)
        if abs(total - 1.0) > 1e-9:
            problems.append(f"“{code}”的分期拨款比例之和为{total:.2f}，应为1")
        tranches[code] = parsed
    for code in CALL_TYPES:
        if code not in machines:
            problems.append(f"缺少项目类型“{CALL_TYPES[code]}”的生命周期")
        if code not in tranches:
            problems.append(f"缺少项目类型“{CALL_TYPES[code]}”的分期拨款规则")
    if problems:
        raise LifecycleError(problems)
    return Lifecycles(str(raw.get("version", "")), machines, tranches)


def _source_text(raw: Any) -> str:
    """A machine's source as one line: the article, the registry code and the confirmation level
    (the methodology layer resolves the code to its title for the pages)."""
    if isinstance(raw, dict):
        return f"{raw.get('article', '')}（{raw.get('code', '')}，{raw.get('confirmation', '')}）"
    return str(raw or "")


@cache
def load_lifecycles() -> Lifecycles:
    """The shipped lifecycles (cached)."""
    return parse_lifecycles(yaml.safe_load(LIFECYCLE_FILE.read_text(encoding="utf-8")))
