"""重点攻关 services: calls, challenges, applications and their lifecycle, experts and relations,
review assignment (through review_link) with recusal and replacement, scores, ranking with a
funding line, decisions, 公示 and objections, milestone gates and tranches.

Every read goes through `scope.py`; every state change goes through the lifecycle engine and is
written to `program_transitions` (who, role, why, when) as well as the audit log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from kechuang.core.db import utcnow
from kechuang.core.errors import Conflict, Unprocessable
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import Principal
from kechuang.engines.rules.packs import RulePackError
from kechuang.programs import APPLICANT, CHALLENGE_OWNER, EXPERT, review_link
from kechuang.programs.eligibility import check_units, parse_eligibility
from kechuang.programs.lifecycle import (
    CALL_TYPES,
    Gate,
    TransitionRefused,
    load_lifecycles,
    next_tranche,
)
from kechuang.programs.models import (
    RELATIONS,
    Application,
    Assignment,
    Call,
    Challenge,
    Decision,
    Expert,
    Milestone,
    Objection,
    Publicity,
    Relation,
    Score,
    TranchePaid,
    Transition,
)
from kechuang.programs.scope import (
    application_scope,
    assignment_scope,
    call_scope,
    challenge_scope,
    expert_of,
    require_domain_role,
    require_role,
)
from kechuang.programs.taxonomy import GuideError, load_guide


def valid_uscc(code: str) -> bool:
    """True for an 18-character 统一社会信用代码 with a correct check digit."""
    return len(code or "") == 18 and bool(stdnum_uscc.is_valid(code))


# actions that take something away from the applicant: the reason is mandatory
NEEDS_REASON = {
    "form_return",
    "form_reject",
    "decide_reject",
    "objection_upheld",
    "midterm_terminate",
    "midterm_rectify",
    "acceptance_fail",
    "gate_cut",
    "gate_merge",
    "owner_decline",
    "owner_reject",
    "withdraw",
}
PUBLICITY_DAYS = 7  # 公示期（天）; the Yangzhou period is not sourced, 7 days is provisional
SCORE_MIN, SCORE_MAX = 0.0, 100.0


def _bad(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, [{"field": field, "message": message}])


def _problems(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Unprocessable(
            "；".join(m for _, m in problems), [{"field": f, "message": m} for f, m in problems]
        )


def _now() -> datetime:
    return utcnow()


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)


# ------------------------------------------------------------------ calls


def validate_call(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with a call's fields, in Chinese."""
    problems = []
    if data.get("kind") not in CALL_TYPES:
        problems.append(
            ("kind", "项目类型应为 " + "、".join(f"{k}（{v}）" for k, v in CALL_TYPES.items()))
        )
    if not (data.get("title") or "").strip():
        problems.append(("title", "批次名称不能为空"))
    if not (data.get("code") or "").strip():
        problems.append(("code", "批次编号不能为空"))
    try:
        load_guide().check_directions(list(data.get("directions") or []))
    except GuideError as exc:
        problems += [("directions", p) for p in exc.problems]
    if not data.get("directions"):
        problems.append(("directions", "至少选择一个指南方向"))
    if (data.get("budget") or 0) < 0:
        problems.append(("budget", "预算不能为负数"))
    o, c = data.get("opens_on"), data.get("closes_on")
    if o and c and c < o:
        problems.append(("closes_on", "截止日期早于开始日期"))
    if data.get("eligibility"):
        try:
            parse_eligibility(data["eligibility"])
        except RulePackError as exc:
            problems += [("eligibility", p) for p in exc.problems]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # a pack malformed beyond what the parser words (wrong types deep inside)
            problems.append(("eligibility", f"申报条件规则包格式不正确：{exc!s}"[:300]))
    return problems


def create_call(session: Session, principal: Principal, data: dict[str, Any]) -> Call:
    """Create a call (the bureau), unpublished."""
    require_role(principal, ("city_admin",), "发布项目指南")
    _problems(validate_call(data))
    if session.scalar(select(Call.id).where(Call.code == data["code"])):
        raise Conflict(f"批次编号“{data['code']}”已存在")
    if data.get("challenge_id") and session.get(Challenge, data["challenge_id"]) is None:
        raise _bad("challenge_id", f"榜单 #{data['challenge_id']} 不存在")
    call = Call(**{k: v for k, v in data.items() if hasattr(Call, k) and k != "id"})
    session.add(call)
    session.flush()
    return call


def set_call_state(session: Session, principal: Principal, call_id: int, state: str) -> Call:
    """Publish (open) or close a call."""
    require_role(principal, ("city_admin",), "发布或截止申报批次")
    call = get_call(session, principal, call_id)
    moves = {"open": ("draft",), "closed": ("open",)}
    if call.state not in moves[state]:
        raise Conflict(f"批次当前为“{call.state}”，不能改为“{state}”")
    call.state = state
    session.flush()
    return call


def list_calls(session: Session, principal: Principal, year: int | None = None) -> list[Call]:
    """Calls the principal may see, newest first."""
    q = select(Call).where(call_scope(principal))
    if year is not None:
        q = q.where(Call.year == year)
    return list(session.scalars(q.order_by(Call.year.desc(), Call.id)))


def get_call(session: Session, principal: Principal, call_id: int) -> Call:
    """One call in scope, or ScopeError (404)."""
    call = session.scalars(select(Call).where(Call.id == call_id, call_scope(principal))).first()
    if call is None:
        raise ScopeError(f"申报批次 #{call_id} 不存在或不在您的权限范围内")
    return call


