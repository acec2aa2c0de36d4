"""Demo seeding for innovation points: one scoring run and the demo bank consents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.audit import current_principal
from kechuang.points.service import create_run, set_consent
from kechuang.registry.models import Enterprise, Zone

DEMO_CONSENTS = 40  # enterprises of 扬州高新区 that share their points with banks in the demo


def seed_demo(session: Session) -> str:
    """One points run with the default methodology, and consents for the demo bank list."""
    operator = current_principal(session)
    run = create_run(session, operator)
    zone_id = session.scalar(select(Zone.id).where(Zone.code == "yzhtz"))
    ids = session.scalars(
        select(Enterprise.id)
        .where(Enterprise.zone_id == zone_id)
        .order_by(Enterprise.id)
        .limit(DEMO_CONSENTS)
    ).all()
    for enterprise_id in ids:
        set_consent(session, operator, enterprise_id, True, "演示：企业书面授权（虚构）")
    return f"创新积分已计算（运行 #{run.id}），{len(ids)} 家企业授权向银行共享积分"
