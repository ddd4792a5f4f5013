"""Stage 2, process: translate a stored message and record everything it produced, atomically.

One database transaction writes the interchanges, transaction sets, canonical events, the
acknowledgements to send back and one pending delivery per event and ERP connector, and marks the
message processed. A crash before the commit leaves nothing behind; running ``process`` again on a
processed message changes nothing; deliveries a crash left unenqueued are found by the sweep.

Duplicates, by the partner's policy (``reject`` | ``accept-and-flag`` | ``ignore-silently``):
an interchange whose ISA13 was already received from the same sender/receiver pair (TA1 025 when
rejected), and a document whose business key (BAK03+BAK04, BSN02, BIG02) arrived before with
different content. The same content again has the same event id, so it is never delivered twice.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.canonical import Event
from gateway.errors import ConfigurationError
from gateway.partners import PartnerProfile, load_partner
from gateway.pipeline.translate import TranslateOptions, TranslationResult, translate_bytes
from gateway.store.counters import StoreControlNumbers
from gateway.store.db import Database
from gateway.store.models import (
    Acknowledgment,
    AuditEntry,
    Delivery,
    EventRecord,
    EventRevision,
    InboundMessage,
    InterchangeRecord,
    TransactionRecord,
    utcnow,
)
from gateway.x12 import results as r
from gateway.x12.acks.ta1 import build_ta1
from gateway.x12.envelope import interchange_header
from gateway.x12.reader import SegmentReader


@dataclass(slots=True)
class ProcessOutcome:
    message_id: str
    status: str
    delivery_ids: list[int] = field(default_factory=list)
    """Deliveries not yet done: the caller enqueues them (again) after the commit."""
    event_ids: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProcessConfig:
    connectors: tuple[str, ...] = ("sink",)
    partners_dir: Path | None = None
    maps_dir: Path | None = None


DEFAULT_CONFIG = ProcessConfig()


def business_key(event: Event) -> str:
    doc = event.model_dump(mode="json")["document"]
    if event.type == "po_acknowledgment":
        return f"855:{doc.get('po_number')}:{doc.get('po_date')}"
    if event.type == "ship_notice":
        return f"856:{doc.get('shipment_id')}"
    if event.type == "invoice":
        return f"810:{doc.get('invoice_number')}"
    return ""


def document_number(event: Event) -> str | None:
    doc = event.model_dump(mode="json")["document"]
    for key in ("po_number", "shipment_id", "invoice_number"):
        if doc.get(key):
            return str(doc[key])[:80]
    group = doc.get("acknowledged_group") or {}
    return str(group.get("control_number")) if group.get("control_number") else None


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


def pending_deliveries(session: Session, message_id: str) -> list[int]:
    rows = session.execute(
        select(Delivery.id)
        .join(EventRecord, EventRecord.id == Delivery.event_id)
        .where(EventRecord.message_id == message_id, Delivery.status.in_(("pending", "retrying")))
    )
    return [row[0] for row in rows]


def process(
    db: Database, message_id: str, config: ProcessConfig = DEFAULT_CONFIG
) -> ProcessOutcome:
    """Translate and record ``message_id``; idempotent (see the module docstring)."""
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id, with_for_update=True)
        if message is None:
            return ProcessOutcome(message_id, "missing")
        if message.status != "received":
            # Already done: its unfinished deliveries belong to the sweep, not to this duplicate
            # run (re-enqueueing them here would post the same events twice in normal operation).
            return ProcessOutcome(message_id, message.status)
        profile = _profile(message.partner_id, config)
        policy = profile.duplicate_policy if profile else "reject"
        message.attempts += 1
        from gateway.pipeline import json_documents  # here: that module builds on this one

        if json_documents.is_json_documents(message):
            return json_documents.record_json_documents(session, message, config, policy)
        duplicate = _interchange_duplicate(session, message)
        if duplicate is not None and policy != "accept-and-flag":
            return _reject_duplicate(session, message, duplicate, policy, profile)
        counters = StoreControlNumbers(session, message.partner_id or "unknown")
        result = translate_bytes(
            message.raw, options=_options(profile, message.partner_id, config), counters=counters
        )
        outcome = _record(session, message, result, config, policy, flagged=duplicate)
        if result.errors:  # translation reports bad input, never raises: keep it for the receipt
            message.meta = {
                **message.meta,
                "errors": json.loads(json.dumps(result.errors[:200], default=str)),
            }
        message.status = "processed"
        message.processed_at = utcnow()
        message.error = None
        return outcome


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


def _interchange_duplicate(
    session: Session, message: InboundMessage
) -> tuple[str, str, r.InterchangeResult] | None:
    """(original message id, reason, header) of the first interchange already received."""
    reader = SegmentReader(io.BytesIO(message.raw))
    try:
        for segment in reader:
            if segment.elements[0] != "ISA":
                continue
            header = interchange_header(segment)
            original = session.execute(
                select(InterchangeRecord.message_id)
                .join(InboundMessage, InboundMessage.id == InterchangeRecord.message_id)
                .where(
                    InterchangeRecord.sender_id == header.sender_id,
                    InterchangeRecord.receiver_id == header.receiver_id,
                    InterchangeRecord.control_number == header.control_number,
                    InterchangeRecord.message_id != message.id,
                    InboundMessage.partner_id == message.partner_id,
                )
                .limit(1)
            ).scalar()
            if original:
                ir = r.InterchangeResult(
                    header.control_number,
                    header.date,
                    header.time,
                    header.sender_qualifier,
                    header.sender_id,
                    header.receiver_qualifier,
                    header.receiver_id,
                    header.version,
                    header.usage,
                    header.ack_requested == "1",
                )
                return (
                    original,
                    f"ISA13 {header.control_number} from {header.sender_id} already received",
                    ir,
                )
    except Exception:  # unreadable input: translate reports it precisely
        return None
    return None


def _reject_duplicate(
    session: Session,
    message: InboundMessage,
    duplicate: tuple[str, str, r.InterchangeResult],
    policy: str,
    profile: PartnerProfile | None,
) -> ProcessOutcome:
    original, reason, ir = duplicate
    message.status = "duplicate" if policy == "reject" else "ignored"
    message.duplicate_of, message.duplicate_reason = original, reason
    message.processed_at = utcnow()
    if policy == "reject":
        ir.note("025", reason, reject=True)
        counters = StoreControlNumbers(session, message.partner_id or "unknown")
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
    session: Session,
    message: InboundMessage,
    result: TranslationResult,
    config: ProcessConfig,
    policy: str,
    flagged: tuple[str, str, r.InterchangeResult] | None,
) -> ProcessOutcome:
    outcome = ProcessOutcome(message.id, "processed", errors=result.errors)
    for n, ir in enumerate(result.interchanges, 1):
        session.add(
            InterchangeRecord(
                message_id=message.id,
                ordinal=n,
                sender_id=ir.sender_id,
                receiver_id=ir.receiver_id,
                control_number=ir.control_number,
                test=ir.usage == "T",
                ta1_status=ir.ta1_status,
                ta1_code=ir.ta1_code,
                result={"messages": ir.messages, "warnings": ir.warnings},
            )
        )
    events = _index_events(result.documents)
    ordinal = 0
    for ir in result.interchanges:
        for group in ir.groups:
            for tr in group.transactions:
                ordinal += 1
                event = events.pop(
                    (ir.control_number, group.control_number, tr.control_number), None
                )
                _record_set(
                    session, message, ir, group, tr, ordinal, event, config, policy, outcome
                )
    for ack in result.acknowledgments:
        session.add(
            Acknowledgment(
                message_id=message.id,
                partner_id=message.partner_id,
                direction="out",
                kind=ack["kind"],
                edi=ack["edi"],
            )
        )
    if flagged is not None:
        message.meta = {
            **message.meta,
            "flagged_duplicate_of": flagged[0],
            "duplicate_reason": flagged[1],
        }
    session.flush()
    outcome.delivery_ids = pending_deliveries(session, message.id)
    session.add(
        AuditEntry(
            actor="worker",
            action="message.processed",
            subject=message.id,
            detail={"events": outcome.event_ids, "errors": len(result.errors)},
        )
    )
    return outcome


def _index_events(documents: list[Event]) -> dict[tuple[str, str, str], Event]:
    index: dict[tuple[str, str, str], Event] = {}
    for event in documents:
        s = event.source
        index.setdefault(
            (s.interchange_control_number, s.group_control_number, s.control_number), event
        )
    return index


def _record_set(
    session: Session,
    message: InboundMessage,
    ir: r.InterchangeResult,
    group: r.GroupResult,
    tr: r.TransactionResult,
    ordinal: int,
    event: Event | None,
    config: ProcessConfig,
    policy: str,
    outcome: ProcessOutcome,
) -> None:
    record = TransactionRecord(
        message_id=message.id,
        interchange_control_number=ir.control_number,
        group_control_number=group.control_number,
        ordinal=ordinal,
        code=tr.code[:6],
        control_number=tr.control_number[:20],
        status=tr.status,
        business_key="",
        validation=tr.as_dict(),
    )
    session.add(record)
    if event is None:
        return
    record.business_key = business_key(event)[:80]
    record.event_id = event.id
    store_document_event(session, message, record, event, config, policy, outcome)


def store_document_event(
    session: Session,
    message: InboundMessage,
    record: TransactionRecord,
    event: Event,
    config: ProcessConfig,
    policy: str,
    outcome: ProcessOutcome,
) -> None:
    """Apply the business-key duplicate policy to ``record``'s event, then store it (X12 and JSON).

    A new event whose business key arrived before from the partner with other content is a
    duplicate: ``reject``/``ignore-silently`` keep only the transaction record, ``accept-and-flag``
    stores and delivers it flagged. The same content again has the same event id and is not new.
    """
    flagged = None
    if record.business_key and session.get(EventRecord, event.id) is None:
        earlier = _earlier_business_key(session, message, record.business_key)
        if earlier is not None:
            record.duplicate_of = earlier
            if policy != "accept-and-flag":
                record.event_id = None
                return
            flagged = earlier
    _store_event(session, message, event, flagged, config, outcome)


def _earlier_business_key(session: Session, message: InboundMessage, key: str) -> str | None:
    return session.execute(
        select(TransactionRecord.event_id)
        .join(InboundMessage, InboundMessage.id == TransactionRecord.message_id)
        .where(
            TransactionRecord.business_key == key,
            TransactionRecord.event_id.is_not(None),
            InboundMessage.partner_id == message.partner_id,
            TransactionRecord.message_id != message.id,
        )
        .limit(1)
    ).scalar()


def _store_event(
    session: Session,
    message: InboundMessage,
    event: Event,
    flagged: str | None,
    config: ProcessConfig,
    outcome: ProcessOutcome,
) -> None:
    payload = event.model_dump(mode="json")
    existing = session.get(EventRecord, event.id)
    if existing is None:
        session.add(
            EventRecord(
                id=event.id,
                message_id=message.id,
                partner_id=event.partner_id,
                type=event.type,
                document_number=document_number(event),
                payload=payload,
                flagged_duplicate_of=flagged,
            )
        )
        session.flush()
        for connector in config.connectors:
            session.add(Delivery(event_id=event.id, connector=connector))
    elif existing.payload != payload:
        replace_event_payload(session, existing, payload)
    outcome.event_ids.append(event.id)


def replace_event_payload(session: Session, existing: EventRecord, payload: dict[str, Any]) -> None:
    """Keep the old payload as a revision and make the new one current (replay after a map change)."""
    session.add(
        EventRevision(event_id=existing.id, revision=existing.revision, payload=existing.payload)
    )
    existing.payload = payload
    existing.revision += 1
    existing.updated_at = datetime.now(UTC)
