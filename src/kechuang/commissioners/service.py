"""The 科技特派员 workflow: commissioners, demands, suggestions, three-party agreements, service logs,
confirmations and ratings. Every function takes the acting principal, reads through the clauses of
`scope.py` and only flushes (one transaction per request); every write is audited at flush."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.commissioners import COMMISSIONER, INFORMANT, RECIPIENT
from kechuang.commissioners.models import (
    KINDS,
    RECIPIENT_KINDS,
    TITLE_LEVELS,
    URGENCIES,
    Agreement,
    Commissioner,
    CommissionerArea,
    CommissionerMember,
    Demand,
    Photo,
    Rating,
    ServiceLog,
    Suggestion,
)
from kechuang.commissioners.scope import (
    MATCHERS,
    POSTERS,
    agreement_scope,
    commissioner_scope,
    demand_scope,
    is_commissioner_of,
    is_county_side,
    is_served_party,
    may_post_in,
    require_role,
)
from kechuang.core.db import utcnow
from kechuang.core.errors import BadInput, Conflict, Unprocessable
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import Principal, register_binding_check
from kechuang.registry.models import Region

# A team needs at least three members with one leader (宁波 2018–2020 team rules), a legal person at
# least three of its own staff (广西 法人科技特派员); see methodology/assessment_*.yaml sources.
TEAM_MIN_MEMBERS = 3
LEGAL_MIN_STAFF = 3
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
MAX_DAYS_PER_LOG = 31.0


# ------------------------------------------------------------------ regions


def install() -> None:
    """A commissioner account must name an existing commissioner record."""
    register_binding_check(
        "commissioner", lambda session, cid: session.get(Commissioner, cid) is not None
    )


def region_names(session: Session) -> dict[str, str]:
    """区县 code → name from the registry."""
    return dict(session.execute(select(Region.code, Region.name)).all())


def check_region(session: Session, code: str, field: str = "region_code") -> str:
    """A 6-digit 区县 or 9-digit 乡镇 GB/T 2260 code whose 区县 is registered, else Unprocessable."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9):
        msg = f"行政区划代码应为 6 位（区县）或 9 位（乡镇）数字：{code or '（空）'}"
        raise Unprocessable(msg, [{"field": field, "message": msg}])
    if session.get(Region, code[:6]) is None:
        msg = f"区县不存在：{code[:6]}"
        raise Unprocessable(msg, [{"field": field, "message": msg}])
    return code


def _bad(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, [{"field": field, "message": message}])


# ------------------------------------------------------------------ commissioners


def validate_commissioner(session: Session, data: dict[str, Any]) -> list[str]:
    """Every problem of a commissioner record, in Chinese (empty when it may be stored)."""
    problems = []
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"特派员类型应为 {'、'.join(KINDS.values())} 之一")
    if not str(data.get("name") or "").strip():
        problems.append("名称不能为空")
    if data.get("title_level", "其他") not in TITLE_LEVELS:
        problems.append(f"职称级别应为 {'、'.join(TITLE_LEVELS)} 之一")
    regions = region_names(session)
    if str(data.get("region_code") or "") not in regions:
        problems.append(f"所在区县代码不存在：{data.get('region_code')}")
    bad_areas = [a for a in data.get("service_areas") or [] if a not in regions]
    if bad_areas:
        problems.append(f"服务区域代码不存在：{'、'.join(bad_areas)}")
    members = data.get("members") or []
    if kind == "team":
        if len(members) < TEAM_MIN_MEMBERS:
            problems.append(f"团队科技特派员至少 {TEAM_MIN_MEMBERS} 名成员，现有 {len(members)} 名")
        leaders = sum(1 for m in members if m.get("is_leader"))
        if leaders != 1:
            problems.append(f"团队科技特派员须有且只有 1 名负责人，现有 {leaders} 名")
    elif kind == "legal_person":
        if len(members) < LEGAL_MIN_STAFF:
            problems.append(
                f"法人科技特派员须组织本单位至少 {LEGAL_MIN_STAFF} 名专业技术人员，现有 {len(members)} 名"
            )
    elif kind == "individual" and members:
        problems.append("个人科技特派员不列成员")
    for m in members:
        if not str(m.get("name") or "").strip():
            problems.append("成员姓名不能为空")
        if m.get("title_level", "其他") not in TITLE_LEVELS:
            problems.append(f"成员职称级别应为 {'、'.join(TITLE_LEVELS)} 之一")
    load = data.get("max_load", 5)
    if not isinstance(load, int) or not 1 <= load <= 50:
        problems.append("年度服务上限应为 1–50 个需求")
    return problems


