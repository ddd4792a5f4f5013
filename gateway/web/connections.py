"""Slow and greedy clients: deadlines on reading a request, and caps on open connections.

uvicorn bounds only the idle time between two requests (``timeout_keep_alive``). A client that
sends half a request line, or a body a byte a minute, keeps its connection (a descriptor, a
protocol object) for ever, and nothing limits how many it opens. ``guarded_http(limits)`` is
uvicorn's httptools protocol (the one ``http="auto"`` picks, ``httptools`` being a dependency)
with, per connection:

* **headers**: the request line and headers complete within ``header_s`` of the connection or,
  on a kept-alive connection, of the request's first byte; else ``408`` and close (a connection
  that never sent a byte is just closed).
* **body**: it keeps arriving. No pause longer than ``body_s``, and after the first ``body_s``
  an average of at least ``body_min_rate`` bytes/s, as Apache's ``mod_reqtimeout`` counts: the
  deadline starts at ``body_s`` and grows by one second per ``body_min_rate`` bytes received.
  Else ``408`` (unless an answer has started) and close. While uvicorn has paused reading (the
  application has not taken the bytes it holds) the client is not to blame: the clock restarts.
* **idle** between requests: uvicorn's own ``timeout_keep_alive``, set by the caller.
* **sending**: an answer the client does not read (the send buffer stays above its high-water
  mark) for ``send_s`` is dropped.
* **connections**: at most ``per_client`` open per client address (an IPv6 client: per /64) and
  ``total`` in all. One more is answered ``503`` with ``Connection: close`` before its request is
  read, and closed: at once when the client closes its side, at the latest ``REFUSED_LINGER_S``
  later. Until then what it sends is read and dropped (a close with unread data would reset the
  connection, and the client might never see the answer). Refused connections are not counted.

On the hot path (a request that arrives in one read) this adds one Python call and a few
attribute reads per read, no timer: timers are armed only while a request is incomplete, plus one
per connection for its head (``bench/http_protocol.py``: no difference beyond noise). The counts are per server (``guarded_http`` returns a new class each
time), per process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

log = logging.getLogger("gateway.web")

REFUSED_LINGER_S = 2.0
_HEAD, _BODY, _DONE = 1, 2, 3
"""What the connection waits for: the rest of a request's head, the rest of its body, or nothing
from the client (the application is answering, or uvicorn's keep-alive timer runs)."""


def _answer(status: bytes, text: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 " + status, b"content-type: text/plain; charset=utf-8"]
    head += [b"content-length: %d" % len(text), b"connection: close", *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + text


TIMEOUT_ANSWER = _answer(b"408 Request Timeout", b"the request did not arrive in time\n")
REFUSED_ANSWER = _answer(
    b"503 Service Unavailable", b"too many open connections\n", b"retry-after: 1"
)


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_s: float = 10.0
    body_s: float = 15.0
    body_min_rate: float = 4096.0
    """Bytes per second; 0: only pauses count."""
    send_s: float = 30.0
    per_client: int = 64
    """0: no limit per client."""
    total: int = 1000
    """0: no limit in all."""


@dataclass(slots=True)
class _Tally:
    """Open connections of one server, per client and in all (the event loop's thread only)."""

    by_client: Counter[str] = field(default_factory=Counter)
    total: int = 0

    def admit(self, client: str, limits: ConnectionLimits) -> bool:
        if limits.total and self.total >= limits.total:
            return False
        if limits.per_client and self.by_client[client] >= limits.per_client:
            return False
        self.by_client[client] += 1
        self.total += 1
        return True

    def release(self, client: str) -> None:
        self.total -= 1
        self.by_client[client] -= 1
        if not self.by_client[client]:
            del self.by_client[client]


def client_key(transport: asyncio.BaseTransport) -> str:
    """Whom the per-client cap counts: the IPv4 address, or the IPv6 /64 (one host's range)."""
    peer = transport.get_extra_info("peername")
    host = peer[0] if isinstance(peer, tuple) and peer else ""
    if ":" not in host:
        return host or "local"
    address = ipaddress.IPv6Address(host.split("%", 1)[0])
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


class _Refused(asyncio.Protocol):
    """A refused connection after its ``503``: reads and drops until the client closes, or the
    linger ends."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        transport.write(REFUSED_ANSWER)
        if transport.can_write_eof():
            transport.write_eof()
        self._timer = loop.call_later(REFUSED_LINGER_S, transport.close)

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool:
        return False  # the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self._timer.cancel()


class GuardedHttpProtocol(HttpToolsProtocol):
    """See the module docstring. Built per server by ``guarded_http``, which sets the class
    attributes."""

    limits: ClassVar[ConnectionLimits]
    tally: ClassVar[_Tally]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._client_key: str | None = None
        self._timed = _DONE
        """The phase ``_timer`` was armed for (``_DONE``: none armed)."""
        self._timer: asyncio.TimerHandle | None = None
        self._body_start = self._body_seen = 0.0
        self._body_bytes = 0
        self._send_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        key = client_key(transport)
        if not self.tally.admit(key, self.limits):
            log.info("refused a connection from %s: too many open connections", key)
            transport.set_protocol(_Refused(transport, self.loop))
            return
        self._client_key = key
        super().connection_made(transport)
        self._retime(_HEAD)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._client_key is None:  # refused: never started
            return
        self.tally.release(self._client_key)
        self._client_key = None
        self._cancel_timer()
        if self._send_timer is not None:
            self._send_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        HttpToolsProtocol.data_received(self, data)  # the hot path: no super() object
        # Where the request stands, from uvicorn's own state (cheaper than overriding three
        # parser callbacks): a new request's scope has no "method" until its head is complete;
        # the cycle made then has more_body until the body is complete.
        cycle, scope = self.cycle, self.scope
        if scope is None or "method" not in scope:
            phase = _HEAD
        elif cycle is not None and cycle.more_body:
            phase = _BODY
        else:
            phase = _DONE
        if phase != self._timed:
            self._retime(phase)
        elif phase == _BODY:
            self._body_bytes += len(data)
            self._body_seen = self.loop.time()

    # writing
    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_s, self._send_timed_out)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    # deadlines
    def _retime(self, phase: int) -> None:
        """Arm the deadline of the phase the request is in now (none for ``_DONE``)."""
        self._cancel_timer()
        self._timed = phase
        if phase == _HEAD:
            self._timer = self.loop.call_later(self.limits.header_s, self._head_timed_out)
        elif phase == _BODY:
            self._body_start = self._body_seen = self.loop.time()
            self._body_bytes = 0
            self._timer = self.loop.call_later(self.limits.body_s, self._check_body)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timed = _DONE

    def _head_timed_out(self) -> None:
        self._timer = None
        if self.flow.read_paused:  # a pipelined request waits for us, not for the client
            self._retime(_HEAD)
        elif self.scope is not None:  # a request has begun
            self._time_out("the request head did not arrive in time")
        elif not self.transport.is_closing():  # a connection that never sent a byte
            self.transport.close()

    def _check_body(self) -> None:
        self._timer = None
        now = self.loop.time()
        if self.flow.read_paused:  # we stopped reading, not the client: start again
            self._body_start = self._body_seen = now
            self._body_bytes = 0
        limits = self.limits
        deadline = self._body_seen + limits.body_s
        if limits.body_min_rate > 0:
            earned = self._body_bytes / limits.body_min_rate
            deadline = min(deadline, self._body_start + limits.body_s + earned)
        if now >= deadline:
            received, seconds = self._body_bytes, now - self._body_start
            self._time_out(f"the body came too slowly ({received} bytes in {seconds:.0f} s)")
        else:
            self._timer = self.loop.call_later(deadline - now, self._check_body)

    def _time_out(self, why: str) -> None:
        transport = self.transport
        if transport.is_closing():
            return
        log.info("closed a slow client %s: %s", self._client_key, why)
        if self.cycle is None or not self.cycle.response_started:
            transport.write(TIMEOUT_ANSWER)
        transport.close()

    def _send_timed_out(self) -> None:
        self._send_timer = None
        if not self.transport.is_closing():
            log.info("dropped a client %s that does not read its answer", self._client_key)
        self.transport.abort()


def guarded_http(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """The protocol class to pass as ``uvicorn.Config(http=...)``, with its own counts."""

    class ServerHttpProtocol(GuardedHttpProtocol):
        pass

    ServerHttpProtocol.limits, ServerHttpProtocol.tally = limits, _Tally()
    return ServerHttpProtocol
