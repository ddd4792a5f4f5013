"""The operator API (``/ops``): auth, messages, dead letters and their retry, ERP sink, stats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.erp.memory import MemoryErpConnector
from gateway.erp.sink import LocalSinkErpConnector
from gateway.pipeline.process import mark_failed
from tests.transports.harness import (
    ACME_856,
    ACME_KEY,
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    client_for,
    runtime_for,
    settings_for,
)

OPS = bearer(ADMIN_TOKEN)


def memory(gateway: Gateway) -> MemoryErpConnector:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    return connector


def post_sample(client: TestClient) -> str:
    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))
    assert answer.status_code == 202
    return str(answer.json()["receipt_id"])


def test_given_an_admin_token_when_calling_ops_without_it_then_401_and_with_it_200(
    client: TestClient,
) -> None:
    missing = client.get("/ops/stats")
    wrong = client.get("/ops/stats", headers=bearer("not-the-token"))
    partner_key = client.get("/ops/stats", headers=bearer(DEMO_KEY))
    right = client.get("/ops/stats", headers=OPS)

    assert missing.status_code == wrong.status_code == partner_key.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert right.status_code == 200


def test_given_no_admin_token_when_a_non_loopback_client_calls_ops_then_403(
    tmp_path: Path,
) -> None:
    runtime = runtime_for(settings_for(tmp_path, admin_token=""))
    try:
        client = TestClient(build_gateway(runtime).app)  # its client host is "testclient"

        answer = client.get("/ops/stats", headers=bearer("anything"))

        assert answer.status_code == 403 and answer.json()["error"]["code"] == "auth.loopback_only"
    finally:
        runtime.close()


def test_given_messages_of_two_partners_when_listing_then_filters_apply(
    client: TestClient,
) -> None:
    demo = post_sample(client)
    client.post("/v1/x12", content=ACME_856.read_bytes(), headers=bearer(ACME_KEY))
    client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))  # duplicate

    everything = client.get("/ops/messages", headers=OPS).json()
    demo_processed = client.get(
        "/ops/messages?partner=demo-supplier&status=processed", headers=OPS
    ).json()

    assert len(everything) == 3
    assert [m["id"] for m in demo_processed] == [demo]
    assert client.get("/ops/messages?limit=1", headers=OPS).json()[0]["status"] == "duplicate"


def test_given_a_processed_message_when_shown_then_size_hash_sets_events_deliveries_and_acks(
    client: TestClient,
) -> None:
    import hashlib

    raw = SAMPLE_856.read_bytes()
    message_id = post_sample(client)

    shown = client.get(f"/ops/messages/{message_id}", headers=OPS).json()

    assert shown["size"] == len(raw) and shown["sha256"] == hashlib.sha256(raw).hexdigest()
    assert shown["partner_id"] == "demo-supplier" and shown["status"] == "processed"
    assert [i["control_number"] for i in shown["interchanges"]] == ["000000112"]
    assert shown["transactions"][0]["code"] == "856"
    [event] = shown["events"]
    assert event["deliveries"][0]["connector"] == "memory"
    assert event["deliveries"][0]["status"] == "delivered"
    assert [a["kind"] for a in shown["acknowledgments"]] == ["997"]
    assert client.get("/ops/messages/msg_nope", headers=OPS).status_code == 404


def test_given_a_dead_delivery_when_retried_then_pending_attempts_kept_audited_enqueued_and_delivered(
    gateway: Gateway, client: TestClient
) -> None:
    memory(gateway).fail_next(1, retriable=False)
    post_sample(client)
    [delivery] = gateway.deliveries()
    assert delivery.status == "dead"

    dead = client.get("/ops/dead-letters", headers=OPS).json()
    gateway.inline = False
    retried = client.post(f"/ops/deliveries/{delivery.id}/retry", headers=OPS)

    [letter] = dead
    assert letter["delivery"]["id"] == delivery.id
    assert letter["delivery"]["last_error"].startswith("erp.memory.rejected")
    assert (letter["event"]["type"], letter["event"]["document_number"]) == (
        "ship_notice",
        "SHP0045002",
    )
    assert retried.status_code == 202
    assert retried.json() == {"delivery_id": delivery.id, "status": "pending", "attempts": 1}
    assert gateway.delivery_batches[-1] == [delivery.id]
    [reset] = gateway.deliveries()
    assert (reset.status, reset.attempts) == ("pending", 1)
    assert [a.subject for a in gateway.audit("delivery.retried")] == [str(delivery.id)]
    gateway.inline = True
    gateway.enqueue_deliveries([delivery.id])
    [done] = gateway.deliveries()
    assert (done.status, done.attempts) == ("delivered", 2)
    assert client.get("/ops/dead-letters", headers=OPS).json() == []


def test_given_a_delivered_or_unknown_delivery_when_retried_then_409_or_404(
    gateway: Gateway, client: TestClient
) -> None:
    post_sample(client)
    [delivery] = gateway.deliveries()

    delivered = client.post(f"/ops/deliveries/{delivery.id}/retry", headers=OPS)
    unknown = client.post("/ops/deliveries/9999/retry", headers=OPS)

    assert (delivered.status_code, unknown.status_code) == (409, 404)


def test_given_some_traffic_when_asking_stats_then_counts_by_status(client: TestClient) -> None:
    post_sample(client)
    client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))

    stats = client.get("/ops/stats", headers=OPS).json()

    assert stats == {"messages": {"processed": 1, "duplicate": 1}, "deliveries": {"delivered": 1}}


def test_given_the_memory_connector_when_asking_the_erp_sink_then_404(client: TestClient) -> None:
    answer = client.get("/ops/erp-sink", headers=OPS)

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "erp_sink.not_configured"


@pytest.fixture
def sink_client(tmp_path: Path) -> Iterator[TestClient]:
    for client in client_for(settings_for(tmp_path, erp_connector="sink")):
        assert isinstance(client.app.state.gateway.runtime.connector, LocalSinkErpConnector)
        yield client


def test_given_the_local_sink_when_a_sample_was_delivered_then_the_sink_listing_shows_it(
    sink_client: TestClient,
) -> None:
    post_sample(sink_client)

    listing = sink_client.get("/ops/erp-sink?limit=10", headers=OPS).json()

    assert listing["connector"] == "sink" and listing["count"] == 1
    [received] = listing["events"]
    assert received["event_type"] == "ship_notice" and received["partner_id"] == "demo-supplier"
    one = sink_client.get(f"/ops/erp-sink/{received['event_id']}", headers=OPS).json()
    assert one["payload"]["document"]["shipment_id"] == "SHP0045002"
    assert sink_client.get("/ops/erp-sink/evt_none", headers=OPS).status_code == 404


def test_given_a_transaction_when_replayed_over_the_api_then_diff_and_no_second_delivery(
    gateway: Gateway, client: TestClient
) -> None:
    receipt = post_sample(client)
    [transaction] = client.get(f"/ops/messages/{receipt}", headers=OPS).json()["transactions"]

    answer = client.post(f"/ops/transactions/{transaction['id']}/replay", headers=OPS)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["changed"], body["diff"], body["deliveries"]) == (False, [], [])
    assert body["event_id"] == transaction["event_id"]
    assert memory(gateway).count() == 1
    assert [a.subject for a in gateway.audit("transaction.replayed")] == [str(transaction["id"])]
    missing = client.post("/ops/transactions/999999/replay", headers=OPS)
    assert missing.status_code == 404
    assert client.post(f"/ops/transactions/{transaction['id']}/replay").status_code == 401


def test_given_a_delivered_event_when_reposted_over_the_api_then_a_correction_supersedes_it(
    gateway: Gateway, client: TestClient
) -> None:
    receipt = post_sample(client)
    [transaction] = client.get(f"/ops/messages/{receipt}", headers=OPS).json()["transactions"]
    route = f"/ops/transactions/{transaction['id']}/replay"

    same = client.post(f"{route}?repost=true", headers=OPS)
    assert same.status_code == 409 and "same output" in same.json()["error"]["message"]
    answer = client.post(f"{route}?repost=true&force=true", headers=OPS)

    assert answer.status_code == 200
    body = answer.json()
    assert body["supersedes"] == transaction["event_id"] != body["event_id"]
    posted = memory(gateway).events[body["event_id"]]
    assert posted.supersedes == transaction["event_id"]
    assert memory(gateway).receipts(body["event_id"]) == 1
    events = client.get(f"/ops/messages/{receipt}", headers=OPS).json()["events"]
    assert [(e["id"], e["superseded_by"], e["supersedes"]) for e in events] == [
        (transaction["event_id"], body["event_id"], None),
        (body["event_id"], None, transaction["event_id"]),
    ]
    assert all(e["map_version"] and e["profile_version"] for e in events)
    plain = client.post(f"{route}?force=true", headers=OPS).json()  # force is for repost only
    assert plain["event_id"] == transaction["event_id"] and plain["supersedes"] is None


def test_given_a_failed_message_when_retried_over_the_api_then_processed_and_delivered(
    gateway: Gateway, client: TestClient
) -> None:
    gateway.inline = False
    receipt = post_sample(client)
    mark_failed(gateway.runtime.db, receipt, "RuntimeError: a bug, since fixed")
    gateway.inline = True

    answer = client.post(f"/ops/messages/{receipt}/retry", headers=OPS)

    assert answer.status_code == 202 and answer.json() == {
        "message_id": receipt,
        "status": "received",
    }
    message = gateway.message(receipt)
    assert message is not None and message.status == "processed"
    assert memory(gateway).count() == 1
    again = client.post(f"/ops/messages/{receipt}/retry", headers=OPS)
    assert again.status_code == 409
    assert client.post("/ops/messages/msg_nope/retry", headers=OPS).status_code == 404


def test_given_a_failed_message_when_cancelled_over_ops_then_cancelled_and_not_twice(
    client: TestClient, gateway: Gateway
) -> None:
    message_id = post_sample(client)
    with gateway.runtime.db.transaction() as s:  # processed inline: make it a stuck failure
        from gateway.store.models import InboundMessage

        message = s.get(InboundMessage, message_id)
        assert message is not None
        message.status = "failed"

    no_reason = client.post(f"/ops/messages/{message_id}/cancel", json={}, headers=OPS)
    done = client.post(
        f"/ops/messages/{message_id}/cancel", json={"reason": "sent twice"}, headers=OPS
    )
    again = client.post(f"/ops/messages/{message_id}/cancel", json={"reason": "x"}, headers=OPS)
    shown = client.get(f"/ops/messages/{message_id}", headers=OPS).json()

    assert no_reason.status_code == 422
    assert (done.status_code, done.json()["status"]) == (200, "cancelled")
    assert again.status_code == 409
    assert shown["status"] == "cancelled"
    assert shown["error"] == "cancelled by operator:token: sent twice"
