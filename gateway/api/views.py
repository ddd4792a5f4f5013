"""Read models of the store for both APIs: plain synchronous functions (routes run them in a
worker thread), each opening one short read-only session.

Partner scoping happens here, in the query: ``partner_id`` given means "only that partner's", so a
foreign message id is simply not found (the supplier API answers 404, never 403).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gateway.api.schemas import (
    AckView,
    DeadLetter,
    DeliveryView,
    EventSummary,
    EventView,
    InterchangeView,
    MessageSummary,
    MessageView,
    Outcome,
    Stats,
    TransactionView,
)
from gateway.store.db import Database
from gateway.store.models import (
    Acknowledgment,
    Delivery,
    EventRecord,
    InboundMessage,
    InterchangeRecord,
    TransactionRecord,
)


def database_ok(db: Database) -> bool:
    try:
        with db.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not reachable" for a health check
        return False
    return True


def list_messages(
    db: Database, *, partner_id: str | None = None, status: str | None = None, limit: int = 50
) -> list[MessageSummary]:
    query = select(InboundMessage).order_by(InboundMessage.received_at.desc(), InboundMessage.id)
    if partner_id is not None:
        query = query.where(InboundMessage.partner_id == partner_id)
    if status is not None:
        query = query.where(InboundMessage.status == status)
    with db.sessions() as session:
        return [_summary(m) for m in session.execute(query.limit(limit)).scalars()]


def message_detail(
    db: Database, message_id: str, partner_id: str | None = None
) -> MessageView | None:
    with db.sessions() as session:
        message = session.get(InboundMessage, message_id)
        if message is None or (partner_id is not None and message.partner_id != partner_id):
            return None
        return _detail(session, message)


def dead_letters(db: Database, limit: int = 100) -> list[DeadLetter]:
    query = (
        select(Delivery, EventRecord)
        .join(EventRecord, EventRecord.id == Delivery.event_id)
        .where(Delivery.status == "dead")
        .order_by(Delivery.updated_at.desc(), Delivery.id)
        .limit(limit)
    )
    with db.sessions() as session:
        return [
            DeadLetter(delivery=_delivery(d), event=_event_summary(e))
            for d, e in session.execute(query)
        ]


def delivery(db: Database, delivery_id: int) -> DeliveryView | None:
    with db.sessions() as session:
        row = session.get(Delivery, delivery_id)
        return _delivery(row) if row is not None else None


def stats(db: Database) -> Stats:
    with db.sessions() as session:
        messages = select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        deliveries = select(Delivery.status, func.count()).group_by(Delivery.status)
        return Stats(
            messages={status: n for status, n in session.execute(messages)},
            deliveries={status: n for status, n in session.execute(deliveries)},
        )


def _detail(session: Session, message: InboundMessage) -> MessageView:
    def rows(model: Any, order: Any) -> list[Any]:
        query = select(model).where(model.message_id == message.id).order_by(order)
        return list(session.execute(query).scalars())

    transactions = [_transaction(t) for t in rows(TransactionRecord, TransactionRecord.ordinal)]
    events = rows(EventRecord, EventRecord.created_at)
    deliveries: dict[str, list[DeliveryView]] = {e.id: [] for e in events}
    if events:
        query = select(Delivery).where(Delivery.event_id.in_(deliveries)).order_by(Delivery.id)
        for d in session.execute(query).scalars():
            deliveries[d.event_id].append(_delivery(d))
    errors: list[dict[str, Any]] = list(message.meta.get("errors") or [])
    return MessageView(
        **_summary(message).model_dump(),
        content_type=message.content_type,
        sha256=message.content_sha256,
        attempts=message.attempts,
        outcome=_outcome(message.status, transactions, errors),
        duplicate_reason=message.duplicate_reason,
        error=message.error,
        errors=errors,
        meta=message.meta,
        interchanges=[_interchange(i) for i in rows(InterchangeRecord, InterchangeRecord.ordinal)],
        transactions=transactions,
        events=[
            EventView(**_event_summary(e).model_dump(), deliveries=deliveries[e.id]) for e in events
        ],
        acknowledgments=[
            AckView(kind=a.kind, edi=a.edi, status=a.status, created_at=_utc(a.created_at))
            for a in rows(Acknowledgment, Acknowledgment.id)
        ],
    )


def _outcome(status: str, transactions: list[TransactionView], errors: list[Any]) -> Outcome | None:
    """How the content of a processed message fared, in one word for dashboards and partners."""
    if status != "processed":
        return None
    if not errors:
        return "accepted"
    accepted = sum(t.status in ("A", "E") for t in transactions)
    if accepted == 0:
        return "rejected"
    return (
        "partially_accepted"
        if any(t.status == "R" for t in transactions)
        else "accepted_with_errors"
    )


def _summary(m: InboundMessage) -> MessageSummary:
    return MessageSummary(
        id=m.id,
        partner_id=m.partner_id,
        transport=m.transport,
        transport_message_id=m.transport_message_id,
        status=m.status,
        size=m.size,
        received_at=_utc(m.received_at),
        processed_at=_utc(m.processed_at),
        duplicate_of=m.duplicate_of,
    )


def _transaction(t: TransactionRecord) -> TransactionView:
    v = t.validation or {}
    return TransactionView(
        id=t.id,
        ordinal=t.ordinal,
        code=t.code,
        control_number=t.control_number,
        interchange_control_number=t.interchange_control_number,
        group_control_number=t.group_control_number,
        status=t.status,
        business_key=t.business_key or str(v.get("business_key") or ""),
        event_id=t.event_id,
        duplicate_of=t.duplicate_of,
        duplicate=v.get("duplicate"),
        set_codes=list(v.get("set_codes") or []),
        errors=list(v.get("segment_errors") or []),
        notes=list(v.get("notes") or []),
    )


def _interchange(i: InterchangeRecord) -> InterchangeView:
    return InterchangeView(
        ordinal=i.ordinal,
        sender_id=i.sender_id,
        receiver_id=i.receiver_id,
        control_number=i.control_number,
        test=i.test,
        ta1_status=i.ta1_status,
        ta1_code=i.ta1_code,
        messages=list(i.result.get("messages") or []),
        warnings=list(i.result.get("warnings") or []),
    )


def _event_summary(e: EventRecord) -> EventSummary:
    return EventSummary(
        id=e.id,
        type=e.type,
        document_number=e.document_number,
        partner_id=e.partner_id,
        message_id=e.message_id,
        revision=e.revision,
        flagged_duplicate_of=e.flagged_duplicate_of,
    )


def _delivery(d: Delivery) -> DeliveryView:
    return DeliveryView(
        id=d.id,
        connector=d.connector,
        status=d.status,
        attempts=d.attempts,
        last_error=d.last_error,
        last_status_code=d.last_status_code,
        updated_at=_utc(d.updated_at),
        delivered_at=_utc(d.delivered_at),
    )


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone; the store writes UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
