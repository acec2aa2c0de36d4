"""Pages of the carriers chain: 载体链条与孵化 (summary, Sankey of 研究院→孵化器→产业园, chain
metrics per zone and carrier, carriers, incubations, relocations, attributions with the counting
rule, the provisional graduation criteria), 技术合同与成果转化, and an enterprise's own record."""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import ui

from kechuang.carriers import BUREAU_ROLES
from kechuang.carriers import service as svc
from kechuang.carriers.charts import sankey_chart, transfer_chart
from kechuang.carriers.methodology import current_chain
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_money, fmt_pct
from kechuang.core.layout import frame, stat_card
from kechuang.core.methodology import version_label
from kechuang.core.security import Principal


def _years() -> list[int]:
    last = date.today().year - 1
    return list(range(last, last - 10, -1))


def _read(principal: Principal, fn, *args: Any) -> Any:
    with session_scope() as session:
        bind_principal(session, principal)
        return fn(session, principal, *args)


def _pct(v: float | None) -> str:
    return "—" if v is None else fmt_pct(v * 100)


def _num(v: float | None, digits: int = 0) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]], mark: str) -> None:
    cols = [{"name": k, "label": label, "field": k, "align": "left", "sortable": True}
            for k, label in columns]  # fmt: skip
    keyed = [{**r, "_key": i} for i, r in enumerate(rows)]  # names repeat: key rows by position
    ui.table(columns=cols, rows=keyed, row_key="_key", pagination=20).classes("w-full").props(
        "dense flat bordered"
    ).mark(mark)


