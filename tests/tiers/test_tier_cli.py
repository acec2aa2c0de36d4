"""`kechuang tiers evaluate` on files, without a database."""

from __future__ import annotations

import polars as pl
from books import records, sheets
from sheets import csv_bytes, xlsx
from typer.testing import CliRunner

from kechuang.cli import app

HEADER = [
    "统一社会信用代码",
    "年度",
    "成立日期",
    "职工总数(人)",
    "科技人员数(人)",
    "销售收入(万元)",
    "研发费用总额(万元)",
    "成本费用支出总额(万元)",
    "资产总额(万元)",
    "Ⅰ类知识产权数(件)",
    "重大安全/质量事故",
    "严重环境违法",
    "列入失信名单",
    "列入经营异常名录",
]
USCC = "91321003MA1MXXXX0X"


def _rows(uscc):
    return [
        [uscc, y, "2015-01-01", 100, 30, 5000, 250, 4500, 6000, 0, "否", "否", "否", "否"]
        for y in (2022, 2023, 2024)
    ]


def test_evaluate_csv_and_xlsx_and_parquet(tmp_path):
    from factories import make_uscc

    uscc = make_uscc()
    runner = CliRunner()
    for name, content in (
        ("d.csv", csv_bytes(HEADER, _rows(uscc))),
        ("d.xlsx", xlsx(HEADER, _rows(uscc))),
    ):
        src = tmp_path / name
        src.write_bytes(content)
        out = tmp_path / f"out_{name}.parquet"
        r = runner.invoke(app, ["tiers", "evaluate", str(src), "--year", "2024", "--out", str(out)])
        assert r.exit_code == 0, r.output
        df = pl.read_parquet(out)
        assert {
            "uscc",
            "pack",
            "condition",
            "value",
            "threshold",
            "verdict",
            "gap_text",
            "source",
        } <= set(df.columns)
        score = df.filter(
            (pl.col("pack") == "tech_sme_2017") & (pl.col("condition") == "score_pass")
        ).row(0, named=True)
        assert score["value"] == 60 and score["verdict"] == "met"
        # a column absent from the file is unknown, not zero
        ht = df.filter(pl.col("condition") == "ht_revenue").row(0, named=True)
        assert ht["verdict"] == "unknown"
    parquet = tmp_path / "p.parquet"
    pl.DataFrame(
        {
            "uscc": [uscc] * 3,
            "year": [2022, 2023, 2024],
            "employees": [10] * 3,
            "founded_on": ["2020-01-01"] * 3,
        }
    ).write_parquet(parquet)
    out = tmp_path / "o.xlsx"
    r = runner.invoke(app, ["tiers", "evaluate", str(parquet), "--year", "2024", "--out", str(out)])
    assert r.exit_code == 0, r.output
    # the workbook holds the same rows as the parquet output of the same file
    same = tmp_path / "o.parquet"
    r = runner.invoke(
        app, ["tiers", "evaluate", str(parquet), "--year", "2024", "--out", str(same)]
    )
    assert r.exit_code == 0, r.output
    expected = pl.read_parquet(same)
    assert expected.height >= 10  # one row per condition of every pack in force
    book = sheets(out)
    assert list(book) == ["梯度评估"]
    header, rows = records(out, "梯度评估")
    assert header == expected.columns
    assert len(rows) == expected.height
    assert {r["uscc"] for r in rows} == {uscc} and {r["year"] for r in rows} == {2024}
    got = [(r["pack"], r["condition"], r["verdict"]) for r in rows]
    assert got == list(expected.select("pack", "condition", "verdict").iter_rows())
    staff = next(
        r for r in rows if (r["pack"], r["condition"]) == ("tech_sme_2017", "employees_cap")
    )
    assert (staff["value"], staff["threshold"], staff["verdict"]) == (10, 500, "met")


