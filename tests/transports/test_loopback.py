"""Real HTTP over loopback: uvicorn in a thread, httpx and raw sockets as the supplier, and the
embedded Dramatiq worker doing the processing and the delivery."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.erp.memory import MemoryErpConnector
from gateway.settings import Settings
from gateway.workers.broker import make_broker
from gateway.workers.run import start_worker
from tests.transports.harness import (
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    ServerThread,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
    wait_for,
)

MB = 1024 * 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Gateway, ServerThread]]:
    """The gateway as ``gateway run`` wires it: embedded worker, actors' enqueue functions."""
    runtime = runtime_for(settings_for(tmp_path, admin_token=""))
    gateway = build_gateway(runtime)
    handle = start_worker(runtime, broker=make_broker(Settings(broker="embedded")), threads=2)
    app = gateway.app_with(handle.actors.enqueue_process, handle.actors.enqueue_deliveries)
    try:
        with ServerThread(app) as server:
            yield gateway, server
    finally:
        handle.stop()
        runtime.close()


def test_given_the_sample_856_over_http_when_the_worker_runs_then_997_and_delivered_event(
    served: tuple[Gateway, ServerThread],
) -> None:
    gateway, server = served
    with httpx.Client(base_url=server.url, headers=bearer(DEMO_KEY), timeout=30) as http:
        answer = http.post(
            "/v1/x12",
            content=SAMPLE_856.read_bytes(),
            headers={"Content-Type": "application/edi-x12"},
        )
        assert answer.status_code == 202
        link = answer.json()["links"]["self"]

        def delivered() -> bool:
            events = http.get(link).json()["events"]
            return bool(events) and events[0]["deliveries"][0]["status"] == "delivered"

        wait_for(delivered)
        found = http.get(link).json()

    assert found["status"] == "processed" and found["acknowledgments"][0]["kind"] == "997"
    stored = gateway.message(found["receipt_id"])
    assert stored is not None and stored.raw == SAMPLE_856.read_bytes()
    assert stored.meta["remote_addr"] == "127.0.0.1" and stored.meta["user_agent"].startswith(
        "python-httpx"
    )
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector) and connector.count() == 1


def test_given_no_admin_token_when_ops_is_called_from_loopback_then_it_answers(
    served: tuple[Gateway, ServerThread],
) -> None:
    _, server = served

    answer = httpx.get(f"{server.url}/ops/stats", timeout=10)

    assert answer.status_code == 200 and answer.json()["messages"] == {}


def raw_exchange(server: ServerThread, head: bytes, body_chunks: list[bytes]) -> bytes:
    """Send ``head`` then ``body_chunks`` on a plain socket; return the status line."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            sock.sendall(chunk)
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0]


def request_head(port: int, *headers: str) -> bytes:
    lines = [
        "POST /v1/x12 HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {DEMO_KEY}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_given_a_declared_50_mb_body_when_sent_then_413_before_a_byte_of_it_is_sent(
    served: tuple[Gateway, ServerThread],
) -> None:
    gateway, server = served

    status = raw_exchange(server, request_head(server.port, f"Content-Length: {50 * MB}"), [])

    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert gateway.count() == 0


def test_given_a_chunked_body_one_byte_past_the_limit_when_streamed_then_413_and_nothing_stored(
    served: tuple[Gateway, ServerThread],
) -> None:
    gateway, server = served
    chunk = b"D" * MB
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    up_to_limit = [framed] * (gateway.runtime.settings.max_body_bytes // MB)

    status = raw_exchange(
        server,
        request_head(server.port, "Transfer-Encoding: chunked"),
        [*up_to_limit, b"1\r\nD\r\n"],
    )

    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert gateway.count() == 0
