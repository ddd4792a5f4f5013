"""Recording what a batch of messages produced, in a handful of statements whatever its size.

``Recorder`` collects, for each message of a batch, its interchanges, its transaction sets (X12) or
documents (JSON) with the events they yield, and its acknowledgements; ``write`` applies the
partners' business-key duplicate policy and writes everything as bulk inserts: two lookups
(events already stored, business keys already seen) and one ``INSERT`` per table, instead of a
round trip per row. It runs inside ``process``'s transaction; the caller commits.

Business-key duplicates: a new event whose key (BAK03+BAK04, BSN02, BIG02) arrived before from the
partner in another message is a duplicate. ``reject`` and ``ignore-silently`` keep only the
transaction row (``duplicate_of`` says of what); ``accept-and-flag`` stores and delivers the event
flagged. The same content again has the same event id, so it is never new and never re-delivered;
a changed payload under a known id (replay after a map change) becomes a new revision.

Test documents (``Hold``: the partner is not live, or a live partner's ISA15=T interchange under
``test_indicator: hold``) are stored like any other, marked ``test``, and get no delivery rows:
nothing ever posts them to the ERP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from gateway.canonical import Discrepancy, Event
from gateway.pipeline.outbox import OutboundRef, edi_bytes, outbound_item
from gateway.procurement.registry import Observed
from gateway.store.models import (
    Acknowledgment,
    Delivery,
    EventRecord,
    EventRevision,
    InboundMessage,
    InterchangeRecord,
    OutboxItem,
    TransactionRecord,
    table_of,
)

KEY_LENGTH = 80
_TRANSACTIONS = table_of(TransactionRecord)
_EVENTS = table_of(EventRecord)
_DELIVERIES = table_of(Delivery)
_INTERCHANGES = table_of(InterchangeRecord)
_ACKS = table_of(Acknowledgment)
_MESSAGES = table_of(InboundMessage)
_OUTBOX = table_of(OutboxItem)

Versions = tuple[str | None, str | None]
"""(profile version, map version) a message's events were made with (``events`` columns)."""
Hold = Callable[[Event], bool]
"""Whether a new event is a test document, kept from the ERP (``partners.holds_from_erp``)."""


def deliver_all(_event: Event) -> bool:
    return False


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


class BatchConflict(Exception):
    """Two messages of one batch carry the same event id with different content: the caller
    processes them one at a time instead (the second then becomes a revision of the first)."""


@dataclass(slots=True)
class _Pending:
    message: InboundMessage
    sets: list[SetRow]
    policy: str
    checks: frozenset[str]
    recorded: Recorded
    hold: Hold
    versions: Versions = (None, None)


LAYERS = (  # checked in this order; the first that matches decides
    ("st02", "control_key", "ST02 {value} of this group already received"),
    ("gs06", "group_key", "GS06 {value} already received"),
    ("business_key", "business_key", "business key {value} already received with other content"),
)

ALL_LAYERS = frozenset(name for name, _, _ in LAYERS)


Observe = Callable[[Session, list[tuple[Event, str]]], Observed]
"""Sees new events before they are stored; returns the discrepancies to carry, per event id."""


