"""The outbox's sender table: each push transport's ``send`` by name, for ``send_outbound``.

The gateway reaches transports only through this table (``Runtime.senders``), which the
composition root builds from ``transports.TRANSPORTS``. Transports the partner fetches from
(``partner_fetches``: the HTTP API) are left out: their items wait for the partner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.partners import read_profile
from gateway.pipeline.inbox import Inbox
from gateway.pipeline.outbox import Sender, acknowledge_by_transport_id
from gateway.runtime import Runtime
from transports.as2.mdn import ReceivedMdn
from transports.as2.receiver import MdnCallback
from transports.as2.sender import outbound_id_in
from transports.as2.transport import AS2Transport
from transports.base import Transport
from transports.registry import TRANSPORTS
from transports.sftp.accounts import username_clashes
from transports.sftp.transport import SftpTransport, default_root

log = logging.getLogger("gateway.outbox")


def build_senders(runtime: Runtime) -> dict[str, Sender]:
    """One instance per push transport, used for sending only (a transport that also receives
    is served by the web app's own instance)."""
    inbox = Inbox(runtime.db, _not_receiving, runtime.settings.partners_dir)
    return {
        name: _sending(transport_class, inbox, runtime).send
        for name, transport_class in TRANSPORTS.items()
        if not transport_class.partner_fetches
    }


def _sending(transport_class: type[Transport], inbox: Inbox, runtime: Runtime) -> Transport:
    if transport_class is AS2Transport:
        return as2_transport(inbox, runtime)
    if transport_class is SftpTransport:
        return SftpTransport(inbox, default_root(runtime.settings))
    return transport_class(inbox)


def as2_transport(
    inbox: Inbox,
    runtime: Runtime,
    on_mdn: MdnCallback | None = None,
    enqueue_outbound: Callable[[list[str]], None] | None = None,
) -> AS2Transport:
    """The AS2 transport with the gateway's AS2 name and key secret (the web app's receives,
    queues the async MDNs it owes and hands them to ``enqueue_outbound``, and hands the async
    MDNs it gets to ``on_mdn``; the workers' only sends)."""
    settings = runtime.settings
    return AS2Transport(
        inbox,
        our_id=settings.as2_id,
        key_secret=settings.as2_key_secret.get_secret_value(),
        enqueue_outbound=enqueue_outbound,
        on_mdn=on_mdn,
    )


def mdn_to_outbox(runtime: Runtime, partner_id: str, mdn: ReceivedMdn, mic_ok: bool | None) -> None:
    """An async MDN for something we sent over AS2 acknowledges its outbox item: positive (and
    its MIC not contradicting ours) -> ``acknowledged``; negative -> ``failed`` with the reason."""
    original = (mdn.original_message_id or "").strip()
    if not original:
        log.warning("async MDN from %s names no original message", partner_id)
        return
    error = None if mdn.processed else (mdn.error or mdn.disposition)
    if error is None and mic_ok is False:
        error = "the MDN's MIC does not match what we sent"
    item = acknowledge_by_transport_id(
        runtime.db, "as2", original, error=error, item_hint=outbound_id_in(original)
    )
    if item is None:
        log.warning("async MDN from %s for %s matches nothing we sent", partner_id, original)


def _not_receiving(message_id: str) -> None:
    raise RuntimeError(f"a sending-only transport handed in {message_id}")


def transport_problems(partners_dir: Path) -> list[str]:
    """What the transports find wrong in the profiles (``check-config``, start-up, live
    reload): an unknown outbound transport, an SFTP user name two partners claim."""
    return unknown_outbound(partners_dir) + username_clashes(partners_dir)


def unknown_outbound(partners_dir: Path) -> list[str]:
    """Profiles whose ``transports.outbound`` names no registered transport (``check-config``):
    their documents would wait in the outbox for ever. Unreadable profiles are reported by
    ``check_partners``."""
    problems = []
    for path in sorted(partners_dir.glob("*.yaml")):
        try:
            # the file as it is now (live reload checks a change before it is installed)
            outbound = read_profile(path.stem, partners_dir).transports.outbound
        except ConfigurationError:
            continue
        if outbound not in TRANSPORTS:
            known = ", ".join(sorted(TRANSPORTS))
            problems.append(
                f"{path.name}: transports.outbound: no transport {outbound!r} (known: {known})"
            )
    return problems
