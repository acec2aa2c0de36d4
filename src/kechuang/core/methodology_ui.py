"""The sources registry on a page: the facts behind the codes a methodology cites."""

from __future__ import annotations

from collections.abc import Iterable

from nicegui import ui

from kechuang.core.methodology import registry

FIELDS_ZH = {"title": "标题", "issuer": "发文机关", "number": "文号", "date": "日期"}


def sources_section(codes: Iterable[str], title: str = "出处登记") -> None:
    """An expansion listing each cited source: title, 文号, issuer, date, where it is published,
    what it supports and which of these facts no source confirms."""
    entries = registry().entries(codes)
    if not entries:
        return
    with (
        ui.expansion(f"{title}（{len(entries)} 项）", icon="menu_book")
        .classes("w-full")
        .mark("sources")
    ):
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("citation", "文件"),
                    ("kind", "类别"),
                    ("issuer", "发文机关"),
                    ("date", "日期"),
                    ("published", "发布或见于"),
                    ("supports", "支持"),
                    ("caveat", "未确认的事实与说明"),
                )
            ],
            rows=[
                {
                    "code": e["code"],  # the row key; the page shows the title, not the code
                    "citation": e["citation"],
                    "kind": e["kind_label"],
                    "issuer": e["issuer"] or "未确认",
                    "date": e["date"] or "未确认",
                    "published": "；".join(e["published"]),
                    "supports": e["supports"],
                    "caveat": "；".join(
                        [
                            *(f"{FIELDS_ZH.get(f, f)}未经来源确认" for f in e["unconfirmed"]),
                            *([e["note"]] if e["note"] else []),
                        ]
                    ),
                }
                for e in entries
            ],
            row_key="code",
        ).classes("w-full").props("dense wrap-cells")
