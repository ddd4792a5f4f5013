"""The console's read models: the message tracker's search, the dashboard's series and the
exception workbench's groups. Plain queries over the store, like the rest of ``gateway.queries``.

Every query selects the columns it shows, never a message's ``raw`` bytes, and is bounded (a page,
a time window, a cap on rows grouped), so a page stays fast with millions of messages
(``bench/console.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from gateway.queries.rows import utc
from gateway.store.db import Database
from gateway.store.models import (
    Delivery,
    EventRecord,
    InboundMessage,
    OutboxItem,
    PurchaseOrderRecord,
    TransactionRecord,
)

PAGE = 50


@dataclass(frozen=True, slots=True)
class TrackerFilter:
    partner: str | None = None
    doc_type: str | None = None
    control: str | None = None
    """The ISA13 or GS06 of any of the message's sets (an ST02 alone names nothing: most sets
    are 0001)."""
    number: str | None = None
    """A PO number (855), shipment id (856) or invoice number (810): the event's document number."""
    status: str | None = None
    since: date | None = None
    until: date | None = None
    """Inclusive: messages received on that day still match."""
    before: str | None = None
    """The cursor of the next page: ``<received_at iso>|<message id>`` of the last row shown."""


@dataclass(frozen=True, slots=True)
class TrackerRow:
    id: str
    partner_id: str | None
    transport: str
    status: str
    received_at: datetime
    size: int
    sets: list[tuple[str, str]] = field(default_factory=list)
    """``(ST01, status)`` of its transaction sets (A, E, R)."""
    numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TrackerPage:
    rows: list[TrackerRow]
    next_cursor: str | None


def search_messages(db: Database, f: TrackerFilter, limit: int = PAGE) -> TrackerPage:
    m = InboundMessage
    query = select(m.id, m.partner_id, m.transport, m.status, m.received_at, m.size)
    if f.partner:
        query = query.where(m.partner_id == f.partner)
    if f.status:
        query = query.where(m.status == f.status)
    if f.since:
        query = query.where(m.received_at >= _midnight(f.since))
    if f.until:
        query = query.where(m.received_at < _midnight(f.until + timedelta(days=1)))
    t = TransactionRecord
    if f.doc_type:
        query = query.where(exists().where(t.message_id == m.id, t.code == f.doc_type))
    if f.control:  # through the two indexes, not a scan of every message
        c = f.control
        matching = (
            select(t.message_id)
            .where(t.interchange_control_number == c)
            .union(select(t.message_id).where(t.group_control_number == c))
        )
        query = query.where(m.id.in_(matching))
    if f.number:
        e = EventRecord
        query = query.where(exists().where(e.message_id == m.id, e.document_number == f.number))
    cursor = _cursor(f.before)
    if cursor is not None:
        at, last_id = cursor
        query = query.where(or_(m.received_at < at, and_(m.received_at == at, m.id < last_id)))
    query = query.order_by(m.received_at.desc(), m.id.desc()).limit(limit + 1)
    with db.sessions() as session:
        found = session.execute(query).all()
        more = len(found) > limit
        found = found[:limit]
        ids = [row.id for row in found]
        sets: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
        numbers: dict[str, list[str]] = {i: [] for i in ids}
        if ids:
            for mid, code, status in session.execute(
                select(t.message_id, t.code, t.status)
                .where(t.message_id.in_(ids))
                .order_by(t.message_id, t.ordinal)
            ):
                if len(sets[mid]) < 20:
                    sets[mid].append((code, status))
            for event_mid, number in session.execute(
                select(EventRecord.message_id, EventRecord.document_number).where(
                    EventRecord.message_id.in_(ids), EventRecord.document_number.is_not(None)
                )
            ):
                known = numbers.get(event_mid or "")
                if known is not None and number and len(known) < 10 and number not in known:
                    known.append(number)
    rows = [
        TrackerRow(
            r.id,
            r.partner_id,
            r.transport,
            r.status,
            utc(r.received_at),
            r.size,
            sets[r.id],
            numbers[r.id],
        )
        for r in found
    ]
    last = rows[-1] if more and rows else None
    return TrackerPage(rows, f"{last.received_at.isoformat()}|{last.id}" if last else None)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text or "|" not in text:
        return None
    at, _, last_id = text.partition("|")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), last_id[:40]


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: list[str]
    """The window's days, oldest first (``YYYY-MM-DD``)."""
    by_type: dict[str, list[int]]
    """Event type -> documents per day."""
    by_partner: dict[str, dict[str, int]]
    """Partner -> event type -> documents in the window."""
    failures: list[int]
    """Messages per day that failed, were refused, or had a set rejected."""
    messages: dict[str, int]
    deliveries: dict[str, int]
    outbox: dict[str, int]
    overdue_pos: int = 0
    """Purchase orders past an SLA timer (``gateway.procurement.sla``)."""

    @property
    def queue_depth(self) -> int:
        return (
            self.messages.get("received", 0)
            + self.deliveries.get("pending", 0)
            + self.deliveries.get("retrying", 0)
            + self.outbox.get("queued", 0)
        )


