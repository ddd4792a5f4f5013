"""Outbound control numbers kept in the database: atomic, never reused, per partner and kind."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.store.models import ControlCounter

MAX_CONTROL = 999_999_999


class StoreControlNumbers:
    """``ControlNumbers`` for the ack writers, inside the caller's transaction.

    The row is locked by the UPDATE until the transaction ends, so two workers can never hand out
    the same number; a rolled-back transaction gives its number back, which X12 allows.
    """

    def __init__(self, session: Session, scope: str) -> None:
        self.session = session
        self.scope = scope

    def next(self, kind: str) -> int:
        name = f"{kind}:{self.scope}"
        value = self.session.execute(
            update(ControlCounter)
            .where(ControlCounter.name == name)
            .values(value=ControlCounter.value % MAX_CONTROL + 1)
            .returning(ControlCounter.value)
        ).scalar()
        if value is None:
            self.session.add(ControlCounter(name=name, value=1))
            self.session.flush()
            value = self.session.execute(
                select(ControlCounter.value).where(ControlCounter.name == name)
            ).scalar_one()
        return int(value)
