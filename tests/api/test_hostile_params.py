"""Path, query and header values that the database cannot hold are refused before they reach
it (422 or 404), on SQLite and PostgreSQL alike, and never answered 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.transports.harness import (
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)


@pytest.fixture
def gateway(tmp_path: Path, database_url: str) -> Iterator[Gateway]:
    """The harness's gateway on SQLite and on PostgreSQL (which cannot hold NUL)."""
    runtime = runtime_for(settings_for(tmp_path, database_url=database_url))
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


OPS = [
    ("GET", "/ops/messages/%00"),
    ("GET", "/ops/messages/msg_%00"),
    ("POST", "/ops/messages/%00/retry"),
    ("POST", "/ops/messages/%00/cancel"),
    ("GET", "/ops/messages?partner=%00"),
    ("GET", "/ops/messages?partner=" + "a" * 300),
    ("POST", "/ops/deliveries/2147483648/retry"),
    ("POST", "/ops/deliveries/-1/retry"),
    ("POST", "/ops/deliveries/99999999999999999999999/retry"),
    ("POST", "/ops/transactions/2147483648/replay"),
    ("GET", "/ops/erp-sink/%00"),
    ("GET", "/ops/erp-sink?event_type=%00"),
]


@pytest.mark.parametrize(("method", "path"), OPS)
def test_given_an_id_the_database_cannot_hold_then_ops_answers_4xx(
    gateway: Gateway, method: str, path: str
) -> None:
    client = TestClient(gateway.app, headers=bearer(ADMIN_TOKEN))
    answer = client.request(method, path, json={"reason": "x"} if "cancel" in path else None)
    assert answer.status_code in (404, 422), answer.text
    assert answer.json()["error"]["code"]


@pytest.mark.parametrize("receipt_id", ["x%00y", "msg_" + "0" * 23 + "%00", "%00" * 40])
def test_given_a_receipt_id_with_nul_then_the_supplier_api_answers_4xx(
    gateway: Gateway, receipt_id: str
) -> None:
    answer = TestClient(gateway.app).get(f"/v1/receipts/{receipt_id}", headers=bearer(DEMO_KEY))
    assert answer.status_code in (404, 422), answer.text


@pytest.mark.parametrize("message_id", ["abc\x01def", "7 3\t7"])
def test_given_a_message_id_header_with_control_characters_then_422_and_nothing_stored(
    gateway: Gateway, message_id: str
) -> None:
    headers = {**bearer(DEMO_KEY), "X-Message-Id": message_id}
    answer = TestClient(gateway.app).post(
        "/v1/x12", content=SAMPLE_856.read_bytes(), headers=headers
    )
    assert answer.status_code == 422
    assert "control characters" in answer.json()["error"]["message"]
    assert gateway.count() == 0
