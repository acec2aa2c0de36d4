"""Fixtures for the 重点攻关 tests: a user of every role, two experts linked to expert accounts and
an open normal call."""

from __future__ import annotations

import pytest
from factories import make_uscc
from progdata import call_data

from kechuang.accounts.service import create_user, principal_of
from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Expert

PASSWORD = "Yz-kc-test-2026"


@pytest.fixture
def pw(session):
    """Users of every role (principals in p), two experts bound to e1/e2, a normal call (open)."""
    users = {}
    for name, role in (
        ("city", "city_admin"),
        ("a1", "applicant"),
        ("a2", "applicant"),
        ("e1", "expert"),
        ("e2", "expert"),
        ("o1", "challenge_owner"),
        ("o2", "challenge_owner"),
        ("bank", "bank_viewer"),
        ("farmer", "service_recipient"),
    ):
        users[name] = create_user(session, username=name, password=PASSWORD, role=role)
    session.flush()
    p = {k: principal_of(u) for k, u in users.items()}
    experts = {}
    for i, name in enumerate(("e1", "e2"), 1):
        experts[name] = Expert(
            code=f"ZJ{i}",
            name=f"专家{i}",
            id_no=f"32100019700101{i:04d}",
            unit_name=f"专家单位{i}",
            unit_uscc=make_uscc(900 + i),
            user_id=users[name].id,
            max_load=10,
        )
        session.add(experts[name])
    call = svc.create_call(session, SYSTEM, call_data("T1"))
    svc.set_call_state(session, SYSTEM, call.id, "open")
    session.flush()
    return {"users": users, "p": p, "experts": experts, "call": call}
