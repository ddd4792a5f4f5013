"""``POST /v1/x12``: stored before 202, processed into acks and events, bad input never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.erp.memory import MemoryErpConnector
from gateway.store.models import InboundMessage
from tests.transports.harness import (
    ACME_856,
    ACME_KEY,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
)


def receipt(client: TestClient, answer_json: dict[str, object], key: str = DEMO_KEY) -> dict:  # type: ignore[type-arg]
    response = client.get(str(answer_json["links"]["self"]), headers=bearer(key))  # type: ignore[index]
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_given_a_sample_856_when_posted_then_202_comes_after_the_bytes_are_committed(
    gateway: Gateway,
) -> None:
    raw = SAMPLE_856.read_bytes()
    seen_at_enqueue: list[bytes] = []

    def enqueue_checking_commit(message_id: str) -> None:
        # A fresh session: only committed rows are visible to it.
        with gateway.runtime.db.sessions() as session:
            stored = session.get(InboundMessage, message_id)
            seen_at_enqueue.append(stored.raw if stored is not None else b"")

    client = TestClient(gateway.app_with(enqueue_checking_commit))

    answer = client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "received"
    assert (
        answer.headers["location"] == body["links"]["self"] == f"/v1/receipts/{body['receipt_id']}"
    )
    assert seen_at_enqueue == [raw]
    stored = gateway.message(body["receipt_id"])
    assert stored is not None and stored.raw == raw and stored.partner_id == "demo-supplier"
    assert stored.transport == "http" and stored.meta["remote_addr"] == "testclient"


def test_given_a_sample_856_when_processed_then_the_receipt_has_a_997_and_a_delivered_event(
    gateway: Gateway, client: TestClient
) -> None:
    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))

    found = receipt(client, answer.json())
    assert found["status"] == "processed" and found["outcome"] == "accepted"
    assert [(t["code"], t["control_number"], t["status"]) for t in found["transactions"]] == [
        ("856", "0001", "A")
    ]
    assert found["transactions"][0]["business_key"] == "856:SHP0045002"
    [ack] = found["acknowledgments"]
    assert ack["kind"] == "997" and "AK2*856*0001~" in ack["edi"] and "AK5*A~" in ack["edi"]
    [event] = found["events"]
    assert (event["type"], event["document_number"]) == ("ship_notice", "SHP0045002")
    assert event["deliveries"] == [
        {
            "status": "delivered",
            "attempts": 1,
            "delivered_at": event["deliveries"][0]["delivered_at"],
        }
    ]
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector) and connector.receipts(event["id"]) == 1


def test_given_garbage_bytes_when_posted_then_202_and_the_receipt_says_rejected_with_bytes_kept(
    gateway: Gateway, client: TestClient
) -> None:
    garbage = bytes(range(256)) * 4

    answer = client.post("/v1/x12", content=garbage, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202
    found = receipt(client, answer.json())
    assert found["status"] == "processed" and found["outcome"] == "rejected"
    assert found["errors"] and found["errors"][0]["code"].startswith("x12.")
    assert found["events"] == []
    stored = gateway.message(found["receipt_id"])
    assert stored is not None and stored.raw == garbage


def test_given_a_truncated_interchange_when_posted_then_its_receipt_shows_the_negative_outcome(
    gateway: Gateway, client: TestClient
) -> None:
    raw = SAMPLE_856.read_bytes()
    truncated = raw[: len(raw) // 2]

    answer = client.post("/v1/x12", content=truncated, headers=bearer(DEMO_KEY))

    assert answer.status_code == 202
    found = receipt(client, answer.json())
    assert found["status"] == "processed" and found["outcome"] == "rejected"
    assert {e["code"] for e in found["errors"]} & {
        "x12.interchange.rejected",
        "x12.transaction.rejected",
    }
    assert found["events"] == []
    assert all(t["status"] == "R" for t in found["transactions"])
    stored = gateway.message(found["receipt_id"])
    assert stored is not None and stored.raw == truncated


def test_given_x12_sent_as_json_content_type_when_posted_to_x12_then_it_is_still_read_as_x12(
    client: TestClient,
) -> None:
    headers = {**bearer(DEMO_KEY), "Content-Type": "application/json"}

    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers)

    found = receipt(client, answer.json())
    assert found["outcome"] == "accepted" and [a["kind"] for a in found["acknowledgments"]] == [
        "997"
    ]


def test_given_the_x_api_key_header_when_posted_then_the_partner_is_recognised(
    gateway: Gateway, client: TestClient
) -> None:
    answer = client.post("/v1/x12", content=ACME_856.read_bytes(), headers={"X-API-Key": ACME_KEY})

    assert answer.status_code == 202
    stored = gateway.message(answer.json()["receipt_id"])
    assert stored is not None and stored.partner_id == "acme-fasteners"


def test_given_a_wrong_or_missing_key_when_posting_then_401_with_bearer_challenge_and_nothing_stored(
    gateway: Gateway, client: TestClient
) -> None:
    for headers in (bearer("gk_not-a-key"), {"X-API-Key": "nope"}, {}, bearer("x" * 5000)):
        answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers)

        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["error"]["code"] == "auth.invalid"
    assert gateway.count() == 0


def test_given_an_empty_body_when_posted_then_400_and_nothing_stored(
    gateway: Gateway, client: TestClient
) -> None:
    answer = client.post("/v1/x12", content=b"", headers=bearer(DEMO_KEY))

    assert answer.status_code == 400 and answer.json()["error"]["code"] == "body.empty"
    assert gateway.count() == 0


def test_given_the_same_x_message_id_twice_under_reject_then_the_second_is_a_duplicate_never_processed(
    gateway: Gateway, client: TestClient
) -> None:
    headers = {**bearer(DEMO_KEY), "X-Message-Id": "supplier-msg-42"}
    first = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers).json()

    second = client.post("/v1/x12", content=b"ISA*other bytes, same id", headers=headers)

    assert second.status_code == 202
    body = second.json()
    assert body["status"] == "duplicate" and body["duplicate_of"] == first["receipt_id"]
    assert "supplier-msg-42" in body["duplicate_reason"]
    assert gateway.enqueued == [first["receipt_id"]]
    stored = gateway.message(body["receipt_id"])
    assert (
        stored is not None
        and stored.status == "duplicate"
        and stored.raw == b"ISA*other bytes, same id"
    )


def test_given_an_x_message_id_over_255_characters_then_422_and_nothing_stored(
    gateway: Gateway, client: TestClient
) -> None:
    headers = {**bearer(DEMO_KEY), "X-Message-Id": "m" * 256}

    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers)

    assert answer.status_code == 422 and answer.json()["error"]["code"] == "request.invalid"
    assert gateway.count() == 0
    headers["X-Message-Id"] = "m" * 255
    assert (
        client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers).status_code == 202
    )


def test_given_identical_bytes_twice_under_reject_then_the_second_is_a_duplicate_and_delivered_once(
    gateway: Gateway, client: TestClient
) -> None:
    raw = SAMPLE_856.read_bytes()
    first = client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY)).json()

    second = client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY)).json()

    assert second["status"] == "duplicate" and second["duplicate_of"] == first["receipt_id"]
    assert receipt(client, second)["events"] == []
    assert len(gateway.deliveries()) == 1
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector) and connector.count() == 1


def test_given_identical_bytes_twice_under_accept_and_flag_then_both_processed_the_second_flagged(
    gateway: Gateway, client: TestClient
) -> None:
    raw = ACME_856.read_bytes()
    first = client.post("/v1/x12", content=raw, headers=bearer(ACME_KEY)).json()

    second = client.post("/v1/x12", content=raw, headers=bearer(ACME_KEY)).json()

    assert second["status"] == "received"  # processed again, flagged:
    assert second["duplicate_of"] == first["receipt_id"] and second["duplicate_reason"]
    assert gateway.enqueued == [first["receipt_id"], second["receipt_id"]]
    stored = gateway.message(second["receipt_id"])
    assert stored is not None and stored.status == "processed"
    assert stored.meta["flagged_duplicate_of"] == first["receipt_id"]
    assert len(gateway.deliveries()) == 1  # same event id: the ERP gets it once
    with gateway.runtime.db.sessions() as session:
        statuses = session.execute(select(InboundMessage.status)).scalars().all()
    assert sorted(statuses) == ["processed", "processed"]
