"""Stage 2, process: translate a stored message and record everything it produced, atomically.

One database transaction writes the interchanges, transaction sets, canonical events, the
acknowledgements to send back and one pending delivery per event and ERP connector, and marks the
message processed; ``records.Recorder`` does the bulk of it in a few statements. A crash before
the commit leaves nothing behind; running ``process`` again on a processed message changes nothing;
deliveries a crash left unenqueued are found by the sweep.

Duplicates, by the partner's policy (``reject`` | ``accept-and-flag`` | ``ignore-silently``):
an interchange whose ISA13 was already received from the same sender/receiver pair (TA1 025 when
rejected; checked from the ISA headers before anything is translated, so a rejected re-send uses
no control numbers but the TA1's), and a document whose business key (BAK03+BAK04, BSN02, BIG02)
arrived before with different content. The same content again has the same event id, so it is
never delivered twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.masking import mask_secrets
from gateway.pipeline.batch_run import BatchRun
from gateway.pipeline.config import DEFAULT_CONFIG, ProcessConfig
from gateway.pipeline.outcome import ProcessOutcome
from gateway.store.counters import NumberBlocks
from gateway.store.db import Database
from gateway.store.models import (
    AuditEntry,
    InboundMessage,
    table_of,
)
from gateway.store.raw_bodies import WITHOUT_BODY

__all__ = [
    "GroupOutcome",
    "mark_failed",
    "note_attempt",
    "process",
    "process_batch",
    "process_group",
]
_MESSAGES = table_of(InboundMessage)
log = logging.getLogger("gateway.pipeline")


def process(
    db: Database, message_id: str, config: ProcessConfig = DEFAULT_CONFIG, *, claim: bool = False
) -> ProcessOutcome:
    """Translate and record ``message_id`` alone; idempotent (see the module docstring).

    ``claim=True`` creates the new deliveries with their first attempt counted and returns them
    with their events in ``claims``, for the caller to post right after the commit (no queue
    round trip); otherwise they are returned in ``delivery_ids`` to enqueue.
    """
    return process_batch(db, message_id, config, claim=claim, limit=1)[0]


def process_batch(
    db: Database,
    message_id: str,
    config: ProcessConfig = DEFAULT_CONFIG,
    *,
    claim: bool = False,
    limit: int = 1,
) -> list[ProcessOutcome]:
    """``process`` for ``message_id`` and up to ``limit - 1`` other waiting messages, in one
    transaction; the first outcome is ``message_id``'s.

    Under load a worker thus records many messages with the statements of one (their own queue
    entries then find them processed and do nothing), while a lone message is processed at once.
    Others are taken only if no other worker holds them (``SKIP LOCKED``) and they never failed
    before (``attempts = 0``), so one bad message cannot drag a batch down twice; SQLite has a
    single writer and no ``SKIP LOCKED``, so there the batch is one message. Raises
    ``BatchConflict`` when two messages of the batch cannot share it: process them one by one.
    """
    status = _status(db, message_id)
    if status != "received":  # the common case under load: another batch took it
        return [ProcessOutcome(message_id, status)]
    with db.transaction() as session:
        message = session.get(
            InboundMessage, message_id, with_for_update=True, options=[WITHOUT_BODY]
        )
        if message is None:
            return [ProcessOutcome(message_id, "missing")]
        if message.status != "received":
            # Already done: its unfinished deliveries belong to the sweep, not to this duplicate
            # run (re-enqueueing them here would post the same events twice in normal operation).
            return [ProcessOutcome(message_id, message.status)]
        messages = [message, *_more_waiting(session, message, limit - 1)]
        return _record_batch(db, session, messages, config, claim)


@dataclass(slots=True)
class GroupOutcome:
    """What ``process_group`` did with a group, and what it left to the caller."""

    outcomes: list[ProcessOutcome] = field(default_factory=list)
    """The group's waiting messages, recorded and committed, in order of arrival."""
    alone: list[str] = field(default_factory=list)
    """Failed before: never taken into a batch; the caller processes each as its own queue
    entry would (``process_batch`` led by it)."""
    busy: list[str] = field(default_factory=list)
    """Held by another batch right now: it records them, or on failure they wait again; the
    caller looks at them again later (their queue entry was this group's)."""


