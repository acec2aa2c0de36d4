"""The 重点攻关 portfolio: applications classified into the 指南 (TF-IDF + softmax regression from
engines/text, trained on the 指南's own names, descriptions and keywords and on the bureau's
confirmed history), the bureau's confirmations and corrections, flags where the declared and the
predicted 方向 disagree, the coverage map of 方向 and 课题 by year, funding by 领域 and year, and
project outcomes linked to the enterprise registry.

Who sees what: the portfolio (classifications, coverage, funding, outcome aggregates) is the
bureau's (city_admin); an applicant sees and enters outcomes of its own funded projects only;
experts and 发榜方 get 403.

A project is "funded" when its 立项经费 (granted, 万元) is positive; its year is its call's year;
its 方向 is the bureau's confirmed one when there is one, otherwise the 方向 of the declared
指南方向."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, Unprocessable
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.engines.text import tokenize
from kechuang.engines.text.classify import Prediction, TextClassifier, group_probabilities
from kechuang.programs import APPLICANT
from kechuang.programs.models import Application, Call
from kechuang.programs.portfolio_models import OUTCOME_KINDS, Classification, Outcome
from kechuang.programs.scope import application_scope, require_role
from kechuang.programs.taxonomy import Guide, load_guide
from kechuang.registry.models import Enterprise

ADMINS = ("city_admin",)
OUTCOME_ROLES = ("city_admin", APPLICANT)
# A declared 方向 is flagged when the model is fairly sure of another 方向 and gives the declared
# one almost nothing. 暂行: set by us from the held-out set, no official rule exists.
DISAGREE_MIN_CONFIDENCE = 0.5
DISAGREE_MAX_DECLARED = 0.1
DISAGREE_RULE = (
    f"预测方向与申报方向不同，且预测方向概率 ≥ {DISAGREE_MIN_CONFIDENCE:.0%}、"
    f"申报方向概率 < {DISAGREE_MAX_DECLARED:.0%}（暂行规则，未确认）"
)
THRESHOLD_DEFAULT = 2  # a 方向 with fewer funded projects in the period is flagged
TOP_TERMS = 5


# ------------------------------------------------------------------ taxonomy helpers


def direction_of(guide: Guide, code: str | None) -> str | None:
    """The 方向 (level 1) a 方向 or 课题 code belongs to; None for a 领域 or an unknown code."""
    node = guide.nodes.get(code or "")
    if node is None or node.level == 0:
        return None
    return node.code if node.level == 1 else node.parent


def application_text(app: Application) -> str:
    """The text that is classified: 项目名称, 关键词 and 摘要."""
    return " ".join([app.title, " ".join(app.keywords or []), app.abstract or ""])


def pseudo_documents(guide: Guide) -> tuple[list[str], list[str]]:
    """The 指南's own texts as training documents labelled with their 方向: each 方向's name and
    description, each 课题's name with its keywords, and each keyword alone."""
    texts, labels = [], []
    for d in guide.directions():
        texts.append(f"{d.name} {d.description}")
        labels.append(d.code)
        for code in d.children:
            topic = guide.nodes[code]
            texts.append(f"{topic.name} {' '.join(topic.keywords)}")
            labels.append(d.code)
            for keyword in topic.keywords:
                texts.append(keyword)
                labels.append(d.code)
    return texts, labels


@dataclass
class Model:
    """A fitted classifier and the note saying what it was trained on."""

    classifier: TextClassifier
    note: str
    guide: Guide

    def predict(self, texts: list[str]) -> list[Prediction]:
        """Predictions with the explaining terms."""
        return self.classifier.predict(texts, top_terms=TOP_TERMS)


def fit_model(guide: Guide, history: list[tuple[str, str]] = ()) -> Model:  # type: ignore[assignment]
    """Fit on the 指南's pseudo-documents plus labelled history (text, 方向 code)."""
    texts, labels = pseudo_documents(guide)
    for text, label in history:
        texts.append(text)
        labels.append(label)
    classes = [d.code for d in guide.directions()]
    clf = TextClassifier(tokenize).fit(texts, labels, classes=classes)
    note = f"指南 {guide.version}；指南文本 {len(texts) - len(history)} 条；已确认历史 {len(history)} 条"
    return Model(clf, note, guide)


