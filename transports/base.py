"""The transport seam: one small base class for every way partners reach us.

::

    partner ──bytes──▶ Transport ──Inbound──▶ Inbox.receive (commit) ──▶ acknowledge ──▶ enqueue
    outbox  ──Outbound──▶ Transport.send ──▶ partner          (poll: pull transports fetch first)

A transport authenticates the channel (API key, AS2 certificate, SFTP account) and hands the bytes
with the partner that channel proved to ``gateway.pipeline.inbox.Inbox``; it never parses them.
What we send back (997/999/TA1, MDNs, 850s) comes from the outbox as an ``Outbound``.
``TRANSPORTS`` (in ``transports``) names every implementation; ``MemoryTransport`` is the stub
tests use, and ``tests/transports/test_conformance.py`` runs every transport through the seam.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.receive import Receipt


@dataclass(frozen=True, slots=True)
class Outbound:
    """One document for a partner, as the outbox hands it to the partner's transport."""

    id: str
    partner_id: str
    kind: str
    """``997``, ``999``, ``TA1``, ``850``...: what the payload is."""
    payload: bytes
    content_type: str = "application/edi-x12"
    in_reply_to: str | None = None
    """The inbound message it answers (acknowledgements), if any."""


@dataclass(frozen=True, slots=True)
class Sent:
    status: Literal["sent", "held"]
    """``sent``: the partner has it; ``held``: kept for the partner to fetch (pull transports)."""
    detail: str = ""
    transport_message_id: str | None = None
    """The transport's id for what was sent (AS2 Message-ID): what its acknowledgement names."""
    acknowledged: bool = False
    """The partner confirmed receipt in the same exchange (AS2 sync MDN that verified)."""


class Transport(ABC):
    """Receives through ``hand_in`` (its own adapters call it) and sends through ``send``."""

    name: ClassVar[str]

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def hand_in(self, inbound: Inbound) -> Receipt:
        """Store what the channel delivered; acknowledge the partner only after this returns,
        then call ``inbox.enqueue``."""
        return self.inbox.receive(inbound)

    @abstractmethod
    def send(self, outbound: Outbound) -> Sent:
        """Deliver (or hold for pickup) one outbound document; safe to call twice for one id."""

    def poll(self) -> int:
        """Pull transports fetch what waits on the partner's side; returns how many were handed
        in. Push transports have nothing to fetch."""
        return 0
