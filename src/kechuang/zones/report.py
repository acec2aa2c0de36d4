"""Excel and Word output of rankings, benchmarks, targets and specialisation (already scoped)."""

from __future__ import annotations

from typing import Any

from kechuang.core.excel import rows_sheet, write_sheets
from kechuang.core.formatting import fmt_figure, fmt_money
from kechuang.zones.frameworks import NORMALISATIONS, WINDOWS, ZoneFramework

DEMO_NOTE = "演示数据：本文件中的数字由演示数据生成，示例高新区A–H为虚构单位。"


_sheet = rows_sheet  # (key, header, kind) columns; see core.excel.rows_sheet


def framework_sheet(fw: ZoneFramework):
    """The framework's rows with confirmed / reconstructed status and data source."""
    return _sheet(
        "评价框架",
        fw.rows_table(),
        [
            ("dimension", "维度代码", "text"),
            ("dimension_name", "一级指标", "text"),
            ("dimension_weight", "维度权重", "decimal"),
            ("dimension_status", "维度来源", "text"),
            ("row", "序号", "text"),
            ("name", "二级指标", "text"),
            ("weight", "赋权", "decimal"),
            ("weight_status", "赋权来源", "text"),
            ("status_label", "指标来源", "text"),
            ("source", "出处", "text"),
            ("data_source", "数据来源", "text"),
            ("unit", "单位", "text"),
            ("note", "说明", "text"),
        ],
    )


def _notes(
    fw: ZoneFramework, options: dict[str, Any], demo: bool, extra: list[str] = ()
) -> list[str]:
    lines = [
        f"评价框架：{fw.name}（版本 {fw.version}）",
        f"文件依据：{fw.document}",
        f"计分方法说明：{fw.method_note}",
        f"归一化：{NORMALISATIONS.get(options.get('normalise'), options.get('normalise'))}；"
        f"{WINDOWS.get(options.get('window'), '')}；异常值处理：{'是' if options.get('treat') else '否'}",
        "“已确认”行读自官方文件；“重构”行来自第三方重构，措辞与赋权未经核实。",
        "表现分组参照 EIS 2024：相对对标组平均分（=100）>125 领先型，100–125 强劲型，70–100 中等型，<70 追赶型。",
        *extra,
    ]
    if demo:
        lines.insert(0, DEMO_NOTE)
    return lines


def ranking_xlsx(
    fw: ZoneFramework,
    options: dict[str, Any],
    year: int,
    table: list[dict[str, Any]],
    values: list[dict[str, Any]],
    demo: bool = False,
    run_note: str = "",
) -> bytes:
    """The ranking (scores, dimension ranks, bands, movement), indicator values and framework."""
    rows = []
    for r in table:
        row = {
            "rank": r["rank"],
            "name": r["name"],
            "score": r["score"],
            "relative": r["relative"],
            "group": r["group_label"],
            "previous_rank": r["previous_rank"],
            "movement": r["movement"],
            "q05": (r["band"] or {}).get("q05"),
            "q95": (r["band"] or {}).get("q95"),
        }
        for d in fw.dimensions:
            row[f"{d.code}_score"] = r["dimensions"][d.code]["score"]
            row[f"{d.code}_rank"] = r["dimensions"][d.code]["rank"]
        rows.append(row)
    cols = [
        ("rank", "名次", "int"),
        ("name", "高新区", "text"),
        ("score", "总分", "decimal"),
        ("relative", "相对得分(平均=100)", "decimal"),
        ("group", "表现分组", "text"),
        ("previous_rank", "上年名次", "int"),
        ("movement", "进位(+)/退位(-)", "int"),
        ("q05", "名次区间下限(5%)", "decimal"),
        ("q95", "名次区间上限(95%)", "decimal"),
    ]
    for d in fw.dimensions:
        cols += [
            (f"{d.code}_score", f"{d.name}得分", "decimal"),
            (f"{d.code}_rank", f"{d.name}名次", "int"),
        ]
    names = {r["unit"]: r["name"] for r in table}
    vals = [{**v, "zone": names.get(v["unit"], v["unit"])} for v in values]
    sheets = [
        _sheet(f"{year}年排名", rows, cols),
        _sheet(
            "指标值",
            vals,
            [
                ("zone", "高新区", "text"),
                ("indicator", "指标代码", "text"),
                ("name", "指标", "text"),
                ("unit_label", "单位", "text"),
                ("raw", "原始值", "decimal"),
                ("normalised", "标准化得分", "decimal"),
                ("rank", "指标名次", "int"),
            ],
        ),
        framework_sheet(fw),
    ]
    return write_sheets(
        sheets,
        _notes(fw, options, demo, [run_note] if run_note else []),
        title=f"高新区综合评价排名（{fw.name}）",
        scope="全市高新区",
        year=year,
        demo=demo,
        sources=_fw_sources(fw),
        methodology_version=fw.version,
    )


