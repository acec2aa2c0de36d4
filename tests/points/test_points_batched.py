"""Scoring a Parquet panel in batches (`score_parquet`) gives the in-memory result exactly.

The panel is the demo generator's (a few thousand enterprises, three years); small batches make
many of them, so enterprises are cut between batches (growth needs the row above), ranks span
every batch and the stage means are summed across batches.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kechuang.demo.generator import write_panel_parquet
from kechuang.points import methodology as meth
from kechuang.points.scoring import ScoringError, read_panel, score, score_parquet


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel_parquet(path, 3_000)
    return path


def _batched(source: Path, target: Path, m, **kw) -> pl.DataFrame:
    n = score_parquet(source, target, m, **kw)
    parts = sorted(target.glob("part-*.parquet"))
    out = pl.concat([pl.read_parquet(p) for p in parts])
    assert out.height == n
    return out


@pytest.mark.parametrize("batch_rows", [997, 3_000, 10**7])
def test_batches_equal_the_in_memory_result(panel: Path, tmp_path: Path, batch_rows: int) -> None:
    m = meth.load("torch_core")
    expected = score(read_panel(panel, m), m, "uscc")
    got = _batched(panel, tmp_path / "out", m, batch_rows=batch_rows)
    assert_frame_equal(got, expected, check_exact=True)
    parts = len(list((tmp_path / "out").glob("part-*.parquet")))
    assert parts == -(-expected.height // batch_rows)
    assert not (tmp_path / "out" / ".scratch").exists()  # scratch parts are removed


def test_batches_without_gaps(panel: Path, tmp_path: Path) -> None:
    m = meth.load("torch_core")
    expected = score(read_panel(panel, m), m, "uscc", explain=False)
    got = _batched(panel, tmp_path / "out", m, batch_rows=2_000, explain=False)
    assert_frame_equal(got, expected, check_exact=True)
    assert not [c for c in got.columns if c.startswith("gap__")]


def test_relative_mode_runs_in_memory(panel: Path, tmp_path: Path) -> None:
    m = meth.load("local_relative")
    expected = score(read_panel(panel, m), m, "uscc")
    got = _batched(panel, tmp_path / "out", m, batch_rows=1_000)
    assert_frame_equal(got, expected, check_exact=True)


def test_scattered_enterprise_rows_are_refused(panel: Path, tmp_path: Path) -> None:
    m = meth.load("torch_core")
    shuffled = tmp_path / "shuffled.parquet"
    pl.read_parquet(panel).sort("year", "uscc").write_parquet(shuffled)
    with pytest.raises(ScoringError, match="相邻"):
        score_parquet(shuffled, tmp_path / "out", m, batch_rows=1_000)


def test_a_duplicated_enterprise_year_is_refused(panel: Path, tmp_path: Path) -> None:
    m = meth.load("torch_core")
    df = pl.read_parquet(panel)
    doubled = tmp_path / "doubled.parquet"
    pl.concat([df.head(10), df.slice(9, 1), df.slice(10)]).write_parquet(doubled)
    with pytest.raises(ScoringError, match="同一年度"):
        score_parquet(doubled, tmp_path / "out", m, batch_rows=1_000)


def test_a_non_empty_target_is_refused(panel: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.parquet").write_bytes(b"")
    with pytest.raises(ScoringError, match="不是空目录"):
        score_parquet(panel, tmp_path / "out", meth.load("torch_core"))
