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

Each event's ``partner_id`` is forced to the authenticated partner. Event ids are scoped to the
partner: the id a supplier gives is kept as ``supplier_event_id`` and the event's ``id`` derived
from it and the partner (``scoped_event_id``), so partners can neither collide nor learn each
other's ids. An id already used by the same partner for different content is an error (the ERP
dedupes on the id, so a changed document under an old id would never reach it).

``source.sender_id`` and ``source.receiver_id`` follow the X12 rule (``x12.identities``): one of
the partner's sender ids, one of our ids for it; anything else is an error, as a VAN refuses mail
whose envelope names another mailbox than the one it came from (rewriting it would hide a
sender's misconfiguration, and a document that claims another partner's id must not reach the
ERP at all). Left empty, they are filled in with the partner's main sender id and our (first)
id, as a VAN stamps the mailbox it received from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from gateway.canonical import DERIVED_TYPES, EVENT_ADAPTER, Event
from gateway.errors import DocumentError
from gateway.pipeline.config import DEFAULT_CONFIG, ProcessConfig, partner_profile
from gateway.pipeline.outcome import ProcessOutcome
from gateway.pipeline.records import Hold, Recorder, SetRow, Versions, deliver_all
from gateway.store.db import Database
from gateway.store.models import AuditEntry, EventRecord, InboundMessage, utcnow
from gateway.x12.identities import ExpectedIdentities
from gateway.x12.limits import DEFAULT_LIMITS, Limits

JSON_TRANSPORT = "http-json"
JSON_CONTENT_TYPE = "application/json"
MAX_EVENT_ID = 100
"""Longest id a supplier may give an event (its stored ``id`` is always 36 characters)."""
MAX_ERRORS = 200


def is_json_documents(message: InboundMessage) -> bool:
    """Dispatch on the transport, not the content type: an X12 body posted to ``/v1/x12`` with
    ``Content-Type: application/json`` by mistake is still X12."""
    return message.transport == JSON_TRANSPORT


def scoped_event_id(partner_id: str | None, supplier_event_id: str) -> str:
    """The stored (and delivered) id of a partner's JSON event: the same for the same partner and
    id, never the same for two partners."""
    digest = hashlib.sha256(f"json\x1f{partner_id or ''}\x1f{supplier_event_id}".encode())
    return "evt_" + digest.hexdigest()[:32]


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
        unstorable = [_error(n, loc, "holds a NUL character", "nul") for loc in _nul_paths(item)]
        if unstorable:  # the database cannot hold it: refused here, not at every retry
            errors.extend(unstorable)
            continue
        if isinstance(item, dict):
            item = supplier_shape(item, partner_id)
        try:
            event = EVENT_ADAPTER.validate_python(item)
        except ValidationError as exc:
            errors.extend(
                _error(n, ".".join(str(p) for p in e["loc"]), e["msg"], e["type"])
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            )
            continue
        if event.type in DERIVED_TYPES:  # SLA timers and supply delays: the PO registry's
            errors.append(
                _error(n, "type", f"{event.type} is set by the gateway only", "not_allowed")
            )
            continue
        if event.supersedes is not None:  # only an operator's corrected replay names one
            errors.append(_error(n, "supersedes", "set by the gateway only", "not_allowed"))
        if event.discrepancies:  # the gateway's own check against the PO
            errors.append(_error(n, "discrepancies", "set by the gateway only", "not_allowed"))
        elif len(event.id) > MAX_EVENT_ID:
            errors.append(_error(n, "id", f"at most {MAX_EVENT_ID} characters", "string_too_long"))
        elif event.id in seen:
            errors.append(_error(n, "id", f"{event.id} appears twice in this body", "duplicate_id"))
        seen.add(event.id)
        scoped = scoped_event_id(partner_id, event.id)
        events.append(event.model_copy(update={"id": scoped, "supplier_event_id": event.id}))
    if errors.found:
        raise _invalid(errors.kept, len(items), errors.found)
    return events


SET_OF_TYPE = {
    "po_acknowledgment": "855",
    "ship_notice": "856",
    "invoice": "810",
    "functional_ack": "997",
    "interchange_ack": "TA1",
}
"""The X12 set each supplier event type stands for (``source.document_type`` when not given)."""


