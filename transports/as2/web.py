"""The web side of the AS2 transport: ``install`` puts its routes on the app the composition
root builds (``gateway_app.webapp``). Kept out of the package's ``__init__`` so that the workers,
which only send, never import the web framework."""


from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from gateway.web.body import read_limited_body
from gateway.web.state import gateway_state
from transports.as2 import ops, receiver
from transports.as2.transport import AS2Transport

router = APIRouter(tags=["AS2"])


@router.post(
    "/as2",
    responses={
        200: {"description": "The MDN (synchronous), or a short text (asynchronous or none)"},
        400: {
            "description": "Not AS2 (no AS2-From, AS2-To or Message-ID), or refused without an MDN"
        },
        413: {"description": "Body over the size limit; nothing was stored"},
        503: {"description": "Too many request bodies at once: nothing was stored, retry"},
    },
)
async def post_as2(request: Request) -> Response:
    """An AS2 message (RFC 4130) or an asynchronous MDN for one we sent. The payload is stored
    before a positive MDN is given."""
    transport: AS2Transport = request.app.state.as2_transport
    limit = gateway_state(request).runtime.settings.max_body_bytes
    body = await read_limited_body(request, limit)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    client = request.client.host if request.client is not None else None
    answer = await run_in_threadpool(transport.receive, receiver.Request(headers, body, client))
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


def install(app: FastAPI, transport: AS2Transport) -> None:
    app.state.as2_transport = transport
    app.include_router(router)
    app.include_router(ops.router)