class Recorder:
    """Collects what a batch of messages produced, then writes it in a few bulk statements.

    ``write`` looks up the events already stored and, per duplicate layer (ST02 within its group,
    GS06, business key), the values seen before from the same partner: one query each for the
    whole batch. It then applies the duplicate rule message by message in batch order (an earlier
    message of the batch counts as "before") and inserts interchanges, transaction rows, events,
    deliveries, outbox items and acknowledgements with one ``INSERT`` per table.

    Control numbers count as seen only from sets that were accepted (AK5 A or E) in another
    message: a partner re-sending a rejected set, corrected, under the same numbers is not
    turned away.
    """

    def __init__(
        self,
        session: Session,
        *,
        connectors: Iterable[str],
        claim: bool,
        observe: Observe | None = None,
    ) -> None:
        """``observe``: called with the new events (and their message ids) in the transaction
        that stores them, before anything is posted (the procurement registry links them to
        their POs)."""
        self.session = session
        self.observe = observe
        self.connectors = tuple(connectors)
        self.claim = claim
        self.interchange_rows: list[dict[str, Any]] = []
        self.ack_rows: list[dict[str, Any]] = []
        self.outbox_rows: list[dict[str, Any]] = []
        self._pending: list[_Pending] = []

    def add_sets(
        self,
        message: InboundMessage,
        sets: list[SetRow],
        policy: str,
        checks: frozenset[str] = ALL_LAYERS,
        hold: Hold = deliver_all,
        versions: Versions = (None, None),
    ) -> Recorded:
        """Queue ``sets`` of ``message``; the returned ``Recorded`` is filled by ``write``.
        ``checks``: the duplicate layers the partner's policy applies to; ``hold``: which new
        events are test documents; ``versions``: the profile and maps they were made with."""
        recorded = Recorded()
        self._pending.append(_Pending(message, sets, policy, checks, recorded, hold, versions))
        return recorded

    def add_acks(
        self, message: InboundMessage, acks: list[dict[str, str]], transport: str | None
    ) -> list[OutboundRef]:
        """Queue ``message``'s outgoing acknowledgements (``kind``, ``edi``), each with an outbox
        item for ``transport`` (the partner's ``transports.outbound``; None, or a message without
        a partner: no item, the ack is ``not_sent``). Returns the new items."""
        refs: list[OutboundRef] = []
        for ack in acks:
            row = {
                "message_id": message.id,
                "partner_id": message.partner_id,
                "direction": "out",
                "kind": ack["kind"],
                "edi": ack["edi"],
                "status": "not_sent",
                "outbox_id": None,
            }
            if transport is not None and message.partner_id is not None:
                item = outbound_item(
                    partner_id=message.partner_id,
                    kind=ack["kind"],
                    payload=edi_bytes(ack["edi"]),
                    transport=transport,
                    message_id=message.id,
                )
                self.outbox_rows.append(item)
                row.update(status="outbox", outbox_id=item["id"])
                refs.append(OutboundRef(item["id"], transport))
            self.ack_rows.append(row)
        return refs

    def write(self) -> None:
        session = self.session
        payloads: dict[str, dict[str, Any]] = {}
        for pending in self._pending:
            for item in pending.sets:
                if item.event is None:
                    continue
                payload = item.event.model_dump(mode="json")
                if payloads.setdefault(item.event.id, payload) != payload:
                    raise BatchConflict(item.event.id)
                item.values["business_key"] = business_key(payload["type"], payload["document"])[
                    :KEY_LENGTH
                ]
        stored = _stored_events(session, list(payloads))
        seen = _Seen(session, self._pending, stored)
        transaction_rows: list[dict[str, Any]] = []
        new_events: dict[str, tuple[Event, _Pending, str | None]] = {}
        for pending in self._pending:
            message, recorded = pending.message, pending.recorded
            for item in pending.sets:
                row = {
                    "group_key": "",
                    "control_key": "",
                    "business_key": "",
                    **item.values,
                    "message_id": message.id,
                    "event_id": None,
                    "duplicate_of": None,
                }
                transaction_rows.append(row)
                event = item.event
                if event is None:
                    continue
                row["event_id"], flagged = event.id, None
                known = event.id in stored or event.id in new_events
                first = None if known else seen.first(pending, row)
                if first is not None:
                    row["duplicate_of"] = flagged = first[0]
                    row["validation"] = {**row["validation"], "duplicate": first[1]}
                    if pending.policy != "accept-and-flag":
                        row["event_id"] = None
                        continue
                if event.id in stored:
                    if _content(stored[event.id]) != payloads[event.id]:
                        _new_revision(session, event.id, payloads[event.id])
                elif event.id not in new_events:
                    new_events[event.id] = (event, pending, flagged)
                recorded.event_ids.append(event.id)
            seen.remember(pending, transaction_rows[-len(pending.sets) :] if pending.sets else [])
        connection = session.connection()  # Core statements: no ORM bookkeeping needed
        if self.interchange_rows:
            connection.execute(insert(_INTERCHANGES), self.interchange_rows)
        if transaction_rows:
            connection.execute(insert(_TRANSACTIONS), transaction_rows)
        if new_events:
            if self.observe is not None:
                self._carry(self.observe, new_events, payloads)
            self._insert_events(connection, new_events, payloads)
        if self.outbox_rows:  # before the acks that reference them
            connection.execute(insert(_OUTBOX), self.outbox_rows)
        if self.ack_rows:
            connection.execute(insert(_ACKS), self.ack_rows)

    def _carry(
        self,
        observe: Observe,
        new_events: dict[str, tuple[Event, _Pending, str | None]],
        payloads: dict[str, dict[str, Any]],
    ) -> None:
        """Let ``observe`` see the new events before they are stored, put what it found
        wrong in each (``discrepancies``) on the event stored and posted, and store the events
        it derived (``supply.delay``) with the message of the event they came from (held from
        the ERP when that one is; one already stored is not stored again)."""
        observed = observe(
            self.session,
            [(event, pending.message.id) for event, pending, _ in new_events.values()],
        )
        derived = [(source, event) for source, event in observed.derived if source in new_events]
        stored = _stored_events(self.session, [event.id for _, event in derived])
        for source, event in derived:
            if event.id not in stored and event.id not in new_events:
                new_events[event.id] = (event, new_events[source][1], None)
                payloads[event.id] = event.model_dump(mode="json")
        for event_id, discrepancies in observed.discrepancies.items():
            if event_id not in new_events:
                continue
            event, pending, flagged = new_events[event_id]
            payloads[event_id] = {**payloads[event_id], "discrepancies": discrepancies}
            carried = event.model_copy(
                update={"discrepancies": [Discrepancy(**d) for d in discrepancies]}
            )
            new_events[event_id] = (carried, pending, flagged)

    def _insert_events(
        self,
        connection: Connection,
        new_events: dict[str, tuple[Event, _Pending, str | None]],
        payloads: dict[str, dict[str, Any]],
    ) -> None:
        held = {
            event_id for event_id, (event, pending, _) in new_events.items() if pending.hold(event)
        }
        rows = [
            {
                "id": event_id,
                "message_id": pending.message.id,
                "partner_id": event.partner_id,
                "type": event.type,
                "document_number": document_number(payloads[event_id]["document"]),
                "payload": payloads[event_id],
                "flagged_duplicate_of": flagged,
                "test": event_id in held,
                "profile_version": pending.versions[0],
                "map_version": pending.versions[1],
            }
            for event_id, (event, pending, flagged) in new_events.items()
        ]
        connection.execute(insert(_EVENTS), rows)
        delivery_rows = [
            {"event_id": event_id, "connector": connector, "attempts": 1 if self.claim else 0}
            for event_id in new_events
            if event_id not in held
            for connector in self.connectors
        ]
        if not delivery_rows:
            return
        created = connection.execute(
            insert(_DELIVERIES).returning(_DELIVERIES.c.id, _DELIVERIES.c.event_id), delivery_rows
        ).all()
        for delivery_id, event_id in sorted(created):
            event, pending, _ = new_events[event_id]
            recorded = pending.recorded
            recorded.delivery_ids.append(delivery_id)
            if self.claim:
                recorded.claims.append(Claim(delivery_id, event))


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    """A stored payload without what the gateway added when it stored it (discrepancies)."""
    return {k: v for k, v in payload.items() if k != "discrepancies"}


