"""The stable file commands end to end: CSV and XLSX in and out, bad files refused in Chinese."""

from __future__ import annotations

import csv
import io

import pytest
import xlsxwriter
from openpyxl import load_workbook
from stdnum.cn import uscc
from typer.testing import CliRunner

from kechuang.programs.cli import app

runner = CliRunner()


def code(n: int) -> str:
    body = f"91321000{n:09d}"
    return body + uscc.calc_check_digit(body)


APP_HEAD = [
    "申报编号",
    "申报单位",
    "申报单位代码",
    "项目负责人",
    "项目负责人证件号",
    "指南方向",
    "项目名称",
    "关键词",
]
EXP_HEAD = [
    "专家编号",
    "姓名",
    "证件号",
    "工作单位",
    "工作单位代码",
    "职称",
    "研究领域",
    "关键词",
    "财务专家",
    "最多评审数",
]
REL_HEAD = ["甲", "甲类型", "乙", "乙类型", "关系", "开始年份", "结束年份"]

APPS = [
    [
        "A001",
        "扬州肝胆医院",
        code(1),
        "王一",
        "320100199001011234",
        "肝胆疾病",
        "肝癌早筛影像关键技术",
        "肝癌、早筛、影像",
    ],
    [
        "A002",
        "扬州新能源公司",
        code(2),
        "李二",
        "320100199001012345",
        "能源",
        "光伏储能协同控制",
        "光伏、储能、电网",
    ],
]
EXPERTS = [
    ["E001", "张三", "P1", "扬州大学", code(10), "教授", "肝胆疾病 肝癌", "肝癌、影像", "否", "2"],
    [
        "E002",
        "赵四",
        "P2",
        "苏北医院",
        code(11),
        "主任医师",
        "肝胆外科 早筛",
        "肝癌、早筛",
        "否",
        "2",
    ],
    ["E003", "钱五", "P3", "扬州大学", code(10), "教授", "光伏 储能", "光伏、储能", "否", "2"],
    ["E004", "孙六", "P4", "电网研究院", code(12), "研究员", "电网 储能", "电网、储能", "否", "2"],
    [
        "E005",
        "周七",
        "P5",
        "会计师事务所",
        code(13),
        "高级会计师",
        "财务审计 预算",
        "财务、预算",
        "是",
        "2",
    ],
    [
        "E006",
        "吴八",
        "P6",
        "肝病研究所",
        code(14),
        "研究员",
        "肝癌 影像 早筛",
        "肝癌、影像、早筛",
        "否",
        "2",
    ],
]
RELATIONS = [
    # E006 worked at A001's unit until Y−5 (2020 for Y = 2025): conflicted.
    ["P6", "个人", code(1), "单位", "任职", "2012", "2020"],
]


