"""``WebhookErpConnector``: POST each canonical event as JSON to an ERP endpoint, signed.

The request, for an ERP (or an iPaaS in front of it) to implement::

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <event.id>              the same for every retry of one event
    X-Gateway-Event-Type: <event.type>       po_acknowledgment | ship_notice | invoice | functional_ack |
                                             interchange_ack |
                                             po.*_overdue | supply.delay
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

**Transport**: ``gateway.http_client.PostClient`` (keep-alive connections per worker thread, TLS
checks, proxies from ``https_proxy``/``http_proxy``/``no_proxy``). A request that produced no
answer (timeout, refused, reset, TLS or proxy failure, a broken answer) is retriable: the
idempotency key makes the repeat safe. A header value that cannot be sent is fatal.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import SecretStr

from gateway.canonical import Event
from gateway.erp.base import RESPONSE_EXCERPT_CHARS, DeliveryReceipt, ErpConnector, excerpt
from gateway.errors import ConfigurationError, FatalDeliveryError, RetriableDeliveryError
from gateway.http_client import Answer, HttpFailure, PostClient, UrlError
from gateway.masking import mask_secrets

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
        proxy: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``verify``: True (system CAs), False (no TLS check: tests only) or a CA file/folder.
        ``proxy``: ``http://[user:password@]host:port``; ``None`` takes the environment's
        (``https_proxy``, ``http_proxy``, ``no_proxy``), ``""`` connects directly."""
        self._url = url
        self._shown_url = mask_secrets(url)
        """The URL as messages, errors and ``repr`` show it: a token in its query is masked."""
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
        try:
            self._client = PostClient(
                self._url, timeout=seconds, verify=verify, proxy=proxy, headers=extra
            )
        except UrlError as exc:
            raise _config_error(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            raise _config_error(
                f"verify: cannot load CA certificates from {verify!r}: {exc}"
            ) from exc

    def __repr__(self) -> str:
        return f"WebhookErpConnector(url={self._shown_url!r})"

    def post(self, event: Event) -> DeliveryReceipt:
        if self._client.closed:
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
        try:
            answer = self._client.post(body, headers, limit=4 * RESPONSE_EXCERPT_CHARS)
        except HttpFailure as exc:
            message = f"{self.name}: {exc} (posting to {self._shown_url})"
            raise self._error(exc.retriable, exc.kind, message, event, None, str(exc)) from exc
        return self._receipt(event, answer)

    def close(self) -> None:
        self._client.close()

    def _receipt(self, event: Event, response: Answer) -> DeliveryReceipt:
        status, answer = response.status, _text(response)
        if 200 <= status < 300:
            replayed = response.headers.get(REPLAYED_HEADER, "").strip().lower() == "true"
            return DeliveryReceipt(self.name, event.id, status, answer, replayed)
        if status == 409:
            return DeliveryReceipt(self.name, event.id, status, answer, True)
        retriable, suffix = _classify_status(status)
        message = f"{self.name}: {self._shown_url} answered {status} for event {event.id}"
        raise self._error(
            retriable,
            suffix,
            message,
            event,
            status,
            answer,
            retry_after=response.headers.get("Retry-After"),
        )

    def _error(
        self,
        retriable: bool,
        suffix: str,
        message: str,
        event: Event,
        status: int | None,
        response: str,
        **context: object,
    ) -> RetriableDeliveryError | FatalDeliveryError:
        error = RetriableDeliveryError if retriable else FatalDeliveryError
        return error(
            message,
            code=f"erp.{self.name}.{suffix}",
            connector=self.name,
            event_id=event.id,
            url=self._shown_url,
            status=status,
            response=excerpt(response),
            **context,
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


def _text(response: Answer) -> str:
    """The start of the answer as text (UTF-8 bytes are at most 4 per character, so the bytes
    read hold the excerpt whole)."""
    try:
        return excerpt(response.body.decode(response.charset, errors="replace"))
    except LookupError:  # a charset Python does not know
        return excerpt(response.body.decode("utf-8", errors="replace"))


def _config_error(message: str) -> ConfigurationError:
    return ConfigurationError(f"webhook: {message}", code="erp.webhook.misconfigured")
