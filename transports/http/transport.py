"""``HttpTransport``: the supplier API as a transport.

Receiving is its routes' job (``routes/x12.py``, ``routes/documents.py``), through ``hand_in``.
Sending is holding: an HTTP supplier fetches what we send (our 997/999/TA1) from its outbox,
``GET /v1/outbox`` (``routes/outbox.py``), and acknowledges it there; nothing is pushed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transports.base import Outbound, Sent, Transport
from transports.http.schemas import outbox_links

if TYPE_CHECKING:  # the workers import this module to send: no web framework at run time
    from fastapi import Request


class HttpTransport(Transport):
    name = "http"
    partner_fetches = True

    def send(self, outbound: Outbound) -> Sent:
        return Sent("held", f"the partner fetches it at {outbox_links(outbound.id)['raw']}")


def http_transport(request: Request) -> HttpTransport:
    """The transport the composition root installed (``transports.http.web.install``)."""
    transport: HttpTransport = request.app.state.http_transport
    return transport
