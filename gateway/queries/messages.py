"""Messages as every surface shows them: the supplier's receipts, ``/ops/messages``, the CLI.

Partner scoping happens here, in the query: ``partner_id`` given means "only that partner's", so a
foreign message id is simply not found (the supplier API answers 404, never 403).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gateway.queries.rows import delivery_view, event_summary, utc
from gateway.queries.views import (
    AckView,
    DeliveryView,
    EventView,
    InterchangeView,
    MessageSummary,
    MessageView,
    Outcome,
    TransactionView,
)
from gateway.store.db import Database
from gateway.store.models import (
    Acknowledgment,
    Delivery,
    EventRecord,
    InboundMessage,
    InterchangeRecord,
    OutboxItem,
    PoDocument,
    TransactionRecord,
)


def list_messages(
    db: Database,
    *,
    partner_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    po_number: str | None = None,
) -> list[MessageSummary]:
    """Newest first; ``po_number``: the messages whose documents name that PO (``po_documents``,
    or an event whose document number it is)."""
    query = select(InboundMessage).order_by(InboundMessage.received_at.desc(), InboundMessage.id)
    if partner_id is not None:
        query = query.where(InboundMessage.partner_id == partner_id)
    if po_number is not None:
        naming = select(PoDocument.message_id).where(PoDocument.po_number == po_number)
        numbered = select(EventRecord.message_id).where(EventRecord.document_number == po_number)
        query = query.where(InboundMessage.id.in_(naming.union(numbered)))
    if status is not None:
        query = query.where(InboundMessage.status == status)
    with db.sessions() as session:
        return [_summary(m) for m in session.execute(query.limit(limit)).scalars()]


def message_ids(db: Database, status: str) -> list[str]:
    """Every message with ``status``, oldest first (``messages retry --status failed``)."""
    query = (
        select(InboundMessage.id)
        .where(InboundMessage.status == status)
        .order_by(InboundMessage.received_at)
    )
    with db.sessions() as session:
        return list(session.scalars(query))


def transaction_ids(db: Database, message_id: str) -> list[int]:
    """The message's transaction sets in their order (``replay --message``)."""
    query = (
        select(TransactionRecord.id)
        .where(TransactionRecord.message_id == message_id)
        .order_by(TransactionRecord.ordinal)
    )
    with db.sessions() as session:
        return list(session.scalars(query))


def message_status(db: Database, message_id: str) -> str | None:
    """The message's status, or None when there is no such message."""
    with db.sessions() as session:
        return session.scalar(select(InboundMessage.status).where(InboundMessage.id == message_id))


PAGE = 100
"""Transaction sets per page of a message's view (with their events): a message may hold
thousands, and a receipt stays small whatever was sent."""


def message_detail(
    db: Database,
    message_id: str,
    partner_id: str | None = None,
    *,
    after: int = 0,
    limit: int = PAGE,
) -> MessageView | None:
    """The message with the transaction sets after ordinal ``after`` (at most ``limit``, with
    their events); ``next_after`` says where the next page starts."""
    with db.sessions() as session:
        message = session.get(InboundMessage, message_id)
        if message is None or (partner_id is not None and message.partner_id != partner_id):
            return None
        return _detail(session, message, after, limit)


def _detail(session: Session, message: InboundMessage, after: int, limit: int) -> MessageView:
    def rows(model: Any, order: Any) -> list[Any]:
        query = select(model).where(model.message_id == message.id).order_by(order)
        return list(session.execute(query).scalars())

    page = list(
        session.scalars(
            select(TransactionRecord)
            .where(TransactionRecord.message_id == message.id, TransactionRecord.ordinal > after)
            .order_by(TransactionRecord.ordinal)
            .limit(limit + 1)
        )
    )
    more = len(page) > limit
    transactions = [_transaction(t) for t in page[:limit]]
    event_ids = [t.event_id for t in transactions if t.event_id]
    events = _events_and_corrections(session, message.id, event_ids)
    deliveries: dict[str, list[DeliveryView]] = {e.id: [] for e in events}
    if events:
        query = select(Delivery).where(Delivery.event_id.in_(deliveries)).order_by(Delivery.id)
        for d in session.execute(query).scalars():
            deliveries[d.event_id].append(delivery_view(d))
    errors: list[dict[str, Any]] = list(message.meta.get("errors") or [])
    return MessageView(
        **_summary(message).model_dump(),
        content_type=message.content_type,
        sha256=message.content_sha256,
        attempts=message.attempts,
        outcome=_outcome(session, message, errors),
        duplicate_reason=message.duplicate_reason,
        error=message.error,
        errors=errors,
        meta=message.meta,
        interchanges=[_interchange(i) for i in rows(InterchangeRecord, InterchangeRecord.ordinal)],
        transactions=transactions,
        transactions_total=_count(session, message.id),
        next_after=transactions[-1].ordinal if more else None,
        events=[
            EventView(**event_summary(e).model_dump(), deliveries=deliveries[e.id]) for e in events
        ],
        acknowledgments=_acknowledgments(session, message.id),
    )


def _events_and_corrections(
    session: Session, message_id: str, event_ids: list[str]
) -> list[EventRecord]:
    """The events of ``event_ids`` and the corrections that superseded them (``replay
    --repost``), in the order they were made."""
    if not event_ids:
        return []
    found = list(
        session.scalars(
            select(EventRecord)
            .where(
                or_(
                    EventRecord.id.in_(event_ids),
                    and_(EventRecord.message_id == message_id, EventRecord.supersedes.is_not(None)),
                )
            )
            .order_by(EventRecord.created_at, EventRecord.id)
        )
    )
    by_id = {e.id: e for e in found}
    wanted = set(event_ids)

    def root(event: EventRecord) -> str:
        seen = {event.id}
        while event.supersedes in by_id and event.supersedes not in seen:
            event = by_id[event.supersedes]
            seen.add(event.id)
        return event.id

    return [e for e in found if e.id in wanted or root(e) in wanted]


def _acknowledgments(session: Session, message_id: str) -> list[AckView]:
    """The message's acknowledgements, each with its outbox item's state."""
    query = (
        select(Acknowledgment, OutboxItem.status)
        .outerjoin(OutboxItem, OutboxItem.id == Acknowledgment.outbox_id)
        .where(Acknowledgment.message_id == message_id)
        .order_by(Acknowledgment.id)
    )
    return [
        AckView(
            kind=a.kind,
            edi=a.edi,
            status=sent_status or a.status,
            created_at=utc(a.created_at),
            outbox_id=a.outbox_id,
        )
        for a, sent_status in session.execute(query)
    ]


def _count(session: Session, message_id: str, *statuses: str) -> int:
    query = select(func.count()).where(TransactionRecord.message_id == message_id)
    if statuses:
        query = query.where(TransactionRecord.status.in_(statuses))
    return int(session.scalar(query) or 0)


def _outcome(session: Session, message: InboundMessage, errors: list[Any]) -> Outcome | None:
    """How the content of a processed message fared, in one word for dashboards and partners
    (over all its sets, not one page)."""
    if message.status != "processed":
        return None
    if not errors:
        return "accepted"
    if _count(session, message.id, "A", "E") == 0:
        return "rejected"
    rejected = _count(session, message.id, "R")
    return "partially_accepted" if rejected else "accepted_with_errors"


def _summary(m: InboundMessage) -> MessageSummary:
    return MessageSummary(
        id=m.id,
        partner_id=m.partner_id,
        transport=m.transport,
        transport_message_id=m.transport_message_id,
        status=m.status,
        size=m.size,
        received_at=utc(m.received_at),
        processed_at=utc(m.processed_at),
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
