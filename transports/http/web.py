"""The web side of the HTTP transport: ``install`` puts its routes on the app the composition
root builds (``gateway_app.webapp``). Kept out of the package's ``__init__`` so that the workers,
which only send, never import the web framework."""


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


