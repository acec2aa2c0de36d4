"""Platform: migrations up and down, the audit trail, passwords and tokens, the CLI, formatting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_enterprise, make_uscc
from sheets import xlsx
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.service import authenticate, create_user, issue_token, user_for_token
from kechuang.cli import app as cli
from kechuang.core import db
from kechuang.core.audit import AuditLog, bind_principal
from kechuang.core.formatting import fmt_money, fmt_pct
from kechuang.core.security import Principal, SecurityError
from kechuang.registry.models import Enterprise

EXPECTED_TABLES = {
    "users",
    "api_tokens",
    "audit_log",
    "regions",
    "industries",
    "zones",
    "parks",
    "zone_industries",
    "carriers",
    "enterprises",
    "import_batches",
    "enterprise_years",
    "zone_years",
}


def test_migrations_down_and_up(engine):
    """Down to empty and back to head on the run's database (SQLite or PostgreSQL)."""
    url = engine.url.render_as_string(hide_password=False)
    db.downgrade(url, "base")
    assert not EXPECTED_TABLES & set(inspect(engine).get_table_names())
    db.upgrade(url, "heads")
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES


def test_orm_writes_are_audited_with_before_and_after(session, city):
    actor = Principal(7, "zhang", "city_admin")
    bind_principal(session, actor)
    ent = make_enterprise(session, city["yzhtz"], name="旧名称有限公司")
    ent.name = "新名称有限公司"
    session.flush()
    session.delete(ent)
    session.flush()
    rows = session.scalars(
        select(AuditLog).where(AuditLog.entity == "enterprises").order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert all(r.username == "zhang" and r.user_id == 7 for r in rows)
    assert {r.entity_id for r in rows} == {str(ent.id)}
    assert rows[0].after["name"] == "旧名称有限公司"
    assert rows[1].before["name"] == "旧名称有限公司"
    assert rows[1].after["name"] == "新名称有限公司"
    assert rows[2].before["name"] == "新名称有限公司" and rows[2].after is None


def test_registry_reimport_records_the_change(session, city):
    from kechuang.core.security import SYSTEM
    from kechuang.statistics.imports import import_file

    uscc = make_uscc()
    header = ["统一社会信用代码", "企业名称", "所属高新区"]
    import_file(
        session, SYSTEM, "enterprises", xlsx(header, [[uscc, "甲公司", "扬州高新区"]]), "a.xlsx"
    )
    report = import_file(
        session, SYSTEM, "enterprises", xlsx(header, [[uscc, "甲公司", "江都高新区"]]), "b.xlsx"
    )
    assert report.revised == 1
    change = session.scalars(
        select(AuditLog).where(AuditLog.entity == "enterprises", AuditLog.action == "update")
    ).all()[-1]
    assert change.before["zone_id"] == city["yzhtz"].id
    assert change.after["zone_id"] == city["jiangdu"].id


def test_passwords_are_argon2_and_tokens_expire(session):
    user = create_user(session, username="li", password="secret-123", role="city_admin")
    assert user.password_hash.startswith("$argon2id$") and "secret-123" not in user.password_hash
    assert authenticate(session, "li", "secret-123") is user
    assert authenticate(session, "li", "wrong-pass") is None
    token, _ = issue_token(session, user)
    assert user_for_token(session, token) is user
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_sha256 != token
    stored.expires_at = stored.expires_at - timedelta(days=2)
    session.flush()
    assert user_for_token(session, token) is None
    user.active = False
    session.flush()
    assert authenticate(session, "li", "secret-123") is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"role": "wizard"}, "未知角色"),
        ({"role": "zone_admin"}, "必须指定所属高新区"),
        ({"role": "enterprise_user"}, "必须指定所属企业"),
        ({"role": "city_admin", "password": "short"}, "至少 10 位"),
    ],
)
def test_user_creation_is_validated(session, kwargs, message):
    args = {"username": "x1", "password": "long-enough", **kwargs}
    with pytest.raises(SecurityError, match=message):
        create_user(session, **args)


runner = CliRunner()


def test_cli_template_import_export_roundtrip(session, city, tmp_path):
    template = tmp_path / "t.xlsx"
    assert runner.invoke(cli, ["template", "enterprises", str(template)]).exit_code == 0
    import polars as pl

    assert pl.read_excel(template).columns[:2] == ["统一社会信用代码", "企业名称"]
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [[make_uscc(), "命令行导入有限公司", "杭集高新区"]],
        )
    )
    result = runner.invoke(cli, ["import", "enterprises", str(good), "--dry-run"])
    assert result.exit_code == 0 and "试导入" in result.output
    assert session.scalar(select(Enterprise).where(Enterprise.name == "命令行导入有限公司")) is None
    result = runner.invoke(cli, ["import", "enterprises", str(good)])
    assert result.exit_code == 0 and "导入成功" in result.output
    out = tmp_path / "out.xlsx"
    assert (
        runner.invoke(cli, ["export", "enterprises", str(out), "--zone", "杭集高新区"]).exit_code
        == 0
    )
    # an export opens with its title row (what, scope), the header under it
    assert "范围：杭集高新区" in pl.read_excel(out, has_header=False).row(0)[0]
    exported = pl.read_excel(out, read_options={"header_row": 1})
    assert exported.get_column("企业名称").to_list() == ["命令行导入有限公司"]


def test_cli_bad_file_exits_nonzero_with_report(session, city, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [["91320000XXXXXXXXXX", "坏公司", "火星高新区"]],
        )
    )
    result = runner.invoke(cli, ["import", "enterprises", str(bad)])
    assert result.exit_code == 1
    assert "校验位" in result.output and "未知的高新区" in result.output
    import polars as pl

    report = pl.read_excel(tmp_path / "bad_错误报告.xlsx")
    assert report.columns == ["行号", "列", "值", "原因"] and report.height == 2
    assert runner.invoke(cli, ["import", "nonsense", str(bad)]).exit_code == 1


def test_cli_user_add(session, city):
    result = runner.invoke(
        cli,
        [
            "user",
            "add",
            "wang",
            "--role",
            "zone_admin",
            "--zone",
            "江都高新区",
            "--password",
            "abcdefgh12",
        ],
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "wang"))
    assert user.zone_id == city["jiangdu"].id
    result = runner.invoke(
        cli,
        [
            "user",
            "add",
            "zhao",
            "--role",
            "zone_admin",
            "--zone",
            "不存在",
            "--password",
            "abcdefgh12",
        ],
    )
    assert result.exit_code == 2 and "未知的高新区" in result.output


def test_money_formatting():
    assert fmt_money(1234.5) == "1,234.50万元"
    assert fmt_money(28_600_000) == "2,860.00亿元"
    assert fmt_money(10000) == "1.00亿元"
    assert fmt_money(None) == "—"
    assert fmt_pct(0.0456) == "4.6%"


def test_city_config_is_loaded_as_the_plan_describes(city):
    yz = city["yzhtz"]
    roles = {zi.industry.name: zi.role for zi in yz.industries}
    assert roles == {
        "高端装备制造": "main",
        "生物医药": "emerging",
        "微机电": "emerging",
    }  # 一主两新
    assert len(city["hangji"].parks) == 4  # 一区四园
    assert "城南新区" in {p.name for p in city["gaoyou"].parks}
    assert {zi.industry.name for zi in city["jiangdu"].industries} == {
        "人工智能",
        "数字经济",
        "新能源",
        "新材料",
    }
    assert city["baoying"].level == "培育" and city["baoying"].candidate_for == "省级"
    assert city["agri"].kind == "农业科技园区"
    assert yz.region_code == "321003" and yz.level == "国家级"
