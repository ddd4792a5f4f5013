"""Events the gateway derives for the ERP from the PO registry (``gateway.procurement``), not
mapped from a supplier's document:

* ``po.functional_ack_overdue``, ``po.ack_overdue``, ``po.ship_notice_overdue``,
  ``po.invoice_overdue``: an SLA timer of the partner's profile ran out (once per PO and timer).
  ``source`` is the 850 we sent for the PO.
* ``supply.delay``: an 855 or 856 moved a PO line past its requested date, for planning.
  ``source`` is that document's.

Suppliers cannot send these (``POST /v1/documents`` refuses them): the gateway sets them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase

OverdueTimer = Literal["functional_ack", "acknowledgement", "ship_notice", "invoice"]
OVERDUE_TYPES: dict[str, str] = {
    "functional_ack": "po.functional_ack_overdue",
    "acknowledgement": "po.ack_overdue",
    "ship_notice": "po.ship_notice_overdue",
    "invoice": "po.invoice_overdue",
}
EXPECTED_DOCUMENT = {
    "functional_ack": "997",
    "acknowledgement": "855",
    "ship_notice": "856",
    "invoice": "810",
}


class PoOverdue(CanonicalModel):
    po_number: str
    timer: OverdueTimer
    expected_document: str = Field(
        description="What the supplier has not sent: 997, 855, 856, 810."
    )
    due_at: str = Field(description="When it was due (ISO 8601, UTC).")
    sent_at: str | None = Field(default=None, description="When we sent the PO (ISO 8601, UTC).")
    po_status: str = Field(description="The PO's status when the timer ran out.")
    message: str = Field(description="One sentence for the buyer.")


class PoOverdueEvent(EventBase):
    type: Literal[
        "po.functional_ack_overdue",
        "po.ack_overdue",
        "po.ship_notice_overdue",
        "po.invoice_overdue",
    ]
    document: PoOverdue


class SupplyDelay(CanonicalModel):
    po_number: str
    line_number: str
    buyer_part_number: str | None = None
    vendor_part_number: str | None = None
    quantity: str | None = Field(default=None, description="What the line now expects.")
    requested_date: str = Field(description="The PO line's requested date (YYYY-MM-DD).")
    new_date: str = Field(description="The date the 855 or 856 gives (YYYY-MM-DD).")
    days_late: int = Field(gt=0)
    document: Literal["855", "856"]
    document_event_id: str = Field(description="The event of the 855 or 856 that moved it.")


class SupplyDelayEvent(EventBase):
    type: Literal["supply.delay"] = "supply.delay"
    document: SupplyDelay


DERIVED_TYPES = frozenset({*OVERDUE_TYPES.values(), "supply.delay"})
"""Event types only the gateway makes."""
