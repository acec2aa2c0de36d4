"""Strict imports of the commissioner register and demands (every bad cell, all or nothing), the
import kinds, and the `kechuang commissioners` command group."""

from __future__ import annotations

import io

from cmdata import BAOYING, GAOYOU
from openpyxl import load_workbook
from sheets import xlsx
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.commissioners.imports import import_commissioners, import_demands
from kechuang.commissioners.models import Commissioner, Demand
from kechuang.core.security import SYSTEM
from kechuang.domains import import_kinds

HEADER = [
    "类型",
    "名称",
    "派出单位",
    "职称级别",
    "专业特长",
    "服务产业",
    "所在区县代码",
    "服务区县代码",
    "选派年度",
    "成员",
]


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_register_import_is_all_or_nothing_with_every_bad_cell(session, cw):
    before = _count(session, Commissioner)
    bad = xlsx(
        HEADER,
        [
            ["个人", "演示数据·甲", "扬州大学", "正高", "水稻", "水稻", BAOYING, "", 2024, ""],
            [
                "法人",
                "演示数据·乙公司",
                "",
                "其他",
                "蓝莓",
                "蓝莓",
                GAOYOU,
                "",
                2024,
                "张:中级；李:初级",
            ],
            [
                "团队",
                "演示数据·丙团",
                "",
                "副高",
                "莲藕",
                "莲藕",
                "999999",
                "",
                2024,
                "赵:正高；钱:中级；孙:中级",
            ],
            ["公司", "演示数据·丁", "", "其他", "", "", BAOYING, "", 2024, ""],
        ],
    )
    rep = import_commissioners(session, SYSTEM, bad, "名册.xlsx")
    reasons = [(e.row, e.reason) for e in rep.errors]
    assert (3, "法人科技特派员须组织本单位至少 3 名专业技术人员，现有 2 名") in reasons
    assert any(r == 4 and "所在区县代码不存在" in m for r, m in reasons)
    assert any(r == 4 and "负责人" in m for r, m in reasons)
    assert (5, "类型应为 个人、团队、法人") in reasons
    assert _count(session, Commissioner) == before
    good = xlsx(
        HEADER,
        [
            [
                "个人",
                "演示数据·甲",
                "扬州大学",
                "正高",
                "水稻",
                "水稻；蔬菜",
                BAOYING,
                f"{BAOYING}；{GAOYOU}",
                2024,
                "",
            ],
            [
                "团队",
                "演示数据·丙团",
                "",
                "副高",
                "莲藕",
                "莲藕",
                BAOYING,
                "",
                2024,
                "赵:正高:负责人；钱:中级；孙:中级",
            ],
        ],
    )
    rep = import_commissioners(session, SYSTEM, good, "名册.xlsx")
    assert rep.ok and rep.created == 2, rep.errors
    c = session.scalar(select(Commissioner).where(Commissioner.name == "演示数据·甲"))
    assert c.industries == ["水稻", "蔬菜"]


def test_demand_import_stays_in_the_county(session, cw):
    header = ["需求标题", "需求描述", "产业", "所在地代码", "服务对象", "服务对象类型", "紧急程度"]
    rows = [
        ["藕塘", "连作障碍严重需要指导", "莲藕", BAOYING + "101", "演示数据·某", "农户", "紧急"],
        ["虾塘", "尾水超标需要处理方案", "罗氏沼虾", GAOYOU, "演示数据·某", "合作社", "一般"],
    ]
    rep = import_demands(session, cw["p"]["by_admin"], xlsx(header, rows), "需求.xlsx")
    assert [(e.row, e.column, e.reason) for e in rep.errors] == [
        (3, "所在地代码", "不在您负责的区县内")
    ]
    assert _count(session, Demand) == 0
    rep = import_demands(session, cw["p"]["by_admin"], xlsx(header, rows[:1]), "需求.xlsx")
    assert rep.ok and rep.created == 1
    d = session.scalar(select(Demand))
    assert d.urgency == "urgent" and d.county_code == BAOYING


def test_import_kinds_and_templates():
    kinds = {k.code: k for k in import_kinds()}
    assert kinds["commissioners"].roles == ("city_admin",)
    assert "county_admin" in kinds["demands"].roles
    book = load_workbook(io.BytesIO(kinds["commissioners"].template_bytes()))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["类型", "名称"]


def test_cli_import_list_assess_export(session, cw, tmp_path):
    runner = CliRunner()
    path = tmp_path / "名册.xlsx"
    path.write_bytes(
        xlsx(HEADER, [["法人", "演示数据·戊公司", "", "其他", "", "", BAOYING, "", 2024, "甲；乙"]])
    )
    r = runner.invoke(app, ["commissioners", "import", str(path)])
    assert r.exit_code == 1 and "未导入" in r.output and "现有 2 名" in r.output
    path.write_bytes(
        xlsx(
            HEADER,
            [["法人", "演示数据·戊公司", "", "其他", "", "", BAOYING, "", 2024, "甲；乙；丙"]],
        )
    )
    r = runner.invoke(app, ["commissioners", "import", str(path)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["commissioners", "list", "--kind", "legal_person"])
    assert r.exit_code == 0 and "演示数据·戊公司" in r.output
    assert runner.invoke(app, ["commissioners", "assess", "2026"]).exit_code == 0
    out = tmp_path / "考核.xlsx"
    r = runner.invoke(app, ["commissioners", "assessment-export", "2026", str(out)])
    assert r.exit_code == 0, r.output
    names = {
        row[1] for row in load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)
    }
    assert "演示数据·戊公司" in names
