"""``GET /v1/receipts``: what became of the messages a partner sent. Only its own, ever."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from gateway.queries import messages
from gateway.queries.views import MessageStatus
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import AfterOrdinal, MessageId, PageLimit, is_message_id
from gateway.web.state import StateDep
from transports.http.deps import SupplierDep
from transports.http.schemas import (
    Receipt,
    ReceiptList,
    ReceiptSummary,
    receipt_from,
    receipt_links,
)

router = APIRouter(
    prefix="/receipts", tags=["supplier: receipts"], responses=error_responses(401, 422)
)


@router.get("", response_model=ReceiptList)
async def list_receipts(
    state: StateDep,
    supplier: SupplierDep,
    status: MessageStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReceiptList:
    """Your most recent messages, newest first."""
    rows = await run_in_threadpool(
        messages.list_messages,
        state.runtime.db,
        partner_id=supplier.partner_id,
        status=status,
        limit=limit,
    )
    return ReceiptList(
        receipts=[
            ReceiptSummary(
                receipt_id=m.id,
                status=m.status,
                transport=m.transport,
                size=m.size,
                received_at=m.received_at,
                processed_at=m.processed_at,
                duplicate_of=m.duplicate_of,
                links=receipt_links(m.id),
            )
            for m in rows
        ]
    )


@router.get("/{receipt_id}", response_model=Receipt, responses=error_responses(404))
async def get_receipt(
    receipt_id: MessageId,
    state: StateDep,
    supplier: SupplierDep,
    after: AfterOrdinal = 0,
    limit: PageLimit = messages.PAGE,
) -> Receipt:
    """Status, validation per transaction set, our acknowledgements, events and their delivery,
    a page of sets at a time (``links.next``). Another partner's receipt id is answered exactly
    like an unknown one (404)."""
    found = None
    if is_message_id(receipt_id):
        found = await run_in_threadpool(
            partial(
                messages.message_detail,
                state.runtime.db,
                receipt_id,
                supplier.partner_id,
                after=after,
                limit=limit,
            )
        )
    if found is None:
        raise ApiError(404, "receipt.not_found", f"no receipt {receipt_id!r}")
    return receipt_from(found)
