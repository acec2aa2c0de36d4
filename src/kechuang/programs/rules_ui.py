"""Page pieces that show where a 重点攻关 rule comes from: the confirmation level as a badge and,
for the rules the Yangzhou texts do not confirm, 暂行 with the source (methodology layer)."""

from __future__ import annotations

from nicegui import ui

from kechuang.core.methodology import CONFIRMATION_COLORS, Source
from kechuang.programs import methodology as pm


def source_badge(source: Source | None, marker: str = "") -> None:
    """The confirmation level as a badge with the source's title and article beside it."""
    if source is None:
        return
    with ui.row().classes("items-center gap-2"):
        ui.badge(source.label, color=CONFIRMATION_COLORS.get(source.confirmation, "orange"))
        label = ui.label(f"出处：{source.text}").classes("text-caption")
        if marker:
            label.mark(marker)


def rule_caption(code: str) -> None:
    """One provisional rule: 暂行 badge, what it says, that Yangzhou has not confirmed it, source."""
    r = pm.rule(code)
    with ui.row().classes("items-center gap-2 no-wrap"):
        ui.badge(r.source.label, color=CONFIRMATION_COLORS.get(r.source.confirmation, "orange"))
        note = "未经扬州市文件确认" if r.provisional else "已见于来源文本"
        ui.label(f"{r.label}：{r.text}（{note}；出处：{r.source.text}）").classes(
            "text-caption"
        ).mark(f"prov-{code}")
