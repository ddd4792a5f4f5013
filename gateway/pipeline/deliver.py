"""Stage 3, deliver: post one event to one ERP connector, exactly once in effect.

A delivery is first *claimed*: its attempt is counted and committed before the post, so a worker
killed mid-post still shows the attempt (``process`` can create deliveries already claimed, for the
worker to post at once). The post carries the event id as idempotency key, so the retry that
follows cannot double the effect at the ERP. Retriable failures return ``retry=True`` (the worker
raises so that the broker re-delivers with exponential backoff and jitter); the last allowed
attempt, or a fatal failure, moves the delivery to ``dead``: visible and replayable, never dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from gateway.canonical import parse_event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError
from gateway.masking import mask_secrets
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
    outcomes, _ = post_claims(db, [claimed], connector, max_attempts)
    return outcomes[0]


RECORD_EVERY_S = 0.25
"""``post_claims`` records its successes at least this often while it posts."""


def post_claims(
    db: Database,
    claims: list[Claim],
    connector: ErpConnector,
    max_attempts: int,
    proceed: Callable[[], bool] = lambda: True,
    record_every_s: float = RECORD_EVERY_S,
) -> tuple[list[DeliveryOutcome], list[Claim]]:
    """Post claimed deliveries one after the other while ``proceed()`` allows. Returns the
    outcomes of the posts made and the claims not posted.

    The successes are recorded together in one transaction at the end (also when a post raises),
    and before that whenever ``record_every_s`` have passed since the last record: a fast ERP
    costs one transaction per batch, and a worker killed while posting to a slow one leaves at
    most that much time's posts unrecorded, which the retry then posts again (the ERP absorbs
    them by idempotency key)."""
    outcomes: list[DeliveryOutcome] = []
    delivered: list[tuple[int, DeliveryReceipt]] = []
    last_record = time.monotonic()
    try:
        for n, claimed in enumerate(claims):
            if not proceed():
                return outcomes, claims[n:]
            try:
                receipt = connector.post(claimed.event)
            except DeliveryError as exc:
                outcomes.append(
                    _failed(db, claimed.delivery_id, exc, claimed.attempt, max_attempts)
                )
                continue
            delivered.append((claimed.delivery_id, receipt))
            outcomes.append(DeliveryOutcome(claimed.delivery_id, "delivered"))
            if time.monotonic() - last_record >= record_every_s:
                _delivered(db, delivered)
                delivered, last_record = [], time.monotonic()
    finally:
        _delivered(db, delivered)
    return outcomes, []


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


def _delivered(db: Database, delivered: list[tuple[int, DeliveryReceipt]]) -> None:
    if not delivered:
        return
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(_DELIVERIES)
            .where(_DELIVERIES.c.id == bindparam("delivery_id"))
            .values(
                status="delivered",
                delivered_at=now,
                updated_at=now,
                last_status_code=bindparam("status_code"),
                response=bindparam("response"),
                last_error=None,
            ),
            [
                {
                    "delivery_id": delivery_id,
                    "status_code": receipt.status_code,
                    "response": receipt.response[:2000],
                }
                for delivery_id, receipt in delivered
            ],
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
        delivery.last_error = mask_secrets(f"{exc.code}: {exc.message}")[:4000]
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
        delivery_id, "dead" if dead else "retrying", retry=not dead, error=mask_secrets(exc.message)
    )
