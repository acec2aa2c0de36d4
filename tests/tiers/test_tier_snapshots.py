"""Stored tier evaluation snapshots and the 后备库's nearest rung and cheapest gaps."""

from __future__ import annotations

import polars as pl
import pytest
from books import records
from factories import make_principal
from sheets import xlsx
from sqlalchemy import func, select

from kechuang.core.audit import AuditLog
from kechuang.core.errors import Forbidden
from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.tiers import assessment, dashboard, snapshots
from kechuang.tiers.methodology import TierError, packs_for_year
from kechuang.tiers.models import TierSnapshot, TierSnapshotResult

YEARS = [2022, 2023, 2024]


def _without_source(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "source"}


def _boom(*_a, **_k):
    raise AssertionError("evaluated live although a fresh snapshot exists")


def _change_b_rd(session, world, rd: float) -> None:
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "研发费用总额(万元)"], [[world["b"].uscc, 2024, rd]]),
        "fix.xlsx",
    )
    assert rep.ok, rep.errors
    session.flush()


def test_snapshot_equals_fresh_computation_and_is_audited(session, tier_world):
    live = dashboard.pipeline(session, SYSTEM, YEARS)
    assert live["source"]["kind"] == "live" and live["source"]["state"] == "none"
    snap = snapshots.create_snapshot(session, SYSTEM, YEARS)
    assert snap.years == YEARS and snap.enterprises == 9  # 3 enterprises × 3 years
    assert snap.packs["2024"] == [
        {"code": p.code, "family": p.family, "version": p.version} for p in packs_for_year(2024)
    ]
    assert snap.rows == sum(3 * len(packs_for_year(y)) for y in YEARS)
    assert len(snap.input_hash) == 64
    for year in YEARS:
        fresh, packs = assessment.evaluate_year(session, SYSTEM, year)
        stored = snapshots.stored_result(session, SYSTEM, snap.id, year, packs)
        cols = ["key", "rung", "rung_eval", "next_distance"] + [
            f"{p.code}|{c}" for p in packs for c in ("status", "held", "distance")
        ]
        a = fresh.select(cols).sort("key").with_columns(pl.col("rung", "rung_eval").cast(pl.Int8))
        b = stored.select(cols).sort("key")
        assert a.equals(b), (a, b)
    stored_pipe = dashboard.pipeline(session, SYSTEM, YEARS)
    assert stored_pipe["source"]["kind"] == "snapshot"
    assert stored_pipe["source"]["snapshot"]["id"] == snap.id
    assert _without_source(stored_pipe) == _without_source(live)
    entry = session.scalars(
        select(AuditLog).where(AuditLog.entity == "tier_snapshot_results")
    ).one()
    assert "2022、2023、2024年" in entry.summary and "9 个企业年度" in entry.summary
    assert (
        session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "tier_snapshots")
        )
        == 1
    )


def test_dashboard_and_candidates_read_the_snapshot(session, tier_world, monkeypatch):
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    expected = assessment.candidates(session, SYSTEM, "hnte", 2024)
    monkeypatch.setattr(snapshots, "evaluate_year", _boom)
    data = dashboard.pipeline(session, SYSTEM, [2023, 2024])  # a subset of the stored years
    assert data["source"]["kind"] == "snapshot"
    total = next(c for c in data["counts"] if c["year"] == 2024 and c["zone_id"] is None)
    assert total["tech_sme"] == 1
    # the candidate ranking comes from the snapshot; only the shown rows' gaps are detailed
    got = assessment.candidates(session, SYSTEM, "hnte", 2024)
    assert got["source"]["kind"] == "snapshot"
    assert _without_source(got) == _without_source(expected)


def test_stale_after_a_figure_changes_and_only_for_the_zone_it_touches(session, tier_world):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    _change_b_rd(session, tier_world, 80.0)  # b is in 江都, outside her zone
    stale = snapshots.freshness(session, SYSTEM, YEARS)
    assert stale["state"] == "stale" and "1 个企业年度" in stale["reason"]
    assert snapshots.freshness(session, SYSTEM, [2022, 2023])["state"] == "fresh"
    assert snapshots.freshness(session, zone_admin, YEARS)["state"] == "fresh"
    live = dashboard.pipeline(session, SYSTEM, YEARS)
    assert live["source"]["kind"] == "live" and live["source"]["state"] == "stale"
    # a new snapshot is fresh again
    snap = snapshots.create_snapshot(session, SYSTEM, YEARS)
    again = dashboard.pipeline(session, SYSTEM, YEARS)
    assert again["source"]["snapshot"]["id"] == snap.id
    assert [s["id"] for s in snapshots.list_snapshots(session, SYSTEM)][0] == snap.id


def test_stale_when_a_pack_version_changes(session, tier_world, monkeypatch):
    snapshots.create_snapshot(session, SYSTEM, [2024])
    monkeypatch.setattr(
        snapshots, "_pack_versions", lambda y: [{"code": "x", "family": "x", "version": "9"}]
    )
    state = snapshots.freshness(session, SYSTEM, [2024])
    assert state["state"] == "stale" and "规则包版本" in state["reason"]


