"""Portfolio pages of 重点攻关 (Chinese): 项目布局 for the bureau (classification into the 指南 with
confirmation and correction, the flags of declared 方向 that disagree, the coverage heat map,
funding by 领域 and year, outcome totals, Excel export) and 项目成果 (the bureau and applicants
record and list outcomes; the unit's enterprise-registry link is shown)."""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.errors import UserError
from kechuang.core.formatting import fmt_figure
from kechuang.core.layout import demo_label, download_bytes, frame, stat_card
from kechuang.core.security import Principal
from kechuang.programs import APPLICANT
from kechuang.programs import portfolio as pf
from kechuang.programs import service as svc
from kechuang.programs.portfolio_models import OUTCOME_KINDS
from kechuang.programs.taxonomy import load_guide

ADMINS = ("city_admin",)


def _call(principal: Principal, fn, *args: Any, **kw: Any) -> Any:
    """Run a service call in its own transaction; a refused one shows its Chinese message."""
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            return fn(session, principal, *args, **kw)
    except UserError as exc:
        ui.notify(str(exc), type="negative", multi_line=True)
        return None


def disagreement_notice(principal: Principal, call_id: int) -> None:
    """A line for the review page: how many applications of the call are flagged as declaring a
    方向 that the classifier strongly disagrees with, with a link to check them."""
    rows = _call(principal, pf.list_classifications, call_id, True) or []
    if rows:
        with ui.row().classes("items-center gap-2").mark("r-disagree"):
            ui.icon("warning", color="warning")
            ui.label(
                f"{len(rows)} 项申报的申报方向与自动分类明显不符（{pf.DISAGREE_RULE}）："
                + "、".join(r["code"] for r in rows[:8])
                + ("……" if len(rows) > 8 else "")
            ).classes("text-warning")
            ui.link("到项目布局核对", "/programs/portfolio")


def _direction_options() -> dict[str, str]:
    guide = load_guide()
    return {d.code: guide.path(d.code) for d in guide.directions()}


