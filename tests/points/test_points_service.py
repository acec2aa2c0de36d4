"""Stored runs, explained cards, scoping, consent and the bank role, what-if against a real rerun."""

from __future__ import annotations

import importlib

import pytest
from books import records, sheets
from factories import make_principal
from sheets import xlsx
from sqlalchemy import select, text

from kechuang.accounts.models import User
from kechuang.accounts.service import principal_of
from kechuang.core.audit import AuditLog, bind_principal
from kechuang.core.scope import ScopeError
from kechuang.core.security import SYSTEM
from kechuang.points import methodology as meth
from kechuang.points import service as svc
from kechuang.points.models import BANK_ROLE, PointsScore
from kechuang.points.scope import PointsForbidden
from kechuang.points.scoring import score
from kechuang.registry.service import EnterpriseFilter, enterprise_query
from kechuang.statistics.imports import import_file

HEADER = [
    "统一社会信用代码",
    "年度",
    "职工总数(人)",
    "营业收入(万元)",
    "研发费用总额(万元)",
    "Ⅰ类知识产权数(件)",
    "研发人员数(人)",
]


@pytest.fixture
def pw(session, world):
    """The world with 2023 figures too, a bank user and one points run."""
    a, b, enclave = world["a"], world["b"], world["enclave"]
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(
            HEADER,
            [
                [a.uscc, 2023, 90, 4000, 200, 2, 10],
                [b.uscc, 2023, 50, 2500, 150, 1, 5],
                [a.uscc, 2024, 100, 5000, 300, 3, 12],
                [b.uscc, 2024, 50, 2000, 100, 1, 5],
                [enclave.uscc, 2024, 10, 800, 40, 0, 1],
            ],
        ),
        "p.xlsx",
    )
    assert rep.ok, rep.errors
    bank = make_principal(session, BANK_ROLE, username="bank1")
    run = svc.create_run(session, SYSTEM)
    users = {u.username: principal_of(u) for u in session.scalars(select(User))}
    return {**world, "run": run, "bank": bank, "users": users}


def test_run_is_stored_with_version_hash_and_the_engine_figures(session, pw):
    run = pw["run"]
    m = meth.load()
    assert (run.methodology_code, run.methodology_version) == (m.code, m.version)
    assert run.provisional and run.years == [2023, 2024] and run.scored == 5
    stored = {
        (s.enterprise_id, s.year): s
        for s in session.scalars(select(PointsScore).where(PointsScore.run_id == run.id))
    }
    expected = score(svc.load_inputs(session, m), m, "enterprise_id")
    assert expected.height == len(stored) == 5
    for r in expected.iter_rows(named=True):
        s = stored[(r["enterprise_id"], r["year"])]
        assert s.total == pytest.approx(r["total"]) and s.rank_city == r["rank_city"]
        assert s.detail["p"]["rd_intensity"] == pytest.approx(r["p__rd_intensity"])
    # same inputs, same hash; the run is audited, and so is the bulk score insert
    again = svc.create_run(session, SYSTEM)
    assert again.input_hash == run.input_hash
    entities = {e for (e,) in session.execute(select(AuditLog.entity))}
    assert {"points_runs", "points_scores"} <= entities


def test_card_explains_itself(session, pw):
    a = pw["a"]
    card = svc.enterprise_card(session, SYSTEM, a.id)
    latest = card["latest"]
    assert latest["year"] == 2024 and [y["year"] for y in card["years"]] == [2023, 2024]
    # a: founded 2015 → 9 years, revenue 5000 → 成长期 (growth): rd intensity 300/5000 = 6% → 8/8
    assert latest["stage_name"] == "成长期"
    items = {i["code"]: i for i in latest["items"]}
    assert items["rd_intensity"]["points"] == pytest.approx(8)
    assert items["rd_expense"]["points"] == pytest.approx(300 / 1000 * 6)
    assert items["revenue_growth"]["points"] == pytest.approx(0.25 / 0.3 * 9)
    assert sum(c["points"] for c in latest["categories"]) == pytest.approx(latest["base"])
    assert {c["max"] for c in latest["categories"]} == {50, 35, 15}
    assert latest["ranks"]["city"]["of"] == 3 and latest["ranks"]["zone"]["of"] == 2
    assert card["methodology"]["provisional"]


def test_enterprise_user_sees_only_his_own_card_and_list(session, pw):
    ent_b = pw["users"]["ent_b"]
    assert svc.enterprise_card(session, ent_b, pw["b"].id)["latest"] is not None
    with pytest.raises(ScopeError):
        svc.enterprise_card(session, ent_b, pw["a"].id)
    assert [r["name"] for r in svc.top_list(session, ent_b)["items"]] == ["乙江都智能有限公司"]
    with pytest.raises(ScopeError):
        svc.what_if_for(session, ent_b, pw["a"].id, {"rd_expense": 10})