def supplier_shape(item: dict[str, Any], partner_id: str | None) -> dict[str, Any]:
    """What a supplier sends, completed with what the gateway assigns: ``partner_id`` always
    (the authenticated one); ``id``, when not given, derived from the document's content (the
    same document sent again is the same event: a duplicate, not a second one); ``source``,
    when not given, the envelope of a JSON document (``version`` ``json``, the set its type
    stands for, the sender and receiver ids filled in as for an empty ``source``)."""
    shaped = {**item, "partner_id": partner_id}
    if "id" not in shaped:
        content = json.dumps(
            {k: v for k, v in item.items() if k != "partner_id"}, sort_keys=True, default=str
        )
        shaped["id"] = "doc-" + hashlib.sha256(content.encode()).hexdigest()[:32]
    if "source" not in shaped and isinstance(item.get("type"), str):
        shaped["source"] = {
            "version": "json",
            "document_type": SET_OF_TYPE.get(item["type"], item["type"][:20]),
            "sender_id": "",
            "receiver_id": "",
            "interchange_control_number": "",
            "group_control_number": "",
            "control_number": "",
        }
    return shaped


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
    db: Database, message_id: str, config: ProcessConfig = DEFAULT_CONFIG
) -> DocumentError | None:
    """Validate a JSON message just stored, and return the error for the caller to answer with.

    An invalid message not yet processed is marked ``failed`` (committed). A re-send stored as a
    duplicate is validated too, and left as it is: the same body gets the same answer each time,
    whatever came before it."""
    with db.transaction() as session:
        message = session.get(InboundMessage, message_id, with_for_update=True)
        if message is None or message.status not in ("received", "duplicate", "ignored"):
            return None
        identities = expected_identities(message.partner_id, config)
        try:
            _checked_events(session, message, identities, config.limits)
        except DocumentError as exc:
            if message.status == "received":
                _fail(session, message, exc)
            return exc
    return None


def record_json_documents(
    session: Session,
    message: InboundMessage,
    recorder: Recorder,
    policy: str,
    checks: frozenset[str] = frozenset({"business_key"}),
    identities: ExpectedIdentities | None = None,
    limits: Limits = DEFAULT_LIMITS,
    hold: Hold = deliver_all,
    versions: Versions = (None, None),
) -> ProcessOutcome:
    """``process`` for a JSON message, inside its transaction (the message row is locked).

    Each document becomes one transaction row (so receipts read alike for X12 and JSON) and its
    event, under the same business-key duplicate rule as X12 sets (``records.Recorder``)."""
    try:
        events = _checked_events(session, message, identities, limits)
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
        message.id,
        "processed",
        recorded=recorder.add_sets(message, sets, policy, checks, hold, versions),
    )


def _nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where ``value`` (decoded JSON) holds a NUL, in a key or a string, as dotted paths."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                yield where
            yield from _nul_paths(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


MAX_JSON_CONTAINERS = 100_000
"""Objects and arrays one body may hold: a thousand events of the canonical schema are far below;
``[{},{},...]`` in 20 MB would make seven million dicts (about 450 MB) before anything could look."""
MAX_JSON_VALUES = 1_000_000
"""Values (counted by their separators) one body may hold, for the same reason."""


def _too_big(raw: bytes) -> str | None:
    """Why ``raw`` must not be parsed: counted on the bytes (a bound: brackets and commas inside
    strings count too), before ``json.loads`` builds a single object."""
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_JSON_CONTAINERS:
        return f"body has more than {MAX_JSON_CONTAINERS:,} JSON objects and arrays (limit)"
    if raw.count(b",") >= MAX_JSON_VALUES:
        return f"body has more than {MAX_JSON_VALUES:,} JSON values (limit)"
    return None


def _items(raw: bytes) -> list[Any]:
    if (why := _too_big(raw)) is not None:
        raise _invalid([_error(None, "", why, "json_limit")], 0)
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


def expected_identities(partner_id: str | None, config: ProcessConfig) -> ExpectedIdentities | None:
    profile = partner_profile(partner_id, config)
    return profile.expected_identities(config.our_ids) if profile is not None else None


def stamp_identities(
    events: list[Event], identities: ExpectedIdentities
) -> tuple[list[Event], list[dict[str, Any]]]:
    """The events with empty ``source`` ids filled in, and an error per id that is not allowed
    (see the module docstring)."""
    senders = [s.id for s in identities.senders]
    receivers = [r.id for r in identities.receivers]
    stamped: list[Event] = []
    errors: list[dict[str, Any]] = []
    for n, event in enumerate(events):
        source = event.source
        sender = source.sender_id or (senders[0] if senders else "")
        receiver = source.receiver_id or (receivers[0] if receivers else "")
        if sender not in senders:
            why = f"{sender!r} is not your sender id (expected one of: {', '.join(senders)})"
            errors.append(_error(n, "source.sender_id", why, "identity"))
        if receiver not in receivers:
            why = f"{receiver!r} is not one of our ids (expected one of: {', '.join(receivers)})"
            errors.append(_error(n, "source.receiver_id", why, "identity"))
        if (sender, receiver) != (source.sender_id, source.receiver_id):
            source = source.model_copy(update={"sender_id": sender, "receiver_id": receiver})
            event = event.model_copy(update={"source": source})
        stamped.append(event)
    return stamped, errors


def _checked_events(
    session: Session,
    message: InboundMessage,
    identities: ExpectedIdentities | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Event]:
    events = parse_documents(message.raw, message.partner_id, limits)
    errors: list[dict[str, Any]] = []
    if identities is not None:
        events, errors = stamp_identities(events, identities)
    for n, event in enumerate(events):
        existing = session.get(EventRecord, event.id)
        if existing is None:
            continue
        if existing.payload != event.model_dump(mode="json"):
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
