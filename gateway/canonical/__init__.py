"""Canonical supply events: the gateway's contract with the ERP side (pydantic models, no I/O)."""

from gateway.canonical.common import SCHEMA_VERSION, CanonicalModel, EventBase, Party, Source
from gateway.canonical.events import EVENT_ADAPTER, Event, parse_event
from gateway.canonical.functional_ack import (
    AckCounts,
    AckError,
    AcknowledgedGroup,
    AcknowledgedSet,
    AckStatus,
    FunctionalAck,
    FunctionalAckEvent,
)
from gateway.canonical.invoice import (
    AllowanceCharge,
    AllowanceChargeIndicator,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    Tax,
    Terms,
)
from gateway.canonical.po_ack import (
    LineAcknowledgment,
    LineStatus,
    PoAckLine,
    PoAcknowledgment,
    PoAcknowledgmentEvent,
    PoAckStatus,
)
from gateway.canonical.ship_notice import (
    Carrier,
    HierarchyNode,
    HierarchyRole,
    Pack,
    ShipNotice,
    ShipNoticeEvent,
    ShipNoticeLine,
)

__all__ = [
    "EVENT_ADAPTER",
    "SCHEMA_VERSION",
    "AckCounts",
    "AckError",
    "AckStatus",
    "AcknowledgedGroup",
    "AcknowledgedSet",
    "AllowanceCharge",
    "AllowanceChargeIndicator",
    "CanonicalModel",
    "Carrier",
    "Event",
    "EventBase",
    "FunctionalAck",
    "FunctionalAckEvent",
    "HierarchyNode",
    "HierarchyRole",
    "Invoice",
    "InvoiceEvent",
    "InvoiceLine",
    "LineAcknowledgment",
    "LineStatus",
    "Pack",
    "Party",
    "PoAckLine",
    "PoAckStatus",
    "PoAcknowledgment",
    "PoAcknowledgmentEvent",
    "ShipNotice",
    "ShipNoticeEvent",
    "ShipNoticeLine",
    "Source",
    "Tax",
    "Terms",
    "parse_event",
]
