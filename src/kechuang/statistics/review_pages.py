"""The review page (数据审核 / 我的报送): enterprise users' submissions against the current figures.

A reviewer (zone or city admin) sees the submissions in her scope, each figure beside the current
one (changed cells in red, % change) with the automatic flags, and approves or rejects with a
reason. An enterprise user sees its own submissions and their outcome, read-only.
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.domain import DATA_ROLES
from kechuang.core.errors import UserError
from kechuang.core.formatting import fmt_local_time
from kechuang.core.layout import frame, session_principal
from kechuang.core.security import Principal
from kechuang.statistics.models import SUBMISSION_STATUSES
from kechuang.statistics.review import approve, list_submissions, reject
from kechuang.statistics.scope import can_review

_FLAG_KINDS = {
    "components": "分项不符",
    "jump": "变动过大",
    "peers": "偏离同类企业",
    "rules": "导入规则",
}


def _list(principal: Principal, status: str | None) -> list[dict[str, Any]]:
    with session_scope() as session:
        return list_submissions(session, principal, status)


def _decide(principal: Principal, submission_id: int, reason: str | None) -> dict[str, Any]:
    with session_scope() as session:
        bind_principal(session, principal)
        if reason is None:
            return approve(session, principal, submission_id)
        return reject(session, principal, submission_id, reason)


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _changes_table(sub: dict[str, Any], all_fields: bool) -> None:
    rows = [
        {
            "field": c["field"],
            "current": _value(c["current"]),
            "submitted": _value(c["submitted"]),
            "pct": "" if c["change_pct"] is None else f"{c['change_pct']:+.2f}%",
            "changed": c["changed"],
        }
        for c in sub["changes"]
        if all_fields or c["changed"]
    ]
    base = "当前版本" if sub["status"] == "pending" else "报送时的版本"
    table = (
        ui.table(
            columns=[
                {"name": "field", "label": "指标", "field": "field", "align": "left"},
                {"name": "current", "label": base, "field": "current", "align": "right"},
                {"name": "submitted", "label": "报送值", "field": "submitted", "align": "right"},
                {"name": "pct", "label": "变化", "field": "pct", "align": "right"},
            ],
            rows=rows,
            row_key="field",
        )
        .classes("w-full")
        .props("dense flat")
    )
    # changed cells stand out: the reviewer reads what moved, not thirty unchanged figures
    table.add_slot(
        "body-cell-submitted",
        """<q-td :props="props" :class="props.row.changed ? 'text-negative text-weight-bold' : ''">
        {{ props.value }}</q-td>""",
    )


@ui.page("/review")
async def review_page() -> None:
    """Submissions awaiting review (bureau) or one's own submissions and their outcome."""
    who = session_principal()
    title = "我的报送" if who is not None and not can_review(who) else "数据审核"
    with frame(title, roles=DATA_ROLES) as principal:
        if principal is None:
            return
        reviewer = can_review(principal)
        ui.label(
            "企业用户导入的年度统计数据作为报送保存，审核通过后才成为当前数据，进入驾驶舱、积分和名单；"
            "驳回的报送不生效，企业可看到驳回理由。"
        ).classes("kc-muted")
        choices = {
            "pending": "待审核",
            **{k: v for k, v in SUBMISSION_STATUSES.items() if k != "pending"},
        }
        choices["all"] = "全部"
        status = ui.select(choices, label="状态", value="pending" if reviewer else "all").classes(
            "w-48"
        )

        @ui.refreshable
        async def listing() -> None:
            chosen = None if status.value == "all" else status.value
            try:
                items = await run.io_bound(_list, principal, chosen)
            except UserError as exc:
                ui.notify(str(exc), type="negative")
                return
            if not items:
                ui.label("没有符合条件的报送").classes("text-grey-7").mark("no-submissions")
                return
            for sub in items:
                _card(sub)

        def _card(sub: dict[str, Any]) -> None:
            with ui.card().classes("w-full").mark(f"submission-{sub['id']}"):
                with ui.row().classes("items-center gap-3"):
                    ui.label(f"#{sub['id']} {sub['enterprise']} {sub['year']}年").classes(
                        "text-subtitle1"
                    )
                    color = {"pending": "orange", "approved": "positive", "rejected": "negative"}
                    ui.badge(sub["status_label"], color=color.get(sub["status"], "grey"))
                    if sub["stale"]:
                        ui.badge("数据已被更新", color="negative").tooltip(
                            "报送后该企业该年度的数据已被更新，不能直接审核通过"
                        )
                    ui.label(
                        f"报送人 {sub['submitted_by']} · {fmt_local_time(sub['submitted_at'])}"
                    ).classes("kc-muted")
                if sub["reason"]:
                    ui.label(f"驳回理由：{sub['reason']}").classes("text-negative")
                if sub["reviewed_by"]:
                    ui.label(
                        f"审核人 {sub['reviewed_by']} · {(sub['reviewed_at'] or '')[:16]}"
                    ).classes("kc-muted")
                for flag in sub["flags"]:
                    with ui.row().classes("items-center gap-2"):
                        ui.icon("flag", color="negative")
                        ui.label(
                            f"{_FLAG_KINDS.get(flag['kind'], flag['kind'])}：{flag['message']}"
                        )
                _changes_table(sub, all_fields=False)
                if reviewer and sub["status"] == "pending":
                    _actions(sub)

        def _actions(sub: dict[str, Any]) -> None:
            with ui.row().classes("items-end gap-2 w-full"):

                async def decide(reason: str | None) -> None:
                    try:
                        outcome = await run.io_bound(_decide, principal, sub["id"], reason)
                    except UserError as exc:
                        ui.notify(str(exc), type="negative", multi_line=True)
                        return
                    ui.notify(f"报送 #{outcome['id']} {outcome['status_label']}", type="positive")
                    listing.refresh()

                ui.button("审核通过", icon="check", on_click=lambda: decide(None)).props(
                    "color=positive"
                ).mark(f"approve-{sub['id']}")
                reason = (
                    ui.input("驳回理由（企业可见）").classes("w-96").mark(f"reason-{sub['id']}")
                )

                async def do_reject() -> None:
                    if not (reason.value or "").strip():
                        ui.notify("请填写驳回理由（企业会看到）", type="warning")
                        return
                    await decide(reason.value)

                ui.button("驳回", icon="close", on_click=do_reject).props("color=negative").mark(
                    f"reject-{sub['id']}"
                )

        status.on_value_change(lambda: listing.refresh())
        await listing()
