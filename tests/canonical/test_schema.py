"""The committed JSON Schema matches the models, and events validate against it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from gateway.canonical import (
    InvoiceEvent,
    PoAckLine,
    PoAcknowledgment,
    PoAcknowledgmentEvent,
    Source,
)
from gateway.canonical.schema import SCHEMA_PATH, json_schema, render

SOURCE = Source(
    version="004010",
    document_type="855",
    sender_id="SUPPLIER",
    receiver_id="BUYER",
    interchange_control_number="000000001",
    group_control_number="1",
    control_number="0001",
)


def sample_event() -> dict[str, Any]:
    event = PoAcknowledgmentEvent(
        id="evt-1",
        partner_id="acme-fasteners",
        source=SOURCE,
        document=PoAcknowledgment(
            po_number="PO-1",
            status="accepted",
            status_code="AD",
            lines=[PoAckLine(line_number="1", quantity="2", product_ids={"upc": "0123"})],
        ),
    )
    return event.model_dump(mode="json")


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_up_to_date() -> None:
    # when the schema is generated from the models, then it equals the committed file byte for byte
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "run: python -m gateway.canonical.schema"
    )


def test_schema_covers_every_event_type() -> None:
    mapping = json_schema()["discriminator"]["mapping"]
    assert sorted(mapping) == [
        "functional_ack",
        "interchange_ack",
        "invoice",
        "po.ack_overdue",
        "po.functional_ack_overdue",
        "po.invoice_overdue",
        "po.ship_notice_overdue",
        "po_acknowledgment",
        "ship_notice",
        "supply.delay",
    ]


def test_sample_event_validates() -> None:
    validator().validate(sample_event())


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda e: e.pop("source"), "source"),
        (lambda e: e["document"].update(status="maybe"), "status"),
        (lambda e: e.update(colour="red"), "colour"),
        (lambda e: e["document"]["lines"][0].pop("uom"), "uom"),
    ],
)
def test_schema_rejects_broken_events(change: Any, path: str) -> None:
    # given a valid event broken in one place
    event = sample_event()
    change(event)
    # then the schema refuses it
    errors = list(validator().iter_errors(event))
    assert errors
    assert any(path in message for message in _messages(errors))


def _messages(errors: list[jsonschema.ValidationError]) -> list[str]:
    """Every message in the error tree (``oneOf`` nests the per-branch errors in ``context``)."""
    out: list[str] = []
    for error in errors:
        out.append(error.message)
        out.extend(_messages(list(error.context or [])))
    return out


def test_every_field_is_required_in_the_emitted_json() -> None:
    invoice = json_schema()["$defs"]["InvoiceEvent"]
    # The exceptions: ``supersedes``, present on corrections only (``replay --repost``), and
    # ``discrepancies``, present only when the event differs from its PO.
    optional = {"supersedes", "discrepancies"}
    assert set(invoice["required"]) == set(InvoiceEvent.model_fields) - optional