def call_dict(session: Session, call: Call) -> dict[str, Any]:
    """A call as a JSON-ready dict, with direction names and application count."""
    guide = load_guide()
    n = session.scalar(select(func.count()).where(Application.call_id == call.id)) or 0
    return {
        "id": call.id,
        "code": call.code,
        "year": call.year,
        "kind": call.kind,
        "kind_label": CALL_TYPES[call.kind],
        "title": call.title,
        "directions": [
            {"code": d, "name": guide.path(d)} for d in call.directions if d in guide.nodes
        ],
        "budget": call.budget,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "per_application": call.per_application,
        "finance_required": call.finance_required,
        "awardees": call.awardees,
        "challenge_id": call.challenge_id,
        "state": call.state,
        "has_eligibility": bool(call.eligibility),
        "rationale": call.rationale or "",
        "applications": n,
        "is_demo": call.is_demo,
    }


# ------------------------------------------------------------------ challenges


def create_challenge(session: Session, principal: Principal, data: dict[str, Any]) -> Challenge:
    """A 发榜方 (or the bureau for him) posts a need with acceptance criteria."""
    require_role(principal, ("city_admin", CHALLENGE_OWNER), "发布揭榜挂帅需求")
    problems = []
    for f, label in (("title", "榜单名称"), ("owner_unit", "发榜单位"), ("need", "需求描述")):
        if not (data.get(f) or "").strip():
            problems.append((f, f"{label}不能为空"))
    if not (data.get("acceptance_criteria") or "").strip():
        problems.append(("acceptance_criteria", "须写明发榜方的验收标准"))
    if data.get("owner_uscc") and not valid_uscc(data["owner_uscc"]):
        problems.append(("owner_uscc", "统一社会信用代码格式不正确（18位）"))
    if data.get("direction"):
        try:
            load_guide().check_directions([data["direction"]])
        except GuideError as exc:
            problems += [("direction", p) for p in exc.problems]
    _problems(problems)
    if session.scalar(select(Challenge.id).where(Challenge.code == data["code"])):
        raise Conflict(f"榜单编号“{data['code']}”已存在")
    ch = Challenge(**{k: v for k, v in data.items() if hasattr(Challenge, k) and k != "id"})
    if principal.role == CHALLENGE_OWNER:
        ch.owner_user_id = principal.user_id
    ch.state = load_lifecycles().machine("challenge").initial
    session.add(ch)
    session.flush()
    return ch


def list_challenges(session: Session, principal: Principal) -> list[Challenge]:
    """Challenges the principal may see."""
    return list(
        session.scalars(select(Challenge).where(challenge_scope(principal)).order_by(Challenge.id))
    )


def get_challenge(session: Session, principal: Principal, challenge_id: int) -> Challenge:
    """One challenge in scope, or ScopeError (404)."""
    ch = session.scalars(
        select(Challenge).where(Challenge.id == challenge_id, challenge_scope(principal))
    ).first()
    if ch is None:
        raise ScopeError(f"榜单 #{challenge_id} 不存在或不在您的权限范围内")
    return ch


def move_challenge(
    session: Session, principal: Principal, challenge_id: int, action: str, reason: str = ""
) -> Challenge:
    """Publish, close or withdraw a challenge through its state machine (audited)."""
    ch = get_challenge(session, principal, challenge_id)
    if principal.role == CHALLENGE_OWNER and ch.owner_user_id != principal.user_id:
        raise RoleError("只能操作本单位发布的榜单")
    machine = load_lifecycles().machine("challenge")
    try:
        move = machine.check(ch.state, action, principal.role, {})
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc
    _log(session, principal, "challenge", ch.state, move.target, action, reason, challenge_id=ch.id)
    ch.state, ch.state_at = move.target, _now()
    session.flush()
    return ch


def challenge_dict(ch: Challenge) -> dict[str, Any]:
    """A challenge as a JSON-ready dict."""
    machine = load_lifecycles().machine("challenge")
    return {
        "id": ch.id,
        "code": ch.code,
        "year": ch.year,
        "title": ch.title,
        "owner_unit": ch.owner_unit,
        "need": ch.need,
        "acceptance_criteria": ch.acceptance_criteria,
        "direction": ch.direction,
        "budget": ch.budget,
        "state": ch.state,
        "state_label": machine.state_label(ch.state),
        "is_demo": ch.is_demo,
    }


# ------------------------------------------------------------------ applications


def _next_code(session: Session, call: Call) -> str:
    n = session.scalar(select(func.count()).where(Application.call_id == call.id)) or 0
    while True:
        n += 1
        code = f"{call.code}-{n:04d}"
        if not session.scalar(select(Application.id).where(Application.code == code)):
            return code


def create_application(
    session: Session,
    principal: Principal,
    call_id: int,
    data: dict[str, Any],
    today: date | None = None,
) -> Application:
    """Draft an application to an open call; the unit must meet the call's eligibility rules."""
    require_role(principal, ("city_admin", APPLICANT), "填报项目申报书")
    call = get_call(session, principal, call_id)
    today = today or date.today()
    if call.kind == "directed" and principal.role != "city_admin":
        raise RoleError("定向委托项目不公开征集，由市科技局确定承担单位")
    if principal.role != "city_admin":
        if call.state != "open":
            raise Conflict("该批次不在申报期内")
        if call.opens_on and today < call.opens_on or call.closes_on and today > call.closes_on:
            raise Conflict(f"申报期为 {call.opens_on} 至 {call.closes_on}，当前不在申报期内")
    problems = []
    for f, label in (
        ("unit_name", "申报单位"),
        ("leader_name", "项目负责人"),
        ("leader_id_no", "项目负责人证件号"),
        ("title", "项目名称"),
    ):
        if not (str(data.get(f) or "")).strip():
            problems.append((f, f"{label}不能为空"))
    if not valid_uscc(data.get("unit_uscc") or ""):
        problems.append(("unit_uscc", "申报单位统一社会信用代码格式不正确（18位）"))
    direction = data.get("direction") or ""
    guide = load_guide()
    if direction not in guide.nodes:
        problems.append(("direction", f"指南方向“{direction}”不存在"))
    elif not any(direction == d or guide.nodes[direction].parent == d for d in call.directions):
        problems.append(("direction", f"指南方向“{guide.path(direction)}”不在本批次支持范围内"))
    if (data.get("budget") or 0) <= 0:
        problems.append(("budget", "申请经费应大于0（万元）"))
    _problems(problems)
    verdict = check_units(session, call.eligibility, [data["unit_uscc"]], call.year)[
        data["unit_uscc"]
    ]
    if verdict["verdict"] == "unmet":
        raise Unprocessable(
            "申报单位不符合本批次申报条件：" + "；".join(verdict["reasons"]),
            [{"field": "unit_uscc", "message": r} for r in verdict["reasons"]],
        )
    app = Application(
        code=_next_code(session, call),
        call_id=call.id,
        applicant_user_id=principal.user_id
        if principal.role == APPLICANT
        else data.get("applicant_user_id"),
        unit_name=data["unit_name"].strip(),
        unit_uscc=data["unit_uscc"],
        leader_name=data["leader_name"].strip(),
        leader_id_no=str(data["leader_id_no"]).strip(),
        direction=direction,
        title=data["title"].strip(),
        keywords=[k.strip() for k in data.get("keywords") or [] if k.strip()],
        abstract=data.get("abstract") or "",
        budget=float(data["budget"]),
        state=load_lifecycles().machine(call.kind).initial,
        acceptance_criteria=data.get("acceptance_criteria") or "",
        is_demo=bool(data.get("is_demo")),
    )
    session.add(app)
    session.flush()
    return app