def test_evaluate_reports_bad_cells_in_chinese(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_bytes(
        csv_bytes(
            HEADER,
            [
                [
                    USCC,
                    2024,
                    "2015-01-01",
                    "很多",
                    30,
                    5000,
                    250,
                    4500,
                    6000,
                    0,
                    "否",
                    "否",
                    "否",
                    "否",
                ]
            ],
        )
    )
    r = CliRunner().invoke(
        app, ["tiers", "evaluate", str(src), "--year", "2024", "--out", str(tmp_path / "o.csv")]
    )
    assert r.exit_code == 1 and "职工总数" in r.output
    r = CliRunner().invoke(
        app,
        [
            "tiers",
            "evaluate",
            str(tmp_path / "none.csv"),
            "--year",
            "2024",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code == 2 and "文件不存在" in r.output


def test_evaluate_reads_the_new_facts_and_labels_every_row(tmp_path):
    header = [
        "统一社会信用代码",
        "年度",
        "成立日期",
        "高企申请日期",
        "境内注册居民企业",
        "产品属禁止/限制/淘汰类",
        "最近一轮美元估值(万美元)",
        "获私募股权投资",
        "关键核心技术突破等情形",
    ]
    from factories import make_uscc

    src = tmp_path / "facts.csv"
    src.write_bytes(
        csv_bytes(
            header, [[make_uscc(), 2024, "2024-03-01", "2025-03-01", "是", "否", 80000, "是", "是"]]
        )
    )
    out = tmp_path / "o.parquet"
    r = CliRunner().invoke(
        app, ["tiers", "evaluate", str(src), "--year", "2024", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    df = pl.read_parquet(out)
    assert {
        "pack_confirmation",
        "confirmation",
        "inferred",
        "inferred_reading",
        "retrospective",
        "source_title",
        "source_issuer",
        "source_number",
        "source_article",
        "source_full",
        "missing_fields",
    } <= set(df.columns)
    row = lambda p, c: df.filter((pl.col("pack") == p) & (pl.col("condition") == c)).row(  # noqa: E731
        0, named=True
    )
    # founded in the fiscal year, applied 365 days later: condition 一 is met
    assert row("hnte_2016", "registered_1y")["verdict"] == "met"
    assert row("tech_sme_2017", "resident")["verdict"] == "met"
    assert row("tech_sme_2017", "products_allowed")["verdict"] == "met"
    assert row("unicorn_js_2025", "valuation_7")["verdict"] == "met"  # 8亿美元 + key technology
    assert row("unicorn_js_2025", "invested")["verdict"] == "met"
    gazelle = df.filter(pl.col("pack") == "gazelle_js_2024")
    assert set(gazelle["pack_confirmation"]) == {"single_source"} and not gazelle["confirmed"].any()
    assert row("gazelle_js_2024", "tech_spend")["inferred"]
    spend = row("gazelle_js_2024", "tech_spend")
    assert spend["verdict"] == "unknown" and "科技活动费用支出(万元)" in spend["missing_fields"]
    rd = row("hnte_2016", "rd_ratio")
    assert "国科发火〔2016〕195号" in rd["source_full"] and "80%" in rd["source_full"]
    assert rd["source_number"] == "国科发火〔2016〕32号" and rd["source_issuer"]
    # the 2026 小巨人 rules were not in force for 2024's applications (no earlier version ships)
    retro = set(df.filter(pl.col("retrospective"))["pack"])
    assert retro == {"little_giant_2026"}
    assert "未评估（需人工核实）" in r.output and "补填可能改变结论的数据" in r.output


def test_evaluate_flags_retrospective_packs_per_row(tmp_path):
    from factories import make_uscc

    src = tmp_path / "old.csv"
    src.write_bytes(csv_bytes(HEADER, [r[:1] + [2016] + r[2:] for r in _rows(make_uscc())[:1]]))
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(
        app, ["tiers", "evaluate", str(src), "--year", "2016", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    df = pl.read_csv(out)
    flags = dict(df.group_by("pack").agg(pl.col("retrospective").all()).iter_rows())
    assert flags["unicorn_js_2025"] and flags["gazelle_js_2024"] and not flags["hnte_2016"]
    assert "回溯评估" in r.output
