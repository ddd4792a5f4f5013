"""Purchase orders: the list (supplier, status, order dates; CSV from ``/ops``), the overdue view
(POs past an SLA timer), and a PO's page with its lines (ordered, acknowledged, shipped,
invoiced), the discrepancies in words, what was sent, the SLA timers and every document with a
link to its message. The same read model as
``/ops/purchase-orders`` and ``gateway po`` (``gateway.queries.purchase_orders``)."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.web import UserDep, render, runtime_of
from gateway.queries import purchase_orders as views

router = APIRouter(prefix="/console/orders", include_in_schema=False)
PoNumber = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[\x21-\x7e]+$")]
_DATE = r"^\d{4}-\d{2}-\d{2}$"


@router.get("", response_class=HTMLResponse)
async def orders(request: Request, user: UserDep) -> Response:
    q = request.query_params
    status = q.get("status") or None
    if status is not None and status not in views.STATUSES:
        status = None
    partner = (q.get("partner") or "").strip()[:63] or None
    date_from = q.get("date_from") if _is_date(q.get("date_from")) else None
    date_to = q.get("date_to") if _is_date(q.get("date_to")) else None
    found = await run_in_threadpool(
        partial(
            views.list_purchase_orders,
            runtime_of(request).db,
            partner_id=partner,
            status=status,
            overdue=q.get("overdue") == "1",
            limit=500,
            date_from=date_from,
            date_to=date_to,
        )
    )
    return render(
        request,
        "orders.html",
        user,
        active="orders",
        orders=found,
        statuses=views.STATUSES,
        chosen=status or "",
        partner=partner or "",
        overdue=q.get("overdue") == "1",
        date_from=date_from,
        date_to=date_to,
    )


@router.get("/{po_number}", response_class=HTMLResponse)
async def order(request: Request, user: UserDep, po_number: PoNumber) -> Response:
    partner = request.query_params.get("partner") or None
    found = await run_in_threadpool(
        views.purchase_order, runtime_of(request).db, po_number, partner
    )
    if not found:
        return render(
            request, "not_found.html", user, status=404, what=f"purchase order {po_number}"
        )
    if len(found) > 1:
        return render(
            request,
            "orders.html",
            user,
            active="orders",
            orders=[
                views.PurchaseOrderSummary(
                    po_number=v.po_number,
                    partner_id=v.partner_id,
                    status=v.status,
                    order_date=v.order_date,
                    currency=v.currency,
                    lines=len(v.lines),
                    discrepancies=len(v.discrepancies),
                    overdue=v.overdue,
                    updated_at=v.updated_at,
                )
                for v in found
            ],
            statuses=views.STATUSES,
            chosen="",
            partner="",
            overdue=False,
            date_from=None,
            date_to=None,
        )
    return render(request, "order.html", user, active="orders", po=found[0])


def _is_date(value: str | None) -> bool:
    return value is not None and re.fullmatch(_DATE, value) is not None
