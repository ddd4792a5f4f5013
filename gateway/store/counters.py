"""Outbound control numbers kept in the database: atomic, never reused, per partner and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.store.models import ControlCounter, table_of

MAX_CONTROL = 999_999_999
_COUNTERS = table_of(ControlCounter)


class StoreControlNumbers:
    """``ControlNumbers`` for the ack writers. A number is never handed out twice.

    With ``connection`` (PostgreSQL, from ``Database.counters_engine``) each number is taken by its own
    autocommit ``UPDATE ... RETURNING``, the way a sequence hands out values: workers processing
    one partner's messages never wait for each other's transactions to end. Those commits do not
    wait for the disk (``synchronous_commit=off``), which is safe: a number is only ever sent in an
    acknowledgement committed, synchronously, by a later transaction, and that commit flushes the
    write-ahead log up to and including the counter's update. A crash can lose only numbers no
    committed acknowledgement carries; a rolled-back transaction leaves a gap, which X12 allows.

    Without ``connection`` (SQLite, a single writer anyway) the number is taken inside the caller's
    transaction: the row stays locked until it ends, and a rollback gives the number back.
    """

    def __init__(self, session: Session, scope: str, connection: Connection | None = None) -> None:
        self.session = session
        self.scope = scope
        self.connection = connection

    def next(self, kind: str) -> int:
        return _take(self.connection or self.session.connection(), f"{kind}:{self.scope}")


def _take(connection: Connection, name: str) -> int:
    value = _bump(connection, name)
    if value is None:
        # First use: create the row without racing a concurrent first use, then bump it.
        insert = _insert_for(connection)(_COUNTERS).values(name=name, value=0)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
        value = _bump(connection, name)
    assert value is not None
    return int(value)


def _bump(connection: Connection, name: str) -> int | None:
    return connection.execute(
        update(_COUNTERS)
        .where(_COUNTERS.c.name == name)
        .values(value=_COUNTERS.c.value % MAX_CONTROL + 1)
        .returning(_COUNTERS.c.value)
    ).scalar()


def _insert_for(connection: Connection) -> Any:
    return sqlite_insert if connection.dialect.name == "sqlite" else pg_insert
