"""Asynchronous MDNs (``Receipt-Delivery-Option``): POSTed to the sender's URL with retries.

``post_async_mdn`` is one attempt and says by its exception whether another may help
(``RetriableDeliveryError``: network, 429, 5xx; ``FatalDeliveryError``: any other answer, or a
URL we cannot use). ``AsyncMdnSender`` is the default scheduler: one daemon thread retrying with
exponential backoff. An outbox or a worker actor can take its place: the transport only calls
``schedule(mdn)``, and ``AsyncMdn.as_dict``/``from_dict`` carry one through a queue.
"""

from __future__ import annotations

import base64
import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError
from gateway.http_client import HttpFailure, PostClient, UrlError

log = logging.getLogger("gateway.as2")


@dataclass(frozen=True, slots=True)
class AsyncMdn:
    url: str
    headers: dict[str, str]
    body: bytes
    partner_id: str
    original_message_id: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode(),
            "partner_id": self.partner_id,
            "original_message_id": self.original_message_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AsyncMdn:
        return cls(**{**data, "body": base64.b64decode(data["body"])})


def post_async_mdn(mdn: AsyncMdn, timeout: float = 30.0) -> None:
    """One attempt (module docstring)."""
    try:
        client = PostClient(mdn.url, timeout=timeout)
    except (UrlError, OSError) as exc:
        raise FatalDeliveryError(f"async MDN URL {mdn.url!r}: {exc}") from exc
    try:
        answer = client.post(mdn.body, mdn.headers, limit=64 * 1024)
    except HttpFailure as exc:
        error = RetriableDeliveryError if exc.retriable else FatalDeliveryError
        raise error(f"async MDN to {mdn.url}: {exc}", kind=exc.kind) from exc
    finally:
        client.close()
    if answer.status == 429 or answer.status >= 500:
        raise RetriableDeliveryError(f"async MDN to {mdn.url}: HTTP {answer.status}")
    if answer.status >= 300:
        raise FatalDeliveryError(f"async MDN to {mdn.url}: HTTP {answer.status}")


@dataclass(order=True)
class _Due:
    at: float
    attempt: int
    mdn: AsyncMdn = field(compare=False)


class AsyncMdnSender:
    """Posts async MDNs from a daemon thread; a retriable failure waits ``min_backoff_s``,
    doubling up to ``max_backoff_s``, for at most ``attempts`` tries, then is logged as lost."""

    def __init__(
        self,
        *,
        attempts: int = 8,
        min_backoff_s: float = 1.0,
        max_backoff_s: float = 300.0,
        post: Callable[[AsyncMdn], None] = post_async_mdn,
    ) -> None:
        self.attempts = attempts
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.post = post
        self.outcomes: list[tuple[str, str]] = []
        """(original message id, ``sent`` or the last error): the last 1,000, for operators."""
        self._due: list[_Due] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def __call__(self, mdn: AsyncMdn) -> None:
        self._push(_Due(time.monotonic(), 1, mdn))

    def _push(self, due: _Due) -> None:
        with self._wake:
            heapq.heappush(self._due, due)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="as2-mdn", daemon=True)
                self._thread.start()
            self._wake.notify()

    def idle(self) -> bool:
        with self._wake:
            return not self._due

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0].at > time.monotonic():
                    timeout = self._due[0].at - time.monotonic() if self._due else None
                    self._wake.wait(timeout)
                due = heapq.heappop(self._due)
            self._attempt(due)

    def _attempt(self, due: _Due) -> None:
        mdn = due.mdn
        try:
            self.post(mdn)
        except DeliveryError as exc:
            if isinstance(exc, RetriableDeliveryError) and due.attempt < self.attempts:
                wait = min(self.max_backoff_s, self.min_backoff_s * 2 ** (due.attempt - 1))
                log.warning(
                    "async MDN for %s: %s; retry in %.0f s", mdn.original_message_id, exc, wait
                )
                self._push(_Due(time.monotonic() + wait, due.attempt + 1, mdn))
                return
            log.error("async MDN for %s given up: %s", mdn.original_message_id, exc)
            self._record(mdn, str(exc))
        except Exception as exc:  # never let the thread die
            log.exception("async MDN for %s failed", mdn.original_message_id)
            self._record(mdn, repr(exc))
        else:
            self._record(mdn, "sent")

    def _record(self, mdn: AsyncMdn, outcome: str) -> None:
        self.outcomes.append((mdn.original_message_id, outcome))
        del self.outcomes[:-1000]
