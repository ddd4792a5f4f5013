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

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from gateway.errors import ConfigurationError
from gateway.partners import DUPLICATE_CHECKS, PartnerProfile, load_partner
from gateway.pipeline.records import Claim, Recorded, Recorder, SetRow
from gateway.pipeline.translate import TranslateOptions, TranslationResult, translate_bytes
from gateway.store.counters import NumberBlocks, StoreControlNumbers
from gateway.store.db import Database
from gateway.store.models import (
    Acknowledgment,
    AuditEntry,
    InboundMessage,
    InterchangeRecord,
    table_of,
    utcnow,
)
from gateway.x12 import results as r
from gateway.x12.acks.ta1 import build_ta1
from gateway.x12.envelope import interchange_headers
from gateway.x12.model import InterchangeHeader

_INTERCHANGES = table_of(InterchangeRecord)
_MESSAGES = table_of(InboundMessage)
_RECEIVED_BEFORE = (
    select(
        _MESSAGES.c.partner_id,
        _INTERCHANGES.c.sender_id,
        _INTERCHANGES.c.receiver_id,
        _INTERCHANGES.c.control_number,
        _INTERCHANGES.c.message_id,
    )
    .join(_MESSAGES, _MESSAGES.c.id == _INTERCHANGES.c.message_id)
    .where(
        tuple_(
            _INTERCHANGES.c.sender_id, _INTERCHANGES.c.receiver_id, _INTERCHANGES.c.control_number
        ).in_(bindparam("keys", expanding=True)),
        _INTERCHANGES.c.message_id.not_in(bindparam("batch", expanding=True)),
    )
    .order_by(_INTERCHANGES.c.id)
)
"""Interchanges received before with one of a batch's (sender, receiver, ISA13) triples."""


@dataclass(slots=True)
class ProcessOutcome:
    message_id: str
    status: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    recorded: Recorded | None = None
    """What the batch's ``Recorder`` wrote for this message (filled in by ``Recorder.write``)."""

    @property
    def delivery_ids(self) -> list[int]:
        """Deliveries not yet done: the caller posts (``claims``) or enqueues them after the commit."""
        return self.recorded.delivery_ids if self.recorded is not None else []

    @property
    def event_ids(self) -> list[str]:
        return self.recorded.event_ids if self.recorded is not None else []

    @property
    def claims(self) -> list[Claim]:
        """With ``claim=True``: the new deliveries, attempt 1 already counted, with their events."""
        return self.recorded.claims if self.recorded is not None else []


@dataclass(frozen=True, slots=True)
class ProcessConfig:
    connectors: tuple[str, ...] = ("sink",)
    partners_dir: Path | None = None
    maps_dir: Path | None = None


DEFAULT_CONFIG = ProcessConfig()


def _profile(partner_id: str | None, config: ProcessConfig) -> PartnerProfile | None:
    if partner_id is None:
        return None
    try:
        return load_partner(partner_id, config.partners_dir)
    except ConfigurationError:
        return None


