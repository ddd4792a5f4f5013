"""A small forward proxy on 127.0.0.1 for the HTTP client's tests: ``CONNECT`` tunnels (HTTPS) and
absolute-form requests (HTTP), each relayed byte for byte to the origin, with an optional
``Proxy-Authorization`` it insists on (407 otherwise). It records each connection's first request
line and its ``Proxy-Authorization`` header."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class ProxySeen:
    request_line: str
    authorization: str | None


@dataclass
class ForwardProxy:
    required_authorization: str | None = None
    seen: list[ProxySeen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ForwardProxy:
        self._accepting.start()
        return self

    def stop(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            head_part, _, rest = head.partition(b"\r\n\r\n")
            lines = head_part.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
            }
            authorization = headers.get("proxy-authorization")
            self.seen.append(ProxySeen(lines[0], authorization))
            if self.required_authorization and authorization != self.required_authorization:
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
                )
                return
            method, target, _ = lines[0].split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)))
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                first = rest
            else:
                origin = urlsplit(target)
                upstream = socket.create_connection((origin.hostname, origin.port or 80))
                first = head  # the absolute form is passed on as is; the origin accepts it
            with upstream:
                if first:
                    upstream.sendall(first)
                _pipe(client, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Relay both ways until either side closes."""

    def one_way(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    back = threading.Thread(target=one_way, args=(b, a), daemon=True)
    back.start()
    one_way(a, b)
    back.join(timeout=5)
