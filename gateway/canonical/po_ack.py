"""``po_acknowledgment``: the supplier's answer to a purchase order (X12 855, EDIFACT ORDRSP)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase, Party

PoAckStatus = Literal["accepted", "accepted_with_changes", "rejected"]
LineStatus = Literal[
    "accepted",
    "changed",
    "rejected",
    "backordered",
    "partial_shipment",
    "substituted",
    "deleted",
    "on_hold",
]


class LineAcknowledgment(CanonicalModel):
    """One ACK segment: a status for some quantity of the line, possibly with a date."""

    status: LineStatus | None = None
    status_code: str | None = Field(default=None, description="ACK01 as sent.")
    quantity: str | None = None
    uom: str | None = None
    date_qualifier: str | None = Field(default=None, description="ACK04 as sent, e.g. 068.")
    date: str | None = None


class PoAckLine(CanonicalModel):
    line_number: str = Field(description="PO101, else the 1-based position of the line.")
    ordered_quantity: str | None = None
    quantity: str | None = Field(
        default=None, description="Acknowledged quantity: the first ACK02, else the ordered one."
    )
    uom: str | None = None
    unit_price: str | None = None
    product_ids: dict[str, str] = Field(default_factory=dict)
    status: LineStatus | None = None
    status_code: str | None = Field(default=None, description="First ACK01 as sent.")
    schedule_date: str | None = None
    description: str | None = None
    acknowledgments: list[LineAcknowledgment] = Field(default_factory=list)


class PoAcknowledgment(CanonicalModel):
    po_number: str | None = None
    po_date: str | None = None
    status: PoAckStatus | None = None
    status_code: str | None = Field(default=None, description="BAK02 as sent.")
    purpose: str | None = Field(default=None, description="BAK01 as sent.")
    supplier_order_number: str | None = None
    acknowledgment_date: str | None = None
    currency: str | None = None
    parties: list[Party] = Field(default_factory=list)
    lines: list[PoAckLine] = Field(default_factory=list)


class PoAcknowledgmentEvent(EventBase):
    type: Literal["po_acknowledgment"] = "po_acknowledgment"
    document: PoAcknowledgment
