"""API routes of 科技特派员: commissioners, demands and photos, suggestions, three-party agreements,
service logs, ratings, the dashboard and the annual assessment. Every route passes the principal
to the services, which read through `scope.py`: other roles get 403, other objects 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from kechuang.commissioners import assessment, dashboard, service
from kechuang.commissioners.schemas import (
    AgreementIn,
    AgreementOut,
    AssessmentRowOut,
    AssessmentRunIn,
    AssessmentRunOut,
    BatchIn,
    BatchOut,
    CommissionerIn,
    CommissionerOut,
    ConfirmIn,
    DashboardOut,
    DemandIn,
    DemandOut,
    LogConfirmIn,
    LogIn,
    LogOut,
    PhotoOut,
    RatingIn,
    RatingOut,
    SuggestionOut,
)
from kechuang.commissioners.service import PHOTO_MAX_BYTES
from kechuang.core.errors import TooLarge
from kechuang.core.responses import ERROR_RESPONSES, UPLOAD_RESPONSES, XLSX, download, file_response
from kechuang.core.web import CurrentPrincipal, DbSession, Id, Page, Year, YearQuery

PAGE_SIZE = 500

router = APIRouter(prefix="/api/v1", tags=["科技特派员"], responses=ERROR_RESPONSES)

Photos = Annotated[list[UploadFile], File(description="照片（JPEG/PNG/WebP，每张 ≤ 5 MB）")]


async def _read_photos(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    out = []
    for f in files:
        content = await f.read(PHOTO_MAX_BYTES + 1)
        if len(content) > PHOTO_MAX_BYTES:
            raise TooLarge(f"照片“{f.filename}”超过 5 MB")
        out.append((f.filename or "photo", content))
    return out


def _photo_out(p: Any) -> dict[str, Any]:
    return {"id": p.id, "filename": p.filename, "media_type": p.media_type, "size": p.size}


# ------------------------------------------------------------------ commissioners


@router.get(
    "/commissioners/me", summary="当前特派员账号的特派员档案", response_model=CommissionerOut
)
def my_commissioner(session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """The commissioner record of a commissioner account (others 403)."""
    return service.commissioner_dict(session, service.whoami_commissioner(session, principal))


@router.get(
    "/commissioners/dashboard",
    summary="特派员服务概况（按区县、产业、特派员类型）",
    response_model=DashboardOut,
)
def commissioner_dashboard(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> dict[str, Any]:
    """Demands open/served, days in the field, income brought and satisfaction within the scope."""
    return dashboard.dashboard(session, principal, year)


@router.post(
    "/commissioners/assessment/runs",
    summary="进行年度考核（市科技局）",
    status_code=201,
    response_model=AssessmentRunOut,
)
def run_assessment(session: DbSession, principal: CurrentPrincipal, body: AssessmentRunIn) -> Any:
    """Assess every commissioner for the year with the current scheme; stored with its hashes."""
    return assessment.run_assessment(session, principal, body.year)


@router.get(
    "/commissioners/assessment",
    summary="年度考核结果（市科技局全部；特派员本人）",
    response_model=list[AssessmentRowOut],
)
def assessment_rows(
    session: DbSession, principal: CurrentPrincipal, year: Year
) -> list[dict[str, Any]]:
    """The newest assessment of the year."""
    return assessment.assessment_table(session, principal, year)


@router.get(
    "/commissioners/assessment/export",
    summary="导出年度考核表（.xlsx，市科技局）",
    **download(XLSX),
)
def assessment_export(session: DbSession, principal: CurrentPrincipal, year: Year) -> Response:
    """The bureau's assessment table with Chinese headers."""
    content = assessment.export_assessment(session, principal, year)
    return file_response(content, f"{year}年度科技特派员考核表.xlsx")