def list_applications(
    session: Session,
    principal: Principal,
    call_id: int | None = None,
    state: str | None = None,
) -> list[Application]:
    """Applications the principal may see (own / assigned / own challenges' / all)."""
    q = select(Application).where(application_scope(principal))
    if call_id is not None:
        q = q.where(Application.call_id == call_id)
    if state:
        q = q.where(Application.state == state)
    return list(session.scalars(q.order_by(Application.id)))


def get_application(session: Session, principal: Principal, app_id: int) -> Application:
    """One application in scope, or ScopeError (404)."""
    app = session.scalars(
        select(Application).where(Application.id == app_id, application_scope(principal))
    ).first()
    if app is None:
        raise ScopeError(f"申报 #{app_id} 不存在或不在您的权限范围内")
    return app


def application_dict(
    session: Session, app: Application, now: datetime | None = None
) -> dict[str, Any]:
    """An application as a JSON-ready dict, with its state label, due date and overdue flag."""
    call = session.get(Call, app.call_id)
    machine = load_lifecycles().machine(call.kind)
    entered = _aware(app.state_at)
    due = machine.due(app.state, entered)
    return {
        "id": app.id,
        "code": app.code,
        "call_id": app.call_id,
        "call_kind": call.kind,
        "unit_name": app.unit_name,
        "unit_uscc": app.unit_uscc,
        "leader_name": app.leader_name,
        "direction": app.direction,
        "direction_name": load_guide().path(app.direction),
        "title": app.title,
        "keywords": app.keywords,
        "budget": app.budget,
        "granted": app.granted,
        "state": app.state,
        "state_label": machine.state_label(app.state),
        "state_at": entered,
        "due": due,
        "overdue": machine.overdue(app.state, entered, now or _now()),
        "is_demo": app.is_demo,
    }


def _facts(session: Session, app: Application, call: Call) -> dict[str, bool]:
    """The guard facts of the lifecycle for one application, read from the database."""
    live = list(
        session.scalars(
            select(Assignment).where(
                Assignment.application_id == app.id, Assignment.state != "recused"
            )
        )
    )
    today = date.today()
    # the latest 公示 of the call that lists this application (a call may publish in rounds)
    pub = next(
        (
            p
            for p in session.scalars(
                select(Publicity).where(Publicity.call_id == call.id).order_by(Publicity.id.desc())
            )
            if app.id in (p.application_ids or [])
        ),
        None,
    )
    in_pub = pub is not None
    open_obj = bool(
        session.scalar(
            select(func.count()).where(
                Objection.application_id == app.id, Objection.state == "open"
            )
        )
    )
    criteria = app.acceptance_criteria
    challenge = session.get(Challenge, call.challenge_id) if call.challenge_id else None
    if not criteria and challenge is not None:
        criteria = challenge.acceptance_criteria
    paid = session.scalar(select(func.count()).where(TranchePaid.application_id == app.id)) or 0
    allowed, _ = tranche_status(session, app, call, paid)
    return {
        "reviews_complete": bool(live) and all(a.state == "scored" for a in live),
        "publicity_over": in_pub and pub.ends_on < today,
        "no_open_objection": not open_obj,
        "has_criteria": bool(criteria.strip()),
        "has_agreement": app.agreement_signed,
        "tranche_allowed": allowed,
        "challenge_published": challenge is None or challenge.state == "published",
    }


def tranche_status(session: Session, app: Application, call: Call, paid: int | None = None):
    """Whether the next instalment may be paid, and why (the tranche rules of the call type)."""
    if paid is None:
        paid = session.scalar(select(func.count()).where(TranchePaid.application_id == app.id)) or 0
    gates = [
        Gate(m.seq, m.outcome, m.score)
        for m in session.scalars(select(Milestone).where(Milestone.application_id == app.id))
    ]
    machine = load_lifecycles().machine(call.kind)
    return next_tranche(
        load_lifecycles().tranches[call.kind], paid, gates, app.state in machine.terminal
    )


def _log(
    session: Session,
    principal: Principal,
    machine: str,
    before: str,
    after: str,
    action: str,
    reason: str,
    application_id: int | None = None,
    challenge_id: int | None = None,
) -> None:
    session.add(
        Transition(
            application_id=application_id,
            challenge_id=challenge_id,
            machine=machine,
            action=action,
            from_state=before,
            to_state=after,
            user_id=principal.user_id,
            username=principal.username,
            role=principal.role,
            reason=reason[:500],
        )
    )


