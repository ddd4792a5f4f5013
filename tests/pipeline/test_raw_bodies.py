"""``store.raw_bodies``: a stored body read a chunk at a time is the stored body, byte for byte,
on SQLite (incremental blob I/O) and PostgreSQL (``substring`` slices), inside the transaction
that has the message locked and updated, which is where a worker reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.store import raw_bodies
from gateway.store.models import InboundMessage
from tests.transports.harness import runtime_for, settings_for

BODY = bytes(range(256)) * 4099 + b"\x00tail"
"""1 MB and a bit: every byte value, NULs included, and a last chunk that is not full."""


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Runtime:
    return runtime_for(settings_for(tmp_path, database_url=database_url))


def stored(runtime: Runtime, raw: bytes) -> str:
    return receive(runtime.db, partner_id=None, transport="http", raw=raw).message_id


def read_all(session: object, message: InboundMessage, size: int) -> bytes:
    with raw_bodies.open_raw(session, message) as body:  # type: ignore[arg-type]
        pieces = list(iter(lambda: body.read(size), b""))
    assert all(len(p) <= max(size, raw_bodies.CHUNK) for p in pieces)
    return b"".join(pieces)


@pytest.mark.parametrize("size", [1000, 65536, 1 << 20, 3 << 20])
def test_given_a_stored_body_then_reading_it_in_pieces_gives_it_byte_for_byte(
    runtime: Runtime, size: int
) -> None:
    message_id = stored(runtime, BODY)
    with runtime.db.transaction() as session:
        message = session.get(
            InboundMessage, message_id, with_for_update=True, options=[raw_bodies.WITHOUT_BODY]
        )
        assert message is not None
        assert "raw" not in message.__dict__, "loading a message must not load its body"
        assert read_all(session, message, size) == BODY
    runtime.close()


def test_given_the_row_updated_in_the_same_transaction_then_the_read_goes_on(
    runtime: Runtime,
) -> None:
    """A worker flushes the message's status while it translates: SQLite expires an open blob
    handle on an UPDATE of its row, so each piece must be read with its own."""
    message_id = stored(runtime, BODY)
    with runtime.db.transaction() as session:
        message = session.get(
            InboundMessage, message_id, with_for_update=True, options=[raw_bodies.WITHOUT_BODY]
        )
        assert message is not None
        with raw_bodies.open_raw(session, message) as body:
            first = body.read(70000)
            message.attempts += 1
            message.meta = {"reading": True}
            session.flush()
            rest = body.read()
        assert first + rest == BODY
    runtime.close()


def test_given_an_empty_body_then_the_stream_is_empty(runtime: Runtime) -> None:
    message_id = stored(runtime, b"")
    with runtime.db.transaction() as session:
        message = session.get(InboundMessage, message_id, options=[raw_bodies.WITHOUT_BODY])
        assert message is not None
        with raw_bodies.open_raw(session, message) as body:
            assert body.read() == b""
    runtime.close()


def test_given_a_20_mb_body_then_the_reader_holds_one_chunk_not_the_body(
    runtime: Runtime,
) -> None:
    """The point of reading in pieces: Python never holds the body (traced allocations stay
    within a few chunks while 20 MB go through)."""
    import tracemalloc

    raw = os.urandom(1000) * 20_000
    message_id = stored(runtime, raw)
    with runtime.db.transaction() as session:
        message = session.get(InboundMessage, message_id, options=[raw_bodies.WITHOUT_BODY])
        assert message is not None
        tracemalloc.start()
        try:
            total = 0
            with raw_bodies.open_raw(session, message) as body:
                while piece := body.read(1 << 16):
                    total += len(piece)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert total == len(raw)
    assert peak < 4 * raw_bodies.CHUNK, peak
    runtime.close()


def test_given_a_batch_then_small_bodies_come_in_one_query_and_large_ones_stay_in_the_store(
    runtime: Runtime,
) -> None:
    from sqlalchemy import event

    small, large = b"ISA*small body", os.urandom(raw_bodies.CHUNK + 1)
    ids = [stored(runtime, small), stored(runtime, large)]
    with runtime.db.transaction() as session:
        messages = [session.get(InboundMessage, i, options=[raw_bodies.WITHOUT_BODY]) for i in ids]
        statements: list[str] = []
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            raw_bodies.load_small_bodies(session, messages)  # type: ignore[arg-type]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        loaded = ["raw" in m.__dict__ for m in messages]  # type: ignore[union-attr]
        bodies = [read_all(session, m, 1 << 16) for m in messages]  # type: ignore[arg-type]

    assert len(statements) == 1
    assert loaded == [True, False]
    assert bodies == [small, large]
    runtime.close()
