"""Crash a worker mid-load and take the ERP down: every document reaches the ERP exactly once.

Real parts: PostgreSQL, Redis or RabbitMQ on loopback, `gateway worker` processes, and a webhook
ERP over HTTP (tests/support/erp_app.py, the stand-in for a customer's ERP). 1,000 ship notices are
stored and enqueued in groups as the API does, a worker is SIGKILLed while delivering, a fresh
worker finishes the job; in the second scenario the ERP answers 503 for a while. The ERP counts
posts per Idempotency-Key.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gateway.partner_store import sync_partners
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import Delivery, InboundMessage
from gateway.workers.actors import build_actors
from gateway.workers.broker import make_broker
from gateway.workers.grouping import EnqueueGroups
from tests.support.documents import numbered_asn
from tests.support.leaks import register_secret

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = int(os.environ.get("GATEWAY_DURABILITY_DOCS", "1000"))
SECRET = register_secret("durability-secret")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_problem(kind: str) -> str | None:
    port = {"redis": 6379, "rabbitmq": 5672}[kind]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return None
    except OSError as exc:
        return f"{kind} not reachable on 127.0.0.1:{port}: {exc}"


def nth_document(n: int) -> bytes:
    """The sample ASN made unique: its own ISA13, GS06 and shipment id (BSN02)."""
    return numbered_asn(700_000_000 + n, shipment=f"SHP9{n:06d}")


@pytest.fixture
def erp() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.erp_app", "--port", str(port), "--secret", SECRET],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/stats", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


def settings_for(database_url: str, broker: str, erp: str) -> Settings:
    return Settings(
        database_url=database_url,
        broker=broker,  # type: ignore[arg-type]
        broker_url="",
        queue_prefix="dur-" + secrets.token_hex(4),
        erp_connector="webhook",
        erp_url=f"{erp}/erp/events",
        erp_secret=SECRET,  # type: ignore[arg-type]
        erp_timeout=5.0,
        delivery_max_attempts=200,
        delivery_min_backoff_ms=100,
        delivery_max_backoff_ms=1_000,
    )


def env_for(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[f"GATEWAY_{name.upper()}"] = str(raw)
    return env


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway_app", "worker", "--processes", "1", "--threads", "8"],
        cwd=ROOT,
        env=env_for(settings),
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(30)


def wait_for(erp: str, distinct: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    stats: dict[str, int] = {}
    while time.monotonic() < deadline:
        stats = httpx.get(f"{erp}/stats", timeout=5).json()
        if stats["distinct"] >= distinct:
            return stats
        time.sleep(0.2)
    return stats


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
@pytest.mark.parametrize("scenario", ["sigkill", "erp-down"])
def test_given_load_when_worker_killed_or_erp_down_then_each_document_delivered_exactly_once(
    broker: str, scenario: str, database_url: str, erp: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "multi-process workers run against PostgreSQL (SQLite is the single-process default)"
        )
    problem = broker_problem(broker)
    if problem:
        print(problem)
        pytest.skip(problem)
    settings = settings_for(database_url, broker, erp)
    runtime = Runtime.from_settings(settings)
    sync_partners(runtime.db)
    message_ids = [
        receive(
            runtime.db, partner_id="demo-supplier", transport="http", raw=nth_document(n)
        ).message_id
        for n in range(DOCUMENTS)
    ]
    enqueue_broker = make_broker(settings)
    actors = build_actors(enqueue_broker, runtime, settings.queue_prefix)
    groups = EnqueueGroups(  # as `gateway run` enqueues: groups of ids (workers.grouping)
        actors.enqueue_process_group, interval_s=0.02, max_ids=actors.group_size
    )
    for message_id in message_ids:
        groups.add(message_id)
    groups.close()
    workers = [start_worker(settings)]
    try:
        if scenario == "sigkill":
            wait_for(erp, DOCUMENTS // 3, timeout=120)
            stop(workers[0], signal.SIGKILL)  # mid-load: in-flight messages die with it
            workers.append(start_worker(settings))
        else:
            wait_for(erp, DOCUMENTS // 4, timeout=120)
            httpx.post(f"{erp}/control/status/503", timeout=5)
            time.sleep(3)
            httpx.post(f"{erp}/control/status/200", timeout=5)
        stats = wait_for(erp, DOCUMENTS, timeout=300)
        print(f"\n{broker}/{scenario}: ERP stats {stats}")
        assert stats["distinct"] == DOCUMENTS, stats
        assert stats["bad_signatures"] == 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with runtime.db.sessions() as s:
                undelivered = s.execute(
                    select(func.count()).select_from(Delivery).where(Delivery.status != "delivered")
                ).scalar_one()
                unprocessed = s.execute(
                    select(func.count())
                    .select_from(InboundMessage)
                    .where(InboundMessage.status != "processed")
                ).scalar_one()
                retried = s.execute(
                    select(func.count()).select_from(Delivery).where(Delivery.attempts > 1)
                ).scalar_one()
            if undelivered == 0:
                break
            time.sleep(0.2)
        assert (undelivered, unprocessed) == (0, 0)
        if scenario == "erp-down":
            assert retried > 0, "the 503 window should have forced retries"
    finally:
        for worker in workers:
            stop(worker, signal.SIGKILL)
        enqueue_broker.flush_all()
        enqueue_broker.close()
        runtime.close()