def test_zone_admin_lists_are_scoped(session, pw):
    zone_yz = pw["users"]["zone_yz"]
    names = {r["name"] for r in svc.top_list(session, zone_yz)["items"]}
    assert names == {"甲高新科技有限公司", "丙飞地企业有限公司"}
    data = svc.top_list(session, SYSTEM, svc.ListFilter(zone_id=pw["city"]["yzhtz"].id))
    assert data["rank_label"] == "所在高新区" and [r["rank"] for r in data["items"]] == [1, 2]
    movers = svc.movers(session, zone_yz)
    # city-wide 乙 (江都) fell; her list has only 甲 (the enclave has no 2023 figures)
    assert [r["name"] for r in movers["risers"]] == ["甲高新科技有限公司"]
    assert movers["fallers"] == []
    everyone = svc.movers(session, SYSTEM)
    assert [r["name"] for r in everyone["fallers"]] == ["乙江都智能有限公司"]


def test_each_score_stores_its_change_against_the_previous_year(session, pw):
    stored = session.execute(
        select(PointsScore.enterprise_id, PointsScore.year, PointsScore.total, PointsScore.delta)
        .where(PointsScore.run_id == pw["run"].id)
        .order_by(PointsScore.enterprise_id, PointsScore.year)
    ).all()
    totals = {(e, y): t for e, y, t, _ in stored}
    assert any(d is not None for *_, d in stored) and any(d is None for *_, d in stored)
    for e, y, t, d in stored:
        if (e, y - 1) in totals:
            assert d == t - totals[(e, y - 1)]  # the same double subtraction, exactly
        else:
            assert d is None
    # the migration's backfill computes the same changes for runs stored before the column
    backfill = importlib.import_module("kechuang.points.migrations.20261208_points_delta").BACKFILL
    session.execute(text("UPDATE points_scores SET delta = NULL"))
    session.execute(text(backfill))
    session.expire_all()
    again = session.execute(
        select(PointsScore.enterprise_id, PointsScore.year, PointsScore.total, PointsScore.delta)
        .where(PointsScore.run_id == pw["run"].id)
        .order_by(PointsScore.enterprise_id, PointsScore.year)
    ).all()
    assert again == stored
    # the movers are the stored changes, largest first
    everyone = svc.movers(session, SYSTEM)
    latest = max(y for _, y, *_ in stored)
    changes = sorted(
        ((d, e) for e, y, _, d in stored if y == latest and d is not None),
        key=lambda c: (-c[0], c[1]),
    )
    assert [r["enterprise_id"] for r in everyone["risers"]] == [e for d, e in changes if d > 0]
    assert [r["delta"] for r in everyone["risers"]] == [round(d, 2) for d, _ in changes if d > 0]


def test_the_list_total_counts_what_the_list_holds_with_each_filter(session, pw):
    zone_yz = pw["users"]["zone_yz"]
    stages = {r["stage"] for r in svc.top_list(session, SYSTEM, n=1000)["items"]}
    filters = [svc.ListFilter(), svc.ListFilter(zone_id=pw["city"]["yzhtz"].id)]
    filters += [svc.ListFilter(stage=st) for st in stages]
    for principal in (SYSTEM, zone_yz):
        for flt in filters:
            data = svc.top_list(session, principal, flt, n=1000)
            assert data["total"] == len(data["items"]), (principal.username, flt)


