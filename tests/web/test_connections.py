"""Slow and greedy clients against a real uvicorn server on 127.0.0.1 with the guarded protocol:
raw sockets that stop mid-head, dribble a body, never read their answer, or open one connection
too many. Timeouts are a second or less, so each case takes about as long as its timeout."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from gateway.web.connections import ConnectionLimits, client_key, guarded_http
from tests.erp.fake_erp import ServerThread
from tests.transports.harness import wait_for

BIG = 16 * 1024 * 1024
FAST = ConnectionLimits(header_s=1.0, body_s=1.0, body_min_rate=1000, send_s=1.0, per_client=0)
FEW = ConnectionLimits(header_s=10, per_client=3, total=5)


def small_app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/big")
    def big() -> Response:
        return Response(b"x" * BIG, media_type="application/octet-stream")

    return app


def serve(limits: ConnectionLimits) -> Iterator[int]:
    server = ServerThread(small_app(), http=guarded_http(limits), timeout_keep_alive=1)
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fast() -> Iterator[int]:
    yield from serve(FAST)


@pytest.fixture
def few() -> Iterator[int]:
    yield from serve(FEW)


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))


def until_closed(
    sock: socket.socket, piece: bytes = b"", every: float = 0.1
) -> tuple[bytes, float]:
    """Send ``piece`` every ``every`` s (nothing if empty) until the server closes; what it sent,
    and when it closed, in seconds from now. Fails after 10 s."""
    start, answer = time.monotonic(), b""
    while time.monotonic() - start < 10:
        if piece:
            try:
                sock.sendall(piece)
            except OSError:  # closed under our feet
                return answer + drain(sock), time.monotonic() - start
        if select.select([sock], [], [], every)[0]:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return answer, time.monotonic() - start
            if not chunk:
                return answer, time.monotonic() - start
            answer += chunk
    raise AssertionError(f"still open after 10 s; answered {answer[:80]!r}")


def drain(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def test_given_a_slowloris_dribbling_headers_then_408_and_closed_at_the_header_timeout(
    fast: int,
) -> None:
    with connect(fast) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
        answer, closed_after = until_closed(sock, b"X-Slow: 1\r\n")

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert 0.7 < closed_after < 4


def test_given_a_connection_that_sends_nothing_then_closed_without_an_answer(fast: int) -> None:
    with connect(fast) as sock:
        answer, closed_after = until_closed(sock)

    assert answer == b"" and 0.7 < closed_after < 4


def test_given_a_body_that_stops_then_408_after_the_body_timeout(fast: int) -> None:
    with connect(fast) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
        answer, closed_after = until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 408 ") and 0.7 < closed_after < 4


def test_given_a_body_below_the_minimum_rate_then_cut_off_while_it_still_arrives(
    fast: int,
) -> None:
    """500 B/s against 1000 B/s after a 1 s grace: the deadline (1 s + bytes / 1000) is met at
    2 s, although no pause is longer than 0.1 s."""
    with connect(fast) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        answer, closed_after = until_closed(sock, b"x" * 50)

    assert answer.startswith(b"HTTP/1.1 408 ") and 1.5 < closed_after < 6


def test_given_a_slow_but_steady_body_then_it_is_accepted(fast: int) -> None:
    with connect(fast) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n")
        for _ in range(15):  # 2000 B/s for 1.5 s
            sock.sendall(b"x" * 200)
            time.sleep(0.1)
        answer = sock.recv(65536)

    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b'{"bytes":3000}')


def test_given_a_normal_client_then_keep_alive_requests_and_a_big_body_go_through(
    fast: int,
) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{fast}") as client:
        answers = [client.get("/").status_code for _ in range(20)]
        echoed = client.post("/echo", content=b"x" * 5_000_000).json()
        time.sleep(0.5)  # idle, under the keep-alive timeout
        answers.append(client.get("/").status_code)

    assert answers == [200] * 21 and echoed == {"bytes": 5_000_000}


def test_given_an_idle_kept_alive_connection_then_closed_after_the_keep_alive_timeout(
    fast: int,
) -> None:
    with connect(fast) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer, closed_after = until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 200 ") and 0.7 < closed_after < 4


def test_given_a_client_that_does_not_read_its_answer_then_it_is_dropped(fast: int) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    with sock:
        sock.connect(("127.0.0.1", fast))
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(2.5)  # the send timeout is 1 s
        received = len(drain(sock))

    assert 0 < received < BIG


def test_given_the_connections_a_client_may_hold_then_one_more_is_refused_and_others_work(
    few: int,
) -> None:
    held = [connect(few) for _ in range(3)]
    try:
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\n")  # slow, but within the 10 s header timeout
        refused = httpx.get(f"http://127.0.0.1:{few}/", timeout=5)
        with connect(few) as sock:  # a raw one that sends nothing reads the same answer
            raw, _ = until_closed(sock)
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with other:
            other_client = other.get(f"http://127.0.0.1:{few}/", timeout=5).status_code
        held.pop().close()
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{few}/", timeout=5).status_code == 200, 5)
    finally:
        for sock in held:
            sock.close()

    assert refused.status_code == 503 and refused.headers["connection"] == "close"
    assert raw.startswith(b"HTTP/1.1 503 ")
    assert other_client == 200


def test_given_the_connections_the_server_may_hold_then_one_more_is_refused(few: int) -> None:
    held = [connect(few, f"127.0.0.{n}") for n in range(10, 15)]
    try:
        with connect(few, "127.0.0.20") as sock:
            answer, _ = until_closed(sock)
        held.pop().close()
        with connect(few, "127.0.0.20") as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            after, _ = until_closed(sock)
    finally:
        for sock in held:
            sock.close()

    assert answer.startswith(b"HTTP/1.1 503 ") and b"too many open connections" in answer
    assert after.startswith(b"HTTP/1.1 200 ")


class Peer:
    def __init__(self, peer: object) -> None:
        self.peer = peer

    def get_extra_info(self, name: str) -> object:
        return self.peer if name == "peername" else None


@pytest.mark.parametrize(
    ("peer", "key"),
    [
        (("203.0.113.7", 5000), "203.0.113.7"),
        (("2001:db8:1:2:aaaa::1", 5000, 0, 0), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:bbbb::9", 6000, 0, 0), "2001:db8:1:2::/64"),
        (("::ffff:203.0.113.7", 5000, 0, 0), "203.0.113.7"),
        ("", "local"),
    ],
)
def test_a_client_is_its_ipv4_address_or_its_ipv6_64(peer: object, key: str) -> None:
    assert client_key(Peer(peer)) == key  # type: ignore[arg-type]
