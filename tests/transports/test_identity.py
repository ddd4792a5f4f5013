"""Sender identity over the HTTP API: the matrix of ``tests/identity_matrix.py``, authenticated by
the demo partner's API key; and the same rule for JSON documents (``POST /v1/documents``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.erp.memory import MemoryErpConnector
from gateway.pipeline.json_documents import scoped_event_id
from tests.identity_matrix import (
    CASES,
    IDS,
    MATRIX_OUR_IDS,
    Case,
    Channel,
    check_case,
    matrix_partners,
)
from tests.transports.harness import (
    DEMO_KEY,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    sample_event,
    settings_for,
)


@pytest.fixture
def identity_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """Both demo partners keyed, the demo partner with a second sender id, two ids of ours."""
    settings = settings_for(
        tmp_path, partners_dir=matrix_partners(tmp_path), our_ids=MATRIX_OUR_IDS
    )
    runtime = runtime_for(settings)
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


@pytest.fixture
def http_client(identity_gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(identity_gateway.app) as client:
        yield client


def memory(gateway: Gateway) -> MemoryErpConnector:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    return connector


@pytest.fixture
def channel(identity_gateway: Gateway, http_client: TestClient) -> Channel:
    """``POST /v1/x12`` with the demo partner's key, then its receipt (processed inline)."""

    def send(raw: bytes) -> dict[str, Any]:
        answer = http_client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY))
        assert answer.status_code == 202, answer.text
        found = http_client.get(answer.json()["links"]["self"], headers=bearer(DEMO_KEY))
        assert found.status_code == 200, found.text
        receipt: dict[str, Any] = found.json()
        return receipt

    def stored(receipt_id: str) -> bytes | None:
        message = identity_gateway.message(receipt_id)
        return message.raw if message is not None else None

    return Channel(send, stored, lambda: memory(identity_gateway).events)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_given_an_envelope_when_sent_with_the_demo_key_then_the_identity_rule_decides(
    case: Case, channel: Channel
) -> None:
    check_case(case, channel)


def test_given_a_file_with_another_partners_id_then_answered_under_the_authenticated_profile(
    identity_gateway: Gateway, channel: Channel
) -> None:
    [case] = [c for c in CASES if c.name == "another partner's id"]

    receipt = check_case(case, channel)

    ta1 = receipt["acknowledgments"][0]["edi"]
    assert "\n" in ta1  # the demo partner's ack settings (acme-fasteners wants one line)
    assert identity_gateway.message(receipt["receipt_id"]).partner_id == "demo-supplier"  # type: ignore[union-attr]


def json_event(**source: str) -> dict[str, Any]:
    event = sample_event(id="evt_identity_" + "_".join(source.values()).lower())
    event["source"] = {**event["source"], **source}
    return event


def test_given_a_json_event_naming_another_partners_sender_id_when_posted_then_422_naming_both(
    identity_gateway: Gateway, http_client: TestClient
) -> None:
    event = json_event(sender_id="ACMEFAST", receiver_id="OTHERBUYER")

    answer = http_client.post("/v1/documents", json=event, headers=bearer(DEMO_KEY))

    assert answer.status_code == 422
    errors = answer.json()["error"]["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [
        ("source.sender_id", "identity"),
        ("source.receiver_id", "identity"),
    ]
    assert errors[0]["message"] == (
        "'ACMEFAST' is not your sender id (expected one of: DEMOSUPPLIER, DEMOSUPPLIERT)"
    )
    assert (
        errors[1]["message"] == "'OTHERBUYER' is not one of our ids (expected one of: GATEWAYBUYER)"
    )
    stored = identity_gateway.message(answer.json()["error"]["receipt_id"])
    assert stored is not None and stored.status == "failed" and stored.raw == answer.request.content
    assert memory(identity_gateway).count() == 0


def test_given_a_json_event_with_its_second_sender_id_when_posted_then_delivered_as_sent(
    identity_gateway: Gateway, http_client: TestClient
) -> None:
    event = json_event(sender_id="DEMOSUPPLIERT")

    answer = http_client.post("/v1/documents", json=event, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202, answer.text
    assert (
        memory(identity_gateway)
        .events[scoped_event_id("demo-supplier", event["id"])]
        .source.sender_id
        == "DEMOSUPPLIERT"
    )


def test_given_a_json_event_without_ids_when_posted_then_they_are_filled_in_like_a_van_stamp(
    identity_gateway: Gateway, http_client: TestClient
) -> None:
    event = json_event(sender_id="", receiver_id="")

    answer = http_client.post("/v1/documents", json=event, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202, answer.text
    source = memory(identity_gateway).events[scoped_event_id("demo-supplier", event["id"])].source
    assert (source.sender_id, source.receiver_id) == ("DEMOSUPPLIER", "GATEWAYBUYER")
