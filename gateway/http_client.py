"""``PostClient``: keep-alive HTTP/1.1 POSTs to one URL, on the standard library's ``http.client``.

Why not httpx: on the hot path (one POST per event to the ERP) it costs several times the CPU of
``http.client`` (``bench/README.md``), and the gateway needs none of what that buys: one URL, no redirects (a POST that moved is a
configuration to fix), no cookies, no HTTP/2. What it does need is here:

* **One connection per thread**, kept alive and reused (safe from several worker threads at once).
  A reused connection the server had already closed (idle timeout) fails on the next request; that
  request is sent once more on a new connection. POSTs carry an idempotency key, so a repeat is
  always safe.
* **TLS** with certificate and host name checks (system CAs, or a CA file or folder), or none for
  tests.
* **Proxies from the environment**, as curl and httpx take them: ``https_proxy`` / ``http_proxy``
  (an ``http://`` proxy, with ``user:password@`` for Basic auth) and ``no_proxy``. HTTPS goes
  through a ``CONNECT`` tunnel, HTTP in absolute form.
* **Timeouts** on connecting and on every read and write.
* **Bounded answers**: at most ``limit`` bytes of the body are read; the rest is never buffered (the
  connection is dropped instead of drained).
* **One exception type**, ``HttpFailure``, with ``retriable`` and a ``kind`` (``timeout``,
  ``network``, ``tls``, ``proxy``, ``protocol``, ``misconfigured``); ``classify`` is the table.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gateway.masking import mask_secrets


class HttpFailure(Exception):
    """The request did not produce an HTTP answer; ``retriable``: trying again later may help."""

    def __init__(self, message: str, *, retriable: bool, kind: str) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.kind = kind


class UrlError(ValueError):
    """A URL (or proxy URL) the client cannot use: a configuration error. Its message quotes the
    URL with its credentials masked (``gateway.masking``), as does every ``HttpFailure``."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Message
    body: bytes
    """At most ``limit`` bytes of the body."""

    @property
    def charset(self) -> str:
        return self.headers.get_content_charset() or "utf-8"


