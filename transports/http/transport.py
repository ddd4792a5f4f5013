"""``HttpTransport``: the supplier API as a transport.

Receiving is its routes' job (``routes/x12.py``, ``routes/documents.py``), through ``hand_in``.
Sending is holding: an HTTP supplier fetches what we answer (our 997/999/TA1) from its receipt,
``GET /v1/receipts/{id}``, so nothing is pushed.
"""

from __future__ import annotations

from fastapi import Request

from transports.base import Outbound, Sent, Transport
from transports.http.schemas import receipt_links


class HttpTransport(Transport):
    name = "http"

    def send(self, outbound: Outbound) -> Sent:
        where = receipt_links(outbound.in_reply_to)["self"] if outbound.in_reply_to else "/v1"
        return Sent("held", f"the partner fetches it at {where}")


def http_transport(request: Request) -> HttpTransport:
    """The transport the composition root installed (``transports.http.install``)."""
    transport: HttpTransport = request.app.state.http_transport
    return transport
