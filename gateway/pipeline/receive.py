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

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from gateway.store.db import Database
from gateway.store.models import AuditEntry, InboundMessage, table_of

DUPLICATE_POLICIES = ("reject", "accept-and-flag", "ignore-silently")
_MESSAGES = table_of(InboundMessage)


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
    """(original message id, reason) when this transport id or these bytes were received before
    (one query; the transport id wins when both match)."""
    same_bytes = _MESSAGES.c.content_sha256 == digest
    condition = same_bytes
    if transport_message_id:
        same_id = and_(
            _MESSAGES.c.transport == transport,
            _MESSAGES.c.transport_message_id == transport_message_id,
        )
        condition = or_(same_id, same_bytes)
    rows = session.execute(
        select(_MESSAGES.c.id, _MESSAGES.c.transport, _MESSAGES.c.transport_message_id)
        .where(
            _MESSAGES.c.partner_id == partner_id,
            _MESSAGES.c.duplicate_of.is_(None),
            condition,
        )
        .order_by(_MESSAGES.c.received_at)
    ).all()
    for row in rows:
        if transport_message_id and (row.transport, row.transport_message_id) == (
            transport,
            transport_message_id,
        ):
            return row.id, f"{transport} message id {transport_message_id!r} already received"
    if rows:
        return rows[0].id, "identical payload already received"
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
        session.execute(
            insert(_MESSAGES).values(
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
        if original is not None:
            session.add(
                AuditEntry(
                    actor=f"{transport}:{partner_id or '-'}",
                    action=f"message.{status if status != 'received' else 'flagged'}",
                    subject=message_id,
                    detail={"sha256": digest, "duplicate_of": original, "reason": reason},
                )
            )
    return Receipt(message_id, status, original, reason)
