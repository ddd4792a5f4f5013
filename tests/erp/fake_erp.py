"""A real HTTP "ERP" for the webhook connector's tests: a Starlette app run by uvicorn on 127.0.0.1.

It does what a careful receiver does: verifies the ``X-Gateway-Signature`` (401 when wrong), dedupes
by ``Idempotency-Key`` (409, or 200 with ``Idempotent-Replayed: true``, for a key it already
processed) and stores each event's body once. Tests can script the next answers: any status and
body, or a hang longer than the client's timeout.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.erp.webhook import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from tests.support.leaks import register_secret

SECRET = register_secret("whsec_fake_erp_test_secret")
PATH = "/erp/events"


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0


@dataclass
class Seen:
    headers: dict[str, str]
    body: bytes
    client_port: int | None = None
    """The client's source port: one per TCP connection, so it shows keep-alive reuse."""


class FakeErp:
    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self._lock = threading.Lock()
        self.reset()
        self.app = Starlette(routes=[Route(PATH, self._receive, methods=["POST"])])

    def reset(self) -> None:
        with self._lock:
            self.processed: dict[str, bytes] = {}
            self.deliveries: Counter[str] = Counter()
            self.requests: list[Seen] = []
            self.script: list[Reply] = []
            self.replay_with_200 = False

    def answer_next(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def stored(self, key: str) -> int:
        with self._lock:
            return int(key in self.processed)

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            port = request.client.port if request.client is not None else None
            self.requests.append(Seen(dict(request.headers), body, port))
            scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            if scripted.hang:
                await asyncio.sleep(scripted.hang)
            return Response(scripted.body, scripted.status, scripted.headers)
        signed = verify_signature(
            self.secret,
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
        )
        if not signed:
            return JSONResponse({"error": "bad signature"}, 401)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key:
            return JSONResponse({"error": "Idempotency-Key required"}, 400)
        with self._lock:
            self.deliveries[key] += 1
            duplicate = key in self.processed
            self.processed.setdefault(key, body)
        if duplicate and self.replay_with_200:
            return JSONResponse({"id": key, "status": "accepted"}, 200, {REPLAYED_HEADER: "true"})
        if duplicate:
            return JSONResponse({"id": key, "error": "already processed"}, 409)
        return JSONResponse({"id": key, "status": "accepted"}, 200)


class ServerThread:
    """uvicorn serving ``app`` from a background thread on a free port of 127.0.0.1."""

    def __init__(self, app: Starlette, **config: object) -> None:
        """``config``: more ``uvicorn.Config`` settings (``ssl_certfile``, ``ssl_keyfile``...)."""
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1, **config
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
