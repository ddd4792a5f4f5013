"""The sweep: work stored but not finished, found in the database after a crash or a lost queue.

Workers enqueue what it finds at every start and, for stalled work, every minute; nothing else
remembers unfinished work, so a crash at any point loses nothing. A message that stops its worker
every time (it can never be finished) would come back at every start for ever, so each start-up
sweep counts a recovery on the messages it takes up again, and gives up after ``recovery_limit``:
the message is marked ``failed`` (visible, and ``gateway messages retry`` takes it up after a fix).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gateway.pipeline.outbox import aware
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Delivery, InboundMessage, OutboxItem, utcnow

RECOVERY_WINDOW = timedelta(seconds=60)
"""Start-up sweeps closer together than this count once (several worker processes start at once)."""


@dataclass(frozen=True, slots=True)
class SweepResult:
    message_ids: list[str]
    delivery_ids: list[int]
    given_up: list[str] = field(default_factory=list)
    outbox: list[tuple[str, int]] = field(default_factory=list)
    """Queued push items to send, each with the delay (ms) until its retry is due."""


def sweep(
    db: Database,
    older_than: timedelta | None = None,
    *,
    recovery_limit: int | None = None,
    push_transports: Collection[str] = (),
) -> SweepResult:
    """Work stored but not finished: messages not yet processed, deliveries not yet done, queued
    outbox items of ``push_transports`` (the ones this worker can send) not yet sent.

    At start-up (``older_than=None``) everything unfinished is returned; the periodic sweep only
    returns work untouched for ``older_than`` (its queue message was lost with a broker or worker;
    for an outbox item waiting for a retry: ``older_than`` past its due time).
    With ``recovery_limit`` (start-up), recoveries are counted and exhausted messages given up.
    """
    given_up = _count_recoveries(db, recovery_limit) if recovery_limit is not None else []
    with db.sessions() as session:
        messages = select(InboundMessage.id).where(InboundMessage.status == "received")
        deliveries = select(Delivery.id).where(Delivery.status.in_(("pending", "retrying")))
        if older_than is not None:
            cutoff = utcnow() - older_than
            messages = messages.where(InboundMessage.received_at < cutoff)
            deliveries = deliveries.where(Delivery.updated_at < cutoff)
        return SweepResult(
            [row[0] for row in session.execute(messages.order_by(InboundMessage.received_at))],
            [row[0] for row in session.execute(deliveries.order_by(Delivery.id))],
            given_up,
            _queued_outbox(session, older_than, push_transports),
        )


def _queued_outbox(
    session: Session, older_than: timedelta | None, push_transports: Collection[str]
) -> list[tuple[str, int]]:
    if not push_transports:
        return []
    now = utcnow()
    due = func.coalesce(OutboxItem.next_attempt_at, OutboxItem.updated_at)
    query = select(OutboxItem.id, OutboxItem.next_attempt_at).where(
        OutboxItem.status == "queued", OutboxItem.transport.in_(sorted(push_transports))
    )
    if older_than is not None:
        query = query.where(due < now - older_than)
    found = []
    for item_id, next_attempt_at in session.execute(query.order_by(OutboxItem.created_at)):
        wait = aware(next_attempt_at) - now if next_attempt_at is not None else timedelta(0)
        found.append((item_id, max(int(wait.total_seconds() * 1000), 0)))
    return found


def _count_recoveries(db: Database, limit: int) -> list[str]:
    now = utcnow()
    unfinished = InboundMessage.status == "received"
    with db.transaction() as session:
        session.execute(
            update(InboundMessage)
            .where(
                unfinished,
                or_(
                    InboundMessage.recovered_at.is_(None),
                    InboundMessage.recovered_at < now - RECOVERY_WINDOW,
                ),
            )
            .values(recoveries=InboundMessage.recoveries + 1, recovered_at=now)
            .execution_options(synchronize_session=False)
        )
        exhausted = list(
            session.scalars(
                select(InboundMessage)
                .where(unfinished, InboundMessage.recoveries > limit)
                .with_for_update()
            )
        )
        for message in exhausted:
            message.status = "failed"
            message.error = (
                f"given up after {limit} recoveries: the gateway stopped while processing it "
                "each time; retry it after a fix (gateway messages retry)"
            )
            message.processed_at = now
            session.add(
                AuditEntry(
                    actor="sweep",
                    action="message.given_up",
                    subject=message.id,
                    detail={"recoveries": message.recoveries},
                )
            )
        return [message.id for message in exhausted]
