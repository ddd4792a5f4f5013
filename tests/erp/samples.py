"""Sample canonical events: every demo-supplier sample document, translated."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import get_args

from gateway.canonical import (
    OVERDUE_TYPES,
    Event,
    PoAcknowledgmentEvent,
    PoOverdue,
    PoOverdueEvent,
    SupplyDelay,
    SupplyDelayEvent,
)
from gateway.canonical.procurement_events import EXPECTED_DOCUMENT
from gateway.pipeline.sla import overdue_event_id
from gateway.pipeline.translate import translate_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"
EVENT_TYPES = frozenset(
    name
    for cls in get_args(get_args(Event)[0])
    for name in get_args(cls.model_fields["type"].annotation)
)
"""Every ``type`` of the canonical ``Event`` union, read from the union itself."""


@cache
def sample_events() -> tuple[Event, ...]:
    events: list[Event] = []
    for path in sorted(SAMPLES.glob("*.edi")):
        events.extend(translate_bytes(path.read_bytes(), "demo-supplier").documents)
    events.extend(translate_bytes(TA1_FROM_PARTNER, "demo-supplier").documents)
    return (*events, *derived_events(events))


TA1_FROM_PARTNER = (
    b"ISA*00*          *00*          *ZZ*DEMOSUPPLIER   *ZZ*GATEWAYBUYER   *261204*1015*U*00401*"
    b"000000501*0*P*>~TA1*000000041*261204*0930*R*006~IEA*0*000000501~"
)
"""The demo supplier's TA1 rejecting one of our interchanges: an ``interchange_ack`` event."""


def derived_events(mapped: list[Event]) -> list[Event]:
    """What the PO registry raises itself (``gateway.pipeline.sla``, ``registry.observe``):
    one overdue event per timer and a supply delay, for PO 4500012345 of the samples."""
    ack = next(e for e in mapped if isinstance(e, PoAcknowledgmentEvent))
    events: list[Event] = []
    for timer, event_type in OVERDUE_TYPES.items():
        events.append(
            PoOverdueEvent(
                id=overdue_event_id("demo-supplier", "4500012345", timer),
                partner_id="demo-supplier",
                type=event_type,
                source=ack.source.model_copy(update={"document_type": "850"}),
                document=PoOverdue(
                    po_number="4500012345",
                    timer=timer,
                    expected_document=EXPECTED_DOCUMENT[timer],
                    due_at="2026-11-12T09:30:00+00:00",
                    sent_at="2026-11-10T09:30:00+00:00",
                    po_status="sent",
                    message=f"Supplier demo-supplier: {timer} overdue for PO 4500012345.",
                ),
            )
        )
    events.append(
        SupplyDelayEvent(
            id="evt_" + "d" * 32,
            partner_id="demo-supplier",
            source=ack.source,
            document=SupplyDelay(
                po_number="4500012345",
                line_number="2",
                buyer_part_number="ELC-20417",
                quantity="800",
                requested_date="2026-11-20",
                new_date="2026-11-27",
                days_late=7,
                document="855",
                document_event_id=ack.id,
            ),
        )
    )
    return events


def sample_of(event_type: str) -> Event:
    return next(e for e in sample_events() if e.type == event_type)


def one_of_each_type() -> list[Event]:
    return [sample_of(t) for t in sorted(EVENT_TYPES)]
