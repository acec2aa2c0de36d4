"""使用说明 pages: the index of every module's help (/help) and one module's help (/help/{module}).

The texts are the domains' own markdown files, declared in their manifests (`Domain.help`); this
page only lists and renders them, so a new domain's help appears here with no edit in core.
"""

from __future__ import annotations

from nicegui import ui

from kechuang.core.domain import HELP, help_topics
from kechuang.core.layout import frame


@ui.page("/help")
def help_index() -> None:
    """The index of every module's 使用说明."""
    with frame("使用说明") as principal:
        if principal is None:
            return
        ui.label("各模块的计算内容、数据来源和读图方法。点击模块名称查看详细说明。").classes(
            "kc-muted"
        )
        with ui.column().classes("gap-3 max-w-4xl"):
            for topic in help_topics():
                with ui.column().classes("gap-0"):
                    ui.link(topic.label, f"/help/{topic.name}").classes("text-body1").mark(
                        f"help-{topic.name}"
                    )
                    ui.label(topic.summary()).classes("kc-muted")


@ui.page("/help/{module}")
def help_page(module: str) -> None:
    """One module's 使用说明, or a clear notice when there is no such module."""
    topic = HELP.get(module)
    with frame(f"使用说明 · {topic.label}" if topic else "使用说明") as principal:
        if principal is None:
            return
        ui.link("← 返回使用说明目录", "/help")
        if topic is None:
            # the address was typed or is out of date: say so in words, not a bare 404
            ui.label("未找到该模块的使用说明（404）：请从目录中选择模块。").classes(
                "text-h6 text-negative"
            ).mark("help-missing")
            return
        ui.markdown(topic.text()).classes("w-full max-w-4xl").mark("help-text")
