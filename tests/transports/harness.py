"""A gateway on a temporary SQLite database, for the HTTP API tests (supplier and operator).

``build_gateway`` gives a ``Runtime`` with both demo partners synced and keyed, and the app built
by ``create_app``. By default the enqueue functions run the pipeline inline (``process`` then
``deliver``), so a test sees the whole outcome as soon as the POST returns; tests that need the
real queue start the embedded worker instead (``test_loopback.py``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.partner_store import sync_partners
from gateway.pipeline.deliver import deliver
from gateway.pipeline.process import process
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import AuditEntry, Delivery, InboundMessage
from gateway_app.webapp import create_app
from tests.support.leaks import register_secret

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SAMPLE_856 = SAMPLES / "demo-supplier" / "856-SOPI-4010.edi"
ACME_856 = SAMPLES / "acme-fasteners" / "856-acme-4010.edi"
DEMO_KEY = register_secret("gk_demo-supplier-test-key-0001")
ACME_KEY = register_secret("gk_acme-fasteners-test-key-0002")
ADMIN_TOKEN = register_secret("ops-test-token")


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "erp_connector": "memory",
        "admin_token": ADMIN_TOKEN,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def runtime_for(settings: Settings) -> Runtime:
    return Runtime.from_settings(settings)


@dataclass
class Gateway:
    runtime: Runtime
    app: FastAPI = field(init=False)
    enqueued: list[str] = field(default_factory=list)
    delivery_batches: list[list[int]] = field(default_factory=list)
    inline: bool = True
    """False: only record what was enqueued (the test drives the pipeline itself)."""

    outbound: list[str] = field(default_factory=list)
    """Outbox items the AS2 transport queued (its async MDNs)."""

    def __post_init__(self) -> None:
        self.app = create_app(self.runtime, self.enqueue_process, self.enqueue_deliveries)
        self.app.state.as2_transport.enqueue_outbound = self.enqueue_outbound

    def enqueue_outbound(self, item_ids: list[str]) -> None:
        """Inline: each item sent from a thread as ``send_outbound`` would, retries included
        (the caller, an AS2 request, answers first, as with a real queue)."""
        self.outbound += item_ids
        if self.inline:
            for item_id in item_ids:
                threading.Thread(target=self._send, args=(item_id,), daemon=True).start()

    def _send(self, item_id: str) -> None:
        from gateway.pipeline.send import send_item
        from gateway_app.senders import build_senders

        senders = build_senders(self.runtime)
        while True:
            outcome = send_item(self.runtime.db, item_id, senders, self.runtime.send_policy)
            if outcome.retry_in_ms is None:
                return
            time.sleep(outcome.retry_in_ms / 1000)

    def app_with(
        self,
        enqueue_process: Callable[[str], None],
        enqueue_deliveries: Callable[[list[int]], None] | None = None,
    ) -> FastAPI:
        """Another app on the same runtime, with other enqueue functions (e.g. the real actors)."""
        return create_app(
            self.runtime, enqueue_process, enqueue_deliveries or self.enqueue_deliveries
        )

    def enqueue_process(self, message_id: str) -> None:
        self.enqueued.append(message_id)
        if self.inline:
            outcome = process(self.runtime.db, message_id, self.runtime.process_config)
            self.enqueue_deliveries(outcome.delivery_ids)

    def enqueue_deliveries(self, delivery_ids: list[int]) -> None:
        self.delivery_batches.append(list(delivery_ids))
        if self.inline:
            for delivery_id in delivery_ids:
                deliver(self.runtime.db, delivery_id, self.runtime.connector, 3)

    def message(self, message_id: str) -> InboundMessage | None:
        with self.runtime.db.sessions() as session:
            return session.get(InboundMessage, message_id)

    def count(self, model: Any = InboundMessage) -> int:
        with self.runtime.db.sessions() as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def deliveries(self) -> list[Delivery]:
        with self.runtime.db.sessions() as session:
            return list(session.execute(select(Delivery).order_by(Delivery.id)).scalars())

    def audit(self, action: str) -> list[AuditEntry]:
        with self.runtime.db.sessions() as session:
            query = select(AuditEntry).where(AuditEntry.action == action)
            return list(session.execute(query).scalars())


def build_gateway(runtime: Runtime, *, inline: bool = True) -> Gateway:
    assert sync_partners(runtime.db) == []
    runtime.keys.issue("demo-supplier", DEMO_KEY)
    runtime.keys.issue("acme-fasteners", ACME_KEY)
    return Gateway(runtime, inline=inline)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def sample_event(**changes: Any) -> dict[str, Any]:
    """The demo 856's canonical event as a JSON supplier would send it, with ``changes``."""
    golden = json.loads((SAMPLES / "demo-supplier" / "856-SOPI-4010.canonical.json").read_text())
    event: dict[str, Any] = golden["documents"][0]
    return {**event, **changes}


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


class ServerThread:
    """uvicorn serving ``app`` from a thread on a free port of 127.0.0.1 (real HTTP)."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self._thread.start()
        wait_for(lambda: self._server.started or not self._thread.is_alive(), 10)
        assert self._server.started, "uvicorn did not start"
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def client_for(settings: Settings) -> Iterator[TestClient]:
    """A test client of a gateway with ``settings`` (pipeline run inline), closed afterwards:
    for fixtures that need other settings than ``gateway``'s (another database, the sink)."""
    runtime = runtime_for(settings)
    try:
        with TestClient(build_gateway(runtime).app) as test_client:
            yield test_client
    finally:
        runtime.close()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """Both demo partners keyed, memory ERP, admin token set, pipeline run inline."""
    runtime = runtime_for(settings_for(tmp_path))
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway.app) as test_client:
        yield test_client
