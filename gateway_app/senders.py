"""The outbox's sender table: each push transport's ``send`` by name, for ``send_outbound``.

The gateway reaches transports only through this table (``Runtime.senders``), which the
composition root builds from ``transports.TRANSPORTS``. Transports the partner fetches from
(``partner_fetches``: the HTTP API) are left out: their items wait for the partner.
"""

from __future__ import annotations

from gateway.pipeline.inbox import Inbox
from gateway.pipeline.outbox import Sender
from gateway.runtime import Runtime
from transports.registry import TRANSPORTS


def build_senders(runtime: Runtime) -> dict[str, Sender]:
    """One instance per push transport, used for sending only (a transport that also receives
    is served by the web app's own instance)."""
    inbox = Inbox(runtime.db, _not_receiving, runtime.settings.partners_dir)
    return {
        name: transport_class(inbox).send
        for name, transport_class in TRANSPORTS.items()
        if not transport_class.partner_fetches
    }


def _not_receiving(message_id: str) -> None:
    raise RuntimeError(f"a sending-only transport handed in {message_id}")