@ui.page("/programs/portfolio")
def portfolio_page() -> None:
    """The bureau's portfolio: classification, coverage map, funding and outcomes by 领域."""
    with frame("项目布局", ADMINS) as principal:
        if principal is None:
            return
        this_year = date.today().year
        with ui.row().classes("items-end gap-2"):
            y_from = ui.number("开始年度", value=None, format="%d").classes("w-32").mark("p-from")
            y_to = ui.number("结束年度", value=None, format="%d").classes("w-32").mark("p-to")
            threshold = (
                ui.number("薄弱阈值（立项数少于）", value=pf.THRESHOLD_DEFAULT, min=1, format="%d")
                .classes("w-48")
                .mark("p-threshold")
            )
            ui.button("刷新", icon="refresh", on_click=lambda: body.refresh())

        def period() -> tuple[int | None, int | None, int]:
            f = int(y_from.value) if y_from.value else None
            t = int(y_to.value) if y_to.value else None
            return f, t, int(threshold.value or pf.THRESHOLD_DEFAULT)

        def classify() -> None:
            res = _call(principal, pf.classify_applications)
            if res:
                ui.notify(
                    f"已分类 {res['classified']} 项，疑似方向不符 {res['flagged']} 项；{res['model']}",
                    type="positive",
                    multi_line=True,
                )
            body.refresh()

        @ui.refreshable
        def body() -> None:
            f, t, th = period()
            cls = _call(principal, pf.list_classifications)
            cov = _call(principal, pf.coverage, f, t, th)
            fund = _call(principal, pf.funding_by_domain, f, t)
            outs = _call(principal, pf.outcomes_by_domain, f, t)
            if cls is None or cov is None or fund is None or outs is None:
                return
            ui.label("一、指南分类").classes("text-h6")
            ui.label(
                "按指南的方向、课题名称、说明和关键词及市科技局已确认的方向训练（TF-IDF + 逻辑回归），"
                "给出预测方向、概率和主要依据词；确认或更正后的方向作为下次训练的已标注历史。"
            ).classes("kc-muted")
            flagged = [r for r in cls if r["disagreement"]]
            with ui.row().classes("gap-4"):
                stat_card("已分类申报", str(len(cls)))
                stat_card("已确认/更正", str(sum(r["confirmed"] is not None for r in cls)))
                stat_card("疑似方向不符", str(len(flagged)), "暂行规则，未确认")
            ui.button("重新分类", icon="auto_fix_high", on_click=classify).mark("p-classify")
            columns = [
                {"name": "code", "label": "申报编号", "field": "code"},
                {"name": "title", "label": "项目名称", "field": "title", "align": "left"},
                {"name": "declared", "label": "申报方向", "field": "declared_name"},
                {"name": "predicted", "label": "预测方向", "field": "predicted_name"},
                {"name": "p", "label": "概率", "field": "p"},
                {"name": "why", "label": "依据", "field": "explanation", "align": "left"},
            ]
            for r in flagged:
                r["p"] = f"{r['confidence']:.0%}"
            ui.label(f"疑似申报方向不符（{pf.DISAGREE_RULE}）").classes("text-subtitle1")
            ui.table(columns=columns, rows=flagged, row_key="application_id").classes(
                "w-full"
            ).mark("p-flagged")
            if cls:
                with ui.row().classes("items-end gap-2"):
                    app = (
                        ui.select(
                            {r["application_id"]: f"{r['code']} {r['title'][:30]}" for r in cls},
                            label="申报",
                            with_input=True,
                        )
                        .classes("w-96")
                        .mark("p-app")
                    )
                    direction = (
                        ui.select(_direction_options(), label="确认的方向")
                        .classes("w-96")
                        .mark("p-direction")
                    )
                    note = ui.input("更正理由").classes("w-64").mark("p-note")

                    def confirm() -> None:
                        if not app.value or not direction.value:
                            ui.notify("请选择申报和方向", type="warning")
                            return
                        if _call(
                            principal, pf.confirm, app.value, direction.value, note.value or ""
                        ):
                            ui.notify("已确认（记入审计日志）", type="positive")
                            body.refresh()

                    ui.button("确认/更正", on_click=confirm).mark("p-confirm")

            ui.label("二、指南方向覆盖图").classes("text-h6")
            ui.label(cov["rule"]).classes("kc-muted")
            if cov["years"]:
                ui.echart(pf.coverage_heatmap(cov)).classes("w-full").style(
                    f"height: {max(320, 30 * len(load_guide().directions()) + 110)}px"
                ).mark("p-heatmap")
            cov_rows = [
                {
                    **{
                        k: r[k]
                        for k in ("code", "domain_name", "applications", "funded", "funding")
                    },
                    "name": ("　" if r["level"] == 2 else "") + r["name"],
                    "flag": r["flag"],
                }
                for r in cov["rows"]
            ]
            ui.table(
                columns=[
                    {"name": "domain", "label": "领域", "field": "domain_name"},
                    {"name": "name", "label": "方向 / 课题", "field": "name", "align": "left"},
                    {"name": "apps", "label": "申报数", "field": "applications"},
                    {"name": "funded", "label": "立项数", "field": "funded"},
                    {"name": "funding", "label": "立项经费（万元）", "field": "funding"},
                    {"name": "flag", "label": "标记", "field": "flag"},
                ],
                rows=cov_rows,
                row_key="code",
                pagination=20,
            ).classes("w-full").mark("p-coverage")

            ui.label("三、分领域分年度立项经费").classes("text-h6")
            if fund["years"]:
                ui.echart(pf.funding_chart(fund)).classes("w-full").style("height: 320px").mark(
                    "p-funding-chart"
                )
            fund_rows = [
                {
                    "name": r["name"],
                    "year": c["year"],
                    "funded": c["funded"],
                    "funding": c["funding"],
                }
                for r in fund["rows"]
                for c in r["years"]
            ]
            ui.table(
                columns=[
                    {"name": "name", "label": "领域", "field": "name", "align": "left"},
                    {"name": "year", "label": "年度", "field": "year"},
                    {"name": "funded", "label": "立项数", "field": "funded"},
                    {"name": "funding", "label": "立项经费（万元）", "field": "funding"},
                ],
                rows=fund_rows,
                row_key="name",
            ).classes("w-full").mark("p-funding")

            ui.label("四、分领域项目成果").classes("text-h6")
            ui.label(
                f"共 {outs['outcomes']} 条成果，其中 {outs['from_registered_units']} 条来自企业库已登记的单位。"
            ).classes("kc-muted")
            ui.table(
                columns=[{"name": "name", "label": "领域", "field": "name", "align": "left"}]
                + [
                    {"name": k["kind"], "label": f"{k['label']}（{k['unit']}）", "field": k["kind"]}
                    for k in outs["kinds"]
                ],
                rows=[
                    {
                        **r,
                        **{
                            k["kind"]: fmt_figure(r.get(k["kind"]), k["unit"], show_unit=False)
                            for k in outs["kinds"]
                        },
                    }
                    for r in outs["rows"]
                ],
                row_key="domain",
            ).classes("w-full").mark("p-outcomes")

            async def export() -> None:
                content = await run.io_bound(pf.portfolio_xlsx, cov, fund, outs, demo_label())
                download_bytes(content, f"项目布局_{this_year}.xlsx")

            ui.button("导出 Excel", icon="download", on_click=export).mark("p-export")

        body()