def _acting_role(session: Session, principal: Principal, app: Application, call: Call) -> str:
    """The lifecycle role the principal acts in for this application (or RoleError)."""
    if principal.scope == "all":
        return "city_admin"
    if principal.role == APPLICANT and app.applicant_user_id == principal.user_id:
        return APPLICANT
    if principal.role == CHALLENGE_OWNER and call.challenge_id is not None:
        ch = session.get(Challenge, call.challenge_id)
        if ch is not None and ch.owner_user_id == principal.user_id:
            return CHALLENGE_OWNER
    raise RoleError(f"{principal.role_label}无权改变该项目的状态")


def transition(
    session: Session, principal: Principal, app_id: int, action: str, reason: str = ""
) -> Application:
    """Apply a lifecycle action to an application: legal, allowed for the role, guards met; logged."""
    app = get_application(session, principal, app_id)
    call = session.get(Call, app.call_id)
    role = _acting_role(session, principal, app, call)
    machine = load_lifecycles().machine(call.kind)
    if action in NEEDS_REASON and not reason.strip():
        raise _bad("reason", "该操作须填写理由")
    facts = _facts(session, app, call)
    try:
        move = machine.check(app.state, action, role, facts)
    except TransitionRefused as exc:
        message = str(exc)
        if action == "release_tranche" and app.state in ("task_book", "funded"):
            message += f"（{tranche_status(session, app, call)[1]}）"
        raise Conflict(message) from exc
    before = app.state
    if action == "release_tranche":
        _pay_tranche(session, app, call)
    _log(session, principal, call.kind, before, move.target, action, reason, application_id=app.id)
    app.state, app.state_at = move.target, _now()
    session.flush()
    return app


def _pay_tranche(session: Session, app: Application, call: Call) -> TranchePaid:
    paid = session.scalar(select(func.count()).where(TranchePaid.application_id == app.id)) or 0
    ok, why = tranche_status(session, app, call, paid)
    if not ok:  # the guard said yes a moment ago; keep the two in step
        raise Conflict(why)
    rule = load_lifecycles().tranches[call.kind][paid]
    base = app.granted or app.budget
    t = TranchePaid(
        application_id=app.id,
        seq=paid + 1,
        share=rule.share,
        amount=round(base * rule.share, 2),
        reason=why,
    )
    session.add(t)
    return t


def record_gate(
    session: Session,
    principal: Principal,
    app_id: int,
    outcome: str,
    score: float | None,
    note: str = "",
) -> Milestone:
    """Record a milestone gate (赛马: continue/cut/merge; others: midterm pass/rectify/terminate)."""
    require_role(principal, ("city_admin",), "组织里程碑考核")
    app = get_application(session, principal, app_id)
    call = session.get(Call, app.call_id)
    actions = {
        "gate": {"continue": "gate_continue", "cut": "gate_cut", "merge": "gate_merge"},
        "midterm": {
            "continue": "midterm_pass",
            "rectify": "midterm_rectify",
            "cut": "midterm_terminate",
        },
    }
    if app.state not in actions:
        raise Conflict(
            f"项目当前为“{load_lifecycles().machine(call.kind).state_label(app.state)}”，不在里程碑考核阶段"
        )
    if outcome not in actions[app.state]:
        raise _bad("outcome", "考核结论应为 " + "、".join(actions[app.state]))
    if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
        raise _bad("score", "考核得分应在0到100之间")
    seq = (
        session.scalar(select(func.max(Milestone.seq)).where(Milestone.application_id == app.id))
        or 0
    ) + 1
    if outcome == "rectify":  # 整改 keeps the same gate open; the next result replaces nothing
        transition(session, principal, app_id, actions[app.state][outcome], note or "中期整改")
        return Milestone(application_id=app.id, seq=seq, outcome=outcome, score=score, note=note)
    m = Milestone(application_id=app.id, seq=seq, outcome=outcome, score=score, note=note)
    session.add(m)
    session.flush()
    transition(
        session, principal, app_id, actions[app.state][outcome], note or f"第{seq}次考核：{outcome}"
    )
    return m


def transitions_of(session: Session, principal: Principal, app_id: int) -> list[Transition]:
    """The audited state history of an application in scope."""
    app = get_application(session, principal, app_id)
    return list(
        session.scalars(
            select(Transition).where(Transition.application_id == app.id).order_by(Transition.id)
        )
    )


def available_actions(
    session: Session, principal: Principal, app: Application
) -> list[dict[str, str]]:
    """The actions the principal could take now (guards not yet evaluated)."""
    call = session.get(Call, app.call_id)
    try:
        role = _acting_role(session, principal, app, call)
    except RoleError:
        return []
    machine = load_lifecycles().machine(call.kind)
    return [{"action": t.action, "label": t.label} for t in machine.available(app.state, role)]


# ------------------------------------------------------------------ experts and relations


def create_expert(session: Session, principal: Principal, data: dict[str, Any]) -> Expert:
    """Add an expert to the bank (the bureau)."""
    require_role(principal, ("city_admin",), "维护专家库")
    problems = []
    for f, label in (("code", "专家编号"), ("name", "姓名"), ("id_no", "证件号")):
        if not str(data.get(f) or "").strip():
            problems.append((f, f"{label}不能为空"))
    if data.get("unit_uscc") and not valid_uscc(data["unit_uscc"]):
        problems.append(("unit_uscc", "工作单位统一社会信用代码格式不正确（18位）"))
    if int(data.get("max_load") or 0) < 1:
        problems.append(("max_load", "最多评审数应至少为1"))
    _problems(problems)
    for col, label in ((Expert.code, "专家编号"), (Expert.id_no, "证件号")):
        key = data["code"] if col is Expert.code else data["id_no"]
        if session.scalar(select(Expert.id).where(col == key)):
            raise Conflict(f"{label}“{key}”已在专家库中")
    e = Expert(**{k: v for k, v in data.items() if hasattr(Expert, k) and k != "id"})
    session.add(e)
    session.flush()
    return e


