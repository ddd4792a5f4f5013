"""Replays: one transaction set again with today's maps, or a failed message after a fix."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from gateway.api.schemas import CancelRequest, MessageRetryAnswer, ReplayAnswer
from gateway.pipeline.replay import CANCELLABLE, cancel_message, replay_transaction, retry_message
from gateway.pipeline.repost import repost_transaction
from gateway.queries import messages
from gateway.web.auth import permits
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import MessageId, RowId, is_message_id
from gateway.web.state import GatewayState, StateDep

log = logging.getLogger("gateway.api")
router = APIRouter(tags=["ops: replay"])


@router.post(
    "/transactions/{transaction_id}/replay",
    response_model=ReplayAnswer,
    responses=error_responses(404, 409, 422),
)
async def replay(
    transaction_id: RowId,
    state: StateDep,
    operator: Annotated[str, Depends(permits("transaction.replay"))],
    repost: Annotated[bool, Query(description="Supersede the delivered event (see below)")] = False,
    force: Annotated[
        bool, Query(description="With repost: even when the output is the same (else ignored)")
    ] = False,
) -> ReplayAnswer:
    """Translate the set's stored bytes again (today's maps and profile; no control numbers used):
    the old payload is kept as a revision, the answer carries the field-by-field diff, and the
    event's deliveries that had not succeeded go back to the queue.

    ``repost=true``: the event was delivered, so the corrected one goes to the ERP as a new event
    (its own id) with ``supersedes`` naming it, delivered once like any event (``supersedes`` in
    the answer). 409 when there is nothing delivered to supersede, or the output is the same
    (``force=true`` posts it anyway)."""
    runtime = state.runtime
    if repost:
        return await _repost(state, transaction_id, operator, force)
    try:
        result = await run_in_threadpool(
            partial(
                replay_transaction,
                runtime.db,
                transaction_id,
                runtime.process_config,
                actor=operator,
            )
        )
    except KeyError:
        raise ApiError(404, "transaction.not_found", f"no transaction {transaction_id}") from None
    log.info("%s replayed transaction %d (changed: %s)", operator, transaction_id, result.changed)
    await _enqueue(state, result.delivery_ids)
    return ReplayAnswer(
        transaction_id=transaction_id,
        event_id=result.event_id,
        changed=result.changed,
        diff=result.diff,
        deliveries=result.delivery_ids,
        message=result.message,
    )


async def _repost(
    state: GatewayState, transaction_id: int, operator: str, force: bool
) -> ReplayAnswer:
    runtime = state.runtime
    try:
        result = await run_in_threadpool(
            partial(
                repost_transaction,
                runtime.db,
                transaction_id,
                runtime.process_config,
                force=force,
                actor=operator,
            )
        )
    except KeyError:
        raise ApiError(404, "transaction.not_found", f"no transaction {transaction_id}") from None
    if result.refused:
        raise ApiError(409, "replay.nothing_to_repost", result.refused)
    log.info("%s reposted transaction %d: %s", operator, transaction_id, result.event_id)
    await _enqueue(state, result.delivery_ids)
    return ReplayAnswer(
        transaction_id=transaction_id,
        event_id=result.event_id,
        changed=bool(result.diff),
        diff=result.diff,
        deliveries=result.delivery_ids,
        message=f"event {result.event_id} supersedes {result.supersedes}",
        supersedes=result.supersedes,
    )


@router.post(
    "/messages/{message_id}/retry",
    response_model=MessageRetryAnswer,
    status_code=202,
    responses=error_responses(404, 409, 422),
)
async def retry(
    message_id: MessageId,
    state: StateDep,
    operator: Annotated[str, Depends(permits("message.retry"))],
) -> MessageRetryAnswer:
    """A ``failed`` message back to ``received`` and the queue (after its cause was fixed);
    409 when the message is not failed, 404 when there is none."""
    db = state.runtime.db
    if not is_message_id(message_id):
        raise ApiError(404, "message.not_found", f"no message {message_id!r}")
    if not await run_in_threadpool(partial(retry_message, db, message_id, actor=operator)):
        if await run_in_threadpool(messages.message_status, db, message_id) is None:
            raise ApiError(404, "message.not_found", f"no message {message_id!r}")
        raise ApiError(409, "message.not_failed", f"message {message_id} has not failed")
    log.info("%s put message %s back in the queue", operator, message_id)
    try:
        await run_in_threadpool(state.enqueue_process, message_id)
    except Exception:  # stored as received: the sweep enqueues it
        log.exception("enqueueing %s failed; the sweep will pick it up", message_id)
    return MessageRetryAnswer(message_id=message_id, status="received")


@router.post(
    "/messages/{message_id}/cancel",
    response_model=MessageRetryAnswer,
    responses=error_responses(404, 409, 422, described={400: "The body could not be read as text"}),
)
async def cancel(
    message_id: MessageId,
    body: CancelRequest,
    state: StateDep,
    operator: Annotated[str, Depends(permits("message.cancel"))],
) -> MessageRetryAnswer:
    """Stop a ``received`` or ``failed`` message for good (``cancelled``, audit-logged with the
    reason): workers and the sweep skip it, its bytes stay. 409 for any other status."""
    before = None
    if is_message_id(message_id):
        before = await run_in_threadpool(
            cancel_message, state.runtime.db, message_id, operator, body.reason
        )
    if before is None:
        raise ApiError(404, "message.not_found", f"no message {message_id!r}")
    if before not in CANCELLABLE:
        raise ApiError(409, "message.not_cancellable", f"message {message_id} is {before}")
    log.info("%s cancelled message %s: %s", operator, message_id, body.reason)
    return MessageRetryAnswer(message_id=message_id, status="cancelled")


async def _enqueue(state: GatewayState, delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    try:
        await run_in_threadpool(state.enqueue_deliveries, delivery_ids)
    except Exception:  # stored as pending: the sweep enqueues them
        log.exception("enqueueing deliveries %s failed; the sweep will pick them up", delivery_ids)
