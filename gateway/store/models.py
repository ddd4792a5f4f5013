"""The gateway's tables (SQLAlchemy 2). SQLite is the embedded default, PostgreSQL production.

Raw payloads are kept byte for byte (``inbound_messages.raw``) and written in the same transaction
as their metadata, before anything is acknowledged. Everything downstream (interchanges,
transactions, events, deliveries, acknowledgements) can be rebuilt from them, which is what
replay does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gateway.store.types import StoredString, StoredText


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """A mapped class's Core ``Table``: hot paths use bulk Core statements, without the ORM's
    per-row bookkeeping."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(StoredString(63), primary_key=True)
    name: Mapped[str] = mapped_column(StoredString(200))
    status: Mapped[str] = mapped_column(StoredString(20))
    """draft | testing | live | suspended (``gateway.partners.STATUSES``), or removed (its profile
    is gone); changed only through ``gateway.lifecycle``, audited."""
    isa_qualifier: Mapped[str] = mapped_column(StoredString(2))
    isa_id: Mapped[str] = mapped_column(StoredString(15))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("isa_qualifier", "isa_id", name="uq_partner_isa"),)


class PartnerKey(Base):
    """A partner's API key, stored hashed. A partner may hold several at once (rotation: the new
    one is issued, the supplier switches, the old one is revoked)."""

    __tablename__ = "partner_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    key_hash: Mapped[str] = mapped_column(StoredString(128), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(StoredString(12))
    """The key's first characters: enough for people to tell keys apart, never to use one."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Updated at most once a minute per key (``PartnerKeys``)."""


