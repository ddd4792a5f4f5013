"""What a supplier is answered: the receipt of a message and its status later on.

Built from the read models (``gateway.queries.views``) with the internals left out: no raw
bytes, no ERP error text, no other partner's anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gateway.queries.views import AckView, MessageView, OutboxDocument, Outcome, TransactionView


def receipt_links(message_id: str, next_after: int | None = None) -> dict[str, str]:
    links = {"self": f"/v1/receipts/{message_id}"}
    if next_after is not None:
        links["next"] = f"/v1/receipts/{message_id}?after={next_after}"
    return links


def outbox_links(item_id: str) -> dict[str, str]:
    return {"raw": f"/v1/outbox/{item_id}", "ack": f"/v1/outbox/{item_id}/ack"}


class ReceiptAccepted(BaseModel):
    """The answer to a POST: the bytes are stored; processing follows."""

    receipt_id: str
    status: str = Field(description="received (will be processed), duplicate or ignored")
    duplicate_of: str | None = None
    duplicate_reason: str | None = None
    links: dict[str, str]


class DeliveryState(BaseModel):
    status: str = Field(description="pending, retrying, delivered or dead")
    attempts: int
    delivered_at: datetime | None


class ReceiptEvent(BaseModel):
    id: str
    type: str
    document_number: str | None
    test: bool = Field(
        description="A test document: validated and acknowledged, kept from the ERP (no deliveries)"
    )
    deliveries: list[DeliveryState]


class Receipt(BaseModel):
    receipt_id: str
    status: str = Field(description="received, processed, duplicate, ignored or failed")
    outcome: Outcome | None = Field(description="For processed messages: how the content fared")
    received_at: datetime
    processed_at: datetime | None
    duplicate_of: str | None
    duplicate_reason: str | None
    errors: list[dict[str, Any]]
    transactions: list[TransactionView] = Field(
        description="One page of the sets (``?after=&limit=``); ``links.next`` is the next page"
    )
    transactions_total: int
    acknowledgments: list[AckView] = Field(
        description="The TA1/997/999 we produced, as EDI text, with their outbox state"
    )
    events: list[ReceiptEvent]
    links: dict[str, str]


class ReceiptSummary(BaseModel):
    receipt_id: str
    status: str
    transport: str
    size: int
    received_at: datetime
    processed_at: datetime | None
    duplicate_of: str | None
    links: dict[str, str]


class ReceiptList(BaseModel):
    receipts: list[ReceiptSummary]


FAILED = {
    "code": "gateway.failed",
    "message": "processing failed on our side; the gateway's operators have been told",
}


def receipt_from(view: MessageView) -> Receipt:
    errors = view.errors or ([FAILED] if view.status == "failed" else [])
    return Receipt(
        receipt_id=view.id,
        status=view.status,
        outcome=view.outcome,
        received_at=view.received_at,
        processed_at=view.processed_at,
        duplicate_of=view.duplicate_of,
        duplicate_reason=view.duplicate_reason,
        errors=errors,
        transactions=view.transactions,
        transactions_total=view.transactions_total,
        acknowledgments=view.acknowledgments,
        events=[
            ReceiptEvent(
                id=e.id,
                type=e.type,
                document_number=e.document_number,
                test=e.test,
                deliveries=[
                    DeliveryState(status=d.status, attempts=d.attempts, delivered_at=d.delivered_at)
                    for d in e.deliveries
                ],
            )
            for e in view.events
        ],
        links=receipt_links(view.id, view.next_after),
    )


class OutboxEntry(BaseModel):
    """A document we sent you (our 997/999/TA1, our 850 purchase orders and 860 changes), to
    fetch and acknowledge."""

    id: str
    kind: str = Field(description="997, 999, TA1, 850, 860")
    status: str = Field(
        description="queued (not fetched yet), sent (fetched), acknowledged (you acked it)"
    )
    content_type: str
    size: int
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    in_reply_to: str | None = Field(description="The receipt id of the message it answers")
    payload: str = Field(description="The document as text (Latin-1); links.raw has its bytes")
    links: dict[str, str]


class OutboxPage(BaseModel):
    items: list[OutboxEntry]
    next_after: str | None = Field(
        description="Pass as ?after= for the next page; null when this page is the last"
    )


def outbox_entry(document: OutboxDocument, status: str | None = None) -> OutboxEntry:
    links = outbox_links(document.id)
    if document.message_id is not None:
        links["receipt"] = receipt_links(document.message_id)["self"]
    return OutboxEntry(
        id=document.id,
        kind=document.kind,
        status=status or document.status,
        content_type=document.content_type,
        size=document.size,
        created_at=document.created_at,
        sent_at=document.sent_at,
        acknowledged_at=document.acknowledged_at,
        in_reply_to=document.message_id,
        payload=document.payload.decode("latin-1"),
        links=links,
    )
