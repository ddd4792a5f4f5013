"""Outbound control numbers kept in the database: atomic, never reused, per partner and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
        value = self._bump(name)
        if value is None:
            # First use: create the row without racing a concurrent first use, then bump it.
            insert = _insert_for(self.session)(ControlCounter).values(name=name, value=0)
            self.session.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
            value = self._bump(name)
        assert value is not None
        return int(value)

    def _bump(self, name: str) -> int | None:
        return self.session.execute(
            update(ControlCounter)
            .where(ControlCounter.name == name)
            .values(value=ControlCounter.value % MAX_CONTROL + 1)
            .returning(ControlCounter.value)
        ).scalar()


def _insert_for(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return sqlite_insert if dialect == "sqlite" else pg_insert
