"""``/v1/outbox``: an HTTP partner fetches and acknowledges what we send it (our 997), and only
its own (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.documents import numbered_asn
from tests.transports.harness import (
    ACME_KEY,
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLE_856,
    bearer,
    client_for,
    settings_for,
)

DEMO, ACME = bearer(DEMO_KEY), bearer(ACME_KEY)


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from client_for(settings_for(tmp_path, database_url=database_url))


def post(client: TestClient, raw: bytes = b"") -> str:
    answer = client.post("/v1/x12", content=raw or SAMPLE_856.read_bytes(), headers=DEMO)
    assert answer.status_code == 202
    return str(answer.json()["receipt_id"])


def outbox(client: TestClient, headers: dict[str, str] = DEMO, **params: Any) -> dict[str, Any]:
    answer = client.get("/v1/outbox", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_given_an_856_posted_then_one_queued_997_waits_in_the_partners_outbox(
    client: TestClient,
) -> None:
    receipt_id = post(client)

    ack = client.get(f"/v1/receipts/{receipt_id}", headers=DEMO).json()["acknowledgments"]

    assert [(a["kind"], a["status"]) for a in ack] == [("997", "queued")]
    assert ack[0]["outbox_id"].startswith("out_")
    page = outbox(client)  # listing hands it over
    assert [(i["id"], i["kind"], i["status"]) for i in page["items"]] == [
        (ack[0]["outbox_id"], "997", "sent")
    ]
    item = page["items"][0]
    assert item["payload"] == ack[0]["edi"]
    assert "AK5*A" in item["payload"]
    assert (item["in_reply_to"], page["next_after"]) == (receipt_id, None)


def test_given_a_queued_997_when_fetched_and_acked_then_acknowledged_once_and_gone(
    client: TestClient,
) -> None:
    receipt_id = post(client)
    ack = client.get(f"/v1/receipts/{receipt_id}", headers=DEMO).json()["acknowledgments"][0]
    item_id = ack["outbox_id"]

    raw = client.get(f"/v1/outbox/{item_id}", headers=DEMO)
    first = client.post(f"/v1/outbox/{item_id}/ack", headers=DEMO)
    again = client.post(f"/v1/outbox/{item_id}/ack", headers=DEMO)

    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("application/edi-x12")
    assert raw.content == ack["edi"].encode()
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "acknowledged"
    assert first.json()["acknowledged_at"] == again.json()["acknowledged_at"]
    assert outbox(client)["items"] == []
    receipt = client.get(f"/v1/receipts/{receipt_id}", headers=DEMO).json()
    assert receipt["acknowledgments"][0]["status"] == "acknowledged"
    retry = client.post(f"/ops/outbox/{item_id}/retry", headers=bearer(ADMIN_TOKEN))
    assert retry.status_code == 409  # acknowledged: nothing to retry


def test_given_another_partners_item_then_listing_fetching_and_acking_it_are_404(
    client: TestClient,
) -> None:
    receipt_id = post(client)
    ack = client.get(f"/v1/receipts/{receipt_id}", headers=DEMO).json()["acknowledgments"][0]
    item_id = ack["outbox_id"]

    assert outbox(client, ACME)["items"] == []
    for answer in (
        client.get(f"/v1/outbox/{item_id}", headers=ACME),
        client.post(f"/v1/outbox/{item_id}/ack", headers=ACME),
        client.get("/v1/outbox/out_000000000000000000000000", headers=DEMO),
        client.post("/v1/outbox/not-an-id/ack", headers=DEMO),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "outbox.not_found"
    assert (
        client.get(f"/v1/receipts/{receipt_id}", headers=DEMO).json()["acknowledgments"][0][
            "status"
        ]
        == "queued"
    )  # untouched by the other partner
    assert client.get("/v1/outbox", headers=ACME, params={"after": item_id}).status_code == 404
    assert client.get("/v1/outbox", headers=ACME, params={"after": "x"}).status_code == 422
    assert client.get("/v1/outbox").status_code == 401


def test_given_more_items_than_a_page_then_pages_follow_oldest_first(client: TestClient) -> None:
    for n in range(3):
        post(client, numbered_asn(700 + n))

    first = outbox(client, limit=2)
    second = outbox(client, limit=2, after=first["next_after"])

    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(first["items"]) == 2 and first["next_after"] == ids[1]
    assert len(second["items"]) == 1 and second["next_after"] is None
    assert len(set(ids)) == 3
    created = [i["created_at"] for i in first["items"] + second["items"]]
    assert created == sorted(created)


def test_given_a_rejected_duplicate_interchange_then_its_ta1_waits_in_the_outbox_too(
    client: TestClient,
) -> None:
    post(client, numbered_asn(1, isa13=777))
    again = post(client, numbered_asn(2, isa13=777))  # other content, the same ISA13

    receipt = client.get(f"/v1/receipts/{again}", headers=DEMO).json()

    assert receipt["status"] == "duplicate"
    (ta1,) = receipt["acknowledgments"]
    assert (ta1["kind"], ta1["status"]) == ("TA1", "queued")
    listed = {i["id"]: i for i in outbox(client)["items"]}
    assert listed[ta1["outbox_id"]]["payload"] == ta1["edi"]
    assert "TA1*000000777" in ta1["edi"]