def test_consent_filters_the_bank_list_and_is_audited(session, pw):
    bank, ent_b, zone_yz = pw["bank"], pw["users"]["ent_b"], pw["users"]["zone_yz"]
    assert svc.bank_list(session, bank)["items"] == []
    svc.set_consent(session, ent_b, pw["b"].id, True)
    svc.set_consent(
        session, SYSTEM, pw["a"].id, True, "书面授权书 2025-001", b"%PDF-1.4 x", "授权书.pdf"
    )
    names = [r["name"] for r in svc.bank_list(session, bank)["items"]]
    assert set(names) == {"甲高新科技有限公司", "乙江都智能有限公司"}
    bind_principal(session, ent_b)  # as the API and UI do
    svc.set_consent(session, ent_b, pw["b"].id, False)  # withdrawn: gone at once
    bind_principal(session, SYSTEM)
    assert [r["name"] for r in svc.bank_list(session, bank)["items"]] == ["甲高新科技有限公司"]
    logs = session.scalars(
        select(AuditLog).where(AuditLog.entity == "points_consents").order_by(AuditLog.id)
    ).all()
    assert [log.action for log in logs] == ["create", "create", "update"]
    assert logs[-1].before["consented"] is True and logs[-1].after["consented"] is False
    assert logs[-1].username == "ent_b"
    # an admin needs a basis; a zone admin cannot touch another zone's enterprise; banks cannot
    with pytest.raises(svc.PointsError, match="授权依据"):
        svc.set_consent(session, SYSTEM, pw["b"].id, True, " ", b"%PDF", "a.pdf")
    with pytest.raises(ScopeError):
        svc.set_consent(session, zone_yz, pw["b"].id, True, "书面授权")
    with pytest.raises(PointsForbidden):
        svc.set_consent(session, bank, pw["a"].id, False)
    # the bank export holds the consented enterprise only
    content = svc.export_xlsx(session, bank, "bank")
    assert list(sheets(content)) == ["银行名单", "说明"]
    header, rows = records(content, "银行名单")
    assert header[:3] == ["企业名称", "统一社会信用代码", "高新区"] and "创新积分(分)" in header
    assert [(r["企业名称"], r["统一社会信用代码"]) for r in rows] == [
        ("甲高新科技有限公司", pw["a"].uscc)
    ]
    card = svc.enterprise_card(session, SYSTEM, pw["a"].id)["latest"]
    assert rows[0]["创新积分(分)"] == pytest.approx(card["total"], abs=1e-4)


def test_bank_viewer_sees_nothing_but_the_bank_list(session, pw):
    bank = pw["bank"]
    assert session.scalars(enterprise_query(bank, EnterpriseFilter())).all() == []
    assert len(session.scalars(enterprise_query(SYSTEM, EnterpriseFilter())).all()) == 3
    for call in (
        lambda: svc.top_list(session, bank),
        lambda: svc.movers(session, bank),
        lambda: svc.enterprise_card(session, bank, pw["a"].id),
        lambda: svc.what_if_for(session, bank, pw["a"].id, {"rd_expense": 1}),
        lambda: svc.export_xlsx(session, bank, "top"),
    ):
        with pytest.raises(PermissionError):
            call()
    with pytest.raises(PointsForbidden):
        svc.bank_list(session, pw["users"]["zone_yz"])


def test_what_if_equals_a_real_rerun_with_the_changed_figures(session, pw):
    a = pw["a"]
    result = svc.what_if_for(session, SYSTEM, a.id, {"rd_expense": 200, "ip_class1": 1})
    stored = session.scalar(
        select(PointsScore).where(
            PointsScore.run_id == pw["run"].id,
            PointsScore.enterprise_id == a.id,
            PointsScore.year == 2024,
        )
    )
    assert result["before"]["total"] == pytest.approx(stored.total)
    # the bureau receives corrected figures (a new revision) and scores again
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(
            ["统一社会信用代码", "年度", "研发费用总额(万元)", "Ⅰ类知识产权数(件)"],
            [[a.uscc, 2024, 500, 4]],
        ),
        "fix.xlsx",
    )
    assert rep.ok and rep.revised == 1
    rerun = svc.create_run(session, SYSTEM)
    new = session.scalar(
        select(PointsScore).where(
            PointsScore.run_id == rerun.id,
            PointsScore.enterprise_id == a.id,
            PointsScore.year == 2024,
        )
    )
    assert result["after"]["total"] == pytest.approx(new.total)
    # three enterprises in the city: the rank is withheld (two others), the group size is shown
    assert new.n_city == 3 and result["after"]["ranks"]["city"] == {"rank": None, "of": 3}
    assert result["after"]["total"] > result["before"]["total"]
    with pytest.raises(svc.PointsError, match="不能为负数"):
        svc.what_if_for(session, SYSTEM, a.id, {"rd_expense": -10_000})


def test_flags_feed_bonus_items(session, pw):
    a = pw["a"]
    with pytest.raises(PointsForbidden):
        svc.set_flag(session, pw["users"]["ent_b"], pw["b"].id, 2024, "hnte", True)
    with pytest.raises(svc.PointsError, match="未知的积分标记"):
        svc.set_flag(session, SYSTEM, a.id, 2024, "nobel", True)
    svc.set_flag(session, SYSTEM, a.id, 2024, "hnte", True, "证书 GR2024xxxx")
    before = svc.enterprise_card(session, SYSTEM, a.id)["latest"]
    run = svc.create_run(session, SYSTEM)
    after = svc.enterprise_card(session, SYSTEM, a.id, run.id)["latest"]
    assert after["bonus"] == before["bonus"] + 5
    assert [b["name"] for b in after["bonus_items"]] == ["有效期内高新技术企业"]
    assert session.scalar(select(AuditLog.id).where(AuditLog.entity == "points_flags"))