def list_experts(session: Session, principal: Principal) -> list[Expert]:
    """The expert bank (the bureau only)."""
    require_role(principal, ("city_admin",), "查看专家库")
    return list(session.scalars(select(Expert).order_by(Expert.id)))


def add_relation(session: Session, principal: Principal, data: dict[str, Any]) -> Relation:
    """Register a relation between persons or units (the bureau)."""
    require_role(principal, ("city_admin",), "登记关联关系")
    problems = []
    if data.get("relation") not in RELATIONS:
        problems.append(("relation", "关系应为 " + "、".join(RELATIONS.values())))
    for side in ("a", "b"):
        if data.get(f"{side}_kind") not in ("person", "unit"):
            problems.append((f"{side}_kind", "类型应为个人或单位"))
        if not str(data.get(side) or "").strip():
            problems.append((side, "关系双方不能为空"))
    s, e = data.get("start_year"), data.get("end_year")
    if s and e and e < s:
        problems.append(("end_year", "结束年份早于开始年份"))
    _problems(problems)
    r = Relation(**{k: v for k, v in data.items() if hasattr(Relation, k) and k != "id"})
    session.add(r)
    session.flush()
    return r


def list_relations(session: Session, principal: Principal) -> list[Relation]:
    """The relations register (the bureau only)."""
    require_role(principal, ("city_admin",), "查看关联关系登记")
    return list(session.scalars(select(Relation).order_by(Relation.id)))


# ------------------------------------------------------------------ review


def application_rows(apps: list[Application]) -> list[dict[str, Any]]:
    """Applications in the file interface's Chinese headers."""
    return [
        {
            "申报编号": a.code,
            "申报单位": a.unit_name,
            "申报单位代码": a.unit_uscc,
            "项目负责人": a.leader_name,
            "项目负责人证件号": a.leader_id_no,
            "指南方向": load_guide().path(a.direction),
            "项目名称": a.title,
            "关键词": "；".join(a.keywords),
        }
        for a in apps
    ]


def expert_rows(experts: list[Expert], load: dict[int, int] | None = None) -> list[dict[str, Any]]:
    """Experts in the file interface's Chinese headers (remaining load when `load` is given)."""
    load = load or {}
    return [
        {
            "专家编号": e.code,
            "姓名": e.name,
            "证件号": e.id_no,
            "工作单位": e.unit_name,
            "工作单位代码": e.unit_uscc,
            "职称": e.title,
            "研究领域": e.fields,
            "关键词": "；".join(e.keywords),
            "财务专家": "是" if e.finance else "否",
            "最多评审数": max(0, e.max_load - load.get(e.id, 0)),
        }
        for e in experts
    ]


def relation_rows(relations: list[Relation]) -> list[dict[str, Any]]:
    """Relations in the file interface's Chinese headers."""
    kinds = {"person": "个人", "unit": "单位"}
    return [
        {
            "甲": r.a,
            "甲类型": kinds[r.a_kind],
            "乙": r.b,
            "乙类型": kinds[r.b_kind],
            "关系": RELATIONS[r.relation],
            "开始年份": r.start_year,
            "结束年份": r.end_year,
        }
        for r in relations
    ]


def _current_load(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Assignment.expert_id, func.count())
        .where(Assignment.state != "recused")
        .group_by(Assignment.expert_id)
    )
    return {eid: n for eid, n in rows}


def assign_reviewers(session: Session, principal: Principal, call_id: int) -> dict[str, Any]:
    """Staff every application of a call in 专家评审 with K conflict-free experts (review engine)."""
    require_role(principal, ("city_admin",), "分配评审专家")
    call = get_call(session, principal, call_id)
    apps = [
        a
        for a in list_applications(session, principal, call_id=call.id)
        if a.state in ("expert_review", "proposal")
        and not session.scalar(select(Assignment.id).where(Assignment.application_id == a.id))
    ]
    if not apps:
        raise Conflict("没有待分配专家的申报（须处于“专家评审”状态且尚未分配）")
    experts = list(session.scalars(select(Expert).order_by(Expert.id)))
    staffing = review_link.assign(
        application_rows(apps),
        expert_rows(experts, _current_load(session)),
        relation_rows(list(session.scalars(select(Relation)))),
        call.year,
        call.per_application,
        call.finance_required,
    )
    created = _store_pairs(session, staffing.pairs, apps, experts)
    return {"assigned": created, "infeasible": staffing.infeasible}


def _store_pairs(session, pairs, apps, experts) -> int:
    by_app = {a.code: a.id for a in apps}
    by_exp = {e.code: e.id for e in experts}
    n = 0
    for p in pairs:
        session.add(
            Assignment(
                application_id=by_app[str(p["申报编号"])],
                expert_id=by_exp[str(p["专家编号"])],
                affinity=float(p.get("匹配度") or 0),
                reason=str(p.get("理由") or "")[:500],
            )
        )
        n += 1
    session.flush()
    return n


def list_assignments(
    session: Session, principal: Principal, call_id: int | None = None
) -> list[Assignment]:
    """Review assignments in scope (the bureau: all; an expert: his own; others 403)."""
    require_role(principal, ("city_admin", EXPERT), "查看评审任务")
    q = select(Assignment).where(assignment_scope(principal))
    if call_id is not None:
        q = q.where(
            Assignment.application_id.in_(
                select(Application.id).where(Application.call_id == call_id)
            )
        )
    return list(session.scalars(q.order_by(Assignment.id)))


def _get_assignment(session: Session, principal: Principal, assignment_id: int) -> Assignment:
    a = session.scalars(
        select(Assignment).where(Assignment.id == assignment_id, assignment_scope(principal))
    ).first()
    if a is None:
        raise ScopeError(f"评审任务 #{assignment_id} 不存在或不在您的权限范围内")
    return a