_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent in the request line (``/`` when the URL has none)."""

    @classmethod
    def parse(cls, url: str) -> Target:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UrlError(mask_secrets(f"invalid url {url!r}: {exc}")) from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UrlError(f"url must be http(s)://host/..., not {mask_secrets(url)!r}")
        if any(c in url for c in " \r\n\t"):
            raise UrlError(f"url must not contain whitespace: {mask_secrets(url)!r}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme], path)

    @property
    def authority(self) -> str:
        """``host[:port]`` as in a Host header (no port when it is the scheme's default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str
    port: int
    authorization: str | None

    @classmethod
    def for_target(cls, target: Target, proxy: str | None = None) -> Proxy | None:
        """``proxy`` if given (``""``: none), else the environment's for ``target``."""
        if proxy is None:
            if urllib.request.proxy_bypass_environment(target.host):  # type: ignore[attr-defined]
                return None
            proxy = urllib.request.getproxies_environment().get(target.scheme, "")
        if not proxy:
            return None
        if "://" not in proxy:
            proxy = "http://" + proxy
        parts = urlsplit(proxy)
        try:
            port = parts.port or 8080
        except ValueError as exc:
            raise UrlError(mask_secrets(f"invalid proxy url {proxy!r}: {exc}")) from exc
        if parts.scheme != "http" or not parts.hostname:
            raise UrlError(
                f"proxy must be http://[user:password@]host:port, not {mask_secrets(proxy)!r}"
            )
        authorization = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(pair).decode()
        return cls(parts.hostname, port, authorization)


def ssl_context(verify: bool | str | Path) -> ssl.SSLContext:
    """True: system CAs; False: no checks (tests only); a path: that CA file or folder.
    Raises ``OSError``/``ssl.SSLError`` when the path cannot be loaded."""
    if verify is True:
        return ssl.create_default_context()
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    path = Path(verify)
    if path.is_dir():
        return ssl.create_default_context(capath=str(path))
    return ssl.create_default_context(cafile=str(path))


def classify(exc: BaseException) -> tuple[bool, str]:
    """(retriable?, kind) of an exception raised while sending a request or reading its answer."""
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return True, "timeout"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return True, "tls"  # a certificate the ERP side will fix, or a TLS hiccup
    if isinstance(exc, _TunnelError):
        return True, "proxy"
    if isinstance(exc, http.client.HTTPException):
        return True, "protocol"  # no status line, a cut-off body, over-long headers...
    if isinstance(exc, OSError):
        return True, "network"  # refused, reset, unreachable, DNS
    if isinstance(exc, ValueError | UnicodeError):
        return False, "misconfigured"  # a header value http.client refuses to send
    raise TypeError(f"not a transport error: {exc!r}")


class _TunnelError(OSError):
    """The proxy refused the CONNECT (http.client raises a plain OSError; we re-raise this)."""


_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""What a reused keep-alive connection that the server closed meanwhile fails with."""


class PostClient:
    """POSTs to one URL; see the module docstring. ``close`` closes every thread's connection."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        verify: bool | str | Path = True,
        proxy: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """``proxy``: ``None`` takes the environment's (``https_proxy``, ``no_proxy``...), ``""``
        means none. Raises ``UrlError``, or ``OSError``/``ssl.SSLError`` for unusable CA paths."""
        self.target = Target.parse(url)
        self.proxy = Proxy.for_target(self.target, proxy)
        self.timeout = timeout
        self.headers = {"Host": self.target.authority, **(headers or {})}
        if self.proxy is not None and self.proxy.authorization and self.target.scheme == "http":
            self.headers["Proxy-Authorization"] = self.proxy.authorization
        self._context = ssl_context(verify) if self.target.scheme == "https" else None
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()
        self.closed = False

    def post(self, body: bytes, headers: dict[str, str], *, limit: int) -> Answer:
        """Send ``body``; raises ``HttpFailure`` when no HTTP answer came back."""
        all_headers = {**self.headers, **headers, "Content-Length": str(len(body))}
        try:
            connection, reused = self._connection()
            try:
                return self._exchange(connection, body, all_headers, limit)
            except _STALE:
                self._drop(connection)
                if not reused:
                    raise
            connection, _ = self._connection()
            return self._exchange(connection, body, all_headers, limit)
        except HttpFailure:
            raise
        except Exception as exc:
            self._drop(getattr(self._local, "connection", None))
            try:
                retriable, kind = classify(exc)
            except TypeError:
                raise exc from None
            raise HttpFailure(
                mask_secrets(f"{type(exc).__name__}: {exc}"), retriable=retriable, kind=kind
            ) from exc

    def close(self) -> None:
        self.closed = True
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        body: bytes,
        headers: dict[str, str],
        limit: int,
    ) -> Answer:
        url = self.target.path
        if self.proxy is not None and self.target.scheme == "http":
            url = f"http://{self.target.authority}{self.target.path}"  # absolute form
        try:
            connection.request("POST", url, body=body, headers=headers)
        except OSError as exc:
            if self.proxy is not None and "Tunnel connection failed" in str(exc):
                raise _TunnelError(str(exc)) from exc
            raise
        response = connection.getresponse()
        data = response.read(limit)
        if not response.isclosed():
            response.read(1)  # an answer exactly ``limit`` long: see whether it has ended
        if response.isclosed() and not response.will_close:
            self._local.served = True  # read to its end: the connection can serve again
        else:  # more than we keep (never drain a huge answer), or the server closes it
            self._drop(connection)
        return Answer(response.status, response.headers, data)

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection and whether it served a request before."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, bool(getattr(self._local, "served", False))
        connection = self._new_connection()
        with self._lock:
            self._open.add(connection)
        self._local.connection, self._local.served = connection, False
        return connection, False

    def _new_connection(self) -> http.client.HTTPConnection:
        target, proxy = self.target, self.proxy
        host, port = (proxy.host, proxy.port) if proxy is not None else (target.host, target.port)
        if self._context is None:
            return http.client.HTTPConnection(host, port, timeout=self.timeout)
        connection = http.client.HTTPSConnection(
            host, port, timeout=self.timeout, context=self._context
        )
        if proxy is not None:
            auth = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            connection.set_tunnel(target.host, target.port, headers=auth)
        return connection

    def _drop(self, connection: http.client.HTTPConnection | None) -> None:
        if connection is None:
            return
        connection.close()
        with self._lock:
            self._open.discard(connection)
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None
