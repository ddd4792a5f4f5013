"""The sweep: work stored but not finished, found in the database after a crash or a lost queue.

Workers enqueue what it finds at every start and, for stalled work, every minute; nothing else
remembers unfinished work, so a crash at any point loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from gateway.store.db import Database
from gateway.store.models import Delivery, InboundMessage, utcnow


@dataclass(frozen=True, slots=True)
class SweepResult:
    message_ids: list[str]
    delivery_ids: list[int]


def sweep(db: Database, older_than: timedelta | None = None) -> SweepResult:
    """Work stored but not finished: messages not yet processed, deliveries not yet done.

    At start-up (``older_than=None``) everything unfinished is returned; the periodic sweep only
    returns work untouched for ``older_than`` (its queue message was lost with a broker or worker).
    """
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
        )
