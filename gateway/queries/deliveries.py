"""Deliveries to the ERP: the dead letters and one delivery, for the operator API and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from gateway.queries.rows import delivery_view, event_summary
from gateway.queries.views import DeadLetter, DeliveryView
from gateway.store.db import Database
from gateway.store.models import Delivery, EventRecord


def dead_letters(db: Database, limit: int = 100) -> list[DeadLetter]:
    query = (
        select(Delivery, EventRecord)
        .join(EventRecord, EventRecord.id == Delivery.event_id)
        .where(Delivery.status == "dead")
        .order_by(Delivery.updated_at.desc(), Delivery.id)
        .limit(limit)
    )
    with db.sessions() as session:
        return [
            DeadLetter(delivery=delivery_view(d), event=event_summary(e))
            for d, e in session.execute(query)
        ]


def dead_delivery_ids(db: Database) -> list[int]:
    """Every dead delivery, oldest first (``dead-letters --retry-all``)."""
    query = select(Delivery.id).where(Delivery.status == "dead").order_by(Delivery.id)
    with db.sessions() as session:
        return list(session.scalars(query))


def delivery(db: Database, delivery_id: int) -> DeliveryView | None:
    with db.sessions() as session:
        row = session.get(Delivery, delivery_id)
        return delivery_view(row) if row is not None else None
