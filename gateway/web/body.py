"""Reading a request body under a size limit, without ever holding more than the limit.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked (or
lying) body is counted while it streams and refused as soon as the next chunk would pass the
limit. Either way nothing has been stored: ``receive`` only ever sees a complete body.

The limit bounds one request; ``BodyBudget`` bounds them all. A process holds each body it
stores a few times over (the bytes read, the copy handed in, the database driver's), so 64
clients each sending 20 MB at once, which anyone can do to ``POST /as2`` (AS2 authenticates
inside the body), would need gigabytes. The bytes of the bodies being read and handled at once
are counted per process, reserved as they are declared or arrive and given back when the
request's answer is sent (``BodyBudgetMiddleware``); past ``max_body_bytes_in_flight`` a body
is refused with 503 and ``Retry-After`` before it is read (or as soon as it would go over),
and nothing is stored. One body of ``max_body_bytes`` always fits, whatever the setting.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.web.errors import ApiError

RETRY_AFTER_S = 2
_SHARE = "gateway.body_share"
"""In a request's ASGI scope: the request's ``Share`` of the budget."""


class Share:
    """What one request holds of the budget. An object rather than a count in the scope: a
    copy of the scope (a sub-application's) still holds the same share."""

    __slots__ = ("budget", "bytes")

    def __init__(self, budget: BodyBudget) -> None:
        self.budget = budget
        self.bytes = 0

    def cover(self, total: int) -> None:
        """Hold at least ``total`` bytes (the body's declared or received length so far); 503
        when the budget has not that much left."""
        if total > self.bytes:
            self.budget.take(self, total - self.bytes)


class BodyBudget:
    """The bytes of request bodies this process holds at once, and the most it may."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, share: Share, count: int) -> None:
        """Reserve ``count`` more bytes for the request holding ``share``; 503 when they do not
        fit."""
        if self.used + count > self.limit:
            raise busy()
        self.used += count
        share.bytes += count

    def give_back(self, share: Share) -> None:
        self.used -= share.bytes
        share.bytes = 0


def busy() -> ApiError:
    return ApiError(
        503,
        "body.busy",
        "the gateway is holding as many request bodies as it may at once; nothing was stored, "
        f"send it again in {RETRY_AFTER_S} seconds",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class BodyBudgetMiddleware:
    """Gives a request's share of the budget back once its answer is sent (or it failed)."""

    def __init__(self, app: ASGIApp, budget: BodyBudget) -> None:
        self.app = app
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        share = Share(self.budget)
        scope[_SHARE] = share
        try:
            await self.app(scope, receive, send)
        finally:
            self.budget.give_back(share)


def install_budget(app: Any, limit: int, max_body: int) -> BodyBudget:
    """Count request bodies on ``app``: add it as the outermost middleware (after the others,
    the send path's included), so that every route's body is counted and given back."""
    budget = BodyBudget(max(limit, max_body))
    app.add_middleware(BodyBudgetMiddleware, budget=budget)
    app.state.body_budget = budget
    return budget


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body.too_large", f"the body is larger than {limit} bytes")


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    share: Share | None = request.scope.get(_SHARE)
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "body.length_invalid", "Content-Length is not a number")
        if int(declared) > limit:
            raise too_large(limit)
        if share is not None:
            share.cover(int(declared))
    body = bytearray()
    try:
        async for chunk in request.stream():
            if len(body) + len(chunk) > limit:
                raise too_large(limit)
            body += chunk
            if share is not None:  # chunked, or more than declared
                share.cover(len(body))
    except ClientDisconnect:
        raise ApiError(400, "body.incomplete", "the client went away mid-body") from None
    if not body:
        raise ApiError(400, "body.empty", "the body is empty")
    return bytes(body)
