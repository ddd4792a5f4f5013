"""``/ops/purchase-orders``: the ERP publishes POs; procurement reads their state per PO and line."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from gateway.canonical.purchase_order import PurchaseOrder
from gateway.errors import ConfigurationError
from gateway.pipeline.config import partner_profile
from gateway.pipeline.purchase_orders import publish_order, send_unsent
from gateway.procurement.registry import Published
from gateway.queries import purchase_orders as views
from gateway.queries.purchase_orders import PurchaseOrderSummary, PurchaseOrderView
from gateway.web.auth import permits
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import PRINTABLE, PartnerQuery
from gateway.web.state import StateDep

router = APIRouter(prefix="/purchase-orders", tags=["ops: purchase orders"])
PoNumberPath = Annotated[str, Path(min_length=1, max_length=40, pattern=PRINTABLE)]
DateQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
StatusQuery = Literal[
    "open",
    "sent",
    "functionally_acknowledged",
    "acknowledged",
    "acknowledged_with_changes",
    "backordered",
    "rejected",
    "partially_shipped",
    "shipped",
    "partially_invoiced",
    "invoiced",
    "closed",
    "cancelled",
]


@router.post(
    "",
    status_code=200,
    responses=error_responses(
        422,
        described={
            400: "The body is not JSON",
            404: "No such partner",
            409: "The partner's outbound map is invalid: nothing was stored",
        },
    ),
)
async def post_purchase_order(
    order: PurchaseOrder,
    state: StateDep,
    _actor: Annotated[str, Depends(permits("purchase_order.publish"))],
) -> dict[str, object]:
    """A new PO, or a new revision of one (the same revision again changes nothing). Supplier
    documents that named it before it arrived are linked to it now. The supplier is sent the
    850 (a new PO) or the 860 (a changed or cancelled one) through its outbox: ``sent`` names
    it, ``outbox_id`` is the item; ``note`` says why nothing was sent."""
    runtime = state.runtime
    try:
        profile = partner_profile(order.partner_id, runtime.process_config)
    except ConfigurationError:
        profile = None
    if profile is None:
        raise ApiError(404, "partner.not_found", f"no partner {order.partner_id!r}")
    try:
        done, ref = await run_in_threadpool(
            publish_order, runtime.db, order, runtime.process_config
        )
    except ConfigurationError as exc:  # the partner's outbound map: said, nothing stored
        raise ApiError(409, "purchase_order.not_sendable", str(exc)) from None
    if ref is not None:
        await run_in_threadpool(state.enqueue_outbound, [ref.id])
    return _published(done)


@router.post(
    "/send",
    status_code=200,
    responses=error_responses(
        422,
        described={
            404: "No such partner",
            409: "The partner's outbound map is invalid: nothing was sent",
        },
    ),
)
async def send_unsent_purchase_orders(
    partner: Annotated[str, Query(min_length=1, max_length=64, pattern=PRINTABLE)],
    state: StateDep,
    _actor: Annotated[str, Depends(permits("purchase_order.publish"))],
    po_number: Annotated[str | None, Query(min_length=1, max_length=40, pattern=PRINTABLE)] = None,
) -> list[dict[str, object]]:
    """Send the partner every PO whose current revision never went out (published while it was
    a draft or suspended), or only ``po_number``: each as its publication would have (an 850,
    or an 860 against what was last sent). One answer per PO, as ``POST /ops/purchase-orders``
    gives: ``sent`` and ``outbox_id``, or the ``note`` saying why not; ``held`` is true when
    the PO still cannot go out (the partner is still a draft, say), false when there was nothing
    to send (a new revision label with no line changed). An empty list: nothing was waiting."""
    runtime = state.runtime
    try:
        profile = partner_profile(partner, runtime.process_config)
    except ConfigurationError:
        profile = None
    if profile is None:
        raise ApiError(404, "partner.not_found", f"no partner {partner!r}")
    try:
        results = await run_in_threadpool(
            send_unsent, runtime.db, runtime.process_config, partner, po_number
        )
    except ConfigurationError as exc:
        raise ApiError(409, "purchase_order.not_sendable", str(exc)) from None
    push = [ref.id for _, ref in results if ref is not None]
    if push:
        await run_in_threadpool(state.enqueue_outbound, push)
    return [_published(done) for done, _ in results]


def _published(done: Published) -> dict[str, object]:
    return {
        "po_number": done.po_number,
        "partner_id": done.partner_id,
        "outcome": done.outcome,
        "revision": done.revision,
        "status": done.status,
        "linked_documents": done.linked_documents,
        "sent": done.sent,
        "outbox_id": done.outbox_id,
        "note": done.note,
        "held": done.held,
        "links": {"self": f"/ops/purchase-orders/{done.po_number}?partner={done.partner_id}"},
    }


@router.get(
    "",
    response_model=list[PurchaseOrderSummary],
    responses={**error_responses(422), 200: {"content": {"text/csv": {}}}},
)
async def list_purchase_orders(
    state: StateDep,
    partner: PartnerQuery = None,
    status: StatusQuery | None = None,
    overdue: bool = False,
    date_from: DateQuery = None,
    date_to: DateQuery = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: Literal["json", "csv"] = "json",
) -> Response | list[PurchaseOrderSummary]:
    """Filter by supplier, status, overdue and order date; ``format=csv`` for a spreadsheet."""
    rows = await run_in_threadpool(
        partial(
            views.list_purchase_orders,
            state.runtime.db,
            partner_id=partner,
            status=status,
            overdue=overdue,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        )
    )
    if format == "csv":
        return PlainTextResponse(views.as_csv(rows), media_type="text/csv")
    return rows


@router.get(
    "/{po_number}", response_model=PurchaseOrderView, responses=error_responses(404, 409, 422)
)
async def get_purchase_order(
    po_number: PoNumberPath,
    state: StateDep,
    partner: PartnerQuery = None,
) -> PurchaseOrderView:
    """Status, lines (ordered, acknowledged, shipped, invoiced), discrepancies and documents."""
    found = await run_in_threadpool(views.purchase_order, state.runtime.db, po_number, partner)
    if not found:
        raise ApiError(404, "purchase_order.not_found", f"no purchase order {po_number!r}")
    if len(found) > 1:
        names = ", ".join(v.partner_id for v in found)
        raise ApiError(
            409, "purchase_order.ambiguous", f"PO {po_number} exists for {names}: add ?partner="
        )
    return found[0]