def recuse(
    session: Session, principal: Principal, assignment_id: int, reason: str
) -> dict[str, Any]:
    """An expert declares a conflict (or the bureau recuses him); a replacement is drawn at once."""
    require_role(principal, ("city_admin", EXPERT), "申请回避")
    a = _get_assignment(session, principal, assignment_id)
    if not reason.strip():
        raise _bad("reason", "请说明回避理由")
    if a.state != "assigned":
        raise Conflict("该评审任务已评分或已回避")
    a.state, a.recusal_reason = "recused", reason.strip()[:500]
    session.flush()
    app = session.get(Application, a.application_id)
    call = session.get(Call, app.call_id)
    taken = set(
        session.scalars(select(Assignment.expert_id).where(Assignment.application_id == app.id))
    )
    pool = [e for e in session.scalars(select(Expert).order_by(Expert.id)) if e.id not in taken]
    staffing = review_link.assign(
        application_rows([app]),
        expert_rows(pool, _current_load(session)),
        relation_rows(list(session.scalars(select(Relation)))),
        call.year,
        1,
        False,
    )
    replacement = {
        "assigned": _store_pairs(session, staffing.pairs, [app], pool),
        "infeasible": staffing.infeasible,
    }
    return {"recused": a.id, "replacement": replacement}


def submit_score(
    session: Session, principal: Principal, assignment_id: int, score: float, comment: str = ""
) -> Score:
    """An expert scores an assigned application (0–100), once."""
    require_role(principal, (EXPERT,), "评分")
    a = _get_assignment(session, principal, assignment_id)
    if a.state == "recused":
        raise Conflict("已回避的评审任务不能评分")
    if a.state == "scored":
        raise Conflict("该评审任务已评分")
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise _bad("score", "评分应在0到100之间")
    app = session.get(Application, a.application_id)
    if app.state not in ("expert_review", "proposal"):
        raise Conflict("该项目不在专家评审阶段")
    s = Score(
        assignment_id=a.id,
        application_id=a.application_id,
        expert_id=a.expert_id,
        score=score,
        comment=comment,
    )
    a.state = "scored"
    session.add(s)
    session.flush()
    return s


def ranking(
    session: Session,
    principal: Principal,
    call_id: int,
    budget: float | None = None,
    method: str = "additive",
) -> dict[str, Any]:
    """Ranking with uncertainty and the funding line at `budget` (default: the call's budget).

    Applications are funded in order of the corrected score while their requested budgets fit;
    one whose interval reaches across the line score is flagged 需复议 (the order is uncertain)."""
    require_role(principal, ("city_admin",), "查看评审排名")
    call = get_call(session, principal, call_id)
    budget = call.budget if budget is None else budget
    scores = session.execute(
        select(Score.application_id, Score.expert_id, Score.score)
        .join(Application, Application.id == Score.application_id)
        .where(Application.call_id == call.id)
    ).all()
    if not scores:
        return {"call_id": call.id, "budget": budget, "line_score": None, "rows": [], "spent": 0.0}
    agg = review_link.aggregate([(a, e, s) for a, e, s in scores], method=method)
    apps = {a.id: a for a in list_applications(session, principal, call_id=call.id)}
    rows = []
    for r in agg:
        app = apps.get(int(r["application_id"]))
        if app is None:
            continue
        rows.append(
            {
                **r,
                "application_id": app.id,
                "code": app.code,
                "title": app.title,
                "unit_name": app.unit_name,
                "budget": app.budget,
                "state": app.state,
            }
        )
    rows.sort(key=lambda r: (-float(r["corrected"]), r["code"]))
    spent, line = 0.0, None
    for r in rows:
        r["funded"] = spent + r["budget"] <= budget + 1e-9
        if r["funded"]:
            spent += r["budget"]
            line = float(r["corrected"])
    for r in rows:
        lo, hi = (r.get("interval") or (None, None))[:2]
        r["uncertain"] = (
            line is not None
            and lo is not None
            and lo <= line <= hi
            and not (r["funded"] and float(r["corrected"]) == line and lo == hi)
        )
    return {
        "call_id": call.id,
        "budget": budget,
        "line_score": line,
        "rows": rows,
        "spent": round(spent, 2),
    }


def decide(
    session: Session,
    principal: Principal,
    call_id: int,
    funded_ids: list[int],
    budget: float,
    note: str = "",
    publicity_days: int = PUBLICITY_DAYS,
    today: date | None = None,
) -> Publicity:
    """The administrative decision: the funded applications go to 公示, the rest are not funded."""
    require_role(principal, ("city_admin",), "作出立项决策")
    call = get_call(session, principal, call_id)
    pending = list_applications(session, principal, call_id=call.id, state="decision")
    ids = {a.id for a in pending}
    stray = [i for i in funded_ids if i not in ids]
    if stray:
        raise _bad("funded", f"申报 {stray} 不在“行政决策”状态")
    total = sum(a.budget for a in pending if a.id in funded_ids)
    if total > budget + 1e-9:
        raise _bad("funded", f"拟资助经费合计 {total:g} 万元，超过预算 {budget:g} 万元")
    today = today or date.today()
    session.add(
        Decision(
            call_id=call.id,
            budget=budget,
            funded=sorted(funded_ids),
            note=note,
            created_by=principal.user_id,
        )
    )
    for a in pending:
        if a.id in funded_ids:
            a.granted = a.budget
            transition(session, principal, a.id, "decide_fund", note or "经行政决策拟立项")
        else:
            transition(session, principal, a.id, "decide_reject", note or "未进入资助线")
    pub = Publicity(
        call_id=call.id,
        title=f"{call.title}拟立项项目公示",
        starts_on=today,
        ends_on=today + timedelta(days=publicity_days),
        application_ids=sorted(funded_ids),
        is_demo=call.is_demo,
    )
    session.add(pub)
    session.flush()
    return pub


# ------------------------------------------------------------------ 公示 (public)


def public_publicities(session: Session) -> list[Publicity]:
    """Every 公示, newest first (public: no login)."""
    return list(
        session.scalars(select(Publicity).order_by(Publicity.starts_on.desc(), Publicity.id.desc()))
    )


