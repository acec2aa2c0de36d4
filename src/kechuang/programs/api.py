"""API routes of 重点攻关: the 指南, calls, challenges, applications and their lifecycle, the expert
bank and relations, review assignment, recusal and scores, ranking, decisions and 公示 (public).
Every route passes the principal to the services, which read through `scope.py`: other roles get
403, other objects 404. The 公示 routes take no login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.web import CurrentPrincipal, DbSession, Id, IdQuery, YearQuery
from kechuang.programs import service
from kechuang.programs.lifecycle import load_lifecycles
from kechuang.programs.models import Assignment, Expert, Relation, Transition
from kechuang.programs.schemas import (
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    AssignmentOut,
    CallIn,
    CallOut,
    CallRankingOut,
    ChallengeIn,
    ChallengeOut,
    DecisionIn,
    ExpertIn,
    ExpertOut,
    GateIn,
    GuideOut,
    LifecyclesOut,
    MilestoneOut,
    ObjectionHandleIn,
    ObjectionIn,
    ObjectionStateOut,
    PublicityOut,
    RecusalOut,
    RecuseIn,
    RelationIn,
    RelationOut,
    ScoreIn,
    ScoreOut,
    StaffingOut,
    TransitionIn,
    TransitionOut,
)
from kechuang.programs.scope import require_domain_role
from kechuang.programs.taxonomy import load_guide

router = APIRouter(prefix="/api/v1", tags=["重点攻关项目"], responses=ERROR_RESPONSES)

Budget = Query(None, ge=0, le=10_000_000, description="假设预算（万元），缺省为批次预算")
Method = Query("additive", pattern="^(additive|standardised|trimmed)$", description="分数校正方法")


def _expert_out(e: Expert) -> dict[str, Any]:
    return {
        "id": e.id,
        "code": e.code,
        "name": e.name,
        "unit_name": e.unit_name,
        "unit_uscc": e.unit_uscc,
        "title": e.title,
        "fields": e.fields,
        "keywords": e.keywords,
        "finance": e.finance,
        "region_code": e.region_code,
        "max_load": e.max_load,
        "is_demo": e.is_demo,
    }


def _relation_out(r: Relation) -> dict[str, Any]:
    return {
        k: getattr(r, k)
        for k in ("id", "a", "a_kind", "b", "b_kind", "relation", "start_year", "end_year")
    }


def _assignment_out(session, a: Assignment) -> dict[str, Any]:
    from kechuang.programs.models import Application

    app = session.get(Application, a.application_id)
    return {
        "id": a.id,
        "application_id": a.application_id,
        "application_code": app.code,
        "title": app.title,
        "expert_id": a.expert_id,
        "affinity": a.affinity,
        "reason": a.reason,
        "state": a.state,
        "recusal_reason": a.recusal_reason,
    }


def _transition_out(t: Transition) -> dict[str, Any]:
    return {
        "id": t.id,
        "action": t.action,
        "from_state": t.from_state,
        "to_state": t.to_state,
        "username": t.username,
        "role": t.role,
        "reason": t.reason,
        "at": t.at,
    }


# ------------------------------------------------------------------ 指南 and lifecycles


@router.get(
    "/programs/guide",
    summary="项目指南分类（领域—方向—课题，注明规划条目）",
    response_model=GuideOut,
)
def guide(principal: CurrentPrincipal) -> dict[str, Any]:
    """The 指南 tree with its version."""
    require_domain_role(principal)
    g = load_guide()
    return {
        "version": g.version,
        "title": g.title,
        "source": g.source,
        "nodes": [
            {
                "code": n.code,
                "name": n.name,
                "level": n.level,
                "parent": n.parent,
                "section": n.section,
                "keywords": list(n.keywords),
            }
            for n in g.nodes.values()
        ],
    }


@router.get(
    "/programs/lifecycles", summary="各类项目的生命周期（状态机）", response_model=LifecyclesOut
)
def lifecycles(principal: CurrentPrincipal) -> dict[str, Any]:
    """States, transitions, who may trigger them, deadlines and tranche rules."""
    require_domain_role(principal)
    L = load_lifecycles()
    return {
        "version": L.version,
        "machines": {
            code: {
                "label": m.label,
                "source": m.source,
                "initial": m.initial,
                "states": m.states,
                "deadlines": m.deadlines,
                "transitions": [
                    {
                        "action": t.action,
                        "label": t.label,
                        "from": list(t.sources),
                        "to": t.target,
                        "roles": list(t.roles),
                        "guards": list(t.guards),
                    }
                    for t in m.transitions
                ],
            }
            for code, m in L.machines.items()
        },
        "tranches": {
            k: [{"share": t.share, "min_score": t.min_score} for t in v]
            for k, v in L.tranches.items()
        },
    }


# ------------------------------------------------------------------ calls


@router.get("/programs/calls", summary="申报批次列表", response_model=list[CallOut])
def calls(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Calls in scope (unpublished ones: the bureau only)."""
    return [service.call_dict(session, c) for c in service.list_calls(session, principal, year)]


