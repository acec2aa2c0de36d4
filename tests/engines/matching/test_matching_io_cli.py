"""The neutral format reader, the assignment writer and `kechuang match solve` on small files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from matching_helpers import check, read_raw
from typer.testing import CliRunner

from kechuang.cli import app as main_app
from kechuang.engines.matching import MatchingInputError, read_neutral, solve, write_assignment
from kechuang.engines.matching.cli import app

runner = CliRunner()


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


GOOD = {
    "suppliers.csv": "supplier_id,min_load,max_load\nA,0,1\nB,0,1\n",
    "demands.csv": "demand_id,coverage\nX,1\nY,1\n",
    "affinity.csv": "demand_id,supplier_id,score\nX,A,5\nX,B,2\nY,A,2\nY,B,1\n",
    "conflicts.csv": "demand_id,supplier_id\n",
}


def test_read_and_write_round_trip(tmp_path):
    inst = read_neutral(write(tmp_path / "i", GOOD))
    assert inst.supplier_ids == ["A", "B"] and inst.demand_ids == ["X", "Y"] and inst.n_pairs == 4
    res = solve(inst)
    out = tmp_path / "out.csv"
    write_assignment(res, inst, out)
    assert out.read_text(encoding="utf-8") == "demand_id,supplier_id\nX,A\nY,B\n"


def test_a_conflict_overrides_the_affinity(tmp_path):
    d = write(tmp_path / "i", {**GOOD, "conflicts.csv": "demand_id,supplier_id\nX,A\n"})
    inst = read_neutral(d)
    assert inst.n_pairs == 3
    res = solve(inst)
    assert check(read_raw(d), [("X", "B"), ("Y", "A")]) == (4.0, 2.0)
    assert {
        (res.demand_ids[a], res.supplier_ids[b])
        for a, b in zip(res.pair_demand, res.pair_supplier, strict=True)
    } == {("X", "B"), ("Y", "A")}


def test_conflicts_file_is_optional_and_columns_may_be_reordered(tmp_path):
    files = {k: v for k, v in GOOD.items() if k != "conflicts.csv"}
    files["suppliers.csv"] = "max_load,supplier_id,min_load\n1,A,0\n1,B,0\n"
    inst = read_neutral(write(tmp_path / "i", files))
    assert inst.max_load.tolist() == [1, 1] and inst.conflicts is None


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        (
            "affinity.csv",
            "demand_id,supplier_id,score\nX,A,5\nX,B,abc\n",
            ["affinity.csv", "第 3 行", "score"],
        ),
        (
            "affinity.csv",
            "demand_id,supplier_id,score\nX,A,5\nX,Q,1\n",
            ["affinity.csv", "第 3 行", "Q", "unknown supplier_id"],
        ),
        (
            "affinity.csv",
            "demand_id,supplier_id,score\nX,A,5\nX,A,1\n",
            ["affinity.csv", "第 3 行", "duplicate pair"],
        ),
        (
            "affinity.csv",
            "demand_id,supplier,score\nX,A,5\n",
            ["affinity.csv", "第 1 行", "supplier_id"],
        ),
        (
            "affinity.csv",
            "demand_id,supplier_id,score\nX,A,inf\n",
            ["affinity.csv", "第 2 行", "有限"],
        ),
        (
            "suppliers.csv",
            "supplier_id,min_load,max_load\nA,2,1\n",
            ["suppliers.csv", "第 2 行", "min_load > max_load"],
        ),
        (
            "suppliers.csv",
            "supplier_id,min_load,max_load\nA,0,1\nA,0,1\n",
            ["suppliers.csv", "第 3 行", "duplicate id"],
        ),
        ("demands.csv", "demand_id,coverage\nX,-1\nY,1\n", ["demands.csv", "第 2 行", "negative"]),
        (
            "demands.csv",
            "demand_id,coverage\nX,1.5\nY,1\n",
            ["demands.csv", "第 2 行", "not an integer"],
        ),
        (
            "conflicts.csv",
            "demand_id,supplier_id\nZ,A\n",
            ["conflicts.csv", "第 2 行", "unknown demand_id"],
        ),
        ("demands.csv", "", ["demands.csv", "空文件"]),
    ],
)
def test_bad_rows_name_the_file_and_the_line(tmp_path, name, text, fragments):
    d = write(tmp_path / "i", {**GOOD, name: text})
    with pytest.raises(MatchingInputError) as err:
        read_neutral(d)
    for f in fragments:
        assert f in str(err.value)


def test_missing_file_and_directory(tmp_path):
    d = write(tmp_path / "i", {k: v for k, v in GOOD.items() if k != "affinity.csv"})
    with pytest.raises(MatchingInputError, match="affinity.csv"):
        read_neutral(d)
    with pytest.raises(MatchingInputError, match="不存在"):
        read_neutral(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("mode", "rows", "total", "smallest"),
    [
        ("total", [["X", "A"], ["Y", "B"]], "6.000000", "1.000000"),
        ("fair", [["X", "B"], ["Y", "A"]], "4.000000", "2.000000"),
    ],
)
def test_cli_writes_pairs_and_a_summary(tmp_path, mode, rows, total, smallest):
    out = tmp_path / "out.csv"
    res = runner.invoke(
        main_app,
        ["match", "solve", str(write(tmp_path / "i", GOOD)), "--out", str(out), "--mode", mode],
    )
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8", newline="") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["demand_id", "supplier_id"] and got[1:] == rows
    assert total in res.output and smallest in res.output and "min 1 / max 1" in res.output


def test_cli_infeasible_exits_non_zero_with_the_explanation(tmp_path):
    d = write(tmp_path / "i", {**GOOD, "demands.csv": "demand_id,coverage\nX,3\nY,1\n"})
    out, why = tmp_path / "out.csv", tmp_path / "why.json"
    res = runner.invoke(app, ["solve", str(d), "--out", str(out), "--explain", str(why)])
    assert res.exit_code == 1
    assert "coverage" in res.output and "可选供给方不足" in res.output
    assert not out.exists()
    data = json.loads(why.read_text(encoding="utf-8"))
    assert data["constraint"] == "coverage" and data["demands"] == ["X"]


def test_cli_bad_input_and_bad_mode_exit_2(tmp_path):
    d = write(tmp_path / "i", {**GOOD, "affinity.csv": "demand_id,supplier_id,score\nX,A,?\n"})
    res = runner.invoke(app, ["solve", str(d), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "affinity.csv" in res.output and "第 2 行" in res.output
    res = runner.invoke(
        app,
        [
            "solve",
            str(write(tmp_path / "g", GOOD)),
            "--out",
            str(tmp_path / "o.csv"),
            "--mode",
            "greedy",
        ],
    )
    assert res.exit_code == 2 and "未知的模式" in res.output
