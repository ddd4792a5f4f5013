"""The outbox: what we send partners (our 997/999/TA1 now, 850s later), durable, per partner.

::

    process ──same transaction as the ack──▶ item: queued
                                               │
        push (AS2, SFTP): send_outbound ───────┤ pull (http): GET /v1/outbox fetches it
        through the partner's Sender           │
                                               ▼
                                             sent ──receipt──▶ acknowledged
                 (an async MDN: ``acknowledge_by_transport_id``; POST /v1/outbox/{id}/ack)
    queued ──attempts exhausted, permanent error──▶ failed ──operator retry──▶ queued
    sent ──negative receipt──▶ failed;  sent (never acknowledged) ──operator retry──▶ queued

``records.Recorder`` makes an item for every outgoing acknowledgement of a known partner, in the
transaction that records it (``outbound_item``): a crash either keeps both or neither. Each item
names the transport that delivers it (the profile's ``transports.outbound``). Push items are
enqueued after the commit and sent by ``pipeline.send``; the sweep finds queued ones a crash left.
Pull items wait until the partner fetches them.

The gateway never imports a transport: the worker reaches one through a name -> ``Sender`` table
that the composition root (``gateway_app.senders``) builds from ``transports.TRANSPORTS``;
``Outbound`` and ``Sent`` are the seam's types (``transports.base`` re-exports them).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, overload

from sqlalchemy import select, update

from gateway.store.db import Database
from gateway.store.models import AuditEntry, OutboxAttempt, OutboxItem, table_of, utcnow

OutboxStatus = Literal["queued", "sent", "acknowledged", "failed"]
PULL_TRANSPORT = "http"
"""Items for this transport are held for the partner to fetch (``GET /v1/outbox``)."""
RETRYABLE = ("failed", "sent")
"""An operator may put these back to ``queued``: failed ones, and sent ones whose receipt never
came."""
X12_CONTENT_TYPE = "application/edi-x12"
_OUTBOX = table_of(OutboxItem)


@dataclass(frozen=True, slots=True)
class Outbound:
    """One document for a partner, as the outbox hands it to the partner's transport."""

    id: str
    """The outbox item's id: the same for every attempt (a transport may derive its message id
    from it, so that the receiver recognises a re-send)."""
    partner_id: str
    kind: str
    """``997``, ``999``, ``TA1``, ``850``...: what the payload is."""
    payload: bytes
    content_type: str = X12_CONTENT_TYPE
    in_reply_to: str | None = None
    """The inbound message it answers (acknowledgements), if any."""
    target_url: str | None = None
    """Where it goes instead of the partner's configured address (an async MDN)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Headers it must go with (an MDN's MIME headers)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A transport's answer to ``send``. Failures are raised instead: ``RetriableDeliveryError``
    (network, 5xx: tried again with backoff) or ``FatalDeliveryError`` (refused for good)."""

    status: Literal["sent", "held", "acknowledged"]
    """``sent``: the partner has it; ``held``: kept for the partner to fetch (a pull transport,
    an SFTP ``outbound/`` folder); ``acknowledged``: its receipt came with the answer (a
    synchronous MDN)."""
    detail: str = ""
    message_id: str | None = None
    """The transport's id for what it sent (the AS2 Message-ID): a later receipt (an async MDN)
    acknowledges the item by it (``acknowledge_by_transport_id``)."""


Sender = Callable[[Outbound], Sent]
"""A transport's ``send``, as the worker calls it (``gateway_app.senders`` builds the table)."""


@dataclass(frozen=True, slots=True)
class OutboundRef:
    """A new outbox item and the transport that delivers it: what the caller enqueues after the
    commit (push transports only)."""

    id: str
    transport: str


def new_outbox_id() -> str:
    return "out_" + secrets.token_hex(12)


def edi_bytes(edi: str) -> bytes:
    """Our X12 text as the bytes we send: Latin-1, as we read partners' bytes (an id echoed in an
    ack comes back as it came), UTF-8 only for text Latin-1 cannot hold."""
    try:
        return edi.encode("latin-1")
    except UnicodeEncodeError:
        return edi.encode("utf-8")


