"""Login and logout. A login is throttled per client address and per name
(``gateway.staff.throttle``), audited, and answered the same way whether the name exists or not.
The login form's CSRF token is a double-submit cookie (there is no session yet)."""

from __future__ import annotations

import secrets
from functools import partial

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.web import (
    COOKIE,
    LOGIN_COOKIE,
    UserDep,
    console_state,
    form_of,
    is_https,
    redirect,
    render,
    runtime_of,
    safe_next,
    sessions_of,
)
from gateway.staff.accounts import Principal, StaffAccounts

router = APIRouter(prefix="/console", include_in_schema=False)


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else ""


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/console/") -> Response:
    return login_form(request, safe_next(next))


def login_form(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    settings = runtime_of(request).settings
    response = render(
        request,
        "login.html",
        None,
        status=status,
        next=next_path,
        error=error,
        login_token=token,
        oidc=settings.oidc_name if settings.oidc_issuer and settings.oidc_client_id else None,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        max_age=3600,
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip().lower()[:63]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(str(form.get("next") or "/console/"))
    given = str(form.get("login_token") or "")
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        return login_form(request, next_path, "The login form expired: please try again.", 400)
    throttle = console_state(request).throttle
    throttle.attempts = runtime_of(request).settings.console_login_attempts
    keys = (f"client:{_client(request)}", f"name:{username}")
    wait = throttle.retry_after(*keys)
    if wait > 0:
        message = f"Too many failed logins: try again in {int(wait) + 1} seconds."
        response = login_form(request, next_path, message, 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    accounts = StaffAccounts(runtime_of(request).db)
    principal = await run_in_threadpool(
        partial(accounts.authenticate, username, password, client=_client(request))
    )
    if principal is None:
        throttle.failed(*keys)
        return login_form(request, next_path, "Wrong name or password.", 401)
    response = await open_session(request, principal, next_path)
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


async def open_session(request: Request, principal: Principal, next_path: str) -> Response:
    """A console session for ``principal`` (a local login or a provider's sign-in): its cookie,
    and the way on to ``next_path``."""
    cookie, _ = await run_in_threadpool(sessions_of(request).open, principal, _client(request))
    response = redirect(next_path)
    response.set_cookie(
        COOKIE,
        cookie,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        max_age=int(runtime_of(request).settings.console_session_hours * 3600),
    )
    return response


@router.post("/logout")
async def logout(request: Request, user: UserDep) -> Response:
    await form_of(request, user)
    await run_in_threadpool(sessions_of(request).close, request.cookies.get(COOKIE, ""))
    response = redirect("/console/login", "logged_out")
    response.delete_cookie(COOKIE, path="/console")
    return response
