"""The outbox's sender table: each push transport's ``send`` by name, for ``send_outbound``.

The gateway reaches transports only through this table (``Runtime.senders``), which the
composition root builds from ``transports.TRANSPORTS``. Transports the partner fetches from
(``partner_fetches``: the HTTP API) are left out: their items wait for the partner.
"""

from __future__ import annotations

from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.partners import load_partner
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


def unknown_outbound(partners_dir: Path) -> list[str]:
    """Profiles whose ``transports.outbound`` names no registered transport (``check-config``):
    their documents would wait in the outbox for ever. Unreadable profiles are reported by
    ``check_partners``."""
    problems = []
    for path in sorted(partners_dir.glob("*.yaml")):
        try:
            outbound = load_partner(path.stem, partners_dir).transports.outbound
        except ConfigurationError:
            continue
        if outbound not in TRANSPORTS:
            known = ", ".join(sorted(TRANSPORTS))
            problems.append(
                f"{path.name}: transports.outbound: no transport {outbound!r} (known: {known})"
            )
    return problems
