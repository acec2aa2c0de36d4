"""The annual implementation report read back from the .docx: table cells equal the status rows,
every chart is an image whose caption states the plotted figures, tasks completed / overdue
and the progress reports' problems and next steps are there, and the 期末评估 appears only from
the period's last year on. Runs with and without a CJK font for the charts."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

import pytest
from docx import Document

from kechuang.plan.report import (
    FINAL_HEADERS,
    TARGET_HEADERS,
    Period,
    build_report,
    progress,
    target_cells,
)


@dataclass
class T:
    """A target status row as kechuang.plan.status returns it (the fields the report reads)."""

    code: str
    title: str
    section: str
    section_title: str
    unit: str
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None
    value: float | None
    value_year: int | None
    status: str
    status_label: str
    kind: str = "quantitative"


@dataclass
class K:
    """A task row."""

    section: str
    action: str
    title: str
    lead_unit: str
    due_on: date | None
    state: str
    overdue: bool = False
    at_risk: bool = False
    problems: str = ""
    next_steps: str = ""
    units: list[str] = field(default_factory=list)


PERIOD = Period("P2025", "示例市科技创新三年行动计划", 2023, 2025)
TARGETS = [
    T("T1", "高新区营业收入", "一", "高新区争先进位", "亿元", 2022, 1000.0, 2025, 3000.0,
      2650.0, 2025, "at_risk", "有风险"),
    T("T2", "高新技术企业数", "一", "高新区争先进位", "家", 2022, 800.0, 2025, 1200.0,
      1300.0, 2025, "achieved", "已完成"),
    T("T3", "科技特派员服务天数", "二", "科技惠民", "天", None, None, 2025, 2000.0,
      500.0, 2024, "off_track", "滞后"),
    T("T4", "建成概念验证中心", "二", "科技惠民", "", None, None, 2025, None,
      None, None, "no_data", "暂无数据", "milestone"),
]  # fmt: skip
TASKS = [
    K("一", "（一）1", "编制一区一战略产业规划", "市科技局", date(2024, 6, 30), "done"),
    K("一", "（一）2", "建设孵化载体", "高新区管委会", date(2024, 12, 31), "in_progress",
      overdue=True, problems="用地指标未落实", next_steps="一季度完成土地出让"),
    K("二", "（二）1", "组建特派员服务团", "市科技局", date(2025, 12, 31), "in_progress",
      at_risk=True, next_steps="新增 30 名特派员"),
]  # fmt: skip


def _doc(year: int, font) -> Document:
    return Document(io.BytesIO(build_report(PERIOD, year, TARGETS, TASKS, demo=True, font=font)))


def _tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert progress(TARGETS[0]) == 82.5  # (2650 − 1000) / (3000 − 1000)
    assert progress(TARGETS[1]) == 125.0  # (1300 − 800) / (1200 − 800)
    assert progress(TARGETS[2]) == 25.0  # no baseline: 500 / 2000
    assert progress(TARGETS[3]) is None


@pytest.mark.parametrize("font", [True, None], ids=["cjk-font", "no-cjk-font"])
def test_tables_and_charts_match_the_rows(font):
    doc = _doc(2024, font)
    tables = _tables(doc)
    target_tables = [t for t in tables if tuple(t[0]) == TARGET_HEADERS]
    assert len(target_tables) == 2  # one per section
    assert target_tables[0][1:] == [
        [
            "1",
            "高新区营业收入",
            "亿元",
            "1,000\n（2022年）",
            "2,650\n（2025年）",
            "3,000\n（2025年）",
            "有风险",
        ],
        [
            "2",
            "高新技术企业数",
            "家",
            "800\n（2022年）",
            "1,300\n（2025年）",
            "1,200\n（2025年）",
            "已完成",
        ],
    ]
    assert target_tables[1][1:] == [
        [("—" if c is None else c) for c in target_cells(x, no)]
        for no, x in enumerate(TARGETS[2:], start=1)
    ]
    # every chart is an inline picture with a caption giving its figures
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert len(doc.inline_shapes) == len(captions) == 3  # status summary + one per section
    status_caption, first, second = captions
    assert "有风险：1" in status_caption and "已完成：1" in status_caption
    if font:
        assert "高新区营业收入：82.5；高新技术企业数：125。" in first
        assert "科技特派员服务天数：25。" in second
    else:  # the image carries codes, the caption the Chinese names
        assert "A=高新区营业收入：82.5；B=高新技术企业数：125。" in first
    assert "概念验证" not in second  # a milestone without a value is not plotted
    # summary, tasks, problems and next steps
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (
        "共设置目标 4 项" in text
        and "规划任务 3 项，已完成 1 项，逾期未完成 1 项，存在风险 1 项" in text
    )
    assert "本部分任务 2 项，已完成 1 项，逾期未完成 1 项" in text
    assert "建设孵化载体：用地指标未落实" in text and "组建特派员服务团：新增 30 名特派员" in text
    task_table = next(t for t in tables if t[0][:2] == ["编号", "任务"])
    assert task_table[2] == [
        "（一）2",
        "建设孵化载体",
        "高新区管委会",
        "2024-12-31",
        "推进中（逾期）",
    ]
    assert "期末评估" not in text and "演示数据" in text


def test_final_evaluation_from_the_periods_last_year():
    doc = _doc(2025, True)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2025年度实施情况报告暨期末评估" in text
    assert "4 项目标中已完成 1 项，未完成或无数据 3 项" in text
    final = next(t for t in _tables(doc) if tuple(t[0]) == FINAL_HEADERS)
    assert final[1] == [
        "1",
        "高新区营业收入",
        "亿元",
        "3,000",
        "2,650\n（2025年）",
        "82.5",
        "期末未实现（存在风险）",  # at the period's end an unreached target is not "at risk"
    ]
    assert final[4][5] == "—"
    assert "期末评估" in "\n".join(p.text for p in _doc(2026, True).paragraphs)


def test_cli_report_reads_back_equal_to_the_target_statuses(session, city, tmp_path):
    """`kechuang plan report --year 2025 --out r.docx` on the shipped plan: every targets table
    row equals its status row, every chart caption states the figures of its section's targets,
    the task table and the progress report's problems and next steps are in, and the export is
    audited."""
    from sqlalchemy import select
    from typer.testing import CliRunner

    from kechuang.core.audit import AuditLog, bind_principal
    from kechuang.core.security import SYSTEM
    from kechuang.plan import service
    from kechuang.plan.models import PlanAction, PlanTarget
    from kechuang.plan.report_cli import app
    from kechuang.plan.status import target_statuses, task_rows

    bind_principal(session, SYSTEM)
    service.load_shipped(session, SYSTEM)
    target = session.scalars(
        select(PlanTarget).where(PlanTarget.kind == "quantitative").order_by(PlanTarget.id)
    ).first()
    service.enter_value(session, SYSTEM, target.id, "baseline", 100.0, year=2020)
    service.enter_value(session, SYSTEM, target.id, "target", 300.0, year=2025)
    service.enter_value(session, SYSTEM, target.id, "actual", 265.0, year=2025)
    action = session.scalars(select(PlanAction).order_by(PlanAction.id)).first()
    task = service.create_task(
        session,
        SYSTEM,
        {"action_id": action.id, "title": "报告测试任务", "lead_unit": "市科技局",
         "due_on": date(2024, 12, 31), "state": "in_progress"},
    )  # fmt: skip
    rep = service.submit_progress(
        session,
        SYSTEM,
        task.id,
        {"year": 2025, "quarter": 1, "text": "推进中", "problems": "资金未到位",
         "next_steps": "二季度完成招标"},
    )  # fmt: skip
    service.review_report(session, SYSTEM, rep.id, True)
    session.flush()

    out = tmp_path / "r.docx"
    result = CliRunner().invoke(app, ["report", "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = Document(out)
    statuses = target_statuses(session, SYSTEM, 2025)
    assert any(s.value == 265.0 and s.target_value == 300.0 for s in statuses)
    sections = list(dict.fromkeys(s.section for s in statuses))
    tables = [t for t in _tables(doc) if tuple(t[0]) == TARGET_HEADERS]
    assert len(tables) == len(sections)
    for table, sec in zip(tables, sections, strict=True):
        rows = [s for s in statuses if s.section == sec]
        assert table[1:] == [
            [("—" if c is None else c) for c in target_cells(s, no)]
            for no, s in enumerate(rows, start=1)
        ]
    # the entered target is plotted: (265 − 100) / (300 − 100) = 82.5 %
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert len(doc.inline_shapes) == len(captions) >= 2
    assert any(f"{target.title}：82.5" in c for c in captions), captions
    for s in statuses:
        if progress(s) is not None:
            assert any(f"{s.title}：{progress(s):g}" in c for c in captions), s.title
    text = "\n".join(p.text for p in doc.paragraphs)
    tasks = task_rows(session, SYSTEM, 2025)
    assert [t.title for t in tasks] == ["报告测试任务"] and tasks[0].overdue
    assert "报告测试任务：资金未到位" in text and "报告测试任务：二季度完成招标" in text
    assert "逾期未完成 1 项" in text
    assert "期末评估" in text  # 2025 is the 十四五 period's last year
    audited = session.scalars(
        select(AuditLog).where(AuditLog.entity == "plan_report", AuditLog.action == "export")
    ).all()
    assert len(audited) == 1


def test_cli_refuses_a_file_that_is_not_docx(tmp_path):
    from typer.testing import CliRunner

    from kechuang.plan.report_cli import app

    out = str(tmp_path / "r.pdf")
    result = CliRunner().invoke(app, ["report", "--year", "2025", "--out", out])
    assert result.exit_code == 2 and "必须是 .docx" in result.output.replace("\n", "")


@pytest.mark.parametrize("demo", [False, True])
def test_report_layout_cover_mark_units_widths_and_pictures(demo):
    """The shared Word layer's promises on the plan report: a cover (the 演示数据 mark on it and on
    every page header only on demo data), tables within the text width, count and unit columns
    labelled, charts embedded as sharp PNGs, page numbers."""
    from docx_checks import (
        cell_widths_cm,
        has_page_field,
        header_text,
        pictures,
        table_width_cm,
        text_width_cm,
    )

    from kechuang.core.docx_report import DEMO_MARK, TEXT_WIDTH_CM

    doc = Document(io.BytesIO(build_report(PERIOD, 2025, TARGETS, TASKS, demo=demo)))
    cover = [p.text for p in doc.paragraphs[:30] if p.text]
    assert cover[:2] == [PERIOD.name, "2025年度实施情况报告暨期末评估"]
    assert "规划期：2023—2025年" in cover
    assert (DEMO_MARK in cover) is demo
    assert (DEMO_MARK in header_text(doc)) is demo
    body = "\n".join(p.text for p in doc.paragraphs)
    assert ("演示数据" in body) is demo
    assert has_page_field(doc)
    assert text_width_cm(doc) == pytest.approx(TEXT_WIDTH_CM, abs=0.01)
    for table in doc.tables:
        assert table_width_cm(table) <= TEXT_WIDTH_CM + 0.01
        assert all(sum(row) <= TEXT_WIDTH_CM + 0.01 for row in cell_widths_cm(table))
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["状态", "目标数（项）"]
    assert all("单位" in [c.text for c in t.rows[0].cells] for t in doc.tables[1:] if "目标" in
               [c.text for c in t.rows[0].cells])  # fmt: skip
    pics = pictures(doc)
    assert len(pics) == 4  # status chart, two section progress charts, the final progress chart
    for pic in pics:
        assert pic.dpi >= 150 and pic.width_cm <= TEXT_WIDTH_CM + 0.01
    assert [round(p.width_cm, 1) for p in pics[1:]] == [round(TEXT_WIDTH_CM, 1)] * 3