def create_commissioner(
    session: Session, principal: Principal, data: dict[str, Any]
) -> Commissioner:
    """Register a commissioner with its service areas and members (the bureau only)."""
    require_role(principal, ("city_admin",), "登记科技特派员")
    problems = validate_commissioner(session, data)
    if problems:
        raise Unprocessable("；".join(problems), [{"field": "", "message": p} for p in problems])
    c = Commissioner(
        kind=data["kind"],
        name=data["name"].strip(),
        unit=data.get("unit", ""),
        title=data.get("title", ""),
        title_level=data.get("title_level", "其他"),
        expertise=data.get("expertise", ""),
        strengths=data.get("strengths", ""),
        industries=list(data.get("industries") or []),
        problem_types=list(data.get("problem_types") or []),
        region_code=data["region_code"],
        batch_year=int(data["batch_year"]),
        max_load=int(data.get("max_load", 5)),
        phone=data.get("phone", ""),
    )
    session.add(c)
    session.flush()
    areas = dict.fromkeys([data["region_code"], *(data.get("service_areas") or [])])
    for code in areas:
        session.add(CommissionerArea(commissioner_id=c.id, region_code=code))
    for m in data.get("members") or []:
        session.add(
            CommissionerMember(
                commissioner_id=c.id,
                name=m["name"],
                unit=m.get("unit", ""),
                title=m.get("title", ""),
                title_level=m.get("title_level", "其他"),
                region_code=m.get("region_code", ""),
                is_leader=bool(m.get("is_leader")),
            )
        )
    session.flush()
    return c


