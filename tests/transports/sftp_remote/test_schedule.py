"""The schedule the workers run (``gateway_app.pollers``): due partners are polled by it."""

from __future__ import annotations

from gateway_app.pollers import start_sftp_polls
from tests.transports.harness import SAMPLE_856, wait_for
from tests.transports.sftp_remote.conftest import Polling, messages_count


def test_the_schedule_polls_a_due_partner_and_takes_its_file(polling: Polling) -> None:
    path = polling.peer.drop("856-s.edi", SAMPLE_856.read_bytes())
    runtime = polling.gateway.runtime
    stop = start_sftp_polls(runtime, polling.gateway.enqueue_process, tick_s=0.2)
    try:  # poll_interval_s 1, stable_seconds 0: seen on one poll, taken on the next
        wait_for(lambda: len(polling.gateway.deliveries()) == 1, timeout=15)
    finally:
        stop()
    assert messages_count(polling) == 1 and not path.exists()
