"""Asynchronous MDNs (``Receipt-Delivery-Option``): outbox items, POSTed by the workers.

An async MDN is owed to the partner as surely as a 997, so it goes the same durable way: the
receiver queues it as an outbox item (``queue``: kind ``mdn``, transport ``as2``, the URL in
``target_url``, its MIME headers in ``headers``, the message it answers in ``message_id``) once
the message is committed, and the workers' ``send_outbound`` sends it (``AS2Transport.send`` ->
``post``) with the outbox's recorded attempts and backoff. A crash loses nothing: the sweep finds
the queued item. It is ``acknowledged`` when the partner's server answers 2xx (that answer is the
only receipt an MDN gets).

``post`` is one attempt and says by its exception whether another may help
(``RetriableDeliveryError``: network, 429, 5xx; ``FatalDeliveryError``: any other answer, or a
URL we cannot use).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.http_client import HttpFailure, PostClient, UrlError
from gateway.pipeline.inbox import Inbox
from gateway.pipeline.outbox import queue_item

KIND = "mdn"
ANSWER_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class AsyncMdn:
    url: str
    headers: dict[str, str]
    body: bytes
    partner_id: str
    original_message_id: str
    """The AS2 Message-ID it answers."""
    stored_id: str | None = None
    """The inbound message (ours) it answers, accepted or refused."""


def queue(inbox: Inbox, mdn: AsyncMdn) -> str:
    """The MDN as a queued outbox item in the inbox's store (committed when this returns)."""
    media_type = mdn.headers.get("Content-Type", "").split(";", 1)[0].strip()
    return queue_item(
        inbox.db,
        partner_id=mdn.partner_id,
        kind=KIND,
        payload=mdn.body,
        transport="as2",
        message_id=mdn.stored_id,
        content_type=(media_type or "multipart/report")[:100],
        target_url=mdn.url,
        headers=mdn.headers,
    )


def post(url: str, headers: Iterable[tuple[str, str]], body: bytes, timeout: float = 30.0) -> int:
    """One attempt (module docstring); the HTTP status of a 2xx answer."""
    try:
        client = PostClient(url, timeout=timeout)
    except (UrlError, OSError) as exc:
        raise FatalDeliveryError(f"async MDN URL {url!r}: {exc}") from exc
    try:
        answer = client.post(body, dict(headers), limit=ANSWER_LIMIT)
    except HttpFailure as exc:
        error = RetriableDeliveryError if exc.retriable else FatalDeliveryError
        raise error(f"async MDN to {url}: {exc}", kind=exc.kind) from exc
    finally:
        client.close()
    if answer.status == 429 or answer.status >= 500:
        raise RetriableDeliveryError(f"async MDN to {url}: HTTP {answer.status}")
    if answer.status >= 300:
        raise FatalDeliveryError(f"async MDN to {url}: HTTP {answer.status}")
    return answer.status