def labelled_history(session: Session, guide: Guide) -> list[tuple[str, str]]:
    """Applications whose 方向 the bureau confirmed, as (text, 方向) pairs."""
    rows = session.execute(
        select(Application, Classification.confirmed)
        .join(Classification, Classification.application_id == Application.id)
        .where(Classification.confirmed.is_not(None))
        .order_by(Application.id)
    ).all()
    return [(application_text(a), c) for a, c in rows if c in guide.nodes]


# ------------------------------------------------------------------ classification


def _store(session: Session, app: Application, pred: Prediction, model: Model) -> Classification:
    guide = model.guide
    domains = group_probabilities(pred.ranked, guide.domain_of)
    declared = direction_of(guide, app.direction) or ""
    p_declared = dict(pred.ranked).get(declared, 0.0)
    row = session.scalar(
        select(Classification).where(Classification.application_id == app.id)
    ) or Classification(application_id=app.id, is_demo=app.is_demo)
    row.predicted = pred.label
    row.predicted_domain = domains[0][0]
    row.confidence = round(pred.probability, 4)
    row.domain_confidence = round(domains[0][1], 4)
    row.declared = declared
    row.declared_probability = round(p_declared, 4)
    row.disagreement = bool(
        declared
        and pred.label != declared
        and pred.probability >= DISAGREE_MIN_CONFIDENCE
        and p_declared < DISAGREE_MAX_DECLARED
    )
    row.ranked = [[c, round(p, 4)] for c, p in pred.ranked[:3]]
    row.terms = [[t.term, round(t.contribution, 4)] for t in pred.terms]
    row.model_note = model.note[:200]
    row.classified_at = datetime.now(UTC)
    session.add(row)
    return row


def classify_applications(
    session: Session, principal: Principal, call_id: int | None = None, only_new: bool = False
) -> dict[str, Any]:
    """Classify the applications (of a call, or all; only the unclassified ones with only_new)
    with a model trained on the 指南 and the confirmed history; confirmations are kept."""
    require_role(principal, ADMINS, "对申报进行指南分类")
    guide = load_guide()
    query = select(Application).where(application_scope(principal)).order_by(Application.id)
    if call_id is not None:
        query = query.where(Application.call_id == call_id)
    if only_new:
        query = query.where(Application.id.not_in(select(Classification.application_id)))
    apps = list(session.scalars(query))
    model = fit_model(guide, labelled_history(session, guide))
    preds = model.predict([application_text(a) for a in apps]) if apps else []
    flagged = 0
    for app, pred in zip(apps, preds, strict=True):
        flagged += _store(session, app, pred, model).disagreement
    session.flush()
    return {"classified": len(apps), "flagged": flagged, "model": model.note}


def _node_name(guide: Guide, code: str | None) -> str:
    node = guide.nodes.get(code or "")
    return node.name if node else ""


def classification_dict(guide: Guide, c: Classification, app: Application) -> dict[str, Any]:
    """A classification with names, the explanation and the effective 方向."""
    return {
        "application_id": app.id,
        "code": app.code,
        "title": app.title,
        "unit_name": app.unit_name,
        "declared_direction": app.direction,
        "declared": c.declared,
        "declared_name": _node_name(guide, c.declared),
        "declared_probability": c.declared_probability,
        "predicted": c.predicted,
        "predicted_name": _node_name(guide, c.predicted),
        "predicted_domain": c.predicted_domain,
        "predicted_domain_name": _node_name(guide, c.predicted_domain),
        "confidence": c.confidence,
        "domain_confidence": c.domain_confidence,
        "ranked": [
            {"code": code, "name": _node_name(guide, code), "probability": p}
            for code, p in c.ranked
        ],
        "terms": [{"term": t, "contribution": w} for t, w in c.terms],
        "explanation": explain_text(guide, c),
        "disagreement": c.disagreement,
        "confirmed": c.confirmed,
        "confirmed_name": _node_name(guide, c.confirmed),
        "effective": c.confirmed or c.declared or c.predicted,
        "note": c.note,
        "model_note": c.model_note,
    }


def explain_text(guide: Guide, c: Classification) -> str:
    """“预测…（概率 …）；主要依据词：…；申报方向概率 …” — every number says what it is."""
    terms = "、".join(t.removeprefix("字:") + ("（字）" if t.startswith("字:") else "")
                     for t, _ in c.terms) or "无"  # fmt: skip
    text = (
        f"预测方向：{_node_name(guide, c.predicted)}（概率 {c.confidence:.0%}；"
        f"所属领域 {_node_name(guide, c.predicted_domain)} 概率 {c.domain_confidence:.0%}）；"
        f"主要依据词：{terms}；申报方向“{_node_name(guide, c.declared) or '无'}”"
        f"的概率 {c.declared_probability:.0%}"
    )
    if c.disagreement:
        text += f"；疑似申报方向不符：{DISAGREE_RULE}"
    return text


