"""The audit log page on the shared server-side table: sorted by a header on the server, paged,
filters checked before they reach the query."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User
from web import log_in


async def test_audit_page_sorts_by_header(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/audit")
    # the page's query, directly (importing pages outside a user test would unregister routes)
    from kechuang.accounts.audit_log import audit_rows

    newest, total = audit_rows({}, 1, 500)
    assert total == len(newest) > 3
    assert [r["id"] for r in newest] == sorted((r["id"] for r in newest), reverse=True)
    by_user, _ = audit_rows({}, 1, 500, "username", False)
    names = [r["username"] for r in by_user]
    assert names == sorted(names)
    ignored, _ = audit_rows({}, 1, 500, "before; --", True)
    assert [r["id"] for r in ignored] == [r["id"] for r in newest]
    # page 2 continues page 1 in the chosen order
    first, _ = audit_rows({}, 1, 2, "username", False)
    second, _ = audit_rows({}, 2, 2, "username", False)
    assert [r["id"] for r in first + second] == [r["id"] for r in by_user[:4]]
    table = user.find(ui.table).elements.pop()
    assert table.pagination["sortBy"] == "at" and table.rows
    user.find(ui.table).trigger(
        "request",
        {"pagination": {"page": 1, "rowsPerPage": 50, "sortBy": "username", "descending": True}},
    )
    for _ in range(100):
        if table.pagination.get("sortBy") == "username":
            break
        await asyncio.sleep(0.05)
    names = [r["username"] for r in table.rows]
    assert names == sorted(names, reverse=True)
    user.find("起始日期（如 2026-01-01）").type("not a day")
    user.find(marker="audit-filter").click()
    await user.should_see("日期", retries=100)
