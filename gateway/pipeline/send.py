"""Stage 4, send: one outbox item over its push transport, one recorded attempt at a time.

An attempt is started and committed (``outbox_attempts``, result ``started``) before the
transport's ``send`` is called, and finished with its result after: the item is sent at most
once per attempt record. A worker that dies between ``send`` and the record leaves the attempt
``started``; once it is older than ``ATTEMPT_LOST_AFTER`` the next run marks it ``interrupted``
and sends again (an item whose every attempt stops its worker fails after ``max_attempts``). The partner may then get the item twice, with the same bytes (same ISA13) and,
if the transport derives it from ``Outbound.id``, the same message id: receivers dedupe on both.
That is the whole promise: exactly once in effect, at least once on the wire.

Failures follow the error tree: ``RetriableDeliveryError`` (and anything unexpected, logged) is
tried again after a backoff (``SendPolicy``; the item's ``next_attempt_at`` says when) until
``max_attempts``; ``FatalDeliveryError`` or a plain ``DeliveryError`` fails the item at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError
from gateway.pipeline.outbox import Outbound, Sender, Sent, aware
from gateway.store.db import Database
from gateway.store.models import AuditEntry, OutboxAttempt, OutboxItem, utcnow

log = logging.getLogger("gateway.pipeline")

ATTEMPT_LOST_AFTER = timedelta(minutes=5)
"""An attempt still ``started`` after this long lost its worker (a transport's ``send`` must
give up well before: AS2 and SFTP time out in seconds)."""
EARLY_SLACK = timedelta(seconds=1)
"""A retry that arrives this much before ``next_attempt_at`` still goes (queue delays and clocks
are not exact)."""


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """Retry policy as data: attempts per round and an exponential backoff with jitter."""

    max_attempts: int = 8
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000

    def backoff_ms(self, attempt: int) -> int:
        """The wait after failed attempt ``attempt`` (1-based): doubling, capped, half of it
        random so that items failing together do not retry together."""
        ceiling = int(min(self.min_backoff_ms * 2 ** (attempt - 1), self.max_backoff_ms))
        return ceiling // 2 + random.randint(0, ceiling - ceiling // 2)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    item_id: str
    status: str
    """The item's status after this run (``queued``, ``sent``, ``acknowledged``, ``failed``), or
    why nothing was sent: ``missing``, ``held`` (no sender here: a pull transport, or one this
    process does not run), ``busy`` (another worker's attempt is under way), ``not_due``."""
    retry_in_ms: int | None = None
    """Set when the caller should run ``send_item`` again after this long."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Claim:
    attempt_id: int
    attempt: int
    outbound: Outbound
    sender: Sender


def send_item(
    db: Database, item_id: str, senders: Mapping[str, Sender], policy: SendPolicy
) -> SendOutcome:
    """Send ``item_id`` if it is queued, due and has a sender here; record the attempt."""
    claimed = _claim(db, item_id, senders, policy)
    if isinstance(claimed, SendOutcome):
        return claimed
    try:
        sent = claimed.sender(claimed.outbound)
    except DeliveryError as exc:
        return _failed(db, claimed, exc, policy)
    except Exception as exc:  # a transport bug or an untranslated error: retried, visible
        log.exception("sending %s failed unexpectedly", item_id)
        error = RetriableDeliveryError(f"{type(exc).__name__}: {exc}", code="outbox.unexpected")
        return _failed(db, claimed, error, policy)
    return _sent(db, claimed, sent)


def _claim(
    db: Database, item_id: str, senders: Mapping[str, Sender], policy: SendPolicy
) -> _Claim | SendOutcome:
    with db.transaction() as session:
        item = session.get(OutboxItem, item_id, with_for_update=True)
        if item is None:
            return SendOutcome(item_id, "missing")
        if item.status != "queued":
            return SendOutcome(item_id, item.status)
        sender = senders.get(item.transport)
        if sender is None:
            return SendOutcome(item_id, "held")
        now = utcnow()
        due = aware(item.next_attempt_at)
        if due is not None and due > now + EARLY_SLACK:
            return SendOutcome(item_id, "not_due")
        running = session.scalars(
            select(OutboxAttempt).where(
                OutboxAttempt.item_id == item_id, OutboxAttempt.result == "started"
            )
        ).all()
        for attempt in running:
            started = aware(attempt.started_at)
            assert started is not None
            if started > now - ATTEMPT_LOST_AFTER:
                return SendOutcome(item_id, "busy")
            attempt.result, attempt.finished_at = "interrupted", now
            attempt.error = "the worker stopped during this attempt"
        if item.attempts >= policy.max_attempts:  # they all stopped their worker: give up
            item.status, item.updated_at = "failed", now
            item.last_error = f"given up after {item.attempts} attempts, the last interrupted"
            _audit_failed(session, item)
            return SendOutcome(item_id, "failed", error=item.last_error)
        new = OutboxAttempt(item_id=item_id, transport=item.transport, started_at=now)
        session.add(new)
        item.attempts += 1
        item.next_attempt_at, item.updated_at = None, now
        session.flush()
        outbound = Outbound(
            id=item.id,
            partner_id=item.partner_id,
            kind=item.kind,
            payload=item.payload,
            content_type=item.content_type,
            in_reply_to=item.message_id,
            target_url=item.target_url,
            headers=tuple((str(k), str(v)) for k, v in (item.headers or {}).items()),
        )
        return _Claim(new.id, item.attempts, outbound, sender)


def _sent(db: Database, claimed: _Claim, sent: Sent) -> SendOutcome:
    now = utcnow()
    with db.transaction() as session:
        _finish(
            session,
            claimed.attempt_id,
            result=sent.status,
            transport_message_id=sent.message_id,
            detail=sent.detail[:2000] or None,
        )
        item = session.get(OutboxItem, claimed.outbound.id, with_for_update=True)
        assert item is not None
        if item.status == "queued":  # not already acknowledged by an early receipt
            item.status = "acknowledged" if sent.status == "acknowledged" else "sent"
            item.sent_at, item.last_error, item.updated_at = item.sent_at or now, None, now
            if item.status == "acknowledged":
                item.acknowledged_at = now
        return SendOutcome(item.id, item.status)


def _failed(db: Database, claimed: _Claim, exc: DeliveryError, policy: SendPolicy) -> SendOutcome:
    retriable = isinstance(exc, RetriableDeliveryError) and not isinstance(exc, FatalDeliveryError)
    give_up = not retriable or claimed.attempt >= policy.max_attempts
    error = f"{exc.code}: {exc.message}"[:4000]
    wait = None if give_up else policy.backoff_ms(claimed.attempt)
    now = utcnow()
    with db.transaction() as session:
        _finish(session, claimed.attempt_id, result="failed" if give_up else "retry", error=error)
        item = session.get(OutboxItem, claimed.outbound.id, with_for_update=True)
        assert item is not None
        if item.status != "queued":  # a receipt came meanwhile: it decides
            return SendOutcome(item.id, item.status)
        item.last_error, item.updated_at = error, now
        if give_up:
            item.status = "failed"
            _audit_failed(session, item)
        else:
            assert wait is not None
            item.next_attempt_at = now + timedelta(milliseconds=wait)
        return SendOutcome(item.id, item.status, retry_in_ms=wait, error=exc.message)


def _finish(session: Session, attempt_id: int, **values: str | None) -> None:
    session.execute(
        update(OutboxAttempt)
        .where(OutboxAttempt.id == attempt_id)
        .values(finished_at=utcnow(), **values)
    )


def _audit_failed(session: Session, item: OutboxItem) -> None:
    detail = {"error": (item.last_error or "")[:500], "attempts": item.attempts}
    session.add(AuditEntry(actor="worker", action="outbox.failed", subject=item.id, detail=detail))