def list_classifications(
    session: Session,
    principal: Principal,
    call_id: int | None = None,
    disagreement_only: bool = False,
) -> list[dict[str, Any]]:
    """Classifications of the applications in scope (the bureau only)."""
    require_role(principal, ADMINS, "查看指南分类")
    guide = load_guide()
    query = (
        select(Classification, Application)
        .join(Application, Application.id == Classification.application_id)
        .where(application_scope(principal))
        .order_by(Application.id)
    )
    if call_id is not None:
        query = query.where(Application.call_id == call_id)
    if disagreement_only:
        query = query.where(Classification.disagreement.is_(True))
    return [classification_dict(guide, c, a) for c, a in session.execute(query)]


def get_classification(
    session: Session, principal: Principal, application_id: int
) -> dict[str, Any]:
    """One application's classification (404 when the application is out of scope or not yet
    classified)."""
    require_role(principal, ADMINS, "查看指南分类")
    row = session.execute(
        select(Classification, Application)
        .join(Application, Application.id == Classification.application_id)
        .where(Application.id == application_id, application_scope(principal))
    ).first()
    if row is None:
        raise ScopeError(f"申报 #{application_id} 不存在、不在您的权限范围内或尚未分类")
    return classification_dict(load_guide(), row[0], row[1])


def confirm(
    session: Session, principal: Principal, application_id: int, direction: str, note: str = ""
) -> dict[str, Any]:
    """The bureau confirms or corrects an application's 方向 (a 方向 or 课题 code; a 课题 counts as
    its 方向). The confirmed 方向 is labelled history for the next classification."""
    require_role(principal, ADMINS, "确认或更正指南方向")
    guide = load_guide()
    target = direction_of(guide, direction)
    if target is None:
        raise Unprocessable(
            f"指南方向“{direction}”不存在或不是方向/课题（指南版本 {guide.version}）",
            [{"field": "direction", "message": "应为指南中的方向或课题编码"}],
        )
    row = session.execute(
        select(Classification)
        .join(Application, Application.id == Classification.application_id)
        .where(Application.id == application_id, application_scope(principal))
    ).scalar()
    if row is None:
        raise ScopeError(f"申报 #{application_id} 不存在、不在您的权限范围内或尚未分类")
    row.confirmed = target
    row.confirmed_by = principal.user_id
    row.confirmed_at = datetime.now(UTC)
    row.note = note[:500]
    # a confirmed 方向 settles the question the flag asked
    row.disagreement = False
    session.flush()
    return get_classification(session, principal, application_id)


# ------------------------------------------------------------------ coverage and funding


def _projects(session: Session, principal: Principal, year_from: int | None, year_to: int | None):
    """(application, call year, effective 方向, declared 课题 or None) for applications in scope."""
    guide = load_guide()
    query = (
        select(Application, Call.year, Classification.confirmed)
        .join(Call, Call.id == Application.call_id)
        .outerjoin(Classification, Classification.application_id == Application.id)
        .where(application_scope(principal))
    )
    if year_from is not None:
        query = query.where(Call.year >= year_from)
    if year_to is not None:
        query = query.where(Call.year <= year_to)
    out = []
    for app, year, confirmed in session.execute(query):
        declared = direction_of(guide, app.direction)
        direction = confirmed or declared
        node = guide.nodes.get(app.direction)
        topic = app.direction if node and node.level == 2 and declared == direction else None
        out.append((app, year, direction, topic))
    return guide, out


def _check_period(year_from: int | None, year_to: int | None, threshold: int = 1) -> None:
    if year_from is not None and year_to is not None and year_to < year_from:
        raise Unprocessable(
            f"结束年份 {year_to} 早于开始年份 {year_from}",
            [{"field": "year_to", "message": "结束年份不能早于开始年份"}],
        )
    if threshold < 1:
        raise Unprocessable(
            f"薄弱阈值应至少为 1，实际为 {threshold}",
            [{"field": "threshold", "message": "应至少为 1"}],
        )


