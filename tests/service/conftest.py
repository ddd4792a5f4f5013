"""The in-process runtime the service tests share: a migrated database (SQLite and PostgreSQL,
from ``database_url``), the partner profiles, and ``MemoryErpConnector``, the in-memory test double
of the ERP seam (a customer's ERP cannot run here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.workers.actors import Actors, build_actors
from gateway.workers.broker import make_broker

CONFIG = ProcessConfig(connectors=("memory",))


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    upgrade(database_url)
    rt = Runtime(Settings(data_dir=tmp_path), Database(database_url), MemoryErpConnector(), CONFIG)
    sync_partners(rt.db)
    yield rt
    rt.db.dispose()


@pytest.fixture
def running(runtime: Runtime) -> Iterator[tuple[Actors, StubBroker]]:
    """The actors on an in-memory broker (queue prefix ``test``), a worker of two threads
    consuming them; ``runtime`` is the requesting module's own when it defines one."""
    broker = make_broker(Settings(broker="embedded"))
    assert isinstance(broker, StubBroker)
    actors = build_actors(broker, runtime, "test")
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        yield actors, broker
    finally:
        worker.stop()
        broker.close()
