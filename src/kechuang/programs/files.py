"""The stable file interface of expert review: read applications, experts, relations and scores
(CSV or XLSX with Chinese headers, strict: unknown headers and bad cells are refused with the row
and column named) and write results (CSV or XLSX by the file's extension)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from kechuang.core.excel import CellError, Column, ImportFileError, parse_columns, read_sheet
from kechuang.engines.review import (
    PERSON,
    RELATION_KINDS,
    UNIT,
    Application,
    Expert,
    Relation,
    valid_uscc,
)

APPLICATION_COLUMNS = (
    Column("id", "申报编号", required=True),
    Column("unit_name", "申报单位", required=True),
    Column("unit_code", "申报单位代码", "uscc", required=True),
    Column("leader_name", "项目负责人", required=True),
    Column("leader_id", "项目负责人证件号", required=True),
    Column("direction", "指南方向"),
    Column("title", "项目名称", required=True),
    Column("keywords", "关键词"),
)
EXPERT_COLUMNS = (
    Column("id", "专家编号", required=True),
    Column("name", "姓名", required=True),
    Column("person_id", "证件号", required=True),
    Column("unit_name", "工作单位", required=True),
    Column("unit_code", "工作单位代码", "uscc", required=True),
    Column("title", "职称"),
    Column("fields", "研究领域"),
    Column("keywords", "关键词"),
    Column("finance", "财务专家", "bool", note="是/否"),
    Column("max_reviews", "最多评审数", "int", required=True),
)
RELATION_COLUMNS = (
    Column("a", "甲", required=True),
    Column("a_kind", "甲类型", required=True, note="个人/单位"),
    Column("b", "乙", required=True),
    Column("b_kind", "乙类型", required=True, note="个人/单位"),
    Column("kind", "关系", required=True, note="、".join(RELATION_KINDS)),
    Column("start", "开始年份", "year"),
    Column("end", "结束年份", "year", note="空表示仍存续"),
)
SCORE_COLUMNS = (
    Column("application", "申报编号", required=True),
    Column("expert", "专家编号", required=True),
    Column("score", "分数", "decimal", required=True),
)
ASSIGNMENT_HEADERS = ("申报编号", "专家编号", "匹配度", "理由")
UNSTAFFED_HEADERS = ("申报编号", "无法配齐评审专家的原因")
AGGREGATE_HEADERS = (
    "申报编号",
    "评审人数",
    "原始均值",
    "校正分数",
    "校正分数90%下限",
    "校正分数90%上限",
    "排名",
    "排名90%区间最好",
    "排名90%区间最差",
)


class ReviewFileError(ValueError):
    """A file that cannot be used; `errors` name the row and column of each problem (Chinese)."""

    def __init__(self, filename: str, errors: Sequence[CellError]):
        self.filename = filename
        self.errors = list(errors)
        lines = [f"文件“{filename}”有 {len(self.errors)} 处错误："]
        for e in self.errors[:50]:
            where = f"第 {e.row} 行" if e.row else "文件"
            value = f"（值“{e.value}”）" if e.value and e.value != e.column else ""
            lines.append(f"  {where}「{e.column}」{value}：{e.reason}")
        if len(self.errors) > 50:
            lines.append(f"  ……另有 {len(self.errors) - 50} 处")
        super().__init__("\n".join(lines))


def _read(path: Path, columns: Sequence[Column]) -> pl.DataFrame:
    """Typed rows of a file (column codes plus __row); raises ReviewFileError."""
    name = path.name
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ReviewFileError(name, [CellError(0, "（文件）", name, "只接受 .csv 或 .xlsx 文件")])
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ReviewFileError(name, [CellError(0, "（文件）", name, f"无法读取：{exc}")]) from None
    try:
        sheet = read_sheet(content, name, columns)
    except ImportFileError as exc:
        raise ReviewFileError(name, [CellError(0, "（文件）", name, str(exc))]) from None
    if sheet.errors:
        raise ReviewFileError(name, sheet.errors)
    parsed = parse_columns(sheet.data, columns, sheet.rows, units=sheet.units)
    errors = parsed.errors + sheet.cell_errors
    if errors:
        raise ReviewFileError(name, sorted(errors, key=lambda e: (e.row, e.column)))
    if parsed.data.height == 0:
        raise ReviewFileError(name, [CellError(0, "（文件）", name, "文件中没有数据行")])
    return parsed.data


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _duplicates(df: pl.DataFrame, code: str, header: str) -> list[CellError]:
    """Rows repeating an id of an earlier row."""
    first: dict[str, int] = {}
    out = []
    for value, row in zip(df[code].to_list(), df["__row"].to_list(), strict=True):
        if value in first:
            out.append(CellError(row, header, value, f"与第 {first[value]} 行重复"))
        else:
            first[value] = row
    return out


def read_applications(path: str | Path) -> list[Application]:
    """Applications from a file with the headers of APPLICATION_COLUMNS."""
    path = Path(path)
    df = _read(path, APPLICATION_COLUMNS)
    errors = _duplicates(df, "id", "申报编号")
    if errors:
        raise ReviewFileError(path.name, errors)
    return [
        Application(
            id=_text(r["id"]),
            unit_code=_text(r["unit_code"]),
            leader_id=_text(r["leader_id"]).upper(),
            unit_name=_text(r["unit_name"]),
            leader_name=_text(r["leader_name"]),
            direction=_text(r["direction"]),
            title=_text(r["title"]),
            keywords=_text(r["keywords"]),
        )
        for r in df.iter_rows(named=True)
    ]


def read_experts(path: str | Path) -> list[Expert]:
    """Experts from a file with the headers of EXPERT_COLUMNS."""
    path = Path(path)
    df = _read(path, EXPERT_COLUMNS)
    errors = _duplicates(df, "id", "专家编号")
    for r in df.iter_rows(named=True):
        if r["max_reviews"] is not None and int(r["max_reviews"]) < 0:
            errors.append(CellError(r["__row"], "最多评审数", str(r["max_reviews"]), "不能为负"))
    if errors:
        raise ReviewFileError(path.name, errors)
    return [
        Expert(
            id=_text(r["id"]),
            person_id=_text(r["person_id"]).upper(),
            unit_code=_text(r["unit_code"]),
            name=_text(r["name"]),
            unit_name=_text(r["unit_name"]),
            title=_text(r["title"]),
            fields=_text(r["fields"]),
            keywords=_text(r["keywords"]),
            finance=bool(r["finance"]),
            max_reviews=int(r["max_reviews"]),
        )
        for r in df.iter_rows(named=True)
    ]


def read_relations(path: str | Path) -> list[Relation]:
    """Relations from a file with the headers of RELATION_COLUMNS, each row checked."""
    path = Path(path)
    df = _read(path, RELATION_COLUMNS)
    errors: list[CellError] = []
    out = []
    directed = {"任职": (PERSON, UNIT), "持股": (PERSON, UNIT), "实际控制": (None, UNIT)}
    for r in df.iter_rows(named=True):
        row = int(r["__row"])
        bad = len(errors)
        kind = _text(r["kind"])
        if kind not in RELATION_KINDS:
            errors.append(CellError(row, "关系", kind, f"应为 {'、'.join(RELATION_KINDS)} 之一"))
        parties = []
        for value_code, kind_code, header in (("a", "a_kind", "甲"), ("b", "b_kind", "乙")):
            party_kind = _text(r[kind_code])
            party = _text(r[value_code]).upper()
            if party_kind not in (PERSON, UNIT):
                errors.append(CellError(row, f"{header}类型", party_kind, "应为“个人”或“单位”"))
            elif party_kind == UNIT and not valid_uscc(party):
                errors.append(
                    CellError(row, header, party, "不是有效的统一社会信用代码（18 位，校验位不符）")
                )
            parties.append((party, party_kind))
        if len(errors) == bad and kind in RELATION_KINDS:
            want = directed.get(kind)
            (a, ak), (b, bk) = parties
            if want is not None and ((want[0] and ak != want[0]) or bk != want[1]):
                errors.append(
                    CellError(
                        row, "关系", kind, f"{kind}关系应为 {want[0] or '个人或单位'} → {want[1]}"
                    )
                )
            elif want is None and (ak != PERSON or bk != PERSON):
                errors.append(CellError(row, "关系", kind, f"{kind}关系的甲乙双方都应为个人"))
        start, end = r["start"], r["end"]
        if start is not None and end is not None and int(end) < int(start):
            errors.append(CellError(row, "结束年份", str(end), f"早于开始年份 {start}"))
        if len(errors) == bad:
            (a, ak), (b, bk) = parties
            out.append(
                Relation(
                    a,
                    ak,
                    b,
                    bk,
                    kind,
                    None if start is None else int(start),
                    None if end is None else int(end),
                    f"{path.name} 第 {row} 行",
                )
            )
    if errors:
        raise ReviewFileError(path.name, errors)
    return out


def read_scores(path: str | Path) -> tuple[list[str], list[str], list[float]]:
    """(申报编号, 专家编号, 分数) columns of a scores file; a repeated pair is refused."""
    path = Path(path)
    df = _read(path, SCORE_COLUMNS)
    seen: dict[tuple[str, str], int] = {}
    errors = []
    apps, experts, scores = [], [], []
    for r in df.iter_rows(named=True):
        key = (_text(r["application"]), _text(r["expert"]))
        if key in seen:
            errors.append(
                CellError(
                    r["__row"], "专家编号", key[1], f"同一专家对该申报的评分与第 {seen[key]} 行重复"
                )
            )
            continue
        seen[key] = r["__row"]
        apps.append(key[0])
        experts.append(key[1])
        scores.append(float(r["score"]))
    if errors:
        raise ReviewFileError(path.name, errors)
    return apps, experts, scores


def write_rows(path: str | Path, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Write a table as CSV (UTF-8 with BOM, for Excel) or XLSX, chosen by the extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8-sig")
    elif suffix == ".xlsx":
        import polars as pl

        from kechuang.core.excel import Column, write_sheets

        # the one export layer, without a title row: the file keeps its header in row 1 (a stable
        # command's format) and gains number formats and a frozen header
        codes = [f"c{j}" for j in range(len(headers))]
        columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in codes]
        cols, data = [], {}
        for code, header, values in zip(codes, headers, columns, strict=True):
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                cols.append(Column(code, header, "int"))
                data[code] = pl.Series(code, values, dtype=pl.Int64)
            elif present and all(isinstance(v, int | float) for v in present):
                cols.append(Column(code, header, "decimal", decimals=4))
                data[code] = pl.Series(code, values, dtype=pl.Float64)
            else:
                cols.append(Column(code, header))
                data[code] = pl.Series(code, [None if v is None else str(v) for v in values])
        path.write_bytes(write_sheets([("结果", cols, pl.DataFrame(data))]))
    else:
        raise ReviewFileError(
            path.name, [CellError(0, "（文件）", path.name, "输出文件只能是 .csv 或 .xlsx")]
        )