def _stored_events(session: Session, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.payload).where(_EVENTS.c.id.in_(event_ids))
    )
    return {row.id: row.payload for row in rows}


_ACCEPTED = ("A", "E")
_SEEN_BEFORE = (
    # Every layer in one round trip; ``_Seen`` sorts the rows into layers.
    select(
        _MESSAGES.c.partner_id,
        _TRANSACTIONS.c.control_key,
        _TRANSACTIONS.c.group_key,
        _TRANSACTIONS.c.business_key,
        _TRANSACTIONS.c.status,
        _TRANSACTIONS.c.event_id,
        _MESSAGES.c.id,
    )
    .join(_MESSAGES, _MESSAGES.c.id == _TRANSACTIONS.c.message_id)
    .where(
        or_(
            and_(
                _TRANSACTIONS.c.status.in_(_ACCEPTED),
                or_(
                    _TRANSACTIONS.c.control_key.in_(bindparam("st02", expanding=True)),
                    _TRANSACTIONS.c.group_key.in_(bindparam("gs06", expanding=True)),
                ),
            ),
            and_(
                _TRANSACTIONS.c.event_id.is_not(None),
                _TRANSACTIONS.c.business_key.in_(bindparam("business_key", expanding=True)),
            ),
        ),
        _MESSAGES.c.partner_id.in_(bindparam("partners", expanding=True)),
        _TRANSACTIONS.c.message_id.not_in(bindparam("batch", expanding=True)),
    )
    .order_by(_TRANSACTIONS.c.id)
)


