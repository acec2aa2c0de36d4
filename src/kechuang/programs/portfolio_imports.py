"""Strict import of project outcomes (import kind `program_outcomes`): all or nothing, every bad
cell reported in Chinese. A row names the project by its 申报编号; the unit must be the kind's
own (件/项/个/万元), never converted or guessed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.excel import CellError, Column, RegisterReport, read_register, write_sheets
from kechuang.core.security import Principal
from kechuang.programs.models import Application
from kechuang.programs.portfolio import OUTCOME_ROLES
from kechuang.programs.portfolio_models import OUTCOME_KINDS, Outcome
from kechuang.programs.scope import application_scope, require_role

KIND_BY_LABEL = {label: kind for kind, (label, _) in OUTCOME_KINDS.items()}
OUTCOME_COLUMNS = [
    Column("code", "申报编号", required=True, max_length=40),
    Column("kind", "成果类型", required=True, note="、".join(KIND_BY_LABEL), max_length=8),
    Column("quantity", "数量或金额", "decimal", required=True),
    Column(
        "unit",
        "单位",
        required=True,
        note="；".join(f"{lab}：{u}" for lab, u in OUTCOME_KINDS.values()),
        max_length=8,
    ),
    Column("year", "年份", "year", required=True),
    Column("evidence", "佐证材料", max_length=2000),
]


def outcome_template() -> bytes:
    """An empty outcome template with notes."""
    return write_sheets(
        [("项目成果", OUTCOME_COLUMNS, None)],
        [
            "项目成果导入模板：申报编号为已立项项目的编号；申报单位只能填写本单位的项目。",
            "成果类型与单位："
            + "；".join(f"{lab}（{u}）" for lab, u in OUTCOME_KINDS.values())
            + "。单位必须与成果类型一致，不做换算。",
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
        ],
    )


def import_outcomes(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store outcomes of funded projects in scope, all or nothing."""
    require_role(principal, OUTCOME_ROLES, "导入项目成果")
    report = RegisterReport(filename, dry_run, "项目成果")
    df = read_register(content, filename, OUTCOME_COLUMNS, report)
    if df is None:
        return report
    apps = {
        a.code: a for a in session.scalars(select(Application).where(application_scope(principal)))
    }
    rows: list[dict[str, Any]] = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        code = str(row["code"] or "").strip()
        app = apps.get(code)
        if app is None:
            report.errors.append(
                CellError(n, "申报编号", code, "申报编号不存在或不在您的权限范围内")
            )
        elif app.granted <= 0:
            report.errors.append(
                CellError(n, "申报编号", code, "该项目尚未立项（立项经费为 0），不能登记成果")
            )
        label = str(row["kind"] or "").strip()
        kind = KIND_BY_LABEL.get(label)
        if kind is None:
            report.errors.append(
                CellError(n, "成果类型", label, "应为 " + "、".join(KIND_BY_LABEL))
            )
        unit = str(row["unit"] or "").strip()
        if kind is not None and unit != OUTCOME_KINDS[kind][1]:
            report.errors.append(
                CellError(n, "单位", unit, f"{label}的单位应为“{OUTCOME_KINDS[kind][1]}”")
            )
        qty = row["quantity"]
        if qty is not None and qty <= 0:
            report.errors.append(CellError(n, "数量或金额", qty, "应大于 0"))
        elif (
            qty is not None
            and kind is not None
            and OUTCOME_KINDS[kind][1] != "万元"
            and qty != int(qty)
        ):
            report.errors.append(CellError(n, "数量或金额", qty, f"{label}的数量应为整数"))
        rows.append(
            {
                "app": app,
                "kind": kind,
                "quantity": qty,
                "year": row["year"],
                "evidence": str(row["evidence"] or ""),
            }
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for data in rows:
        session.add(
            Outcome(
                application_id=data["app"].id,
                kind=data["kind"],
                quantity=float(data["quantity"]),
                unit=OUTCOME_KINDS[data["kind"]][1],
                year=int(data["year"]),
                evidence=data["evidence"],
                created_by=principal.user_id,
            )
        )
        report.created += 1
    session.flush()
    return report
