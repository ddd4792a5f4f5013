"""``create_app``: the supplier API under ``/v1``, the operator API under ``/ops``, ``/healthz``.

The caller owns the runtime and the queue: it passes the two enqueue functions (in production
``actors.enqueue_process`` and ``actors.enqueue_deliveries``, in tests anything), so the app never
builds a broker and never enqueues before the bytes are committed.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI

from gateway.api import ops_router
from gateway.api.deps import GatewayState
from gateway.api.errors import install_error_handlers
from gateway.service import Runtime
from transports.http.routes import documents, health, receipts, x12
from transports.http.send_path import SendRoutes

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
    v1 = APIRouter(prefix="/v1")
    for module in (x12, documents, receipts):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(ops_router)
    app.include_router(health.router)
    app.add_middleware(
        SendRoutes,
        routes={
            ("POST", "/v1/x12"): x12.send_x12,
            ("POST", "/v1/documents"): documents.send_documents,
        },
    )
    return app