def test_zone_admin_reads_only_her_enterprises_from_the_snapshot(session, tier_world, monkeypatch):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    live = dashboard.pipeline(session, zone_admin, YEARS)
    live_cands = assessment.candidates(session, zone_admin, "next", 2024)
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    monkeypatch.setattr(snapshots, "evaluate_year", _boom)
    data = dashboard.pipeline(session, zone_admin, YEARS)
    assert data["source"]["kind"] == "snapshot"
    assert _without_source(data) == _without_source(live)
    assert {c["zone_id"] for c in data["counts"]} == {tier_world["city"]["yzhtz"].id, None}
    # b (江都) is nowhere: 2 enterprises × 3 years in the rung counts
    assert sum(r["len"] for r in data["rung_counts"]) == 6
    cands = assessment.candidates(session, zone_admin, "next", 2024)
    mine = {tier_world["a"].id, tier_world["enclave"].id}
    assert {r["enterprise_id"] for r in cands["rows"]} == mine
    assert _without_source(cands) == _without_source(live_cands)
    # the snapshot header's city-wide counts are the city's only
    head = snapshots.list_snapshots(session, zone_admin)[0]
    assert head["counts"] is None and head["enterprises"] is None
    stored = snapshots.stored_result(session, zone_admin, head["id"], 2024, packs_for_year(2024))
    assert set(stored.get_column("key").to_list()) == mine


def test_create_snapshot_refuses_and_stores_nothing(session, tier_world):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    with pytest.raises(Forbidden, match="市科技局"):
        snapshots.create_snapshot(session, zone_admin, YEARS)
    with pytest.raises(TierError, match="至少选择一个年度"):
        snapshots.create_snapshot(session, SYSTEM, [])
    with pytest.raises(TierError, match="2019年暂无企业年度统计数据"):
        snapshots.create_snapshot(session, SYSTEM, [2019, 2024])
    with pytest.raises(TierError, match="1990–2100"):
        snapshots.create_snapshot(session, SYSTEM, [1800])
    assert session.scalar(select(func.count()).select_from(TierSnapshot)) == 0
    assert session.scalar(select(func.count()).select_from(TierSnapshotResult)) == 0


def test_candidates_show_nearest_rung_and_cheapest_gaps_in_own_units(session, tier_world):
    a, b, enclave = tier_world["a"], tier_world["b"], tier_world["enclave"]
    data = assessment.candidates(session, SYSTEM, "hnte", 2024)
    row_b = next(r for r in data["rows"] if r["enterprise_id"] == b.id)
    # b: HNTE innovation score 15–62 against > 70: 9 points short, relative 9/70 = 0.129;
    # R&D 1% of sales against 5%: 0.05 × 15000 − 150 = 600 万元, relative 0.04/0.05 = 0.8
    assert row_b["top_gaps"][:2] == ["评价得分 还差 9 分", "（境内）研发费用 还差 600.0 万元"]
    # then, on the nearest route to (二), the expert review its IP count awaits
    assert row_b["top_gaps"][2].startswith("知识产权数（Ⅰ类＋Ⅱ类） 1件")
    assert len(row_b["gap_items"]) == 2
    assert [i["relative"] for i in row_b["gap_items"]] == [pytest.approx(9 / 70, abs=1e-4), 0.8]
    assert row_b["gap_items"][1]["gap"] == pytest.approx(600.0)
    assert row_b["url"] == f"/enterprises/{b.id}"
    assert row_b["target_label"] == "高新技术企业" and row_b["rung_label"]
    # nearest higher rung: innovative SME scores short by 5 (enclave) and 10 (b) points of 60
    # (distance 5/60, 10/60); a, already 创新型 (rung 2), is 0.614 from HNTE
    near = assessment.candidates(session, SYSTEM, "next", 2024)
    assert [r["enterprise_id"] for r in near["rows"]] == [enclave.id, b.id, a.id]
    assert [r["distance"] for r in near["rows"]] == pytest.approx(
        [5 / 60, 10 / 60, 0.6143], abs=1e-4
    )
    assert [r["target_family"] for r in near["rows"]] == [
        "innovative_sme",
        "innovative_sme",
        "hnte",
    ]
    # the score route (5/60) is nearer than the 500万 equity route (1.0): only its gap is listed
    assert near["rows"][0]["top_gaps"] == ["评价得分 还差 5 分"]
    assert near["rows"][2]["rung"] == 2
    header, rows = records(assessment.candidates_xlsx(near), "各企业最近的下一梯度后备库")
    assert [r["企业名称"] for r in rows] == [enclave.name, b.name, a.name]
    assert rows[1]["最近的目标梯度"] == "创新型中小企业"
    assert rows[1]["最易弥补的差距"] == "评价得分 还差 10 分"
    assert rows[1]["企业页面"] == f"/enterprises/{b.id}"
    with pytest.raises(TierError, match="可选：next"):
        assessment.candidates(session, SYSTEM, "nope", 2024)


