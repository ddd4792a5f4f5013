"""Raising the SLA timers' events: each PO whose timer ran out (``gateway.procurement.sla``) gets
one ``po.*_overdue`` event per timer, stored with a delivery row per ERP connector, in the
transaction that marks the timer fired, so it is raised once whatever runs the sweep and however
often (PostgreSQL: rows taken ``FOR UPDATE SKIP LOCKED``, so two workers never take the same PO;
the event id is derived from the PO and the timer, so a second raise would be the same row).

The workers run it with their periodic sweep (``gateway.workers.run``), ``gateway po timers``
runs it once. A partner that is not ``live`` has its events kept from the ERP (stored, ``test``),
as its documents are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.canonical import OVERDUE_TYPES, PoOverdue, PoOverdueEvent, Source
from gateway.canonical.procurement_events import EXPECTED_DOCUMENT
from gateway.procurement.sla import TIMERS, next_to_fire
from gateway.store.db import Database
from gateway.store.models import (
    Delivery,
    EventRecord,
    OutboxItem,
    Partner,
    PoTransmission,
    PurchaseOrderRecord,
    table_of,
)

BATCH = 500
_EVENTS, _DELIVERIES = table_of(EventRecord), table_of(Delivery)
_WORDS = {
    "functional_ack": "has not sent a 997 for",
    "acknowledgement": "has not acknowledged (855)",
    "ship_notice": "has not sent a ship notice (856) for",
    "invoice": "has not invoiced (810)",
}


def overdue_event_id(partner_id: str, po_number: str, timer: str) -> str:
    digest = hashlib.sha256(f"sla\0{partner_id}\0{po_number}\0{timer}".encode())
    return "evt_" + digest.hexdigest()[:32]


def fire_due_timers(
    db: Database, connectors: Sequence[str], now: datetime | None = None
) -> list[int]:
    """Raise every timer that ran out by ``now``; the new delivery ids, to enqueue after the
    commit (the workers' sweep finds any that are not)."""
    now = now or datetime.now(UTC)
    delivery_ids: list[int] = []
    while True:
        with db.transaction() as session:
            due = _take(session, now)
            rows = [row for record in due for row in _fire(session, record, now)]
            if rows:
                delivery_ids += _store(session, rows, connectors)
        if len(due) < BATCH:
            return delivery_ids


def _take(session: Session, now: datetime) -> Sequence[PurchaseOrderRecord]:
    query = (
        select(PurchaseOrderRecord)
        .where(PurchaseOrderRecord.next_fire_at <= now)
        .order_by(PurchaseOrderRecord.next_fire_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).scalars().all()


def _fire(session: Session, record: PurchaseOrderRecord, now: datetime) -> list[dict[str, object]]:
    due = {timer: datetime.fromisoformat(at) for timer, at in (record.sla_due or {}).items()}
    fired = list(record.sla_fired or ())
    sent = session.execute(
        select(PoTransmission)
        .where(
            PoTransmission.partner_id == record.partner_id,
            PoTransmission.po_number == record.po_number,
        )
        .order_by(PoTransmission.id)
        .limit(1)
    ).scalar_one_or_none()
    rows = []
    for timer in TIMERS:
        at = due.get(timer)
        if at is None or timer in fired or at > now:
            continue
        fired.append(timer)
        if sent is not None:
            rows.append(_row(record, sent, _envelope(session, sent), timer, at))
    record.sla_fired = fired
    record.next_fire_at = next_to_fire(due, fired)
    return rows


def _row(
    record: PurchaseOrderRecord,
    sent: PoTransmission,
    envelope: tuple[str, str, str],
    timer: str,
    due_at: datetime,
) -> dict[str, object]:
    document = EXPECTED_DOCUMENT[timer]
    sent_at = sent.created_at if sent.created_at.tzinfo else sent.created_at.replace(tzinfo=UTC)
    event = PoOverdueEvent(
        id=overdue_event_id(record.partner_id, record.po_number, timer),
        partner_id=record.partner_id,
        type=OVERDUE_TYPES[timer],
        source=Source(
            version=envelope[2],
            document_type=sent.kind,
            sender_id=envelope[0],
            receiver_id=envelope[1],
            interchange_control_number=sent.interchange_control,
            group_control_number=sent.group_control,
            control_number=sent.set_control,
        ),
        document=PoOverdue(
            po_number=record.po_number,
            timer=timer,
            expected_document=document,
            due_at=due_at.isoformat(),
            sent_at=sent_at.isoformat(),
            po_status=record.status,
            message=f"Supplier {record.partner_id} {_WORDS[timer]} PO {record.po_number}: "
            f"due {due_at:%Y-%m-%d %H:%M} UTC.",
        ),
    )
    return {
        "id": event.id,
        "message_id": None,
        "partner_id": record.partner_id,
        "type": event.type,
        "document_number": record.po_number,
        "payload": event.model_dump(mode="json"),
        "test": False,
    }


def _envelope(session: Session, sent: PoTransmission) -> tuple[str, str, str]:
    """(ISA06, ISA08, GS08) of the 850 as it went out (its outbox item's bytes)."""
    payload = session.scalar(select(OutboxItem.payload).where(OutboxItem.id == sent.outbox_id))
    text = (payload or b"").decode("latin-1")
    if len(text) < 106 or not text.startswith("ISA"):
        return "", "", ""
    element, terminator = text[3], text[105]
    isa = text[:105].split(element)
    gs = text[106:].lstrip("\r\n").split(terminator, 1)[0].split(element)
    return isa[6].strip(), isa[8].strip(), gs[8].strip() if len(gs) > 8 else ""


def _store(session: Session, rows: list[dict[str, object]], connectors: Sequence[str]) -> list[int]:
    known = set(
        session.scalars(select(EventRecord.id).where(EventRecord.id.in_([r["id"] for r in rows])))
    )
    rows = [r for r in rows if r["id"] not in known]
    if not rows:
        return []
    partners = {str(r["partner_id"]) for r in rows}
    live = set(
        session.scalars(
            select(Partner.id).where(Partner.id.in_(partners), Partner.status == "live")
        )
    )
    for row in rows:
        row["test"] = row["partner_id"] not in live
    connection = session.connection()
    connection.execute(insert(_EVENTS), rows)
    deliveries = [
        {"event_id": r["id"], "connector": connector, "attempts": 0}
        for r in rows
        if not r["test"]
        for connector in connectors
    ]
    if not deliveries:
        return []
    created = connection.execute(
        insert(_DELIVERIES).returning(_DELIVERIES.c.id), deliveries
    ).scalars()
    return sorted(created)
