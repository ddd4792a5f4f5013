"""Stage 3, deliver: post one event to one ERP connector, exactly once in effect.

A delivery is first *claimed*: its attempt is counted and committed before the post, so a worker
killed mid-post still shows the attempt (``process`` can create deliveries already claimed, for the
worker to post at once). The post carries the event id as idempotency key, so the retry that
follows cannot double the effect at the ERP. Retriable failures return ``retry=True`` (the worker
raises so that the broker re-delivers with exponential backoff and jitter); the last allowed
attempt, or a fatal failure, moves the delivery to ``dead``: visible and replayable, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from gateway.canonical import parse_event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError
from gateway.pipeline.records import Claim
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Delivery, EventRecord, table_of, utcnow

_DELIVERIES = table_of(Delivery)
_EVENTS = table_of(EventRecord)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    delivery_id: int
    status: str
    retry: bool = False
    error: str | None = None


def deliver(
    db: Database, delivery_id: int, connector: ErpConnector, max_attempts: int
) -> DeliveryOutcome:
    """Claim ``delivery_id`` and post it (a no-op when it is already delivered or dead)."""
    claimed = claim(db, delivery_id)
    if isinstance(claimed, DeliveryOutcome):
        return claimed
    return post_claimed(db, claimed, connector, max_attempts)


def claim(db: Database, delivery_id: int) -> Claim | DeliveryOutcome:
    """Count one more attempt (committed) and load the event; the outcome when there is nothing to
    do."""
    with db.transaction() as session:
        row = session.execute(
            select(_DELIVERIES.c.status, _DELIVERIES.c.attempts, _EVENTS.c.payload)
            .join(_EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id)
            .where(_DELIVERIES.c.id == delivery_id)
            .with_for_update(of=_DELIVERIES)
        ).one_or_none()
        if row is None:
            return DeliveryOutcome(delivery_id, "missing")
        if row.status in ("delivered", "dead"):
            return DeliveryOutcome(delivery_id, row.status)
        attempt = row.attempts + 1
        session.execute(
            update(_DELIVERIES)
            .where(_DELIVERIES.c.id == delivery_id)
            .values(attempts=attempt, updated_at=utcnow())
        )
    return Claim(delivery_id, parse_event(row.payload), attempt)


def post_claimed(
    db: Database, claimed: Claim, connector: ErpConnector, max_attempts: int
) -> DeliveryOutcome:
    """Post a claimed delivery and record the answer."""
    try:
        receipt = connector.post(claimed.event)
    except DeliveryError as exc:
        return _failed(db, claimed.delivery_id, exc, claimed.attempt, max_attempts)
    _delivered(db, claimed.delivery_id, receipt)
    return DeliveryOutcome(claimed.delivery_id, "delivered")


def release(db: Database, claims: list[Claim]) -> None:
    """Give back attempts that were counted but never made (the holder chose to enqueue them)."""
    if not claims:
        return
    with db.transaction() as session:
        session.execute(
            update(_DELIVERIES)
            .where(
                _DELIVERIES.c.id.in_([c.delivery_id for c in claims]),
                _DELIVERIES.c.status == "pending",
                _DELIVERIES.c.attempts > 0,
            )
            .values(attempts=_DELIVERIES.c.attempts - 1, updated_at=utcnow())
        )


def _delivered(db: Database, delivery_id: int, receipt: DeliveryReceipt) -> None:
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(_DELIVERIES)
            .where(_DELIVERIES.c.id == delivery_id)
            .values(
                status="delivered",
                delivered_at=now,
                updated_at=now,
                last_status_code=receipt.status_code,
                response=receipt.response[:2000],
                last_error=None,
            )
        )


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