def test_run_needs_city_admin_and_data(session, pw):
    with pytest.raises(PointsForbidden):
        svc.create_run(session, pw["users"]["zone_yz"])
    with pytest.raises(svc.PointsError, match="未知的积分方法"):
        svc.create_run(session, SYSTEM, "nope")
    local = svc.create_run(session, SYSTEM, "local_relative")
    assert local.mode == "relative"
    card = svc.enterprise_card(session, SYSTEM, pw["a"].id, local.id)
    assert card["methodology"]["scale"] == 1000


def test_exports_and_unknown_list(session, pw):
    content = svc.export_xlsx(session, SYSTEM, "top")
    assert list(sheets(content)) == ["创新积分排行", "说明"]
    header, rows = records(content, "创新积分排行")
    assert header == [
        "名次",
        "企业名称",
        "统一社会信用代码",
        "高新区",
        "行业大类",
        "生命周期阶段",
        "创新积分(分)",
        "全市名次",
        "全市参评数",
    ]
    top = svc.top_list(session, SYSTEM)["items"]
    assert len(rows) == len(top) == 3
    assert [(r["名次"], r["企业名称"], r["统一社会信用代码"], r["高新区"]) for r in rows] == [
        (t["rank"], t["name"], t["uscc"], t["zone"]) for t in top
    ]
    # the export rounds to the unit's two decimals
    assert [r["创新积分(分)"] for r in rows] == pytest.approx([t["total"] for t in top], abs=0.0051)
    assert {r["全市参评数"] for r in rows} == {3}
    assert any("暂行方法" in (line[0] or "") for line in sheets(content)["说明"])
    movers = svc.export_xlsx(session, SYSTEM, "movers")
    assert list(sheets(movers)) == ["积分上升", "积分下降", "说明"]
    up = records(movers, "积分上升")[1]
    down = records(movers, "积分下降")[1]
    assert [r["企业名称"] for r in up] == ["甲高新科技有限公司"]
    assert [r["企业名称"] for r in down] == ["乙江都智能有限公司"]
    assert up[0]["积分变化(分)"] > 0 > down[0]["积分变化(分)"]
    with pytest.raises(svc.PointsError, match="未知的名单类型"):
        svc.export_xlsx(session, SYSTEM, "everything")
    with pytest.raises(svc.PointsError, match="没有 2019 年的积分"):
        svc.top_list(session, SYSTEM, year=2019)


def test_ranks_in_groups_with_fewer_than_three_others_are_withheld(session, pw, city):
    """The attack: 乙's user varies a what-if until its rank moves, and so learns where the two
    other scored enterprises stand. With fewer than three others, no rank is shown (card, what-if,
    bank list); with four others in the city the city rank is shown."""
    from factories import make_enterprise

    b = pw["b"]
    user = pw["users"]["ent_b"]
    card = svc.enterprise_card(session, user, b.id)
    assert card["latest"]["ranks"]["city"]["rank"] is None
    assert card["latest"]["ranks"]["city"]["of"] == 3
    assert all(y["rank_city"] is None and y["n_city"] for y in card["years"])
    for rich in (10, 1000):
        wi = svc.what_if_for(session, user, b.id, {"rd_expense": rich})
        assert wi["after"]["ranks"]["city"]["rank"] is None
    svc.set_consent(session, user, b.id, True)
    items = svc.bank_list(session, pw["bank"])["items"]
    assert [i["rank_city"] for i in items] == [None]
    # two more enterprises: four others in the city, the city rank is shown
    c1 = make_enterprise(session, city["gaoyou"], name="壬企业有限公司")
    c2 = make_enterprise(session, city["baoying"], name="癸企业有限公司")
    rows = [[c.uscc, 2024, 20, 900, 30, 0, 1] for c in (c1, c2)]
    assert import_file(session, SYSTEM, "enterprise_years", xlsx(HEADER, rows), "c.xlsx").ok
    svc.create_run(session, SYSTEM)
    card = svc.enterprise_card(session, user, b.id)
    city_rank = card["latest"]["ranks"]["city"]
    assert city_rank["of"] == 5 and 1 <= city_rank["rank"] <= 5
    assert svc.bank_list(session, pw["bank"])["items"][0]["rank_city"] == city_rank["rank"]
