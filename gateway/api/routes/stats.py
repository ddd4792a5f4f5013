"""``/ops/stats``: counts for a dashboard or a monitoring probe."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from gateway.queries.stats import stats
from gateway.queries.views import Stats
from gateway.web.state import StateDep

router = APIRouter(prefix="/stats", tags=["ops: stats"])


@router.get("", response_model=Stats)
async def get_stats(state: StateDep) -> Stats:
    """Messages by status, deliveries by status."""
    return await run_in_threadpool(stats, state.runtime.db)
