"""The annual implementation report (年度规划实施情况报告) as a Word file: cover, summary, one
chapter per plan section (targets table with status, a progress chart, tasks completed and
overdue, problems and next steps from the progress reports) and, once the period's last year is
reached, the final evaluation (期末评估). Built on core.docx_report and core.chart_images.

`build_report` is pure (rows in, bytes out) so a test can feed it hand-made rows; `annual_report`
reads the rows through the plan domain's scoped functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kechuang.core.chart_images import bar_chart, fmt
from kechuang.core.docx_report import DEMO_MARK, DocxReport
from kechuang.core.security import Principal

DEMO_NOTE = "演示数据：本报告中的数字由演示数据生成，仅用于演示。"
CN_NUMERALS = "一二三四五六七八九十"
TARGET_HEADERS = ("序号", "目标", "单位", "基期值", "当年实际", "目标值", "状态")
TASK_HEADERS = ("编号", "任务", "牵头单位", "完成时限", "状态")
FINAL_HEADERS = ("序号", "目标", "单位", "目标值", "期末实际", "目标进度(%)", "评估结论")
# at the period's end nothing is "on track" any more: what is not achieved is not achieved
FINAL_UNREACHED = {"on_track": "期末未实现（仍在推进）", "at_risk": "期末未实现（存在风险）"}
DONE_STATES = ("done", "completed", "finished")
TASK_STATE_LABELS = {
    "not_started": "未开始",
    "in_progress": "推进中",
    "done": "已完成",
    "completed": "已完成",
    "finished": "已完成",
    "delayed": "滞后",
    "cancelled": "已取消",
}


@dataclass(frozen=True)
class Period:
    """The plan period a report covers."""

    code: str
    name: str
    start_year: int
    end_year: int


def cn_number(n: int) -> str:
    """一 … 十九 for chapter numbers."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    return "十" + CN_NUMERALS[n - 11] if n < 20 else str(n)


def progress(row: Any) -> float | None:
    """Per cent of the way from the baseline to the target (value/target when no baseline)."""
    value, target, base = row.value, row.target_value, row.baseline_value
    if value is None or target is None:
        return None
    if base is not None and target != base:
        return round((value - base) / (target - base) * 100, 1)
    return round(value / target * 100, 1) if target else None


def _num(value: float | None) -> str | None:
    # whole units above 100,000: the cents of a 万元 figure only push the number onto two lines
    if value is None:
        return None
    return fmt(value, 0 if abs(value) >= 1e5 else 2)


def _with_year(value: float | None, year: int | None) -> str | None:
    if value is None:
        return None
    # the year on its own line: a long figure then never breaks in the middle of its digits
    return f"{_num(value)}\n（{year}年）" if year else _num(value)


def target_cells(row: Any, no: int) -> list[str | None]:
    """A target's row of the report's targets table (the test reads these back)."""
    return [
        str(no),
        row.title,
        row.unit or None,
        _with_year(row.baseline_value, row.baseline_year),
        _with_year(row.value, row.value_year),
        _with_year(row.target_value, row.target_year),
        row.status_label,
    ]


def _is_done(task: Any) -> bool:
    return task.state in DONE_STATES


def _state_label(task: Any) -> str:
    label = getattr(task, "state_label", None) or TASK_STATE_LABELS.get(task.state, task.state)
    if task.overdue and not _is_done(task):
        return f"{label}（逾期）"
    if task.at_risk and not _is_done(task):
        return f"{label}（有风险）"
    return label


