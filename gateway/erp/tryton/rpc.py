"""``TrytonRpc``: JSON-RPC calls to a trytond server, as one user, over ``PostClient``.

Tryton's protocol (``trytond/protocols/jsonrpc.py``, read, not imported: trytond is GPL): each call
is ``POST <base>/<database>/rpc/`` (trytond 7 and later; ``<base>/<database>/`` before) with
``{"id", "method": "model.<model>.<method>", "params": [..., context]}`` and one database
transaction per call (a call either happens whole or not at all). The client logs in once
(``common.db.login``) and sends ``Authorization: Session base64(login:user id:session)`` as Tryton's
own clients do (Basic authentication works too, but checks the password hash on every call: about
ten times slower); an expired session (401) is renewed once. Dates and decimals travel as ``{"__class__": "date", ...}``
and ``{"__class__": "Decimal", "decimal": "1.50"}``. An exception raised by the server comes back
with status 200 as ``{"error": [name, args]}`` for Tryton's own (``UserError``,
``ConcurrencyException``...) and ``[text, traceback]`` for any other.

The failure table (``TrytonError.retriable``):

* no answer (refused, timeout, reset), 429, 503 (trytond's answer to a database operational
  error), 5xx, ``ConcurrencyException``: retriable;
* 401/403 (wrong password, user without access): ``access_refused``, fatal;
* ``UserError`` (a rule of the ERP refused the data, e.g. an access rule or a required field): fatal,
  with the ERP's message;
* any other answer: fatal.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from gateway.http_client import HttpFailure, PostClient, UrlError
from gateway.masking import mask_secrets

_CONTEXT_KEYS = ("company", "companies", "company_filter", "employees", "language")
ANSWER_LIMIT = 16 * 1024 * 1024
"""The largest answer read (a search_read of a big purchase stays far below)."""


class TrytonError(Exception):
    """A call failed; ``kind`` is a short name for error codes (``erp.tryton.<kind>``)."""

    def __init__(self, message: str, *, kind: str, retriable: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.retriable = retriable


@dataclass(frozen=True, slots=True)
class TrytonUrl:
    """``http://USER:PASSWORD@HOST:PORT/DATABASE/`` split into what the client needs."""

    base: str
    """``scheme://host:port`` (no credentials)."""
    database: str
    user: str
    password: str

    @classmethod
    def parse(cls, url: str, password: str = "") -> TrytonUrl:
        """``password`` (its own setting) wins over one in the URL. Raises ``UrlError``."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - validates the port
        except ValueError as exc:
            raise UrlError(mask_secrets(f"invalid Tryton URL {url!r}: {exc}")) from exc
        database = parts.path.strip("/")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UrlError(
                f"Tryton URL must be http(s)://USER:PASSWORD@HOST:PORT/DATABASE/, not {mask_secrets(url)!r}"
            )
        if not database or "/" in database:
            raise UrlError(f"Tryton URL must name one database as its path: {mask_secrets(url)!r}")
        if not parts.username:
            raise UrlError(f"Tryton URL must name the gateway's Tryton user: {mask_secrets(url)!r}")
        secret = password or unquote(parts.password or "")
        if not secret:
            raise UrlError(
                f"Tryton URL has no password and GATEWAY_ERP_SECRET is empty: {mask_secrets(url)!r}"
            )
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        base = urlunsplit((parts.scheme, netloc, "", "", ""))
        return cls(base, unquote(database), unquote(parts.username), secret)


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {
            "__class__": "datetime",
            "year": value.year,
            "month": value.month,
            "day": value.day,
            "hour": value.hour,
            "minute": value.minute,
            "second": value.second,
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


def _decode(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return dt.datetime(
            obj["year"],
            obj["month"],
            obj["day"],
            obj["hour"],
            obj["minute"],
            obj["second"],
            obj["microsecond"],
        )
    return obj


class TrytonRpc:
    """Calls ``model.*`` methods as the configured user; safe from several threads at once."""

    def __init__(self, url: TrytonUrl, *, timeout: float, verify: bool | str = True) -> None:
        self.url = url
        self._client = PostClient(
            f"{url.base}/{url.database}/rpc/", timeout=timeout, verify=verify, proxy=""
        )
        self._session: str | None = None
        self._ids = itertools.count(1)
        self._context: dict[str, Any] | None = None
        self._lock = threading.RLock()

    @property
    def context(self) -> dict[str, Any]:
        """The user's context (company, language), read once as Tryton's own client does: a
        company-dependent value (default accounts, the company filter) needs it."""
        if self._context is None:
            with self._lock:
                if self._context is None:
                    preferences = self._call("res.user", "get_preferences", (True,), {})
                    self._context = {k: preferences[k] for k in _CONTEXT_KEYS if k in preferences}
        return self._context

    def call(self, model: str, method: str, *args: Any) -> Any:
        """``model.<model>.<method>(*args, context)``; raises ``TrytonError``."""
        return self._call(model, method, args, self.context)

    def _call(self, model: str, method: str, args: tuple[Any, ...], context: dict[str, Any]) -> Any:
        session = self._session or self._login()
        try:
            return self._send(f"model.{model}.{method}", [*args, context], session)
        except TrytonError as exc:
            if exc.kind != "access_refused" or session != self._session:
                raise
        self._session = None  # expired: log in again, once
        return self._send(f"model.{model}.{method}", [*args, context], self._login())

    def _login(self) -> str:
        with self._lock:
            if self._session is None:
                answer = self._send(
                    "common.db.login", [self.url.user, {"password": self.url.password}], None
                )
                if not answer:
                    raise TrytonError(
                        f"Tryton refused user {self.url.user!r} on database "
                        f"{self.url.database!r}: check the login and the password",
                        kind="access_refused",
                        retriable=False,
                    )
                triple = f"{self.url.user}:{answer[0]}:{answer[1]}".encode()
                self._session = "Session " + base64.b64encode(triple).decode()
            return self._session

    def _send(self, what: str, params: list[Any], session: str | None) -> Any:
        body = json.dumps(
            {"id": next(self._ids), "method": what, "params": params}, default=_encode
        ).encode()
        headers = {"Content-Type": "application/json"}
        if session is not None:
            headers["Authorization"] = session
        try:
            answer = self._client.post(body, headers, limit=ANSWER_LIMIT)
        except HttpFailure as exc:
            raise TrytonError(
                f"Tryton at {self.url.base} did not answer {what}: {exc}",
                kind="unreachable",
                retriable=exc.retriable,
            ) from exc
        if answer.status in (401, 403):
            raise TrytonError(
                f"Tryton refused user {self.url.user!r} on database {self.url.database!r} "
                f"(HTTP {answer.status}): check the login, the password and its groups",
                kind="access_refused",
                retriable=False,
            )
        if answer.status == 404:
            raise TrytonError(
                f"Tryton has no database {self.url.database!r} (HTTP 404 on {what})",
                kind="unknown_database",
                retriable=False,
            )
        if answer.status == 429 or answer.status >= 500:
            raise TrytonError(
                f"Tryton answered HTTP {answer.status} to {what}",
                kind="unavailable",
                retriable=True,
            )
        if answer.status != 200:
            raise TrytonError(
                f"Tryton answered HTTP {answer.status} to {what}", kind="http", retriable=False
            )
        try:
            reply = json.loads(answer.body, object_hook=_decode)
        except ValueError as exc:
            raise TrytonError(
                f"Tryton's answer to {what} is not JSON: {exc}", kind="protocol", retriable=True
            ) from exc
        if "error" in reply and reply["error"] is not None:
            raise _server_error(what, reply["error"])
        return reply.get("result")

    def close(self) -> None:
        self._client.close()


def _server_error(what: str, error: Any) -> TrytonError:
    name = error[0] if isinstance(error, list) and error else str(error)
    args = error[1] if isinstance(error, list) and len(error) > 1 else None
    if name == "ConcurrencyException":
        return TrytonError(
            f"Tryton: concurrent change during {what}", kind="conflict", retriable=True
        )
    if name in ("UserError", "UserWarning"):
        parts = args if isinstance(args, list) else [args]
        words = " ".join(str(p) for p in parts[:2] if p)
        kind = "access_refused" if "access" in words.lower() else "refused"
        return TrytonError(f"Tryton refused {what}: {words}", kind=kind, retriable=False)
    if name == "LoginException":
        return TrytonError(
            f"Tryton asks for a login during {what}", kind="access_refused", retriable=False
        )
    return TrytonError(
        f"Tryton failed on {what}: {str(name)[:500]}", kind="server_error", retriable=False
    )