@ui.page("/programs/outcomes")
def outcomes_page() -> None:
    """Outcomes of funded projects: the bureau sees all, an applicant its own and may add them."""
    with frame("项目成果", ("city_admin", APPLICANT)) as principal:
        if principal is None:
            return

        def funded(session, p):
            return {
                a.id: f"{a.code} {a.title[:30]}"
                for a in svc.list_applications(session, p)
                if a.granted > 0
            }

        projects = _call(principal, funded) or {}
        if projects:
            with ui.row().classes("items-end gap-2"):
                app = (
                    ui.select(projects, label="已立项项目", with_input=True)
                    .classes("w-96")
                    .mark("o-app")
                )
                kind = (
                    ui.select(
                        {k: f"{lab}（{u}）" for k, (lab, u) in OUTCOME_KINDS.items()},
                        label="成果类型",
                    )
                    .classes("w-40")
                    .mark("o-kind")
                )
                qty = ui.number("数量或金额", min=0).classes("w-32").mark("o-qty")
                year = (
                    ui.number("年份", value=date.today().year, format="%d")
                    .classes("w-28")
                    .mark("o-year")
                )
                evidence = ui.input("佐证材料").classes("w-64").mark("o-evidence")

                def add() -> None:
                    if not app.value or not kind.value or not qty.value or not year.value:
                        ui.notify("请填写项目、成果类型、数量和年份", type="warning")
                        return
                    data = {
                        "kind": kind.value,
                        "quantity": float(qty.value),
                        "year": int(year.value),
                        "evidence": evidence.value or "",
                    }
                    if _call(principal, pf.add_outcome, app.value, data):
                        ui.notify("已登记", type="positive")
                        table.refresh()

                ui.button("登记成果", on_click=add).mark("o-add")
        else:
            ui.label("暂无已立项项目").classes("kc-muted")

        @ui.refreshable
        def table() -> None:
            rows = _call(principal, pf.list_outcomes) or []
            for r in rows:
                r["amount"] = f"{r['quantity']:g} {r['unit']}"
            t = (
                ui.table(
                    columns=[
                        {"name": "code", "label": "项目编号", "field": "application_code"},
                        {"name": "title", "label": "项目名称", "field": "title", "align": "left"},
                        {"name": "kind", "label": "成果类型", "field": "kind_label"},
                        {"name": "amount", "label": "数量/金额", "field": "amount"},
                        {"name": "year", "label": "年份", "field": "year"},
                        {
                            "name": "unit",
                            "label": "承担单位",
                            "field": "unit_name",
                            "align": "left",
                        },
                        {"name": "registry", "label": "企业库", "field": "registry"},
                        {"name": "evidence", "label": "佐证", "field": "evidence", "align": "left"},
                    ],
                    rows=rows,
                    row_key="id",
                    pagination=20,
                )
                .classes("w-full")
                .mark("o-table")
            )
            if principal.is_city_admin:
                # the unit's registry page, for units that are registered enterprises
                t.add_slot(
                    "body-cell-registry",
                    '<q-td :props="props"><a v-if="props.row.enterprise_id" '
                    ":href=\"'/enterprises/' + props.row.enterprise_id\">{{ props.row.registry }}</a>"
                    "<span v-else>{{ props.row.registry }}</span></q-td>",
                )

        table()
