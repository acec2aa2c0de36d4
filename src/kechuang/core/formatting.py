"""Chinese number formatting (money in 万元 becomes 万元 or 亿元 as a reader expects) and Beijing time."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def fmt_money(wan: float | None, digits: int = 2) -> str:
    """Format an amount in 万元: ≥1亿 as 亿元, else 万元; None as an em dash."""
    if wan is None:
        return "—"
    if abs(wan) >= 10000:
        return f"{wan / 10000:,.{digits}f}亿元"
    return f"{wan:,.{digits}f}万元"


def fmt_int(value: float | None, unit: str = "") -> str:
    """Format a count with thousands separators and an optional unit."""
    if value is None:
        return "—"
    return f"{int(value):,}{unit}"


# Units of things counted one by one: their figures are whole numbers wherever they are shown.
COUNT_UNITS = frozenset({"个", "家", "件", "项", "人"})


def is_count_unit(unit: str) -> bool:
    """True for a unit of whole things (家, 个, 件, 项, 人), not a rate such as 件/万人."""
    return unit in COUNT_UNITS


def fmt_figure(value: float | None, unit: str = "", digits: int = 2, show_unit: bool = True) -> str:
    """A figure in its unit: counts (家/个/件/项/人) as whole numbers (40 家, not 40.00 家), others
    with `digits` decimals; thousands separators; None as an em dash."""
    if value is None:
        return "—"
    text = (
        # half away from zero, as people round counts (Python's format rounds half to even)
        f"{int(math.copysign(math.floor(abs(value) + 0.5), value)):,}"
        if is_count_unit(unit)
        else f"{value:,.{digits}f}"
    )
    return f"{text}{unit}" if show_unit else text


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """Format a ratio (0.125) as a percentage (12.5%)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def to_yi(wan: float | None) -> float | None:
    """万元 to 亿元 (for chart axes)."""
    return None if wan is None else wan / 10000


def local_time(at: datetime) -> datetime:
    """A stored UTC time in Asia/Shanghai, the users' time (SQLite gives it back naive)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)


def fmt_local_time(at: datetime | str | None) -> str:
    """A stored UTC time (or its ISO text) as Beijing time, "2026-12-07 11:10"."""
    if not at:
        return ""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return local_time(at).strftime("%Y-%m-%d %H:%M")
