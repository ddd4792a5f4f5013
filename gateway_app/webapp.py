"""``create_app``: the supplier API under ``/v1``, the operator API under ``/ops``, ``/healthz``.

The caller owns the runtime and the queue: it passes the two enqueue functions (in production
``actors.enqueue_process`` and ``actors.enqueue_deliveries``, in tests anything), so the app never
builds a broker and never enqueues before the bytes are committed.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from gateway.api import ops_router
from gateway.pipeline.inbox import Inbox
from gateway.runtime import Runtime
from gateway.web import health
from gateway.web.errors import install_error_handlers
from gateway.web.state import GatewayState
from transports import as2, http

DESCRIPTION = """Suppliers send X12 (`POST /v1/x12`) or canonical JSON (`POST /v1/documents`) with
their API key, get `202 Accepted` once the bytes are stored, and follow the receipt
(`GET /v1/receipts/{id}`): validation, our 997/999/TA1, the events and their delivery to the ERP.
Operators use `/ops` (admin token, or loopback only when none is set)."""


def create_app(
    runtime: Runtime,
    enqueue_process: Callable[[str], None],
    enqueue_deliveries: Callable[[list[int]], None],
) -> FastAPI:
    app = FastAPI(title="Supplier gateway", version="1", description=DESCRIPTION)
    app.state.gateway = GatewayState(runtime, enqueue_process, enqueue_deliveries)
    install_error_handlers(app)
    app.include_router(ops_router)
    app.include_router(health.router)
    inbox = Inbox(runtime.db, enqueue_process, runtime.settings.partners_dir)
    settings = runtime.settings
    as2.install(
        app,
        as2.AS2Transport(
            inbox, our_id=settings.as2_id, key_secret=settings.as2_key_secret.get_secret_value()
        ),
    )
    http.install(app, http.HttpTransport(inbox))  # last: see transports.http.install
    return app
