"""The read models: what every surface shows of stored work (pydantic, so ``/docs`` is exact).

The operator views show everything the store holds; the supplier's receipt
(``transports.http.schemas.Receipt``) is built from the same views with the internals left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

MessageStatus = Literal[
    "received", "processed", "failed", "duplicate", "ignored", "cancelled", "refused"
]
DeliveryStatus = Literal["pending", "retrying", "delivered", "dead"]
Outcome = Literal["accepted", "accepted_with_errors", "partially_accepted", "rejected"]
OutboxStatus = Literal["queued", "sent", "acknowledged", "failed"]


class DeliveryView(BaseModel):
    id: int
    connector: str
    status: str = Field(description="pending -> delivered | retrying -> delivered | dead")
    attempts: int
    last_error: str | None
    last_status_code: int | None
    updated_at: datetime
    delivered_at: datetime | None


class EventSummary(BaseModel):
    id: str
    type: str
    document_number: str | None
    partner_id: str | None
    message_id: str
    revision: int
    flagged_duplicate_of: str | None
    test: bool = Field(
        description="A test document (partner not live, or ISA15=T under test_indicator: hold): "
        "stored and acknowledged, never posted to the ERP"
    )
    profile_version: str | None = Field(
        None, description="The partner profile it was made with (sha256[:12] of the file)"
    )
    map_version: str | None = Field(
        None, description="The maps it was made with (sha256[:12] over the partner's map files)"
    )
    supersedes: str | None = Field(
        None, description="A correction (replay --repost): the delivered event it replaces"
    )
    superseded_by: str | None = Field(None, description="The correction that replaced it")


class EventView(EventSummary):
    deliveries: list[DeliveryView]


class TransactionView(BaseModel):
    """One transaction set (X12) or one JSON document, and what validation found."""

    id: int = Field(description="For POST /ops/transactions/{id}/replay")
    ordinal: int
    code: str = Field(
        description="ST01 (855, 856, 810...) or the JSON event's source.document_type"
    )
    control_number: str
    interchange_control_number: str
    group_control_number: str
    status: str = Field(description="A accepted, E accepted with errors, R rejected")
    business_key: str
    event_id: str | None
    duplicate_of: str | None = Field(
        description="The earlier event (or message) this set duplicates, by ``duplicate``"
    )
    duplicate: dict[str, str] | None = Field(
        default=None,
        description="Why: the layer (st02, gs06, business_key), what it duplicates and a reason",
    )
    set_codes: list[str]
    errors: list[dict[str, Any]] = Field(description="Segment errors with their element errors")
    notes: list[str]


class InterchangeView(BaseModel):
    ordinal: int
    sender_id: str
    receiver_id: str
    control_number: str
    test: bool
    ta1_status: str
    ta1_code: str
    messages: list[str]
    warnings: list[str]


class AckView(BaseModel):
    kind: str = Field(description="TA1, 997 or 999")
    edi: str
    status: str = Field(
        description="Its outbox item's: queued, sent, acknowledged or failed; not_sent when it "
        "has none (recorded before the outbox existed)"
    )
    created_at: datetime
    outbox_id: str | None = Field(None, description="Its item in the outbox (GET /v1/outbox)")


class OutboxItemView(BaseModel):
    """One document for a partner (our 997/999/TA1, later 850s) and its delivery state."""

    id: str
    partner_id: str
    kind: str = Field(description="997, 999, TA1, 850...")
    transport: str = Field(description="http: the partner fetches it; as2, sftp...: pushed")
    content_type: str
    size: int
    message_id: str | None = Field(description="The inbound message it answers, if any")
    status: str = Field(description="queued -> sent -> acknowledged, or failed")
    attempts: int = Field(description="Send attempts since it was (re)queued")
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    target_url: str | None = Field(
        None, description="Where it goes instead of the partner's address (an async MDN's URL)"
    )


class OutboxAttemptView(BaseModel):
    id: int
    transport: str
    started_at: datetime
    finished_at: datetime | None
    result: str = Field(
        description="started, sent, held, acknowledged, retry, failed or interrupted"
    )
    error: str | None
    transport_message_id: str | None = Field(description="e.g. the AS2 Message-ID")
    detail: str | None


class OutboxItemDetail(OutboxItemView):
    history: list[OutboxAttemptView] = Field(description="Every send attempt, oldest first")


class OutboxDocument(OutboxItemView):
    """An item with its bytes, for the partner that fetches it."""

    payload: bytes


class MessageSummary(BaseModel):
    id: str
    partner_id: str | None
    transport: str
    transport_message_id: str | None
    status: str
    size: int
    received_at: datetime
    processed_at: datetime | None
    duplicate_of: str | None


class MessageView(MessageSummary):
    content_type: str
    sha256: str
    attempts: int
    outcome: Outcome | None = Field(description="For processed messages: how the content fared")
    duplicate_reason: str | None
    error: str | None = Field(description="Why processing failed (status failed)")
    errors: list[dict[str, Any]] = Field(description="Document errors found while processing")
    meta: dict[str, Any]
    interchanges: list[InterchangeView]
    transactions: list[TransactionView] = Field(
        description="One page of the message's transaction sets (``after``/``limit``)"
    )
    transactions_total: int
    next_after: int | None = Field(
        description="Pass as ``after`` for the next page of sets; null on the last page"
    )
    events: list[EventView] = Field(description="The events of this page's sets")
    acknowledgments: list[AckView]


class DeadLetter(BaseModel):
    delivery: DeliveryView
    event: EventSummary


class Stats(BaseModel):
    messages: dict[str, int]
    deliveries: dict[str, int]
