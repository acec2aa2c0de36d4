"""The ASEM oracle data as a fixture: tests that compare with COINr request it."""

from __future__ import annotations

from pathlib import Path

import pytest
from asem_data import require_asem


@pytest.fixture(scope="session")
def asem_csv() -> Path:
    """COINr's ASEM iData file (fails under CI when missing; skips a developer run)."""
    return require_asem()
