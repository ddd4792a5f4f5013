"""One AS2 request in, one HTTP answer out: the partner, the message opened, stored, then the MDN.

Durability first: the payload and what we learnt about it are committed through the inbox
(``Transport.hand_in``) before a positive MDN is built; the stored id is enqueued after that. A
repeated Message-ID is a transport duplicate (``receive``): answered with a positive MDN, not
processed again. What cannot be opened is kept as a ``refused`` message under the partner its
AS2-From names (for an unknown pair: no partner, and only the digest and size of the bytes) and
answered with the error MDN:

=============================  ==========================================================
unknown AS2-From/AS2-To pair    ``unknown-trading-partner`` (unsigned: we know no key)
signer not theirs, or expired   ``authentication-failed``
content or signature altered    ``integrity-check-failed``
not for our key, bad cipher     ``decryption-failed``
inflates past the limit         ``decompression-failed``
not signed/encrypted as agreed  ``insufficient-message-security``
anything else                   ``unexpected-processing-error``
=============================  ==========================================================

A request without AS2-From, AS2-To or Message-ID is not AS2: 400, nothing stored. A sender that
asked for no MDN gets 200 when the message was stored, 4xx when it was refused.

An asynchronous MDN is queued in the outbox (``AS2Transport.schedule_mdn``) before the 200 that
promises it; when that fails the answer is 503 and the sender sends again (a duplicate then gets
its MDN). The URL a message names is only called when the message proved who sent it (a
signature that verified against the partner's certificates) or when it is on the host of the
partner's own ``url``: anyone can put a known AS2-From on a request, and the gateway must not be
made to POST to addresses of an attacker's choosing. Otherwise the MDN comes back synchronously.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from gateway.errors import ConfigurationError
from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.receive import Receipt
from transports.as2 import cms
from transports.as2.async_mdn import AsyncMdn
from transports.as2.directory import AS2Partner, Directory
from transports.as2.inbound import Opened, open_message
from transports.as2.mdn import (
    MdnRequest,
    Mic,
    ReceivedMdn,
    build_mdn,
    is_mdn,
    read_mdn,
    unquote_id,
)
from transports.as2.mime import ContentType, MimeError, entity_from

log = logging.getLogger("gateway.as2")
MAX_HEADER = 255


class AS2Transport(Protocol):
    """What the receiver needs of ``transport.AS2Transport`` (which passes itself)."""

    @property
    def name(self) -> str: ...

    inbox: Inbox
    directory: Directory

    def hand_in(self, inbound: Inbound) -> Receipt: ...

    def schedule_mdn(self, mdn: AsyncMdn) -> str: ...

    def mdn_received(self, partner_id: str, mdn: ReceivedMdn) -> None: ...


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def text(status: int, message: str) -> Answer:
    return Answer(status, {"Content-Type": "text/plain; charset=utf-8"}, message.encode() + b"\n")


@dataclass(frozen=True, slots=True)
class Request:
    headers: Sequence[tuple[str, str]]
    body: bytes
    remote_addr: str | None = None

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def handle(transport: AS2Transport, request: Request) -> Answer:
    their_id = unquote_id(request.get("as2-from"))
    our_id = unquote_id(request.get("as2-to"))
    message_id = (request.get("message-id") or "").strip()
    if not their_id or not our_id:
        return text(400, "not an AS2 message: AS2-From and AS2-To are required")
    if is_mdn(ContentType.parse(request.get("content-type")), request.body):
        return receive_mdn(transport, request, their_id, our_id)
    if not message_id or len(message_id) > MAX_HEADER or not message_id.isprintable():
        return text(400, "not an AS2 message: a printable Message-ID is required")
    return Intake(transport, request, their_id, our_id, message_id).run()


@dataclass
class Intake:
    transport: AS2Transport
    request: Request
    their_id: str
    our_id: str
    message_id: str

    def run(self) -> Answer:
        asked = MdnRequest.from_headers({k.lower(): v for k, v in self.request.headers})
        try:
            partner = self.transport.directory.find(self.their_id, self.our_id)
        except ConfigurationError as exc:
            log.error("AS2 from %s: %s", self.their_id, exc)
            return self.refuse(None, asked, "unexpected-processing-error", str(exc))
        if partner is None:
            reason = f"no partner sends as {self.their_id!r} to {self.our_id!r}"
            return self.refuse(None, asked, "unknown-trading-partner", reason, status=403)
        if partner.profile.status == "suspended":
            return self.refuse(partner, asked, "authentication-failed", "the partner is suspended")
        entity = entity_from(self.request.headers, self.request.body)
        try:
            opened = open_message(entity, partner)
        except cms.CmsError as exc:
            return self.refuse(partner, asked, exc.disposition, exc.message)
        except MimeError as exc:
            return self.refuse(partner, asked, "unexpected-processing-error", exc.message)
        except Exception as exc:  # a message must never take the endpoint down
            log.exception("AS2 message %s from %s", self.message_id, partner.partner_id)
            return self.refuse(partner, asked, "unexpected-processing-error", repr(exc))
        return self.accept(partner, asked, opened)

    def meta(self, **more: Any) -> dict[str, Any]:
        body = self.request.body
        return {
            "remote_addr": self.request.remote_addr,
            "as2_from": self.their_id,
            "as2_to": self.our_id,
            "as2_message_id": self.message_id,
            "wire_sha256": hashlib.sha256(body).hexdigest(),
            "wire_size": len(body),
            **more,
        }

    def accept(self, partner: AS2Partner, asked: MdnRequest, opened: Opened) -> Answer:
        mic = opened.mic(asked.mic_algorithm(opened.signature_digest))
        inbound = Inbound(
            partner_id=partner.partner_id,
            transport=self.transport.name,
            raw=opened.content,
            content_type=opened.content_type,
            transport_message_id=self.message_id,
            meta=self.meta(
                filename=opened.filename,
                signed=opened.signed,
                encrypted=opened.encrypted,
                compressed=opened.compressed,
                mic=str(mic),
            ),
        )
        try:
            receipt = self.transport.hand_in(inbound)  # committed: now we may say "processed"
        except Exception as exc:  # nothing stored: the sender must try again
            log.exception("storing AS2 message %s failed", self.message_id)
            return self.answer(partner, asked, None, "unexpected-processing-error", repr(exc))
        try:
            said = "a duplicate, already received" if receipt.status != "received" else "received"
            words = f"The AS2 message was {said}."
            answer = self.answer(
                partner, asked, mic, None, words, stored_id=receipt.message_id, proven=opened.signed
            )
        finally:
            self.transport.inbox.enqueue(receipt)
        return answer

    def refuse(
        self,
        partner: AS2Partner | None,
        asked: MdnRequest,
        disposition: str,
        reason: str,
        status: int = 400,
    ) -> Answer:
        inbound = Inbound(
            partner_id=partner.partner_id if partner is not None else "",
            transport=self.transport.name,
            # a stranger's bytes are not kept (anyone can post them): their digest and size are
            raw=self.request.body if partner is not None else b"",
            content_type=self.request.get("content-type") or "",
            transport_message_id=self.message_id,
            meta=self.meta(disposition=disposition),
        )
        stored_id = None
        try:
            stored_id = self.transport.inbox.refuse(inbound, f"as2.{disposition}", reason)
        except Exception:
            log.exception("keeping refused AS2 message %s failed", self.message_id)
        log.warning(
            "AS2 %s from %s refused: %s: %s", self.message_id, self.their_id, disposition, reason
        )
        if not asked.wanted:
            return text(status, f"{disposition}: {reason}")
        try:
            words = f"{disposition}: {reason}"
            return self.answer(partner, asked, None, disposition, words, stored_id=stored_id)
        except Exception:
            log.exception("building the error MDN for %s failed", self.message_id)
            return text(500, f"{disposition}: {reason}")

    def answer(
        self,
        partner: AS2Partner | None,
        asked: MdnRequest,
        mic: Mic | None,
        error: str | None,
        words: str,
        *,
        stored_id: str | None = None,
        proven: bool = False,
    ) -> Answer:
        """``proven``: the message's signature verified (its async URL may be called)."""
        if not asked.wanted:
            return text(200, words)
        signer = None
        if partner is not None and asked.signed:
            try:
                signer = partner.signer()
            except ConfigurationError as exc:  # no valid key of ours: unsigned beats no answer
                log.error("AS2 MDN for %s unsigned: %s", self.message_id, exc.message)
        mdn = build_mdn(
            original_message_id=self.message_id,
            our_id=self.our_id,
            their_id=self.their_id,
            mic=mic,
            error=error,
            text=words,
            signer=signer,
            digest=mic.algorithm if mic is not None else asked.mic_algorithm(None),
        )
        if asked.async_url and partner is not None:  # an unknown sender's URL is never called
            if not (proven or same_host(asked.async_url, partner.settings.url)):
                log.warning(
                    "AS2 %s from %s: async MDN answered synchronously, %s is not to be called "
                    "for an unsigned or refused message",
                    self.message_id,
                    partner.partner_id,
                    asked.async_url,
                )
                return Answer(200, mdn.headers, mdn.body)
            queued = AsyncMdn(
                asked.async_url,
                mdn.headers,
                mdn.body,
                partner.partner_id,
                self.message_id,
                stored_id,
            )
            try:
                self.transport.schedule_mdn(queued)
            except Exception:  # not queued: promise nothing, the sender sends again
                log.exception("queueing the async MDN for %s failed", self.message_id)
                return text(503, "the MDN could not be queued: send the message again")
            return text(200, f"{words} The MDN will be sent to {asked.async_url}.")
        return Answer(200, mdn.headers, mdn.body)


