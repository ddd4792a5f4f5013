"""The outbox over a push transport (SQLite and PostgreSQL): the ``send_outbound`` actor on
Dramatiq's ``StubBroker`` sends each new 997 through the runtime's sender table, records every
attempt, retries what can be retried, fails what cannot (an operator puts it back), survives a
crash (the sweep), and a later receipt acknowledges an item by the transport's message id.

The partner is the demo supplier with ``transports.outbound: memory``: ``MemoryTransport`` is the
in-memory stub of the transport seam (AS2 and SFTP implement the same ``send``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.erp.memory import MemoryErpConnector
from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.inbox import Inbox
from gateway.pipeline.outbox import Outbound, Sent, acknowledge_by_transport_id
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.pipeline.send import SendPolicy, send_item
from gateway.pipeline.sweep import sweep
from gateway.queries.outbox import outbox_item
from gateway.queries.views import OutboxItemDetail
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import AuditEntry, OutboxAttempt, OutboxItem, utcnow
from gateway.workers.actors import Actors
from gateway.workers.run import enqueue_unfinished
from gateway_app.webapp import create_app
from tests.support.documents import numbered_asn
from transports.memory import MemoryTransport

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer outbox-ops-token"}
POLICY = SendPolicy(max_attempts=3, min_backoff_ms=10, max_backoff_ms=20)


class FlakySender:
    """Fails ``failures`` times with ``error``, then sends through ``MemoryTransport``."""

    def __init__(self, memory: MemoryTransport, failures: int, error: Exception) -> None:
        self.memory, self.failures, self.error = memory, failures, error
        self.calls = 0

    def __call__(self, outbound: Outbound) -> Sent:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        sent = self.memory.send(outbound)
        return Sent(sent.status, message_id=f"<{outbound.id}.{self.calls}@gateway>")


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    partners = tmp_path / "partners"
    partners.mkdir()
    for source in (ROOT / "partners").glob("*.yaml"):
        profile = yaml.safe_load(source.read_text())
        if profile["id"] == "demo-supplier":
            profile["transports"]["outbound"] = "memory"
        (partners / source.name).write_text(yaml.safe_dump(profile))
    upgrade(database_url)
    settings = Settings(
        data_dir=tmp_path,
        partners_dir=partners,
        admin_token="outbox-ops-token",
        outbox_max_attempts=POLICY.max_attempts,
        outbox_min_backoff_ms=POLICY.min_backoff_ms,
        outbox_max_backoff_ms=POLICY.max_backoff_ms,
    )
    config = ProcessConfig(connectors=("memory",), partners_dir=partners)
    rt = Runtime(settings, Database(database_url), MemoryErpConnector(), config)
    assert sync_partners(rt.db, partners) == []
    yield rt
    rt.db.dispose()


@pytest.fixture
def memory(runtime: Runtime) -> MemoryTransport:
    transport = MemoryTransport(Inbox(runtime.db, lambda _id: None))
    runtime.senders = {"memory": transport.send}
    return transport


def drain(broker: StubBroker) -> None:
    for queue in ("test-process", "test-outbox", "test-process", "test-outbox"):
        broker.join(queue, timeout=20_000)


def send_856(runtime: Runtime, actors: Actors, n: int = 1) -> str:
    message_id = receive(
        runtime.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(800 + n)
    ).message_id
    actors.enqueue_process(message_id)
    return message_id


def processed_without_enqueue(runtime: Runtime, n: int = 1) -> str:
    """A message processed and committed by a worker that died before it enqueued anything."""
    message_id = receive(
        runtime.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(900 + n)
    ).message_id
    outcome = process(runtime.db, message_id, runtime.process_config)
    (ref,) = outcome.outbound
    assert ref.transport == "memory"
    return ref.id


def items(runtime: Runtime) -> list[OutboxItemDetail]:
    with runtime.db.sessions() as s:
        ids = list(s.scalars(select(OutboxItem.id).order_by(OutboxItem.created_at)))
    found = [outbox_item(runtime.db, i) for i in ids]
    return [i for i in found if i is not None]


def test_given_an_856_when_processed_then_its_997_is_sent_over_the_push_transport(
    runtime: Runtime, memory: MemoryTransport, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running

    send_856(runtime, actors)
    drain(broker)

    (item,) = items(runtime)
    assert (item.kind, item.transport, item.status, item.attempts) == ("997", "memory", "sent", 1)
    assert [a.result for a in item.history] == ["sent"]
    assert item.history[0].finished_at is not None
    assert b"AK5*A" in memory.sent[item.id].payload
    assert memory.sent[item.id].in_reply_to == item.message_id


def test_given_a_retriable_failure_then_the_item_is_sent_again_after_a_backoff(
    runtime: Runtime, memory: MemoryTransport, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running
    flaky = FlakySender(memory, failures=1, error=RetriableDeliveryError("connection reset"))
    runtime.senders = {"memory": flaky}

    send_856(runtime, actors)
    drain(broker)

    (item,) = items(runtime)
    assert (item.status, item.attempts, flaky.calls) == ("sent", 2, 2)
    assert [a.result for a in item.history] == ["retry", "sent"]
    assert "connection reset" in (item.history[0].error or "")
    assert item.history[1].transport_message_id == f"<{item.id}.2@gateway>"
    assert item.last_error is None


def test_given_a_permanent_failure_then_failed_and_an_operator_retry_sends_it(
    runtime: Runtime, memory: MemoryTransport, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running
    runtime.senders = {"memory": FlakySender(memory, 99, FatalDeliveryError("partner refused"))}
    send_856(runtime, actors)
    drain(broker)
    (failed,) = items(runtime)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "partner refused" in (failed.last_error or "")

    runtime.senders = {"memory": memory.send}  # the cause is fixed
    app = create_app(
        runtime, actors.enqueue_process, actors.enqueue_deliveries, actors.enqueue_outbound
    )
    with TestClient(app) as client:
        listed = client.get("/ops/outbox", params={"status": "failed"}, headers=ADMIN).json()
        answer = client.post(f"/ops/outbox/{failed.id}/retry", headers=ADMIN)
        drain(broker)
        detail = client.get(f"/ops/outbox/{failed.id}", headers=ADMIN).json()
        again = client.post(f"/ops/outbox/{failed.id}/retry", headers=ADMIN)
        drain(broker)

    assert [i["id"] for i in listed] == [failed.id]
    assert answer.status_code == 202
    assert answer.json() == {"id": failed.id, "status": "queued", "was": "failed"}
    assert (detail["status"], detail["attempts"]) == ("sent", 1)
    assert [a["result"] for a in detail["history"]] == ["failed", "sent"]
    assert again.status_code == 202  # sent but never acknowledged: may be sent again
    assert [a.result for a in items(runtime)[0].history] == ["failed", "sent", "sent"]
    with runtime.db.sessions() as s:
        audit = s.scalars(select(AuditEntry.action).where(AuditEntry.subject == failed.id))
        assert list(audit) == ["outbox.failed", "outbox.retried", "outbox.retried"]


def test_given_retries_exhausted_then_failed_after_max_attempts(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    item_id = processed_without_enqueue(runtime)
    flaky = FlakySender(memory, 99, RetriableDeliveryError("timed out"))

    outcomes = [send_item(runtime.db, item_id, {"memory": flaky}, POLICY) for _ in range(3)]

    assert [o.status for o in outcomes] == ["queued", "queued", "failed"]
    assert [o.retry_in_ms is not None for o in outcomes] == [True, True, False]
    with runtime.db.transaction() as s:  # not due yet: nothing is sent early
        s.execute(
            update(OutboxItem).values(
                status="queued", next_attempt_at=utcnow() + timedelta(minutes=1)
            )
        )
    assert send_item(runtime.db, item_id, {"memory": flaky}, POLICY).status == "not_due"
    assert flaky.calls == 3


def test_given_a_crash_after_the_commit_then_the_sweep_sends_the_queued_item(
    runtime: Runtime, memory: MemoryTransport, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running
    item_id = processed_without_enqueue(runtime)
    assert sweep(runtime.db, timedelta(minutes=5), push_transports={"memory"}).outbox == []

    enqueue_unfinished(runtime, actors)  # what every worker start does
    drain(broker)

    assert [(i.id, i.status) for i in items(runtime)] == [(item_id, "sent")]
    assert sweep(runtime.db, push_transports={"memory"}).outbox == []
    assert sweep(runtime.db).outbox == []  # a worker without a sender leaves it alone


def test_given_a_crash_between_send_and_record_then_sent_again_by_a_new_attempt(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    item_id = processed_without_enqueue(runtime)
    with runtime.db.transaction() as s:  # the dead worker's attempt, never finished
        s.add(OutboxAttempt(item_id=item_id, transport="memory", started_at=utcnow()))
        s.execute(update(OutboxItem).values(attempts=1))
    senders = {"memory": memory.send}

    busy = send_item(runtime.db, item_id, senders, POLICY)  # it might still be sending
    with runtime.db.transaction() as s:
        s.execute(update(OutboxAttempt).values(started_at=utcnow() - timedelta(minutes=6)))
    resent = send_item(runtime.db, item_id, senders, POLICY)

    assert (busy.status, resent.status) == ("busy", "sent")
    (item,) = items(runtime)
    assert [a.result for a in item.history] == ["interrupted", "sent"]
    assert item.attempts == 2


def test_given_a_sent_item_when_its_receipt_arrives_then_acknowledged_by_message_id(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    first, second = processed_without_enqueue(runtime, 1), processed_without_enqueue(runtime, 2)
    senders = {"memory": FlakySender(memory, 0, RuntimeError())}
    for item_id in (first, second):
        assert send_item(runtime.db, item_id, senders, POLICY).status == "sent"

    matched = acknowledge_by_transport_id(runtime.db, "memory", f"<{first}.1@gateway>")
    again = acknowledge_by_transport_id(runtime.db, "memory", f"<{first}.1@gateway>")
    refused = acknowledge_by_transport_id(
        runtime.db, "memory", f"<{second}.2@gateway>", error="decryption-failed"
    )
    unknown = acknowledge_by_transport_id(runtime.db, "memory", "<nobody@partner>")
    other_transport = acknowledge_by_transport_id(runtime.db, "as2", f"<{first}.1@gateway>")

    assert (matched, again, refused, unknown, other_transport) == (first, first, second, None, None)
    by_id = {i.id: i for i in items(runtime)}
    assert by_id[first].status == "acknowledged" and by_id[first].acknowledged_at is not None
    assert by_id[second].status == "failed"
    assert "decryption-failed" in (by_id[second].last_error or "")


def test_given_an_unexpected_sender_error_then_it_is_retried_not_lost(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    item_id = processed_without_enqueue(runtime)
    senders = {"memory": FlakySender(memory, 1, KeyError("bug"))}

    first = send_item(runtime.db, item_id, senders, POLICY)

    assert (first.status, first.retry_in_ms is not None) == ("queued", True)
    (item,) = items(runtime)
    assert "outbox.unexpected" in (item.last_error or "")


def test_given_an_item_waiting_for_its_retry_then_the_periodic_sweep_waits_too(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    item_id = processed_without_enqueue(runtime)
    stale = timedelta(minutes=5)
    with runtime.db.transaction() as s:
        s.execute(update(OutboxItem).values(next_attempt_at=utcnow() + timedelta(minutes=1)))
    waiting = sweep(runtime.db, stale, push_transports={"memory"}).outbox
    at_start = sweep(runtime.db, push_transports={"memory"}).outbox
    with runtime.db.transaction() as s:
        s.execute(update(OutboxItem).values(next_attempt_at=utcnow() - timedelta(minutes=6)))
    lost = sweep(runtime.db, stale, push_transports={"memory"}).outbox

    assert waiting == []
    assert [i for i, _ in at_start] == [item_id] and 50_000 < at_start[0][1] <= 60_000
    assert lost == [(item_id, 0)]


def test_given_every_attempt_stops_its_worker_then_failed_after_max_attempts(
    runtime: Runtime, memory: MemoryTransport
) -> None:
    item_id = processed_without_enqueue(runtime)
    long_ago = utcnow() - timedelta(minutes=6)
    with runtime.db.transaction() as s:
        s.add(OutboxAttempt(item_id=item_id, transport="memory", started_at=long_ago))
        s.execute(update(OutboxItem).values(attempts=POLICY.max_attempts))

    outcome = send_item(runtime.db, item_id, {"memory": memory.send}, POLICY)

    assert outcome.status == "failed" and memory.sent == {}
    (item,) = items(runtime)
    assert [a.result for a in item.history] == ["interrupted"]
    assert "given up after 3 attempts" in (item.last_error or "")