def coverage(
    session: Session,
    principal: Principal,
    year_from: int | None = None,
    year_to: int | None = None,
    threshold: int = THRESHOLD_DEFAULT,
) -> dict[str, Any]:
    """Per 方向 and 课题 and year: applications, funded projects and funding (万元); a 方向 or 课题
    with no funded project in the period is 空白, with fewer than `threshold` 薄弱."""
    require_role(principal, ADMINS, "查看指南覆盖情况")
    _check_period(year_from, year_to, threshold)
    guide, projects = _projects(session, principal, year_from, year_to)
    cells: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for app, year, direction, topic in projects:
        for code in (direction, topic):
            if code is None:
                continue
            cell = cells[(code, year)]
            cell[0] += 1
            if app.granted > 0:
                cell[1] += 1
                cell[2] += app.granted
    years = (
        list(range(year_from, year_to + 1))
        if year_from is not None and year_to is not None
        else sorted({y for _, y, _, _ in projects})
    )
    rows = []
    for d in guide.directions():
        for code in (d.code, *d.children):
            node = guide.nodes[code]
            per_year = [
                {
                    "year": y,
                    "applications": int(cells[(code, y)][0]) if (code, y) in cells else 0,
                    "funded": int(cells[(code, y)][1]) if (code, y) in cells else 0,
                    "funding": round(cells[(code, y)][2], 2) if (code, y) in cells else 0.0,
                }
                for y in years
            ]
            funded = sum(c["funded"] for c in per_year)
            rows.append(
                {
                    "code": code,
                    "name": node.name,
                    "level": node.level,
                    "domain": guide.domain_of(code) or "",
                    "domain_name": _node_name(guide, guide.domain_of(code)),
                    "section": node.section,
                    "years": per_year,
                    "applications": sum(c["applications"] for c in per_year),
                    "funded": funded,
                    "funding": round(sum(c["funding"] for c in per_year), 2),
                    "flag": "空白" if funded == 0 else ("薄弱" if funded < threshold else ""),
                }
            )
    return {
        "years": years,
        "threshold": threshold,
        "rule": f"期内立项项目数为 0 的为“空白”，少于 {threshold} 项的为“薄弱”（立项 = 立项经费 > 0）",
        "rows": rows,
    }


def funding_by_domain(
    session: Session,
    principal: Principal,
    year_from: int | None = None,
    year_to: int | None = None,
) -> dict[str, Any]:
    """Funded projects and funding (立项经费, 万元) per 领域 and year, with totals."""
    require_role(principal, ADMINS, "查看分领域经费")
    _check_period(year_from, year_to)
    guide, projects = _projects(session, principal, year_from, year_to)
    cells: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0.0])
    for app, year, direction, _ in projects:
        if app.granted > 0 and direction:
            cell = cells[(guide.domain_of(direction) or "", year)]
            cell[0] += 1
            cell[1] += app.granted
    years = sorted({y for _, y in cells})
    rows = []
    for d in guide.domains():
        per_year = [
            {
                "year": y,
                "funded": int(cells[(d.code, y)][0]) if (d.code, y) in cells else 0,
                "funding": round(cells[(d.code, y)][1], 2) if (d.code, y) in cells else 0.0,
            }
            for y in years
        ]
        rows.append(
            {
                "domain": d.code,
                "name": d.name,
                "years": per_year,
                "funded": sum(c["funded"] for c in per_year),
                "funding": round(sum(c["funding"] for c in per_year), 2),
            }
        )
    return {"years": years, "unit": "万元", "rows": rows}


# ------------------------------------------------------------------ outcomes


def _enterprises(session: Session, usccs: set[str]) -> dict[str, Enterprise]:
    """Registry enterprises by USCC (only the units of projects already in the caller's scope)."""
    if not usccs:
        return {}
    return {
        e.uscc: e for e in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(usccs)))
    }


def outcome_dict(o: Outcome, app: Application, ent: Enterprise | None) -> dict[str, Any]:
    """An outcome with its project and the unit's registry link (or “未在企业库”)."""
    label, _ = OUTCOME_KINDS[o.kind]
    return {
        "id": o.id,
        "application_id": app.id,
        "application_code": app.code,
        "title": app.title,
        "kind": o.kind,
        "kind_label": label,
        "quantity": o.quantity,
        "unit": o.unit,
        "year": o.year,
        "evidence": o.evidence,
        "unit_name": app.unit_name,
        "unit_uscc": app.unit_uscc,
        "enterprise_id": ent.id if ent else None,
        "enterprise_name": ent.name if ent else None,
        "registry": "企业库已登记" if ent else "未在企业库（如科研院所、高校）",
        "is_demo": o.is_demo,
    }


