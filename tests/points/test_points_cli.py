"""`kechuang points score`: a file of enterprise-year figures scored without a database."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from factories import make_uscc
from sheets import csv_bytes, xlsx
from typer.testing import CliRunner

from kechuang.points import methodology as meth
from kechuang.points.cli import app
from kechuang.points.scoring import score

runner = CliRunner()
HEADER = [
    "统一社会信用代码",
    "企业名称",
    "年度",
    "成立日期",
    "行业代码",
    "营业收入(万元)",
    "研发费用总额(万元)",
    "Ⅰ类知识产权数(件)",
    "高新技术企业（有效期内）",
]


@pytest.fixture
def rows():
    u1, u2 = make_uscc(901), make_uscc(902)
    return [
        [u1, "甲", 2023, "2020-01-01", "C3511", 800, 40, 1, "否"],
        [u1, "甲", 2024, "2020-01-01", "C3511", 1000, 60, 2, "是"],
        [u2, "乙", 2024, "2010-05-01", "I6513", 30000, 600, 10, "否"],
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_score_file_matches_the_engine(tmp_path, rows, suffix):
    src = tmp_path / f"data{suffix}"
    src.write_bytes(csv_bytes(HEADER, rows) if suffix == ".csv" else xlsx(HEADER, rows))
    out = tmp_path / "out.csv"
    r = runner.invoke(app, ["score", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "暂行方法" in r.output
    got = pl.read_csv(out)
    frame = pl.DataFrame(
        {
            "uscc": [x[0] for x in rows],
            "year": [x[2] for x in rows],
            "founded_on": [date.fromisoformat(x[3]) for x in rows],
            "industry_code": [x[4] for x in rows],
            "operating_revenue": [float(x[5]) for x in rows],
            "rd_expense": [float(x[6]) for x in rows],
            "ip_class1": [x[7] for x in rows],
            "hnte": [x[8] == "是" for x in rows],
        }
    )
    expected = score(frame, meth.load(), "uscc").sort("uscc", "year")
    got = got.sort("统一社会信用代码", "年度")
    assert got["创新积分"].to_list() == pytest.approx(expected["total"].round(4).to_list())
    assert got["生命周期阶段"].to_list() == ["初创期", "初创期", "稳定期"]
    assert got.filter(pl.col("年度") == 2024)["加分"].to_list() == [5.0, 0.0]


def test_score_parquet_with_the_local_variant(tmp_path, rows):
    src = tmp_path / "p.parquet"
    pl.DataFrame(
        {
            "uscc": [x[0] for x in rows],
            "year": [x[2] for x in rows],
            "operating_revenue": [float(x[5]) for x in rows],
            "rd_expense": [float(x[6]) for x in rows],
        }
    ).write_parquet(src)
    out = tmp_path / "o.parquet"
    r = runner.invoke(app, ["score", str(src), "--out", str(out), "-m", "local_relative"])
    assert r.exit_code == 0, r.output
    assert pl.read_parquet(out).height == 3


def test_bad_file_is_reported_and_nothing_written(tmp_path, rows):
    rows[1][6] = "很多"
    src = tmp_path / "bad.csv"
    src.write_bytes(csv_bytes(HEADER, rows))
    out = tmp_path / "out.csv"
    r = runner.invoke(app, ["score", str(src), "--out", str(out)])
    assert r.exit_code == 1 and "不是有效的数字" in r.output and not out.exists()
    r = runner.invoke(app, ["score", str(src), "--out", str(out), "-m", "nope"])
    assert r.exit_code == 2 and "未知的积分方法" in r.output