def process_group(
    db: Database,
    message_ids: list[str],
    config: ProcessConfig = DEFAULT_CONFIG,
    *,
    claim: bool = False,
) -> GroupOutcome:
    """``process`` for a group of messages enqueued together (``workers.grouping``): the group's
    waiting messages as one batch, in one transaction.

    The API's grouping makes the batches, so a group takes no other messages: workers with
    different groups never meet. Nor does a group wait for another worker: its messages are
    locked with ``SKIP LOCKED``, and any that another batch holds (a re-sent group, the sweep)
    come back as ``busy``. Messages already done, or not in the database, are left out; those
    that failed before come back as ``alone``. On SQLite (one writer, no ``SKIP LOCKED``) every
    message comes back as ``alone``. Raises like ``process_batch``.
    """
    if db.engine.dialect.name == "sqlite":
        return GroupOutcome(alone=list(message_ids))
    result = GroupOutcome()
    with db.transaction() as session:
        free = session.scalars(
            select(InboundMessage)
            .options(WITHOUT_BODY)
            .where(InboundMessage.id.in_(message_ids))
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .with_for_update(skip_locked=True)
        ).all()
        found = {m.id for m in free}
        if len(found) < len(set(message_ids)):  # held by another batch, or never stored
            result.busy = _existing(session, [i for i in message_ids if i not in found])
        waiting = [m for m in free if m.status == "received"]
        result.alone = [m.id for m in waiting if m.attempts > 0]
        messages = [m for m in waiting if m.attempts == 0]
        if messages:
            result.outcomes = _record_batch(db, session, messages, config, claim)
    return result


def _existing(session: Session, message_ids: list[str]) -> list[str]:
    """Those of ``message_ids`` that are stored (read without a lock: held ones too)."""
    stored = set(
        session.scalars(select(_MESSAGES.c.id).where(_MESSAGES.c.id.in_(message_ids))).all()
    )
    missing = [i for i in message_ids if i not in stored]
    if missing:
        log.warning("queued message ids not in the database, skipped: %s", ", ".join(missing))
    return [i for i in message_ids if i in stored]


def _record_batch(
    db: Database,
    session: Session,
    messages: list[InboundMessage],
    config: ProcessConfig,
    claim: bool,
) -> list[ProcessOutcome]:
    """Translate ``messages`` (locked by ``session``) and record them all; committed by the caller."""
    with _counter_blocks(db, messages) as blocks:
        run = BatchRun(session, config, messages, claim, blocks)
        outcomes = [run.add(m) for m in messages]
    run.recorder.write()
    return outcomes


@contextmanager
def _counter_blocks(db: Database, messages: list[InboundMessage]) -> Iterator[NumberBlocks | None]:
    """Control numbers for the batch, reserved in blocks on an autocommit connection, unused ones
    given back at the end (``None``: SQLite, numbers come from the batch's own transaction)."""
    if db.counters_engine is None:
        yield None
        return
    sizes = Counter(m.partner_id or "unknown" for m in messages)
    with db.counters_engine.connect() as connection:
        blocks = NumberBlocks(connection, dict(sizes))
        try:
            yield blocks
        finally:
            blocks.give_back()


def _status(db: Database, message_id: str) -> str:
    """The message's status, read without a lock or a transaction to commit."""
    with db.engine.connect() as connection:
        status = connection.execute(
            select(_MESSAGES.c.status).where(_MESSAGES.c.id == message_id)
        ).scalar()
    return "missing" if status is None else str(status)


def _more_waiting(session: Session, first: InboundMessage, count: int) -> list[InboundMessage]:
    if count <= 0 or session.get_bind().dialect.name == "sqlite":
        return []
    return list(
        session.scalars(
            select(InboundMessage)
            .options(WITHOUT_BODY)
            .where(
                InboundMessage.status == "received",
                InboundMessage.attempts == 0,
                InboundMessage.id != first.id,
            )
            .order_by(InboundMessage.received_at)
            .limit(count)
            .with_for_update(skip_locked=True)
        )
    )


def mark_failed(db: Database, message_id: str, error: str) -> None:
    """An unexpected failure (a bug, not bad input): visible, replayable, never silently dropped.
    ``error`` is stored with any credential in it masked (it may quote a library's message)."""
    error = mask_secrets(error)
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id, options=[WITHOUT_BODY])
        if message is not None and message.status == "received":
            message.status = "failed"
            message.error = error[:4000]
            session.add(
                AuditEntry(
                    actor="worker",
                    action="message.failed",
                    subject=message_id,
                    detail={"error": error[:500]},
                )
            )


def note_attempt(db: Database, message_id: str) -> int:
    """Count a failed processing attempt in its own transaction; returns the count so far."""
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id, options=[WITHOUT_BODY])
        if message is None:
            return 0
        message.attempts += 1
        return message.attempts
