"""The snapshot's freshness verdict is reused while the data signature is unchanged (the tiers
dashboard at 100,000 enterprises: no five-year digest pass on every view), and never after a
change the digests would see; the dashboards stored with a snapshot are read instead of built,
and equal what building them gives."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_principal
from sheets import xlsx
from sqlalchemy import select

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.tiers import snapshots
from kechuang.tiers.models import EnterpriseQualification, TierSnapshotDashboard

YEARS = [2022, 2023, 2024]


@pytest.fixture
def digest_calls(monkeypatch):
    """Count the full digest passes freshness makes."""
    calls = []
    real = snapshots.input_digests

    def counted(session, principal, years):
        calls.append(principal.username)
        return real(session, principal, years)

    monkeypatch.setattr(snapshots, "input_digests", counted)
    snapshots._FRESHNESS_MEMO.clear()
    yield calls
    snapshots._FRESHNESS_MEMO.clear()


def _revise_rd(session, uscc: str, rd: float) -> None:
    """Import a new 2024 revision of one enterprise's R&D expense."""
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "研发费用总额(万元)"], [[uscc, 2024, rd]]),
        "fix.xlsx",
    )
    assert rep.ok, rep.errors
    session.flush()


def test_an_unchanged_database_is_checked_once(session, tier_world, digest_calls):
    snap = snapshots.create_snapshot(session, SYSTEM, YEARS)
    assert snap.data_signature == snapshots.signature_text(snapshots.data_signature(session))
    digest_calls.clear()  # the snapshot digests its inputs once itself
    for _ in range(3):
        assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    # nothing changed since the snapshot: its stored signature answers, for any scope
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    for _ in range(2):
        assert snapshots.freshness(session, zone_admin, YEARS)["state"] == "fresh"
    assert digest_calls == []


def test_a_snapshot_without_a_stored_signature_is_checked_once_per_scope(
    session, tier_world, digest_calls
):
    snap = snapshots.create_snapshot(session, SYSTEM, YEARS)
    snap.data_signature = None  # as a snapshot taken before signatures were stored
    session.flush()
    digest_calls.clear()
    for _ in range(3):
        assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    assert len(digest_calls) == 1
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    for _ in range(2):
        assert snapshots.freshness(session, zone_admin, YEARS)["state"] == "fresh"
    assert len(digest_calls) == 2


def test_a_new_revision_is_seen_at_once(session, tier_world, digest_calls):
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    digest_calls.clear()
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    _revise_rd(session, tier_world["b"].uscc, 80.0)
    stale = snapshots.freshness(session, SYSTEM, YEARS)
    assert stale["state"] == "stale" and "1 个企业年度" in stale["reason"]
    # the stale verdict is reused too, with its reason
    assert snapshots.freshness(session, SYSTEM, YEARS) == stale
    assert len(digest_calls) == 1


def test_an_edit_in_place_of_registry_or_register_is_seen(session, tier_world, digest_calls):
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    digest_calls.clear()
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    tier_world["b"].tech_field = "电子信息"  # b was 新材料: an ORM update, no new row
    session.flush()
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "stale"
    tier_world["b"].tech_field = "新材料"
    session.flush()
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    qual = EnterpriseQualification(
        enterprise_id=tier_world["a"].id, kind="hnte_certificate", obtained_on=date(2019, 11, 1)
    )
    session.add(qual)
    session.flush()
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    qual.obtained_on = date(2023, 11, 1)  # same row, same id: only its content changes
    session.flush()
    assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "stale"
    # every verdict after a change was a full check (the new snapshot digests once itself); the
    # edit taken back is fresh by its digests although its signature moved (updated_at)
    assert len(digest_calls) == 4


@pytest.fixture
def pipeline_builds(monkeypatch):
    """Count the dashboards actually built (not taken from the memo)."""
    from kechuang.tiers import dashboard

    builds = []
    real = dashboard._pipeline

    def counted(session, principal, years, fresh):
        builds.append((principal.username, fresh["state"]))
        return real(session, principal, years, fresh)

    monkeypatch.setattr(dashboard, "_pipeline", counted)
    dashboard._PIPELINE_MEMO.clear()
    snapshots._FRESHNESS_MEMO.clear()
    yield builds
    dashboard._PIPELINE_MEMO.clear()
    snapshots._FRESHNESS_MEMO.clear()


