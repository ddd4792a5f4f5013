"""The schedule of SFTP polls (mode ``remote``), run by the workers: ``gateway worker`` in each
process, ``gateway run`` beside its embedded workers.

Every ``TICK_S`` each worker looks for partners whose poll is due (``poll_interval_s`` since
the last poll, from ``partner_polls``) and polls them; the lease (``SftpPoller.acquire``) makes
one of many workers win each poll. Polls of several partners run one after the other in this
thread: a slow supplier delays the next partner by at most its ``TIMEOUT_S`` per step.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from gateway.errors import ConfigurationError
from gateway.partner_sections import SftpSettings
from gateway.pipeline.inbox import Inbox
from gateway.runtime import Runtime
from gateway.store.models import PartnerPoll, utcnow
from transports.sftp.poller import PollOutcome, SftpPoller, polled_partners

log = logging.getLogger("gateway.sftp.poller")
TICK_S = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def poll_now(
    runtime: Runtime, enqueue_process: Callable[[str], None], partner_id: str
) -> PollOutcome:
    """One poll of ``partner_id`` now (``gateway sftp poll ID``), lease permitting."""
    partners_dir = runtime.settings.partners_dir
    assert partners_dir is not None
    settings = polled_partners(partners_dir).get(partner_id)
    if settings is None:
        raise ConfigurationError(f"partner {partner_id!r} has no enabled SFTP of mode remote")
    inbox = Inbox(runtime.db, enqueue_process, partners_dir)
    return SftpPoller(runtime.db, inbox, worker_name()).poll(partner_id, settings, partners_dir)


def due(runtime: Runtime, partners: dict[str, SftpSettings]) -> list[str]:
    now = utcnow()
    with runtime.db.sessions() as session:
        last = {row.partner_id: row.last_poll_at for row in session.query(PartnerPoll)}
    out = []
    for partner_id, settings in partners.items():
        at = last.get(partner_id)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if at is None or now - at >= timedelta(seconds=settings.poll_interval_s):
            out.append(partner_id)
    return out


def start_sftp_polls(
    runtime: Runtime, enqueue_process: Callable[[str], None], tick_s: float = TICK_S
) -> Callable[[], None]:
    """Start the schedule in a daemon thread; returns what stops it."""
    partners_dir = runtime.settings.partners_dir
    assert partners_dir is not None
    poller = SftpPoller(runtime.db, Inbox(runtime.db, enqueue_process, partners_dir), "")
    stop = threading.Event()

    def loop() -> None:
        poller.owner = worker_name()
        while not stop.wait(tick_s):
            try:
                partners = polled_partners(partners_dir)
                for partner_id in due(runtime, partners):
                    if stop.is_set():
                        return
                    poller.poll(partner_id, partners[partner_id], partners_dir)
            except Exception:  # the next tick tries again; the errors are in partner_polls
                log.exception("sftp poll schedule")

    threading.Thread(target=loop, daemon=True, name="sftp-polls").start()
    return stop.set
