"""The tiers domain's read and write rules (tiers/scope.py) as the services apply them."""

from __future__ import annotations

from factories import make_principal
from sheets import xlsx
from sqlalchemy import func, select

from kechuang.core.security import SYSTEM
from kechuang.tiers.models import EnterpriseQualification
from kechuang.tiers.qualifications import import_qualifications
from kechuang.tiers.scope import may_import_qualifications, visible_ids_by_uscc, zone_choices


def test_an_enterprise_user_may_not_import_even_his_own_qualifications(session, tier_world):
    b = tier_world["b"]
    ent_user = make_principal(session, "enterprise_user", enterprise=b)
    assert not may_import_qualifications(ent_user) and may_import_qualifications(SYSTEM)
    content = xlsx(
        ["统一社会信用代码", "资质类型", "取得日期"], [[b.uscc, "高新技术企业证书", "2023-11-01"]]
    )
    rep = import_qualifications(session, ent_user, content, "q.xlsx")
    assert not rep.ok and [e.reason for e in rep.errors] == [
        "企业用户不能导入资质，请由高新区或科技局导入"
    ]
    assert session.scalar(select(func.count()).select_from(EnterpriseQualification)) == 0


def test_visible_ids_and_zone_choices_follow_the_principal(session, tier_world):
    city = tier_world["city"]
    zone_admin = make_principal(session, "zone_admin", zone=city["yzhtz"])
    usccs = [tier_world["a"].uscc, tier_world["b"].uscc, "not-registered"]
    assert visible_ids_by_uscc(session, zone_admin, usccs) == {
        tier_world["a"].uscc: tier_world["a"].id
    }
    assert set(visible_ids_by_uscc(session, SYSTEM, usccs)) == set(usccs[:2])
    zones = {z.id: z.name for z in city.values()}
    assert zone_choices(zone_admin, zones) == {city["yzhtz"].id: city["yzhtz"].name}
    assert zone_choices(SYSTEM, zones) == zones