def publicity_dict(session: Session, pub: Publicity, today: date | None = None) -> dict[str, Any]:
    """A 公示 as public data: period, status, the listed projects and the objection records."""
    today = today or date.today()
    apps = session.scalars(
        select(Application).where(Application.id.in_(pub.application_ids or []))
    ).all()
    objections = session.scalars(
        select(Objection).where(Objection.publicity_id == pub.id).order_by(Objection.id)
    ).all()
    return {
        "id": pub.id,
        "title": pub.title,
        "starts_on": pub.starts_on,
        "ends_on": pub.ends_on,
        "status": "公示中"
        if pub.starts_on <= today <= pub.ends_on
        else ("已结束" if today > pub.ends_on else "未开始"),
        "projects": [
            {
                "code": a.code,
                "title": a.title,
                "unit_name": a.unit_name,
                "leader_name": a.leader_name,
                "direction_name": load_guide().path(a.direction),
                "granted": a.granted,
            }
            for a in sorted(apps, key=lambda a: a.code)
        ],
        # who raised an objection is not published; its subject, date and handling are
        "objections": [
            {
                "id": o.id,
                "application_code": next((a.code for a in apps if a.id == o.application_id), ""),
                "received_on": _aware(o.created_at).date(),
                "state": o.state,
                "handling": o.handling,
            }
            for o in objections
        ],
        "is_demo": pub.is_demo,
    }


def get_publicity(session: Session, publicity_id: int) -> Publicity:
    """One 公示 (public), or ScopeError (404)."""
    pub = session.get(Publicity, publicity_id)
    if pub is None:
        raise ScopeError(f"公示 #{publicity_id} 不存在")
    return pub


def record_objection(
    session: Session,
    principal: Principal,
    publicity_id: int,
    data: dict[str, Any],
    today: date | None = None,
) -> Objection:
    """The bureau records an objection received during the publication period."""
    require_role(principal, ("city_admin",), "登记公示异议")
    pub = get_publicity(session, publicity_id)
    today = today or date.today()
    if not pub.starts_on <= today <= pub.ends_on:
        raise Conflict(f"公示期为 {pub.starts_on} 至 {pub.ends_on}，期外异议不予登记")
    app_id = data.get("application_id")
    if app_id is not None and app_id not in (pub.application_ids or []):
        raise _bad("application_id", "异议所指项目不在本次公示名单中")
    if not (data.get("content") or "").strip():
        raise _bad("content", "异议内容不能为空")
    o = Objection(
        publicity_id=pub.id,
        application_id=app_id,
        raised_by=(data.get("raised_by") or "匿名").strip()[:100],
        content=data["content"].strip(),
    )
    session.add(o)
    session.flush()
    return o


def handle_objection(
    session: Session, principal: Principal, objection_id: int, upheld: bool, handling: str
) -> Objection:
    """Close an objection; an upheld one returns its application to the decision."""
    require_role(principal, ("city_admin",), "处理公示异议")
    o = session.get(Objection, objection_id)
    if o is None:
        raise ScopeError(f"异议 #{objection_id} 不存在")
    if o.state != "open":
        raise Conflict("该异议已处理")
    if not handling.strip():
        raise _bad("handling", "须写明处理意见")
    o.state, o.handling = ("upheld" if upheld else "dismissed"), handling.strip()
    session.flush()
    if upheld and o.application_id is not None:
        app = session.get(Application, o.application_id)
        if app.state == "publicity":
            transition(
                session, principal, app.id, "objection_upheld", f"异议成立：{handling.strip()}"
            )
    return o


