"""Deliveries: the dead letters, and putting one back in the queue."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from gateway.api.schemas import RetryAnswer
from gateway.pipeline.replay import retry_delivery
from gateway.queries import deliveries
from gateway.queries.views import DeadLetter
from gateway.web.auth import permits
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import RowId
from gateway.web.state import StateDep

log = logging.getLogger("gateway.api")
router = APIRouter(tags=["ops: deliveries"])


@router.get("/dead-letters", response_model=list[DeadLetter], responses=error_responses(422))
async def list_dead_letters(
    state: StateDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[DeadLetter]:
    """Deliveries that gave up (attempts exhausted or a fatal ERP answer), newest first."""
    return await run_in_threadpool(deliveries.dead_letters, state.runtime.db, limit)


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=RetryAnswer,
    status_code=202,
    responses=error_responses(404, 409, 422),
)
async def retry(
    delivery_id: RowId,
    state: StateDep,
    operator: Annotated[str, Depends(permits("delivery.retry"))],
) -> RetryAnswer:
    """Back to ``pending`` (attempts kept, audit-logged) and enqueued; 409 when already delivered."""
    db = state.runtime.db
    current = await run_in_threadpool(deliveries.delivery, db, delivery_id)
    if current is None:
        raise ApiError(404, "delivery.not_found", f"no delivery {delivery_id}")
    if current.status == "delivered" or not await run_in_threadpool(
        partial(retry_delivery, db, delivery_id, actor=operator)
    ):
        raise ApiError(409, "delivery.delivered", f"delivery {delivery_id} was already delivered")
    log.info("%s put delivery %d back in the queue", operator, delivery_id)
    try:
        await run_in_threadpool(state.enqueue_deliveries, [delivery_id])
    except Exception:  # stored as pending: the sweep enqueues it
        log.exception("enqueueing delivery %d failed; the sweep will pick it up", delivery_id)
    return RetryAnswer(delivery_id=delivery_id, status="pending", attempts=current.attempts)