def _gap_rows(bm: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in bm["gaps"]["rows"]:
        t = r["translated"] or {}
        out.append(
            {
                **r,
                "amount": t.get("amount"),
                "amount_what": t.get("what"),
                "amount_unit": t.get("unit"),
            }
        )
    return out


GAP_COLUMNS = [
    ("dimension", "维度", "text"),
    ("name", "指标", "text"),
    ("unit_label", "单位", "text"),
    ("unit_raw", "本区原始值", "decimal"),
    ("benchmark_raw", "对标值", "decimal"),
    ("raw_gap", "原始差距", "decimal"),
    ("points", "得分差距(分)", "decimal"),
    ("amount", "折算量", "decimal"),
    ("amount_what", "折算项目", "text"),
    ("amount_unit", "折算单位", "text"),
    ("advice", "解读", "text"),
]


def benchmark_xlsx(bm: dict[str, Any], demo: bool = False) -> bytes:
    """The gap table, strengths and weaknesses and the framework of a benchmark analysis."""
    fw, g = bm["framework"], bm["gaps"]
    sw = [
        {**s, "kind_label": "优势" if s["kind"] == "strength" else "短板"} for s in bm["strengths"]
    ]
    extra = [
        f"{bm['year']}年 {g['unit_name']} 对标 {g['benchmark_name']}：总分 {_num(g['unit_score'])} 对 "
        f"{_num(g['benchmark_score'])}，差距 {_num(g['score_gap'])} 分（各指标得分差距之和）。"
    ]
    return write_sheets(
        [
            _sheet("差距分解", _gap_rows(bm), GAP_COLUMNS),
            _sheet(
                "优势与短板",
                sw,
                [
                    ("kind_label", "类型", "text"),
                    ("dimension", "维度", "text"),
                    ("name", "指标", "text"),
                    ("rank", "在对标组中的名次", "int"),
                    ("raw_value", "原始值", "decimal"),
                ],
            ),
            framework_sheet(fw),
        ],
        _notes(fw, bm["evaluation"].options, demo, extra),
        title=f"对标找差：{g['unit_name']} 对标 {g['benchmark_name']}",
        scope=g["unit_name"],
        year=bm["year"],
        demo=demo,
        sources=_fw_sources(fw),
        methodology_version=fw.version,
    )


GAP_CHART_MAX = 15  # indicators on the gap chart; the table lists them all
DOCX_GAP_HEADERS = ("指标", "单位", "本区值", "对标值", "得分差距（分）", "解读")
DOCX_GAP_WIDTHS = (3.0, 1.5, 1.9, 1.9, 1.7, 5.8)  # the 解读 column wraps within 5.8 cm
DOCX_DIMENSION_HEADERS = ("维度", "本区得分（分）", "对标得分（分）", "差距（分）")


def _scope_text(bm: dict[str, Any]) -> str:
    """The peer group in words: how many zones of this city and elsewhere were compared."""
    units = bm["evaluation"].units
    city = sum(1 for u in units if u["is_city"])
    return f"对标组 {len(units)} 个高新区（本市 {city} 个，外地 {len(units) - city} 个）"


def benchmark_charts(bm: dict[str, Any], font: Any = True) -> list[Any]:
    """The report's charts: a radar of dimension scores (bars when under three dimensions) and
    the gap per indicator in points, largest first (core.chart_images images with captions)."""
    from kechuang.core.chart_images import bar_chart, radar_chart

    g, r = bm["gaps"], bm["radar"]
    dims = [d["name"] for d in r["dimensions"]]
    series = [(g["unit_name"], r["unit"])]
    if any(v is not None for v in r["benchmark"]):
        series.append((g["benchmark_name"], r["benchmark"]))
    title = f"{bm['year']}年各维度得分"
    charts = [
        radar_chart(title, dims, series, unit="分", font=font)
        if len(dims) >= 3
        else bar_chart(title, dims, series, unit="分", font=font, digits=1)
    ]
    # indicators without a gap say nothing on a chart (the table lists them)
    rows = [x for x in g["rows"] if x["points"]]
    if g["score_gap"] is not None and rows:
        rows = sorted(rows, key=lambda x: -abs(x["points"]))[:GAP_CHART_MAX]
        rows.sort(key=lambda x: -x["points"])
        shown = "" if len(rows) == len(g["rows"]) else f"（差距最大的 {len(rows)} 项）"
        charts.append(
            bar_chart(
                f"各指标得分差距{shown}：正数表示落后于{g['benchmark_name']}",
                [x["name"] for x in rows],
                [("得分差距", [x["points"] for x in rows])],
                unit="分",
                font=font,
                horizontal=True,
                size=(8.0, max(2.4, 0.34 * len(rows) + 1.2)),
            )
        )
    return charts


def benchmark_docx(bm: dict[str, Any], demo: bool = False, font: Any = True) -> bytes:
    """A Word report of a benchmark analysis (对标找差报告), built with core.docx_report: a cover
    (scope, year, data date, 演示数据 mark), the radar and gap charts, tables with units."""
    from datetime import date

    from kechuang.core.docx_report import DEMO_MARK, DocxReport

    fw, g, row = bm["framework"], bm["gaps"], bm["row"] or {}
    rep = DocxReport(demo_mark=DEMO_MARK if demo else None)
    data_date = bm.get("data_date")
    rep.cover(
        f"{g['unit_name']} {bm['year']}年 对标找差报告",
        f"对标对象：{g['benchmark_name']}",
        [
            f"评价范围：{_scope_text(bm)}",
            f"评价年度：{bm['year']}年",
            f"数据日期：{data_date.isoformat() if data_date else '—'}",
            f"评价框架：{fw.name}（版本 {fw.version}）",
            f"生成日期：{date.today().isoformat()}",
        ],
    )
    if demo:
        rep.paragraph(DEMO_NOTE)
    rep.paragraph(
        f"对标对象：{g['benchmark_name']}。评价框架：{fw.name}（版本 {fw.version}），"
        f"依据 {fw.document}。"
    )
    rep.heading("一、总体情况", 1)
    band = row.get("band") or {}
    text = (
        f"{g['unit_name']}总分 {_num(g['unit_score'])}，在对标组中列第 {row.get('rank')} 名"
        + (
            f"（不确定性分析的名次区间为 {band.get('q05'):.0f}–{band.get('q95'):.0f}）"
            if band
            else ""
        )
        + (f"，表现分组为{row.get('group_label')}" if row.get("group_label") else "")
        + f"。{g['benchmark_name']}总分 {_num(g['benchmark_score'])}，差距 {_num(g['score_gap'])} 分。"
    )
    if row.get("movement") is not None:
        m = row["movement"]
        text += f"与上年相比{'进位' if m > 0 else '退位' if m < 0 else '名次不变'}{'' if m == 0 else f' {abs(m)} 位'}。"
    rep.paragraph(text)
    charts = benchmark_charts(bm, font)
    r = bm["radar"]
    rep.table(
        DOCX_DIMENSION_HEADERS,
        [
            (
                d["name"],
                _score(u),
                _score(b),
                None if u is None or b is None else f"{b - u:.2f}",
            )
            for d, u, b in zip(r["dimensions"], r["unit"], r["benchmark"], strict=True)
        ],
        caption="各维度得分",
        widths_cm=(6.4, 3.1, 3.1, 3.2),
    )
    rep.image(charts[0].png, charts[0].caption)
    rep.heading("二、差距分解（按得分差距从大到小）", 1)
    if len(charts) > 1:
        rep.image(charts[1].png, charts[1].caption)
    rep.table(
        DOCX_GAP_HEADERS,
        [
            (
                x["name"],
                x["unit_label"],
                None
                if x["unit_raw"] is None
                else fmt_figure(x["unit_raw"], x["unit_label"], show_unit=False),
                None
                if x["benchmark_raw"] is None
                else fmt_figure(x["benchmark_raw"], x["unit_label"], show_unit=False),
                f"{x['points']:.2f}",
                x["advice"],
            )
            for x in g["rows"]
        ],
        caption="各指标差距（本区值、对标值按“单位”列计）",
        widths_cm=DOCX_GAP_WIDTHS,
    )
    rep.paragraph(f"各指标得分差距之和等于总分差距 {_num(g['score_gap'])} 分。")
    rep.heading("三、优势与短板", 1)
    for kind, label in (("strength", "优势"), ("weakness", "短板")):
        items = [s for s in bm["strengths"] if s["kind"] == kind]
        rep.paragraph(f"{label}：" + "；".join(f"{s['name']}（第 {s['rank']} 名）" for s in items))
    rep.heading("四、方法说明", 1)
    rep.bullets(_notes(fw, bm["evaluation"].options, False))
    return rep.to_bytes()


def _score(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def targets_xlsx(tracks: list[dict[str, Any]], demo: bool = False) -> bytes:
    """Each target's yearly actual, required path and projection band, and zones' parts of the gap."""
    sheets, notes = [], [DEMO_NOTE] if demo else []
    for t in tracks:
        tr = t["tracker"]
        if tr is None:
            notes.append(f"{t['name']}：{t['withheld']}")
            continue
        years = sorted(set(tr["required_path"]) | set(tr["actual"]) | set(tr["projection"]))
        rows = [
            {
                "year": y,
                "actual": tr["actual"].get(y),
                "required": tr["required_path"].get(y),
                "central": (tr["projection"].get(y) or {}).get("central"),
                "low": (tr["projection"].get(y) or {}).get("low"),
                "high": (tr["projection"].get(y) or {}).get("high"),
            }
            for y in years
        ]
        sheets.append(
            _sheet(
                f"{t['name']}"[:28],
                rows,
                [
                    ("year", "年度", "year"),
                    ("actual", f"实际({t['unit']})", "decimal"),
                    ("required", f"要求路径({t['unit']})", "decimal"),
                    ("central", f"预测中值({t['unit']})", "decimal"),
                    ("low", f"预测下限({t['unit']})", "decimal"),
                    ("high", f"预测上限({t['unit']})", "decimal"),
                ],
            )
        )
        sheets.append(
            _sheet(
                "分区贡献"[:28],
                t["zones"],
                [
                    ("zone", "高新区", "text"),
                    ("latest_value", f"{tr['latest_year']}年实际({t['unit']})", "decimal"),
                    ("share", "占比", "share"),
                    ("actual_cagr", "年均增速", "share"),
                    ("required_increase", f"需新增(按比例分担缺口，{t['unit']})", "decimal"),
                    ("share_of_gap", "分担缺口比例", "share"),
                    ("projected_value", f"{tr['target_year']}年预测({t['unit']})", "decimal"),
                    ("projected_increase", f"预测新增({t['unit']})", "decimal"),
                    ("shortfall", f"预测缺口({t['unit']})", "decimal"),
                ],
            )
        )
        notes += [
            f"{t['name']}：基期 {tr['baseline_year']} 年 {fmt_money(tr['baseline_value'])}，目标 "
            f"{tr['target_year']} 年 {fmt_money(tr['target_value'])}；{tr['latest_year']} 年实际 "
            f"{fmt_money(tr['latest_value'])}；要求年均增速 {tr['required_cagr']:.2%}，实际 "
            + (f"{tr['actual_cagr']:.2%}" if tr["actual_cagr"] is not None else "—")
            + f"；状态：{tr['status_label']}。来源：{t['source']}",
            "预测：对数营业收入的带漂移随机游走，漂移取基期以来年均对数增长，区间 ±t·s·√(h+h²/n)。",
        ]
    years = sorted({t["tracker"]["latest_year"] for t in tracks if t["tracker"]})
    return write_sheets(
        sheets,
        notes,
        title="高新区营收目标跟踪",
        scope="全市高新区",
        year=years[-1] if years else None,
        demo=demo,
        sources=[t["source"] for t in tracks if t.get("source")],
    )


def specialisation_xlsx(res: dict[str, Any], demo: bool = False) -> bytes:
    """Zone shares and HHI, zone × industry cells with LQ, similarity pairs and flags."""
    zones = [
        {**z, "declared_names": "、".join(d["name"] for d in z["declared"])} for z in res["zones"]
    ]
    flags = [
        {**f, "industries_text": "、".join(i["name"] for i in f["industries"])}
        for f in res["flags"]
    ]
    return write_sheets(
        [
            _sheet(
                "高新区",
                zones,
                [
                    ("zone", "高新区", "text"),
                    ("revenue", "营业收入(万元)", "decimal"),
                    ("declared_names", "一区一战略产业", "text"),
                    ("declared_share", "战略产业营收占比", "share"),
                    ("strategic_share", "全部战略产业营收占比", "share"),
                    ("hhi", "战略产业集中度HHI", "decimal"),
                ],
            ),
            _sheet(
                "产业分布",
                res["cells"],
                [
                    ("zone", "高新区", "text"),
                    ("industry_name", "产业", "text"),
                    ("role", "定位", "text"),
                    ("revenue", "营业收入(万元)", "decimal"),
                    ("share", "占本区营收比例", "share"),
                    ("lq", "区位商LQ", "decimal"),
                ],
            ),
            _sheet(
                "相似度",
                res["similarity"],
                [
                    ("zone_a", "高新区甲", "text"),
                    ("zone_b", "高新区乙", "text"),
                    ("similarity", "产业结构相似度", "decimal"),
                ],
            ),
            _sheet(
                "同质化提示",
                flags,
                [
                    ("zone_a", "高新区甲", "text"),
                    ("zone_b", "高新区乙", "text"),
                    ("similarity", "相似度", "decimal"),
                    ("industries_text", "重叠的新兴产业", "text"),
                ],
            ),
        ],
        ([DEMO_NOTE] if demo else [])
        + [
            f"{res['year']}年。区位商 LQ =（本区该产业营收/本区营收）÷（全市该产业营收/全市营收）。",
            "HHI 为本区各战略产业营收在战略产业营收中份额的平方和（1/k 至 1）。",
            f"同质化提示：产业结构余弦相似度 ≥ {res.get('threshold')}，且在同一新兴产业上两区均 LQ ≥ 1 或均列为战略产业。",
        ],
        title="一区一战略产业：产业分布与同质化",
        scope="全市高新区",
        year=res["year"],
        demo=demo,
    )


def _fw_sources(fw: ZoneFramework) -> list[str]:
    """The registry codes the framework cites (its document when it cites none)."""
    return fw.source_codes() or [fw.document]


def _num(value: float | None) -> str:
    """A score with two decimals, or the withheld note when there is none."""
    return "—（同类高新区不足3个，不显示）" if value is None else f"{value:.2f}"
