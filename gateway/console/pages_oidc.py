"""Console sign-in through a company's OpenID Connect provider (``GATEWAY_OIDC_*``): the
authorization code flow with PKCE (S256), ``state`` and ``nonce``, through Authlib's OAuth 2
client; the ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce are
checked with joserfc (Authlib's JOSE library). The person's staff role comes from a claim of the
ID token (``GATEWAY_OIDC_ROLES_CLAIM``, ``groups``) through ``GATEWAY_OIDC_ROLE_MAP``; someone
none of whose groups maps is refused unless ``GATEWAY_OIDC_DEFAULT_ROLE`` gives one. The account
is found by issuer and subject (``gateway.staff.identities``), the session is the same as a local
login's. Each refusal shows a page that says why, is audited, and opens no session.

A sign-in under way (its ``state``, ``nonce`` and PKCE verifier) is kept in this process for ten
minutes and tied to the browser by a cookie: ``gateway run`` serves the console from one process.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from gateway.console.pages_auth import login_form, open_session
from gateway.console.web import (
    is_https,
    runtime_of,
    safe_next,
    secure,
)
from gateway.settings import Settings
from gateway.staff.identities import refused, sign_in
from gateway.staff.roles import ROLES

router = APIRouter(prefix="/console/oidc", include_in_schema=False)
FLOW_COOKIE = "gateway_oidc"
FLOW_SECONDS = 600
TIMEOUT_S = 10.0
LEEWAY_S = 60


@dataclass
class _Flow:
    nonce: str
    verifier: str
    next_path: str
    expires: float


@dataclass
class _Provider:
    """What discovery said, and the keys (read again when a token names an unknown one)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    keys: KeySet | None = None
    flows: dict[str, _Flow] = field(default_factory=dict)


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def role_for(settings: Settings, groups: list[str]) -> str | None:
    """The first mapping (in ``GATEWAY_OIDC_ROLE_MAP``'s order) whose group the person has."""
    for pair in settings.oidc_role_map.split(","):
        group, _, role = pair.partition("=")
        if group.strip() and group.strip() in groups and role.strip() in ROLES:
            return role.strip()
    default = settings.oidc_default_role.strip()
    return default if default in ROLES else None


@router.get("/login")
async def start(request: Request, next: str = "/console/") -> Response:
    settings = runtime_of(request).settings
    if not configured(settings):
        return _refused(request, "Sign-in through an identity provider is not set up here.", 404)
    try:
        provider = await run_in_threadpool(_provider, request, settings)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return _refused(request, f"The identity provider cannot be reached: {exc}", 502)
    state, nonce, verifier = (secrets.token_urlsafe(n) for n in (24, 24, 48))  # RFC 7636: 43+
    now = time.monotonic()
    for old in [k for k, f in provider.flows.items() if f.expires < now]:
        del provider.flows[old]
    provider.flows[state] = _Flow(nonce, verifier, safe_next(next), now + FLOW_SECONDS)
    client = _client(request, settings)
    url, _ = client.create_authorization_url(
        provider.authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier
    )
    response = secure(RedirectResponse(url, status_code=303))
    response.set_cookie(
        FLOW_COOKIE,
        state,
        path="/console/oidc",
        httponly=True,
        samesite="lax",  # it must come back with the provider's redirect
        secure=is_https(request),
        max_age=FLOW_SECONDS,
    )
    return response


