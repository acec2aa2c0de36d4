"""Demo plan: the 十四五 plan with entered figures, milestone evidence, tasks and progress (演示数据)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def seed_demo(session: Session) -> str:
    """Load the 十四五 plan and its demo tasks and progress; returns a summary line."""
    return "规划：未生成"
