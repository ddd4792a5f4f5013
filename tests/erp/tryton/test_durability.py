"""The service issue's SIGKILL case against Tryton: ship notices stored and enqueued, a `gateway
worker` killed mid-load, a fresh one finishing; every event is applied in Tryton exactly once (one
draft supplier shipment per event id). Real parts: PostgreSQL, Redis, `gateway worker` processes and
trytond."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest

from gateway.partner_store import sync_partners
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.workers.actors import build_actors
from gateway.workers.broker import make_broker
from gateway.workers.grouping import EnqueueGroups
from tests.conftest import fresh_database
from tests.service.test_durability import broker_problem, nth_document, start_worker, stop

from .conftest import Database
from .support import GATEWAY_PASSWORD

DOCUMENTS = int(os.environ.get("GATEWAY_TRYTON_DURABILITY_DOCS", "40"))


def shipments_by_event(database: Database) -> Counter[str]:
    rows = database.admin().call(
        "stock.shipment.in",
        "search_read",
        [("reference", "ilike", "%gateway evt_%")],
        0,
        None,
        None,
        ["reference"],
    )
    return Counter(row["reference"].rsplit("gateway ", 1)[1].rstrip(")") for row in rows)


@pytest.mark.slow
def test_given_a_worker_killed_mid_load_then_each_event_is_applied_in_tryton_exactly_once(
    tryton_db: Database, tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None
) -> None:
    problem = broker_problem("redis")
    if problem:
        print(problem)
        pytest.skip(problem)
    with fresh_database("postgresql", tmp_path_factory, pg_problem) as database_url:
        settings = Settings(
            database_url=database_url,
            broker="redis",
            broker_url="",
            queue_prefix=f"tryton-{os.getpid()}-{time.monotonic_ns()}",
            erp_connector="tryton",
            erp_url=tryton_db.url.replace(f":{GATEWAY_PASSWORD}@", "@"),
            erp_secret=GATEWAY_PASSWORD,  # type: ignore[arg-type]
            erp_timeout=30.0,
            delivery_max_attempts=200,
            delivery_min_backoff_ms=100,
            delivery_max_backoff_ms=1_000,
        )
        runtime = Runtime.from_settings(settings)
        sync_partners(runtime.db)
        ids = [
            receive(
                runtime.db, partner_id="demo-supplier", transport="http", raw=nth_document(n)
            ).message_id
            for n in range(DOCUMENTS)
        ]
        broker = make_broker(settings)
        actors = build_actors(broker, runtime, settings.queue_prefix)
        groups = EnqueueGroups(
            actors.enqueue_process_group, interval_s=0.02, max_ids=actors.group_size
        )
        for message_id in ids:
            groups.add(message_id)
        groups.close()
        workers = [start_worker(settings)]
        try:
            deadline = time.monotonic() + 180
            while sum(shipments_by_event(tryton_db).values()) < DOCUMENTS // 3:
                assert time.monotonic() < deadline, "the worker applied too little to Tryton"
                time.sleep(0.2)
            stop(workers[0], signal.SIGKILL)
            workers.append(start_worker(settings))
            deadline = time.monotonic() + 300
            while len(applied := shipments_by_event(tryton_db)) < DOCUMENTS:
                assert time.monotonic() < deadline, f"only {len(applied)} of {DOCUMENTS} applied"
                time.sleep(0.5)
            time.sleep(2)  # anything applied twice would show by now
            applied = shipments_by_event(tryton_db)
            print(
                f"\nTryton after a SIGKILL: {len(applied)} events, {sum(applied.values())} shipments"
            )
            assert len(applied) == DOCUMENTS
            assert set(applied.values()) == {1}
        finally:
            for worker in workers:
                stop(worker, signal.SIGKILL)
            broker.flush_all()
            broker.close()
            runtime.close()
