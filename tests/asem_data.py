"""Where COINr's ASEM data set lives for the oracle tests, and what happens when it is missing.

The data ships with the tests, in tests/data/coinr-asem (MIT, from COINr). A developer without it gets
a skip that says so; under CI (the CI environment variable, which .ci/run exports) or with
KECHUANG_TEST_REQUIRE_ASEM=1 a missing data set fails the run instead of passing it silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASEM_DIR = ROOT / "tests" / "data" / "coinr-asem"
ASEM_DATA = ASEM_DIR / "ASEM_iData.csv"
REQUIRE_VAR = "KECHUANG_TEST_REQUIRE_ASEM"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def asem_required() -> bool:
    """True under CI or when the setting asks for the ASEM oracle."""
    return _flag("CI") or _flag(REQUIRE_VAR)


def require_asem() -> Path:
    """The ASEM data file; fails when it is missing and required, else skips with the reason."""
    if ASEM_DATA.is_file():
        return ASEM_DATA
    if asem_required():
        pytest.fail(
            f"ASEM 数据缺失：{ASEM_DATA} 不存在，而 CI 或 {REQUIRE_VAR} 要求运行 COINr ASEM 对照测试",
            pytrace=False,
        )
    pytest.skip(
        f"开发者本地运行且没有 ASEM 数据（{ASEM_DATA}）：跳过 COINr 对照测试；"
        f"CI 或设置 {REQUIRE_VAR}=1 时缺少数据会直接失败"
    )
