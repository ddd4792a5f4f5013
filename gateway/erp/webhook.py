"""``WebhookErpConnector``: POST each canonical event as JSON to an ERP endpoint, signed.

The request, for an ERP (or an iPaaS in front of it) to implement::

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <event.id>              the same for every retry of one event
    X-Gateway-Event-Type: <event.type>       po_acknowledgment | ship_notice | invoice | functional_ack
    X-Gateway-Timestamp: <unix seconds>      when this attempt was signed
    X-Gateway-Signature: sha256=<hex>        HMAC-SHA256(secret, f"{timestamp}.".encode() + body)

    <body: the canonical event, event.model_dump_json(), exactly the bytes that were signed>

**Verifying** (Stripe-like): take the raw body bytes before any JSON parsing, compute
``HMAC-SHA256(secret, timestamp + "." + body)`` and compare its hex digest in constant time with
the value after ``sha256=``; refuse timestamps more than a few minutes from your clock, which stops
replays of a captured request. ``verify_signature`` does exactly this and is what receivers written
in Python should call. A header may carry several comma-separated ``sha256=`` values (a sender
rotating its secret signs with both); one match is enough.

**Answers**: any 2xx is delivered (``Idempotent-Replayed: true`` on it means "already had it",
reported as ``duplicate=True``); 409 means the ERP already processed this ``Idempotency-Key``
(``duplicate=True``, not an error). 408, 429 and 5xx are retriable (``retry_after`` in the error
context when sent); 3xx and every other 4xx are fatal. Redirects are not followed: a POST that
moved is a configuration to fix, not something to guess.

Every httpx exception is translated in one place, ``translate_httpx_errors``, from the table
``HTTPX_ERRORS``; ``tests/erp/test_webhook.py`` proves that no httpx exception class is missing.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

from gateway.canonical import Event
from gateway.erp.base import RESPONSE_EXCERPT_CHARS, DeliveryReceipt, ErpConnector, excerpt
from gateway.errors import ConfigurationError, FatalDeliveryError, RetriableDeliveryError

IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_TYPE_HEADER = "X-Gateway-Event-Type"
TIMESTAMP_HEADER = "X-Gateway-Timestamp"
SIGNATURE_HEADER = "X-Gateway-Signature"
REPLAYED_HEADER = "Idempotent-Replayed"
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "Content-Type",
        "Content-Length",
        IDEMPOTENCY_HEADER,
        EVENT_TYPE_HEADER,
        TIMESTAMP_HEADER,
        SIGNATURE_HEADER,
    )
)

HTTPX_ERRORS: dict[type[Exception], tuple[bool, str]] = {
    # request never completed, or its answer was lost: the idempotency key makes a retry safe
    httpx.TimeoutException: (True, "timeout"),
    httpx.ConnectTimeout: (True, "timeout"),
    httpx.ReadTimeout: (True, "timeout"),
    httpx.WriteTimeout: (True, "timeout"),
    httpx.PoolTimeout: (True, "timeout"),
    httpx.NetworkError: (True, "network"),
    httpx.ConnectError: (True, "network"),
    httpx.ReadError: (True, "network"),
    httpx.WriteError: (True, "network"),
    httpx.CloseError: (True, "network"),
    httpx.ProtocolError: (True, "protocol"),
    httpx.RemoteProtocolError: (True, "protocol"),
    httpx.ProxyError: (True, "proxy"),
    httpx.DecodingError: (True, "decoding"),
    httpx.TransportError: (True, "network"),
    httpx.RequestError: (True, "network"),
    httpx.HTTPError: (True, "network"),
    # our side is wrong: retrying the same request cannot help
    httpx.LocalProtocolError: (False, "misconfigured"),
    httpx.UnsupportedProtocol: (False, "misconfigured"),
    httpx.InvalidURL: (False, "misconfigured"),
    httpx.CookieConflict: (False, "misconfigured"),
    httpx.TooManyRedirects: (False, "redirect"),
    httpx.HTTPStatusError: (False, "rejected"),  # we never raise_for_status; statuses: _classify
    httpx.StreamError: (False, "stream"),
    httpx.StreamConsumed: (False, "stream"),
    httpx.StreamClosed: (False, "stream"),
    httpx.ResponseNotRead: (False, "stream"),
    httpx.RequestNotRead: (False, "stream"),
}
"""(retriable?, code suffix) per httpx exception class; the nearest class in the MRO wins."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Gateway-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    header: str,
    tolerance: float | None = 300,
    *,
    now: float | None = None,
) -> bool:
    """For receivers: True when ``header`` signs ``body`` at ``timestamp`` with ``secret`` and the
    timestamp is within ``tolerance`` seconds of ``now`` (``None``: no age check)."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - moment) > tolerance:
        return False
    expected = sign(secret, moment, body).encode()
    return any(hmac.compare_digest(expected, v.strip().encode()) for v in header.split(","))


def classify_httpx_error(exc: Exception) -> tuple[bool, str]:
    for klass in type(exc).__mro__:
        if klass in HTTPX_ERRORS:
            return HTTPX_ERRORS[klass]
    raise TypeError(f"not an httpx error: {exc!r}")


@contextmanager
def translate_httpx_errors(connector: str, event_id: str, url: str) -> Iterator[None]:
    """Turn every httpx exception raised inside into the gateway's delivery errors."""
    try:
        yield
    except tuple(HTTPX_ERRORS) as exc:
        retriable, suffix = classify_httpx_error(exc)
        error = RetriableDeliveryError if retriable else FatalDeliveryError
        raise error(
            f"{connector}: {type(exc).__name__} posting to {url}: {exc}",
            code=f"erp.{connector}.{suffix}",
            connector=connector,
            event_id=event_id,
            url=url,
            status=None,
            response=excerpt(str(exc)),
        ) from exc


