"""``SendRoutes``: the send routes served in front of FastAPI's router answer exactly as the
FastAPI routes alone do, and an unexpected failure there is a clean 500."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.pipeline import inbox
from tests.transports.harness import (
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    sample_event,
    settings_for,
)
from transports.http.send_path import SendRoutes

ANY_ID = re.compile(r"msg_[0-9a-f]+")


def answers(client: TestClient, path: str, **request: Any) -> list[tuple[int, str, str]]:
    """(status, body, Location) of two POSTs of one body, receipt ids made alike."""
    found = []
    for _ in range(2):
        r = client.post(path, **request)
        location = r.headers.get("location", "")
        found.append((r.status_code, ANY_ID.sub("msg_*", r.text), ANY_ID.sub("msg_*", location)))
    return found


@pytest.mark.parametrize(
    "path, request_",
    [
        ("/v1/x12", {"content": SAMPLE_856.read_bytes(), "headers": bearer(DEMO_KEY)}),
        ("/v1/x12", {"content": b"", "headers": bearer(DEMO_KEY)}),
        ("/v1/x12", {"content": b"ISA", "headers": bearer("wrong")}),
        ("/v1/documents", {"json": sample_event(), "headers": bearer(DEMO_KEY)}),
        ("/v1/documents", {"json": {"type": "nonsense"}, "headers": bearer(DEMO_KEY)}),
    ],
)
def test_given_the_same_request_then_send_path_and_fastapi_route_answer_alike(
    tmp_path: Path, path: str, request_: dict[str, Any]
) -> None:
    """Each way on a gateway of its own, so that the second POST is a duplicate in both."""
    found = []
    for send_path in (True, False):
        runtime = runtime_for(settings_for(tmp_path / str(send_path)))
        try:
            app = build_gateway(runtime).app
            if not send_path:  # the FastAPI routes alone
                app.user_middleware = [m for m in app.user_middleware if m.cls is not SendRoutes]
            found.append(answers(TestClient(app), path, **request_))
        finally:
            runtime.close()
    assert found[0] == found[1]
    assert found[0][0][0] in (202, 400, 401, 422)


def test_given_an_unexpected_failure_on_the_send_path_then_a_500_with_a_safe_message(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(inbox, "receive", broken)
    r = TestClient(gateway.app).post(
        "/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY)
    )
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "gateway.unexpected"
    assert "disk on fire" not in r.text
    assert "disk on fire" in caplog.text  # logged for the operator
