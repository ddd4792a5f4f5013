"""Canonical models: strict, frozen, round-trippable through JSON."""

from __future__ import annotations

import pydantic
import pytest

from gateway.canonical import (
    SCHEMA_VERSION,
    AckCounts,
    AcknowledgedGroup,
    FunctionalAck,
    FunctionalAckEvent,
    Source,
    parse_event,
)

SOURCE = Source(
    version="004010",
    document_type="997",
    sender_id="BUYER",
    receiver_id="SUPPLIER",
    interchange_control_number="000000002",
    group_control_number="2",
    control_number="0002",
    test=True,
)


def ack_event() -> FunctionalAckEvent:
    return FunctionalAckEvent(
        id="evt-2",
        source=SOURCE,
        document=FunctionalAck(
            acknowledged_group=AcknowledgedGroup(functional_id="PR", control_number="7"),
            status="accepted",
            counts=AckCounts(included=1, received=1, accepted=1),
        ),
    )


def test_event_carries_the_envelope_facts() -> None:
    data = ack_event().model_dump(mode="json")
    assert data["schema_version"] == SCHEMA_VERSION == "1.0"
    assert data["type"] == "functional_ack"
    assert data["warnings"] == []
    assert data["source"]["syntax"] == "x12"
    assert data["source"]["test"] is True


def test_json_round_trip_picks_the_type_from_the_discriminator() -> None:
    event = ack_event()
    again = parse_event(event.model_dump_json())
    assert isinstance(again, FunctionalAckEvent)
    assert again == event
    assert parse_event(event.model_dump(mode="json")) == event


def test_models_are_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        ack_event().id = "other"  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    data = ack_event().model_dump(mode="json")
    data["document"]["extra"] = 1
    with pytest.raises(pydantic.ValidationError, match="extra"):
        parse_event(data)


def test_unknown_event_type_is_refused() -> None:
    data = ack_event().model_dump(mode="json")
    data["type"] = "purchase_order"
    with pytest.raises(pydantic.ValidationError):
        parse_event(data)