def receive_mdn(transport: AS2Transport, request: Request, their_id: str, our_id: str) -> Answer:
    """An asynchronous MDN for something we sent: verified, then handed to ``on_mdn``."""
    try:
        partner = transport.directory.find(their_id, our_id)
    except ConfigurationError as exc:
        return text(500, f"cannot check this MDN: {exc.message}")
    if partner is None:
        return text(403, f"no partner sends as {their_id!r} to {our_id!r}")
    try:
        received = read_mdn(
            request.headers,
            request.body,
            partner.certificates,
            require_signed=partner.settings.mdn_signed,
            allow_sha1=partner.settings.allow_sha1,
        )
    except (cms.CmsError, MimeError) as exc:
        log.warning("async MDN from %s refused: %s", their_id, exc.message)
        return text(400, f"MDN refused: {exc.message}")
    transport.mdn_received(partner.partner_id, received)
    return text(200, "MDN received")


def same_host(url: str, configured: str | None) -> bool:
    """Whether ``url`` is on the host (and port) of the partner's configured AS2 URL."""
    if not configured:
        return False
    theirs, ours = urlsplit(url), urlsplit(configured)
    return bool(theirs.hostname) and (theirs.hostname, theirs.port) == (ours.hostname, ours.port)


MdnCallback = Callable[[str, ReceivedMdn, bool | None], None]
"""(partner id, the MDN, whether its MIC matches what we sent: None when we do not know)."""
