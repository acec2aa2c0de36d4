"""The targets table and the tasks table as an .xlsx (`kechuang plan status --out`, the /plan
page's download): one row per target with its status, and one per task with its flags."""

from __future__ import annotations

from typing import Any

from kechuang.core.excel import rows_sheet, write_sheets
from kechuang.plan.status import ENTERED_MARK, TargetStatus, TaskRow

DEMO_NOTE = "演示数据：本文件中的规划进展、任务与填报数值由演示数据生成。"
NOTES = (
    "状态：已达成；按期可达（实际不低于要求路径）；存在风险（低于路径但预测区间上限可达目标）；"
    "难以达成；未达成（目标年已有数据且低于目标，或里程碑期满未实现）；待数据（目标年已过、数据未报送，"
    "显示预测区间）；目标待定（规划未给出数值且市科技局尚未填报）；暂无数据。",
    f"“{ENTERED_MARK}”：该数值由市科技局填报，不是规划原文或平台统计数据。",
    "金额单位为万元；预测为对数随机游走的中值及 80% 区间（与高新区目标跟踪相同的方法）。",
)

TARGET_COLUMNS: list[tuple[str, str, str]] = [
    ("period_code", "规划期", "text"),
    ("chapter", "章节", "text"),
    ("section", "条目", "text"),
    ("section_title", "行动", "text"),
    ("code", "目标代码", "text"),
    ("title", "目标", "text"),
    ("kind_label", "类型", "text"),
    ("unit", "单位", "text"),
    ("baseline_year", "基期年", "year"),
    ("baseline_value", "基期值", "decimal"),
    ("baseline_mark", "基期值来源", "text"),
    ("target_year", "目标年", "year"),
    ("target_value", "目标值", "decimal"),
    ("target_mark", "目标值来源", "text"),
    ("value_year", "最新数据年", "year"),
    ("value", "最新值", "decimal"),
    ("value_mark", "最新值来源", "text"),
    ("forecast", "目标年预测", "decimal"),
    ("forecast_low", "预测下限", "decimal"),
    ("forecast_high", "预测上限", "decimal"),
    ("status_label", "状态", "text"),
    ("evidence", "佐证", "text"),
    ("note", "说明", "text"),
    ("detail_url", "详情页面", "text"),
    ("quote", "规划原文", "text"),
]
TASK_COLUMNS: list[tuple[str, str, str]] = [
    ("section", "条目", "text"),
    ("action", "行动", "text"),
    ("code", "任务编号", "text"),
    ("title", "任务", "text"),
    ("lead_unit", "牵头单位", "text"),
    ("units", "责任单位", "text"),
    ("starts_on", "开始日期", "text"),
    ("due_on", "完成时限", "text"),
    ("state_label", "状态", "text"),
    ("overdue", "逾期", "text"),
    ("at_risk", "存在风险", "text"),
    ("percent", "完成比例(%)", "int"),
    ("latest_quarter", "最近报送", "text"),
    ("latest_progress", "最新进展", "text"),
    ("problems", "存在问题", "text"),
    ("next_steps", "下步计划", "text"),
]


def target_row(s: TargetStatus) -> dict[str, Any]:
    """One target as a flat row (Chinese labels, marks for entered figures)."""
    source = "规划原文" if s.kind == "quantitative" else ""
    return {
        **{k: getattr(s, k) for k, _h, _t in TARGET_COLUMNS if hasattr(s, k)},
        "kind_label": "定量指标" if s.kind == "quantitative" else "里程碑",
        "baseline_mark": ENTERED_MARK
        if s.baseline_entered
        else ("平台统计" if s.baseline_value is not None else ""),
        "target_mark": ENTERED_MARK
        if s.target_entered
        else (source if s.target_value is not None else ""),
        "value_mark": ENTERED_MARK
        if s.value_entered
        else ("平台统计" if s.value is not None else ""),
        "evidence": "\n".join(s.evidence),
    }


def task_row(t: TaskRow) -> dict[str, Any]:
    """One task as a flat row."""
    return {
        **{k: getattr(t, k) for k, _h, _t in TASK_COLUMNS if hasattr(t, k)},
        "units": "、".join(t.units),
        "starts_on": t.starts_on.isoformat() if t.starts_on else "",
        "due_on": t.due_on.isoformat(),
        "overdue": "是" if t.overdue else "",
        "at_risk": "是" if t.at_risk else "",
    }


_sheet = rows_sheet


def status_xlsx(
    year: int,
    targets: list[TargetStatus],
    tasks: list[TaskRow],
    demo: bool = False,
    scope: str = "全市",
) -> bytes:
    """The targets sheet and the tasks sheet, with the notes (and the 演示数据 label)."""
    notes = ([DEMO_NOTE] if demo else []) + [f"截至 {year} 年。", *NOTES]
    return write_sheets(
        [
            _sheet(f"{year}年目标状态", [target_row(s) for s in targets], TARGET_COLUMNS),
            _sheet("任务进展", [task_row(t) for t in tasks], TASK_COLUMNS),
        ],
        notes,
        title="规划目标与任务进展",
        scope=scope,
        year=year,
        demo=demo,
    )
