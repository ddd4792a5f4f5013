"""The PO registry: purchase orders the ERP publishes, the supplier documents linked to them, and
the state computed from both (``state.py``).

* ``publish``: a new PO, or a new revision of one (same revision again: nothing changes). Documents
  that named it before it arrived are linked then.
* ``observe``: called by the pipeline's recorder, in the transaction that stores new events, for
  every event that names a PO: the document is kept per PO (held, ``linked`` false, when the PO is
  unknown) and the PO's state and discrepancies are computed again, before anything is posted to
  the ERP.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from gateway.canonical import Event, FunctionalAckEvent, SupplyDelay, SupplyDelayEvent
from gateway.canonical.purchase_order import PurchaseOrder
from gateway.procurement.documents import documents_of
from gateway.procurement.sla import due_dates, next_to_fire
from gateway.procurement.state import (
    NO_TOLERANCES,
    Document,
    DocumentLine,
    PoState,
    Tolerances,
    compute,
    match,
)
from gateway.store.db import Database
from gateway.store.models import (
    PoDiscrepancy,
    PoDocument,
    PoTransmission,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
    utcnow,
)

TolerancesFor = Callable[[str], Tolerances]


def no_tolerances(_partner_id: str) -> Tolerances:
    return NO_TOLERANCES


@dataclass(frozen=True, slots=True)
class Published:
    po_number: str
    partner_id: str
    outcome: str
    """created | updated | unchanged"""
    revision: str
    status: str
    linked_documents: int
    sent: str | None = None
    """The document sent the supplier for this revision: ``850``, ``860``, or None."""
    outbox_id: str | None = None
    note: str | None = None
    """Why nothing was sent, when nothing was."""
    held: bool = False
    """Nothing was sent because the partner takes no POs now (a draft, suspended, or a profile
    that sends none), not because there was nothing to send: the revision is still owed."""


def revision_of(order: PurchaseOrder) -> str:
    if order.revision:
        return order.revision
    body = json.dumps(order.model_dump(mode="json", exclude={"revision"}), sort_keys=True)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()[:32]


def publish(
    db: Database, order: PurchaseOrder, tolerances: Tolerances = NO_TOLERANCES
) -> Published:
    with db.transaction() as session:
        return publish_in(session, order, tolerances)[0]


def publish_in(
    session: Session, order: PurchaseOrder, tolerances: Tolerances = NO_TOLERANCES
) -> tuple[Published, PurchaseOrderRecord]:
    """``publish`` in the caller's transaction (which may send the PO in the same one), with
    the PO's record."""
    revision = revision_of(order)
    body = order.model_dump(mode="json")
    record = session.execute(
        select(PurchaseOrderRecord)
        .where(
            PurchaseOrderRecord.partner_id == order.partner_id,
            PurchaseOrderRecord.po_number == order.po_number,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if record is not None and record.revision == revision:
        unchanged = Published(
            order.po_number, order.partner_id, "unchanged", revision, record.status, 0
        )
        return unchanged, record
    outcome = "updated" if record is not None else "created"
    if record is None:
        record = PurchaseOrderRecord(
            partner_id=order.partner_id, po_number=order.po_number, status="open"
        )
        session.add(record)
    record.revision = revision
    record.body = body
    record.order_date = order.order_date
    record.currency = order.currency
    record.updated_at = utcnow()
    session.flush()
    linked = _link(session, record)
    refresh(session, record, tolerances)
    done = Published(order.po_number, order.partner_id, outcome, revision, record.status, linked)
    return done, record


def _link(session: Session, record: PurchaseOrderRecord) -> int:
    held = (
        session.execute(
            select(PoDocument).where(
                PoDocument.partner_id == record.partner_id,
                PoDocument.po_number == record.po_number,
                PoDocument.linked.is_(False),
            )
        )
        .scalars()
        .all()
    )
    for document in held:
        document.linked = True
    return len(held)


@dataclass
class Observed:
    """What ``observe`` found in a batch's new events, for the pipeline to store with them."""

    discrepancies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per event id, where it differs from its PO (``Discrepancy`` as JSON): carried on the
    event posted to the ERP."""
    derived: list[tuple[str, Event]] = field(default_factory=list)
    """(the event it came from, a ``supply.delay`` event for planning)."""


def observe(
    session: Session,
    events: Iterable[tuple[Event, str]],
    tolerances_for: TolerancesFor = no_tolerances,
) -> Observed:
    """Keep what each new event says of the POs it names, then compute those POs again. One
    query for the POs of the whole batch; events naming no known PO cost nothing more."""
    events = list(events)
    touched: set[tuple[str, str]] = set()
    rows = []
    for event, message_id in events:
        if event.partner_id is None:
            continue
        if isinstance(event, FunctionalAckEvent):
            rows += _functional_ack_rows(session, event, message_id)
            touched.update((row.partner_id, row.po_number) for row in rows)
            continue
        for po_number, document in documents_of(event).items():
            key = (event.partner_id, po_number[:40])
            rows.append(
                PoDocument(
                    partner_id=key[0],
                    po_number=key[1],
                    event_id=event.id,
                    message_id=message_id,
                    kind=document.kind,
                    document_number=(document.number or "")[:80] or None,
                    status=document.status,
                    lines=[line.as_dict() for line in document.lines],
                    linked=False,
                )
            )
            touched.add(key)
    if not rows:
        return Observed()
    session.add_all(rows)
    session.flush()
    records = (
        session.execute(
            select(PurchaseOrderRecord).where(
                or_(
                    *(
                        and_(
                            PurchaseOrderRecord.partner_id == p, PurchaseOrderRecord.po_number == n
                        )
                        for p, n in sorted(touched)
                    )
                )
            )
        )
        .scalars()
        .all()
    )
    new_ids = {row.event_id for row in rows}
    found = Observed()
    by_id = {event.id: event for event, _ in events}
    for record in records:  # the others stay held: linked when the ERP publishes the PO
        _link(session, record)
        state = refresh(session, record, tolerances_for(record.partner_id))
        for d in state.discrepancies:
            if d.event_id in new_ids:
                found.discrepancies.setdefault(d.event_id, []).append(
                    {
                        "po_number": record.po_number,
                        "line_number": d.line_number,
                        "kind": d.kind,
                        "severity": d.severity,
                        "message": d.message,
                    }
                )
        for row in rows:
            if (row.partner_id, row.po_number) == (record.partner_id, record.po_number):
                source = by_id.get(row.event_id)
                if source is not None and row.kind in ("855", "856"):
                    found.derived += [
                        (source.id, delay) for delay in supply_delays(record, state, source, row)
                    ]
    return found


def supply_delays(
    record: PurchaseOrderRecord, state: PoState, source: Event, row: PoDocument
) -> list[SupplyDelayEvent]:
    """A ``supply.delay`` for each line the 855 or 856 dates past the line's requested date
    (lines it rejects, or with nothing left to come, are not late). The id is derived from the
    PO line and the new date: the same date again is the same event, stored once."""
    delays = []
    for item in row.lines:
        line_item = DocumentLine.from_dict(item)
        line = match(state.lines, line_item)
        if line is None or not line.requested_date or not line_item.date:
            continue
        if line_item.status == "rejected" or line.expected <= 0:
            continue
        try:
            late = (
                date.fromisoformat(line_item.date) - date.fromisoformat(line.requested_date)
            ).days
        except ValueError:
            continue
        if late <= 0:
            continue
        key = (
            f"delay\0{record.partner_id}\0{record.po_number}\0{line.line_number}\0{line_item.date}"
        )
        delays.append(
            SupplyDelayEvent(
                id="evt_" + hashlib.sha256(key.encode()).hexdigest()[:32],
                partner_id=record.partner_id,
                source=source.source,
                document=SupplyDelay(
                    po_number=record.po_number,
                    line_number=line.line_number,
                    buyer_part_number=line.buyer_part_number,
                    vendor_part_number=line.vendor_part_number,
                    quantity=f"{line.expected.normalize():f}",
                    requested_date=line.requested_date,
                    new_date=line_item.date,
                    days_late=late,
                    document="855" if row.kind == "855" else "856",
                    document_event_id=source.id,
                ),
            )
        )
    return delays


def _functional_ack_rows(
    session: Session, event: FunctionalAckEvent, message_id: str
) -> list[PoDocument]:
    """The supplier's 997/999 of a group we sent (its AK102 is our GS06): one linked document
    for each PO an 850/860 of ours in that group was for. A group of anything else (one of our
    own acknowledgements never gets one) matches nothing."""
    ack = event.document
    group = (ack.acknowledged_group.control_number or "").strip().lstrip("0") or None
    if group is None or ack.acknowledged_group.functional_id not in (None, "PO", "PC"):
        return []
    sent = session.execute(
        select(PoTransmission).where(
            PoTransmission.partner_id == event.partner_id,
            PoTransmission.group_control == group,
        )
    ).scalars()
    rows = []
    for transmission in sent:
        status = ack.status
        for answered in ack.transaction_sets:
            if (answered.control_number or "").lstrip("0") == transmission.set_control.lstrip(
                "0"
            ) and answered.status is not None:
                status = answered.status
        rows.append(
            PoDocument(
                partner_id=transmission.partner_id,
                po_number=transmission.po_number,
                event_id=event.id,
                message_id=message_id,
                kind=event.source.document_type[:20],
                document_number=f"{transmission.kind} (group {transmission.group_control})",
                status=status,
                lines=[],
                linked=False,
            )
        )
    return rows


def refresh(session: Session, record: PurchaseOrderRecord, tolerances: Tolerances) -> PoState:
    """Compute the PO's state from its body and linked documents, and store it."""
    rows = (
        session.execute(
            select(PoDocument)
            .where(
                PoDocument.partner_id == record.partner_id,
                PoDocument.po_number == record.po_number,
                PoDocument.linked.is_(True),
            )
            .order_by(PoDocument.id)
        )
        .scalars()
        .all()
    )
    documents = [
        Document(
            row.event_id,
            row.kind,
            row.document_number,
            row.status,
            tuple(DocumentLine.from_dict(line) for line in row.lines),
        )
        for row in rows
    ]
    state = compute(record.body, documents, tolerances, sent=record.sent_at is not None)
    now = utcnow()
    record.status = state.status
    record.discrepancy_count = len(state.discrepancies)
    record.updated_at = now
    if state.acknowledged and record.acknowledged_at is None:
        record.acknowledged_at = now
    if state.shipped and record.shipped_at is None:
        record.shipped_at = now
    if state.invoiced and record.invoiced_at is None:
        record.invoiced_at = now
    due = due_dates(state, documents, tolerances, record.sent_at, record.shipped_at)
    record.sla_due = {timer: at.isoformat() for timer, at in due.items()}
    record.next_due_at = min(due.values()) if due else None
    record.next_fire_at = next_to_fire(due, list(record.sla_fired or ()))
    session.execute(
        delete(PurchaseOrderLineRecord).where(
            PurchaseOrderLineRecord.purchase_order_id == record.id
        )
    )
    session.execute(delete(PoDiscrepancy).where(PoDiscrepancy.purchase_order_id == record.id))
    session.add_all(
        PurchaseOrderLineRecord(
            purchase_order_id=record.id,
            line_number=line.line_number,
            status=line.status,
            state=line.as_dict(),
        )
        for line in state.lines
    )
    session.add_all(
        PoDiscrepancy(
            purchase_order_id=record.id,
            event_id=d.event_id,
            line_number=d.line_number,
            kind=d.kind,
            severity=d.severity,
            message=d.message,
        )
        for d in state.discrepancies
    )
    session.flush()
    return state
