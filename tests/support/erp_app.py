"""A stand-in ERP for end-to-end tests: a real HTTP server on loopback that receives webhook posts.

It verifies the HMAC signature, applies each Idempotency-Key once (counting every post, so tests
can see how many duplicates the gateway sent and the ERP absorbed), and can be switched to answer
503 for a while (the "ERP down" scenario). Test double for a customer's ERP, which cannot run here.

    python -m tests.support.erp_app --port 18080 --secret s3cret
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from gateway.erp.webhook import verify_signature

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_erp_app(secret: str) -> App:
    """A bare ASGI app, no framework: in ``bench/pipeline.py`` it shares the two cores with the
    gateway, and every bit of CPU it spends is counted against the gateway's documents/s.

    ``POST /erp/events``, ``POST /control/status/{status}``, ``GET /stats``, ``GET /arrivals``."""
    lock = threading.Lock()
    posts: Counter[str] = Counter()
    state: dict[str, Any] = {"status": 200, "bad_signatures": 0}
    arrivals: dict[str, float] = {}

    def receive_event(headers: dict[bytes, bytes], body: bytes) -> int:
        timestamp = headers.get(b"x-gateway-timestamp", b"").decode("latin-1")
        signature = headers.get(b"x-gateway-signature", b"").decode("latin-1")
        if not verify_signature(secret, timestamp, body, signature):
            state["bad_signatures"] += 1
            return 401
        if state["status"] != 200:
            return int(state["status"])
        key = headers[b"idempotency-key"].decode("latin-1")
        with lock:
            posts[key] += 1
            first = posts[key] == 1
            if first:
                arrivals[_document_number(body)] = time.time()
        return 200 if first else 409

    def stats() -> dict[str, int]:
        with lock:
            return {
                "distinct": len(posts),
                "posts": sum(posts.values()),
                "duplicates_absorbed": sum(n - 1 for n in posts.values()),
                "bad_signatures": state["bad_signatures"],
            }

    def arrival_times() -> dict[str, float]:
        """Document number (BSN02, BAK03, BIG02) -> first arrival (Unix time), for latency."""
        with lock:
            return dict(arrivals)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client died mid-request (a SIGKILLed worker): nothing arrived
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer: Any = None
        if method == "POST" and path == "/erp/events":
            status = receive_event(dict(scope["headers"]), body)
        elif method == "POST" and path.startswith("/control/status/"):
            state["status"] = int(path.rsplit("/", 1)[1])
            status, answer = 200, {"status": state["status"]}
        elif method == "GET" and path == "/stats":
            status, answer = 200, stats()
        elif method == "GET" and path == "/arrivals":
            status, answer = 200, arrival_times()
        else:
            status = 404
        content = json.dumps(answer).encode() if answer is not None else b""
        headers = [(b"content-length", str(len(content)).encode())]
        if answer is not None:
            headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    return app


def _document_number(body: bytes) -> str:
    document = json.loads(body).get("document", {})
    for key in ("shipment_id", "po_number", "invoice_number"):
        if document.get(key):
            return str(document[key])
    return ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_erp_app(args.secret),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