def _metric_rows(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [
        {
            key: m[key],
            "graduates": m["graduates"],
            "entered": m["entered"],
            "in_incubation": m["in_incubation"],
            "median": _num(m["median_days_to_graduation"]),
            "s1": f"{_pct(m['survival_1y'])}（{m['survival_1y_cohort']}家）",
            "s3": f"{_pct(m['survival_3y'])}（{m['survival_3y_cohort']}家）",
            "growth": _pct(m["revenue_growth_median"]),
            "inside": f"{_pct(m['share_inside_city'])}（{m['relocated_inside_city']}/{m['relocated']}）",
        }
        for m in items
    ]


METRIC_COLUMNS = [
    ("graduates", "毕业"),
    ("entered", "新入孵"),
    ("in_incubation", "年末在孵"),
    ("median", "毕业用时中位数（天）"),
    ("s1", "毕业1年存活"),
    ("s3", "毕业3年存活"),
    ("growth", "毕业次年营收增长（中位数）"),
    ("inside", "落地市内占比"),
]


@ui.page("/carriers/chain")
def chain_page(year: int | None = None) -> None:
    """The chain for the bureau (city) or a zone admin (her zone)."""
    with frame("载体链条与孵化", BUREAU_ROLES) as principal:
        if principal is None:
            return
        y = year if year in _years() else _years()[0]
        ui.select(_years(), value=y, label="年度",
                  on_change=lambda e: ui.navigate.to(f"/carriers/chain?year={e.value}")).classes("w-40")  # fmt: skip
        s = _read(principal, svc.chain_summary, y)
        m = _read(principal, svc.chain_metrics, y)
        flow = _read(principal, svc.chain_flow)
        with ui.row().classes("gap-4").mark("chain-summary"):
            stat_card("创新载体", f"{s['carriers_total']} 家")
            stat_card("年末在孵", f"{s['in_incubation']} 家")
            stat_card(
                f"{y}年毕业",
                f"{s['graduates']} 家",
                f"用时中位数 {_num(s['median_days_to_graduation'])} 天",
            )
            stat_card(
                f"{y}年落地",
                f"{s['relocations']} 家",
                f"其中市内 {s['relocations_inside_city']} 家",
            )
            stat_card(
                f"{y}年技术合同", f"{s['contracts_count']} 项", fmt_money(s["contracts_amount"])
            )
        ui.label("研究院 → 孵化器 → 产业园 流向（在孵经历数）").classes("text-h6")
        if flow["links"]:
            ui.echart(sankey_chart(flow)).classes("w-full").style("height: 420px").mark("sankey")
        else:
            ui.label("暂无在孵记录").classes("kc-muted")
        ui.label("链条指标（按载体所在高新区）").classes("text-h6")
        ui.label(m["rule"]).classes("kc-muted text-caption")
        _table(
            [("zone", "高新区"), *METRIC_COLUMNS], _metric_rows(m["zones"], "zone"), "zone-metrics"
        )
        _table(
            [("carrier", "载体"), *METRIC_COLUMNS],
            _metric_rows(m["carriers"], "carrier"),
            "carrier-metrics",
        )
        ui.label("创新载体").classes("text-h6")
        _table(
            [("name", "名称"), ("kind_label", "类型"), ("level", "级别"), ("zone", "高新区"),
             ("park", "园区"), ("operator_name", "运营主体"), ("operator_kind_label", "运营主体类型"),
             ("in_incubation", "在孵")],
            _read(principal, svc.list_carriers),
            "carriers",
        )  # fmt: skip
        ui.label("在孵与毕业记录").classes("text-h6")
        _table(
            [("enterprise", "企业"), ("carrier", "载体"), ("origin", "来源研究院"), ("entered_on", "入孵"),
             ("ended_on", "毕业/离开"), ("outcome_label", "状态"), ("reason_label", "原因")],
            _read(principal, svc.list_incubations),
            "incubations",
        )  # fmt: skip
        ui.label("毕业企业落地").classes("text-h6")
        _table(
            [("enterprise", "企业"), ("moved_on", "落地日期"), ("destination", "去向")],
            [{**r, "destination": ("市内 · " if r["inside_city"] else "市外 · ") + r["destination"]}
             for r in _read(principal, svc.list_relocations)],
            "relocations",
        )  # fmt: skip
        ui.label("飞地经济 / 异地孵化 / 结对共建").classes("text-h6")
        ui.label("统计归属规则：" + svc.ATTRIBUTION_RULE).classes("text-body2").mark(
            "attribution-rule"
        )
        _table(
            [("enterprise", "企业"), ("arrangement_label", "安排"), ("incubated_in", "孵化/所在地"),
             ("registered_zone", "注册高新区"), ("counted_zone", "计入高新区"), ("valid_from", "起始"),
             ("valid_to", "终止")],
            _read(principal, svc.list_attributions),
            "attributions",
        )  # fmt: skip
        _criteria()
        ui.label(
            "载体、在孵记录、落地、归属安排与技术合同通过“数据导入”页按模板导入（全有或全无）。"
        ).classes("kc-muted text-caption")


def _criteria() -> None:
    """The provisional graduation criteria with their sources and confirmation levels."""
    c = current_chain()
    ui.label(f"孵化器毕业条件（{c.name} {version_label(c.version)}）").classes("text-h6")
    ui.label(
        "国家及江苏省孵化器管理办法的毕业条件原文未收入本平台资料：以下为暂行口径，未确认，"
        "取得正式文本后由市科技局替换。"
    ).classes("text-negative text-body2").mark("criteria-provisional")
    rows = [
        {"item": f"期限：{c.max_months} 个月", "kind": "上限",
         "source": c.max_months_source.text if c.max_months_source else "",
         "level": c.max_months_source.label if c.max_months_source else ""}
    ]  # fmt: skip
    for group, label in ((c.criteria_all, "须全部满足"), (c.criteria_any, "至少满足一项")):
        for cr in group:
            rows.append({"item": cr.name, "kind": label,
                         "source": cr.source.text if cr.source else "",
                         "level": cr.source.label if cr.source else ""})  # fmt: skip
    _table(
        [("item", "条件"), ("kind", "要求"), ("source", "出处"), ("level", "确认程度")],
        rows,
        "criteria",
    )


@ui.page("/carriers/contracts")
def contracts_page(year: int | None = None) -> None:
    """成果转移转化: technology contracts sold and bought per zone, and the contract list."""
    with frame("技术合同与成果转化", BUREAU_ROLES) as principal:
        if principal is None:
            return
        y = year if year in _years() else _years()[0]
        ui.select(_years(), value=y, label="登记年度",
                  on_change=lambda e: ui.navigate.to(f"/carriers/contracts?year={e.value}")).classes("w-40")  # fmt: skip
        t = _read(principal, svc.transfer_indicators, y)
        with ui.row().classes("gap-4"):
            stat_card("技术合同", f"{int(t['total']['count'])} 项")
            stat_card("成交金额", fmt_money(t["total"]["amount"]))
        ui.label("卖方计入成果输出、买方计入成果吸纳，按企业的统计归属高新区汇总。").classes(
            "kc-muted text-caption"
        )
        ui.echart(transfer_chart(t)).classes("w-full").style("height: 320px").mark("transfer")
        _table(
            [("zone", "高新区"), ("sold_count", "输出合同"), ("sold_amount", "输出金额（万元）"),
             ("bought_count", "吸纳合同"), ("bought_amount", "吸纳金额（万元）")],
            [{**z, "sold_amount": round(z["sold_amount"], 2), "bought_amount": round(z["bought_amount"], 2)}
             for z in t["zones"]],
            "transfer-zones",
        )  # fmt: skip
        _table(
            [("contract_no", "登记编号"), ("kind_label", "类型"), ("amount", "金额（万元）"),
             ("seller_name", "卖方"), ("buyer_name", "买方"), ("registered_year", "年度")],
            _read(principal, svc.list_contracts, y),
            "contracts",
        )  # fmt: skip


@ui.page("/carriers/mine")
def my_incubation_page() -> None:
    """An enterprise user's own incubation records and the graduation criteria."""
    # the bureau may open every page: it sees the records in its scope here, without the checks
    with frame("我的孵化记录", ("enterprise_user", "city_admin")) as principal:
        if principal is None:
            return
        rows = _read(principal, svc.my_incubations)
        if not rows:
            ui.label("暂无在孵记录。").classes("kc-muted")
        else:
            _table(
                [("carrier", "载体"), ("entered_on", "入孵"), ("ended_on", "毕业/离开"),
                 ("outcome_label", "状态"), ("reason_label", "原因")],
                rows,
                "my-incubations",
            )  # fmt: skip
        for r in rows:
            if r["outcome"] is not None or principal.role != "enterprise_user":
                continue
            check = _read(principal, svc.get_incubation, r["id"])["criteria"]
            ui.label(
                f"在孵于{r['carrier']}：已 {check['months']} 个月；对照毕业条件（{check['note']}）"
            ).classes("text-body2")
            _table(
                [("name", "条件"), ("value", "数值"), ("met", "是否满足")],
                [{**i, "value": _num(i["value"], 2), "met": "满足" if i["met"] else "未满足"}
                 for i in check["items"]],
                f"check-{r['id']}",
            )  # fmt: skip
        _criteria()
