"""The actors on Dramatiq's ``StubBroker`` with a real worker: inline delivery, its gate, and the
fallback from a failed batch to the message alone (SQLite and PostgreSQL).

The ERP is ``MemoryErpConnector``, the in-memory test double of the ERP seam (a customer's ERP
cannot run here); real brokers and a real webhook ERP run in tests/service/test_durability.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline import process as process_module
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.outcome import ProcessOutcome
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import Delivery, InboundMessage
from gateway.workers import actors as actors_module
from gateway.workers.actors import Actors, build_actors
from gateway.workers.broker import make_broker
from tests.support.documents import numbered_asn

ASN = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier" / "856-SOPI-4010.edi"
CONFIG = ProcessConfig(connectors=("memory",))


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    upgrade(database_url)
    settings = Settings(data_dir=tmp_path, delivery_min_backoff_ms=10, delivery_max_backoff_ms=50)
    rt = Runtime(settings, Database(database_url), MemoryErpConnector(), CONFIG)
    sync_partners(rt.db)
    yield rt
    rt.db.dispose()


def asn(n: int) -> bytes:
    return numbered_asn(600_000 + n)


def send(rt: Runtime, actors: Actors, n: int) -> str:
    message_id = receive(rt.db, partner_id="demo-supplier", transport="http", raw=asn(n)).message_id
    actors.enqueue_process(message_id)
    return message_id


def stored(rt: Runtime, count: int) -> list[str]:
    return [
        receive(rt.db, partner_id="demo-supplier", transport="http", raw=asn(n)).message_id
        for n in range(count)
    ]


def run_one_thread(broker: StubBroker) -> None:
    """A worker with one thread until both queues are empty, then the broker closed."""
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        drain(broker)
    finally:
        worker.stop()
        broker.close()


def drain(broker: StubBroker) -> None:
    broker.join("test-process", timeout=20_000)
    broker.join("test-deliver", timeout=20_000)


def statuses(rt: Runtime, ids: list[str]) -> list[str]:
    with rt.db.sessions() as s:
        found = dict(s.execute(select(InboundMessage.id, InboundMessage.status)).all())
    return [found.get(i, "missing") for i in ids]


def deliveries(rt: Runtime) -> list[tuple[str, int]]:
    with rt.db.sessions() as s:
        return [(d.status, d.attempts) for d in s.scalars(select(Delivery).order_by(Delivery.id))]


def test_given_a_message_when_processed_then_its_event_is_posted_inline_once(
    runtime: Runtime, running: tuple[Actors, StubBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    real_deliver = actors_module.deliver

    def counting_deliver(db: Database, delivery_id: int, *args: Any) -> Any:
        queued.append(delivery_id)
        return real_deliver(db, delivery_id, *args)

    monkeypatch.setattr(actors_module, "deliver", counting_deliver)
    actors, broker = running
    send(runtime, actors, 1)
    drain(broker)
    assert deliveries(runtime) == [("delivered", 1)]
    assert queued == []  # posted by process_message itself: no deliver_event round trip
    assert isinstance(runtime.connector, MemoryErpConnector) and runtime.connector.count() == 1


def test_given_the_erp_failing_then_the_queue_retries_and_inline_posting_pauses(
    runtime: Runtime, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    erp.fail_next(1)
    send(runtime, actors, 1)
    drain(broker)
    assert deliveries(runtime) == [("delivered", 2)]  # inline attempt failed, the queue's worked

    send(runtime, actors, 2)  # the gate is closed: claimed by the deliver actor, not inline
    drain(broker)
    assert deliveries(runtime) == [("delivered", 2), ("delivered", 1)]
    assert erp.count() == 2


def test_given_a_failing_batch_then_the_message_is_processed_alone(
    runtime: Runtime, running: tuple[Actors, StubBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_batch(*_args: object, **_kwargs: object) -> list[ProcessOutcome]:
        raise RuntimeError("a bug in some other message of the batch")

    monkeypatch.setattr(actors_module, "process_batch", broken_batch)
    actors, broker = running
    message_id = send(runtime, actors, 1)
    drain(broker)
    with runtime.db.sessions() as s:
        message = s.get(InboundMessage, message_id)
        assert message is not None and message.status == "processed"
    assert deliveries(runtime) == [("delivered", 1)]


def test_given_the_erp_failing_several_times_then_the_broker_retries_until_delivered(
    runtime: Runtime, running: tuple[Actors, StubBroker]
) -> None:
    actors, broker = running
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    erp.fail_next(3)  # inline, then deliver_event twice: Dramatiq's Retries must run it again
    send(runtime, actors, 1)
    drain(broker)
    assert deliveries(runtime) == [("delivered", 4)]


def test_given_messages_recorded_by_one_batch_then_their_own_entries_skip_the_database(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no SKIP LOCKED: a batch there holds one message")
    calls: list[str] = []
    real_batch = actors_module.process_batch

    def counting_batch(db: Database, message_id: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(message_id)
        return real_batch(db, message_id, *args, **kwargs)

    monkeypatch.setattr(actors_module, "process_batch", counting_batch)
    broker = make_broker(Settings(broker="embedded"))
    assert isinstance(broker, StubBroker)
    actors = build_actors(broker, runtime, "test")
    ids = stored(runtime, 5)
    for message_id in ids:
        actors.enqueue_process(message_id)
    run_one_thread(broker)

    assert calls == ids[:1]  # the first entry's batch took all five; the other four did nothing
    assert deliveries(runtime) == [("delivered", 1)] * 5


def test_recently_done_keeps_the_last_ids_only() -> None:
    done = actors_module.RecentlyDone(size=3)
    done.add(["a", "b"])
    done.add(["c", "d"])
    assert [i for i in "abcd" if i in done] == ["b", "c", "d"]


def test_given_a_group_of_ids_then_one_batch_records_them_all(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    batches: list[str] = []
    groups: list[list[str]] = []
    real_batch, real_group = actors_module.process_batch, actors_module.process_group

    def counting_batch(db: Database, message_id: str, *args: Any, **kwargs: Any) -> Any:
        batches.append(message_id)
        return real_batch(db, message_id, *args, **kwargs)

    def counting_group(db: Database, message_ids: list[str], *args: Any, **kwargs: Any) -> Any:
        groups.append(list(message_ids))
        return real_group(db, message_ids, *args, **kwargs)

    monkeypatch.setattr(actors_module, "process_batch", counting_batch)
    monkeypatch.setattr(actors_module, "process_group", counting_group)
    broker = make_broker(Settings(broker="embedded"))
    assert isinstance(broker, StubBroker)
    actors = build_actors(broker, runtime, "test")
    ids = stored(runtime, 5)
    actors.enqueue_process_group(ids)
    assert broker.queues["test-process"].qsize() == 1  # one queue message for the five
    run_one_thread(broker)

    assert groups == [ids]
    # PostgreSQL: the group was one batch; SQLite (one writer): one batch per message.
    assert batches == (ids if database_url.startswith("sqlite") else [])
    assert deliveries(runtime) == [("delivered", 1)] * 5


def test_given_a_database_failure_in_a_group_then_that_id_is_retried_alone(
    runtime: Runtime, running: tuple[Actors, StubBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    actors, broker = running
    monkeypatch.setattr(runtime.settings, "process_batch", 1)  # one message per batch
    real_process = actors_module.process
    failed: list[str] = []

    def failing_once(db: Database, message_id: str, *args: Any, **kwargs: Any) -> Any:
        if message_id == ids[1] and not failed:
            failed.append(message_id)
            raise OperationalError("SELECT 1", {}, ConnectionError("database restarting"))
        return real_process(db, message_id, *args, **kwargs)

    monkeypatch.setattr(actors_module, "process", failing_once)
    ids = stored(runtime, 3)
    actors.enqueue_process_group(ids)
    drain(broker)
    assert failed == [ids[1]]
    with runtime.db.sessions() as s:
        messages = [s.get(InboundMessage, i) for i in ids]
        assert [(m.status, m.attempts) for m in messages if m is not None] == [
            ("processed", 1),
            ("processed", 2),  # the failed attempt was counted, then process_message retried it
            ("processed", 1),
        ]
    assert deliveries(runtime) == [("delivered", 1)] * 3


def test_given_a_group_member_another_batch_holds_then_it_is_looked_at_again_later(
    runtime: Runtime, running: tuple[Actors, StubBroker], database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no SKIP LOCKED: nothing is ever held by another batch there")
    actors, broker = running
    held, fresh = stored(runtime, 2)
    with runtime.db.transaction() as other_worker:
        other_worker.get(InboundMessage, held, with_for_update=True)
        actors.enqueue_process_group([held, fresh])
        deadline = time.monotonic() + 20
        while statuses(runtime, [fresh]) != ["processed"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the group runs without waiting for the lock
        assert statuses(runtime, [held, fresh]) == ["received", "processed"]
    drain(broker)  # a delayed second look finds it free
    assert statuses(runtime, [held]) == ["processed"]
    assert deliveries(runtime) == [("delivered", 1)] * 2


def test_given_data_the_database_refuses_then_failed_at_once_and_neighbours_processed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poison message: its failure would repeat, so it is not retried, and it never takes a
    neighbour of its batch down with it."""
    from sqlalchemy.exc import DataError

    ids = stored(runtime, 3)
    poison = ids[1]
    real_add = process_module.BatchRun.add
    tries: list[str] = []

    def add(self: Any, message: InboundMessage) -> Any:
        if message.id == poison:
            tries.append(message.id)
            raise DataError("INSERT ...", {}, Exception("text fields cannot contain NUL"))
        return real_add(self, message)

    monkeypatch.setattr(process_module.BatchRun, "add", add)
    broker = make_broker(Settings(broker="embedded"))
    assert isinstance(broker, StubBroker)
    actors = build_actors(broker, runtime, "test")
    actors.enqueue_process_group(ids)
    run_one_thread(broker)

    assert statuses(runtime, ids) == ["processed", "failed", "processed"]
    assert len(tries) <= 2  # in the group's batch once, then alone once: never retried
    with runtime.db.sessions() as s:
        failed = s.get(InboundMessage, poison)
        assert failed is not None and "NUL" in (failed.error or "")
