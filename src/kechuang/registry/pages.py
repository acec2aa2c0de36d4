"""Registry pages: the zones, one zone and one enterprise; figures come from registered sections.

Domains above the registry add blocks through the manifest's sections: "zones_page" (principal),
"zone_page" and "enterprise_page" (principal, id).
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.domain import DATA_ROLES, section_functions
from kechuang.core.errors import UserError
from kechuang.core.layout import frame
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.registry import service
from kechuang.registry.models import INDUSTRY_ROLES
from kechuang.registry.scope import can_see_zone_data


@ui.page("/zones")
async def zones_page() -> None:
    """All zones with level, parks and strategic industries."""
    with frame("高新区", roles=DATA_ROLES) as principal:
        if principal is None:
            return

        def load() -> list[dict[str, Any]]:
            with session_scope() as session:
                return [
                    {
                        "id": z.id,
                        "name": z.name,
                        "level": z.level,
                        "kind": z.kind,
                        "parks": "、".join(p.name for p in z.parks) or "—",
                        "industries": "、".join(
                            f"{zi.industry.name}（{INDUSTRY_ROLES[zi.role]}）"
                            for zi in z.industries
                        )
                        or "—",
                        "candidate": z.candidate_for or "",
                    }
                    for z in service.list_zones(session)
                ]

        rows = await run.io_bound(load)
        for section in section_functions("zones_page"):
            await section(principal)
        with ui.row().classes("gap-4 w-full"):
            for z in rows:
                with ui.card().classes("w-96"):
                    with ui.row().classes("items-center justify-between w-full"):
                        ui.link(z["name"], f"/zones/{z['id']}").classes("text-h6")
                        ui.badge(z["level"])
                    ui.label(f"园区：{z['parks']}").classes("kc-muted")
                    ui.label(f"战略产业：{z['industries']}")
                    if z["candidate"]:
                        ui.label(f"争创：{z['candidate']}").classes("kc-muted")


@ui.page("/zones/{zone_id}")
async def zone_page(zone_id: int) -> None:
    """One zone: parks, strategic industries, revenue trend and zone-level statistics."""

    def load(principal: Principal) -> dict[str, Any] | None:
        with session_scope() as session:
            zone = service.get_zone(session, zone_id)
            if zone is None:
                return None
            out = {
                "name": zone.name,
                "full_name": zone.full_name,
                "level": zone.level,
                "source": zone.source,
                "parks": [(p.id, p.name, p.confirmed, p.source) for p in zone.parks],
                "industries": [
                    (zi.industry.name, INDUSTRY_ROLES[zi.role]) for zi in zone.industries
                ],
                "visible": can_see_zone_data(principal, zone_id),
            }
            return out

    with frame("高新区详情", roles=DATA_ROLES) as principal:
        if principal is None:
            return
        data = await run.io_bound(load, principal)
        if data is None:
            ui.label("高新区不存在").classes("text-negative")
            return
        ui.label(f"{data['name']}（{data['level']}）").classes("text-h6")
        ui.label(data["full_name"]).classes("kc-muted")
        with ui.row().classes("gap-4"):
            with ui.card():
                ui.label("园区（一区多园）").classes("text-subtitle1")
                if not data["parks"]:
                    ui.label("（未分园区）")
                for park_id, name, confirmed, source in data["parks"]:
                    _park_line(principal, park_id, name, confirmed, source)
            with ui.card():
                ui.label("战略产业（一区一战略）").classes("text-subtitle1")
                for name, role in data["industries"] or [("（未确定）", "")]:
                    ui.label(f"{name} {role}")
        ui.label(f"依据：{data['source']}").classes("kc-muted")
        if not data["visible"]:
            ui.label("您无权查看该高新区的统计数据。").classes("text-grey-7")
            return
        for section in section_functions("zone_page"):
            await section(principal, zone_id)


def _park_line(principal: Principal, park_id: int, name: str, confirmed: bool, source: str) -> None:
    """A park's name; an unconfirmed one says so and offers the city admin the form to confirm it."""
    with ui.row().classes("items-center gap-2 no-wrap"):
        label = ui.label(name)
        if source:
            label.tooltip(f"依据：{source}")
        if confirmed:
            return
        note = ui.label("（园名待核实）").classes("text-warning")
        if principal.role != "city_admin":
            note.tooltip("请联系市科技局在本页核实园区名称")
            ui.label("请市科技局在本页确认").classes("kc-muted text-caption")
            return

        def save() -> None:
            try:
                with session_scope() as session:
                    bind_principal(session, principal)
                    park = service.confirm_park(session, principal, park_id, field.value)
                    confirmed_name = park.name
            except UserError as exc:
                ui.notify(str(exc), type="negative")
                return
            label.text = confirmed_name
            note.delete()
            button.delete()
            dialog.close()
            ui.notify(f"已确认园区名称：{confirmed_name}", type="positive")

        with ui.dialog() as dialog, ui.card():
            ui.label("核实园区名称").classes("text-subtitle1")
            ui.label("请填写经管委会或规划文件确认的园区名称；保存后记入审计日志。").classes(
                "kc-muted"
            )
            field = (
                ui.input("园区名称", value=name)
                .classes("w-64")
                .mark("park-name", f"park-name-{park_id}")
            )
            with ui.row():
                ui.button("确认园名", on_click=save).mark("park-save", f"park-save-{park_id}")
                ui.button("取消", on_click=dialog.close).props("flat")
        button = (
            ui.button("核实园名", on_click=dialog.open).props("flat dense").mark("park-confirm")
        )


def _enterprise_data(principal: Principal, enterprise_id: int) -> dict[str, Any] | None:
    with session_scope() as session:
        try:
            ent = service.get_enterprise(session, principal, enterprise_id)
        except ScopeError:
            return None
        return {
            "summary": service.enterprise_summary(ent),
            "counted_zone": ent.counted_zone.name if ent.counted_zone else None,
            "incubator": ent.incubator.name if ent.incubator else None,
        }


@ui.page("/enterprises/{enterprise_id}")
async def enterprise_page(enterprise_id: int) -> None:
    """Profile, yearly figures (table and charts) and the revision history of one enterprise."""
    with frame("企业详情", roles=DATA_ROLES) as principal:
        if principal is None:
            return
        data = await run.io_bound(_enterprise_data, principal, enterprise_id)
        if data is None:
            ui.label("企业不存在或无权查看").classes("text-negative")
            return
        s = data["summary"]
        ui.label(s["name"]).classes("text-h6")
        with ui.grid(columns=4).classes("gap-x-8 gap-y-1"):
            for label, value in (
                ("统一社会信用代码", s["uscc"]),
                ("成立日期", s["founded_on"]),
                ("所属高新区", s["zone"]),
                ("所在园区", s["park"]),
                ("所属行业", service.industry_label(s["industry_code"])),
                ("技术领域", s["tech_field"]),
                ("统计归属（飞地）", data["counted_zone"]),
                ("孵化载体", data["incubator"]),
            ):
                ui.label(label).classes("kc-muted")
                ui.label(value or "—")
        for section in section_functions("enterprise_page"):
            await section(principal, enterprise_id)
