"""``/v1/purchase-orders``: a supplier's view of its own POs and their state, as procurement sees
them (``gateway.queries.purchase_orders``). Another partner's PO is answered like an unknown one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from gateway.queries import purchase_orders as views
from gateway.queries.purchase_orders import PurchaseOrderSummary, PurchaseOrderView
from gateway.web.errors import ApiError, error_responses
from gateway.web.params import PRINTABLE
from gateway.web.state import StateDep
from transports.http.deps import SupplierDep

router = APIRouter(
    prefix="/purchase-orders",
    tags=["supplier: purchase orders"],
    responses=error_responses(401, 404, 422),
)


@router.get("", response_model=list[PurchaseOrderSummary])
async def list_my_purchase_orders(
    state: StateDep,
    supplier: SupplierDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PurchaseOrderSummary]:
    """Your open POs (waiting for an acknowledgement, a shipment or an invoice), newest first."""
    return await run_in_threadpool(
        lambda: views.list_purchase_orders(
            state.runtime.db, partner_id=supplier.partner_id, open_only=True, limit=limit
        )
    )


@router.get("/{po_number}", response_model=PurchaseOrderView)
async def get_my_purchase_order(
    po_number: Annotated[str, Path(min_length=1, max_length=40, pattern=PRINTABLE)],
    state: StateDep,
    supplier: SupplierDep,
) -> PurchaseOrderView:
    """One of your POs with its lines, the discrepancies found and your documents."""
    found = await run_in_threadpool(
        views.purchase_order, state.runtime.db, po_number, supplier.partner_id
    )
    if not found:
        raise ApiError(404, "purchase_order.not_found", f"you have no purchase order {po_number!r}")
    view = found[0]
    return view.model_copy(
        update={
            "documents": [
                d.model_copy(update={"links": {"receipt": f"/v1/receipts/{d.message_id}"}})
                for d in view.documents
            ]
        }
    )
