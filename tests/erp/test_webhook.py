"""The webhook connector against a real HTTP server (``fake_erp.py``): conformance, signing,
status classification, timeouts, configuration. The HTTP client itself (keep-alive, TLS, proxies,
error classes): ``test_http_client.py``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
from pydantic import SecretStr

from gateway.canonical import parse_event
from gateway.erp import ErpConnector, WebhookErpConnector
from gateway.erp.base import RESPONSE_EXCERPT_CHARS
from gateway.erp.webhook import verify_signature
from gateway.errors import (
    ConfigurationError,
    DeliveryError,
    FatalDeliveryError,
    RetriableDeliveryError,
)
from gateway.http_client import HttpFailure

from .conformance import ConnectorConformance, Harness
from .fake_erp import SECRET, FakeErp, Reply, closed_port
from .samples import sample_of


@pytest.fixture
def webhook(fake_erp: FakeErp, fake_erp_url: str) -> Iterator[WebhookErpConnector]:
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=5) as connector:
        assert isinstance(connector, WebhookErpConnector)
        yield connector


class TestWebhookConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, webhook: WebhookErpConnector, fake_erp: FakeErp) -> Harness:
        def broken() -> ErpConnector:
            return WebhookErpConnector(f"http://127.0.0.1:{closed_port()}/erp", SECRET, timeout=2)

        return Harness(webhook, fake_erp.stored, broken)


# --- the request -------------------------------------------------------------------------------


def test_given_an_event_when_posted_then_the_erp_gets_the_signed_canonical_json_and_headers(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    event = sample_of("po_acknowledgment")

    receipt = webhook.post(event)

    (seen,) = fake_erp.requests
    assert receipt.status_code == 200
    assert seen.body == event.model_dump_json().encode()
    assert parse_event(seen.body) == event
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["idempotency-key"] == event.id
    assert seen.headers["x-gateway-event-type"] == "po_acknowledgment"
    assert abs(int(seen.headers["x-gateway-timestamp"]) - time.time()) < 10
    assert verify_signature(
        SECRET, seen.headers["x-gateway-timestamp"], seen.body, seen.headers["x-gateway-signature"]
    )
    assert '"id"' in receipt.response


def test_given_extra_headers_when_posting_then_the_erp_receives_them(
    fake_erp: FakeErp, fake_erp_url: str
) -> None:
    headers = {"Authorization": "Bearer erp-token", "X-Tenant": "plant02"}
    with WebhookErpConnector(fake_erp_url, SecretStr(SECRET), headers=headers) as connector:
        connector.post(sample_of("invoice"))

    (seen,) = fake_erp.requests
    assert seen.headers["authorization"] == "Bearer erp-token"
    assert seen.headers["x-tenant"] == "plant02"


def test_given_the_wrong_secret_when_posting_then_fatal_unauthorized_and_nothing_processed(
    fake_erp: FakeErp, fake_erp_url: str
) -> None:
    event = sample_of("invoice")
    with (
        WebhookErpConnector(fake_erp_url, "not-the-secret") as connector,
        pytest.raises(FatalDeliveryError) as caught,
    ):
        connector.post(event)

    assert caught.value.code == "erp.webhook.unauthorized"
    assert caught.value.context["status"] == 401
    assert "bad signature" in caught.value.context["response"]
    assert fake_erp.stored(event.id) == 0


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (500, RetriableDeliveryError, "erp.webhook.unavailable"),
        (502, RetriableDeliveryError, "erp.webhook.unavailable"),
        (503, RetriableDeliveryError, "erp.webhook.unavailable"),
        (408, RetriableDeliveryError, "erp.webhook.unavailable"),
        (429, RetriableDeliveryError, "erp.webhook.throttled"),
        (400, FatalDeliveryError, "erp.webhook.rejected"),
        (404, FatalDeliveryError, "erp.webhook.rejected"),
        (422, FatalDeliveryError, "erp.webhook.rejected"),
        (403, FatalDeliveryError, "erp.webhook.unauthorized"),
        (301, FatalDeliveryError, "erp.webhook.redirect"),
    ],
)
def test_given_the_erp_answers_an_error_status_when_posting_then_it_is_classified(
    webhook: WebhookErpConnector,
    fake_erp: FakeErp,
    status: int,
    error: type[DeliveryError],
    code: str,
) -> None:
    event = sample_of("ship_notice")
    fake_erp.answer_next(Reply(status, f"ERP says {status}", {"Location": "http://elsewhere/"}))

    with pytest.raises(DeliveryError) as caught:
        webhook.post(event)

    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.context["status"] == status
    assert caught.value.context["response"] == f"ERP says {status}"
    assert caught.value.context["event_id"] == event.id
    assert len(fake_erp.requests) == 1  # no redirect followed, no hidden retry


def test_given_429_with_retry_after_when_posting_then_the_error_carries_it(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    fake_erp.answer_next(Reply(429, "slow down", {"Retry-After": "7"}))

    with pytest.raises(RetriableDeliveryError) as caught:
        webhook.post(sample_of("invoice"))

    assert caught.value.context["retry_after"] == "7"


def test_given_a_503_when_the_worker_retries_then_the_event_is_delivered_once(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    event = sample_of("invoice")
    fake_erp.answer_next(Reply(503, "maintenance"))

    with pytest.raises(RetriableDeliveryError):
        webhook.post(event)
    receipt = webhook.post(event)

    assert not receipt.duplicate
    assert fake_erp.stored(event.id) == 1
    assert len(fake_erp.requests) == 2


def test_given_409_when_posting_then_a_duplicate_receipt_not_an_error(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    fake_erp.answer_next(Reply(409, "already processed"))

    receipt = webhook.post(sample_of("po_acknowledgment"))

    assert receipt.duplicate
    assert receipt.status_code == 409
    assert receipt.response == "already processed"


def test_given_an_erp_that_replays_with_200_when_posting_twice_then_the_second_is_duplicate(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    fake_erp.replay_with_200 = True
    event = sample_of("ship_notice")

    first, second = webhook.post(event), webhook.post(event)

    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.status_code == 200
    assert fake_erp.deliveries[event.id] == 2


def test_given_a_huge_answer_when_posting_then_the_receipt_keeps_the_first_2kb(
    webhook: WebhookErpConnector, fake_erp: FakeErp
) -> None:
    fake_erp.answer_next(Reply(200, "é" * 500_000))

    receipt = webhook.post(sample_of("invoice"))

    assert receipt.response == "é" * RESPONSE_EXCERPT_CHARS


# --- the network ---------------------------------------------------------------------------------


def test_given_an_erp_that_hangs_when_posting_then_a_retriable_timeout_within_the_limit(
    fake_erp: FakeErp, fake_erp_url: str
) -> None:
    fake_erp.answer_next(Reply(hang=3.0))
    with WebhookErpConnector(fake_erp_url, SECRET, timeout=0.3) as connector:
        started = time.monotonic()
        with pytest.raises(RetriableDeliveryError) as caught:
            connector.post(sample_of("invoice"))
        elapsed = time.monotonic() - started

    assert caught.value.code == "erp.webhook.timeout"
    assert elapsed < 2.0
    assert isinstance(caught.value.__cause__, HttpFailure)
    assert isinstance(caught.value.__cause__.__cause__, TimeoutError)


def test_given_nothing_listening_when_posting_then_retriable_network_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/erp"
    with (
        WebhookErpConnector(url, SECRET, timeout=2) as connector,
        pytest.raises(RetriableDeliveryError) as caught,
    ):
        connector.post(sample_of("invoice"))

    assert caught.value.code == "erp.webhook.network"
    assert caught.value.context["url"] == url


def test_given_a_closed_connector_when_posting_then_fatal(fake_erp_url: str) -> None:
    connector = WebhookErpConnector(fake_erp_url, SECRET)
    connector.close()

    with pytest.raises(FatalDeliveryError) as caught:
        connector.post(sample_of("invoice"))

    assert caught.value.code == "erp.webhook.closed"


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"url": "ftp://erp.example.com/in", "secret": SECRET},
        {"url": "http://", "secret": SECRET},
        {"url": "not a url at all", "secret": SECRET},
        {"url": "https://erp.example.com/in", "secret": ""},
        {"url": "https://erp.example.com/in", "secret": SecretStr("")},
        {"url": "https://erp.example.com/in", "secret": SECRET, "timeout": 0},
        {"url": "https://erp.example.com/in", "secret": SECRET, "timeout": "soon"},
        {"url": "https://erp.example.com/in", "secret": SECRET, "verify": "/no/such/ca.pem"},
        {
            "url": "https://erp.example.com/in",
            "secret": SECRET,
            "headers": {"idempotency-key": "mine"},
        },
    ],
    ids=[
        "ftp",
        "no-host",
        "garbage-url",
        "empty-secret",
        "empty-secretstr",
        "zero-timeout",
        "text-timeout",
        "missing-ca",
        "reserved-header",
    ],
)
def test_given_bad_settings_when_building_then_configuration_error(
    settings: dict[str, object],
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        WebhookErpConnector(**settings)  # type: ignore[arg-type]

    assert caught.value.code == "erp.webhook.misconfigured"


def test_given_a_ca_bundle_path_when_building_then_it_is_accepted_and_the_secret_not_shown() -> (
    None
):
    with WebhookErpConnector(
        "https://erp.example.com/in", SECRET, verify=Path(certifi.where())
    ) as connector:
        assert SECRET not in repr(connector)
        assert "erp.example.com" in repr(connector)


# --- verify_signature, for receivers -----------------------------------------------------------------

BODY = b'{"a":1}'
GOLDEN = "sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
"""``printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test``: the documented scheme."""


def test_given_the_documented_scheme_when_verifying_an_openssl_signature_then_it_matches() -> None:
    assert verify_signature("whsec_test", "1700000000", BODY, GOLDEN, now=1700000000)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "header", "now"),
    [
        ("other-secret", "1700000000", BODY, GOLDEN, 1700000000),
        ("whsec_test", "1700000000", b'{"a":2}', GOLDEN, 1700000000),
        ("whsec_test", "1700000001", BODY, GOLDEN, 1700000001),
        ("whsec_test", "1700000000", BODY, GOLDEN, 1700000301),
        ("whsec_test", "1700000000", BODY, GOLDEN, 1699999699),
        ("whsec_test", "not-a-number", BODY, GOLDEN, 1700000000),
        ("whsec_test", "1700000000", BODY, GOLDEN.removeprefix("sha256="), 1700000000),
        ("whsec_test", "1700000000", BODY, "sha256=é", 1700000000),
        ("whsec_test", "1700000000", BODY, "", 1700000000),
    ],
    ids=[
        "wrong-secret",
        "tampered-body",
        "other-timestamp",
        "too-old",
        "too-far-in-future",
        "bad-timestamp",
        "no-prefix",
        "non-ascii",
        "empty",
    ],
)
def test_given_a_bad_or_stale_signature_when_verifying_then_false(
    secret: str, timestamp: str, body: bytes, header: str, now: float
) -> None:
    assert not verify_signature(secret, timestamp, body, header, now=now)


def test_given_a_rotation_header_with_two_signatures_when_one_matches_then_true() -> None:
    header = f"sha256={'0' * 64}, {GOLDEN}"

    assert verify_signature("whsec_test", 1700000000, BODY, header, now=1700000000)


def test_given_no_tolerance_when_verifying_an_old_signature_then_true() -> None:
    assert verify_signature("whsec_test", "1700000000", BODY, GOLDEN, tolerance=None, now=2e9)
