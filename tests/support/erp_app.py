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
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from gateway.erp.webhook import verify_signature


def create_erp_app(secret: str) -> FastAPI:
    app = FastAPI()
    lock = threading.Lock()
    posts: Counter[str] = Counter()
    state: dict[str, Any] = {"status": 200, "bad_signatures": 0}
    arrivals: dict[str, float] = {}

    @app.post("/erp/events")
    async def receive(request: Request) -> Response:
        body = await request.body()
        if not verify_signature(
            secret,
            request.headers.get("X-Gateway-Timestamp", ""),
            body,
            request.headers.get("X-Gateway-Signature", ""),
        ):
            state["bad_signatures"] += 1
            return Response(status_code=401)
        if state["status"] != 200:
            return Response(status_code=state["status"])
        key = request.headers["Idempotency-Key"]
        with lock:
            posts[key] += 1
            first = posts[key] == 1
            if first:
                arrivals[_document_number(body)] = time.time()
        return Response(status_code=200 if first else 409)

    @app.post("/control/status/{status}")
    async def set_status(status: int) -> dict[str, int]:
        state["status"] = status
        return {"status": status}

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        with lock:
            return {
                "distinct": len(posts),
                "posts": sum(posts.values()),
                "duplicates_absorbed": sum(n - 1 for n in posts.values()),
                "bad_signatures": state["bad_signatures"],
            }

    @app.get("/arrivals")
    async def arrival_times() -> dict[str, float]:
        """Document number (BSN02, BAK03, BIG02) -> first arrival (Unix time), for latency."""
        with lock:
            return dict(arrivals)

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
    uvicorn.run(create_erp_app(args.secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
