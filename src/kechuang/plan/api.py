"""API routes of the plan: periods, targets with status, entries, milestones, links, tasks and
quarterly progress. Every route passes the principal to the services, which check `scope.py`."""

from __future__ import annotations

from fastapi import APIRouter

from kechuang.core.responses import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["规划管理"], responses=ERROR_RESPONSES)
