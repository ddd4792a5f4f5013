"""Stage 3, deliver: post one event to one ERP connector, exactly once in effect.

The attempt is counted (and committed) before the post, so a worker killed mid-post still shows
the attempt; the post carries the event id as idempotency key, so the retry that follows cannot
double the effect at the ERP. Retriable failures return ``retry=True`` (the worker raises so that
the broker re-delivers with exponential backoff and jitter); the last allowed attempt, or a fatal
failure, moves the delivery to ``dead``: visible and replayable, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.canonical import parse_event
from gateway.erp.base import ErpConnector
from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Delivery, EventRecord, utcnow


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    delivery_id: int
    status: str
    retry: bool = False
    error: str | None = None


def deliver(
    db: Database, delivery_id: int, connector: ErpConnector, max_attempts: int
) -> DeliveryOutcome:
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id, with_for_update=True)
        if delivery is None:
            return DeliveryOutcome(delivery_id, "missing")
        if delivery.status in ("delivered", "dead"):
            return DeliveryOutcome(delivery_id, delivery.status)
        record = session.get(EventRecord, delivery.event_id)
        assert record is not None
        payload = record.payload
        delivery.attempts += 1
        delivery.updated_at = utcnow()
        attempt = delivery.attempts
    try:
        receipt = connector.post(parse_event(payload))
    except DeliveryError as exc:
        return _failed(db, delivery_id, exc, attempt, max_attempts)
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status = "delivered"
        delivery.delivered_at = delivery.updated_at = utcnow()
        delivery.last_status_code = receipt.status_code
        delivery.response = receipt.response[:2000]
        delivery.last_error = None
    return DeliveryOutcome(delivery_id, "delivered")


def _failed(
    db: Database, delivery_id: int, exc: DeliveryError, attempt: int, max_attempts: int
) -> DeliveryOutcome:
    retriable = isinstance(exc, RetriableDeliveryError) and not isinstance(exc, FatalDeliveryError)
    dead = not retriable or attempt >= max_attempts
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status = "dead" if dead else "retrying"
        delivery.last_error = f"{exc.code}: {exc.message}"[:4000]
        delivery.last_status_code = exc.context.get("status_code")
        delivery.updated_at = utcnow()
        if dead:
            session.add(
                AuditEntry(
                    actor="worker",
                    action="delivery.dead",
                    subject=str(delivery_id),
                    detail={"error": delivery.last_error, "attempts": attempt},
                )
            )
    return DeliveryOutcome(
        delivery_id, "dead" if dead else "retrying", retry=not dead, error=exc.message
    )
