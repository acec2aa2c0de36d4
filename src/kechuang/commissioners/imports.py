"""Strict imports of the commissioner register and of demands (all or nothing, every bad cell
reported in Chinese), offered as the import kinds `commissioners` and `demands`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kechuang.commissioners.models import KINDS, RECIPIENT_KINDS, URGENCIES
from kechuang.commissioners.scope import may_post_in, require_role
from kechuang.commissioners.service import (
    create_commissioner,
    post_demand,
    region_names,
    validate_commissioner,
)
from kechuang.core.excel import (
    CellError,
    Column,
    RegisterReport,
    read_register,
    write_sheets,
)
from kechuang.core.security import Principal

KIND_BY_LABEL = {v: k for k, v in KINDS.items()}
URGENCY_BY_LABEL = {v: k for k, v in URGENCIES.items()}
SEP = "；"

COMMISSIONER_COLUMNS = [
    Column("kind", "类型", required=True, note="个人、团队、法人", max_length=4),
    Column("name", "名称", required=True, note="姓名、团队名称或法人单位名称", max_length=100),
    Column("unit", "派出单位", max_length=100),
    Column("title", "职称", max_length=50),
    Column("title_level", "职称级别", note="正高、副高、中级、初级、其他", max_length=8),
    Column("expertise", "专业特长", max_length=4000),
    Column("industries", "服务产业", note="多个用；分隔，如 莲藕；罗氏沼虾", max_length=400),
    Column("problem_types", "问题类型", note="多个用；分隔，如 土壤修复；尾水处理", max_length=400),
    Column("region_code", "所在区县代码", required=True, note="GB/T 2260 六位代码", max_length=6),
    Column("service_areas", "服务区县代码", note="多个用；分隔", max_length=200),
    Column("batch_year", "选派年度", "year", required=True),
    Column("max_load", "年度服务上限", "int", note="可同时服务的需求数，默认 5"),
    Column(
        "members",
        "成员",
        note="团队成员或法人单位人员：姓名:职称级别[:负责人]，多人用；分隔",
        max_length=4000,
    ),
]
DEMAND_COLUMNS = [
    Column("title", "需求标题", required=True, max_length=100),
    Column("text", "需求描述", required=True, max_length=4000),
    Column("industries", "产业", note="多个用；分隔", max_length=200),
    Column("problem_type", "问题类型", max_length=30),
    Column("region_code", "所在地代码", required=True, note="区县 6 位或乡镇 9 位", max_length=9),
    Column("recipient_name", "服务对象", required=True, max_length=100),
    Column("recipient_kind", "服务对象类型", required=True, note="、".join(RECIPIENT_KINDS)),
    Column("urgency", "紧急程度", note="一般、紧急（默认一般）", max_length=4),
    Column("year", "年度", "year"),
]


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").replace(";", SEP).split(SEP) if p.strip()]


def _members(text: Any) -> list[dict[str, Any]]:
    out = []
    for part in _split(text):
        bits = [b.strip() for b in part.replace("：", ":").split(":")]
        out.append(
            {
                "name": bits[0],
                "title_level": bits[1] if len(bits) > 1 and bits[1] else "其他",
                "is_leader": len(bits) > 2 and bits[2] == "负责人",
            }
        )
    return out


def commissioner_template() -> bytes:
    """An empty commissioner register template with notes."""
    return write_sheets(
        [("科技特派员名册", COMMISSIONER_COLUMNS, None)],
        [
            "科技特派员名册导入模板：个人、团队、法人科技特派员。",
            "团队至少 3 名成员且有 1 名负责人；法人须列本单位至少 3 名专业技术人员。",
            "成员写法：张三:正高:负责人；李四:中级；王五:副高",
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
        ],
    )


def import_commissioners(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store a commissioner register (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入科技特派员名册")
    report = RegisterReport(filename, dry_run, "科技特派员名册")
    df = read_register(content, filename, COMMISSIONER_COLUMNS, report)
    if df is None:
        return report
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        kind = KIND_BY_LABEL.get(row["kind"] or "", row["kind"])
        if kind not in KINDS:
            report.errors.append(CellError(n, "类型", row["kind"], "类型应为 个人、团队、法人"))
            continue
        data = {
            "kind": kind,
            "name": row["name"] or "",
            "unit": row["unit"] or "",
            "title": row["title"] or "",
            "title_level": row["title_level"] or "其他",
            "expertise": row["expertise"] or "",
            "industries": _split(row["industries"]),
            "problem_types": _split(row["problem_types"]),
            "region_code": row["region_code"] or "",
            "service_areas": _split(row["service_areas"]),
            "batch_year": row["batch_year"],
            "max_load": int(row["max_load"]) if row["max_load"] is not None else 5,
            "members": _members(row["members"]),
        }
        for problem in validate_commissioner(session, data):
            report.errors.append(CellError(n, "（本行）", data["name"], problem))
        rows.append(data)
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for data in rows:
        create_commissioner(session, principal, data)
        report.created += 1
    session.flush()
    return report


def demand_template() -> bytes:
    """An empty demands template with notes."""
    return write_sheets(
        [("服务需求", DEMAND_COLUMNS, None)],
        [
            "服务需求导入模板（区县或市科技局汇总村信息员、服务对象提交的需求）。",
            "所在地代码：区县 6 位或乡镇 9 位 GB/T 2260 代码；区县管理员只能导入本区县的需求。",
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
        ],
    )


def import_demands(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store demands (bureau anywhere, a county admin in his county), all or nothing."""
    require_role(principal, ("city_admin", "county_admin"), "导入服务需求")
    report = RegisterReport(filename, dry_run, "服务需求")
    df = read_register(content, filename, DEMAND_COLUMNS, report)
    if df is None:
        return report
    regions = region_names(session)
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        code = (row["region_code"] or "").strip()
        if not code.isdigit() or len(code) not in (6, 9) or code[:6] not in regions:
            report.errors.append(
                CellError(n, "所在地代码", code, "不是本市区县（6 位）或乡镇（9 位）代码")
            )
        elif not may_post_in(principal, code):
            report.errors.append(CellError(n, "所在地代码", code, "不在您负责的区县内"))
        if row["recipient_kind"] not in RECIPIENT_KINDS:
            report.errors.append(
                CellError(
                    n, "服务对象类型", row["recipient_kind"], "应为 " + "、".join(RECIPIENT_KINDS)
                )
            )
        urgency = URGENCY_BY_LABEL.get(row["urgency"] or "一般")
        if urgency is None:
            report.errors.append(CellError(n, "紧急程度", row["urgency"], "应为 一般 或 紧急"))
        if len((row["text"] or "").strip()) < 5:
            report.errors.append(CellError(n, "需求描述", row["text"], "至少 5 个字"))
        rows.append(
            {
                "title": row["title"],
                "text": row["text"],
                "industries": _split(row["industries"]),
                "problem_type": row["problem_type"] or "",
                "region_code": code,
                "recipient_name": row["recipient_name"],
                "recipient_kind": row["recipient_kind"],
                "urgency": urgency or "normal",
                "year": row["year"],
            }
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for data in rows:
        post_demand(session, principal, data)
        report.created += 1
    session.flush()
    return report
