"""``Inbox``: where every transport hands in what an authenticated channel delivered.

Durability first, in this order: ``receive`` commits the bytes and their metadata; the transport
then acknowledges (HTTP 202, AS2 MDN, SFTP archive move); then ``enqueue`` hands the stored id to
the workers. An enqueue that fails loses nothing: the sweep finds the stored message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.partners import PartnerProfile, load_partner
from gateway.pipeline.receive import Receipt, receive, refuse
from gateway.store.db import Database

log = logging.getLogger("gateway.pipeline")


@dataclass(frozen=True, slots=True)
class Inbound:
    """Bytes as a transport received them, from the partner its channel authenticated.

    ``partner_id`` is who the channel proved (API key, AS2 certificate, SFTP account), never who
    the content claims to be; the pipeline checks the content against it.
    """

    partner_id: str
    transport: str
    raw: bytes
    content_type: str
    transport_message_id: str | None = None
    """The transport's own id (X-Message-Id, AS2 Message-ID, file name): a re-send duplicates."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """What the transport knows of the exchange (client address, user agent, file name...)."""


class Inbox:
    def __init__(
        self,
        db: Database,
        enqueue_process: Callable[[str], None],
        partners_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.enqueue_process = enqueue_process
        self.partners_dir = partners_dir

    def profile(self, partner_id: str) -> PartnerProfile:
        """The partner's profile (cached after its first load by ``load_partner``)."""
        return load_partner(partner_id, self.partners_dir)

    def receive(self, inbound: Inbound) -> Receipt:
        """Store ``inbound`` durably; when this returns the bytes are committed."""
        profile = self.profile(inbound.partner_id)
        return receive(
            self.db,
            partner_id=inbound.partner_id,
            transport=inbound.transport,
            raw=inbound.raw,
            transport_message_id=inbound.transport_message_id,
            content_type=inbound.content_type,
            meta=dict(inbound.meta),
            duplicate_policy=profile.duplicate_policy,
            checks=profile.duplicate_checks,
        )

    def refuse(self, inbound: Inbound, code: str, reason: str) -> str:
        """Keep what the transport refused (``receive.refuse``); returns the stored id."""
        return refuse(
            self.db,
            partner_id=inbound.partner_id or None,
            transport=inbound.transport,
            raw=inbound.raw,
            code=code,
            reason=reason,
            transport_message_id=inbound.transport_message_id,
            content_type=inbound.content_type,
            meta=dict(inbound.meta),
        )

    def enqueue(self, receipt: Receipt) -> None:
        """After the commit and the acknowledgement; a failure is logged, never raised."""
        if not receipt.needs_processing:
            return
        try:
            self.enqueue_process(receipt.message_id)
        except Exception:
            log.exception("enqueueing %s failed; the sweep will pick it up", receipt.message_id)
