"""What the slow-client guards cost per request: uvicorn's httptools protocol against
``gateway.web.connections``' subclass, on the same requests, without sockets or an application.

Each protocol is fed one keep-alive POST at a time (a 2 kB body, headers and body in one read) on
a fake transport; a minimal ASGI app answers 202. Rounds alternate the two; the minimum and the
median of the rounds are printed, in microseconds of wall time per request.

    .venv/bin/python bench/http_protocol.py [--requests 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.web.connections import ConnectionLimits, guarded_http

BODY = b"x" * 2000
REQUEST = (
    b"POST /v1/x12 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer k\r\n"
    b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY
)


async def app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send(
        {"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def write(self, data: Any) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def per_request(protocol_class: type[HttpToolsProtocol], requests: int) -> float:
    config = Config(app, log_level="warning", access_log=False)
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
    protocol.connection_made(FakeTransport())
    start = time.perf_counter()
    for _ in range(requests):
        protocol.data_received(REQUEST)
        await asyncio.sleep(0)  # the application's task runs
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    protocol.connection_lost(None)
    return elapsed / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    contenders = {"uvicorn": HttpToolsProtocol, "guarded": guarded_http(ConnectionLimits())}
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, protocol_class in contenders.items():
            results[name].append(await per_request(protocol_class, requests))
    for name, times in results.items():
        times.sort()
        print(f"{name:8} min {times[0]:6.2f}  median {times[len(times) // 2]:6.2f} us/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    uvloop.run(main(args.requests, args.rounds))
