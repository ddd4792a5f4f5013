"""JSON documents: canonical events a supplier sends as JSON instead of X12 (``POST /v1/documents``).

The body is one event or ``{"documents": [event, ...]}``, validated against the published schema
(``gateway/canonical/supply-events.schema.json``, i.e. the pydantic models). Durability first, as
for X12: the HTTP transport stores the body with ``receive`` (transport ``http-json``) before
anything else, so an invalid body is kept too. ``check_json_message`` then validates it while the
partner waits: an invalid body is answered 422 with every error, and its stored message is marked
``failed`` with them. A valid one is enqueued like any message; ``process`` hands it to
``record_json_documents`` (same actor, same idempotency), which validates again (the stored bytes
are the truth) and records one transaction row, one event and one delivery per connector for each
document, applying the partner's duplicate policy to business keys exactly as the X12 path does.

Each event's ``partner_id`` is forced to the authenticated partner. Event ids are the partner's:
an id already used by another partner, or already used for different content, is an error (the ERP
dedupes on the id, so a changed document under an old id would never reach it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from gateway.canonical import EVENT_ADAPTER, Event
from gateway.errors import DocumentError
from gateway.pipeline.batch_run import ProcessOutcome
from gateway.pipeline.records import Recorder, SetRow
from gateway.store.db import Database
from gateway.store.models import AuditEntry, EventRecord, InboundMessage, utcnow
from gateway.x12.limits import DEFAULT_LIMITS, Limits

JSON_TRANSPORT = "http-json"
JSON_CONTENT_TYPE = "application/json"
MAX_EVENT_ID = 40
"""Length of ``events.id``: a longer id would only fail later, in the database."""
MAX_ERRORS = 200


def is_json_documents(message: InboundMessage) -> bool:
    """Dispatch on the transport, not the content type: an X12 body posted to ``/v1/x12`` with
    ``Content-Type: application/json`` by mistake is still X12."""
    return message.transport == JSON_TRANSPORT


def parse_documents(
    raw: bytes, partner_id: str | None, limits: Limits = DEFAULT_LIMITS
) -> list[Event]:
    """Every event in ``raw``, owned by ``partner_id``; ``DocumentError`` (``json.invalid``) with the
    first ``MAX_ERRORS`` problems in ``context["errors"]`` (``document`` index, ``loc``,
    ``message``, ``type``) and their number in the message. A body of more documents than
    ``limits.max_transactions_per_document`` is refused before any is validated."""
    items = _items(raw)
    most = limits.max_transactions_per_document
    if len(items) > most:
        why = f"{len(items):,} documents, at most {most:,} in one body"
        limit = f"{why} (limit max_transactions_per_document)"
        raise _invalid([_error(None, "documents", limit, "too_many_documents")], len(items))
    events: list[Event] = []
    errors = _Errors()
    seen: set[str] = set()
    for n, item in enumerate(items):
        if isinstance(item, dict):
            item = {**item, "partner_id": partner_id}
        try:
            event = EVENT_ADAPTER.validate_python(item)
        except ValidationError as exc:
            errors.extend(
                _error(n, ".".join(str(p) for p in e["loc"]), e["msg"], e["type"])
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            )
            continue
        if len(event.id) > MAX_EVENT_ID:
            errors.append(_error(n, "id", f"at most {MAX_EVENT_ID} characters", "string_too_long"))
        elif event.id in seen:
            errors.append(_error(n, "id", f"{event.id} appears twice in this body", "duplicate_id"))
        seen.add(event.id)
        events.append(event)
    if errors.found:
        raise _invalid(errors.kept, len(items), errors.found)
    return events


class _Errors:
    """The first ``MAX_ERRORS`` errors of a body, and how many there were."""

    def __init__(self) -> None:
        self.kept: list[dict[str, Any]] = []
        self.found = 0

    def append(self, error: dict[str, Any]) -> None:
        self.found += 1
        if len(self.kept) < MAX_ERRORS:
            self.kept.append(error)

    def extend(self, errors: Iterable[dict[str, Any]]) -> None:
        for error in errors:
            self.append(error)


def check_json_message(
    db: Database, message_id: str, limits: Limits = DEFAULT_LIMITS
) -> DocumentError | None:
    """Validate a stored, not yet processed JSON message now; when invalid, mark it ``failed``
    (committed) and return the error for the caller to answer with."""
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id, with_for_update=True)
        if message is None or message.status != "received":
            return None
        try:
            _checked_events(session, message, limits)
        except DocumentError as exc:
            _fail(session, message, exc)
            return exc
    return None


def record_json_documents(
    session: Session,
    message: InboundMessage,
    recorder: Recorder,
    policy: str,
    checks: frozenset[str] = frozenset({"business_key"}),
    limits: Limits = DEFAULT_LIMITS,
) -> ProcessOutcome:
    """``process`` for a JSON message, inside its transaction (the message row is locked).

    Each document becomes one transaction row (so receipts read alike for X12 and JSON) and its
    event, under the same business-key duplicate rule as X12 sets (``records.Recorder``)."""
    try:
        events = _checked_events(session, message, limits)
    except DocumentError as exc:
        _fail(session, message, exc)
        return ProcessOutcome(message.id, "failed", errors=exc.context.get("errors", []))
    sets = [
        SetRow(
            {
                "interchange_control_number": event.source.interchange_control_number[:20],
                "group_control_number": event.source.group_control_number[:20],
                "ordinal": ordinal,
                "code": event.source.document_type[:6],
                "control_number": event.source.control_number[:20],
                "status": "A",
                "validation": {"syntax": "json", "document": ordinal - 1},
            },
            event,
        )
        for ordinal, event in enumerate(events, 1)
    ]
    message.status = "processed"
    message.processed_at = utcnow()
    message.error = None
    return ProcessOutcome(
        message.id, "processed", recorded=recorder.add_sets(message, sets, policy, checks)
    )


def _items(raw: bytes) -> list[Any]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _invalid([_error(None, "", f"body is not JSON: {exc}", "json_invalid")], 0) from None
    if isinstance(body, dict) and "documents" in body:
        extra = sorted(set(body) - {"documents"})
        items = body["documents"]
        if extra or not isinstance(items, list) or not items:
            message = f"unknown fields {extra}" if extra else "a non-empty list of events"
            raise _invalid([_error(None, "documents", message, "documents_invalid")], 0)
        return items
    return [body]


def _checked_events(
    session: Session, message: InboundMessage, limits: Limits = DEFAULT_LIMITS
) -> list[Event]:
    events = parse_documents(message.raw, message.partner_id, limits)
    errors = []
    for n, event in enumerate(events):
        existing = session.get(EventRecord, event.id)
        if existing is None:
            continue
        if existing.partner_id != message.partner_id:
            errors.append(_error(n, "id", "event id already used; choose another", "id_taken"))
        elif existing.payload != event.model_dump(mode="json"):
            why = f"event id already received (message {existing.message_id}) with other content"
            errors.append(_error(n, "id", why, "id_reused"))
    if errors:
        raise _invalid(errors, len(events))
    return events


def _fail(session: Session, message: InboundMessage, exc: DocumentError) -> None:
    errors = exc.context.get("errors", [])
    message.status = "failed"
    message.error = exc.message[:4000]
    message.processed_at = utcnow()
    message.meta = {**message.meta, "errors": errors[:MAX_ERRORS]}
    session.add(
        AuditEntry(
            actor="worker",
            action="message.failed",
            subject=message.id,
            detail={"error": exc.message[:500], "errors": len(errors)},
        )
    )


def _error(document: int | None, loc: str, message: str, kind: str) -> dict[str, Any]:
    return {
        "code": "json.invalid",
        "document": document,
        "loc": loc,
        "message": message,
        "type": kind,
    }


def _invalid(
    errors: list[dict[str, Any]], documents: int, found: int | None = None
) -> DocumentError:
    count = f"{found or len(errors)} error(s)" + (
        f" in {documents} document(s)" if documents else ""
    )
    first = errors[0]
    where = f"document {first['document']}: " if first["document"] is not None else ""
    where += f"{first['loc']}: " if first["loc"] else ""
    return DocumentError(
        f"{count}; first: {where}{first['message']}",
        code="json.invalid",
        errors=errors[:MAX_ERRORS],
    )
