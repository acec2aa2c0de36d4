"""Strict imports of the expert bank and the relations register (all or nothing, every bad cell in
Chinese; the bureau only), and the workflow CLI."""

from __future__ import annotations

import pytest
from factories import make_uscc
from sheets import xlsx
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.core.scope import RoleError
from kechuang.core.security import SYSTEM
from kechuang.programs.cli_workflow import app as cli
from kechuang.programs.imports import (
    EXPERT_COLUMNS,
    RELATION_COLUMNS,
    expert_template,
    import_experts,
    import_relations,
    relation_template,
)
from kechuang.programs.models import Expert, Relation

EXPERT_HEADER = [c.header for c in EXPERT_COLUMNS]
RELATION_HEADER = [c.header for c in RELATION_COLUMNS]


def _expert(code, id_no, uscc, finance="否", load=5):
    return [
        code,
        "王五",
        id_no,
        "扬州大学",
        uscc,
        "教授",
        "肿瘤",
        "肿瘤；免疫",
        finance,
        load,
        "321002",
    ]


def test_experts_import_and_its_errors(session):
    good = xlsx(
        EXPERT_HEADER, [_expert("Z1", "P1", make_uscc(1)), _expert("Z2", "P2", make_uscc(2), "是")]
    )
    rep = import_experts(session, SYSTEM, good, "e.xlsx")
    assert rep.ok and rep.created == 2, rep.errors
    e = session.scalar(select(Expert).where(Expert.code == "Z2"))
    assert e.finance and e.keywords == ["肿瘤", "免疫"] and e.max_load == 5
    bad = xlsx(
        EXPERT_HEADER,
        [
            _expert("Z1", "P9", make_uscc(3)),  # code already in the bank
            _expert("Z3", "P3", "913210001234567890", "也许", 0),
            _expert("Z4", "P3", make_uscc(4)),  # 证件号 repeated in the file
        ],
    )
    rep = import_experts(session, SYSTEM, bad, "e.xlsx")
    assert not rep.ok and rep.created == 0
    reasons = {(e.row, e.column): e.reason for e in rep.errors}
    assert "专家编号重复" in reasons[(2, "专家编号")]
    assert (
        "校验位" in reasons[(3, "工作单位代码")]
        or "统一社会信用代码" in reasons[(3, "工作单位代码")]
    )
    assert reasons[(3, "财务专家")] == "应为 是 或 否" and "至少为 1" in reasons[(3, "最多评审数")]
    assert "证件号重复" in reasons[(4, "证件号")]
    assert session.scalar(select(func.count(Expert.id))) == 2  # nothing of the bad file stored
    assert expert_template()[:2] == b"PK"


def test_relations_import_and_its_errors(session):
    u = make_uscc(7)
    good = xlsx(
        RELATION_HEADER,
        [
            ["P1", "个人", u, "单位", "任职", 2018, None],
            ["P1", "个人", "P2", "个人", "师生", 2001, 2005],
        ],
    )
    rep = import_relations(session, SYSTEM, good, "r.xlsx")
    assert rep.ok and rep.created == 2, rep.errors
    r = session.scalar(select(Relation).where(Relation.relation == "employment"))
    assert (r.a_kind, r.b_kind, r.end_year) == ("person", "unit", None)
    bad = xlsx(RELATION_HEADER, [["P1", "人", "X", "单位", "同学", 2010, 2008]])
    rep = import_relations(session, SYSTEM, bad, "r.xlsx")
    cols = {e.column for e in rep.errors}
    assert {"甲类型", "乙", "关系", "结束年份"} <= cols, rep.errors
    assert relation_template()[:2] == b"PK"


def test_imports_are_the_bureaus(session, pw):
    with pytest.raises(RoleError):
        import_experts(session, pw["p"]["a1"], b"", "e.xlsx")
    with pytest.raises(RoleError):
        import_relations(session, pw["p"]["e1"], b"", "r.xlsx")


def test_workflow_cli(session, pw, tmp_path):
    from progdata import app_data

    from kechuang.programs import service as svc

    runner = CliRunner()
    r = runner.invoke(cli, ["guide"])
    assert r.exit_code == 0 and "碳达峰碳中和" in r.output and "（六）4" in r.output
    app = svc.create_application(session, pw["p"]["a1"], pw["call"].id, app_data(make_uscc()))
    session.flush()
    r = runner.invoke(cli, ["move", str(app.id), "submit", "--reason", "命令行提交"])
    assert r.exit_code == 0, r.output
    assert "已申报" in r.output
    r = runner.invoke(cli, ["move", str(app.id), "evaluate"])
    assert r.exit_code == 1 and "当前状态为“已申报”" in r.output
    path = tmp_path / "e.xlsx"
    path.write_bytes(xlsx(EXPERT_HEADER, [_expert("Z9", "P9", make_uscc(9))]))
    r = runner.invoke(cli, ["import-experts", str(path)])
    assert r.exit_code == 0 and "新增 1 条" in r.output, r.output
    r = runner.invoke(cli, ["link-expert", "Z9", "e1"])
    assert r.exit_code == 1 and "已关联专家“ZJ1”" in r.output  # e1 is bound by the fixture
    r = runner.invoke(cli, ["link-expert", "Z9", "a1"])
    assert r.exit_code == 1 and "不是评审专家账号" in r.output
    r = runner.invoke(cli, ["calls"])
    assert r.exit_code == 0 and "T1" in r.output
