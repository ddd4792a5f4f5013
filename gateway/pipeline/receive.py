"""Stage 1, receive: store the raw bytes and their metadata in one transaction, nothing else.

The caller acknowledges the sender (HTTP 202, AS2 MDN, SFTP archive move) only after this returns,
then enqueues ``process`` for the message id. Transport-level duplicates (the same transport message
id, or the same bytes from the same partner) are detected here and handled by the partner's policy;
the duplicate's bytes are stored too, so nothing a partner sent is ever lost.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from gateway.store.db import Database
from gateway.store.models import AuditEntry, InboundMessage, table_of

DUPLICATE_POLICIES = ("reject", "accept-and-flag", "ignore-silently")
TRANSPORT_CHECKS = ("transport_id", "payload")
"""The duplicate layers decided here, at receipt (the rest are ``process``'s)."""
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


_COLUMNS = (_MESSAGES.c.id, _MESSAGES.c.transport, _MESSAGES.c.transport_message_id)
_ORIGINALS = (
    _MESSAGES.c.partner_id.is_not_distinct_from(bindparam("partner_id")),
    _MESSAGES.c.duplicate_of.is_(None),
    _MESSAGES.c.status != "refused",  # a re-send of what the transport refused is not a duplicate
)
_SAME_BYTES = _MESSAGES.c.content_sha256 == bindparam("digest")
_SAME_ID = and_(
    _MESSAGES.c.transport == bindparam("transport"),
    _MESSAGES.c.transport_message_id == bindparam("transport_message_id"),
)
# Built once: these run for every message received.
_BY_BYTES = select(*_COLUMNS).where(*_ORIGINALS, _SAME_BYTES).order_by(_MESSAGES.c.received_at)
_BY_ID = select(*_COLUMNS).where(*_ORIGINALS, _SAME_ID).order_by(_MESSAGES.c.received_at)
_BY_BYTES_OR_ID = (
    select(*_COLUMNS)
    .where(*_ORIGINALS, or_(_SAME_ID, _SAME_BYTES))
    .order_by(_MESSAGES.c.received_at)
)
_INSERT = insert(_MESSAGES)
_AUDIT = insert(table_of(AuditEntry))


def find_transport_duplicate(
    connection: Connection | Session,
    partner_id: str | None,
    transport: str,
    transport_message_id: str | None,
    digest: str,
    checks: Collection[str] = TRANSPORT_CHECKS,
) -> tuple[str, str] | None:
    """(original message id, reason) when this transport id or these bytes were received before
    (one query; the transport id wins when both match). ``checks``: the partner's layers."""
    by_id = bool(transport_message_id) and "transport_id" in checks
    by_bytes = "payload" in checks
    if not (by_id or by_bytes):
        return None
    params = {
        "partner_id": partner_id,
        "digest": digest,
        "transport": transport,
        "transport_message_id": transport_message_id,
    }
    query = _BY_BYTES_OR_ID if by_id and by_bytes else _BY_ID if by_id else _BY_BYTES
    rows = connection.execute(query, params).all()
    for row in rows:
        if by_id and (row.transport, row.transport_message_id) == (
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
    checks: Collection[str] = TRANSPORT_CHECKS,
) -> Receipt:
    """Store ``raw`` durably and say what happens next; commits before returning."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = new_message_id()
    with db.engine.begin() as connection:
        found = find_transport_duplicate(
            connection, partner_id, transport, transport_message_id, digest, checks
        )
        status, original, reason = "received", None, None
        if found is not None:
            original, reason = found
            status = {"reject": "duplicate", "ignore-silently": "ignored"}.get(
                duplicate_policy, "received"
            )
        flagged = {"flagged_duplicate_of": original} if original and status == "received" else {}
        connection.execute(
            _INSERT,
            {
                "id": message_id,
                "partner_id": partner_id,
                "transport": transport,
                "transport_message_id": transport_message_id,
                "content_type": content_type[:100],
                "content_sha256": digest,
                "size": len(raw),
                "raw": raw,
                "meta": {**(meta or {}), **flagged},
                "status": status,
                "duplicate_of": original if status != "received" else None,
                "duplicate_reason": reason,
            },
        )
        if original is not None:
            connection.execute(
                _AUDIT,
                {
                    "actor": f"{transport}:{partner_id or '-'}",
                    "action": f"message.{status if status != 'received' else 'flagged'}",
                    "subject": message_id,
                    "detail": {"sha256": digest, "duplicate_of": original, "reason": reason},
                },
            )
    return Receipt(message_id, status, original, reason)


def refuse(
    db: Database,
    *,
    partner_id: str | None,
    transport: str,
    raw: bytes,
    code: str,
    reason: str,
    transport_message_id: str | None = None,
    content_type: str = "application/octet-stream",
    meta: dict[str, Any] | None = None,
) -> str:
    """Keep what a transport refused (AS2: it did not decrypt or verify) as a ``refused``
    message, its bytes as sent: visible per partner, never processed, never a duplicate's
    original. ``partner_id`` is None when the channel proved no partner."""
    message_id = new_message_id()
    with db.engine.begin() as connection:
        connection.execute(
            _INSERT,
            {
                "id": message_id,
                "partner_id": partner_id,
                "transport": transport,
                "transport_message_id": transport_message_id,
                "content_type": content_type[:100],
                "content_sha256": hashlib.sha256(raw).hexdigest(),
                "size": len(raw),
                "raw": raw,
                "meta": {**(meta or {}), "refusal": code},
                "status": "refused",
                "error": reason,
            },
        )
    return message_id