def write_csv(path, head, rows):
    buf = io.StringIO()
    csv.writer(buf).writerows([head, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path, head, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("数据")
    for i, row in enumerate([head, *rows]):
        sheet.write_row(i, 0, row)
    book.close()
    return path


def read_out(path):
    if path.suffix == ".xlsx":
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        return [[("" if v is None else str(v)) for v in r] for r in rows]
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def inputs(tmp_path, fmt, apps=APPS, experts=EXPERTS, relations=RELATIONS):
    w = write_csv if fmt == "csv" else write_xlsx
    return (
        w(tmp_path / f"apps.{fmt}", APP_HEAD, apps),
        w(tmp_path / f"experts.{fmt}", EXP_HEAD, experts),
        w(tmp_path / f"relations.{fmt}", REL_HEAD, relations),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_assign_reviewers_end_to_end(tmp_path, fmt):
    a, e, r = inputs(tmp_path, fmt)
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "2",
            "--finance",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = read_out(out)
    assert rows[0] == ["申报编号", "专家编号", "匹配度", "理由"]
    chosen = {(r[0], r[1]) for r in rows[1:]}
    assert len(chosen) == 4
    assert ("A001", "E006") not in chosen  # conflicted (任职 ended 2020 = Y − 5)
    assert ("A001", "E005") in chosen and ("A002", "E005") in chosen  # the only finance expert
    assert all(float(r[2]) >= 0 and r[3] for r in rows[1:])
    by_app = {}
    for app_id, exp_id in chosen:
        by_app.setdefault(app_id, set()).add(exp_id)
    assert by_app["A001"] == {"E002", "E005"} or by_app["A001"] == {"E001", "E005"}


def test_one_year_beyond_the_window_the_expert_is_allowed(tmp_path):
    rel = [["P6", "个人", code(1), "单位", "任职", "2012", "2019"]]  # ended Y − 6
    a, e, r = inputs(tmp_path, "csv", relations=rel)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert ("A001", "E006") in {(r[0], r[1]) for r in read_out(out)[1:]}


def test_infeasible_writes_and_prints_why(tmp_path):
    a, e, r = inputs(tmp_path, "csv")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "4",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "无法配齐评审专家" in result.output
    rows = read_out(out)
    assert rows[0] == ["申报编号", "无法配齐评审专家的原因"]
    assert {row[0] for row in rows[1:]} >= {"A001"}
    assert "候选专家" in rows[1][1]


@pytest.mark.parametrize(
    ("which", "mutate", "expected"),
    [
        ("apps", lambda h, rows: (h[:-1] + ["备注"], rows), "备注"),
        (
            "apps",
            lambda h, rows: (h, [rows[0][:2] + ["91321000123"] + rows[0][3:], rows[1]]),
            "第 2 行",
        ),
        ("experts", lambda h, rows: (h, [rows[0][:8] + ["也许", "2"], *rows[1:]]), "财务专家"),
        (
            "relations",
            lambda h, rows: (h, [["P6", "个人", "913210000000000010", "单位", "任职", "2012", ""]]),
            "统一社会信用代码",
        ),
        (
            "relations",
            lambda h, rows: (h, [["P6", "个人", "P1", "个人", "同学", "2012", ""]]),
            "关系",
        ),
        (
            "relations",
            lambda h, rows: (h, [[code(1), "单位", "P6", "个人", "任职", "2012", ""]]),
            "任职关系应为 个人 → 单位",
        ),
        (
            "relations",
            lambda h, rows: (h, [["P6", "个人", "P1", "个人", "合作", "2020", "2018"]]),
            "早于开始年份",
        ),
    ],
)
def test_bad_files_are_refused_in_chinese(tmp_path, which, mutate, expected):
    data = {
        "apps": (APP_HEAD, APPS),
        "experts": (EXP_HEAD, EXPERTS),
        "relations": (REL_HEAD, RELATIONS),
    }
    data[which] = mutate(*data[which])
    a = write_csv(tmp_path / "apps.csv", *data["apps"])
    e = write_csv(tmp_path / "experts.csv", *data["experts"])
    r = write_csv(tmp_path / "relations.csv", *data["relations"])
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "2",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "错误" in result.output and expected in result.output
    assert not (tmp_path / "o.csv").exists()


def test_bad_relation_names_file_row_and_column(tmp_path):
    rel = [RELATIONS[0], ["P6", "个人", "913210000000000010", "单位", "持股", "2012", ""]]
    a, e, r = inputs(tmp_path, "csv", relations=rel)
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "2",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "relations.csv" in result.output and "第 3 行「乙」" in result.output


SCORES = [["a", "x", "80"], ["a", "y", "70"], ["b", "x", "60"], ["b", "y", "50"], ["c", "x", "90"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_aggregate_scores_end_to_end(tmp_path, fmt):
    w = write_csv if fmt == "csv" else write_xlsx
    src = w(tmp_path / f"scores.{fmt}", ["申报编号", "专家编号", "分数"], SCORES)
    out = tmp_path / f"agg.{fmt}"
    result = runner.invoke(
        app,
        [
            "aggregate-scores",
            str(src),
            "--out",
            str(out),
            "--method",
            "additive",
            "--seed",
            "3",
            "--bootstrap",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = read_out(out)
    assert rows[0] == [
        "申报编号",
        "评审人数",
        "原始均值",
        "校正分数",
        "校正分数90%下限",
        "校正分数90%上限",
        "排名",
        "排名90%区间最好",
        "排名90%区间最差",
    ]
    got = {r[0]: r for r in rows[1:]}
    # Hand computation: b_x = 5, b_y = −5; corrected a 75, b 55, c 85; raw c 90.
    assert [r[0] for r in rows[1:]] == ["c", "a", "b"]
    assert float(got["c"][2]) == pytest.approx(90) and float(got["c"][3]) == pytest.approx(85)
    assert float(got["a"][3]) == pytest.approx(75) and float(got["b"][3]) == pytest.approx(55)
    assert got["a"][1] == "2" and got["c"][6] == "1"
    again = tmp_path / f"again.{fmt}"
    runner.invoke(
        app, ["aggregate-scores", str(src), "--out", str(again), "--seed", "3", "--bootstrap", "50"]
    )
    assert read_out(again) == rows


def test_aggregate_scores_standardised_and_refusals(tmp_path):
    src = write_csv(tmp_path / "s.csv", ["申报编号", "专家编号", "分数"], SCORES)
    ok = runner.invoke(
        app,
        [
            "aggregate-scores",
            str(src),
            "--out",
            str(tmp_path / "o.csv"),
            "--method",
            "standardised",
            "--trim",
            "0.2",
        ],
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app, ["aggregate-scores", str(src), "--out", str(tmp_path / "o.csv"), "--method", "median"]
    )
    assert bad.exit_code == 2 and "未知的校正方法" in bad.output
    dup = write_csv(
        tmp_path / "d.csv", ["申报编号", "专家编号", "分数"], [*SCORES, ["a", "x", "81"]]
    )
    res = runner.invoke(app, ["aggregate-scores", str(dup), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "第 7 行" in res.output and "重复" in res.output
    txt = write_csv(tmp_path / "t.csv", ["申报编号", "专家编号", "分数"], [["a", "x", "八十"]])
    res = runner.invoke(app, ["aggregate-scores", str(txt), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "第 2 行" in res.output and "分数" in res.output
    res = runner.invoke(app, ["aggregate-scores", str(src), "--out", str(tmp_path / "o.txt")])
    assert res.exit_code == 2 and ".csv 或 .xlsx" in res.output


def test_bad_xlsx_is_refused_with_row_and_column(tmp_path):
    experts = [EXPERTS[0][:9] + ["很多"], *EXPERTS[1:]]
    a, e, r = inputs(tmp_path, "xlsx", experts=experts)
    result = runner.invoke(
        app,
        [
            "assign-reviewers",
            str(a),
            str(e),
            str(r),
            "--year",
            "2025",
            "--per-application",
            "2",
            "--out",
            str(tmp_path / "o.xlsx"),
        ],
    )
    assert result.exit_code == 2
    assert "experts.xlsx" in result.output and "第 2 行「最多评审数」" in result.output
