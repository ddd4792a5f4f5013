"""Replay one transaction set: translate its stored bytes again with today's maps and profiles.

Nothing is re-received and nothing else is touched: only the chosen set's event is recomputed. When
the map changed, the old payload is kept as a revision and the caller gets the field-by-field diff;
the event's deliveries that did not succeed go back to ``pending`` (dead letters included) so the
ERP gets the current version. A delivery that already succeeded is left alone: the ERP dedupes on
the event id, so a corrected revision of a delivered event is shown to operators (diff) but not
re-posted. A test document (``events.test``) stays one: a replay never gives it deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.canonical import Event
from gateway.partners import PartnerProfile, holds_from_erp
from gateway.pipeline.batch_run import translate_options
from gateway.pipeline.config import DEFAULT_CONFIG, ProcessConfig, partner_profile, versions_of
from gateway.pipeline.records import document_number, replace_event_payload
from gateway.pipeline.translate import translate_stream
from gateway.store.db import Database
from gateway.store.models import (
    AuditEntry,
    Delivery,
    EventRecord,
    InboundMessage,
    Partner,
    TransactionRecord,
    utcnow,
)
from gateway.store.raw_bodies import WITHOUT_BODY, open_raw
from gateway.x12.acks.reply_envelope import MemoryControlNumbers


@dataclass(slots=True)
class ReplayResult:
    transaction_id: int
    event_id: str | None
    changed: bool
    diff: list[dict[str, Any]] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)
    message: str = ""


def diff_json(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Minimal structural diff: one entry per changed leaf, list items compared by position."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(old) | set(new)):
            out += diff_json(old.get(key), new.get(key), f"{path}/{key}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            out += diff_json(
                old[i] if i < len(old) else None, new[i] if i < len(new) else None, f"{path}/{i}"
            )
        return out
    return [] if old == new else [{"path": path or "/", "old": old, "new": new}]


def replay_transaction(
    db: Database,
    transaction_id: int,
    config: ProcessConfig = DEFAULT_CONFIG,
    *,
    actor: str = "operator",
) -> ReplayResult:
    with db.transaction() as session:
        record = session.get(TransactionRecord, transaction_id)
        if record is None:
            raise KeyError(f"no transaction {transaction_id}")
        message = session.get(InboundMessage, record.message_id, options=[WITHOUT_BODY])
        assert message is not None
        profile: PartnerProfile | None = partner_profile(message.partner_id, config)
        event = translate_set(session, message, record, profile, config)
        if event is None:
            return ReplayResult(
                transaction_id,
                None,
                False,
                message="the set yields no event (rejected by validation)",
            )
        payload = event.model_dump(mode="json")
        existing = session.get(EventRecord, event.id)
        changes: list[dict[str, Any]] = []
        if existing is None:
            profile_version, map_version = versions_of(message.partner_id, config)
            row = session.get(Partner, profile.id) if profile is not None else None
            test = profile is not None and holds_from_erp(
                row.status if row is not None else profile.status,
                profile.test_indicator,
                event.source.test,
            )
            existing = EventRecord(
                id=event.id,
                message_id=message.id,
                partner_id=event.partner_id,
                type=event.type,
                document_number=document_number(payload["document"]),
                payload=payload,
                test=test,
                profile_version=profile_version,
                map_version=map_version,
            )
            session.add(existing)
            session.flush()
            changes = diff_json(None, payload)
        else:
            changes = diff_json(existing.payload, payload)
            if changes:
                replace_event_payload(session, existing, payload)
        record.event_id = event.id
        delivery_ids = [] if existing.test else _reset_deliveries(session, event.id, config)
        session.add(
            AuditEntry(
                actor=actor[:80],
                action="transaction.replayed",
                subject=str(transaction_id),
                detail={"event_id": event.id, "changes": len(changes)},
            )
        )
        return ReplayResult(transaction_id, event.id, bool(changes), changes, delivery_ids)


def preview_replay(
    db: Database, transaction_id: int, config: ProcessConfig = DEFAULT_CONFIG
) -> ReplayResult:
    """What ``replay_transaction`` would change, changing nothing: the console shows this diff
    before the operator confirms."""
    with db.sessions() as session:
        record = session.get(TransactionRecord, transaction_id)
        if record is None:
            raise KeyError(f"no transaction {transaction_id}")
        message = session.get(InboundMessage, record.message_id, options=[WITHOUT_BODY])
        assert message is not None
        event = translate_set(
            session, message, record, partner_profile(message.partner_id, config), config
        )
        if event is None:
            return ReplayResult(
                transaction_id,
                None,
                False,
                message="the set yields no event (rejected by validation)",
            )
        payload = event.model_dump(mode="json")
        existing = session.get(EventRecord, event.id)
        if existing is None:  # a new event: every field, one line each
            changes = [{"path": path, "old": None, "new": v} for path, v in _leaves(payload)]
        else:
            changes = diff_json(existing.payload, payload)
        note = "a new event" if existing is None else "" if changes else "no change"
        return ReplayResult(transaction_id, event.id, bool(changes), changes, message=note)


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for key in value for leaf in _leaves(value[key], f"{path}/{key}")]
    if isinstance(value, list) and value:
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, f"{path}/{i}")]
    return [(path or "/", value)]


def translate_set(
    session: Session,
    message: InboundMessage,
    record: TransactionRecord,
    profile: PartnerProfile | None,
    config: ProcessConfig,
) -> Event | None:
    """The event ``record``'s set yields from its message's stored bytes with today's maps and
    profile (None: rejected). Acks were sent the first time: no real control numbers are used."""
    with open_raw(session, message) as body:
        result = translate_stream(
            body,
            options=translate_options(profile, message.partner_id, config),
            counters=MemoryControlNumbers(),
        )
    wanted = (
        record.interchange_control_number,
        record.group_control_number,
        record.control_number,
    )
    for event in result.documents:
        source = event.source
        found = (
            source.interchange_control_number,
            source.group_control_number,
            source.control_number,
        )
        if found == wanted:
            return event
    return None


def _reset_deliveries(session: Any, event_id: str, config: ProcessConfig) -> list[int]:
    existing = {
        d.connector: d
        for d in session.execute(select(Delivery).where(Delivery.event_id == event_id)).scalars()
    }
    ids = []
    for connector in config.connectors:
        delivery = existing.get(connector)
        if delivery is None:
            delivery = Delivery(event_id=event_id, connector=connector)
            session.add(delivery)
            session.flush()
        elif delivery.status == "delivered":
            continue  # the ERP already has this event id; it would dedupe a second post
        else:
            delivery.status = "pending"
            delivery.updated_at = utcnow()
        ids.append(delivery.id)
    return ids


def retry_delivery(db: Database, delivery_id: int, *, actor: str = "operator") -> bool:
    """Put a dead (or stuck) delivery back to pending; False when it is already delivered."""
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status == "delivered":
            return False
        delivery.status = "pending"
        delivery.updated_at = utcnow()
        session.add(
            AuditEntry(
                actor=actor[:80],
                action="delivery.retried",
                subject=str(delivery_id),
                detail={"attempts": delivery.attempts},
            )
        )
        return True


def retry_message(db: Database, message_id: str, *, actor: str = "operator") -> bool:
    """Put a ``failed`` message back to ``received`` (attempts reset, error kept in the audit log)
    for ``process`` to take again, after the cause was fixed; False when it is not failed."""
    with db.transaction() as session:
        message = session.get(
            InboundMessage, message_id, with_for_update=True, options=[WITHOUT_BODY]
        )
        if message is None or message.status != "failed":
            return False
        session.add(
            AuditEntry(
                actor=actor[:80],
                action="message.retried",
                subject=message_id,
                detail={"error": (message.error or "")[:500], "attempts": message.attempts},
            )
        )
        message.status, message.error, message.attempts = "received", None, 0
        message.recoveries, message.processed_at = 0, None
        return True


CANCELLABLE = ("received", "failed")


def cancel_message(db: Database, message_id: str, operator: str, reason: str) -> str | None:
    """Stop a ``received`` or ``failed`` message for good (status ``cancelled``, audited): workers
    and the sweep skip it; its bytes stay. Returns the status it had, or None when there is no
    such message; a message in another status is left as it is (the caller says why)."""
    with db.transaction() as session:
        message = session.get(
            InboundMessage, message_id, with_for_update=True, options=[WITHOUT_BODY]
        )
        if message is None:
            return None
        before = message.status
        if before in CANCELLABLE:
            message.status, message.processed_at = "cancelled", utcnow()
            message.error = f"cancelled by {operator}: {reason}"[:4000]
            session.add(
                AuditEntry(
                    actor=operator,
                    action="message.cancelled",
                    subject=message_id,
                    detail={"reason": reason[:500], "status": before},
                )
            )
        return before
