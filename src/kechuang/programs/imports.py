"""Strict imports of the expert bank and the relations register (all or nothing, every bad cell
reported in Chinese), offered as the import kinds `program_experts` and `program_relations`. The
headers are the file interface's (专家编号, 姓名, 证件号 …; 甲, 甲类型, 乙 …)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.excel import (
    CellError,
    Column,
    RegisterReport,
    read_register,
    write_sheets,
)
from kechuang.core.security import Principal
from kechuang.programs.models import RELATIONS, Expert, Relation
from kechuang.programs.scope import require_role
from kechuang.programs.service import valid_uscc

SEP = "；"
RELATION_BY_LABEL = {v: k for k, v in RELATIONS.items()}
KIND_BY_LABEL = {"个人": "person", "单位": "unit"}

EXPERT_COLUMNS = [
    Column("code", "专家编号", required=True, max_length=40),
    Column("name", "姓名", required=True, max_length=50),
    Column("id_no", "证件号", required=True, max_length=30),
    Column("unit_name", "工作单位", max_length=200),
    Column("unit_uscc", "工作单位代码", "uscc", note="统一社会信用代码（18位）"),
    Column("title", "职称", max_length=50),
    Column("fields", "研究领域", max_length=200),
    Column("keywords", "关键词", note="多个用；分隔", max_length=400),
    Column("finance", "财务专家", note="是 或 否", max_length=2),
    Column("max_load", "最多评审数", "int", required=True),
    Column("region_code", "所在区县代码", note="GB/T 2260 六位代码，可空", max_length=6),
]
RELATION_COLUMNS = [
    Column("a", "甲", required=True, note="个人填证件号，单位填统一社会信用代码", max_length=30),
    Column("a_kind", "甲类型", required=True, note="个人 或 单位", max_length=2),
    Column("b", "乙", required=True, max_length=30),
    Column("b_kind", "乙类型", required=True, note="个人 或 单位", max_length=2),
    Column("relation", "关系", required=True, note="、".join(RELATIONS.values()), max_length=4),
    Column("start_year", "开始年份", "year"),
    Column("end_year", "结束年份", "year", note="空表示至今"),
]


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").replace(";", SEP).split(SEP) if p.strip()]


def expert_template() -> bytes:
    """An empty expert bank template with notes."""
    return write_sheets(
        [("评审专家库", EXPERT_COLUMNS, None)],
        [
            "评审专家库导入模板：专家编号、证件号不得重复，工作单位代码为统一社会信用代码。",
            "财务专家填 是 或 否；最多评审数为一个评审批次中可分配的申报数上限。",
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
        ],
    )


def import_experts(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store experts (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入评审专家库")
    report = RegisterReport(filename, dry_run, "评审专家库")
    df = read_register(content, filename, EXPERT_COLUMNS, report)
    if df is None:
        return report
    known_codes = set(session.scalars(select(Expert.code)))
    known_ids = set(session.scalars(select(Expert.id_no)))
    seen_codes: set[str] = set()
    seen_ids: set[str] = set()
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        code, id_no = str(row["code"] or "").strip(), str(row["id_no"] or "").strip()
        if code in known_codes or code in seen_codes:
            report.errors.append(
                CellError(n, "专家编号", code, "专家编号重复（文件内或已在专家库中）")
            )
        if id_no in known_ids or id_no in seen_ids:
            report.errors.append(
                CellError(n, "证件号", id_no, "证件号重复（文件内或已在专家库中）")
            )
        seen_codes.add(code)
        seen_ids.add(id_no)
        uscc = str(row["unit_uscc"] or "").strip()
        if uscc and not valid_uscc(uscc):
            report.errors.append(
                CellError(n, "工作单位代码", uscc, "统一社会信用代码格式不正确（18位）")
            )
        finance = str(row["finance"] or "否").strip()
        if finance not in ("是", "否"):
            report.errors.append(CellError(n, "财务专家", finance, "应为 是 或 否"))
        load = row["max_load"]
        if load is not None and int(load) < 1:
            report.errors.append(CellError(n, "最多评审数", load, "应至少为 1"))
        rows.append(
            {
                "code": code,
                "name": str(row["name"] or "").strip(),
                "id_no": id_no,
                "unit_name": row["unit_name"] or "",
                "unit_uscc": uscc,
                "title": row["title"] or "",
                "fields": row["fields"] or "",
                "keywords": _split(row["keywords"]),
                "finance": finance == "是",
                "max_load": int(load) if load is not None else 10,
                "region_code": row["region_code"] or "",
            }
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for data in rows:
        session.add(Expert(**data))
        report.created += 1
    session.flush()
    return report


def relation_template() -> bytes:
    """An empty relations register template with notes."""
    return write_sheets(
        [("关联关系登记", RELATION_COLUMNS, None)],
        [
            "关联关系登记导入模板：个人以证件号、单位以统一社会信用代码标识。",
            "关系：" + "、".join(RELATIONS.values()) + "；结束年份空表示关系至今仍存续。",
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
        ],
    )


def import_relations(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store relations (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入关联关系登记")
    report = RegisterReport(filename, dry_run, "关联关系登记")
    df = read_register(content, filename, RELATION_COLUMNS, report)
    if df is None:
        return report
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        data: dict[str, Any] = {}
        for side, header in (("a", "甲"), ("b", "乙")):
            ident = str(row[side] or "").strip()
            kind = KIND_BY_LABEL.get(str(row[f"{side}_kind"] or "").strip())
            if kind is None:
                report.errors.append(
                    CellError(n, f"{header}类型", row[f"{side}_kind"], "应为 个人 或 单位")
                )
            elif kind == "unit" and not valid_uscc(ident):
                report.errors.append(
                    CellError(n, header, ident, "单位应填统一社会信用代码（18位）")
                )
            data[side], data[f"{side}_kind"] = ident, kind
        rel = RELATION_BY_LABEL.get(str(row["relation"] or "").strip())
        if rel is None:
            report.errors.append(
                CellError(n, "关系", row["relation"], "应为 " + "、".join(RELATIONS.values()))
            )
        s, e = row["start_year"], row["end_year"]
        if s is not None and e is not None and e < s:
            report.errors.append(CellError(n, "结束年份", e, "结束年份早于开始年份"))
        rows.append({**data, "relation": rel, "start_year": s, "end_year": e})
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for data in rows:
        session.add(Relation(**data))
        report.created += 1
    session.flush()
    return report