def _options(
    profile: PartnerProfile | None, partner_id: str | None, config: ProcessConfig
) -> TranslateOptions:
    if profile is None:
        return TranslateOptions(partner_id=partner_id, maps_dir=config.maps_dir)
    return TranslateOptions(
        partner_id=profile.id,
        maps_dir=config.maps_dir,
        policy=profile.policy(),
        ack=profile.x12.ack.kind,
        ta1=profile.x12.ack.ta1,
        ack_options=profile.ack_options(),
    )


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
        message = session.get(InboundMessage, message_id, with_for_update=True)
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
    """The batch's messages (the group's waiting ones first), committed."""
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
    come back as ``busy``. Messages already done are left out; those that failed before come
    back as ``alone``. On SQLite (one writer, no ``SKIP LOCKED``) every message comes back as
    ``alone``. Raises like ``process_batch``.
    """
    if db.engine.dialect.name == "sqlite":
        return GroupOutcome(alone=list(message_ids))
    result = GroupOutcome()
    with db.transaction() as session:
        free = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.id.in_(message_ids))
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .with_for_update(skip_locked=True)
        ).all()
        found = {m.id for m in free}
        result.busy = [i for i in message_ids if i not in found]
        waiting = [m for m in free if m.status == "received"]
        result.alone = [m.id for m in waiting if m.attempts > 0]
        messages = [m for m in waiting if m.attempts == 0]
        if messages:
            result.outcomes = _record_batch(db, session, messages, config, claim)
    return result


def _record_batch(
    db: Database,
    session: Session,
    messages: list[InboundMessage],
    config: ProcessConfig,
    claim: bool,
) -> list[ProcessOutcome]:
    """Translate ``messages`` (locked by ``session``) and record them all; committed by the caller."""
    with _counter_blocks(db, messages) as blocks:
        run = _BatchRun(session, config, messages, claim, blocks)
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


class _BatchRun:
    """One batch: profiles, the interchange duplicate index and the recorder they share."""

    def __init__(
        self,
        session: Session,
        config: ProcessConfig,
        messages: list[InboundMessage],
        claim: bool,
        blocks: NumberBlocks | None,
    ) -> None:
        self.session, self.config, self.blocks = session, config, blocks
        self.recorder = Recorder(session, connectors=config.connectors, claim=claim)
        self.interchanges = _SeenInterchanges(session, messages)

    def add(self, message: InboundMessage) -> ProcessOutcome:
        from gateway.pipeline import json_documents  # here: that module builds on this one

        session, config = self.session, self.config
        profile = _profile(message.partner_id, config)
        policy = profile.duplicate_policy if profile else "reject"
        checks: frozenset[str] = (
            profile.duplicate_checks if profile else frozenset(DUPLICATE_CHECKS)
        )
        message.attempts += 1
        if json_documents.is_json_documents(message):
            return json_documents.record_json_documents(
                session, message, self.recorder, policy, checks
            )
        counters = StoreControlNumbers(session, message.partner_id or "unknown", blocks=self.blocks)
        duplicate = self.interchanges.duplicate(message) if "isa13" in checks else None
        if duplicate is not None and policy != "accept-and-flag":
            return _reject_duplicate(session, message, duplicate, policy, profile, counters)
        result = translate_bytes(
            message.raw, options=_options(profile, message.partner_id, config), counters=counters
        )
        self.interchanges.remember(message)
        outcome = _record(self.recorder, message, result, policy, checks)
        if duplicate is not None:
            message.meta = {
                **message.meta,
                "flagged_duplicate_of": duplicate[0],
                "duplicate_reason": duplicate[1],
            }
        if result.errors:  # translation reports bad input, never raises: keep it for the receipt
            message.meta = {
                **message.meta,
                "errors": json.loads(json.dumps(result.errors[:200], default=str)),
            }
        message.status = "processed"
        message.processed_at = utcnow()
        message.error = None
        return outcome


class _SeenInterchanges:
    """ISA13 duplicates for a batch: one query for every ISA header of its X12 messages, then
    the batch's own messages in order (an earlier one counts as already received)."""

    def __init__(self, session: Session, messages: list[InboundMessage]) -> None:
        from gateway.pipeline import json_documents

        self.headers = {
            m.id: interchange_headers(m.raw)
            for m in messages
            if not json_documents.is_json_documents(m)
        }
        self.known: dict[tuple[str | None, str, str, str], str] = {}
        wanted = {
            (h.sender_id, h.receiver_id, h.control_number)
            for headers in self.headers.values()
            for h in headers
        }
        if not wanted:
            return
        rows = session.execute(
            _RECEIVED_BEFORE, {"keys": sorted(wanted), "batch": [m.id for m in messages]}
        )
        for partner_id, sender, receiver, control, original in rows:
            # Rows of other partners come along; the lookup key has the partner.
            self.known.setdefault((partner_id, sender, receiver, control), original)

    def duplicate(self, message: InboundMessage) -> tuple[str, str, InterchangeHeader] | None:
        """(original message id, reason, header) of the first interchange already received."""
        for header in self.headers.get(message.id, []):
            original = self.known.get(self._key(message, header))
            if original is not None and original != message.id:
                reason = f"ISA13 {header.control_number} from {header.sender_id} already received"
                return original, reason, header
        return None

    def remember(self, message: InboundMessage) -> None:
        for header in self.headers.get(message.id, []):
            self.known.setdefault(self._key(message, header), message.id)

    @staticmethod
    def _key(
        message: InboundMessage, header: InterchangeHeader
    ) -> tuple[str | None, str, str, str]:
        return (message.partner_id, header.sender_id, header.receiver_id, header.control_number)


