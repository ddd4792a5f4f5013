"""Read model of the PO registry (``gateway.procurement``): one PO with its lines, discrepancies
and documents, and filtered lists, as ``/ops/purchase-orders``, ``/v1/purchase-orders`` and
``gateway po`` show them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from gateway.queries.csv_text import csv_text
from gateway.store.db import Database
from gateway.store.models import (
    OutboxItem,
    PoDiscrepancy,
    PoDocument,
    PoTransmission,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
)

OPEN = (
    "open",
    "sent",
    "functionally_acknowledged",
    "acknowledged",
    "acknowledged_with_changes",
    "backordered",
    "partially_shipped",
    "shipped",
    "partially_invoiced",
)
"""States in which a PO still waits for something from the supplier."""
EXPECTED_DOCUMENT = {
    "functional_ack": "997",
    "acknowledgement": "855",
    "ship_notice": "856",
    "invoice": "810",
}
"""What each SLA timer waits for (``gateway.procurement.sla``)."""
STATUSES = (*OPEN, "rejected", "invoiced", "closed", "cancelled")


class PoLineView(BaseModel):
    line_number: str
    status: str
    buyer_part_number: str | None = None
    vendor_part_number: str | None = None
    uom: str | None = None
    ordered_quantity: str | None = None
    acknowledged_quantity: str | None = None
    shipped_quantity: str | None = None
    invoiced_quantity: str | None = None
    unit_price: str | None = None
    acknowledged_price: str | None = None
    invoiced_price: str | None = None
    requested_date: str | None = None
    acknowledged_date: str | None = None
    ack_status: str | None = None


class DiscrepancyView(BaseModel):
    kind: str
    severity: str
    line_number: str | None
    message: str
    event_id: str | None


class PoDocumentView(BaseModel):
    kind: str
    document_number: str | None
    event_id: str
    message_id: str
    status: str | None
    received_at: datetime
    links: dict[str, str]


class TransmissionView(BaseModel):
    """An 850 or 860 we sent for a revision of the PO, its outbox state and the supplier's
    functional acknowledgement of it (their 997/999), if one came."""

    kind: str
    revision: str
    outbox_id: str
    outbox_status: str | None
    interchange_control: str
    group_control: str
    created_at: datetime
    functional_ack: str | None
    """The 997/999's status for it: accepted, accepted_with_errors, partially_accepted, rejected."""
    links: dict[str, str]


class TimerView(BaseModel):
    """An SLA timer still running: the document the supplier owes and when it is due."""

    timer: str
    """functional_ack (997), acknowledgement (855), ship_notice (856), invoice (810)."""
    expected_document: str
    due_at: datetime
    overdue: bool
    raised: bool
    """Its ``po.*_overdue`` event was raised for the ERP."""


class PurchaseOrderView(BaseModel):
    po_number: str
    partner_id: str
    status: str
    revision: str
    order_date: str | None
    currency: str | None
    overdue: bool
    timers: list[TimerView] = []
    lines: list[PoLineView]
    discrepancies: list[DiscrepancyView]
    documents: list[PoDocumentView]
    transmissions: list[TransmissionView] = []
    updated_at: datetime


class PurchaseOrderSummary(BaseModel):
    po_number: str
    partner_id: str
    status: str
    order_date: str | None
    currency: str | None
    lines: int
    discrepancies: int
    overdue: bool
    overdue_timers: list[str] = []
    updated_at: datetime


def purchase_order(
    db: Database, po_number: str, partner_id: str | None = None
) -> list[PurchaseOrderView]:
    """The PO(s) numbered ``po_number`` (one per partner that has it; ``partner_id`` narrows)."""
    query = select(PurchaseOrderRecord).where(PurchaseOrderRecord.po_number == po_number)
    if partner_id is not None:
        query = query.where(PurchaseOrderRecord.partner_id == partner_id)
    now = datetime.now(UTC)
    with db.sessions() as session:
        records = session.execute(query.order_by(PurchaseOrderRecord.partner_id)).scalars().all()
        views = []
        for record in records:
            lines = (
                session.execute(
                    select(PurchaseOrderLineRecord.state).where(
                        PurchaseOrderLineRecord.purchase_order_id == record.id
                    )
                )
                .scalars()
                .all()
            )
            found = (
                session.execute(
                    select(PoDiscrepancy)
                    .where(PoDiscrepancy.purchase_order_id == record.id)
                    .order_by(PoDiscrepancy.id)
                )
                .scalars()
                .all()
            )
            documents = (
                session.execute(
                    select(PoDocument)
                    .where(
                        PoDocument.partner_id == record.partner_id,
                        PoDocument.po_number == po_number,
                    )
                    .order_by(PoDocument.id)
                )
                .scalars()
                .all()
            )
            views.append(
                PurchaseOrderView(
                    po_number=record.po_number,
                    partner_id=record.partner_id,
                    status=record.status,
                    revision=record.revision,
                    order_date=record.order_date,
                    currency=record.currency,
                    overdue=_overdue(record, now),
                    timers=_timers(record, now),
                    lines=sorted((PoLineView(**state) for state in lines), key=_line_key),
                    discrepancies=[
                        DiscrepancyView(
                            kind=d.kind,
                            severity=d.severity,
                            line_number=d.line_number,
                            message=d.message,
                            event_id=d.event_id,
                        )
                        for d in found
                    ],
                    documents=[
                        PoDocumentView(
                            kind=d.kind,
                            document_number=d.document_number,
                            event_id=d.event_id,
                            message_id=d.message_id,
                            status=d.status,
                            received_at=d.received_at,
                            links={"message": f"/ops/messages/{d.message_id}"},
                        )
                        for d in documents
                    ],
                    transmissions=_transmissions(session, record, documents),
                    updated_at=record.updated_at,
                )
            )
        return views


