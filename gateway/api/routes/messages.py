"""``/ops/messages``: every stored message, any partner, with everything processing produced."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from gateway.queries import messages
from gateway.queries.views import MessageStatus, MessageSummary, MessageView
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import (
    PRINTABLE,
    AfterOrdinal,
    MessageId,
    PageLimit,
    PartnerQuery,
    is_message_id,
)
from gateway.web.state import StateDep

router = APIRouter(prefix="/messages", tags=["ops: messages"])


@router.get("", response_model=list[MessageSummary], responses=error_responses(422))
async def list_messages(
    state: StateDep,
    status: MessageStatus | None = None,
    partner: PartnerQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    po_number: Annotated[str | None, Query(min_length=1, max_length=40, pattern=PRINTABLE)] = None,
) -> list[MessageSummary]:
    """Newest first; ``po_number``: only the messages whose documents name that PO."""
    return await run_in_threadpool(
        partial(
            messages.list_messages,
            state.runtime.db,
            partner_id=partner,
            status=status,
            limit=limit,
            po_number=po_number,
        )
    )


@router.get("/{message_id}", response_model=MessageView, responses=error_responses(404, 422))
async def get_message(
    message_id: MessageId,
    state: StateDep,
    after: AfterOrdinal = 0,
    limit: PageLimit = messages.PAGE,
) -> MessageView:
    """Raw size and SHA-256, interchanges, acknowledgements, and a page of transaction sets with
    their events and deliveries (``next_after``)."""
    found = None
    if is_message_id(message_id):
        found = await run_in_threadpool(
            partial(messages.message_detail, state.runtime.db, message_id, after=after, limit=limit)
        )
    if found is None:
        raise ApiError(404, "message.not_found", f"no message {message_id!r}")
    return found
