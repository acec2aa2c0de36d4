"""The plan domain's API: the plan routes and the cockpit / report routes under one router."""

from fastapi import APIRouter

from kechuang.plan.api import router as plan_router
from kechuang.plan.cockpit_api import router as cockpit_router

router = APIRouter()
router.include_router(plan_router)
router.include_router(cockpit_router)
