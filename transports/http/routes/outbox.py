"""``/v1/outbox``: what we send a partner over HTTP (our 997/999/TA1), for it to fetch and ack.

Pull delivery: listing or reading an item hands it over (``queued`` -> ``sent``); the partner's
``POST .../ack`` says it has it (``acknowledged``: gone from the list). Only its own items, ever:
another partner's id is answered exactly like an unknown one (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from gateway.pipeline.outbox import acknowledge_fetched, mark_fetched
from gateway.queries import outbox
from gateway.queries.views import OutboxDocument
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import OutboxId, is_outbox_id
from gateway.web.state import StateDep
from transports.http.deps import SupplierDep
from transports.http.schemas import OutboxEntry, OutboxPage, outbox_entry

router = APIRouter(
    prefix="/outbox", tags=["supplier: outbox"], responses=error_responses(401, 404, 422)
)
AfterQuery = Annotated[
    str | None,
    Query(pattern=r"^out_[0-9a-f]{24}$", description="The last id of the previous page"),
]


@router.get("", response_model=OutboxPage)
async def list_outbox(
    state: StateDep,
    supplier: SupplierDep,
    after: AfterQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboxPage:
    """Documents waiting for your acknowledgement (queued or sent), oldest first, with their
    payloads. Listing hands them over: their status becomes ``sent``."""
    db = state.runtime.db
    page = None
    if after is None or is_outbox_id(after):
        page = await run_in_threadpool(
            outbox.partner_outbox, db, supplier.partner_id, after=after, limit=limit
        )
    if page is None:
        raise ApiError(404, "outbox.not_found", f"after: {after!r} is not one of your outbox ids")
    await run_in_threadpool(mark_fetched, db, supplier.partner_id, [d.id for d in page])
    return OutboxPage(
        items=[outbox_entry(d, status="sent" if d.status == "queued" else None) for d in page],
        next_after=page[-1].id if len(page) == limit else None,
    )


@router.get(
    "/{item_id}",
    response_class=Response,
    responses={200: {"content": {"application/edi-x12": {}}, "description": "The bytes"}},
)
async def get_document(item_id: OutboxId, state: StateDep, supplier: SupplierDep) -> Response:
    """The document's bytes exactly as we send them, with their content type."""
    document = await _own(state, supplier.partner_id, item_id)
    await run_in_threadpool(mark_fetched, state.runtime.db, supplier.partner_id, [document.id])
    return Response(document.payload, media_type=document.content_type)


@router.post("/{item_id}/ack", response_model=OutboxEntry)
async def acknowledge(item_id: OutboxId, state: StateDep, supplier: SupplierDep) -> OutboxEntry:
    """You have the document: ``acknowledged`` (acking again changes nothing)."""
    db = state.runtime.db
    if not is_outbox_id(item_id) or not await run_in_threadpool(
        acknowledge_fetched, db, supplier.partner_id, item_id
    ):
        raise _not_found(item_id)
    return outbox_entry(await _own(state, supplier.partner_id, item_id))


async def _own(state: StateDep, partner_id: str, item_id: str) -> OutboxDocument:
    found = None
    if is_outbox_id(item_id):
        found = await run_in_threadpool(
            outbox.partner_document, state.runtime.db, partner_id, item_id
        )
    if found is None:
        raise _not_found(item_id)
    return found


def _not_found(item_id: str) -> ApiError:
    return ApiError(404, "outbox.not_found", f"no outbox item {item_id!r}")