def _ordered(keys: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for k in keys:
        seen.setdefault(k, None)
    return list(seen)


def final_conclusion(r: Any) -> str:
    """The final evaluation's verdict on one target (a still-running item counts as not achieved)."""
    return FINAL_UNREACHED.get(r.status, r.status_label)


def _progress_chart(rep: DocxReport, title: str, rows: Sequence[Any], font: Any) -> None:
    """A bar per quantitative target with a value: its progress towards the target in per cent."""
    rows = [r for r in rows if progress(r) is not None]
    if not rows:
        return
    chart = bar_chart(
        title,
        [r.title for r in rows],
        [("目标进度", [progress(r) for r in rows])],
        unit="%",
        font=font,
        digits=1,
        horizontal=True,
    )
    rep.image(chart.png, chart.caption)


def build_report(
    period: Period,
    year: int,
    targets: Sequence[Any],
    tasks: Sequence[Any],
    demo: bool = False,
    font: Any = True,
) -> bytes:
    """The Word report from target status rows and task rows (see kechuang.plan.status)."""
    final = year >= period.end_year
    rep = DocxReport(demo_mark=DEMO_MARK if demo else None)
    title = f"{year}年度实施情况报告" + ("暨期末评估" if final else "")
    rep.cover(
        period.name,
        title,
        [
            f"规划期：{period.start_year}—{period.end_year}年",
            f"生成日期：{date.today().isoformat()}",
            *([DEMO_NOTE] if demo else []),
        ],
    )
    if demo:
        rep.paragraph(DEMO_NOTE, italic=True)

    # 一、总体情况
    rep.heading("一、总体情况", 1)
    counts = Counter(r.status_label for r in targets)
    done = sum(1 for t in tasks if _is_done(t))
    overdue = sum(1 for t in tasks if t.overdue and not _is_done(t))
    at_risk = sum(1 for t in tasks if t.at_risk and not _is_done(t))
    rep.paragraph(
        f"{period.name}共设置目标 {len(targets)} 项。截至 {year} 年，"
        + "，".join(f"{label} {n} 项" for label, n in counts.most_common())
        + f"。规划任务 {len(tasks)} 项，已完成 {done} 项，逾期未完成 {overdue} 项，存在风险 {at_risk} 项。"
    )
    if counts:
        rep.table(("状态", "目标数（项）"), list(counts.most_common()), caption="目标状态汇总")
        chart = bar_chart(
            f"{year}年目标状态分布",
            [label for label, _ in counts.most_common()],
            [("目标数", [n for _, n in counts.most_common()])],
            unit="项",
            font=font,
            digits=0,
        )
        rep.image(chart.png, chart.caption, width_cm=12)

    # one chapter per plan section, in plan order
    sections = _ordered([r.section for r in targets] + [t.section for t in tasks])
    titles = {t.section: t.action for t in tasks} | {r.section: r.section_title for r in targets}
    for i, code in enumerate(sections, start=2):
        sec_targets = [r for r in targets if r.section == code]
        sec_tasks = [t for t in tasks if t.section == code]
        rep.heading(f"{cn_number(i)}、{titles.get(code, code)}", 1)
        rep.heading("（一）目标完成情况", 2)
        if sec_targets:
            rep.table(
                TARGET_HEADERS,
                [target_cells(r, no) for no, r in enumerate(sec_targets, start=1)],
                caption=f"{titles.get(code, code)}目标完成情况（{year}年）",
                widths_cm=(1.0, 4.3, 1.2, 2.4, 2.4, 2.4, 2.1),
            )
            _progress_chart(rep, f"{titles.get(code, code)}目标进度", sec_targets, font)
        else:
            rep.paragraph("本部分没有量化或里程碑目标。")
        rep.heading("（二）任务推进情况", 2)
        sec_done = [t for t in sec_tasks if _is_done(t)]
        sec_overdue = [t for t in sec_tasks if t.overdue and not _is_done(t)]
        rep.paragraph(
            f"本部分任务 {len(sec_tasks)} 项，已完成 {len(sec_done)} 项，逾期未完成 {len(sec_overdue)} 项。"
        )
        if sec_tasks:
            rep.table(
                TASK_HEADERS,
                [
                    (
                        getattr(t, "code", "") or t.action,
                        t.title,
                        t.lead_unit,
                        t.due_on.isoformat() if t.due_on else None,
                        _state_label(t),
                    )
                    for t in sec_tasks
                ],
                caption=f"{titles.get(code, code)}任务推进情况",
                widths_cm=(1.6, 6.0, 3.2, 2.4, 2.6),
            )
        problems = [f"{t.title}：{t.problems}" for t in sec_tasks if t.problems]
        steps = [f"{t.title}：{t.next_steps}" for t in sec_tasks if t.next_steps]
        rep.heading("（三）存在问题", 2)
        if problems:
            rep.bullets(problems)
        else:
            rep.paragraph("进展报告未反映问题。")
        rep.heading("（四）下一步工作", 2)
        if steps:
            rep.bullets(steps)
        else:
            rep.paragraph("进展报告未填写下一步工作。")

    n = len(sections) + 2
    if final:
        rep.heading(f"{cn_number(n)}、期末评估", 1)
        n += 1
        rows = [
            (
                str(no),
                r.title,
                r.unit or None,
                _num(r.target_value),
                _with_year(r.value, r.value_year),
                _num(progress(r)),
                final_conclusion(r),
            )
            for no, r in enumerate(targets, start=1)
        ]
        reached = sum(1 for r in targets if r.status == "achieved")
        rep.paragraph(
            f"{period.name}规划期至 {period.end_year} 年结束。{len(targets)} 项目标中已完成 {reached} 项，"
            f"未完成或无数据 {len(targets) - reached} 项；逾期未完成的任务 {overdue} 项。"
        )
        rep.table(
            FINAL_HEADERS,
            rows,
            caption="期末目标评估",
            widths_cm=(1.0, 4.3, 1.2, 2.2, 2.5, 1.8, 2.8),
        )
        _progress_chart(rep, "期末目标进度", targets, font)
    rep.heading(f"{cn_number(n)}、说明", 1)
    rep.bullets(
        [
            "目标进度 =（当年实际 − 基期值）÷（目标值 − 基期值）× 100%；无基期值时为当年实际 ÷ 目标值 × 100%。",
            "状态由平台根据最新数据与预测区间判定；数值后括号内为数据所属年度。",
            "问题与下一步工作摘自各责任单位最近一期季度进展报告。",
        ]
    )
    return rep.to_bytes()


def annual_report(session: Session, principal: Principal, year: int) -> bytes:
    """The report for a year over the plan period that covers it (or the latest before it)."""
    from kechuang.core.errors import BadInput
    from kechuang.plan.scope import require_reader
    from kechuang.plan.status import period_for, target_statuses, task_rows

    require_reader(principal)  # 403 before anything is looked up
    p = period_for(session, year)
    if p is None:
        raise BadInput("尚未加载规划：请市科技局先加载规划文件")
    period = Period(p.code, p.name, p.start_year, p.end_year)
    targets = target_statuses(session, principal, year, p.code)
    tasks = task_rows(session, principal, year, p.code)
    return build_report(period, year, targets, tasks, demo=bool(p.is_demo))