def mark_failed(db: Database, message_id: str, error: str) -> None:
    """An unexpected failure (a bug, not bad input): visible, replayable, never silently dropped."""
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id)
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
        message = session.get(InboundMessage, message_id)
        if message is None:
            return 0
        message.attempts += 1
        return message.attempts


def _reject_duplicate(
    session: Session,
    message: InboundMessage,
    duplicate: tuple[str, str, InterchangeHeader],
    policy: str,
    profile: PartnerProfile | None,
    counters: StoreControlNumbers,
) -> ProcessOutcome:
    original, reason, header = duplicate
    message.status = "duplicate" if policy == "reject" else "ignored"
    message.duplicate_of, message.duplicate_reason = original, reason
    message.processed_at = utcnow()
    if policy == "reject":
        ir = r.InterchangeResult.from_header(header)
        ir.note("025", reason, reject=True)
        options = profile.ack_options() if profile else None
        edi = build_ta1(ir, counters, options=options)
        session.add(
            Acknowledgment(
                message_id=message.id,
                partner_id=message.partner_id,
                direction="out",
                kind="TA1",
                edi=edi,
            )
        )
    session.add(
        AuditEntry(
            actor="worker",
            action=f"message.{message.status}",
            subject=message.id,
            detail={"duplicate_of": original, "reason": reason},
        )
    )
    return ProcessOutcome(
        message.id,
        message.status,
        errors=[{"code": "x12.interchange.duplicate", "message": reason}],
    )


def _record(
    recorder: Recorder,
    message: InboundMessage,
    result: TranslationResult,
    policy: str,
    checks: frozenset[str],
) -> ProcessOutcome:
    recorder.interchange_rows += [
        {
            "message_id": message.id,
            "ordinal": n,
            "sender_id": ir.sender_id,
            "receiver_id": ir.receiver_id,
            "control_number": ir.control_number,
            "test": ir.usage == "T",
            "ta1_status": ir.ta1_status,
            "ta1_code": ir.ta1_code,
            "result": {"messages": ir.messages, "warnings": ir.warnings},
        }
        for n, ir in enumerate(result.interchanges, 1)
    ]
    events = {
        (
            e.source.interchange_control_number,
            e.source.group_control_number,
            e.source.control_number,
        ): e
        for e in reversed(result.documents)
    }
    sets = [
        SetRow(
            {
                "interchange_control_number": ir.control_number,
                "group_control_number": group.control_number,
                "ordinal": ordinal,
                "code": tr.code[:6],
                "control_number": tr.control_number[:20],
                "status": tr.status,
                "validation": tr.as_dict(),
                **control_keys(group, tr),
            },
            events.pop((ir.control_number, group.control_number, tr.control_number), None),
        )
        for ordinal, (ir, group, tr) in enumerate(_sets(result), 1)
    ]
    recorder.ack_rows += [
        {
            "message_id": message.id,
            "partner_id": message.partner_id,
            "direction": "out",
            "kind": ack["kind"],
            "edi": ack["edi"],
        }
        for ack in result.acknowledgments
    ]
    recorded = recorder.add_sets(message, sets, policy, checks)
    return ProcessOutcome(message.id, "processed", errors=result.errors, recorded=recorded)


def control_keys(group: r.GroupResult, tr: r.TransactionResult) -> dict[str, str]:
    """The GS06 and ST02 duplicate layers' values for one set (see ``records.LAYERS``)."""
    if not group.control_number:
        return {"group_key": "", "control_key": ""}
    group_key = f"{group.sender_id}|{group.receiver_id}|{group.control_number}"[:80]
    if not tr.control_number:
        return {"group_key": group_key, "control_key": ""}
    control_key = f"{group_key}|{tr.code}|{tr.control_number}"[:120]
    return {"group_key": group_key, "control_key": control_key}


def _sets(
    result: TranslationResult,
) -> list[tuple[r.InterchangeResult, r.GroupResult, r.TransactionResult]]:
    return [
        (ir, group, tr)
        for ir in result.interchanges
        for group in ir.groups
        for tr in group.transactions
    ]
