"""Corrected replay (``gateway replay --repost``): an event the ERP already has, translated again
with today's maps, goes to the ERP as a NEW event that supersedes it.

The ERP contract (``gateway.erp.base``): the correction is a complete canonical event with its
own ``id`` (so its own idempotency key) and ``supersedes: <the delivered event's id>``; the ERP
applies it in place of that event. It is delivered like any event (a delivery row per connector,
claimed, posted once in effect); the superseded event is marked ``superseded_by`` and keeps its
deliveries. Corrections chain: a second correction supersedes the first.

A plain replay (``replay_transaction``) corrects an event the ERP has not taken yet in place.
A repost is refused, in words, when there is nothing delivered to supersede (no event, a test
document, not delivered yet) and when today's maps give the same output as what the ERP has
(``force`` posts it anyway). The correction's id is derived from the event it supersedes and its
content, so running the same repost twice creates one correction, and the second run is refused
as "the same output".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pipeline.config import DEFAULT_CONFIG, ProcessConfig, partner_profile, versions_of
from gateway.pipeline.records import document_number
from gateway.pipeline.replay import diff_json, translate_set
from gateway.store.db import Database
from gateway.store.models import (
    AuditEntry,
    Delivery,
    EventRecord,
    InboundMessage,
    TransactionRecord,
    utcnow,
)
from gateway.store.raw_bodies import WITHOUT_BODY

NOT_CONTENT = ("id", "supersedes", "discrepancies")
"""What two versions of one event may differ in without their content differing."""


@dataclass(slots=True)
class RepostResult:
    transaction_id: int
    event_id: str | None = None
    """The correction (None when refused)."""
    supersedes: str | None = None
    diff: list[dict[str, Any]] = field(default_factory=list)
    """What changed against the superseded event (JSON pointers, ``old``, ``new``)."""
    delivery_ids: list[int] = field(default_factory=list)
    refused: str = ""
    """Why nothing was posted; empty when a correction was made."""


def corrected_event_id(superseded: str, content: dict[str, Any]) -> str:
    """The correction's id: the same superseded event and content, the same id."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"supersedes\x1f{superseded}\x1f{text}".encode())
    return "evt_" + digest.hexdigest()[:32]


def repost_transaction(
    db: Database,
    transaction_id: int,
    config: ProcessConfig = DEFAULT_CONFIG,
    *,
    force: bool = False,
    actor: str = "operator",
) -> RepostResult:
    """Supersede the delivered event of ``transaction_id`` by its translation with today's maps
    (``KeyError``: no such transaction). The caller enqueues ``delivery_ids``."""
    result = RepostResult(transaction_id)
    with db.transaction() as session:
        record = session.get(TransactionRecord, transaction_id)
        if record is None:
            raise KeyError(f"no transaction {transaction_id}")
        head = _current(session, record.event_id)
        result.refused = _nothing_to_supersede(session, transaction_id, head)
        if result.refused or head is None:
            return result
        message = session.get(InboundMessage, record.message_id, options=[WITHOUT_BODY])
        assert message is not None
        profile = partner_profile(message.partner_id, config)
        event = translate_set(session, message, record, profile, config)
        if event is None:
            result.refused = "today's maps and profile reject this set: there is nothing to post"
            return result
        content = _content(event.model_dump(mode="json"))
        result.diff = diff_json(_content(head.payload), content)
        if not result.diff and not force:
            result.refused = (
                f"today's maps give the same output as event {head.id}, which the ERP has: "
                "nothing to repost (--force posts it again as a correction anyway)"
            )
            return result
        new_id = corrected_event_id(head.id, content)
        corrected = event.model_copy(update={"id": new_id, "supersedes": head.id})
        payload = corrected.model_dump(mode="json")
        profile_version, map_version = versions_of(message.partner_id, config)
        session.add(
            EventRecord(
                id=new_id,
                message_id=message.id,
                partner_id=corrected.partner_id,
                type=corrected.type,
                document_number=document_number(payload["document"]),
                payload=payload,
                profile_version=profile_version,
                map_version=map_version,
                supersedes=head.id,
            )
        )
        session.flush()  # the event before the deliveries that reference it
        head.superseded_by, head.updated_at = new_id, utcnow()
        deliveries = [Delivery(event_id=new_id, connector=c) for c in config.connectors]
        session.add_all(deliveries)
        session.flush()
        session.add(
            AuditEntry(
                actor=actor,
                action="event.superseded",
                subject=head.id,
                detail={"by": new_id, "transaction": transaction_id, "changes": len(result.diff)},
            )
        )
        result.event_id, result.supersedes = new_id, head.id
        result.delivery_ids = [d.id for d in deliveries]
    return result


def _current(session: Session, event_id: str | None) -> EventRecord | None:
    """The event's latest correction (the event itself when it has none), locked."""
    seen: set[str] = set()
    while event_id is not None and event_id not in seen:
        seen.add(event_id)
        event = session.get(EventRecord, event_id, with_for_update=True)
        if event is None or event.superseded_by is None:
            return event
        event_id = event.superseded_by
    return None


def _nothing_to_supersede(session: Session, transaction_id: int, head: EventRecord | None) -> str:
    """Why ``head`` cannot be superseded, or empty."""
    if head is None:
        return (
            f"transaction {transaction_id} has no event (rejected, or a duplicate): nothing was "
            "delivered to supersede"
        )
    if head.test:
        return (
            f"event {head.id} is a test document, never delivered to the ERP: nothing to supersede"
        )
    statuses = list(session.scalars(select(Delivery.status).where(Delivery.event_id == head.id)))
    if "delivered" not in statuses:
        state = ", ".join(sorted(set(statuses))) or "no deliveries"
        return (
            f"event {head.id} is not delivered yet ({state}): nothing to supersede; "
            "`gateway replay` without --repost corrects it in place"
        )
    return ""


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in NOT_CONTENT}
