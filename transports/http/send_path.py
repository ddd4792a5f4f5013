"""``SendRoutes``: the two send routes served in front of FastAPI's router.

Why: they are the gateway's hot path, and FastAPI's per-request machinery (its exception and
exit-stack middleware, route matching over every route, the dependency solver, the response
model) costs more than authenticating and reading the body (``bench/README.md``). The routes do
their own work by
plain calls anyway (``deps.send_request``), so this middleware calls the same handler the
FastAPI route calls, and answers errors through the same handlers (``gateway.web.errors``).

What stays the same: it runs inside Starlette's ``ServerErrorMiddleware`` and inside any
middleware added to the app after ``transports.http.web.install`` (those wrap it); middleware added
before it would be bypassed on the send path, so add new middleware after it. The
FastAPI routes stay for the OpenAPI document, and a request the table does not name (another
method, a path with a ``root_path`` prefix) goes on to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.web.errors import error_response

Handler = Callable[[Request], Awaitable[Response]]


class SendRoutes:
    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Handler]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (
            self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if handler is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except Exception as exc:
            response = await error_response(request, exc)
        await response(scope, receive, send)