def test_snapshot_api_city_stores_zone_reads_its_own(client, tier_world):
    from web import login

    zone = login(client, "zone_yz")
    r = client.post("/api/v1/tiers/snapshots", json={"years": [2024]}, headers=zone)
    assert r.status_code == 403 and "市科技局" in r.json()["detail"]
    city = login(client, "city")
    r = client.post("/api/v1/tiers/snapshots", json={"years": []}, headers=city)
    assert r.status_code == 422
    r = client.post("/api/v1/tiers/snapshots", json={"years": [2019]}, headers=city)
    assert r.status_code == 400 and r.json()["detail"].startswith("2019年暂无企业年度统计数据")
    r = client.post("/api/v1/tiers/snapshots", json={"years": [2023, 2024]}, headers=city)
    assert r.status_code == 201
    snap = r.json()
    assert snap["years"] == [2023, 2024] and snap["enterprises"] == 6
    listed = client.get("/api/v1/tiers/snapshots", headers=zone).json()
    assert [s["id"] for s in listed] == [snap["id"]] and listed[0]["counts"] is None
    latest = client.get("/api/v1/tiers/snapshots/latest?years=2024", headers=zone).json()
    assert latest["state"] == "fresh" and latest["snapshot"]["id"] == snap["id"]
    pipe = client.get("/api/v1/tiers/pipeline?years=2023&years=2024", headers=zone).json()
    assert pipe["source"]["kind"] == "snapshot"
    cands = client.get("/api/v1/tiers/candidates?family=next&year=2024", headers=zone).json()
    assert cands["source"]["kind"] == "snapshot"
    assert {r["name"] for r in cands["rows"]} == {"甲高新科技有限公司", "丙飞地企业有限公司"}
    assert all(r["url"].startswith("/enterprises/") and r["top_gaps"] for r in cands["rows"])
    # no snapshot covers 2022: the board computes live and says why
    live = client.get("/api/v1/tiers/pipeline?years=2022&years=2024", headers=zone).json()
    assert live["source"] == {
        "kind": "live",
        "state": "none",
        "reason": "尚未保存覆盖这些年度的评估快照",
        "snapshot": None,
    }


def test_snapshot_cli(session, tier_world):
    from typer.testing import CliRunner

    from kechuang.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["tiers", "snapshot", "--year", "2023", "--year", "2024"])
    assert r.exit_code == 0, r.output
    assert "个企业年度" in r.output and "6 个企业年度" in r.output
    snap = session.scalars(select(TierSnapshot)).one()
    assert snap.years == [2023, 2024] and snap.created_by.startswith("cli:")
    r = runner.invoke(app, ["tiers", "snapshot", "--year", "2019"])
    assert r.exit_code == 1 and "2019年暂无企业年度统计数据" in r.output
    r = runner.invoke(app, ["tiers", "snapshots"])
    assert r.exit_code == 0 and f"#{snap.id}" in r.output and "2023、2024年" in r.output


def test_snapshot_counts_per_family_match_the_board(session, tier_world):
    snap = snapshots.create_snapshot(session, SYSTEM, [2024])
    board = dashboard.pipeline(session, SYSTEM, [2024])
    total = next(c for c in board["counts"] if c["zone_id"] is None)
    assert snap.counts["2024"] == {f: total[f] for f in snap.counts["2024"]}
    assert snap.counts["2024"]["tech_sme"] == 1  # a


def test_gap_wording_in_own_units():
    from kechuang.tiers.assessment import _amount, _lever_subject

    assert _lever_subject("新增Ⅰ类知识产权") == ("Ⅰ类知识产权", "还差")
    assert _lever_subject("增加研发费用（两年合计）") == ("研发费用（两年合计）", "还差")
    assert _lever_subject("减少负债") == ("负债", "需减少")
    # whole items round up (0.4 of a patent is still one patent); money keeps one decimal
    assert _amount(0.4, "件") == "1 件"
    assert _amount(2.0, "人") == "2 人"
    assert _amount(35.24, "万元") == "35.2 万元"
    assert _amount(123456.0, "万元") == "12.3 亿元"


def test_stale_after_a_qualification_is_recorded(session, tier_world):
    from datetime import date

    from kechuang.tiers.models import EnterpriseQualification

    snap = snapshots.create_snapshot(session, SYSTEM, [2024])
    assert snap.counts["2024"]["hnte"] == 0
    session.add(
        EnterpriseQualification(
            enterprise_id=tier_world["a"].id, kind="hnte_certificate", obtained_on=date(2023, 11, 1)
        )
    )
    session.flush()
    state = snapshots.freshness(session, SYSTEM, [2024])
    assert state["state"] == "stale" and "1 个企业年度" in state["reason"]
    # the live board counts a as HNTE (the certificate), which the old snapshot did not
    board = dashboard.pipeline(session, SYSTEM, [2024])
    assert board["source"]["kind"] == "live"
    assert next(c for c in board["counts"] if c["zone_id"] is None)["hnte"] == 1