def test_the_dashboard_is_stored_with_the_snapshot_and_read_per_scope(
    session, tier_world, pipeline_builds
):
    from kechuang.tiers.assessment import zone_names
    from kechuang.tiers.dashboard import _pipeline, pipeline

    live = pipeline(session, SYSTEM, YEARS)  # no snapshot yet: computed, never kept
    assert pipeline(session, SYSTEM, YEARS) == live
    assert pipeline_builds == [("system", "none"), ("system", "none")]
    snap = snapshots.create_snapshot(session, SYSTEM, YEARS)
    # the city and each zone, for the one three-year window the snapshot covers
    stored = session.scalars(
        select(TierSnapshotDashboard).where(TierSnapshotDashboard.snapshot_id == snap.id)
    ).all()
    zones = sorted(zone_names(session))
    assert sorted(d.scope for d in stored) == sorted(["all"] + [f"zone:{z}" for z in zones])
    assert {d.years for d in stored} == {"2022,2023,2024"}
    pipeline_builds.clear()
    first = pipeline(session, SYSTEM, YEARS)
    assert first["source"]["kind"] == "snapshot"
    # read, not built, and equal to building it from the snapshot now
    assert pipeline_builds == []
    fresh = snapshots.freshness(session, SYSTEM, YEARS)
    assert first == _pipeline(session, SYSTEM, YEARS, fresh)
    assert first["counts"] == live["counts"] and first["flows"] == live["flows"]
    # what the memo hands out is a copy: a caller changing it changes nothing for the next view
    first["counts"].clear()
    again = pipeline(session, SYSTEM, YEARS)
    assert again["counts"] and again["counts"] == live["counts"]
    # a zone admin reads her zone's stored dashboard, equal to building it for her scope
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["jiangdu"])
    pipeline_builds.clear()
    own = pipeline(session, zone_admin, YEARS)
    assert pipeline_builds == []
    assert own == _pipeline(
        session, zone_admin, YEARS, snapshots.freshness(session, zone_admin, YEARS)
    )
    assert own["source"]["snapshot"]["counts"] is None  # city-wide counts are not hers
    assert own["counts"] != again["counts"]
    assert {c["zone_id"] for c in own["counts"]} <= {tier_world["city"]["jiangdu"].id, None}


def test_a_stored_dashboard_is_not_read_for_other_names_windows_or_scopes(
    session, tier_world, pipeline_builds
):
    from kechuang.registry.models import Zone
    from kechuang.tiers.dashboard import pipeline

    snapshots.create_snapshot(session, SYSTEM, YEARS)
    pipeline_builds.clear()
    # a window the page does not show: built (once) from the snapshot
    two = pipeline(session, SYSTEM, YEARS[1:])
    assert two["source"]["kind"] == "snapshot" and pipeline_builds == [("system", "fresh")]
    # a zone renamed after the snapshot: the stored dashboard names the old zone, so it is built
    zone = session.get(Zone, tier_world["city"]["jiangdu"].id)
    zone.name = "江都高新区（更名）"
    session.flush()
    pipeline_builds.clear()
    renamed = pipeline(session, SYSTEM, YEARS)
    assert pipeline_builds == [("system", "fresh")]
    assert "江都高新区（更名）" in {c["zone"] for c in renamed["counts"]}


def test_the_dashboard_follows_a_change_of_the_data(session, tier_world, pipeline_builds):
    from kechuang.tiers.dashboard import pipeline

    snapshots.create_snapshot(session, SYSTEM, YEARS)
    pipeline_builds.clear()
    before = pipeline(session, SYSTEM, YEARS)
    # b reaches 科技型中小企业's R&D share: its verdict changes, the snapshot goes stale
    _revise_rd(session, tier_world["b"].uscc, 900.0)
    after = pipeline(session, SYSTEM, YEARS)
    assert after["source"]["kind"] == "live" and before["source"]["kind"] == "snapshot"
    # the stored dashboard was read; after the change it is built live
    assert [b for _, b in pipeline_builds] == ["stale"]


@pytest.fixture
def pool_builds(monkeypatch):
    """Count the candidate pools actually built (not taken from the memo)."""
    from kechuang.tiers import assessment

    builds = []
    real = assessment._candidate_pool

    def counted(result, packs):
        builds.append([p.code for p in packs])
        return real(result, packs)

    monkeypatch.setattr(assessment, "_candidate_pool", counted)
    assessment._POOL_MEMO.clear()
    snapshots._FRESHNESS_MEMO.clear()
    yield builds
    assessment._POOL_MEMO.clear()
    snapshots._FRESHNESS_MEMO.clear()


def test_the_candidate_pool_is_kept_per_scope_while_the_snapshot_is_fresh(
    session, tier_world, pool_builds
):
    from kechuang.tiers.assessment import candidates

    live = candidates(session, SYSTEM, "next", 2024)  # no snapshot: built on every call
    assert candidates(session, SYSTEM, "next", 2024) == live and len(pool_builds) == 2
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    pool_builds.clear()
    first = candidates(session, SYSTEM, "next", 2024)
    assert first["source"]["kind"] == "snapshot"
    # another page, another sort: the same pool, not built again
    by_name = candidates(session, SYSTEM, "next", 2024, sort="name", limit=1, offset=1)
    assert len(pool_builds) == 1
    assert first["rows"] and [r["enterprise_id"] for r in first["rows"]] == [
        r["enterprise_id"] for r in live["rows"]
    ]
    assert by_name["listed"] == first["listed"]
    # a zone admin's pool is hers, and a zone filter or another rung is a pool of its own
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["jiangdu"])
    own = candidates(session, zone_admin, "next", 2024)
    assert {r["zone"] for r in own["rows"]} <= {tier_world["city"]["jiangdu"].name}
    candidates(session, SYSTEM, "tech_sme", 2024)
    candidates(session, SYSTEM, "next", 2024, zone_id=tier_world["city"]["yzhtz"].id)
    assert len(pool_builds) == 4
    # new figures: the snapshot is stale, the list is computed from the data again
    _revise_rd(session, tier_world["b"].uscc, 900.0)
    after = candidates(session, SYSTEM, "next", 2024)
    assert after["source"]["kind"] == "live" and len(pool_builds) == 5