def outbound_item(
    *,
    partner_id: str,
    kind: str,
    payload: bytes,
    transport: str,
    message_id: str | None = None,
    content_type: str = X12_CONTENT_TYPE,
    target_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ``outbox`` row of a new queued item (inserted by the caller, in its transaction)."""
    now = utcnow()
    return {
        "target_url": target_url,
        "headers": headers,
        "id": new_outbox_id(),
        "partner_id": partner_id,
        "kind": kind,
        "transport": transport,
        "content_type": content_type,
        "payload": payload,
        "message_id": message_id,
        "status": "queued",
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def queue_item(db: Database, **item: Any) -> str:
    """One new queued item (``outbound_item``'s arguments) in its own transaction; its id, for
    the caller to enqueue after the commit."""
    row = outbound_item(**item)
    with db.transaction() as session:
        session.execute(_OUTBOX.insert().values(**row))
    return str(row["id"])


def mark_fetched(db: Database, partner_id: str, item_ids: list[str]) -> None:
    """Pull items the partner fetched (listed with their payload, or read raw): ``queued`` ->
    ``sent``. Idempotent; other partners' and push items are left alone."""
    if not item_ids:
        return
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(_OUTBOX)
            .where(
                _OUTBOX.c.id.in_(item_ids),
                _OUTBOX.c.partner_id == partner_id,
                _OUTBOX.c.transport == PULL_TRANSPORT,
                _OUTBOX.c.status == "queued",
            )
            .values(status="sent", sent_at=now, updated_at=now)
        )


def acknowledge_fetched(db: Database, partner_id: str, item_id: str) -> bool:
    """The partner says it has a pull item: ``acknowledged`` (again: unchanged). False when the
    item is not one of this partner's pull items (the API answers 404, as for an unknown id)."""
    with db.transaction() as session:
        item = session.get(OutboxItem, item_id, with_for_update=True)
        if item is None or item.partner_id != partner_id or item.transport != PULL_TRANSPORT:
            return False
        if item.status != "acknowledged":
            now = utcnow()
            item.status, item.acknowledged_at, item.updated_at = "acknowledged", now, now
            item.sent_at = item.sent_at or now
        return True


def acknowledge_by_transport_id(
    db: Database,
    transport: str,
    transport_message_id: str,
    *,
    error: str | None = None,
    item_hint: str | None = None,
) -> str | None:
    """A transport's receipt for something we sent (an async MDN), matched by the message id an
    attempt recorded (``Sent.message_id``). Positive: the item is ``acknowledged``, whatever it
    was (a receipt for an attempt we counted as failed still means the partner has it);
    ``error`` (a negative receipt): ``failed`` with the reason, for an operator to retry, unless
    it was already acknowledged. Idempotent. Returns the item id, or None when no attempt sent
    that id (the caller answers the receipt as unknown).

    A receipt is matched by the message id once its attempt is recorded, right after ``send``
    returns. One that comes sooner (an async MDN posted while ``send`` still waits for its HTTP
    answer) is matched by ``item_hint``, the item id a transport derives its message ids from
    (AS2: ``<{item id}@...>``), if that item's attempt over ``transport`` is under way: the send
    stage then leaves the acknowledgement as it is."""
    with db.transaction() as session:
        item_id = session.scalar(
            select(OutboxAttempt.item_id)
            .where(
                OutboxAttempt.transport == transport,
                OutboxAttempt.transport_message_id == transport_message_id,
            )
            .order_by(OutboxAttempt.id.desc())
            .limit(1)
        )
        if item_id is None and item_hint is not None:
            item_id = session.scalar(
                select(OutboxAttempt.item_id).where(
                    OutboxAttempt.item_id == item_hint,
                    OutboxAttempt.transport == transport,
                    OutboxAttempt.result == "started",
                )
            )
        if item_id is None:
            return None
        item = session.get(OutboxItem, item_id, with_for_update=True)
        assert item is not None
        now = utcnow()
        if error is None and item.status != "acknowledged":
            item.status, item.acknowledged_at, item.next_attempt_at = "acknowledged", now, None
            item.sent_at, item.last_error = item.sent_at or now, None
        elif error is not None and item.status != "acknowledged":
            item.status, item.last_error = "failed", f"negative receipt: {error}"[:4000]
            _audit(session, "worker", "outbox.failed", item, {"error": item.last_error[:500]})
        item.updated_at = now
        return item_id


def retry_item(db: Database, item_id: str, operator: str) -> str | None:
    """Put a ``failed`` item (or a ``sent`` one whose receipt never came) back to ``queued`` with a
    fresh round of attempts (earlier attempts stay in ``outbox_attempts``; audited). Returns the
    status it had, None when there is no such item; other statuses are left as they are."""
    with db.transaction() as session:
        item = session.get(OutboxItem, item_id, with_for_update=True)
        if item is None:
            return None
        before = item.status
        if before in RETRYABLE:
            detail = {"status": before, "attempts": item.attempts, "error": item.last_error}
            _audit(session, operator, "outbox.retried", item, detail)
            item.status, item.attempts, item.next_attempt_at = "queued", 0, None
            item.updated_at = utcnow()
        return before


def _audit(session: Any, actor: str, action: str, item: OutboxItem, detail: dict[str, Any]) -> None:
    session.add(AuditEntry(actor=actor, action=action, subject=item.id, detail=detail))


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone; the store writes UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
