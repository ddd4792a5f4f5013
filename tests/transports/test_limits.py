"""The body limit: refused from Content-Length before reading, and mid-stream for chunked bodies,
never holding more than the limit, never storing half a body."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi.testclient import TestClient

from tests.transports.harness import DEMO_KEY, Gateway, bearer

MB = 1024 * 1024


def test_given_a_50_mb_body_over_the_20_mb_limit_when_posted_then_413_and_nothing_stored(
    gateway: Gateway, client: TestClient
) -> None:
    assert gateway.runtime.settings.max_body_bytes == 20 * MB

    answer = client.post("/v1/x12", content=b"A" * (50 * MB), headers=bearer(DEMO_KEY))

    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body.too_large"
    assert gateway.count() == 0 and gateway.enqueued == []


def test_given_a_body_of_exactly_the_limit_when_posted_then_it_is_stored(
    gateway: Gateway, client: TestClient
) -> None:
    gateway.runtime.settings.max_body_bytes = 1000

    at_limit = client.post("/v1/x12", content=b"B" * 1000, headers=bearer(DEMO_KEY))
    over = client.post("/v1/x12", content=b"B" * 1001, headers=bearer(DEMO_KEY))

    assert (at_limit.status_code, over.status_code) == (202, 413)
    assert gateway.count() == 1


def call_with_endless_chunked_body(gateway: Gateway, chunk: bytes) -> tuple[int, int]:
    """Drive the ASGI app directly with a body that never ends: (status, chunks it pulled)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/x12",
        "raw_path": b"/v1/x12",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", f"Bearer {DEMO_KEY}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    pulled = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    anyio.run(gateway.app, scope, receive, send)
    return statuses[0], pulled


def test_given_an_endless_chunked_body_when_posted_then_413_after_reading_no_more_than_the_limit(
    gateway: Gateway,
) -> None:
    limit = gateway.runtime.settings.max_body_bytes
    chunk = b"C" * MB

    status, pulled = call_with_endless_chunked_body(gateway, chunk)

    assert status == 413
    assert pulled == limit // len(chunk) + 1  # the chunk that would pass the limit is the last read
    assert gateway.count() == 0