class InboundMessage(Base):
    """Bytes exactly as a partner sent them, with where they came from."""

    __tablename__ = "inbound_messages"

    id: Mapped[str] = mapped_column(StoredString(40), primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), index=True)
    transport: Mapped[str] = mapped_column(StoredString(20))
    transport_message_id: Mapped[str | None] = mapped_column(StoredString(255))
    content_type: Mapped[str] = mapped_column(StoredString(100), default="application/edi-x12")
    content_sha256: Mapped[str] = mapped_column(StoredString(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    """A worker loads messages without it (``store.raw_bodies.WITHOUT_BODY``) and streams it."""
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(StoredString(20), default="received", index=True)
    """received -> processed | failed | duplicate | ignored | cancelled (by an operator); refused:
    a transport kept it but could not open it (AS2: decryption or signature failed)."""
    duplicate_of: Mapped[str | None] = mapped_column(StoredString(40))
    duplicate_reason: Mapped[str | None] = mapped_column(StoredString(200))
    error: Mapped[str | None] = mapped_column(StoredText())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recoveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Start-up sweeps that found it unfinished: a message that stops its worker every time is
    given up (``failed``) after ``recovery_limit`` of them (``pipeline.sweep``)."""
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_inbound_transport_id", "partner_id", "transport", "transport_message_id"),
        Index("ix_inbound_received_at", "received_at"),  # the console's tracker, newest first
    )


class InterchangeRecord(Base):
    __tablename__ = "interchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[str] = mapped_column(StoredString(35))
    receiver_id: Mapped[str] = mapped_column(StoredString(35))
    control_number: Mapped[str] = mapped_column(StoredString(20))
    test: Mapped[bool] = mapped_column(default=False)
    ta1_status: Mapped[str] = mapped_column(StoredString(1))
    ta1_code: Mapped[str] = mapped_column(StoredString(3))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_interchange_control", "sender_id", "receiver_id", "control_number"),
    )


class TransactionRecord(Base):
    __tablename__ = "transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    interchange_control_number: Mapped[str] = mapped_column(StoredString(20), index=True)
    group_control_number: Mapped[str] = mapped_column(StoredString(20), index=True)
    """ISA13 and GS06: indexed for the console's search by control number."""
    ordinal: Mapped[int] = mapped_column(Integer)
    """Position of the set in its message (1-based): replay picks one set by it."""
    code: Mapped[str] = mapped_column(StoredString(6))
    control_number: Mapped[str] = mapped_column(StoredString(20))
    status: Mapped[str] = mapped_column(StoredString(1), index=True)
    """A, E or R; indexed for the console's exception workbench (rejected sets, newest first)."""
    business_key: Mapped[str] = mapped_column(StoredString(80), default="", index=True)
    group_key: Mapped[str] = mapped_column(
        StoredString(80), default="", server_default="", index=True
    )
    """``GS02|GS03|GS06`` of its group (empty for JSON documents): the GS06 duplicate layer."""
    control_key: Mapped[str] = mapped_column(
        StoredString(120), default="", server_default="", index=True
    )
    """``group_key|ST01|ST02``: the ST02 duplicate layer."""
    event_id: Mapped[str | None] = mapped_column(StoredString(40))
    duplicate_of: Mapped[str | None] = mapped_column(StoredString(40))
    validation: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (UniqueConstraint("message_id", "ordinal", name="uq_transaction_ordinal"),)


class EventRecord(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(StoredString(40), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    """The message it was mapped from; None for an event the gateway raised itself (an SLA
    timer, ``gateway.pipeline.sla``)."""
    partner_id: Mapped[str | None] = mapped_column(StoredString(63), index=True)
    type: Mapped[str] = mapped_column(StoredString(40))
    document_number: Mapped[str | None] = mapped_column(StoredString(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column()
    flagged_duplicate_of: Mapped[str | None] = mapped_column(StoredString(40))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    test: Mapped[bool] = mapped_column(default=False, server_default=false())
    """A test document, kept from the ERP: no delivery rows, ever (``partners.holds_from_erp``:
    its partner was not live, or it came in an ISA15=T interchange under ``test_indicator:
    hold``). It counts for the partner's certification (``gateway.certification``)."""
    profile_version: Mapped[str | None] = mapped_column(StoredString(12))
    """The partner profile it was made with: sha256[:12] of the file (``partners.profile_version``)."""
    map_version: Mapped[str | None] = mapped_column(StoredString(12))
    """The maps it was made with: sha256[:12] over every map file that applies to the partner
    (``mapping.loader.map_version``; ``map_versions`` keeps their text)."""
    supersedes: Mapped[str | None] = mapped_column(StoredString(40), index=True)
    """A correction (``replay --repost``): the delivered event this one replaces at the ERP."""
    superseded_by: Mapped[str | None] = mapped_column(StoredString(40))
    """The correction that replaced this event at the ERP, if any."""

    __table_args__ = (
        # A partner's test documents (its certification checklist) without reading its live ones.
        Index(
            "ix_events_partner_test",
            "partner_id",
            postgresql_where=text("test"),
            sqlite_where=text("test"),
        ),
    )


class MapVersion(Base):
    """Every version of a partner's maps a gateway process has loaded, with the files' text, so
    a later one can be compared with it (``gateway partners test``)."""

    __tablename__ = "map_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(StoredString(63))
    version: Mapped[str] = mapped_column(StoredString(12))
    files: Mapped[dict[str, Any]] = mapped_column()
    """Path under the maps directory (``base/x12-856.yaml``) -> the file's text."""
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("partner_id", "version", name="uq_map_version"),)


class EventRevision(Base):
    """Earlier payloads of an event, kept when a replay (after a map change) replaced them."""

    __tablename__ = "event_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column()
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """One event to one ERP connector: attempts, state and the ERP's answer."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    connector: Mapped[str] = mapped_column(StoredString(40))
    status: Mapped[str] = mapped_column(StoredString(20), default="pending", index=True)
    """pending -> delivered | retrying -> delivered | dead."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(StoredText())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(StoredText())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("event_id", "connector", name="uq_delivery_event"),)


class Acknowledgment(Base):
    """A TA1/997/999 we produced (direction ``out``) or a partner's ack of ours (``in``).

    What it acknowledges and its text; getting it to the partner is the outbox's job: an
    outgoing ack for a known partner references its ``OutboxItem`` (``outbox_id``), which holds
    the bytes sent and the delivery state. ``status`` is ``outbox`` then (the receipt shows the
    item's state), ``not_sent`` for one no outbox item carries (recorded before the outbox
    existed, or for a message without a partner)."""

    __tablename__ = "acknowledgments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    partner_id: Mapped[str | None] = mapped_column(StoredString(63), index=True)
    direction: Mapped[str] = mapped_column(StoredString(3))
    kind: Mapped[str] = mapped_column(StoredString(4))
    edi: Mapped[str] = mapped_column(StoredText())
    status: Mapped[str] = mapped_column(StoredString(20), default="not_sent")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outbox_id: Mapped[str | None] = mapped_column(ForeignKey("outbox.id"), index=True)


class OutboxItem(Base):
    """One document for a partner (our 997/999/TA1 now, 850s later) and its delivery state.

    ``queued`` -> ``sent`` -> ``acknowledged``, or ``failed`` (attempts exhausted, a permanent
    error, a negative receipt); an operator's retry puts a failed or unacknowledged item back to
    ``queued``. ``transport`` is the one that delivers it, from the partner's profile
    (``transports.outbound``) when the item was made: ``http`` holds it for the partner to
    fetch (``GET /v1/outbox``), a push transport (AS2, SFTP) gets it from the ``send_outbound``
    worker (``pipeline.send``). ``payload`` holds the exact bytes sent."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(StoredString(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(StoredString(20))
    transport: Mapped[str] = mapped_column(StoredString(20))
    content_type: Mapped[str] = mapped_column(StoredString(100))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    """The inbound message it answers (acknowledgements), if any."""
    status: Mapped[str] = mapped_column(StoredString(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Send attempts since it was (re)queued; every attempt ever is in ``outbox_attempts``."""
    last_error: Mapped[str | None] = mapped_column(StoredText())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """A push item waiting for its retry: not sent before this (the sweep respects it)."""
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    target_url: Mapped[str | None] = mapped_column(StoredString(2048))
    """Where this item goes when not to the partner's configured address: an asynchronous MDN
    to the URL its message named (``Receipt-Delivery-Option``)."""
    headers: Mapped[dict[str, Any] | None] = mapped_column()
    """Headers it must go with (an MDN's MIME headers), name -> value."""

    __table_args__ = (
        Index("ix_outbox_partner_status", "partner_id", "status", "created_at"),
        Index("ix_outbox_status_transport", "status", "transport"),
    )


class OutboxAttempt(Base):
    """One try at sending an outbox item: started (committed) before the transport is called,
    finished with its result after. One left ``started`` means the worker stopped in between:
    the item is sent again by a new attempt (the receiver dedupes by message id or ISA13)."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("outbox.id"), index=True)
    transport: Mapped[str] = mapped_column(StoredString(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(StoredString(20), default="started")
    """started -> sent | held | acknowledged | retry | failed | interrupted."""
    error: Mapped[str | None] = mapped_column(StoredText())
    transport_message_id: Mapped[str | None] = mapped_column(StoredString(255))
    """The transport's id for what it sent (AS2 Message-ID): a later receipt finds it by this."""
    detail: Mapped[str | None] = mapped_column(StoredText())

    __table_args__ = (Index("ix_outbox_attempt_transport_id", "transport", "transport_message_id"),)


class ControlCounter(Base):
    """Our outbound control numbers (ISA13, GS06) per partner: never reused."""

    __tablename__ = "control_counters"

    name: Mapped[str] = mapped_column(StoredString(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEntry(Base):
    """What needs a trail beyond the rows themselves: duplicates, failures, dead letters and every
    operator action (replay, retry, keys). Routine flow is in the rows' own timestamps
    (``received_at``, ``processed_at``, ``delivered_at``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(StoredString(80))
    action: Mapped[str] = mapped_column(StoredString(80))
    subject: Mapped[str] = mapped_column(StoredString(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StaffMember(Base):
    """A person who uses the console or the operator API (``gateway.staff``): a role, a password
    (argon2), disabled rather than deleted so the audit log's names stay meaningful."""

    __tablename__ = "staff"

    username: Mapped[str] = mapped_column(StoredString(63), primary_key=True)
    role: Mapped[str] = mapped_column(StoredString(20))
    """admin | onboarding | procurement | operator | viewer (``gateway.staff.roles``)."""
    password_hash: Mapped[str] = mapped_column(StoredString(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffIdentity(Base):
    """A staff member as an OpenID Connect provider knows them: linked by (issuer, subject),
    never by e-mail or name, so a provider account cannot take over a local one."""

    __tablename__ = "staff_identities"

    issuer: Mapped[str] = mapped_column(StoredString(255), primary_key=True)
    subject: Mapped[str] = mapped_column(StoredString(255), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffToken(Base):
    """A personal API token for staff scripts: ``/ops`` with its owner's role. Stored hashed
    (SHA-256: the token is 32 random bytes, nothing to guess), shown once."""

    __tablename__ = "staff_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff.username"), index=True)
    token_hash: Mapped[str] = mapped_column(StoredString(64), unique=True)
    prefix: Mapped[str] = mapped_column(StoredString(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A console login: the cookie holds the random id, the table its SHA-256, so a database
    dump opens no session. Logout and disabling the member end it at once."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(StoredString(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff.username"), index=True)
    csrf_token: Mapped[str] = mapped_column(StoredString(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(StoredString(100), default="")


class SftpAccount(Base):
    """What our hosted SFTP server saw of a partner's account (``transports.sftp``): its last
    login, the files it handed in and what it was refused, for ``gateway sftp accounts`` and
    ``GET /ops/sftp/accounts``. Counters only grow; a row appears at the first login attempt."""

    __tablename__ = "sftp_accounts"

    partner_id: Mapped[str] = mapped_column(StoredString(63), primary_key=True)
    username: Mapped[str] = mapped_column(StoredString(64))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_from: Mapped[str | None] = mapped_column(StoredString(64))
    logins: Mapped[int] = mapped_column(Integer, default=0)
    files_received: Mapped[int] = mapped_column(Integer, default=0)
    bytes_received: Mapped[int] = mapped_column(BigInteger, default=0)
    last_file_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    auth_failures: Mapped[int] = mapped_column(Integer, default=0)
    quota_failures: Mapped[int] = mapped_column(Integer, default=0)
    traversal_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str | None] = mapped_column(StoredString(500))
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PartnerPoll(Base):
    """The SFTP poller of a partner's server (``transports.sftp.poller``): the lease that lets
    one worker poll it at a time, and what the polls saw, for ``gateway sftp polls`` and
    ``GET /ops/sftp/polls``."""

    __tablename__ = "partner_polls"

    partner_id: Mapped[str] = mapped_column(StoredString(63), primary_key=True)
    lease_owner: Mapped[str | None] = mapped_column(StoredString(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    polls: Mapped[int] = mapped_column(Integer, default=0)
    files_seen: Mapped[int] = mapped_column(Integer, default=0)
    files_taken: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error_kind: Mapped[str | None] = mapped_column(StoredString(20))
    last_error: Mapped[str | None] = mapped_column(StoredString(500))
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RemoteFile(Base):
    """A file on a partner's server as the poller saw it: its size and mtime since when (the
    ``stable`` completion), and once taken its digest and the message it became (a crash
    before the remote delete is then recognised on the next poll)."""

    __tablename__ = "remote_files"

    partner_id: Mapped[str] = mapped_column(StoredString(63), primary_key=True)
    path: Mapped[str] = mapped_column(StoredString(500), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[int] = mapped_column(BigInteger)
    stable_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str | None] = mapped_column(StoredString(64))
    message_id: Mapped[str | None] = mapped_column(StoredString(40))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PurchaseOrderRecord(Base):
    """A purchase order the ERP published (``gateway.procurement``): its last revision, and the
    state computed from every document linked to it."""

    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(StoredString(63))
    po_number: Mapped[str] = mapped_column(StoredString(40))
    revision: Mapped[str] = mapped_column(StoredString(64))
    status: Mapped[str] = mapped_column(StoredString(32))
    """open | sent | acknowledged | acknowledged_with_changes | rejected | backordered |
    partially_shipped | shipped | partially_invoiced | invoiced | closed | cancelled."""
    order_date: Mapped[str | None] = mapped_column(StoredString(10))
    currency: Mapped[str | None] = mapped_column(StoredString(3))
    body: Mapped[dict[str, Any]] = mapped_column()
    """The canonical ``purchase_order`` as published."""
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invoiced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discrepancy_count: Mapped[int] = mapped_column(Integer, default=0)
    sla_due: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Running SLA timers: timer -> ISO time it runs out (``gateway.procurement.sla``)."""
    sla_fired: Mapped[list[Any] | None] = mapped_column(JSON)
    """Timers whose overdue event was raised (once per PO and timer)."""
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """The earliest running timer: the PO is overdue once this has passed."""
    next_fire_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """The earliest running timer whose event is not raised yet: what the sweep looks for."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("partner_id", "po_number", name="uq_purchase_order"),
        Index("ix_purchase_orders_next_due_at", "next_due_at"),
        Index("ix_purchase_orders_next_fire_at", "next_fire_at"),
        Index("ix_purchase_orders_po_number", "po_number"),
        Index("ix_purchase_orders_status", "status"),
        Index("ix_purchase_orders_order_date", "order_date"),
        Index("ix_purchase_orders_partner_status", "partner_id", "status"),
    )


class PurchaseOrderLineRecord(Base):
    __tablename__ = "purchase_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[str] = mapped_column(StoredString(20))
    status: Mapped[str] = mapped_column(StoredString(32))
    state: Mapped[dict[str, Any]] = mapped_column()
    """Ordered, acknowledged, shipped and invoiced quantities, prices and dates (decimal strings)."""

    __table_args__ = (UniqueConstraint("purchase_order_id", "line_number", name="uq_po_line"),)


class PoDocument(Base):
    """A supplier document (its event) that names a PO: linked when the PO is known, held
    (``linked`` false) until the ERP publishes it. ``lines`` keeps what the document says of each
    line, so the PO's state can be computed again whatever order documents arrive in."""

    __tablename__ = "po_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(StoredString(63))
    po_number: Mapped[str] = mapped_column(StoredString(40))
    event_id: Mapped[str] = mapped_column(StoredString(40), index=True)
    message_id: Mapped[str] = mapped_column(StoredString(40))
    kind: Mapped[str] = mapped_column(StoredString(20))
    """855, 856, 810, 997 (or the JSON event's type)."""
    document_number: Mapped[str | None] = mapped_column(StoredString(80))
    status: Mapped[str | None] = mapped_column(StoredString(32))
    lines: Mapped[list[Any]] = mapped_column()
    linked: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("event_id", "po_number", name="uq_po_document"),
        Index("ix_po_documents_po", "partner_id", "po_number"),
    )


class PoTransmission(Base):
    """An 850 or 860 we sent a supplier for a PO revision (``gateway.pipeline.purchase_orders``):
    its outbox item and control numbers, by which the supplier's 997/999 is matched to it."""

    __tablename__ = "po_transmissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(StoredString(63))
    po_number: Mapped[str] = mapped_column(StoredString(40))
    revision: Mapped[str] = mapped_column(StoredString(64))
    kind: Mapped[str] = mapped_column(StoredString(3))
    """850 or 860."""
    outbox_id: Mapped[str] = mapped_column(StoredString(40))
    interchange_control: Mapped[str] = mapped_column(StoredString(9))
    group_control: Mapped[str] = mapped_column(StoredString(9))
    set_control: Mapped[str] = mapped_column(StoredString(9))
    body: Mapped[dict[str, Any]] = mapped_column()
    """The canonical PO as this transmission carried it: what the next 860 is computed from."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_po_transmissions_po", "partner_id", "po_number"),
        Index("ix_po_transmissions_group", "partner_id", "group_control"),
    )


class PoDiscrepancy(Base):
    __tablename__ = "po_discrepancies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str | None] = mapped_column(StoredString(40), index=True)
    line_number: Mapped[str | None] = mapped_column(StoredString(20))
    kind: Mapped[str] = mapped_column(StoredString(40))
    severity: Mapped[str] = mapped_column(StoredString(10))
    message: Mapped[str] = mapped_column(StoredText())