def _funded_application(session: Session, principal: Principal, application_id: int) -> Application:
    app = session.scalars(
        select(Application).where(Application.id == application_id, application_scope(principal))
    ).first()
    if app is None:
        raise ScopeError(f"申报 #{application_id} 不存在或不在您的权限范围内")
    if app.granted <= 0:
        raise Conflict(f"申报 {app.code} 尚未立项（立项经费为 0），不能登记成果")
    return app


def validate_outcome(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems of an outcome's fields as (field, Chinese message)."""
    problems = []
    kind = data.get("kind")
    if kind not in OUTCOME_KINDS:
        problems.append(("kind", f"成果类型“{kind}”不存在，应为 " + "、".join(OUTCOME_KINDS)))
    elif data.get("unit") not in (None, "", OUTCOME_KINDS[kind][1]):
        problems.append(
            (
                "unit",
                f"{OUTCOME_KINDS[kind][0]}的单位应为“{OUTCOME_KINDS[kind][1]}”，不是“{data['unit']}”",
            )
        )
    quantity = data.get("quantity")
    if quantity is None or quantity <= 0:
        problems.append(("quantity", "数量或金额应大于 0"))
    elif kind in OUTCOME_KINDS and OUTCOME_KINDS[kind][1] != "万元" and quantity != int(quantity):
        problems.append(("quantity", f"{OUTCOME_KINDS[kind][0]}的数量应为整数"))
    return problems


def add_outcome(
    session: Session, principal: Principal, application_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Record an outcome of a funded project: the bureau for any, an applicant for its own."""
    require_role(principal, OUTCOME_ROLES, "登记项目成果")
    app = _funded_application(session, principal, application_id)
    problems = validate_outcome(data)
    if problems:
        raise Unprocessable(
            "；".join(m for _, m in problems), [{"field": f, "message": m} for f, m in problems]
        )
    o = Outcome(
        application_id=app.id,
        kind=data["kind"],
        quantity=float(data["quantity"]),
        unit=OUTCOME_KINDS[data["kind"]][1],
        year=int(data["year"]),
        evidence=str(data.get("evidence") or ""),
        created_by=principal.user_id,
        is_demo=bool(data.get("is_demo", False)),
    )
    session.add(o)
    session.flush()
    return outcome_dict(o, app, _enterprises(session, {app.unit_uscc}).get(app.unit_uscc))


def list_outcomes(
    session: Session, principal: Principal, application_id: int | None = None
) -> list[dict[str, Any]]:
    """Outcomes of the projects in scope (an applicant: its own projects only)."""
    require_role(principal, OUTCOME_ROLES, "查看项目成果")
    query = (
        select(Outcome, Application)
        .join(Application, Application.id == Outcome.application_id)
        .where(application_scope(principal))
        .order_by(Outcome.id)
    )
    if application_id is not None:
        query = query.where(Application.id == application_id)
    rows = session.execute(query).all()
    ents = _enterprises(session, {a.unit_uscc for _, a in rows})
    return [outcome_dict(o, a, ents.get(a.unit_uscc)) for o, a in rows]


def outcomes_by_domain(
    session: Session,
    principal: Principal,
    year_from: int | None = None,
    year_to: int | None = None,
) -> dict[str, Any]:
    """Outcome totals per 领域 and kind (each kind in its own unit), and how many came from units
    in the enterprise registry."""
    require_role(principal, ADMINS, "查看成果汇总")
    _check_period(year_from, year_to)
    guide, projects = _projects(session, principal, None, None)
    domain_of_app = {app.id: guide.domain_of(d) if d else None for app, _, d, _ in projects}
    query = (
        select(Outcome, Application.unit_uscc)
        .join(Application, Application.id == Outcome.application_id)
        .where(application_scope(principal))
    )
    if year_from is not None:
        query = query.where(Outcome.year >= year_from)
    if year_to is not None:
        query = query.where(Outcome.year <= year_to)
    rows = session.execute(query).all()
    registered = set(_enterprises(session, {u for _, u in rows}))
    sums: dict[tuple[str, str], float] = defaultdict(float)
    in_registry = 0
    for o, uscc in rows:
        sums[(domain_of_app.get(o.application_id) or "", o.kind)] += o.quantity
        in_registry += uscc in registered
    out = []
    for d in guide.domains():
        out.append(
            {
                "domain": d.code,
                "name": d.name,
                **{k: round(sums.get((d.code, k), 0.0), 2) for k in OUTCOME_KINDS},
            }
        )
    return {
        "kinds": [{"kind": k, "label": lab, "unit": u} for k, (lab, u) in OUTCOME_KINDS.items()],
        "rows": out,
        "outcomes": len(rows),
        "from_registered_units": in_registry,
    }


# ------------------------------------------------------------------ charts and export


def coverage_heatmap(cov: dict[str, Any]) -> dict[str, Any]:
    """ECharts heat map: 方向 (rows) × year (columns), the number of funded projects; the label
    shows funded/applications and a 空白/薄弱 mark."""
    rows = [r for r in cov["rows"] if r["level"] == 1]
    names = [f"{r['name']}{'（' + r['flag'] + '）' if r['flag'] else ''}" for r in rows]
    data = [
        [yi, ri, c["funded"], c["applications"], c["funding"]]
        for ri, r in enumerate(rows)
        for yi, c in enumerate(r["years"])
    ]
    top = max((d[2] for d in data), default=0)
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 230, "right": 30, "top": 20, "bottom": 70},
        "xAxis": {"type": "category", "data": [str(y) for y in cov["years"]], "name": "年度"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "visualMap": {
            "min": 0,
            "max": max(top, cov["threshold"]),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "text": ["立项多", "立项少"],
            "inRange": {"color": ["#fff5f0", "#fcbba1", "#fb6a4a", "#a50f15"]},
        },
        "series": [
            {
                "name": "立项项目数",
                "type": "heatmap",
                "data": data,
                "label": {"show": True},
                "encode": {"x": 0, "y": 1, "value": 2},
            }
        ],
    }


def funding_chart(fund: dict[str, Any]) -> dict[str, Any]:
    """ECharts grouped bars: funding (万元) per 领域, one series per year."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(y) for y in fund["years"]], "top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": [r["name"] for r in fund["rows"]]},
        "yAxis": {"type": "value", "name": "立项经费（万元）"},
        "series": [
            {
                "name": str(y),
                "type": "bar",
                "data": [r["years"][i]["funding"] for r in fund["rows"]],
            }
            for i, y in enumerate(fund["years"])
        ],
    }


def portfolio_xlsx(
    cov: dict[str, Any], fund: dict[str, Any], outs: dict[str, Any], demo: bool = False
) -> bytes:
    """The coverage map (one row per 方向/课题 and year), funding by 领域 and outcome totals."""
    from kechuang.core.excel import rows_sheet as sheet
    from kechuang.core.excel import write_sheets

    cov_rows = [
        {
            "domain": r["domain_name"],
            "level": "方向" if r["level"] == 1 else "课题",
            "code": r["code"],
            "name": r["name"],
            "year": c["year"],
            "applications": c["applications"],
            "funded": c["funded"],
            "funding": c["funding"],
            "flag": r["flag"],
        }
        for r in cov["rows"]
        for c in r["years"]
    ]
    fund_rows = [
        {"name": r["name"], "year": c["year"], "funded": c["funded"], "funding": c["funding"]}
        for r in fund["rows"]
        for c in r["years"]
    ]
    kinds = outs["kinds"]
    return write_sheets(
        [
            sheet(
                "指南覆盖",
                cov_rows,
                [
                    ("domain", "领域", "text"),
                    ("level", "层级", "text"),
                    ("code", "编码", "text"),
                    ("name", "名称", "text"),
                    ("year", "年度", "year"),
                    ("applications", "申报数(项)", "int"),
                    ("funded", "立项数(项)", "int"),
                    ("funding", "立项经费(万元)", "decimal"),
                    ("flag", "期内标记", "text"),
                ],
            ),
            sheet(
                "分领域经费",
                fund_rows,
                [
                    ("name", "领域", "text"),
                    ("year", "年度", "year"),
                    ("funded", "立项数(项)", "int"),
                    ("funding", "立项经费(万元)", "decimal"),
                ],
            ),
            sheet(
                "分领域成果",
                outs["rows"],
                [("name", "领域", "text")]
                + [(k["kind"], f"{k['label']}({k['unit']})", "decimal") for k in kinds],
            ),
        ],
        [cov["rule"], "方向取市科技局确认的方向，未确认的取申报方向；年度为申报批次年度。"],
        title="科技计划项目布局：指南覆盖、分领域经费与成果",
        scope="全市",
        year=f"{min(years)}–{max(years)}年度" if (years := cov.get("years")) else None,
        demo=demo,
    )
