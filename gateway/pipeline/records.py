"""Recording what one message produced, in a handful of statements whatever its size.

``record_sets`` takes the message's transaction sets (X12) or documents (JSON), each with the event
it yields, applies the partner's business-key duplicate policy and writes the transaction rows,
the new events and one delivery per event and ERP connector as bulk inserts: two lookups (events
already stored, business keys already seen) and three ``INSERT``s, instead of a round trip per
row. It runs inside ``process``'s transaction; the caller commits.

Business-key duplicates: a new event whose key (BAK03+BAK04, BSN02, BIG02) arrived before from the
partner in another message is a duplicate. ``reject`` and ``ignore-silently`` keep only the
transaction row (``duplicate_of`` says of what); ``accept-and-flag`` stores and delivers the event
flagged. The same content again has the same event id, so it is never new and never re-delivered;
a changed payload under a known id (replay after a map change) becomes a new revision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.canonical import Event
from gateway.store.models import (
    Delivery,
    EventRecord,
    EventRevision,
    InboundMessage,
    TransactionRecord,
    table_of,
)

KEY_LENGTH = 80
_TRANSACTIONS = table_of(TransactionRecord)
_EVENTS = table_of(EventRecord)
_DELIVERIES = table_of(Delivery)


@dataclass(slots=True)
class SetRow:
    """One transaction set (or JSON document) of a message: its ``transactions`` columns and the
    event it yields, if any."""

    values: dict[str, Any]
    event: Event | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery whose attempt is counted (committed) and whose post is the holder's to make."""

    delivery_id: int
    event: Event
    attempt: int = 1


@dataclass(slots=True)
class Recorded:
    event_ids: list[str] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)
    """New deliveries; when ``claim`` was asked, each is also in ``claims``."""
    claims: list[Claim] = field(default_factory=list)


def business_key(event_type: str, document: dict[str, Any]) -> str:
    if event_type == "po_acknowledgment":
        return f"855:{document.get('po_number')}:{document.get('po_date')}"
    if event_type == "ship_notice":
        return f"856:{document.get('shipment_id')}"
    if event_type == "invoice":
        return f"810:{document.get('invoice_number')}"
    return ""


def document_number(document: dict[str, Any]) -> str | None:
    for key in ("po_number", "shipment_id", "invoice_number"):
        if document.get(key):
            return str(document[key])[:80]
    group = document.get("acknowledged_group") or {}
    return str(group.get("control_number")) if group.get("control_number") else None


def record_sets(
    session: Session,
    message: InboundMessage,
    sets: list[SetRow],
    *,
    connectors: Iterable[str],
    policy: str,
    claim: bool = False,
) -> Recorded:
    """Write ``sets`` for ``message`` (see the module docstring); returns what is new."""
    payloads = {s.event.id: s.event.model_dump(mode="json") for s in sets if s.event is not None}
    keys = {
        event_id: business_key(p["type"], p["document"])[:KEY_LENGTH]
        for event_id, p in payloads.items()
    }
    stored = _stored_events(session, list(payloads))
    earlier = _earlier_keys(session, message, {k for i, k in keys.items() if k and i not in stored})
    recorded = Recorded()
    transaction_rows: list[dict[str, Any]] = []
    new_events: dict[str, tuple[Event, dict[str, Any], str | None]] = {}
    for item in sets:
        row = {
            **item.values,
            "message_id": message.id,
            "business_key": "",
            "event_id": None,
            "duplicate_of": None,
        }
        transaction_rows.append(row)
        event = item.event
        if event is None:
            continue
        key, flagged = keys[event.id], None
        row["business_key"], row["event_id"] = key, event.id
        if event.id not in stored and key in earlier:
            row["duplicate_of"] = flagged = earlier[key]
            if policy != "accept-and-flag":
                row["event_id"] = None
                continue
        if event.id in stored:
            if stored[event.id] != payloads[event.id]:
                _new_revision(session, event.id, payloads[event.id])
        elif event.id not in new_events:
            new_events[event.id] = (event, payloads[event.id], flagged)
        recorded.event_ids.append(event.id)
    if transaction_rows:
        session.execute(insert(_TRANSACTIONS), transaction_rows)
    if new_events:
        _insert_events(session, message, new_events, connectors, claim, recorded)
    return recorded


def _insert_events(
    session: Session,
    message: InboundMessage,
    new_events: dict[str, tuple[Event, dict[str, Any], str | None]],
    connectors: Iterable[str],
    claim: bool,
    recorded: Recorded,
) -> None:
    rows = [
        {
            "id": event_id,
            "message_id": message.id,
            "partner_id": event.partner_id,
            "type": event.type,
            "document_number": document_number(payload["document"]),
            "payload": payload,
            "flagged_duplicate_of": flagged,
        }
        for event_id, (event, payload, flagged) in new_events.items()
    ]
    session.execute(insert(_EVENTS), rows)
    delivery_rows = [
        {"event_id": event_id, "connector": connector, "attempts": 1 if claim else 0}
        for event_id in new_events
        for connector in connectors
    ]
    if not delivery_rows:
        return
    created = session.execute(
        insert(_DELIVERIES).returning(_DELIVERIES.c.id, _DELIVERIES.c.event_id), delivery_rows
    ).all()
    for delivery_id, event_id in sorted(created):
        recorded.delivery_ids.append(delivery_id)
        if claim:
            recorded.claims.append(Claim(delivery_id, new_events[event_id][0]))


def _stored_events(session: Session, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.payload).where(_EVENTS.c.id.in_(event_ids))
    )
    return {row.id: row.payload for row in rows}


def _earlier_keys(session: Session, message: InboundMessage, keys: set[str]) -> dict[str, str]:
    """Business key -> event id of its first appearance from this partner in another message."""
    if not keys:
        return {}
    messages = table_of(InboundMessage)
    rows = session.execute(
        select(_TRANSACTIONS.c.business_key, _TRANSACTIONS.c.event_id)
        .join(messages, messages.c.id == _TRANSACTIONS.c.message_id)
        .where(
            _TRANSACTIONS.c.business_key.in_(sorted(keys)),
            _TRANSACTIONS.c.event_id.is_not(None),
            messages.c.partner_id == message.partner_id,
            _TRANSACTIONS.c.message_id != message.id,
        )
        .order_by(_TRANSACTIONS.c.id)
    )
    earlier: dict[str, str] = {}
    for key, event_id in rows:
        earlier.setdefault(key, event_id)
    return earlier


def _new_revision(session: Session, event_id: str, payload: dict[str, Any]) -> None:
    existing = session.get(EventRecord, event_id)
    assert existing is not None
    replace_event_payload(session, existing, payload)


def replace_event_payload(session: Session, existing: EventRecord, payload: dict[str, Any]) -> None:
    """Keep the old payload as a revision and make the new one current (replay after a map change)."""
    session.add(
        EventRevision(event_id=existing.id, revision=existing.revision, payload=existing.payload)
    )
    existing.payload = payload
    existing.revision += 1
    existing.updated_at = datetime.now(UTC)