@router.get("/commissioners", summary="科技特派员名册", response_model=list[CommissionerOut])
def list_commissioners(
    session: DbSession,
    principal: CurrentPrincipal,
    kind: str | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """The commissioners the principal may see (a county admin: those serving his county)."""
    rows = service.list_commissioners(session, principal, kind=kind, region_code=region, limit=1000)
    return [service.commissioner_dict(session, c) for c in rows]


@router.post(
    "/commissioners",
    summary="登记科技特派员（市科技局）",
    status_code=201,
    response_model=CommissionerOut,
)
def add_commissioner(
    session: DbSession, principal: CurrentPrincipal, body: CommissionerIn
) -> dict[str, Any]:
    """Register an individual, team (≥ 3 members, one leader) or legal person (≥ 3 staff)."""
    c = service.create_commissioner(session, principal, body.model_dump())
    return service.commissioner_dict(session, c)


@router.get(
    "/commissioners/{commissioner_id}", summary="特派员档案", response_model=CommissionerOut
)
def read_commissioner(
    commissioner_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """One commissioner within the scope."""
    return service.commissioner_dict(
        session, service.get_commissioner(session, principal, commissioner_id)
    )


# ------------------------------------------------------------------ demands


@router.get("/demands", summary="服务需求", response_model=list[DemandOut])
def list_demands(
    session: DbSession,
    principal: CurrentPrincipal,
    status: str | None = None,
    county: str | None = None,
    year: YearQuery = None,
    urgency: str | None = None,
    page: Page = 1,
) -> list[dict[str, Any]]:
    """The demands within the scope, urgent first, 500 a page."""
    regions = service.region_names(session)
    rows = service.list_demands(
        session, principal, status, county, year, urgency, PAGE_SIZE, (page - 1) * PAGE_SIZE
    )
    return [service.demand_dict(session, d, regions) for d in rows]


@router.post("/demands", summary="发布服务需求", status_code=201, response_model=DemandOut)
def post_demand(session: DbSession, principal: CurrentPrincipal, body: DemandIn) -> dict[str, Any]:
    """A recipient for himself, an informant in his area, an admin in his county."""
    return service.demand_dict(session, service.post_demand(session, principal, body.model_dump()))


@router.post(
    "/demands/suggest-batch",
    summary="批量推荐：对范围内全部待匹配需求求最优分配",
    response_model=BatchOut,
)
def suggest_batch(session: DbSession, principal: CurrentPrincipal, body: BatchIn) -> dict[str, Any]:
    """Optimal (or fair) assignment of the open demands in scope; stored as suggestions."""
    from kechuang.commissioners import suggest

    return suggest.suggest_batch(
        session, principal, year=body.year, county=body.county, mode=body.mode
    )


@router.get("/demands/{demand_id}", summary="需求详情", response_model=DemandOut)
def read_demand(demand_id: Id, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """One demand within the scope."""
    return service.demand_dict(session, service.get_demand(session, principal, demand_id))


@router.post(
    "/demands/{demand_id}/photos",
    summary="补充需求照片",
    status_code=201,
    response_model=list[PhotoOut],
    responses=UPLOAD_RESPONSES,
)
async def demand_photos(
    demand_id: Id, session: DbSession, principal: CurrentPrincipal, files: Photos
) -> list[dict[str, Any]]:
    """Add photos to a demand (its poster or an admin)."""
    photos = await _read_photos(files)
    stored = await run_in_threadpool(
        service.add_demand_photos, session, principal, demand_id, photos
    )
    return [_photo_out(p) for p in stored]


@router.post(
    "/demands/{demand_id}/suggest",
    summary="逐个推荐（紧急需求）：前 5 名特派员及理由",
    response_model=list[SuggestionOut],
)
def suggest_one(demand_id: Id, session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """Top-N commissioners for one demand, stored as its suggestions."""
    from kechuang.commissioners import suggest

    suggest.suggest_urgent(session, principal, demand_id)
    return _suggestions(session, principal, demand_id)


@router.get(
    "/demands/{demand_id}/suggestions",
    summary="需求的推荐特派员（含得分构成与理由）",
    response_model=list[SuggestionOut],
)
def demand_suggestions(demand_id: Id, session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """The stored suggestions, best first (admins)."""
    return _suggestions(session, principal, demand_id)


def _suggestions(session, principal, demand_id: int) -> list[dict[str, Any]]:
    from kechuang.commissioners.models import Commissioner

    out = []
    for s in service.list_suggestions(session, principal, demand_id):
        c = session.get(Commissioner, s.commissioner_id)
        out.append(
            {
                "id": s.id,
                "demand_id": s.demand_id,
                "commissioner_id": s.commissioner_id,
                "commissioner_name": c.name if c else "",
                "mode": s.mode,
                "rank": s.rank,
                "score": s.score,
                "components": s.components,
                "reasons": s.reasons,
                "status": s.status,
            }
        )
    return out


@router.post(
    "/suggestions/{suggestion_id}/confirm",
    summary="确认推荐的特派员（生成三方协议，区县一方已同意）",
    status_code=201,
    response_model=AgreementOut,
)
def confirm_suggestion(
    suggestion_id: Id, session: DbSession, principal: CurrentPrincipal, body: ConfirmIn
) -> dict[str, Any]:
    """The county admin confirms a suggestion; the agreement awaits the other two sides."""
    a = service.confirm_suggestion(session, principal, suggestion_id, body.content)
    return service.agreement_dict(session, a)


# ------------------------------------------------------------------ agreements, logs, ratings


@router.get("/agreements", summary="三方服务协议", response_model=list[AgreementOut])
def list_agreements(
    session: DbSession, principal: CurrentPrincipal, status: str | None = None, page: Page = 1
) -> list[dict[str, Any]]:
    """The agreements within the scope, 500 a page."""
    rows = service.list_agreements(session, principal, status, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return [service.agreement_dict(session, a) for a in rows]


@router.post(
    "/agreements", summary="指定特派员起草三方协议", status_code=201, response_model=AgreementOut
)
def add_agreement(
    session: DbSession, principal: CurrentPrincipal, body: AgreementIn
) -> dict[str, Any]:
    """An admin picks a commissioner for a demand by hand."""
    a = service.create_agreement(
        session, principal, body.demand_id, body.commissioner_id, body.content
    )
    return service.agreement_dict(session, a)


@router.get("/agreements/{agreement_id}", summary="协议详情", response_model=AgreementOut)
def read_agreement(
    agreement_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """One agreement within the scope."""
    return service.agreement_dict(session, service.get_agreement(session, principal, agreement_id))


@router.post(
    "/agreements/{agreement_id}/approve",
    summary="协议一方同意（特派员、服务对象或区县）",
    response_model=AgreementOut,
)
def approve_agreement(
    agreement_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record the caller's side; the agreement is active once all three approved."""
    return service.agreement_dict(
        session, service.approve_agreement(session, principal, agreement_id)
    )


@router.post(
    "/agreements/{agreement_id}/end", summary="结束协议（需求办结）", response_model=AgreementOut
)
def end_agreement(
    agreement_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The county ends an active agreement."""
    return service.agreement_dict(session, service.end_agreement(session, principal, agreement_id))


@router.get(
    "/agreements/{agreement_id}/logs", summary="协议的服务日志", response_model=list[LogOut]
)
def agreement_logs(
    agreement_id: Id, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """The logs of one agreement within the scope."""
    a = service.get_agreement(session, principal, agreement_id)
    return [service.log_dict(session, x) for x in service.list_logs(session, principal, a.id)]


@router.post(
    "/agreements/{agreement_id}/logs",
    summary="填写服务日志（特派员）",
    status_code=201,
    response_model=LogOut,
)
def add_log(
    agreement_id: Id, session: DbSession, principal: CurrentPrincipal, body: LogIn
) -> dict[str, Any]:
    """Log a visit under an active agreement."""
    log = service.log_service(session, principal, agreement_id, body.model_dump())
    return service.log_dict(session, log)


@router.post(
    "/agreements/{agreement_id}/rating",
    summary="评价服务（服务对象，1–5 分）",
    status_code=201,
    response_model=RatingOut,
)
def rate(agreement_id: Id, session: DbSession, principal: CurrentPrincipal, body: RatingIn) -> Any:
    """Rate the service once a log is confirmed."""
    return service.rate_agreement(session, principal, agreement_id, body.score, body.comment)


@router.get("/service-logs", summary="服务日志", response_model=list[LogOut])
def list_logs(
    session: DbSession, principal: CurrentPrincipal, status: str | None = None, page: Page = 1
) -> list[dict[str, Any]]:
    """The logs within the scope, 500 a page."""
    rows = service.list_logs(
        session, principal, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return [service.log_dict(session, x) for x in rows]


@router.post(
    "/service-logs/{log_id}/confirm",
    summary="服务对象确认（或提出异议）",
    response_model=LogOut,
)
def confirm_log(
    log_id: Id, session: DbSession, principal: CurrentPrincipal, body: LogConfirmIn
) -> dict[str, Any]:
    """The served party confirms a visit (then it counts) or objects with a reason."""
    log = service.confirm_log(session, principal, log_id, body.accept, body.objection)
    return service.log_dict(session, log)


@router.post(
    "/service-logs/{log_id}/photos",
    summary="补充现场照片（特派员）",
    status_code=201,
    response_model=list[PhotoOut],
    responses=UPLOAD_RESPONSES,
)
async def log_photos(
    log_id: Id, session: DbSession, principal: CurrentPrincipal, files: Photos
) -> list[dict[str, Any]]:
    """Add on-site photos to one's own unconfirmed log."""
    photos = await _read_photos(files)
    stored = await run_in_threadpool(service.add_log_photos, session, principal, log_id, photos)
    return [_photo_out(p) for p in stored]


@router.get("/service-ratings", summary="服务评价", response_model=list[RatingOut])
def list_ratings(session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """The ratings within the scope."""
    return service.list_ratings(session, principal)


@router.get(
    "/commissioner-photos/{photo_id}",
    summary="查看需求或服务照片",
    **download("image/jpeg", "image/png", "image/webp"),
)
def photo(photo_id: Id, session: DbSession, principal: CurrentPrincipal) -> Response:
    """A photo of a demand or log within the scope."""
    p = service.get_photo(session, principal, photo_id)
    return Response(p.content, media_type=p.media_type)