class _Seen:
    """What each duplicate layer has seen before: (layer, partner, value) -> the first event id
    (or message id) that carried it, from earlier messages and, as ``write`` goes, the batch's.

    A layer's values count when the set carrying them qualifies: accepted (AK5 A or E) for the
    control-number layers, with an event for the business key (``remember`` applies the same)."""

    def __init__(
        self, session: Session, pending: list[_Pending], stored: dict[str, dict[str, Any]]
    ) -> None:
        self.first_seen: dict[tuple[str, str | None, str], str] = {}
        partners = [p for p in {x.message.partner_id for x in pending} if p is not None]
        wanted = {
            layer: {
                item.values.get(column_name, "")
                for x in pending
                if layer in x.checks
                for item in x.sets
                if item.event is not None and item.event.id not in stored
            }
            - {""}
            for layer, column_name, _ in LAYERS
        }
        if not partners or not any(wanted.values()):
            return
        rows = session.execute(
            _SEEN_BEFORE,
            {
                **{layer: sorted(values) for layer, values in wanted.items()},
                "partners": partners,
                "batch": [x.message.id for x in pending],
            },
        )
        for row in rows.mappings():
            for layer, column_name, _ in LAYERS:
                value = row[column_name]
                if value in wanted[layer] and _counts(layer, row["status"], row["event_id"]):
                    original = row["event_id"] or row["id"]
                    self.first_seen.setdefault((layer, row["partner_id"], value), original)

    def first(self, pending: _Pending, row: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
        """(what it duplicates, why) for the first layer that has seen ``row`` before."""
        for layer, column_name, reason in LAYERS:
            value = row.get(column_name, "")
            if layer not in pending.checks or not value:
                continue
            original = self.first_seen.get((layer, pending.message.partner_id, value))
            if original is not None:
                shown = value.rsplit("|", 1)[-1] if layer != "business_key" else value
                why = {"layer": layer, "of": original, "reason": reason.format(value=shown)}
                return original, why
        return None

    def remember(self, pending: _Pending, rows: list[dict[str, Any]]) -> None:
        """Make ``pending``'s sets "before" for the batch's later messages."""
        for row in rows:
            for layer, column_name, _ in LAYERS:
                value = row.get(column_name, "")
                if not value or not _counts(layer, row.get("status"), row["event_id"]):
                    continue
                original = row["event_id"] or row["message_id"]
                self.first_seen.setdefault((layer, pending.message.partner_id, value), original)


def _counts(layer: str, status: str | None, event_id: str | None) -> bool:
    """Whether a set's value counts for ``layer``: control numbers of accepted sets (AK5 A or E),
    business keys of sets that yielded an event."""
    return event_id is not None if layer == "business_key" else status in _ACCEPTED


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
