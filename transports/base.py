"""The transport seam: one small base class for every way partners reach us.

::

    partner ──bytes──▶ Transport ──Inbound──▶ Inbox.receive (commit) ──▶ acknowledge ──▶ enqueue
    outbox  ──Outbound──▶ Transport.send ──▶ partner          (poll: pull transports fetch first)

A transport authenticates the channel (API key, AS2 certificate, SFTP account) and hands the bytes
with the partner that channel proved to ``gateway.pipeline.inbox.Inbox``; it never parses them.
What we send (997/999/TA1, 850s) comes from the outbox (``gateway.pipeline.outbox``, which
defines ``Outbound`` and ``Sent``: the gateway never imports a transport) as an ``Outbound``;
the ``send_outbound`` worker calls ``send`` of a push transport through the name -> sender table
``gateway_app.senders`` builds, records the attempt and the ``Sent.message_id``, and a later
receipt (an async MDN) calls ``gateway.pipeline.outbox.acknowledge_by_transport_id``.
``TRANSPORTS`` (``transports.registry``) names every implementation; ``MemoryTransport`` is the stub
tests use, and ``tests/transports/test_conformance.py`` runs every transport through the seam.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.outbox import Outbound, Sent
from gateway.pipeline.receive import Receipt

__all__ = ["Outbound", "Sent", "Transport"]


class Transport(ABC):
    """Receives through ``hand_in`` (its own adapters call it) and sends through ``send``."""

    name: ClassVar[str]
    partner_fetches: ClassVar[bool] = False
    """True: the partner fetches what we send (the HTTP API's ``/v1/outbox``), so the workers
    never call ``send``; False: a push transport, in the workers' sender table."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def hand_in(self, inbound: Inbound) -> Receipt:
        """Store what the channel delivered; acknowledge the partner only after this returns,
        then call ``inbox.enqueue``."""
        return self.inbox.receive(inbound)

    @abstractmethod
    def send(self, outbound: Outbound) -> Sent:
        """Deliver (or hold for pickup) one outbound document; safe to call twice for one id
        (a crash between ``send`` and its record sends again: ``gateway.pipeline.send``).

        Failures raise ``RetriableDeliveryError`` (network, 5xx: tried again with backoff) or
        ``FatalDeliveryError`` (refused for good: the item fails, an operator retries it)."""

    def poll(self) -> int:
        """Pull transports fetch what waits on the partner's side; returns how many were handed
        in. Push transports have nothing to fetch."""
        return 0
