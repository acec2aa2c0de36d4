"""The new roles and scope kinds: users bound to a 区县/乡镇 code or a commissioner record."""

from __future__ import annotations

import pytest
from cmdata import BAOYING, PASSWORD
from typer.testing import CliRunner

from kechuang.accounts.service import create_user, principal_of, update_user
from kechuang.cli import app
from kechuang.core.security import ROLES, SecurityError, register_role


def test_roles_and_scope_kinds(session, city):
    assert {
        r: ROLES[r].scope
        for r in ("county_admin", "village_informant", "commissioner", "service_recipient")
    } == {
        "county_admin": "region",
        "village_informant": "region",
        "commissioner": "commissioner",
        "service_recipient": "own",
    }
    with pytest.raises(ValueError):
        register_role("x", "x", "county")  # scope kinds are a closed list


@pytest.mark.parametrize(
    ("role", "kw", "message"),
    [
        ("county_admin", {}, "必须指定所属区县或乡镇"),
        ("county_admin", {"region_code": "32102"}, "6 位（区县）或 9 位（乡镇）"),
        ("county_admin", {"region_code": "310101"}, "区县不存在"),
        ("village_informant", {"region_code": "999999101"}, "区县不存在"),
        ("commissioner", {}, "必须指定对应的特派员编号"),
        ("commissioner", {"commissioner_id": 987654}, "特派员不存在：987654"),
    ],
)
def test_binding_is_checked(session, city, role, kw, message):
    with pytest.raises(SecurityError, match=message):
        create_user(session, username="u1", password=PASSWORD, role=role, **kw)


def test_binding_is_kept_and_cleared_on_role_change(session, city):
    u = create_user(
        session, username="u1", password=PASSWORD, role="county_admin", region_code=BAOYING
    )
    p = principal_of(u)
    assert (p.scope, p.region_code, p.commissioner_id) == ("region", BAOYING, None)
    from cmdata import individual

    from kechuang.commissioners.service import create_commissioner
    from kechuang.core.security import SYSTEM

    c = create_commissioner(session, SYSTEM, individual("演示数据·测试特派员", BAOYING))
    update_user(session, u, role="commissioner", commissioner_id=c.id)
    assert (u.region_code, u.commissioner_id) == (None, c.id)
    update_user(session, u, role="city_admin")
    assert (u.region_code, u.commissioner_id) == (None, None)


def test_cli_user_add_with_region(session, city):
    r = CliRunner().invoke(
        app,
        [
            "user",
            "add",
            "xinxi",
            "--role",
            "village_informant",
            "--region",
            "321023101",
            "--password",
            PASSWORD,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "村信息员" in r.output
