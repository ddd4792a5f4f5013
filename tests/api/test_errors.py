"""The one error handler: each kind of error becomes its HTTP answer, and 500s leak nothing."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.errors import (
    ConfigurationError,
    DocumentError,
    FatalDeliveryError,
    GatewayError,
    InterchangeError,
    RetriableDeliveryError,
)
from gateway.web.errors import SAFE_MESSAGE, ApiError, install_error_handlers

RAISED: dict[str, Exception] = {
    "config": ConfigurationError(
        "profile /etc/secret/partners/x.yaml is invalid", path="/etc/secret"
    ),
    "document": InterchangeError("no ISA", code="x12.isa.missing", offset=0),
    "document-base": DocumentError("bad", errors=[{"loc": "id"}]),
    "retriable": RetriableDeliveryError(
        "ERP timed out", code="erp.webhook.timeout", body="internal"
    ),
    "fatal": FatalDeliveryError("ERP said 400", code="erp.webhook.rejected"),
    "gateway": GatewayError("something internal at 10.0.0.7"),
    "bug": KeyError("internal detail"),
    "auth": ApiError(401, "auth.invalid", "no", headers={"WWW-Authenticate": "Bearer"}),
}


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{name}")
    async def raise_it(name: str) -> None:
        raise RAISED[name]

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("config", 500, "config.invalid"),
        ("document", 422, "x12.isa.missing"),
        ("document-base", 422, "document.invalid"),
        ("retriable", 502, "erp.webhook.timeout"),
        ("fatal", 502, "erp.webhook.rejected"),
        ("gateway", 500, "gateway.error"),
        ("bug", 500, "gateway.unexpected"),
        ("auth", 401, "auth.invalid"),
    ],
)
def test_given_an_error_when_a_route_raises_it_then_its_status_and_code_answer(
    client: TestClient, name: str, status: int, code: str
) -> None:
    answer = client.get(f"/raise/{name}")

    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize("name", ["config", "gateway", "bug"])
def test_given_a_server_side_error_when_answered_then_the_message_is_the_safe_one(
    client: TestClient, name: str
) -> None:
    answer = client.get(f"/raise/{name}")

    assert answer.json()["error"]["message"] == SAFE_MESSAGE
    assert (
        "secret" not in answer.text
        and "10.0.0.7" not in answer.text
        and "internal" not in answer.text
    )


def test_given_a_document_error_when_answered_then_its_context_is_listed(
    client: TestClient,
) -> None:
    assert client.get("/raise/document-base").json()["error"]["errors"] == [{"loc": "id"}]


def test_given_a_delivery_error_when_answered_then_the_erp_body_stays_out(
    client: TestClient,
) -> None:
    assert "body" not in client.get("/raise/retriable").json()["error"]


def test_given_an_unknown_route_when_called_then_the_same_error_shape(client: TestClient) -> None:
    answer = client.get("/nowhere")

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "http.404"
    assert client.get("/raise/auth").headers["www-authenticate"] == "Bearer"
