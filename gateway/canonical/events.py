"""The discriminated union of every canonical event, and a reader for events as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from gateway.canonical.functional_ack import FunctionalAckEvent
from gateway.canonical.interchange_ack import InterchangeAckEvent
from gateway.canonical.invoice import InvoiceEvent
from gateway.canonical.po_ack import PoAcknowledgmentEvent
from gateway.canonical.procurement_events import PoOverdueEvent, SupplyDelayEvent
from gateway.canonical.ship_notice import ShipNoticeEvent

Event = Annotated[
    PoAcknowledgmentEvent
    | ShipNoticeEvent
    | InvoiceEvent
    | FunctionalAckEvent
    | InterchangeAckEvent
    | PoOverdueEvent
    | SupplyDelayEvent,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: dict[str, Any] | str | bytes) -> Event:
    """Validate a stored or received event (a dict or JSON text) into its model."""
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)
