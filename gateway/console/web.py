"""The console's plumbing: its state, templates, the session and role checks, CSRF.

A page is ``async def page(request, user: UserDep) -> HTMLResponse`` returning ``render(...)``; a
change is ``async def change(request, user: Annotated[Staff, Depends(can("message.retry"))])``
that reads its form with ``await form_of(request, user)`` (the CSRF check). Without a session a
page redirects to the login; a role that may not do something gets the 403 page, a form without
the session's CSRF token too.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.console.nav import nav_for
from gateway.console.snapshots import DashboardSnapshots
from gateway.partners import default_partners_dir
from gateway.queries.tracker import dashboard
from gateway.runtime import Runtime
from gateway.staff.accounts import Principal
from gateway.staff.roles import Action, allows, roles_for
from gateway.staff.sessions import ConsoleSessions, OpenSession
from gateway.staff.throttle import LoginThrottle
from gateway.web.state import gateway_state

COOKIE = "gw_console"
LOGIN_COOKIE = "gw_login"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class CertificateRow:
    partner_id: str
    role: str
    subject: str
    serial: str
    not_after: datetime

    @property
    def days_left(self) -> int:
        return (self.not_after - datetime.now(UTC)).days


Certificates = Callable[[Path], Sequence[CertificateRow]]


def _no_certificates(_partners_dir: Path) -> Sequence[CertificateRow]:
    return []


@dataclass
class ConsoleState:
    """What the composition root hands the console: the certificate inventory lives with the AS2
    transport, which ``gateway/`` never imports."""

    certificates: Certificates = _no_certificates
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    snapshots: DashboardSnapshots | None = None

    def dashboard_for(self, runtime: Runtime) -> DashboardSnapshots:
        if self.snapshots is None:
            self.snapshots = DashboardSnapshots(
                partial(dashboard, runtime.db), runtime.settings.console_dashboard_s
            )
        return self.snapshots


@dataclass(frozen=True, slots=True)
class Staff:
    """The member behind this request, with their session's CSRF token."""

    principal: Principal
    csrf_token: str

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def actor(self) -> str:
        return self.principal.actor

    def can(self, action: Action) -> bool:
        return allows(self.principal.role, action)


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class ConsoleForbidden(Exception):
    def __init__(self, message: str, staff: Staff | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.staff = staff


templates = Environment(
    loader=PackageLoader("gateway.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = lambda v: "" if v is None else f"{v:%Y-%m-%d %H:%M}"


def runtime_of(request: Request) -> Runtime:
    return gateway_state(request).runtime


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def partners_dir(request: Request) -> Path:
    return runtime_of(request).settings.partners_dir or default_partners_dir()


def sessions_of(request: Request) -> ConsoleSessions:
    settings = runtime_of(request).settings
    return ConsoleSessions(runtime_of(request).db, timedelta(hours=settings.console_session_hours))


def is_https(request: Request) -> bool:
    public = runtime_of(request).settings.public_url
    return request.url.scheme == "https" or public.startswith("https://")


async def current_staff(request: Request) -> Staff:
    cookie = request.cookies.get(COOKIE, "")
    found: OpenSession | None = None
    if cookie:
        found = await run_in_threadpool(sessions_of(request).find, cookie)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/console/")
    return Staff(found.principal, found.csrf_token)


UserDep = Annotated[Staff, Depends(current_staff)]


def can(action: Action) -> Callable[..., Awaitable[Staff]]:
    """A dependency: the member, when their role allows ``action`` (else the 403 page)."""

    async def dependency(user: UserDep) -> Staff:
        if not user.can(action):
            raise ConsoleForbidden(
                f"Your role ({user.role}) may not {action}. Roles that may: "
                f"{', '.join(roles_for(action))}.",
                user,
            )
        return user

    dependency.action = action  # type: ignore[attr-defined]
    return dependency


async def form_of(request: Request, user: Staff) -> Mapping[str, Any]:
    """The posted form, after the CSRF check (a field, or htmx's ``X-CSRF-Token`` header)."""
    form = await request.form()
    given = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    if not secrets.compare_digest(given.encode(), user.csrf_token.encode()):
        raise ConsoleForbidden("This form is stale or was not sent from the console (CSRF).", user)
    return form


def render(
    request: Request,
    template: str,
    user: Staff | None,
    *,
    status: int = 200,
    active: str = "",
    **context: Any,
) -> Response:
    html = templates.get_template(template).render(
        user=user,
        nav=nav_for(user.role) if user else [],
        active=active,
        request=request,
        note=NOTES.get(request.query_params.get("note", "")),
        count=_digits(request.query_params.get("n", "")),
        **context,
    )
    return secure(HTMLResponse(html, status_code=status))


def secure(response: Response) -> Response:
    """Headers every console answer carries."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(path: str, note: str = "", n: int | None = None) -> Response:
    """303 to another console page, with a note from ``NOTES`` (never free text)."""
    query = f"?note={quote(note)}" if note else ""
    if note and n is not None:
        query += f"&n={n}"
    return secure(RedirectResponse(path + query, status_code=303))


def safe_next(path: str) -> str:
    """Only a path inside the console: never an open redirect."""
    if path.startswith("/console") and not path.startswith("//") and "\\" not in path:
        return path
    return "/console/"


NOTES = {
    "retried": "Retried: back in the queue.",
    "retried_n": "Retried: {n} back in the queue.",
    "cancelled": "Cancelled.",
    "replayed": "Replayed with today's maps and profile.",
    "replayed_n": "Replayed {n} set(s).",
    "promoted": "Status changed.",
    "pos_sent": "Sent {n} purchase order(s): the supplier gets them through its outbox.",
    "key_revoked": "Key revoked.",
    "logged_out": "Logged out.",
}


def _digits(text: str) -> str:
    return text if text.isdigit() and len(text) < 10 else ""
