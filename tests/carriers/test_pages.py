"""The chain pages through NiceGUI's user simulation: the bureau's chain page (summary, Sankey,
metrics, the counting rule, provisional criteria), a zone admin's (her zone only), the contracts
page and an enterprise's own record; a bank is refused."""

from __future__ import annotations

from nicegui.testing import User
from web import PASSWORD, log_in

from kechuang.accounts.service import create_user


def _cells(user: User, marker: str) -> set[str]:
    """Every cell value of the marked table."""
    (table,) = user.find(marker=marker).elements
    return {str(v) for row in table.rows for v in row.values()}


def _users(session, chain):
    city = chain["city"]
    for name, role, kw in (
        ("pg_city", "city_admin", {}),
        ("pg_jd", "zone_admin", {"zone_id": city["jiangdu"].id}),
        ("pg_ent", "enterprise_user", {"enterprise_id": chain["ents"]["e2"].id}),
        ("pg_bank", "bank_viewer", {}),
    ):
        create_user(session, username=name, password=PASSWORD, role=role, **kw)
    session.flush()


async def test_bureau_chain_page(user: User, session, chain) -> None:
    _users(session, chain)
    await log_in(user, "pg_city")
    await user.open("/carriers/chain?year=2024")
    await user.should_see("载体链条与孵化", retries=100)
    await user.should_see(marker="sankey")
    await user.should_see(marker="attribution-rule")
    await user.should_see(marker="criteria-provisional")
    assert {"链条测试e2有限公司", "江都在孵测试有限公司"} <= _cells(user, "incubations")


async def test_zone_admin_sees_only_her_zone(user: User, session, chain) -> None:
    _users(session, chain)
    await log_in(user, "pg_jd")
    await user.open("/carriers/chain?year=2024")
    await user.should_see(marker="incubations", retries=100)
    cells = _cells(user, "incubations")
    assert "江都在孵测试有限公司" in cells and "链条测试e2有限公司" not in cells


async def test_contracts_page_and_enterprise_record(user: User, session, chain) -> None:
    _users(session, chain)
    await log_in(user, "pg_city")
    await user.open("/carriers/contracts?year=2024")
    await user.should_see("技术合同与成果转化", retries=100)
    await user.should_see(marker="transfer")


async def test_enterprise_sees_its_own_record(user: User, session, chain) -> None:
    _users(session, chain)
    await log_in(user, "pg_ent")
    await user.open("/carriers/mine")
    await user.should_see(marker="my-incubations", retries=100)
    cells = _cells(user, "my-incubations")
    assert "测试孵化器一" in cells and "江都测试孵化器" not in cells
    await user.open("/carriers/chain")
    await user.should_see("无权访问此页面", retries=100)


async def test_bank_is_refused(user: User, session, chain) -> None:
    _users(session, chain)
    await log_in(user, "pg_bank")
    await user.open("/carriers/chain")
    await user.should_see("无权访问此页面", retries=100)


async def test_enterprise_in_incubation_sees_the_graduation_check(
    user: User, session, chain
) -> None:
    create_user(session, username="pg_e7", password=PASSWORD, role="enterprise_user",
                enterprise_id=chain["ents"]["e7"].id)  # fmt: skip
    session.flush()
    await log_in(user, "pg_e7")
    await user.open("/carriers/mine")
    await user.should_see(marker=f"check-{chain['incs']['e7'].id}", retries=100)