def _transmissions(
    session: Any, record: PurchaseOrderRecord, documents: Sequence[PoDocument]
) -> list[TransmissionView]:
    rows = session.execute(
        select(PoTransmission, OutboxItem.status)
        .join(OutboxItem, OutboxItem.id == PoTransmission.outbox_id, isouter=True)
        .where(
            PoTransmission.partner_id == record.partner_id,
            PoTransmission.po_number == record.po_number,
        )
        .order_by(PoTransmission.id)
    ).all()
    acks = {d.document_number: d.status for d in documents if d.kind in ("997", "999")}
    return [
        TransmissionView(
            kind=t.kind,
            revision=t.revision,
            outbox_id=t.outbox_id,
            outbox_status=status,
            interchange_control=t.interchange_control,
            group_control=t.group_control,
            created_at=t.created_at,
            functional_ack=acks.get(f"{t.kind} (group {t.group_control})"),
            links={"outbox": f"/ops/outbox/{t.outbox_id}"},
        )
        for t, status in rows
    ]


def _overdue(record: PurchaseOrderRecord, now: datetime) -> bool:
    due = record.next_due_at
    if due is not None and due.tzinfo is None:  # SQLite keeps no zone; the store writes UTC
        due = due.replace(tzinfo=UTC)
    return due is not None and due <= now


def _timers(record: PurchaseOrderRecord, now: datetime) -> list[TimerView]:
    fired = set(record.sla_fired or ())
    timers = [
        TimerView(
            timer=timer,
            expected_document=EXPECTED_DOCUMENT[timer],
            due_at=datetime.fromisoformat(at),
            overdue=datetime.fromisoformat(at) <= now,
            raised=timer in fired,
        )
        for timer, at in (record.sla_due or {}).items()
    ]
    return sorted(timers, key=lambda t: t.due_at)


def _line_key(line: PoLineView) -> tuple[int, str]:
    number = line.line_number
    return (int(number), number) if number.isdigit() else (1 << 30, number)


def list_purchase_orders(
    db: Database,
    *,
    partner_id: str | None = None,
    status: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 100,
) -> list[PurchaseOrderSummary]:
    """Newest order date first. ``overdue``: only POs with an SLA timer that ran out (the
    document it waits for has not come), the longest overdue first."""
    now = datetime.now(UTC)
    query = select(PurchaseOrderRecord).order_by(
        PurchaseOrderRecord.order_date.desc(), PurchaseOrderRecord.po_number
    )
    if overdue:
        query = (
            select(PurchaseOrderRecord)
            .where(PurchaseOrderRecord.next_due_at <= now)
            .order_by(PurchaseOrderRecord.next_due_at, PurchaseOrderRecord.po_number)
        )
    if partner_id is not None:
        query = query.where(PurchaseOrderRecord.partner_id == partner_id)
    if status is not None:
        query = query.where(PurchaseOrderRecord.status == status)
    if open_only:
        query = query.where(PurchaseOrderRecord.status.in_(OPEN))
    if date_from is not None:
        query = query.where(PurchaseOrderRecord.order_date >= date_from)
    if date_to is not None:
        query = query.where(PurchaseOrderRecord.order_date <= date_to)
    with db.sessions() as session:
        return [
            PurchaseOrderSummary(
                po_number=r.po_number,
                partner_id=r.partner_id,
                status=r.status,
                order_date=r.order_date,
                currency=r.currency,
                lines=len(r.body.get("lines", [])),
                discrepancies=r.discrepancy_count,
                overdue=_overdue(r, now),
                overdue_timers=[t.timer for t in _timers(r, now) if t.overdue],
                updated_at=r.updated_at,
            )
            for r in session.execute(query.limit(limit)).scalars()
        ]


CSV_FIELDS = (
    "po_number",
    "partner_id",
    "status",
    "order_date",
    "currency",
    "lines",
    "discrepancies",
    "overdue",
    "overdue_timers",
    "updated_at",
)


def as_csv(rows: list[PurchaseOrderSummary]) -> str:
    def cells(row: PurchaseOrderSummary) -> list[Any]:
        data: dict[str, Any] = row.model_dump(mode="json")
        return [";".join(data[f]) if isinstance(data[f], list) else data[f] for f in CSV_FIELDS]

    return csv_text(CSV_FIELDS, (cells(row) for row in rows))
