"""``AS2Transport``: AS2 (RFC 4130) as a transport.

Receiving is ``POST /as2`` (``transports.as2.install``), handled by ``receiver.handle`` in a
worker thread; an asynchronous MDN we owe is queued in the outbox (``schedule_mdn``) and sent by
the workers like any item. Sending is ``send(Outbound) -> Sent``: a document is packed and posted
by ``sender`` (for a sync MDN the answer is ``acknowledged`` once the MDN verified, for an async
one the MDN arrives later at ``POST /as2`` and is handed to ``on_mdn``, the outbox's
acknowledgement); an outbox item of kind ``mdn`` is one of our async MDNs, posted as it was
built to its ``target_url`` (``async_mdn.post``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gateway.errors import ConfigurationError, FatalDeliveryError
from gateway.pipeline.inbox import Inbox
from transports.as2 import async_mdn
from transports.as2.async_mdn import AsyncMdn
from transports.as2.directory import Directory
from transports.as2.mdn import Mic, ReceivedMdn
from transports.as2.receiver import Answer, MdnCallback, Request, handle
from transports.as2.sender import message_id_for, mic_matches, pack, post
from transports.base import Outbound, Sent, Transport

log = logging.getLogger("gateway.as2")
MAX_PENDING = 10_000


class AS2Transport(Transport):
    name = "as2"

    def __init__(
        self,
        inbox: Inbox,
        *,
        our_id: str = "GATEWAYBUYER",
        key_secret: str = "",
        enqueue_outbound: Callable[[list[str]], None] | None = None,
        on_mdn: MdnCallback | None = None,
    ) -> None:
        """``enqueue_outbound``: hands a queued async MDN to the workers (unset or failing: the
        sweep finds it); ``on_mdn``: told of every async MDN that verified for what we sent."""
        super().__init__(inbox)
        self.directory = Directory(inbox.partners_dir, our_id, key_secret)
        self.enqueue_outbound = enqueue_outbound
        self.on_mdn = on_mdn
        self._sent_mics: dict[str, Mic] = {}
        """Message-ID -> the MIC we computed, for async MDNs (a bounded, in-memory hint: the
        outbox keeps the MIC from ``Sent.detail`` durably)."""
        self._lock = threading.Lock()

    def schedule_mdn(self, mdn: AsyncMdn) -> str:
        """Queue an async MDN in the outbox (committed when this returns: raises otherwise) and
        hand it to the workers; its outbox id."""
        item_id = async_mdn.queue(self.inbox, mdn)
        if self.enqueue_outbound is not None:
            try:
                self.enqueue_outbound([item_id])
            except Exception:  # queued in the database: the sweep sends it
                log.exception("enqueueing async MDN %s failed; the sweep will send it", item_id)
        return item_id

    def receive(self, request: Request) -> Answer:
        """One ``POST /as2``: see ``receiver``. Blocking: run it in a worker thread."""
        return handle(self, request)

    def send(self, outbound: Outbound) -> Sent:
        if outbound.kind == async_mdn.KIND:
            return self._send_mdn(outbound)
        try:
            partner = self.directory.partner(outbound.partner_id)
        except ConfigurationError as exc:
            raise FatalDeliveryError(exc.message, partner_id=outbound.partner_id) from exc
        message_id = message_id_for(outbound.id, partner.our_id)
        filename = f"{outbound.id}.{outbound.kind.lower()}.edi"
        try:
            packed = pack(
                partner,
                outbound.payload,
                outbound.content_type,
                message_id=message_id,
                filename=filename,
            )
        except ConfigurationError as exc:
            raise FatalDeliveryError(exc.message, partner_id=outbound.partner_id) from exc
        mode = partner.settings.mdn
        if mode == "async":
            self._remember(message_id, packed.mic)
        mdn = post(partner, packed)
        detail = f"AS2 Message-ID {message_id}, MIC {packed.mic}"
        if mdn is not None:
            return Sent("acknowledged", f"{detail}; MDN: {mdn.disposition}", message_id)
        waiting = "awaiting an asynchronous MDN" if mode == "async" else "no MDN requested"
        return Sent("sent", f"{detail}; {waiting}", message_id)

    def _send_mdn(self, outbound: Outbound) -> Sent:
        """One of our async MDNs, to the URL its message asked for, with its own headers."""
        if not outbound.target_url:
            raise FatalDeliveryError(
                f"async MDN {outbound.id} has no target URL", partner_id=outbound.partner_id
            )
        status = async_mdn.post(outbound.target_url, outbound.headers, outbound.payload)
        return Sent("acknowledged", f"MDN posted to {outbound.target_url}: HTTP {status}")

    def _remember(self, message_id: str, mic: Mic) -> None:
        with self._lock:
            self._sent_mics[message_id] = mic
            while len(self._sent_mics) > MAX_PENDING:
                del self._sent_mics[next(iter(self._sent_mics))]

    def mdn_received(self, partner_id: str, mdn: ReceivedMdn) -> None:
        """An async MDN verified (``receiver.receive_mdn``): compare its MIC if we know ours,
        then tell ``on_mdn``."""
        original = (mdn.original_message_id or "").strip()
        with self._lock:
            sent = self._sent_mics.pop(original, None)
        mic_ok = mic_matches(mdn.mic, sent) if sent is not None else None
        log.info(
            "async MDN from %s for %s: %s (MIC ok: %s)",
            partner_id,
            original,
            mdn.disposition,
            mic_ok,
        )
        if self.on_mdn is not None:
            self.on_mdn(partner_id, mdn, mic_ok)
