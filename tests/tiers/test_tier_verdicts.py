"""evaluate_year's verdicts path: the same verdicts, status, held, distance and rungs as the full
result for the principal's enterprises, and none of the values and gaps."""

from __future__ import annotations

from factories import make_principal
from polars.testing import assert_frame_equal

from kechuang.core.security import SYSTEM
from kechuang.tiers import assessment


def test_verdicts_path_matches_the_full_result(session, tier_world):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    for principal in (SYSTEM, zone_admin):
        full, packs = assessment.evaluate_year(session, principal, 2024)
        lean, same = assessment.evaluate_year(session, principal, 2024, outputs="verdicts")
        assert [p.code for p in same] == [p.code for p in packs]
        assert lean.height == full.height > 0
        for pack in packs:
            assert f"{pack.code}|status" in lean.columns
            assert f"{pack.code}|score_lo" not in lean.columns  # values are not computed
        assert {"uscc", "name", "stat_zone_id", "rung", "next_distance"} <= set(lean.columns)
        assert_frame_equal(lean, full.select(lean.columns), check_exact=True)
