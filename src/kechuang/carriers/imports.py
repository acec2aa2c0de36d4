"""Strict imports of the carriers chain (all or nothing, every bad cell reported in Chinese):
carriers with their operator, incubation records, relocations of graduates, 飞地/异地孵化/结对共建
attributions and technology contracts. Offered as import kinds in the manifest, so the generic
`kechuang import`, the API and the import page route them."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.carriers.methodology import current_chain
from kechuang.carriers.models import (
    Attribution,
    CarrierProfile,
    Incubation,
    Relocation,
    TechContract,
)
from kechuang.carriers.scope import require_role
from kechuang.carriers.service import check_incubation, overlaps, reason_code
from kechuang.core.excel import (
    CellError,
    Column,
    ImportFileError,
    RegisterReport,
    parse_columns,
    read_sheet,
    write_sheets,
)
from kechuang.core.security import Principal
from kechuang.registry.models import Carrier, Enterprise, Park, Zone

BUREAU = ("city_admin", "zone_admin")
ALL_OR_NOTHING = "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。"


def read_register(
    content: bytes, filename: str, columns: list[Column], report: RegisterReport
) -> pl.DataFrame | None:
    """Read a file strictly into `report` (core.excel.read_sheet: every header must be a template
    column, units converted exactly, error cells and merged cells refused); None when the file or
    its headers are refused, else the parsed rows (bad cells recorded in the report)."""
    try:
        sheet = read_sheet(content, filename, columns)
    except ImportFileError as exc:
        report.errors = [CellError(0, "（文件）", filename, str(exc))]
        return None
    if sheet.errors:
        report.errors = list(sheet.errors)
        return None
    parsed = parse_columns(sheet.data, columns, sheet.rows, units=sheet.units)
    report.errors = list(parsed.errors) + list(sheet.cell_errors)
    report.rows_total = parsed.data.height
    if report.rows_total == 0:
        report.errors.append(CellError(0, "（文件）", filename, "文件中没有数据行"))
    return parsed.data


def _names(attr: str) -> dict[str, str]:
    return current_chain().names(attr)


def _code_of(value: Any, attr: str) -> str | None:
    """A list item given as its code or Chinese name, as its code (None when unknown)."""
    text = str(value or "").strip()
    names = _names(attr)
    if text in names:
        return text
    return {v: k for k, v in names.items()}.get(text)


def _choices(attr: str) -> str:
    return "、".join(_names(attr).values())


def _zones(session: Session) -> dict[str, Zone]:
    out: dict[str, Zone] = {}
    for z in session.scalars(select(Zone)):
        out[z.name] = out[z.code] = z
    return out


def _carriers(session: Session) -> dict[str, Carrier]:
    out: dict[str, Carrier] = {}
    for c in session.scalars(select(Carrier).order_by(Carrier.id)):
        out.setdefault(c.name, c)
        out[c.code] = c
    return out


def _enterprises(session: Session, usccs: list[str]) -> dict[str, Enterprise]:
    wanted = sorted({u for u in usccs if u})
    out: dict[str, Enterprise] = {}
    for i in range(0, len(wanted), 900):
        for e in session.scalars(
            select(Enterprise).where(Enterprise.uscc.in_(wanted[i : i + 900]))
        ):
            out[e.uscc] = e
    return out


def _may_write(principal: Principal, ent: Enterprise, carrier: Carrier | None = None) -> bool:
    if principal.scope == "all":
        return True
    z = principal.zone_id
    return z is not None and (
        z in (ent.zone_id, ent.counted_zone_id) or (carrier is not None and carrier.zone_id == z)
    )


def _finish(report: RegisterReport, dry_run: bool) -> bool:
    """Sort the errors; True when the rows may be stored."""
    report.errors.sort(key=lambda e: (e.row, e.column))
    return not report.errors and not dry_run


# ------------------------------------------------------------------ carriers

CARRIER_COLUMNS = [
    Column("code", "载体编号", required=True, max_length=40),
    Column("name", "载体名称", required=True, max_length=200),
    Column(
        "kind", "载体类型", required=True, max_length=40, note="如 孵化器、众创空间、大学科技园"
    ),
    Column("level", "级别", required=True, max_length=20, note="国家级、省级 或 市级"),
    Column("zone", "所在高新区", max_length=100, note="高新区名称或代码，可空"),
    Column("park", "所在园区", max_length=100, note="园区名称或代码（一区多园），可空"),
    Column("operator_name", "运营主体", max_length=200),
    Column("operator_kind", "运营主体类型", required=True, max_length=20),
    Column("university", "依托高校", max_length=100, note="大学科技园填依托高校，可空"),
]


def carriers_template() -> bytes:
    """An empty carriers template with notes."""
    return write_sheets(
        [("创新载体", CARRIER_COLUMNS, None)],
        [
            "创新载体导入模板：载体编号已存在时更新该载体，否则新增。",
            "载体类型：" + _choices("kinds") + "。",
            "运营主体类型："
            + _choices("operator_kinds")
            + "（规划支持社会资本建设运营特色产业园）。",
            ALL_OR_NOTHING,
        ],
    )


def import_carriers(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store carriers with their profiles (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入创新载体")
    report = RegisterReport(filename, dry_run, "创新载体")
    df = read_register(content, filename, CARRIER_COLUMNS, report)
    if df is None:
        return report
    zones = _zones(session)
    parks: dict[str, Park] = {}
    for p in session.scalars(select(Park)):
        parks[p.name] = parks[p.code] = p
    levels = _names("levels")
    rows, seen = [], set()
    for row in df.iter_rows(named=True):
        n = row["__row"]
        code = str(row["code"]).strip()
        if code in seen:
            report.errors.append(CellError(n, "载体编号", code, "文件内载体编号重复"))
        seen.add(code)
        kind = _code_of(row["kind"], "kinds")
        if kind is None:
            report.errors.append(CellError(n, "载体类型", row["kind"], "应为 " + _choices("kinds")))
        if row["level"] not in levels:
            report.errors.append(CellError(n, "级别", row["level"], "应为 " + "、".join(levels)))
        op = _code_of(row["operator_kind"], "operator_kinds")
        if op is None:
            report.errors.append(
                CellError(
                    n, "运营主体类型", row["operator_kind"], "应为 " + _choices("operator_kinds")
                )
            )
        zone = zones.get(str(row["zone"]).strip()) if row["zone"] else None
        if row["zone"] and zone is None:
            report.errors.append(CellError(n, "所在高新区", row["zone"], "不是已登记的高新区"))
        park = parks.get(str(row["park"]).strip()) if row["park"] else None
        if row["park"] and park is None:
            report.errors.append(CellError(n, "所在园区", row["park"], "不是已登记的园区"))
        elif park is not None and zone is not None and park.zone_id != zone.id:
            report.errors.append(CellError(n, "所在园区", row["park"], "该园区不属于所填高新区"))
        rows.append((code, row, kind, op, zone, park))
    if not _finish(report, dry_run):
        return report
    existing = {c.code: c for c in session.scalars(select(Carrier))}
    for code, row, kind, op, zone, park in rows:
        carrier = existing.get(code)
        if carrier is None:
            carrier = Carrier(
                code=code, name=row["name"], kind=kind, level=row["level"], source="导入"
            )
            session.add(carrier)
            report.created += 1
        carrier.name, carrier.kind, carrier.level = row["name"], kind, row["level"]
        carrier.zone_id = zone.id if zone else (park.zone_id if park else None)
        session.flush()
        prof = session.scalars(
            select(CarrierProfile).where(CarrierProfile.carrier_id == carrier.id)
        ).one_or_none()
        if prof is None:
            prof = CarrierProfile(carrier_id=carrier.id, operator_kind=op)
            session.add(prof)
        prof.operator_kind = op
        prof.operator_name = row["operator_name"] or ""
        prof.park_id = park.id if park else None
        prof.university = row["university"] or ""
    session.flush()
    return report


# ------------------------------------------------------------------ incubations

INCUBATION_COLUMNS = [
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("carrier", "孵化载体", required=True, max_length=200, note="载体编号或名称"),
    Column("entered_on", "入孵日期", "date", required=True),
    Column("ended_on", "毕业或离开日期", "date", note="仍在孵则空"),
    Column("reason", "结束原因", max_length=30, note="仍在孵则空"),
    Column("origin", "来源研究院（实验室）", max_length=200, note="载体编号或名称，可空"),
    Column("note", "备注", max_length=300),
]


def incubations_template() -> bytes:
    """An empty incubation-records template with notes."""
    return write_sheets(
        [("在孵记录", INCUBATION_COLUMNS, None)],
        [
            "在孵与毕业记录导入模板：一行一段在孵经历；同一企业的在孵期不得重叠（离开当日转入另一载体不算重叠）。",
            "毕业或离开日期须晚于入孵日期，并填写结束原因：" + _choices("end_reasons") + "。",
            "毕业条件见“载体链条与孵化”页（暂行口径，未确认）。",
            ALL_OR_NOTHING,
        ],
    )


def import_incubations(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store incubation records (bureau; zone admin for her zone), all or nothing."""
    require_role(principal, BUREAU, "导入在孵记录")
    report = RegisterReport(filename, dry_run, "在孵记录")
    df = read_register(content, filename, INCUBATION_COLUMNS, report)
    if df is None:
        return report
    carriers = _carriers(session)
    ents = _enterprises(session, df.get_column("uscc").drop_nulls().to_list())
    chain = current_chain()
    earlier: dict[int, list[tuple[date, date | None]]] = {}
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        ent = ents.get(row["uscc"] or "")
        if row["uscc"] and (ent is None or not _may_write(principal, ent)):
            report.errors.append(
                CellError(
                    n, "统一社会信用代码", row["uscc"], "企业不在企业库中或不在您的管理范围内"
                )
            )
        carrier = carriers.get(str(row["carrier"] or "").strip())
        if carrier is None:
            report.errors.append(CellError(n, "孵化载体", row["carrier"], "不是已登记的创新载体"))
        origin = None
        if row["origin"]:
            origin = carriers.get(str(row["origin"]).strip())
            if origin is None or chain.stage_of(origin.kind) != "research":
                report.errors.append(
                    CellError(n, "来源研究院（实验室）", row["origin"], "不是已登记的研发端载体")
                )
        reason = reason_code(row["reason"])
        if ent is None or carrier is None or row["entered_on"] is None:
            continue
        problems = check_incubation(
            session, ent.id, carrier, row["entered_on"], row["ended_on"], reason,
            earlier.get(ent.id, []),
        )  # fmt: skip
        for p in problems:
            column = (
                "结束原因" if "原因" in p else "孵化载体" if "孵化载体" in p or "不是孵化" in p
                else "毕业或离开日期" if "应晚于" in p else "入孵日期"
            )  # fmt: skip
            report.errors.append(CellError(n, column, str(row["entered_on"]), p))
        earlier.setdefault(ent.id, []).append((row["entered_on"], row["ended_on"]))
        rows.append((ent, carrier, origin, row, reason))
    if not _finish(report, dry_run):
        return report
    for ent, carrier, origin, row, reason in rows:
        session.add(
            Incubation(
                enterprise_id=ent.id,
                carrier_id=carrier.id,
                origin_carrier_id=origin.id if origin else None,
                entered_on=row["entered_on"],
                ended_on=row["ended_on"],
                reason=reason,
                outcome=chain.outcome_of(reason) if reason else None,
                note=row["note"] or "",
            )
        )
        report.created += 1
    session.flush()
    return report