@router.get("/callback")
async def callback(request: Request) -> Response:
    settings = runtime_of(request).settings
    if not configured(settings):
        return _refused(request, "Sign-in through an identity provider is not set up here.", 404)
    q = request.query_params
    state = q.get("state", "")
    kept = request.cookies.get(FLOW_COOKIE, "")
    provider: _Provider | None = getattr(request.app.state, "oidc_provider", None)
    flow = provider.flows.pop(state, None) if provider is not None and state else None
    if (
        provider is None
        or flow is None
        or not kept
        or not secrets.compare_digest(state.encode(), kept.encode())
    ):
        await _audit(request, "?", "state")
        return _refused(request, "This sign-in was not started here, or it expired: try again.")
    if flow.expires < time.monotonic():
        await _audit(request, "?", "expired")
        return _refused(request, "This sign-in took too long: try again.")
    if q.get("error"):
        why = (q.get("error_description") or q.get("error") or "")[:200]
        await _audit(request, "?", f"provider: {why}")
        return _refused(request, f"The identity provider said no: {why}")
    try:
        claims = await run_in_threadpool(
            _verified_claims, request, settings, provider, q.get("code", ""), flow
        )
    except (httpx.HTTPError, JoseError, ValueError, KeyError) as exc:
        await _audit(request, "?", f"token: {type(exc).__name__}")
        return _refused(request, f"The identity provider's answer could not be verified: {exc}")
    groups = claims.get(settings.oidc_roles_claim) or []
    groups = [groups] if isinstance(groups, str) else [str(g) for g in groups]
    role = role_for(settings, groups)
    subject = str(claims["sub"])
    if role is None:
        await _audit(request, subject, "no role for the groups " + ", ".join(groups)[:200])
        return _refused(
            request,
            "You signed in, but none of your groups gives you a role here: ask an administrator.",
            403,
        )
    preferred = str(claims.get("preferred_username") or claims.get("email") or subject)
    client_host = request.client.host if request.client is not None else ""
    principal = await run_in_threadpool(
        lambda: sign_in(
            runtime_of(request).db, provider.issuer, subject, preferred, role, client=client_host
        )
    )
    if principal is None:
        return _refused(request, "Your account here is disabled.", 403)
    response = await open_session(request, principal, flow.next_path)
    response.delete_cookie(FLOW_COOKIE, path="/console/oidc")
    return response


def _provider(request: Request, settings: Settings) -> _Provider:
    found: _Provider | None = getattr(request.app.state, "oidc_provider", None)
    if found is not None and found.issuer == settings.oidc_issuer.rstrip("/"):
        return found
    issuer = settings.oidc_issuer.rstrip("/")
    answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT_S)
    answer.raise_for_status()
    meta = answer.json()
    if meta.get("issuer", "").rstrip("/") != issuer:
        raise ValueError(f"the provider names itself {meta.get('issuer')!r}, not {issuer!r}")
    found = _Provider(
        issuer, meta["authorization_endpoint"], meta["token_endpoint"], meta["jwks_uri"]
    )
    request.app.state.oidc_provider = found
    return found


def _client(request: Request, settings: Settings) -> Any:
    """Authlib's OAuth 2 client (imported here: only a gateway that signs staff in through a
    provider loads it)."""
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

    callback_url = settings.oidc_redirect_url or str(request.url_for("callback"))
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scope="openid profile email",
        redirect_uri=callback_url,
        code_challenge_method="S256",
        timeout=TIMEOUT_S,
    )


def _verified_claims(
    request: Request, settings: Settings, provider: _Provider, code: str, flow: _Flow
) -> dict[str, Any]:
    """Trade the code for tokens (with the PKCE verifier) and check the ID token."""
    with _client(request, settings) as client:
        token = client.fetch_token(
            provider.token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=flow.verifier,
        )
    id_token = token.get("id_token")
    if not id_token:
        raise ValueError("no ID token in the provider's answer")
    try:
        decoded = jwt.decode(id_token, _keys(provider))
    except JoseError:  # signed with a key we have not seen: the provider rotated; read again
        provider.keys = None
        decoded = jwt.decode(id_token, _keys(provider))
    jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": settings.oidc_client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": flow.nonce},
    ).validate(decoded.claims)
    return dict(decoded.claims)


def _keys(provider: _Provider) -> KeySet:
    if provider.keys is None:
        answer = httpx.get(provider.jwks_uri, timeout=TIMEOUT_S)
        answer.raise_for_status()
        provider.keys = KeySet.import_key_set(answer.json())
    return provider.keys


async def _audit(request: Request, subject: str, why: str) -> None:
    client = request.client.host if request.client is not None else ""
    await run_in_threadpool(lambda: refused(runtime_of(request).db, subject, why, client=client))


def _refused(request: Request, message: str, status: int = 401) -> Response:
    """The login page, saying why (local login stays possible from it)."""
    return login_form(request, "/console/", message, status)