def overdue(
    session: Session, principal: Principal, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Applications in scope that stayed in their state past its time limit."""
    require_domain_role(principal)
    now = now or _now()
    return [
        d
        for d in (application_dict(session, a, now) for a in list_applications(session, principal))
        if d["overdue"]
    ]


def whoami_expert(session: Session, principal: Principal) -> Expert:
    """The expert record of an expert account (others 403, unlinked 404)."""
    require_role(principal, (EXPERT,), "使用专家评审功能")
    e = expert_of(session, principal)
    if e is None:
        raise ScopeError("该专家账号尚未关联专家库记录")
    return e


# ------------------------------------------------------------------ the bureau's management pages

YEAR_MIN, YEAR_MAX = 2000, 2100
# gate outcomes are recorded through the milestone form (score and note), not as bare buttons
GATE_ACTIONS = {
    "gate_continue",
    "gate_cut",
    "gate_merge",
    "midterm_pass",
    "midterm_rectify",
    "midterm_terminate",
}


def validate_call_kind(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with the fields each call type needs (Chinese, naming the field)."""
    problems: list[tuple[str, str]] = []
    kind = data.get("kind")
    year = data.get("year")
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        problems.append(("year", f"年度应为 {YEAR_MIN}–{YEAR_MAX} 之间的整数"))
    if not (data.get("budget") or 0) > 0:
        problems.append(("budget", "预算（万元）应大于0"))
    k = data.get("per_application")
    if not isinstance(k, int) or not 1 <= k <= 15:
        problems.append(("per_application", "每项评审专家人数应为 1–15 人"))
    if kind in ("normal", "jiebang", "saima"):
        if not data.get("opens_on"):
            problems.append(("opens_on", "公开征集的批次须填写申报开始日期"))
        if not data.get("closes_on"):
            problems.append(("closes_on", "公开征集的批次须填写申报截止日期"))
    if kind == "jiebang" and not data.get("challenge_id"):
        problems.append(("challenge_id", "揭榜挂帅批次须关联一个发榜方榜单"))
    if kind == "saima" and not 2 <= int(data.get("awardees") or 0) <= 10:
        problems.append(("awardees", "赛马制须填写并行支持单位数（2–10家）"))
    if kind == "directed" and not (data.get("rationale") or "").strip():
        problems.append(("rationale", "定向委托不公开征集，须填写委托论证意见"))
    if kind != "saima" and data.get("awardees"):
        problems.append(("awardees", "只有赛马制批次设并行支持单位数"))
    if kind != "jiebang" and data.get("challenge_id"):
        problems.append(("challenge_id", "只有揭榜挂帅批次关联榜单"))
    return problems


def new_call(session: Session, principal: Principal, data: dict[str, Any]) -> Call:
    """Create a call from the bureau's form: every field problem of every kind reported at once."""
    require_role(principal, ("city_admin",), "发布项目指南")
    _problems(validate_call(data) + validate_call_kind(data))
    if data.get("kind") == "directed":  # no open call: no application period
        data = {**data, "opens_on": None, "closes_on": None}
    return create_call(session, principal, data)


def record_agreement(session: Session, principal: Principal, app_id: int, note: str) -> Application:
    """The bureau records that the 发榜方 and 揭榜方 signed their cooperation agreement (audited)."""
    require_role(principal, ("city_admin",), "登记合作协议")
    app = get_application(session, principal, app_id)
    if app.state != "agreement":
        raise Conflict("只有处于“合作协议”阶段的揭榜项目可以登记合作协议")
    if not note.strip():
        raise _bad("note", "请填写协议编号或签订情况")
    if app.agreement_signed:
        raise Conflict("合作协议已登记")
    app.agreement_signed = True
    session.flush()
    return app


def _tranche_plan(session: Session, app: Application, call: Call) -> list[dict[str, Any]]:
    """Every instalment of the call type's rules: paid ones, the next (allowed or why not), later."""
    rules = load_lifecycles().tranches[call.kind]
    paid = {
        t.seq: t
        for t in session.scalars(select(TranchePaid).where(TranchePaid.application_id == app.id))
    }
    allowed, why = tranche_status(session, app, call, len(paid))
    base = app.granted or app.budget
    out = []
    for i, rule in enumerate(rules, start=1):
        t = paid.get(i)
        row = {
            "seq": i,
            "share": rule.share,
            "planned": round(base * rule.share, 2),
            "min_score": rule.min_score,
            "paid": t is not None,
            "amount": t.amount if t else None,
            "paid_at": _aware(t.at) if t else None,
            "status": "",
        }
        if t is not None:
            row["status"] = f"已拨付 {t.amount:g} 万元（{t.reason}）"
        elif i == len(paid) + 1:
            row["next"] = True
            row["allowed"] = allowed
            row["status"] = ("可拨付：" if allowed else "暂不可拨付：") + why
        else:
            row["status"] = "待前一期拨付" if "停止" not in why else why
        out.append(row)
    return out


def project_view(
    session: Session, principal: Principal, app_id: int, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the project page shows: state and time limit, the legal next actions (each with
    whether its conditions hold and why not), the history, milestones and the tranche plan."""
    app = get_application(session, principal, app_id)
    call = session.get(Call, app.call_id)
    machine = load_lifecycles().machine(call.kind)
    view = application_dict(session, app, now)
    try:
        role = _acting_role(session, principal, app, call)
    except RoleError:
        role = None
    facts = _facts(session, app, call)
    actions = []
    for t in machine.available(app.state, role) if role else []:
        if t.action in GATE_ACTIONS:
            continue
        try:
            machine.check(app.state, t.action, role, facts)
            ok, why = True, ""
        except TransitionRefused as exc:
            ok, why = False, str(exc)
            if t.action == "release_tranche":
                why += f"（{tranche_status(session, app, call)[1]}）"
        actions.append(
            {
                "action": t.action,
                "label": t.label,
                "target_label": machine.state_label(t.target),
                "needs_reason": t.action in NEEDS_REASON,
                "allowed": ok,
                "why_not": why,
            }
        )
    gate_kind = app.state if app.state in ("gate", "midterm") and role == "city_admin" else None
    history = [
        {
            "at": _aware(t.at),
            "who": t.username,
            "role": t.role,
            "action": t.action,
            "from_label": machine.state_label(t.from_state),
            "to_label": machine.state_label(t.to_state),
            "reason": t.reason,
        }
        for t in session.scalars(
            select(Transition).where(Transition.application_id == app.id).order_by(Transition.id)
        )
    ]
    action_labels = {t.action: t.label for t in machine.transitions}
    for h in history:
        h["action_label"] = action_labels.get(h["action"], h["action"])
    milestones = [
        {"seq": m.seq, "outcome": m.outcome, "score": m.score, "note": m.note, "at": _aware(m.at)}
        for m in session.scalars(
            select(Milestone).where(Milestone.application_id == app.id).order_by(Milestone.seq)
        )
    ]
    challenge = session.get(Challenge, call.challenge_id) if call.challenge_id else None
    return {
        **view,
        "call_code": call.code,
        "call_title": call.title,
        "kind_label": CALL_TYPES[call.kind],
        "machine_label": machine.label,
        "acting_role": role,
        "deadline_days": machine.deadlines.get(app.state),
        "terminal": app.state in machine.terminal,
        "actions": actions,
        "gate_kind": gate_kind,
        "history": history,
        "milestones": milestones,
        "tranches": _tranche_plan(session, app, call),
        "agreement_signed": app.agreement_signed,
        "challenge": challenge_dict(challenge) if challenge is not None else None,
        "acceptance_criteria": app.acceptance_criteria
        or (challenge.acceptance_criteria if challenge is not None else ""),
    }


def challenge_actions(session: Session, principal: Principal, challenge_id: int) -> list[dict]:
    """The challenge transitions the principal may take now (only his own, for a 发榜方)."""
    ch = get_challenge(session, principal, challenge_id)
    if principal.role == CHALLENGE_OWNER and ch.owner_user_id != principal.user_id:
        return []
    role = "city_admin" if principal.scope == "all" else principal.role
    machine = load_lifecycles().machine("challenge")
    return [
        {"action": t.action, "label": t.label, "needs_reason": t.action in NEEDS_REASON}
        for t in machine.available(ch.state, role)
    ]
