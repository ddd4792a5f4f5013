"""Counts for dashboards and probes, and whether the database answers at all."""

from __future__ import annotations

from sqlalchemy import func, select, text

from gateway.queries.views import Stats
from gateway.store.db import Database
from gateway.store.models import Delivery, InboundMessage


def database_ok(db: Database) -> bool:
    try:
        with db.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not reachable" for a health check
        return False
    return True


def stats(db: Database) -> Stats:
    with db.sessions() as session:
        messages = select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        deliveries = select(Delivery.status, func.count()).group_by(Delivery.status)
        return Stats(
            messages={status: n for status, n in session.execute(messages)},
            deliveries={status: n for status, n in session.execute(deliveries)},
        )
