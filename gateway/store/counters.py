"""Outbound control numbers kept in the database: atomic, never reused, per partner and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Integer, bindparam, case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.store.models import ControlCounter, table_of

MAX_CONTROL = 999_999_999
_COUNTERS = table_of(ControlCounter)


class StoreControlNumbers:
    """``ControlNumbers`` for the ack writers. A number is never handed out twice.

    With ``blocks`` (PostgreSQL: ``NumberBlocks`` on an autocommit connection from
    ``Database.counters_engine``) numbers are reserved the way a sequence hands out values:
    workers processing one partner's messages never wait for each other's transactions to end.
    Those commits do not wait for the disk (``synchronous_commit=off``), which is safe: a number is
    only ever sent in an acknowledgement committed, synchronously, by a later transaction, and that
    commit flushes the write-ahead log up to and including the counter's update. A crash can lose
    only numbers no committed acknowledgement carries; a rolled-back transaction leaves a gap,
    which X12 allows.

    Without ``blocks`` (SQLite, a single writer anyway) the number is taken inside the caller's
    transaction: the row stays locked until it ends, and a rollback gives the number back.
    """

    def __init__(self, session: Session, scope: str, *, blocks: NumberBlocks | None = None) -> None:
        self.session = session
        self.scope = scope
        self.blocks = blocks

    def next(self, kind: str) -> int:
        name = f"{kind}:{self.scope}"
        if self.blocks is not None:
            return self.blocks.take(name)
        return _reserve(self.session.connection(), name, 1)


class NumberBlocks:
    """Control numbers reserved a block at a time, for a batch of messages (PostgreSQL).

    One autocommit ``UPDATE ... RETURNING`` reserves ``size`` consecutive numbers of a counter
    instead of one statement per number; ``give_back`` returns the unused tail when nobody took
    numbers after the block (compare-and-set), otherwise it stays a gap, which X12 allows. Numbers
    are never handed out twice either way.
    """

    def __init__(self, connection: Connection, sizes: dict[str, int]) -> None:
        self.connection = connection
        self.sizes = sizes
        """Block size per scope (the partner id): its messages in the batch."""
        self._free: dict[str, list[int]] = {}
        self._ends: dict[str, int] = {}

    def take(self, name: str) -> int:
        free = self._free.setdefault(name, [])
        if not free:
            size = max(1, self.sizes.get(name.partition(":")[2], 1))
            end = _reserve(self.connection, name, size)
            free.extend(range(end - size + 1, end + 1))
            self._ends[name] = end
        return free.pop(0)

    def give_back(self) -> None:
        for name, free in self._free.items():
            if free:
                self.connection.execute(
                    update(_COUNTERS)
                    .where(_COUNTERS.c.name == name, _COUNTERS.c.value == self._ends[name])
                    .values(value=free[0] - 1)
                )
                free.clear()


_SIZE = bindparam("size", type_=Integer)
_BUMP = (
    update(_COUNTERS)
    .where(_COUNTERS.c.name == bindparam("counter"))
    .values(
        value=case(
            (_COUNTERS.c.value + _SIZE > MAX_CONTROL, _SIZE), else_=_COUNTERS.c.value + _SIZE
        )
    )
    .returning(_COUNTERS.c.value)
)
"""Built once: one per batch and counter, and building it cost more than running it."""


def _reserve(connection: Connection, name: str, size: int) -> int:
    """The last of ``size`` consecutive numbers now reserved (wrapping to 1 past the maximum)."""
    values = {"counter": name, "size": size}
    end = connection.execute(_BUMP, values).scalar()
    if end is None:
        # First use: create the row without racing a concurrent first use, then bump it.
        insert = _insert_for(connection)(_COUNTERS).values(name=name, value=0)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
        end = connection.execute(_BUMP, values).scalar_one()
    return int(end)


def _insert_for(connection: Connection) -> Any:
    return sqlite_insert if connection.dialect.name == "sqlite" else pg_insert
