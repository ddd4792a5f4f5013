"""A stored message's raw bytes, read in pieces: what a worker translates a 20 MB body from.

A worker loads the messages it processes with ``WITHOUT_BODY`` (not their ``raw`` column) and
reads each body through ``open_raw``, a binary stream that fetches ``CHUNK`` bytes at a
time from the database, so a message never exists twice in the worker at once: loading one 20
MB body whole held both SQLite's assembled blob and Python's copy of it (41 MB above start, of a
worker's 200 MB bound; ``bench/hostile_worker.py``).

- SQLite: incremental blob I/O (``sqlite3.Connection.blobopen``) on the session's own
  connection, so the read sees the transaction's locked row. A handle is opened per read: an
  ``UPDATE`` of the row (the message's status, flushed by the session meanwhile) expires any open
  handle.
- PostgreSQL and others: ``substring(raw from … for …)`` per piece; the server detoasts only as
  far as the slice it is asked for.

Most bodies are small: ``load_small_bodies`` fetches a whole batch's bodies of at most ``CHUNK``
bytes in one query, and ``open_raw`` reads those from memory (no query per piece).
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterable
from typing import Any, BinaryIO

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from gateway.store.models import InboundMessage

CHUNK = 1 << 20
WITHOUT_BODY = defer(InboundMessage.raw)
"""The loader option for a message whose body is read with ``open_raw``, not loaded whole."""


class RawBody(io.RawIOBase):
    """A read-only binary stream over one stored body; ``len(body)`` is its size."""

    def __init__(self, session: Session, message_id: str) -> None:
        super().__init__()
        self._session = session
        self._id = message_id
        self._offset = 0
        self._sqlite: tuple[Any, int] | None = None
        connection = session.connection()
        driver = connection.connection.driver_connection
        if isinstance(driver, sqlite3.Connection):
            rowid = connection.execute(
                text("SELECT rowid FROM inbound_messages WHERE id = :id"), {"id": message_id}
            ).scalar_one()
            self._sqlite = (driver, int(rowid))
            with driver.blobopen("inbound_messages", "raw", rowid, readonly=True) as blob:
                self._size = len(blob)
        else:
            self._size = int(
                connection.execute(
                    select(func.length(InboundMessage.raw)).where(InboundMessage.id == message_id)
                ).scalar_one()
            )

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._size - self._offset)
        if wanted <= 0:
            return 0
        piece = self._piece(self._offset, wanted)
        view[: len(piece)] = piece
        self._offset += len(piece)
        return len(piece)

    def _piece(self, offset: int, length: int) -> bytes:
        if self._sqlite is not None:
            driver, rowid = self._sqlite
            with driver.blobopen("inbound_messages", "raw", rowid, readonly=True) as blob:
                blob.seek(offset)
                return bytes(blob.read(length))
        piece = self._session.execute(
            select(func.substring(InboundMessage.raw, offset + 1, length)).where(
                InboundMessage.id == self._id
            )
        ).scalar_one()
        return bytes(piece)


def load_small_bodies(session: Session, messages: Iterable[InboundMessage]) -> None:
    """Load the bodies of ``messages`` of at most ``CHUNK`` bytes (loaded ``WITHOUT_BODY``), in
    one query; ``open_raw`` then reads them from memory."""
    small = {m.id: m for m in messages if m.size <= CHUNK and "raw" not in m.__dict__}
    if not small:
        return
    query = select(InboundMessage.id, InboundMessage.raw).where(InboundMessage.id.in_(small))
    for message_id, raw in session.execute(query):
        set_committed_value(small[message_id], "raw", raw)


def open_raw(session: Session, message: InboundMessage) -> BinaryIO:
    """``message``'s stored bytes as a binary stream: from memory when its body is loaded,
    else read from the database ``CHUNK`` bytes at a time.

    ``message`` must be stored (flushed) in ``session``'s transaction."""
    if "raw" in message.__dict__:
        return io.BytesIO(message.raw)
    return io.BufferedReader(RawBody(session, message.id), CHUNK)