class WebhookErpConnector(ErpConnector):
    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str | SecretStr,
        timeout: float = 10.0,
        verify: bool | str | Path = True,
        headers: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``verify``: True (system CAs), False (no TLS check: tests only) or a CA file/folder."""
        self._url = _checked_url(url)
        self._secret = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if not self._secret:
            raise _config_error("secret must not be empty")
        try:
            seconds = float(timeout)
        except (TypeError, ValueError):
            raise _config_error(f"timeout must be a number of seconds, not {timeout!r}") from None
        if not seconds > 0:
            raise _config_error(f"timeout must be positive, not {timeout!r}")
        extra = dict(headers or {})
        if clash := RESERVED_HEADERS & {h.lower() for h in extra}:
            raise _config_error(f"headers may not override {sorted(clash)}")
        self._clock = clock
        self._client = httpx.Client(
            timeout=seconds, verify=_ssl_verify(verify), headers=extra, follow_redirects=False
        )

    def __repr__(self) -> str:
        return f"WebhookErpConnector(url={self._url!r})"

    def post(self, event: Event) -> DeliveryReceipt:
        if self._client.is_closed:
            raise FatalDeliveryError(
                "webhook: connector is closed",
                code="erp.webhook.closed",
                connector=self.name,
                event_id=event.id,
            )
        body = event.model_dump_json().encode()
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: event.id,
            EVENT_TYPE_HEADER: event.type,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        with (
            translate_httpx_errors(self.name, event.id, self._url),
            self._client.stream("POST", self._url, content=body, headers=headers) as response,
        ):
            answer = _read_excerpt(response)
        return self._receipt(event, response, answer)

    def close(self) -> None:
        self._client.close()

    def _receipt(self, event: Event, response: httpx.Response, answer: str) -> DeliveryReceipt:
        status = response.status_code
        if 200 <= status < 300:
            replayed = response.headers.get(REPLAYED_HEADER, "").strip().lower() == "true"
            return DeliveryReceipt(self.name, event.id, status, answer, replayed)
        if status == 409:
            return DeliveryReceipt(self.name, event.id, status, answer, True)
        retriable, suffix = _classify_status(status)
        error = RetriableDeliveryError if retriable else FatalDeliveryError
        raise error(
            f"webhook: {self._url} answered {status} for event {event.id}",
            code=f"erp.webhook.{suffix}",
            connector=self.name,
            event_id=event.id,
            url=self._url,
            status=status,
            response=answer,
            retry_after=response.headers.get("Retry-After"),
        )


def _classify_status(status: int) -> tuple[bool, str]:
    """(retriable?, code suffix) for a status that is neither 2xx nor 409."""
    if status == 429:
        return True, "throttled"
    if status == 408 or status >= 500:
        return True, "unavailable"
    if status in (401, 403):
        return False, "unauthorized"
    if 300 <= status < 400:
        return False, "redirect"
    return False, "rejected"


def _read_excerpt(response: httpx.Response) -> str:
    """The start of the body, without reading a huge answer whole."""
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= 4 * RESPONSE_EXCERPT_CHARS:  # UTF-8: at most 4 bytes per character
            break
    try:
        return excerpt(data.decode(response.encoding or "utf-8", errors="replace"))
    except LookupError:  # a charset Python does not know
        return excerpt(data.decode("utf-8", errors="replace"))


def _checked_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise _config_error(f"invalid url {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _config_error(f"url must be http(s)://host/..., not {url!r}")
    return str(parsed)


def _ssl_verify(verify: bool | str | Path) -> bool | ssl.SSLContext:
    if isinstance(verify, bool):
        return verify
    path = Path(verify)
    try:
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise _config_error(
            f"verify: cannot load CA certificates from {str(path)!r}: {exc}"
        ) from exc


def _config_error(message: str) -> ConfigurationError:
    return ConfigurationError(f"webhook: {message}", code="erp.webhook.misconfigured")