def list_commissioners(
    session: Session,
    principal: Principal,
    kind: str | None = None,
    region_code: str | None = None,
    limit: int | None = None,
) -> list[Commissioner]:
    """The commissioners the principal may see, optionally of one kind or serving one 区县."""
    stmt = select(Commissioner).where(commissioner_scope(principal))
    if kind:
        stmt = stmt.where(Commissioner.kind == kind)
    if region_code:
        stmt = stmt.where(
            Commissioner.id.in_(
                select(CommissionerArea.commissioner_id).where(
                    CommissionerArea.region_code == region_code
                )
            )
        )
    stmt = stmt.order_by(Commissioner.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def get_commissioner(session: Session, principal: Principal, commissioner_id: int) -> Commissioner:
    """One commissioner; ScopeError (404) when unseen."""
    c = session.scalar(
        select(Commissioner).where(
            Commissioner.id == commissioner_id, commissioner_scope(principal)
        )
    )
    if c is None:
        raise ScopeError(f"特派员 #{commissioner_id} 不存在或不在您的权限范围内")
    return c


def commissioner_areas(session: Session, commissioner_id: int) -> list[str]:
    """The 区县 codes a commissioner serves."""
    return list(
        session.scalars(
            select(CommissionerArea.region_code)
            .where(CommissionerArea.commissioner_id == commissioner_id)
            .order_by(CommissionerArea.region_code)
        )
    )


def commissioner_members(session: Session, commissioner_id: int) -> list[CommissionerMember]:
    """A team's members or a legal person's staff, the leader first."""
    return list(
        session.scalars(
            select(CommissionerMember)
            .where(CommissionerMember.commissioner_id == commissioner_id)
            .order_by(CommissionerMember.is_leader.desc(), CommissionerMember.id)
        )
    )


def commissioner_dict(session: Session, c: Commissioner) -> dict[str, Any]:
    """A commissioner as plain data for the API and the pages."""
    return {
        "id": c.id,
        "kind": c.kind,
        "kind_label": KINDS.get(c.kind, c.kind),
        "name": c.name,
        "unit": c.unit,
        "title": c.title,
        "title_level": c.title_level,
        "expertise": c.expertise,
        "strengths": c.strengths,
        "industries": list(c.industries or []),
        "problem_types": list(c.problem_types or []),
        "region_code": c.region_code,
        "service_areas": commissioner_areas(session, c.id),
        "batch_year": c.batch_year,
        "status": c.status,
        "max_load": c.max_load,
        "members": [
            {
                "name": m.name,
                "unit": m.unit,
                "title": m.title,
                "title_level": m.title_level,
                "is_leader": m.is_leader,
            }
            for m in commissioner_members(session, c.id)
        ],
    }


# ------------------------------------------------------------------ photos


def check_photo(filename: str, content: bytes) -> str:
    """The media type of an acceptable photo (JPEG/PNG/WebP by content, ≤ 5 MB); else BadInput."""
    if not content:
        raise BadInput(f"照片“{filename}”是空文件")
    if len(content) > PHOTO_MAX_BYTES:
        raise BadInput(
            f"照片“{filename}”超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB（{len(content) / 1048576:.1f} MB）"
        )
    for magic, media in PHOTO_TYPES.items():
        if content.startswith(magic):
            return media
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    raise BadInput(f"照片“{filename}”不是 JPEG、PNG 或 WebP 图片")


def _store_photos(
    session: Session,
    photos: Iterable[tuple[str, bytes]],
    demand_id: int | None = None,
    log_id: int | None = None,
) -> list[Photo]:
    checked = [(name, content, check_photo(name, content)) for name, content in photos]
    out = []
    for name, content, media in checked:
        p = Photo(
            demand_id=demand_id,
            log_id=log_id,
            filename=name[:200],
            media_type=media,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        session.add(p)
        out.append(p)
    session.flush()
    return out


def get_photo(session: Session, principal: Principal, photo_id: int) -> Photo:
    """A photo of a demand or a log the principal may see; ScopeError otherwise."""
    p = session.get(Photo, photo_id)
    if p is not None and p.demand_id is not None:
        get_demand(session, principal, p.demand_id)
        return p
    if p is not None and p.log_id is not None:
        get_log(session, principal, p.log_id)
        return p
    raise ScopeError(f"照片 #{photo_id} 不存在或不在您的权限范围内")


def photo_ids(session: Session, *, demand_id: int | None = None, log_id: int | None = None):
    """Ids of the photos of a demand or a log."""
    stmt = select(Photo.id).order_by(Photo.id)
    stmt = (
        stmt.where(Photo.demand_id == demand_id)
        if demand_id
        else stmt.where(Photo.log_id == log_id)
    )
    return list(session.scalars(stmt))


# ------------------------------------------------------------------ demands


def post_demand(
    session: Session,
    principal: Principal,
    data: dict[str, Any],
    photos: Sequence[tuple[str, bytes]] = (),
) -> Demand:
    """Post a demand: a recipient for himself, an informant for someone in his area, an admin for
    anyone in his county (optionally naming the recipient's account)."""
    require_role(principal, POSTERS, "发布服务需求")
    title = str(data.get("title") or "").strip()
    text = str(data.get("text") or "").strip()
    if not title:
        raise _bad("title", "需求标题不能为空")
    if len(text) < 5:
        raise _bad("text", "请用至少 5 个字描述遇到的问题")
    code = check_region(session, data.get("region_code", ""))
    if not may_post_in(principal, code):
        raise RoleError(f"只能在本人负责的区域（{principal.region_code}）内发布需求")
    if data.get("recipient_kind") not in RECIPIENT_KINDS:
        raise _bad("recipient_kind", f"服务对象类型应为 {'、'.join(RECIPIENT_KINDS)} 之一")
    urgency = data.get("urgency", "normal")
    if urgency not in URGENCIES:
        raise _bad("urgency", "紧急程度应为 normal（一般）或 urgent（紧急）")
    owner = principal.user_id if principal.role in (RECIPIENT, INFORMANT) else None
    if principal.role in MATCHERS and data.get("owner_user_id"):
        owner = _recipient_user(session, int(data["owner_user_id"]))
    recipient = str(data.get("recipient_name") or "").strip()
    if not recipient:
        recipient = principal.display_name if principal.role == RECIPIENT else ""
    if not recipient:
        raise _bad("recipient_name", "请填写服务对象名称（农户姓名或合作社、农场、企业名称）")
    d = Demand(
        title=title[:100],
        text=text,
        industries=[str(i) for i in data.get("industries") or []],
        problem_type=str(data.get("problem_type") or "")[:30],
        region_code=code,
        county_code=code[:6],
        urgency=urgency,
        recipient_name=recipient[:100],
        recipient_kind=data["recipient_kind"],
        contact=str(data.get("contact") or "")[:30],
        posted_by_id=principal.user_id,
        owner_user_id=owner,
        year=int(data.get("year") or date.today().year),
    )
    session.add(d)
    session.flush()
    if photos:
        _store_photos(session, photos, demand_id=d.id)
    return d


def _recipient_user(session: Session, user_id: int) -> int:
    from kechuang.accounts.models import User

    user = session.get(User, user_id)
    if user is None or user.role != RECIPIENT:
        raise _bad("owner_user_id", f"用户 #{user_id} 不是服务对象账号")
    return user.id


def add_demand_photos(
    session: Session, principal: Principal, demand_id: int, photos: Sequence[tuple[str, bytes]]
) -> list[Photo]:
    """Add photos to a demand the principal posted or administers."""
    d = get_demand(session, principal, demand_id)
    if not (is_served_party(principal, d) or principal.role in MATCHERS):
        raise RoleError("只有需求发布人或管理员可以补充照片")
    return _store_photos(session, photos, demand_id=d.id)


def demand_query(principal: Principal):
    """SELECT of the demands the principal may see (the base of lists, counts and dashboards)."""
    return select(Demand).where(demand_scope(principal))


def list_demands(
    session: Session,
    principal: Principal,
    status: str | None = None,
    county: str | None = None,
    year: int | None = None,
    urgency: str | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[Demand]:
    """The demands the principal may see, newest first, with optional filters."""
    stmt = demand_query(principal)
    if status:
        stmt = stmt.where(Demand.status == status)
    if county:
        stmt = stmt.where(Demand.county_code == county)
    if year:
        stmt = stmt.where(Demand.year == year)
    if urgency:
        stmt = stmt.where(Demand.urgency == urgency)
    stmt = stmt.order_by(Demand.urgency.desc(), Demand.id.desc())
    if limit:
        stmt = stmt.limit(limit).offset(offset)
    return list(session.scalars(stmt))


def get_demand(session: Session, principal: Principal, demand_id: int) -> Demand:
    """One demand; ScopeError (404) when unseen."""
    d = session.scalar(select(Demand).where(Demand.id == demand_id, demand_scope(principal)))
    if d is None:
        raise ScopeError(f"需求 #{demand_id} 不存在或不在您的权限范围内")
    return d


def demand_dict(
    session: Session, d: Demand, regions: dict[str, str] | None = None
) -> dict[str, Any]:
    """A demand as plain data."""
    regions = regions if regions is not None else region_names(session)
    return {
        "id": d.id,
        "title": d.title,
        "text": d.text,
        "industries": list(d.industries or []),
        "problem_type": d.problem_type,
        "region_code": d.region_code,
        "county_code": d.county_code,
        "county_name": regions.get(d.county_code, d.county_code),
        "urgency": d.urgency,
        "status": d.status,
        "recipient_name": d.recipient_name,
        "recipient_kind": d.recipient_kind,
        "year": d.year,
        "photo_ids": photo_ids(session, demand_id=d.id),
    }


# ------------------------------------------------------------------ suggestions


def store_suggestions(
    session: Session,
    principal: Principal,
    demand_id: int,
    rows: Sequence[dict[str, Any]],
    mode: str,
) -> list[Suggestion]:
    """Replace a demand's open suggestions with `rows` ({commissioner_id, score, components,
    reasons}), best first; the demand becomes 已推荐. The suggesting is suggest.py's."""
    require_role(principal, MATCHERS, "生成特派员推荐")
    d = get_demand(session, principal, demand_id)
    if d.status not in ("open", "suggested"):
        raise Conflict(f"需求 #{d.id} 已确认特派员，不再推荐")
    for old in session.scalars(
        select(Suggestion).where(Suggestion.demand_id == d.id, Suggestion.status == "suggested")
    ):
        session.delete(old)
    out = []
    for rank, row in enumerate(rows, start=1):
        s = Suggestion(
            demand_id=d.id,
            commissioner_id=int(row["commissioner_id"]),
            mode=mode,
            rank=rank,
            score=float(row["score"]),
            components={k: float(v) for k, v in (row.get("components") or {}).items()},
            reasons=[str(r) for r in row.get("reasons") or []],
        )
        session.add(s)
        out.append(s)
    if out:
        d.status = "suggested"
    session.flush()
    return out


def list_suggestions(session: Session, principal: Principal, demand_id: int) -> list[Suggestion]:
    """The suggestions of a demand the principal may see, best first (admins only)."""
    require_role(principal, MATCHERS, "查看特派员推荐")
    d = get_demand(session, principal, demand_id)
    return list(
        session.scalars(
            select(Suggestion).where(Suggestion.demand_id == d.id).order_by(Suggestion.rank)
        )
    )


def confirm_suggestion(
    session: Session, principal: Principal, suggestion_id: int, content: str = ""
) -> Agreement:
    """The county admin confirms a suggested commissioner: a three-party agreement is drafted,
    approved on the county's side; the commissioner and the served party approve next."""
    require_role(principal, MATCHERS, "确认特派员")
    s = session.get(Suggestion, suggestion_id)
    if s is None:
        raise ScopeError(f"推荐 #{suggestion_id} 不存在或不在您的权限范围内")
    get_demand(session, principal, s.demand_id)  # scope check
    agreement = create_agreement(session, principal, s.demand_id, s.commissioner_id, content)
    s.status = "confirmed"
    for other in session.scalars(
        select(Suggestion).where(Suggestion.demand_id == s.demand_id, Suggestion.id != s.id)
    ):
        other.status = "declined"
    session.flush()
    return agreement


def create_agreement(
    session: Session,
    principal: Principal,
    demand_id: int,
    commissioner_id: int,
    content: str = "",
) -> Agreement:
    """Draft the three-party agreement for a demand with a commissioner (county side approved)."""
    require_role(principal, MATCHERS, "确认特派员")
    d = get_demand(session, principal, demand_id)
    if d.status not in ("open", "suggested"):
        raise Conflict(f"需求 #{d.id} 已确认特派员")
    c = session.get(Commissioner, commissioner_id)
    if c is None or c.status != "active":
        raise _bad("commissioner_id", f"特派员 #{commissioner_id} 不存在或不在派")
    now = utcnow()
    a = Agreement(
        demand_id=d.id,
        commissioner_id=c.id,
        county_code=d.county_code,
        content=content or f"{c.name}为{d.recipient_name}提供技术服务：{d.title}",
        county_approved_at=now,
        county_approved_by=principal.user_id,
    )
    session.add(a)
    d.status = "confirmed"
    session.flush()
    return a


def get_agreement(session: Session, principal: Principal, agreement_id: int) -> Agreement:
    """One agreement; ScopeError (404) when unseen."""
    a = session.scalar(
        select(Agreement).where(Agreement.id == agreement_id, agreement_scope(principal))
    )
    if a is None:
        raise ScopeError(f"服务协议 #{agreement_id} 不存在或不在您的权限范围内")
    return a


def list_agreements(
    session: Session,
    principal: Principal,
    status: str | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[Agreement]:
    """The agreements the principal may see, newest first."""
    stmt = select(Agreement).where(agreement_scope(principal))
    if status:
        stmt = stmt.where(Agreement.status == status)
    stmt = stmt.order_by(Agreement.id.desc())
    if limit:
        stmt = stmt.limit(limit).offset(offset)
    return list(session.scalars(stmt))


def approve_agreement(session: Session, principal: Principal, agreement_id: int) -> Agreement:
    """Record the principal's approval for the side he represents; active once all three approve."""
    a = get_agreement(session, principal, agreement_id)
    if a.status != "pending":
        raise Conflict(f"服务协议 #{a.id} 已{'生效' if a.status == 'active' else '结束'}")
    d = session.get(Demand, a.demand_id)
    now = utcnow()
    sides = []
    if is_commissioner_of(principal, a.commissioner_id):
        a.commissioner_approved_at = a.commissioner_approved_at or now
        sides.append("特派员")
    if is_served_party(principal, d):
        a.recipient_approved_at = a.recipient_approved_at or now
        sides.append("服务对象")
    if is_county_side(principal, a):
        if a.county_approved_at is None:
            a.county_approved_at, a.county_approved_by = now, principal.user_id
        sides.append("区县科技局")
    if not sides:
        raise RoleError("您不是该协议的任何一方")
    if a.commissioner_approved_at and a.recipient_approved_at and a.county_approved_at:
        a.status = "active"
        a.starts_on = a.starts_on or date.today()
        d.status = "in_service"
    session.flush()
    return a


def end_agreement(session: Session, principal: Principal, agreement_id: int) -> Agreement:
    """The county ends an active agreement; the demand is closed (已办结)."""
    require_role(principal, MATCHERS, "结束服务协议")
    a = get_agreement(session, principal, agreement_id)
    if a.status != "active":
        raise Conflict("只有生效的协议可以结束")
    a.status = "ended"
    a.ends_on = date.today()
    session.get(Demand, a.demand_id).status = "closed"
    session.flush()
    return a


def agreement_dict(session: Session, a: Agreement) -> dict[str, Any]:
    """An agreement as plain data."""
    d = session.get(Demand, a.demand_id)
    c = session.get(Commissioner, a.commissioner_id)
    return {
        "id": a.id,
        "demand_id": a.demand_id,
        "demand_title": d.title if d else "",
        "recipient_name": d.recipient_name if d else "",
        "commissioner_id": a.commissioner_id,
        "commissioner_name": c.name if c else "",
        "county_code": a.county_code,
        "content": a.content,
        "status": a.status,
        "commissioner_approved_at": a.commissioner_approved_at,
        "recipient_approved_at": a.recipient_approved_at,
        "county_approved_at": a.county_approved_at,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
    }


# ------------------------------------------------------------------ service logs


def log_service(
    session: Session,
    principal: Principal,
    agreement_id: int,
    data: dict[str, Any],
    photos: Sequence[tuple[str, bytes]] = (),
) -> ServiceLog:
    """The commissioner logs a visit under an active agreement (days in 0.5 steps)."""
    require_role(principal, (COMMISSIONER,), "填写服务日志")
    a = get_agreement(session, principal, agreement_id)
    if a.status != "active":
        raise Conflict("服务协议尚未经三方确认生效（或已结束），不能填写服务日志")
    served_on = data.get("served_on")
    if isinstance(served_on, str):
        try:
            served_on = date.fromisoformat(served_on)
        except ValueError as exc:
            raise _bad(
                "served_on", f"服务日期格式应为 年-月-日，如 2026-03-01：{served_on}"
            ) from exc
    if not isinstance(served_on, date):
        raise _bad("served_on", "请填写服务日期")
    if served_on > date.today():
        raise _bad("served_on", "服务日期不能晚于今天")
    if a.starts_on and served_on < a.starts_on:
        raise _bad("served_on", f"服务日期早于协议生效日期 {a.starts_on.isoformat()}")
    days = float(data.get("days") or 0)
    if not 0 < days <= MAX_DAYS_PER_LOG or (days * 2) != int(days * 2):
        raise _bad("days", f"服务天数应为 0.5 的倍数，且在 0.5 至 {MAX_DAYS_PER_LOG:g} 天之间")
    content = str(data.get("content") or "").strip()
    if len(content) < 5:
        raise _bad("content", "请用至少 5 个字写明服务内容")
    counts = {}
    for key, label in (
        ("trainees", "培训人数"),
        ("new_varieties", "引进新品种数"),
        ("new_techniques", "推广新技术数"),
        ("new_equipment", "推广新装备数"),
    ):
        value = data.get(key) or 0
        if not isinstance(value, int) or value < 0:
            raise _bad(key, f"{label}应为非负整数")
        counts[key] = value
    income = float(data.get("income_wan") or 0)
    if income < 0:
        raise _bad("income_wan", "带动增收（万元）不能为负")
    log = ServiceLog(
        agreement_id=a.id,
        commissioner_id=a.commissioner_id,
        served_on=served_on,
        days=days,
        content=content,
        income_wan=income,
        **counts,
    )
    session.add(log)
    session.flush()
    if photos:
        _store_photos(session, photos, log_id=log.id)
    return log


def add_log_photos(
    session: Session, principal: Principal, log_id: int, photos: Sequence[tuple[str, bytes]]
) -> list[Photo]:
    """The commissioner adds photos to his own log (before it is confirmed)."""
    log = get_log(session, principal, log_id)
    if not is_commissioner_of(principal, log.commissioner_id):
        raise RoleError("只有填写日志的特派员可以补充现场照片")
    if log.status == "confirmed":
        raise Conflict("日志已经服务对象确认，不能再修改")
    return _store_photos(session, photos, log_id=log.id)


def get_log(session: Session, principal: Principal, log_id: int) -> ServiceLog:
    """One service log (seen through its agreement); ScopeError when unseen."""
    log = session.scalar(
        select(ServiceLog)
        .join(Agreement, Agreement.id == ServiceLog.agreement_id)
        .where(ServiceLog.id == log_id, agreement_scope(principal))
    )
    if log is None:
        raise ScopeError(f"服务日志 #{log_id} 不存在或不在您的权限范围内")
    return log


def list_logs(
    session: Session,
    principal: Principal,
    agreement_id: int | None = None,
    status: str | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[ServiceLog]:
    """The service logs the principal may see, newest first."""
    stmt = (
        select(ServiceLog)
        .join(Agreement, Agreement.id == ServiceLog.agreement_id)
        .where(agreement_scope(principal))
    )
    if agreement_id:
        stmt = stmt.where(ServiceLog.agreement_id == agreement_id)
    if status:
        stmt = stmt.where(ServiceLog.status == status)
    stmt = stmt.order_by(ServiceLog.served_on.desc(), ServiceLog.id.desc())
    if limit:
        stmt = stmt.limit(limit).offset(offset)
    return list(session.scalars(stmt))


def confirm_log(
    session: Session, principal: Principal, log_id: int, accept: bool = True, objection: str = ""
) -> ServiceLog:
    """The served party confirms a visit (then it counts) or objects to it, with a reason."""
    log = get_log(session, principal, log_id)
    a = session.get(Agreement, log.agreement_id)
    if not is_served_party(principal, session.get(Demand, a.demand_id)):
        raise RoleError("只有服务对象（或代为发布需求的信息员）可以确认服务日志")
    if log.status == "confirmed":
        raise Conflict("该服务日志已确认")
    if accept:
        log.status, log.confirmed_at, log.confirmed_by = "confirmed", utcnow(), principal.user_id
    else:
        if not objection.strip():
            raise _bad("objection", "请写明异议")
        log.status, log.objection = "disputed", objection.strip()[:300]
    session.flush()
    return log


def log_dict(session: Session, log: ServiceLog) -> dict[str, Any]:
    """A service log as plain data."""
    return {
        "id": log.id,
        "agreement_id": log.agreement_id,
        "commissioner_id": log.commissioner_id,
        "served_on": log.served_on,
        "days": log.days,
        "content": log.content,
        "trainees": log.trainees,
        "new_varieties": log.new_varieties,
        "new_techniques": log.new_techniques,
        "new_equipment": log.new_equipment,
        "income_wan": log.income_wan,
        "status": log.status,
        "objection": log.objection,
        "photo_ids": photo_ids(session, log_id=log.id),
    }


# ------------------------------------------------------------------ ratings


def rate_agreement(
    session: Session, principal: Principal, agreement_id: int, score: int, comment: str = ""
) -> Rating:
    """The served party rates the service (1–5) once at least one log is confirmed."""
    a = get_agreement(session, principal, agreement_id)
    if not is_served_party(principal, session.get(Demand, a.demand_id)):
        raise RoleError("只有服务对象（或代为发布需求的信息员）可以评价服务")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise _bad("score", "评分应为 1–5 的整数")
    confirmed = session.scalar(
        select(func.count(ServiceLog.id)).where(
            ServiceLog.agreement_id == a.id, ServiceLog.status == "confirmed"
        )
    )
    if not confirmed:
        raise Conflict("尚无已确认的服务日志，暂不能评价")
    if session.scalar(select(Rating.id).where(Rating.agreement_id == a.id)) is not None:
        raise Conflict("该协议已评价过")
    r = Rating(
        agreement_id=a.id,
        commissioner_id=a.commissioner_id,
        score=score,
        comment=comment.strip()[:500],
        rated_by=principal.user_id,
        year=date.today().year,
    )
    session.add(r)
    session.flush()
    return r


def list_ratings(session: Session, principal: Principal, limit: int | None = 500) -> list[Rating]:
    """The ratings the principal may see."""
    stmt = (
        select(Rating)
        .join(Agreement, Agreement.id == Rating.agreement_id)
        .where(agreement_scope(principal))
        .order_by(Rating.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def whoami_commissioner(session: Session, principal: Principal) -> Commissioner:
    """The commissioner record of a commissioner account."""
    require_role(principal, (COMMISSIONER,), "查看特派员个人页")
    return get_commissioner(session, principal, principal.commissioner_id or 0)
