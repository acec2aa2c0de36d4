"""Every tier pack over a Parquet panel in batches equals the in-memory verdicts path exactly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kechuang.demo.generator import write_panel_parquet
from kechuang.engines.rules.evaluate import evaluate
from kechuang.engines.rules.packs import load_pack_dir
from kechuang.tiers.batched import BatchError, scan_tier_panel, verdicts_parquet
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES

PACK_DIR = Path(__file__).resolve().parents[2] / "src/kechuang/tiers/methodology/packs"
YEAR = 2025


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel_parquet(path, 2_500)
    return path


def _in_memory(panel: Path, packs) -> pl.DataFrame:
    features = build_features(scan_tier_panel(panel).collect(), YEAR)
    return evaluate(features, packs, YEAR, MEASURES, outputs="verdicts")


@pytest.mark.parametrize("batch_rows", [1_000, 4_001, 10**7])
def test_batches_equal_the_in_memory_verdicts(panel: Path, tmp_path: Path, batch_rows: int) -> None:
    packs = load_pack_dir(PACK_DIR)
    expected = _in_memory(panel, packs)
    n = verdicts_parquet(panel, tmp_path / "out", packs, YEAR, MEASURES, batch_rows=batch_rows)
    parts = sorted((tmp_path / "out").glob("part-*.parquet"))
    got = pl.concat([pl.read_parquet(p) for p in parts])
    assert n == expected.height == got.height
    assert_frame_equal(got, expected, check_exact=True)
    if batch_rows == 1_000:
        assert len(parts) > 3  # enterprises were cut between slices and carried over


def test_scattered_enterprise_rows_are_refused(panel: Path, tmp_path: Path) -> None:
    shuffled = tmp_path / "shuffled.parquet"
    pl.read_parquet(panel).sort("year", "uscc").write_parquet(shuffled)
    packs = load_pack_dir(PACK_DIR)
    with pytest.raises(BatchError, match="相邻"):
        verdicts_parquet(shuffled, tmp_path / "out", packs, YEAR, MEASURES, batch_rows=1_000)
    assert not list((tmp_path / "out").glob("part-*.parquet"))