# ------------------------------------------------------------------ relocations

RELOCATION_COLUMNS = [
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("moved_on", "落地日期", "date", required=True),
    Column("inside_city", "是否市内", "bool", required=True, note="是 或 否"),
    Column("zone", "落地高新区", max_length=100, note="市内填写，名称或代码"),
    Column("park", "落地园区", max_length=100, note="市内园区名称或代码，可空"),
    Column(
        "featured_park", "落地特色产业园", max_length=200, note="特色产业园载体编号或名称，可空"
    ),
    Column("destination", "市外去向", max_length=200, note="迁往市外时填写城市或园区"),
]


def relocations_template() -> bytes:
    """An empty relocations template with notes."""
    return write_sheets(
        [("毕业企业落地", RELOCATION_COLUMNS, None)],
        [
            "毕业企业落地导入模板：企业须有在落地日期当日或之前毕业的在孵记录。",
            "市内落地填写落地高新区、园区或特色产业园（至少一项）；迁往市外填写市外去向。",
            ALL_OR_NOTHING,
        ],
    )


def import_relocations(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store relocations of graduates (bureau; zone admin in scope), all or nothing."""
    require_role(principal, BUREAU, "导入毕业企业落地")
    report = RegisterReport(filename, dry_run, "毕业企业落地")
    df = read_register(content, filename, RELOCATION_COLUMNS, report)
    if df is None:
        return report
    zones = _zones(session)
    carriers = _carriers(session)
    parks: dict[str, Park] = {}
    for p in session.scalars(select(Park)):
        parks[p.name] = parks[p.code] = p
    ents = _enterprises(session, df.get_column("uscc").drop_nulls().to_list())
    chain = current_chain()
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        ent = ents.get(row["uscc"] or "")
        if row["uscc"] and (ent is None or not _may_write(principal, ent)):
            report.errors.append(
                CellError(
                    n, "统一社会信用代码", row["uscc"], "企业不在企业库中或不在您的管理范围内"
                )
            )
        zone = zones.get(str(row["zone"]).strip()) if row["zone"] else None
        if row["zone"] and zone is None:
            report.errors.append(CellError(n, "落地高新区", row["zone"], "不是已登记的高新区"))
        park = parks.get(str(row["park"]).strip()) if row["park"] else None
        if row["park"] and park is None:
            report.errors.append(CellError(n, "落地园区", row["park"], "不是已登记的园区"))
        fp = carriers.get(str(row["featured_park"]).strip()) if row["featured_park"] else None
        if row["featured_park"] and (fp is None or chain.stage_of(fp.kind) != "industry"):
            report.errors.append(
                CellError(
                    n,
                    "落地特色产业园",
                    row["featured_park"],
                    "不是已登记的产业端载体（特色产业园等）",
                )
            )
        inside = row["inside_city"]
        if inside and not (row["zone"] or row["park"] or row["featured_park"]):
            report.errors.append(
                CellError(n, "落地高新区", "", "市内落地须填写落地高新区、园区或特色产业园")
            )
        if inside is False and not row["destination"]:
            report.errors.append(CellError(n, "市外去向", "", "迁往市外须填写市外去向"))
        grad = None
        if ent is not None and row["moved_on"] is not None:
            grad = session.scalars(
                select(Incubation)
                .where(
                    Incubation.enterprise_id == ent.id,
                    Incubation.outcome == "graduated",
                    Incubation.ended_on <= row["moved_on"],
                )
                .order_by(Incubation.ended_on.desc())
                .limit(1)
            ).first()
            if grad is None:
                report.errors.append(
                    CellError(n, "落地日期", str(row["moved_on"]), "该企业在此日期前没有毕业记录")
                )
        to_zone = zone or (
            session.get(Zone, park.zone_id)
            if park
            else session.get(Zone, fp.zone_id)
            if fp and fp.zone_id
            else None
        )
        rows.append((ent, grad, row, to_zone, park, fp))
    if not _finish(report, dry_run):
        return report
    for ent, grad, row, to_zone, park, fp in rows:
        session.add(
            Relocation(
                enterprise_id=ent.id,
                incubation_id=grad.id if grad else None,
                moved_on=row["moved_on"],
                inside_city=bool(row["inside_city"]),
                to_zone_id=to_zone.id if to_zone and row["inside_city"] else None,
                to_park_id=park.id if park else None,
                to_carrier_id=fp.id if fp else None,
                destination=row["destination"] or "",
            )
        )
        report.created += 1
    session.flush()
    return report


# ------------------------------------------------------------------ attributions

ATTRIBUTION_COLUMNS = [
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column(
        "arrangement",
        "安排类型",
        required=True,
        max_length=20,
        note="飞地经济、异地孵化 或 结对共建",
    ),
    Column("incubated_zone", "孵化或所在高新区", max_length=100, note="市内高新区名称或代码"),
    Column("incubated_place", "市外孵化地", max_length=200, note="异地孵化在市外时填写"),
    Column("counted_zone", "计入高新区", required=True, max_length=100),
    Column("valid_from", "起始日期", "date", required=True),
    Column("valid_to", "终止日期", "date", note="空表示至今有效"),
    Column("basis", "依据", max_length=300, note="协议名称或文号"),
]


def attributions_template() -> bytes:
    """An empty attributions template with notes."""
    return write_sheets(
        [("统计归属安排", ATTRIBUTION_COLUMNS, None)],
        [
            "飞地经济/异地孵化/结对共建归属导入模板：记录企业在哪里孵化（所在），由哪个高新区计入统计。",
            "在有效期内的记录导入后，企业登记的“统计归属高新区”同步为计入高新区。同一企业的安排期间不得重叠。",
            ALL_OR_NOTHING,
        ],
    )


def import_attributions(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store attribution records (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入统计归属安排")
    report = RegisterReport(filename, dry_run, "统计归属安排")
    df = read_register(content, filename, ATTRIBUTION_COLUMNS, report)
    if df is None:
        return report
    zones = _zones(session)
    ents = _enterprises(session, df.get_column("uscc").drop_nulls().to_list())
    earlier: dict[int, list[tuple[date, date | None]]] = {}
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        ent = ents.get(row["uscc"] or "")
        if row["uscc"] and ent is None:
            report.errors.append(CellError(n, "统一社会信用代码", row["uscc"], "企业不在企业库中"))
        arr = _code_of(row["arrangement"], "arrangements")
        if arr is None:
            report.errors.append(
                CellError(n, "安排类型", row["arrangement"], "应为 " + _choices("arrangements"))
            )
        inc_zone = zones.get(str(row["incubated_zone"]).strip()) if row["incubated_zone"] else None
        if row["incubated_zone"] and inc_zone is None:
            report.errors.append(
                CellError(n, "孵化或所在高新区", row["incubated_zone"], "不是已登记的高新区")
            )
        if not row["incubated_zone"] and not row["incubated_place"]:
            report.errors.append(
                CellError(n, "孵化或所在高新区", "", "须填写孵化或所在高新区，或市外孵化地")
            )
        counted = zones.get(str(row["counted_zone"] or "").strip())
        if counted is None:
            report.errors.append(
                CellError(n, "计入高新区", row["counted_zone"], "不是已登记的高新区")
            )
        elif inc_zone is not None and inc_zone.id == counted.id:
            report.errors.append(
                CellError(
                    n, "计入高新区", row["counted_zone"], "计入高新区与孵化高新区相同，无需登记安排"
                )
            )
        start, end = row["valid_from"], row["valid_to"]
        if start is not None and end is not None and end <= start:
            report.errors.append(
                CellError(n, "终止日期", str(end), f"终止日期应晚于起始日期 {start}")
            )
        if ent is not None and start is not None:
            stored = session.execute(
                select(Attribution.valid_from, Attribution.valid_to).where(
                    Attribution.enterprise_id == ent.id
                )
            ).all()
            for s, e in [*stored, *earlier.get(ent.id, [])]:
                if overlaps(start, end, s, e):
                    report.errors.append(
                        CellError(
                            n, "起始日期", str(start), f"与该企业 {s} 至 {e or '今'} 的安排期间重叠"
                        )
                    )
                    break
            earlier.setdefault(ent.id, []).append((start, end))
        rows.append((ent, arr, inc_zone, counted, row))
    if not _finish(report, dry_run):
        return report
    today = date.today()
    for ent, arr, inc_zone, counted, row in rows:
        session.add(
            Attribution(
                enterprise_id=ent.id,
                arrangement=arr,
                incubated_zone_id=inc_zone.id if inc_zone else None,
                incubated_place=row["incubated_place"] or "",
                counted_zone_id=counted.id,
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
                basis=row["basis"] or "",
            )
        )
        if row["valid_from"] <= today and (row["valid_to"] is None or row["valid_to"] >= today):
            # the registry's 统计归属高新区 is what every statistic reads: keep it in step
            ent.counted_zone_id = counted.id if counted.id != ent.zone_id else None
        report.created += 1
    session.flush()
    return report


# ------------------------------------------------------------------ technology contracts

CONTRACT_COLUMNS = [
    Column("contract_no", "合同登记编号", required=True, max_length=60),
    Column(
        "kind",
        "合同类型",
        required=True,
        max_length=20,
        note="技术开发、技术转让、技术许可、技术咨询、技术服务",
    ),
    Column("amount", "成交金额", "decimal", unit="万元", required=True),
    Column("seller_uscc", "卖方统一社会信用代码", "uscc", required=True),
    Column("seller_name", "卖方名称", required=True, max_length=200),
    Column("buyer_uscc", "买方统一社会信用代码", "uscc", required=True),
    Column("buyer_name", "买方名称", required=True, max_length=200),
    Column("registered_year", "登记年度", "year", required=True),
]


def contracts_template() -> bytes:
    """An empty technology-contracts template with notes."""
    return write_sheets(
        [("技术合同登记", CONTRACT_COLUMNS, None)],
        [
            "技术合同登记导入模板：合同登记编号不得重复；成交金额单位为万元。",
            "合同类型："
            + _choices("contract_kinds")
            + "。卖方计入成果输出，买方计入成果吸纳，按企业的统计归属高新区汇总。",
            ALL_OR_NOTHING,
        ],
    )


def import_contracts(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> RegisterReport:
    """Validate and store technology contracts (the bureau only), all or nothing."""
    require_role(principal, ("city_admin",), "导入技术合同登记")
    report = RegisterReport(filename, dry_run, "技术合同登记")
    df = read_register(content, filename, CONTRACT_COLUMNS, report)
    if df is None:
        return report
    known = set(session.scalars(select(TechContract.contract_no)))
    seen: set[str] = set()
    rows = []
    for row in df.iter_rows(named=True):
        n = row["__row"]
        no = str(row["contract_no"]).strip()
        if no in known or no in seen:
            report.errors.append(
                CellError(n, "合同登记编号", no, "合同登记编号重复（文件内或已登记）")
            )
        seen.add(no)
        kind = _code_of(row["kind"], "contract_kinds")
        if kind is None:
            report.errors.append(
                CellError(n, "合同类型", row["kind"], "应为 " + _choices("contract_kinds"))
            )
        if row["amount"] is not None and row["amount"] <= 0:
            report.errors.append(CellError(n, "成交金额(万元)", str(row["amount"]), "应大于 0"))
        if row["seller_uscc"] and row["seller_uscc"] == row["buyer_uscc"]:
            report.errors.append(
                CellError(n, "买方统一社会信用代码", row["buyer_uscc"], "买方与卖方相同")
            )
        rows.append((no, kind, row))
    if not _finish(report, dry_run):
        return report
    for no, kind, row in rows:
        session.add(
            TechContract(
                contract_no=no,
                kind=kind,
                amount=float(row["amount"]),
                seller_uscc=row["seller_uscc"],
                seller_name=row["seller_name"],
                buyer_uscc=row["buyer_uscc"],
                buyer_name=row["buyer_name"],
                registered_year=int(row["registered_year"]),
            )
        )
        report.created += 1
    session.flush()
    return report