@router.post(
    "/programs/calls", summary="新建申报批次（市科技局）", status_code=201, response_model=CallOut
)
def create_call(body: CallIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Create a call, unpublished."""
    return service.call_dict(session, service.new_call(session, principal, body.model_dump()))


@router.get("/programs/calls/{call_id}", summary="申报批次详情", response_model=CallOut)
def call_detail(call_id: Id, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """One call."""
    return service.call_dict(session, service.get_call(session, principal, call_id))


@router.post(
    "/programs/calls/{call_id}/open", summary="发布申报批次（市科技局）", response_model=CallOut
)
def open_call(call_id: Id, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Publish a call."""
    return service.call_dict(session, service.set_call_state(session, principal, call_id, "open"))


@router.post(
    "/programs/calls/{call_id}/close", summary="截止申报批次（市科技局）", response_model=CallOut
)
def close_call(call_id: Id, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Close a call."""
    return service.call_dict(session, service.set_call_state(session, principal, call_id, "closed"))


@router.post(
    "/programs/calls/{call_id}/assignments",
    summary="自动分配评审专家（回避冲突、负载上限）",
    response_model=StaffingOut,
)
def assign(call_id: Id, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Staff the call's applications in review through the review engine."""
    return service.assign_reviewers(session, principal, call_id)


@router.get(
    "/programs/calls/{call_id}/ranking",
    summary="评审排名、不确定区间与资助线（预算假设）",
    response_model=CallRankingOut,
)
def ranking(
    call_id: Id,
    session: DbSession,
    principal: CurrentPrincipal,
    budget: float | None = Budget,
    method: str = Method,
) -> dict[str, Any]:
    """Ranking with uncertainty and the funding line at a what-if budget."""
    return service.ranking(session, principal, call_id, budget, method)


@router.post(
    "/programs/calls/{call_id}/decision",
    summary="立项决策并发布公示（市科技局）",
    status_code=201,
    response_model=PublicityOut,
)
def decision(
    call_id: Id, body: DecisionIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Fund the chosen applications, reject the rest, open the 公示."""
    pub = service.decide(
        session, principal, call_id, body.funded, body.budget, body.note, body.publicity_days
    )
    return service.publicity_dict(session, pub)


# ------------------------------------------------------------------ challenges


@router.get("/programs/challenges", summary="揭榜挂帅榜单", response_model=list[ChallengeOut])
def challenges(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Published challenges, and a 发榜方's own."""
    return [service.challenge_dict(c) for c in service.list_challenges(session, principal)]


@router.post(
    "/programs/challenges",
    summary="提出揭榜挂帅需求（发榜方、市科技局）",
    status_code=201,
    response_model=ChallengeOut,
)
def create_challenge(
    body: ChallengeIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Post a need with acceptance criteria."""
    return service.challenge_dict(service.create_challenge(session, principal, body.model_dump()))


@router.post(
    "/programs/challenges/{challenge_id}/transitions",
    summary="榜单状态流转（发布、截止、撤榜）",
    response_model=ChallengeOut,
)
def move_challenge(
    challenge_id: Id, body: TransitionIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Publish, close or withdraw a challenge."""
    return service.challenge_dict(
        service.move_challenge(session, principal, challenge_id, body.action, body.reason)
    )


# ------------------------------------------------------------------ applications


@router.get(
    "/programs/applications",
    summary="申报列表（本人、分配给我的、我的榜单的或全部）",
    response_model=list[ApplicationOut],
)
def applications(
    session: DbSession,
    principal: CurrentPrincipal,
    call_id: IdQuery = None,
    state: str | None = Query(None, max_length=20),
) -> list[dict[str, Any]]:
    """Applications in scope, with state, due date and overdue flag."""
    return [
        service.application_dict(session, a)
        for a in service.list_applications(session, principal, call_id, state)
    ]


@router.post(
    "/programs/calls/{call_id}/applications",
    summary="填报申报书（申报单位）",
    status_code=201,
    response_model=ApplicationOut,
)
def apply(
    call_id: Id, body: ApplicationIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Draft an application; eligibility is checked by the call's rules."""
    return service.application_dict(
        session, service.create_application(session, principal, call_id, body.model_dump())
    )


@router.get(
    "/programs/applications/{application_id}",
    summary="申报详情（含可执行操作）",
    response_model=ApplicationDetailOut,
)
def application(
    application_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """One application with the actions available to the caller."""
    app = service.get_application(session, principal, application_id)
    return {
        **service.application_dict(session, app),
        "actions": service.available_actions(session, principal, app),
    }


@router.post(
    "/programs/applications/{application_id}/transitions",
    summary="项目状态流转（记录操作人与理由）",
    response_model=ApplicationOut,
)
def move(
    application_id: Id, body: TransitionIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Apply a lifecycle action; an illegal one is refused (409) with the reason."""
    app = service.transition(session, principal, application_id, body.action, body.reason)
    return service.application_dict(session, app)


@router.get(
    "/programs/applications/{application_id}/transitions",
    summary="项目状态流转记录",
    response_model=list[TransitionOut],
)
def history(
    application_id: Id, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """Who moved the application, from what to what, why and when."""
    return [_transition_out(t) for t in service.transitions_of(session, principal, application_id)]


@router.post(
    "/programs/applications/{application_id}/milestones",
    summary="里程碑考核（市科技局）",
    status_code=201,
    response_model=MilestoneOut,
)
def gate(
    application_id: Id, body: GateIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record a gate result: continue, cut, merge (赛马) or rectify (中期)."""
    m = service.record_gate(session, principal, application_id, body.outcome, body.score, body.note)
    return {"application_id": application_id, "seq": m.seq, "outcome": m.outcome, "score": m.score}


# ------------------------------------------------------------------ experts, relations, review


@router.get("/programs/experts", summary="评审专家库（市科技局）", response_model=list[ExpertOut])
def experts(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The expert bank."""
    return [_expert_out(e) for e in service.list_experts(session, principal)]


@router.post(
    "/programs/experts",
    summary="新增评审专家（市科技局）",
    status_code=201,
    response_model=ExpertOut,
)
def create_expert(
    body: ExpertIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Add an expert."""
    return _expert_out(service.create_expert(session, principal, body.model_dump()))


@router.get(
    "/programs/relations", summary="关联关系登记（市科技局）", response_model=list[RelationOut]
)
def relations(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The relations register."""
    return [_relation_out(r) for r in service.list_relations(session, principal)]


@router.post(
    "/programs/relations",
    summary="登记关联关系（市科技局）",
    status_code=201,
    response_model=RelationOut,
)
def create_relation(
    body: RelationIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Register a relation."""
    return _relation_out(service.add_relation(session, principal, body.model_dump()))


@router.get(
    "/programs/assignments",
    summary="评审任务（市科技局：全部；专家：本人）",
    response_model=list[AssignmentOut],
)
def assignments(
    session: DbSession, principal: CurrentPrincipal, call_id: IdQuery = None
) -> list[dict[str, Any]]:
    """Review assignments in scope."""
    return [
        _assignment_out(session, a) for a in service.list_assignments(session, principal, call_id)
    ]


@router.post(
    "/programs/assignments/{assignment_id}/recuse",
    summary="回避（专家申报利益冲突或市科技局指定），自动补抽",
    response_model=RecusalOut,
)
def recuse(
    assignment_id: Id, body: RecuseIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Recuse and draw a replacement."""
    return service.recuse(session, principal, assignment_id, body.reason)


@router.post(
    "/programs/assignments/{assignment_id}/score",
    summary="提交评分（评审专家）",
    status_code=201,
    response_model=ScoreOut,
)
def score(
    assignment_id: Id, body: ScoreIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Score an assigned application."""
    s = service.submit_score(session, principal, assignment_id, body.score, body.comment)
    return {"assignment_id": assignment_id, "score": s.score}


# ------------------------------------------------------------------ 公示


@router.post(
    "/programs/publicity/{publicity_id}/objections",
    summary="登记公示异议（市科技局）",
    status_code=201,
    response_model=ObjectionStateOut,
)
def objection(
    publicity_id: Id, body: ObjectionIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record an objection received during the publication period."""
    o = service.record_objection(session, principal, publicity_id, body.model_dump())
    return {"id": o.id, "state": o.state}


@router.post(
    "/programs/objections/{objection_id}/handle",
    summary="处理公示异议（市科技局）",
    response_model=ObjectionStateOut,
)
def handle(
    objection_id: Id, body: ObjectionHandleIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Uphold or dismiss an objection."""
    o = service.handle_objection(session, principal, objection_id, body.upheld, body.handling)
    return {"id": o.id, "state": o.state}


@router.get(
    "/public/programs/publicity",
    summary="立项公示列表（公开，无需登录）",
    response_model=list[PublicityOut],
)
def public_list(session: DbSession) -> list[dict[str, Any]]:
    """Every 公示 with its period and status."""
    return [service.publicity_dict(session, p) for p in service.public_publicities(session)]


@router.get(
    "/public/programs/publicity/{publicity_id}",
    summary="立项公示详情（公开，无需登录）",
    response_model=PublicityOut,
)
def public_detail(publicity_id: Id, session: DbSession) -> dict[str, Any]:
    """One 公示: period, projects and objection records."""
    return service.publicity_dict(session, service.get_publicity(session, publicity_id))


# the portfolio (classification, coverage, funding, outcomes) has its own module
from kechuang.programs.portfolio_api import router as portfolio_router  # noqa: E402

router.include_router(portfolio_router)
