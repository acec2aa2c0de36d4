"""The neutral instance format (suppliers.csv, demands.csv, affinity.csv, conflicts.csv) and the
assignment file (`demand_id,supplier_id`)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .model import Instance, MatchingInputError, Result

ASSIGNMENT_HEADER = ("demand_id", "supplier_id")


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV whose header holds `columns`; errors name the file and line."""
    if not path.is_file():
        raise MatchingInputError(f"缺少文件 {path}（file not found）")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise MatchingInputError(
                f"{path.name} 是空文件，应有表头 {','.join(columns)}（empty file）"
            )
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        if missing:
            raise MatchingInputError(
                f"{path.name} 第 1 行：表头缺少列 {','.join(missing)}（missing columns; header is {','.join(header)}）"
            )
        pos = [header.index(c) for c in columns]
        for line, raw in enumerate(reader, start=2):
            if not raw or all(not x.strip() for x in raw):
                continue
            if len(raw) < len(header):
                raise MatchingInputError(
                    f"{path.name} 第 {line} 行：只有 {len(raw)} 列，应有 {len(header)} 列（too few fields）"
                )
            yield line, {c: raw[p].strip() for c, p in zip(columns, pos, strict=True)}


def _int(path: Path, line: int, column: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise MatchingInputError(
            f"{path.name} 第 {line} 行：{column} 应为非负整数，实为 {text!r}（not an integer）"
        ) from None
    if value < 0:
        raise MatchingInputError(
            f"{path.name} 第 {line} 行：{column} 不能为负（{value}）（negative）"
        )
    return value


def _id(path: Path, line: int, column: str, text: str) -> str:
    if not text:
        raise MatchingInputError(f"{path.name} 第 {line} 行：{column} 为空（empty id）")
    return text


def read_neutral(directory: str | Path) -> Instance:
    """Read an instance in the neutral format; a conflict removes the pair from the candidates."""
    root = Path(directory)
    if not root.is_dir():
        raise MatchingInputError(f"实例目录不存在：{root}（not a directory）")
    sup_path, dem_path = root / "suppliers.csv", root / "demands.csv"
    aff_path, con_path = root / "affinity.csv", root / "conflicts.csv"
    supplier_ids: list[str] = []
    lo: list[int] = []
    hi: list[int] = []
    s_index: dict[str, int] = {}
    for line, r in _rows(sup_path, ("supplier_id", "min_load", "max_load")):
        sid = _id(sup_path, line, "supplier_id", r["supplier_id"])
        if sid in s_index:
            raise MatchingInputError(
                f"{sup_path.name} 第 {line} 行：供给方 {sid} 重复（duplicate id）"
            )
        a = _int(sup_path, line, "min_load", r["min_load"])
        b = _int(sup_path, line, "max_load", r["max_load"])
        if a > b:
            raise MatchingInputError(
                f"{sup_path.name} 第 {line} 行：min_load {a} 大于 max_load {b}（min_load > max_load）"
            )
        s_index[sid] = len(supplier_ids)
        supplier_ids.append(sid)
        lo.append(a)
        hi.append(b)
    demand_ids: list[str] = []
    cov: list[int] = []
    d_index: dict[str, int] = {}
    for line, r in _rows(dem_path, ("demand_id", "coverage")):
        did = _id(dem_path, line, "demand_id", r["demand_id"])
        if did in d_index:
            raise MatchingInputError(
                f"{dem_path.name} 第 {line} 行：需求 {did} 重复（duplicate id）"
            )
        d_index[did] = len(demand_ids)
        demand_ids.append(did)
        cov.append(_int(dem_path, line, "coverage", r["coverage"]))

    def locate(path: Path, line: int, r: dict[str, str]) -> tuple[int, int]:
        did, sid = r["demand_id"], r["supplier_id"]
        if did not in d_index:
            raise MatchingInputError(
                f"{path.name} 第 {line} 行：需求 {did!r} 不在 demands.csv 中（unknown demand_id）"
            )
        if sid not in s_index:
            raise MatchingInputError(
                f"{path.name} 第 {line} 行：供给方 {sid!r} 不在 suppliers.csv 中（unknown supplier_id）"
            )
        return d_index[did], s_index[sid]

    conflicts: set[tuple[int, int]] = set()
    if con_path.exists():
        for line, r in _rows(con_path, ("demand_id", "supplier_id")):
            conflicts.add(locate(con_path, line, r))
    pd_: list[int] = []
    ps: list[int] = []
    sc: list[float] = []
    seen: set[tuple[int, int]] = set()
    for line, r in _rows(aff_path, ("demand_id", "supplier_id", "score")):
        key = locate(aff_path, line, r)
        try:
            score = float(r["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise MatchingInputError(
                f"{aff_path.name} 第 {line} 行：score 应为有限数值，实为 {r['score']!r}（not a number）"
            )
        if key in seen:
            raise MatchingInputError(
                f"{aff_path.name} 第 {line} 行：配对 {r['demand_id']}–{r['supplier_id']} 重复（duplicate pair）"
            )
        seen.add(key)
        if key in conflicts:  # a conflict overrides any affinity
            continue
        pd_.append(key[0])
        ps.append(key[1])
        sc.append(score)
    con = sorted(conflicts)
    return Instance(
        supplier_ids=supplier_ids,
        demand_ids=demand_ids,
        min_load=np.array(lo, dtype=np.int64),
        max_load=np.array(hi, dtype=np.int64),
        coverage=np.array(cov, dtype=np.int64),
        pair_demand=np.array(pd_, dtype=np.int64),
        pair_supplier=np.array(ps, dtype=np.int64),
        pair_score=np.array(sc, dtype=np.float64),
        conflicts=(
            np.array([c[0] for c in con], dtype=np.int64),
            np.array([c[1] for c in con], dtype=np.int64),
        )
        if con
        else None,
    )


def write_assignment(result: Result, instance: Instance, path: str | Path) -> None:
    """Write the chosen pairs as CSV rows `demand_id,supplier_id` (with that header)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ASSIGNMENT_HEADER)
        for d, s in zip(result.pair_demand.tolist(), result.pair_supplier.tolist(), strict=True):
            w.writerow((instance.demand_ids[d], instance.supplier_ids[s]))
