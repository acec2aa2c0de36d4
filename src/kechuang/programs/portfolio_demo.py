"""Demo portfolio (演示数据, seeded): a third of the funded demo projects are taken on by
enterprises of the registry's demo (so the outcome table shows the registry link), every demo
application is classified into the 指南, about one in eight is confirmed by the bureau (a few
corrected), and funded projects get outcomes (patents, standards, products, 成果转化, revenue)."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.security import Principal
from kechuang.programs import portfolio as pf
from kechuang.programs.models import Application, Call
from kechuang.programs.portfolio_models import OUTCOME_KINDS, Classification, Outcome
from kechuang.registry.models import Enterprise

SEED = 20261207


def seed_portfolio(session: Session, operator: Principal) -> str:
    """Registry links, classifications (some confirmed) and outcomes for the demo applications."""
    rng = random.Random(SEED)
    apps = list(
        session.scalars(
            select(Application).where(Application.is_demo.is_(True)).order_by(Application.id)
        )
    )
    funded = [a for a in apps if a.granted > 0]
    enterprises = list(session.scalars(select(Enterprise).order_by(Enterprise.id).limit(50)))
    linked = 0
    for i, app in enumerate(funded):
        if enterprises and i % 3 == 0:
            ent = enterprises[(i // 3) % len(enterprises)]
            app.unit_name, app.unit_uscc = ent.name, ent.uscc
            linked += 1
    session.flush()
    pf.classify_applications(session, operator)
    rows = {
        c.application_id: c
        for c in session.scalars(select(Classification).order_by(Classification.application_id))
    }
    confirmed = 0
    for i, app in enumerate(apps):
        c = rows.get(app.id)
        if c is None or i % 8:
            continue
        # most confirmations keep the declared 方向; every fifth takes the model's when they differ
        target = c.predicted if (i // 8) % 5 == 4 and c.predicted != c.declared else c.declared
        pf.confirm(session, operator, app.id, target, "演示数据：市科技局核定方向")
        confirmed += 1
    result = pf.classify_applications(session, operator)  # retrain with the confirmed history
    years = {c.id: c.year for c in session.scalars(select(Call))}
    n_out = 0
    for app in funded:
        year = years[app.call_id]
        picks = [
            ("patent", rng.randint(0, 4)),
            ("standard", rng.choice((0, 0, 0, 1))),
            ("product", rng.choice((0, 1, 1, 2))),
            ("transfer", round(rng.choice((0, 0, 20, 50, 120)) * 1.0, 1)),
            ("revenue", round(rng.choice((0, 0, 150, 300, 800, 1500)) * 1.0, 1)),
        ]
        for kind, qty in picks:
            if qty <= 0:
                continue
            session.add(
                Outcome(
                    application_id=app.id,
                    kind=kind,
                    quantity=float(qty),
                    unit=OUTCOME_KINDS[kind][1],
                    year=year + rng.choice((0, 1)),
                    evidence=f"演示数据：{OUTCOME_KINDS[kind][0]}佐证材料",
                    created_by=operator.user_id,
                    is_demo=True,
                )
            )
            n_out += 1
    session.flush()
    return (
        f"项目布局：{result['classified']} 项已分类（{confirmed} 项已确认，"
        f"{result['flagged']} 项疑似方向不符），{n_out} 条成果，{linked} 个项目承担单位在企业库"
    )
