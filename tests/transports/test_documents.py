"""``POST /v1/documents``: canonical JSON in; valid -> delivered, invalid -> 422 and kept as failed."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from gateway.erp.memory import MemoryErpConnector
from gateway.pipeline.json_documents import scoped_event_id
from tests.transports.harness import ACME_KEY, DEMO_KEY, Gateway, bearer, sample_event


def demo(supplier_event_id: str) -> str:
    """The id the gateway gives demo-supplier's event ``supplier_event_id``."""
    return scoped_event_id("demo-supplier", supplier_event_id)


def memory(gateway: Gateway) -> MemoryErpConnector:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    return connector


def test_given_one_valid_event_when_posted_then_202_and_delivered_as_the_authenticated_partner(
    gateway: Gateway, client: TestClient
) -> None:
    event = sample_event(id="evt_json_0001", partner_id="acme-fasteners")

    answer = client.post("/v1/documents", json=event, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202, answer.text
    found = client.get(answer.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    assert found["status"] == "processed" and found["outcome"] == "accepted"
    assert [(t["code"], t["status"], t["event_id"]) for t in found["transactions"]] == [
        ("856", "A", demo("evt_json_0001"))
    ]
    [stored_event] = found["events"]
    assert stored_event["deliveries"][0]["status"] == "delivered"
    delivered = memory(gateway).events[demo("evt_json_0001")]
    assert delivered.partner_id == "demo-supplier"  # forced, whatever the body said
    assert delivered.supplier_event_id == "evt_json_0001"
    assert delivered.model_dump(mode="json")["document"] == event["document"]
    stored = gateway.message(found["receipt_id"])
    assert stored is not None and stored.transport == "http-json"
    assert stored.raw == answer.request.content


def test_given_a_batch_when_posted_then_every_document_becomes_an_event(
    gateway: Gateway, client: TestClient
) -> None:
    first = sample_event(id="evt_json_a")
    second = sample_event(id="evt_json_b")
    second["document"] = {**second["document"], "shipment_id": "SHP-JSON-2"}

    answer = client.post(
        "/v1/documents", json={"documents": [first, second]}, headers=bearer(DEMO_KEY)
    )

    assert answer.status_code == 202, answer.text
    assert set(memory(gateway).events) == {demo("evt_json_a"), demo("evt_json_b")}
    found = client.get(answer.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    assert sorted(e["document_number"] for e in found["events"]) == ["SHP-JSON-2", "SHP0045002"]


def test_given_invalid_documents_when_posted_then_422_listing_every_error_and_the_body_kept_as_failed(
    gateway: Gateway, client: TestClient
) -> None:
    missing = sample_event(id="evt_bad_1")
    missing["source"] = "004010"  # left out it is assigned; given, it must be an envelope
    wrong_type = sample_event(id="evt_bad_2")
    wrong_type["document"] = {**wrong_type["document"], "ship_date": 20261117}
    body = json.dumps({"documents": [sample_event(id="evt_fine"), missing, wrong_type]}).encode()

    answer = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY))

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "json.invalid"
    where = {(e["document"], e["loc"]) for e in error["errors"]}
    assert (1, "ship_notice.source") in where
    assert (2, "ship_notice.document.ship_date") in where
    assert all(e["document"] != 0 for e in error["errors"])
    stored = gateway.message(error["receipt_id"])
    assert stored is not None and stored.raw == body and stored.status == "failed"
    assert gateway.enqueued == [] and memory(gateway).count() == 0
    found = client.get(error["links"]["self"], headers=bearer(DEMO_KEY)).json()
    assert found["status"] == "failed" and len(found["errors"]) == len(error["errors"])


def test_given_bodies_that_are_not_events_when_posted_then_422_never_500(
    gateway: Gateway, client: TestClient
) -> None:
    bodies = [
        b"\xff\xfe not json",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"documents": []}',
        b'{"documents": "nope"}',
        b"42",
        b'{"type": "no_such_event"}',
    ]
    for body in bodies:
        answer = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY))

        assert answer.status_code == 422, body[:40]
        assert answer.json()["error"]["errors"]
    assert gateway.count() == len(bodies)  # every one of them kept