def dashboard(db: Database, days: int = 14, today: date | None = None) -> Dashboard:
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    window = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    start = _midnight(first)
    e, m = EventRecord, InboundMessage
    day_of_event = func.date(e.created_at)
    with db.sessions() as session:
        per_day = session.execute(
            select(day_of_event, e.partner_id, e.type, func.count())
            .where(e.created_at >= start, e.supersedes.is_(None))
            .group_by(day_of_event, e.partner_id, e.type)
        ).all()
        day_of_message = func.date(m.received_at)
        failed = session.execute(
            select(day_of_message, func.count())
            .where(m.received_at >= start, m.status.in_(("failed", "refused")))
            .group_by(day_of_message)
        ).all()
        rejected = session.execute(
            select(day_of_message, func.count(func.distinct(m.id)))
            .join(TransactionRecord, TransactionRecord.message_id == m.id)
            .where(m.received_at >= start, TransactionRecord.status == "R")
            .group_by(day_of_message)
        ).all()
        messages = _counts(session, m.status)
        deliveries = _counts(session, Delivery.status)
        outbox = _counts(session, OutboxItem.status)
        overdue = session.scalar(
            select(func.count())
            .select_from(PurchaseOrderRecord)
            .where(PurchaseOrderRecord.next_due_at <= datetime.now(UTC))
        )
    index = {d: i for i, d in enumerate(window)}
    by_type: dict[str, list[int]] = {}
    by_partner: dict[str, dict[str, int]] = {}
    for day, partner, kind, count in per_day:
        i = index.get(str(day))
        if i is None:
            continue
        by_type.setdefault(kind, [0] * days)[i] += count
        totals = by_partner.setdefault(partner or "(none)", {})
        totals[kind] = totals.get(kind, 0) + count
    failures = [0] * days
    for day, count in [*failed, *rejected]:
        i = index.get(str(day))
        if i is not None:
            failures[i] += count
    return Dashboard(
        window, by_type, by_partner, failures, messages, deliveries, outbox, overdue or 0
    )


def _counts(session: Any, column: Any) -> dict[str, int]:
    return {
        status: n for status, n in session.execute(select(column, func.count()).group_by(column))
    }


@dataclass(slots=True)
class ExceptionGroup:
    kind: str
    """``dead_letter`` (deliveries), ``failed`` (messages) or ``rejected`` (transaction sets)."""
    partner_id: str
    cause: str
    ids: list[str] = field(default_factory=list)
    """Delivery ids, message ids or transaction ids, newest first."""
    last_at: datetime | None = None
    example: str = ""
    """A message id to open."""


GROUPED = 1000
"""At most this many of each kind are grouped (newest first): a workbench, not a report."""


def exception_groups(db: Database) -> list[ExceptionGroup]:
    groups: dict[tuple[str, str, str], ExceptionGroup] = {}

    def add(
        kind: str,
        partner: str | None,
        cause: str,
        item: str,
        at: Any,
        example: str,
        label: str = "",
    ) -> None:
        key = (kind, partner or "(none)", label + _cause(cause))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ExceptionGroup(
                kind, key[1], key[2], last_at=utc(at), example=example
            )
        group.ids.append(item)

    e, d, m, t = EventRecord, Delivery, InboundMessage, TransactionRecord
    with db.sessions() as session:
        for did, error, updated, partner, mid in session.execute(
            select(d.id, d.last_error, d.updated_at, e.partner_id, e.message_id)
            .join(e, e.id == d.event_id)
            .where(d.status == "dead")
            .order_by(d.updated_at.desc())
            .limit(GROUPED)
        ):
            add("dead_letter", partner, error or "no error recorded", str(did), updated, mid or "")
        for mid, error, received, partner in session.execute(
            select(m.id, m.error, m.received_at, m.partner_id)
            .where(m.status == "failed")
            .order_by(m.received_at.desc())
            .limit(GROUPED)
        ):
            add("failed", partner, error or "no error recorded", mid, received, mid)
        v = t.validation  # the first error's words, read by the database (no JSON decoding)
        first = (
            v[("segment_errors", 0, "elements", 0, "message")].as_string(),
            v[("segment_errors", 0, "message")].as_string(),
            v[("notes", 0)].as_string(),
        )
        for tid, element, segment, note, code, mid, received, partner in session.execute(
            select(t.id, *first, t.code, m.id, m.received_at, m.partner_id)
            .join(m, m.id == t.message_id)
            .where(t.status == "R", t.event_id.is_(None))  # a replay that made an event: done
            .order_by(t.id.desc())
            .limit(GROUPED)
        ):
            cause = element or segment or note or "rejected"
            add("rejected", partner, cause, str(tid), received, mid, label=f"{code}: ")
    return sorted(groups.values(), key=lambda g: (-len(g.ids), g.kind, g.partner_id, g.cause))


_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b|\b(msg|out|evt)_[0-9a-f]+\b")


def _cause(text: str) -> str:
    """An error with its values taken out, so one cause groups however often it happened."""
    first = text.strip().splitlines()[0] if text.strip() else text
    return _VARYING.sub("…", first)[:160]


def raw_of(db: Database, message_id: str) -> bytes:
    """A message's stored bytes (empty when there is no such message)."""
    with db.sessions() as session:
        found = session.scalar(select(InboundMessage.raw).where(InboundMessage.id == message_id))
    return found or b""


def message_of_transaction(db: Database, transaction_id: int) -> str:
    with db.sessions() as session:
        found = session.scalar(
            select(TransactionRecord.message_id).where(TransactionRecord.id == transaction_id)
        )
    return found or ""
