"""The snapshot's freshness verdict is reused while the data signature is unchanged (the tiers
dashboard at 100,000 enterprises: no five-year digest pass on every view), and never after a
change the digests would see."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_principal
from sheets import xlsx

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.tiers import snapshots
from kechuang.tiers.models import EnterpriseQualification

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
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    digest_calls.clear()  # the snapshot digests its inputs once itself
    for _ in range(3):
        assert snapshots.freshness(session, SYSTEM, YEARS)["state"] == "fresh"
    assert len(digest_calls) == 1
    # a zone admin's scope is checked on its own, once
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
    assert len(digest_calls) == 2


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
    # every verdict after a change was a full check (the new snapshot digests once itself)
    assert len(digest_calls) == 6


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


def test_the_dashboard_is_built_once_per_scope_from_a_fresh_snapshot(
    session, tier_world, pipeline_builds
):
    from kechuang.tiers.dashboard import pipeline

    live = pipeline(session, SYSTEM, YEARS)  # no snapshot yet: computed, never kept
    assert pipeline(session, SYSTEM, YEARS) == live
    assert pipeline_builds == [("system", "none"), ("system", "none")]
    snapshots.create_snapshot(session, SYSTEM, YEARS)
    pipeline_builds.clear()
    first = pipeline(session, SYSTEM, YEARS)
    assert first["source"]["kind"] == "snapshot"
    # what the memo hands out is a copy: a caller changing it changes nothing for the next view
    first["counts"].clear()
    again = pipeline(session, SYSTEM, YEARS)
    assert again["counts"] and again["counts"] == live["counts"]
    assert pipeline_builds == [("system", "fresh")]
    # a zone admin gets her own dashboard, built for her scope, not the city's
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["jiangdu"])
    own = pipeline(session, zone_admin, YEARS)
    assert pipeline(session, zone_admin, YEARS) == own
    assert len(pipeline_builds) == 2 and own["counts"] != again["counts"]


def test_the_dashboard_follows_a_change_of_the_data(session, tier_world, pipeline_builds):
    from kechuang.tiers.dashboard import pipeline

    snapshots.create_snapshot(session, SYSTEM, YEARS)
    before = pipeline(session, SYSTEM, YEARS)
    # b reaches 科技型中小企业's R&D share: its verdict changes, the snapshot goes stale
    _revise_rd(session, tier_world["b"].uscc, 900.0)
    after = pipeline(session, SYSTEM, YEARS)
    assert after["source"]["kind"] == "live" and before["source"]["kind"] == "snapshot"
    assert [b for _, b in pipeline_builds] == ["fresh", "stale"]