def test_given_an_event_id_another_partner_used_then_both_are_kept_apart_and_neither_learns(
    gateway: Gateway, client: TestClient
) -> None:
    theirs = sample_event(id="evt_shared")
    # A production document: acme-fasteners keeps test ones from the ERP (test_indicator: hold).
    theirs["source"] = {**theirs["source"], "sender_id": "ACMEFAST", "test": False}
    assert client.post("/v1/documents", json=theirs, headers=bearer(ACME_KEY)).status_code == 202
    mine = sample_event(id="evt_shared")
    mine["document"] = {**mine["document"], "shipment_id": "OTHER-SHIPMENT"}

    answer = client.post("/v1/documents", json=mine, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202  # nothing says the id exists elsewhere
    events = memory(gateway).events
    acme = events[scoped_event_id("acme-fasteners", "evt_shared")]
    assert acme.partner_id == "acme-fasteners"
    assert (
        acme.model_dump(mode="json")["document"]["shipment_id"] == theirs["document"]["shipment_id"]
    )
    assert events[demo("evt_shared")].partner_id == "demo-supplier"


def test_given_the_same_document_again_under_reject_then_duplicate_and_delivered_once(
    gateway: Gateway, client: TestClient
) -> None:
    body = json.dumps(sample_event(id="evt_again")).encode()
    first = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY)).json()

    again = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY))

    assert again.status_code == 202
    assert (
        again.json()["status"] == "duplicate"
        and again.json()["duplicate_of"] == first["receipt_id"]
    )
    assert memory(gateway).receipts(demo("evt_again")) == 1 and len(gateway.enqueued) == 1


def test_given_an_invalid_body_sent_twice_then_422_both_times(
    gateway: Gateway, client: TestClient
) -> None:
    """Issue 17: the second copy, a duplicate by its X-Message-Id or its bytes, got 202."""
    headers = {**bearer(DEMO_KEY), "X-Message-Id": "resend-1"}
    first = client.post("/v1/documents", content=b'"not an event"', headers=headers)

    again = client.post("/v1/documents", content=b'"not an event"', headers=headers)
    other = client.post("/v1/documents", content=b"[]", headers=headers)

    assert [first.status_code, again.status_code, other.status_code] == [422, 422, 422]
    assert again.json()["error"]["errors"] == first.json()["error"]["errors"]
    duplicate = gateway.message(again.json()["error"]["receipt_id"])
    assert duplicate is not None and duplicate.status == "duplicate"
    assert len(gateway.enqueued) == 0


def test_given_a_new_id_for_a_known_shipment_under_reject_then_no_second_event(
    gateway: Gateway, client: TestClient
) -> None:
    client.post("/v1/documents", json=sample_event(id="evt_first"), headers=bearer(DEMO_KEY))

    answer = client.post(
        "/v1/documents", json=sample_event(id="evt_second"), headers=bearer(DEMO_KEY)
    )

    found = client.get(answer.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    [transaction] = found["transactions"]
    assert transaction["duplicate_of"] == demo("evt_first") and transaction["event_id"] is None
    assert set(memory(gateway).events) == {demo("evt_first")}


def test_given_the_schema_link_when_fetched_then_it_is_the_published_schema(
    client: TestClient,
) -> None:
    answer = client.get("/v1/documents/schema")

    assert answer.status_code == 200
    assert answer.json()["title"].startswith("Supply events")


def test_given_a_nul_in_a_string_when_posted_then_422_at_the_door_naming_where(
    gateway: Gateway, client: TestClient
) -> None:
    event = sample_event(id="evt_nul")
    event["document"] = {**event["document"], "shipment_id": "NUL\u0000X"}

    answer = client.post("/v1/documents", json=event, headers=bearer(DEMO_KEY))

    assert answer.status_code == 422
    [error] = answer.json()["error"]["errors"]
    assert (error["loc"], error["type"]) == ("document.shipment_id", "nul")
    assert memory(gateway).count() == 0


def test_given_the_same_invalid_body_twice_then_422_both_times(
    gateway: Gateway, client: TestClient
) -> None:
    body = json.dumps({"documents": [{"id": "evt_broken"}]}).encode()

    first = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY))
    again = client.post("/v1/documents", content=body, headers=bearer(DEMO_KEY))

    assert first.status_code == again.status_code == 422
    assert first.json()["error"]["errors"] == again.json()["error"]["errors"]
    assert gateway.count() == 2  # both kept


def test_given_only_what_a_supplier_can_produce_then_the_gateway_assigns_id_and_source(
    gateway: Gateway, client: TestClient
) -> None:
    """No ``id``, no ``source``, no ``schema_version`` (issue 14 §1): a type and a document."""
    golden = sample_event()
    bare = {"type": "ship_notice", "document": golden["document"]}

    first = client.post("/v1/documents", json=bare, headers=bearer(DEMO_KEY))
    again = client.post("/v1/documents", json=bare, headers=bearer(DEMO_KEY))
    other = client.post(
        "/v1/documents",
        json={**bare, "document": {**bare["document"], "shipment_id": "SHP-BARE-2"}},
        headers=bearer(DEMO_KEY),
    )

    assert first.status_code == 202, first.text
    assert other.status_code == 202, other.text
    events = memory(gateway).events
    assert len(events) == 2  # the same document again is the same event, delivered once
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    delivered = next(e for e in events.values() if e.document.shipment_id == "SHP0045002")
    assert delivered.supplier_event_id is not None and delivered.supplier_event_id.startswith(
        "doc-"
    )
    assert (delivered.source.version, delivered.source.document_type) == ("json", "856")
    assert (delivered.source.sender_id, delivered.source.receiver_id) == (
        "DEMOSUPPLIER",
        "GATEWAYBUYER",
    )
