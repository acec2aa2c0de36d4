"""The review page, through NiceGUI's user simulation: an enterprise user submits a correction on the
import page, the figure on the dashboard changes only after the zone admin approves it there."""

from __future__ import annotations

import os

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User
from sheets import xlsx
from web import log_in

from kechuang.accounts.service import create_user as add_account


# Two simulated users share the test's single connection; on PostgreSQL their page loads can
# interleave savepoints (flaky "savepoint does not exist"). The review logic runs on both databases
# in test_review.py; this page flow runs on SQLite.
@pytest.mark.skipif(
    os.environ["KECHUANG_DATABASE_URL"].startswith("postgresql"),
    reason="两个模拟用户共用测试连接：仅在 SQLite 上运行",
)
async def test_submission_changes_dashboard_only_after_approval(
    user: User, create_user, session, world
) -> None:
    add_account(
        session,
        username="ent_a",
        password="Yz-kc-test-2026",
        role="enterprise_user",
        enterprise_id=world["a"].id,
    )
    session.flush()
    enterprise = create_user()
    await log_in(enterprise, "ent_a")
    await enterprise.open("/imports")
    enterprise.find(ui.select).elements.pop().value = "enterprise_years"
    upload = enterprise.find(ui.upload).elements.pop()
    correction = xlsx(
        ["统一社会信用代码", "年度", "营业收入(万元)"], [[world["a"].uscc, 2024, 6000]]
    )
    await upload.handle_uploads(
        [SmallFileUpload("更正.xlsx", "application/octet-stream", correction)]
    )
    await enterprise.should_see("已提交审核", retries=100)

    city = create_user()
    await log_in(city, "city")
    await city.should_see("7,800.00万元", retries=100)  # 5000 + 2000 + 800: not yet 6000

    await enterprise.open("/review")
    await enterprise.should_see("我的报送", retries=100)
    await enterprise.should_see("待审核", retries=100)

    reviewer = create_user()
    await log_in(reviewer, "zone_yz")
    await reviewer.open("/review")
    await reviewer.should_see("甲高新科技有限公司 2024年", retries=100)
    table = [t for t in reviewer.find(ui.table).elements if t.rows and "pct" in t.rows[0]][0]
    assert table.rows == [
        {
            "field": "营业收入(万元)",
            "current": "5,000.00",
            "submitted": "6,000.00",
            "pct": "+20.00%",
            "changed": True,
        }
    ]
    sub_id = int(
        next(
            m for m in reviewer.find(ui.card).elements.pop()._markers if m.startswith("submission-")
        ).split("-")[1]
    )
    await enterprise.should_not_see(marker=f"approve-{sub_id}")  # read-only for the enterprise
    await city.open("/")
    await city.should_see("7,800.00万元", retries=100)
    reviewer.find(marker=f"approve-{sub_id}").click()
    await reviewer.should_see("已通过", retries=100)
    await city.open("/")
    await city.should_see("8,800.00万元", retries=100)

    await enterprise.open("/review")
    await enterprise.should_see("已通过", retries=100)
