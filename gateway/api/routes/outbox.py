"""``/ops/outbox``: what we send partners, any partner, with every attempt; retry a failed item."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from gateway.api.schemas import OutboxRetryAnswer
from gateway.pipeline.outbox import RETRYABLE, retry_item
from gateway.queries import outbox
from gateway.queries.views import OutboxItemDetail, OutboxItemView, OutboxStatus
from gateway.web.auth import permits
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import OutboxId, PartnerQuery, is_outbox_id
from gateway.web.state import StateDep

log = logging.getLogger("gateway.api")
router = APIRouter(prefix="/outbox", tags=["ops: outbox"], responses=error_responses(404, 409, 422))


@router.get("", response_model=list[OutboxItemView])
async def list_outbox(
    state: StateDep,
    partner: PartnerQuery = None,
    status: OutboxStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[OutboxItemView]:
    """Newest first, without the payloads (``failed`` ones need an operator)."""
    return await run_in_threadpool(
        outbox.list_outbox, state.runtime.db, partner_id=partner, status=status, limit=limit
    )


@router.get("/{item_id}", response_model=OutboxItemDetail)
async def get_item(item_id: OutboxId, state: StateDep) -> OutboxItemDetail:
    """The item and every attempt at sending it (result, error, the transport's message id)."""
    found = None
    if is_outbox_id(item_id):
        found = await run_in_threadpool(outbox.outbox_item, state.runtime.db, item_id)
    if found is None:
        raise ApiError(404, "outbox.not_found", f"no outbox item {item_id!r}")
    return found


@router.post("/{item_id}/retry", response_model=OutboxRetryAnswer, status_code=202)
async def retry(
    item_id: OutboxId,
    state: StateDep,
    operator: Annotated[str, Depends(permits("outbox.retry"))],
) -> OutboxRetryAnswer:
    """A ``failed`` item, or a ``sent`` one whose receipt never came, back to ``queued`` with a
    fresh round of attempts (audited), and enqueued; 409 for a queued or acknowledged item."""
    db = state.runtime.db
    before = (
        await run_in_threadpool(retry_item, db, item_id, operator)
        if is_outbox_id(item_id)
        else None
    )
    if before is None:
        raise ApiError(404, "outbox.not_found", f"no outbox item {item_id!r}")
    if before not in RETRYABLE:
        raise ApiError(409, "outbox.not_retryable", f"outbox item {item_id} is {before}")
    log.info("%s put outbox item %s back in the queue (was %s)", operator, item_id, before)
    try:
        await run_in_threadpool(state.enqueue_outbound, [item_id])
    except Exception:  # stored as queued: the sweep enqueues it
        log.exception("enqueueing outbox item %s failed; the sweep will pick it up", item_id)
    return OutboxRetryAnswer(id=item_id, status="queued", was=before)
