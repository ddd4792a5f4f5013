"""Stage 1, receive: store the raw bytes and their metadata in one transaction, nothing else.

The caller acknowledges the sender (HTTP 202, AS2 MDN, SFTP archive move) only after this returns,
then enqueues ``process`` for the message id. Transport-level duplicates (the same transport message
id, or the same bytes from the same partner) are detected here and handled by the partner's policy;
the duplicate's bytes are stored too, so nothing a partner sent is ever lost.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.db import Database
from gateway.store.models import AuditEntry, InboundMessage

DUPLICATE_POLICIES = ("reject", "accept-and-flag", "ignore-silently")


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    status: str
    """``received`` (will be processed), ``duplicate`` (rejected as a re-send) or ``ignored``."""
    duplicate_of: str | None = None
    duplicate_reason: str | None = None

    @property
    def needs_processing(self) -> bool:
        return self.status == "received"


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def find_transport_duplicate(
    session: Session,
    partner_id: str | None,
    transport: str,
    transport_message_id: str | None,
    digest: str,
) -> tuple[str, str] | None:
    """(original message id, reason) when these bytes or this transport id were received before."""
    if transport_message_id:
        original = session.execute(
            select(InboundMessage.id)
            .where(
                InboundMessage.partner_id == partner_id,
                InboundMessage.transport == transport,
                InboundMessage.transport_message_id == transport_message_id,
                InboundMessage.duplicate_of.is_(None),
            )
            .limit(1)
        ).scalar()
        if original:
            return original, f"{transport} message id {transport_message_id!r} already received"
    original = session.execute(
        select(InboundMessage.id)
        .where(
            InboundMessage.partner_id == partner_id,
            InboundMessage.content_sha256 == digest,
            InboundMessage.duplicate_of.is_(None),
        )
        .order_by(InboundMessage.received_at)
        .limit(1)
    ).scalar()
    if original:
        return original, "identical payload already received"
    return None


def receive(
    db: Database,
    *,
    partner_id: str | None,
    transport: str,
    raw: bytes,
    transport_message_id: str | None = None,
    content_type: str = "application/edi-x12",
    meta: dict[str, Any] | None = None,
    duplicate_policy: str = "reject",
) -> Receipt:
    """Store ``raw`` durably and say what happens next; commits before returning."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = new_message_id()
    with db.transaction() as session:
        found = find_transport_duplicate(
            session, partner_id, transport, transport_message_id, digest
        )
        status, original, reason = "received", None, None
        if found is not None:
            original, reason = found
            status = {"reject": "duplicate", "ignore-silently": "ignored"}.get(
                duplicate_policy, "received"
            )
        session.add(
            InboundMessage(
                id=message_id,
                partner_id=partner_id,
                transport=transport,
                transport_message_id=transport_message_id,
                content_type=content_type[:100],
                content_sha256=digest,
                size=len(raw),
                raw=raw,
                meta={
                    **(meta or {}),
                    **(
                        {"flagged_duplicate_of": original}
                        if original and status == "received"
                        else {}
                    ),
                },
                status=status,
                duplicate_of=original if status != "received" else None,
                duplicate_reason=reason,
            )
        )
        session.add(
            AuditEntry(
                actor=f"{transport}:{partner_id or '-'}",
                action="message.received",
                subject=message_id,
                detail={
                    "size": len(raw),
                    "sha256": digest,
                    "status": status,
                    "duplicate_of": original,
                },
            )
        )
    return Receipt(message_id, status, original, reason)
