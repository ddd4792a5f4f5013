"""The request bodies one API process holds at once are bounded (``gateway.web.body.BodyBudget``):
past ``max_body_bytes_in_flight`` a body is answered 503 with Retry-After before it is read,
nothing is stored, and every request gives its share back when it is answered, whatever the
answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.web.body import BodyBudget
from tests.transports.harness import (
    DEMO_KEY,
    SAMPLES,
    Gateway,
    ServerThread,
    bearer,
    build_gateway,
    runtime_for,
    sample_event,
    settings_for,
)

SAMPLE_856 = (SAMPLES / "demo-supplier" / "856-SOTPI-4010.edi").read_bytes()
AS2_HEADERS = {"AS2-From": "DEMOSUPPLIER", "AS2-To": "GATEWAYBUYER", "Message-ID": "<m@x>"}


def budget_of(gateway: Gateway) -> BodyBudget:
    budget = gateway.app.state.body_budget
    assert isinstance(budget, BodyBudget)
    return budget


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Gateway]:
    """A gateway that holds 8 KB of bodies at once, 4 KB each at most."""
    settings = settings_for(tmp_path, max_body_bytes=4096, max_body_bytes_in_flight=8192)
    runtime = runtime_for(settings)
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


def test_given_the_budget_is_taken_when_a_body_comes_then_503_retry_after_and_nothing_stored(
    small: Gateway,
) -> None:
    budget = budget_of(small)
    assert budget.limit == 8192
    budget.used = 8192 - 100  # other requests' bodies, still being handled
    with TestClient(small.app) as client:
        answers = [
            client.post("/v1/x12", content=SAMPLE_856, headers=bearer(DEMO_KEY)),
            client.post("/v1/documents", json=sample_event(), headers=bearer(DEMO_KEY)),
            client.post("/as2", content=b"x" * 500, headers=AS2_HEADERS),
        ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "2"
        assert answer.json()["error"]["code"] == "body.busy"
    assert small.count() == 0 and small.enqueued == []
    assert budget.used == 8192 - 100  # each refused request gave back what it had


def test_given_room_when_bodies_come_then_every_answer_gives_its_share_back(
    small: Gateway,
) -> None:
    budget = budget_of(small)
    with TestClient(small.app) as client:
        statuses = [
            client.post("/v1/x12", content=SAMPLE_856, headers=bearer(DEMO_KEY)).status_code,
            client.post("/v1/x12", content=b"B" * 5000, headers=bearer(DEMO_KEY)).status_code,
            client.post("/v1/x12", content=b"", headers=bearer(DEMO_KEY)).status_code,
            client.post("/v1/x12", content=SAMPLE_856).status_code,
            client.post("/v1/documents", json=sample_event(), headers=bearer(DEMO_KEY)).status_code,
            client.post("/as2", content=b"not AS2 at all", headers=AS2_HEADERS).status_code,
            client.post(
                "/v1/x12",
                content=iter([SAMPLE_856[:500], SAMPLE_856[500:]]),
                headers=bearer(DEMO_KEY),
            ).status_code,
        ]
        assert budget.used == 0
    assert statuses[:5] == [202, 413, 400, 401, 202] and statuses[6] == 202
    assert statuses[5] != 503  # /as2 answers (an error MDN or 400), and gives its share back


def test_a_chunked_body_is_counted_as_it_arrives(small: Gateway) -> None:
    budget = budget_of(small)
    budget.used = 8192 - 1000
    chunks = [b"A" * 600, b"A" * 600]  # no Content-Length: the second chunk goes over
    with TestClient(small.app) as client:
        answer = client.post("/v1/x12", content=iter(chunks), headers=bearer(DEMO_KEY))
    assert answer.status_code == 503 and small.count() == 0
    assert budget.used == 8192 - 1000


def test_one_largest_body_always_fits(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, max_body_bytes=4096, max_body_bytes_in_flight=10)
    runtime = runtime_for(settings)
    try:
        gateway = build_gateway(runtime)
        assert budget_of(gateway).limit == 4096
        with TestClient(gateway.app) as client:
            answer = client.post("/v1/x12", content=SAMPLE_856, headers=bearer(DEMO_KEY))
        assert answer.status_code == 202
    finally:
        runtime.close()


def _slow_upload(port: int, declared: int) -> socket.socket:
    """An AS2 POST that declares ``declared`` bytes and sends 10 of them, then waits."""
    conn = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST /as2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAS2-From: DEMOSUPPLIER\r\n"
        f"AS2-To: GATEWAYBUYER\r\nMessage-ID: <slow@x>\r\nContent-Length: {declared}\r\n\r\n"
    )
    conn.sendall(head.encode() + b"0123456789")
    return conn


def test_over_real_http_bodies_being_read_hold_the_budget_until_they_end(small: Gateway) -> None:
    budget = budget_of(small)
    with ServerThread(small.app) as server:
        slow = [_slow_upload(server.port, 4000), _slow_upload(server.port, 4000)]
        deadline = time.monotonic() + 10
        while budget.used < 8000:  # both reserved what they declared, before reading it
            assert time.monotonic() < deadline, budget.used
            time.sleep(0.02)
        third = httpx.post(f"{server.url}/v1/x12", content=SAMPLE_856, headers=bearer(DEMO_KEY))
        assert third.status_code == 503 and third.headers["retry-after"] == "2"
        for conn in slow:  # they go away mid-body: their share comes back
            conn.close()
        while budget.used:
            assert time.monotonic() < deadline, budget.used
            time.sleep(0.02)
        again = httpx.post(f"{server.url}/v1/x12", content=SAMPLE_856, headers=bearer(DEMO_KEY))
        assert again.status_code == 202, again.text
    assert small.count() == 1
