"""The stand-in ERP (``tests/support/erp_app.py``) that the durability tests and the pipeline bench
count on: it must verify signatures, absorb repeats by Idempotency-Key and count what it got."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi.testclient import TestClient

from gateway.erp.webhook import sign
from tests.support.erp_app import create_erp_app

SECRET = "stand-in-secret"


def post(client: TestClient, key: str, shipment: str, secret: str = SECRET) -> int:
    body = json.dumps({"id": key, "document": {"shipment_id": shipment}}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Idempotency-Key": key,
        "X-Gateway-Timestamp": timestamp,
        "X-Gateway-Signature": sign(secret, timestamp, body),
    }
    return client.post("/erp/events", content=body, headers=headers).status_code


def test_the_stand_in_erp_verifies_dedupes_counts_and_can_be_down() -> None:
    client = TestClient(create_erp_app(SECRET))

    assert post(client, "evt_1", "SHP1") == 200
    assert post(client, "evt_1", "SHP1") == 409
    assert post(client, "evt_2", "SHP2", secret="wrong") == 401
    assert client.post("/control/status/503").json() == {"status": 503}
    assert post(client, "evt_3", "SHP3") == 503
    client.post("/control/status/200")
    assert post(client, "evt_3", "SHP3") == 200

    assert client.get("/stats").json() == {
        "distinct": 2,
        "posts": 3,
        "duplicates_absorbed": 1,
        "bad_signatures": 1,
    }
    assert set(client.get("/arrivals").json()) == {"SHP1", "SHP3"}
    assert client.get("/nowhere").status_code == 404


def test_a_request_cut_off_mid_body_is_not_counted_as_anything() -> None:
    """A worker SIGKILLed while posting leaves half a body: no post, and no bad signature."""
    app = create_erp_app(SECRET)
    messages = [
        {"type": "http.request", "body": b'{"id": "evt_1", "docu', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/erp/events",
        "headers": [(b"idempotency-key", b"evt_1"), (b"x-gateway-signature", b"v1=00")],
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]

    assert sent == []
    assert TestClient(app).get("/stats").json() == {
        "distinct": 0,
        "posts": 0,
        "duplicates_absorbed": 0,
        "bad_signatures": 0,
    }
