"""``install``: the console's routes, static files and error pages on the gateway's app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.console import (
    pages_auth,
    pages_exceptions,
    pages_messages,
    pages_oidc,
    pages_orders,
    pages_partners,
    pages_scorecards,
)
from gateway.console.web import (
    Certificates,
    ConsoleForbidden,
    ConsoleState,
    LoginRequired,
    render,
    secure,
)

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI, *, certificates: Certificates | None = None) -> None:
    state = ConsoleState()
    if certificates is not None:
        state.certificates = certificates
    app.state.console = state
    for module in (
        pages_auth,
        pages_oidc,
        pages_messages,
        pages_exceptions,
        pages_partners,
        pages_orders,
        pages_scorecards,
    ):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(ConsoleForbidden, _forbidden)  # type: ignore[arg-type]


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    from urllib.parse import quote

    target = f"/console/login?next={quote(exc.next_path)}"
    if request.headers.get("hx-request"):
        return secure(Response(status_code=204, headers={"HX-Redirect": target}))
    return secure(RedirectResponse(target, status_code=303))


async def _forbidden(request: Request, exc: ConsoleForbidden) -> Response:
    return render(request, "forbidden.html", exc.staff, status=403, message=exc.message)
