"""The supplier HTTP API transport: ``POST /v1/x12``, ``POST /v1/documents``, ``GET /v1/receipts``,
``/v1/outbox`` (what we send, fetched and acknowledged by the partner).

Durability first: the partner is authenticated before a byte of the body is read, the body is
streamed under ``max_body_bytes``, handed in (stored in one transaction), and only then answered
``202 Accepted`` and enqueued by id. Async only at this layer; the synchronous pipeline runs in
worker threads. Built on ``gateway.web`` (state, errors, body limits) and ``gateway.queries``
(receipts); ``install`` puts it on the app the composition root (``gateway_app.webapp``) builds.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from transports.http.routes import documents, outbox, purchase_orders, receipts, x12
from transports.http.send_path import SendRoutes
from transports.http.transport import HttpTransport


def install(app: FastAPI, transport: HttpTransport) -> None:
    """Mount ``/v1`` and serve its two send routes in front of the router (``send_path``).

    Call it after every other middleware is added: middleware added before it is bypassed on the
    send path."""
    app.state.http_transport = transport
    v1 = APIRouter(prefix="/v1")
    for module in (x12, documents, receipts, outbox, purchase_orders):
        v1.include_router(module.router)
    app.include_router(v1)
    app.add_middleware(
        SendRoutes,
        routes={
            ("POST", "/v1/x12"): x12.send_x12,
            ("POST", "/v1/documents"): documents.send_documents,
        },
    )


__all__ = ["HttpTransport", "install"]
