"""Dependencies of the supplier API, as ``Annotated`` aliases in one place.

Order matters: the partner is authenticated before a byte of the body is read, so an unknown
client can never make the gateway buffer anything.

The two POST routes call ``send_request``, which resolves the same things in that order by plain
calls: they are the hot path, served in front of FastAPI's router (``send_path``), whose dependency
solver costs more per request than storing the message does (``bench/README.md``).
``SEND_OPENAPI`` declares what the solver would have documented (the security schemes and the
``X-Message-Id`` header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from gateway.partners import PartnerProfile, load_partner
from gateway.web.body import read_limited_body
from gateway.web.errors import ApiError
from gateway.web.state import GatewayState, StateDep, gateway_state
from transports.http.transport import HttpTransport, http_transport

MAX_KEY_LENGTH = 256

bearer = HTTPBearer(
    auto_error=False, scheme_name="PartnerBearer", description="The partner's API key"
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="PartnerApiKey",
    description="The partner's API key",
)


@dataclass(frozen=True, slots=True)
class Supplier:
    partner_id: str
    profile: PartnerProfile


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "auth.invalid", message, headers={"WWW-Authenticate": 'Bearer realm="v1"'})


async def authenticate(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Supplier:
    """The partner whose API key this is (keys are stored hashed; suspended partners have none)."""
    key = credentials.credentials if credentials is not None else api_key
    return await supplier_for_key(state, key)


async def supplier_for_key(state: GatewayState, key: str | None) -> Supplier:
    if not key:
        raise unauthorized("send your API key as 'Authorization: Bearer <key>' or 'X-API-Key'")
    runtime = state.runtime
    owner = None
    if len(key) <= MAX_KEY_LENGTH:
        keys = runtime.keys
        owner = keys.cached(key) or await run_in_threadpool(keys.partner_for, key)
    if owner is None:
        raise unauthorized("unknown API key")
    if (refusal := owner.refusal) is not None:
        raise unauthorized(refusal)
    return Supplier(owner.partner_id, _profile(owner.partner_id, runtime.settings.partners_dir))


def _profile(partner_id: str, partners_dir: Path | None) -> PartnerProfile:
    """Profiles are cached after their first load (``load_partner``), so this rarely reads a
    file; it runs on the event loop."""
    return load_partner(partner_id, partners_dir)


SupplierDep = Annotated[Supplier, Depends(authenticate)]


def check_may_send(supplier: Supplier) -> Supplier:
    """A partner allowed to send over HTTP (``transports.http.enabled`` in its profile)."""
    if not supplier.profile.transports.http.enabled:
        raise ApiError(403, "transport.disabled", "the HTTP transport is disabled for this partner")
    return supplier


MESSAGE_ID_HEADER = "X-Message-Id"
MAX_MESSAGE_ID = 255
MESSAGE_ID_CHARACTERS = r"^[\x20-\x7e]*$"
"""Printable ASCII: what the OpenAPI document can promise (``str.isprintable`` is Unicode's)."""
_MESSAGE_ID = re.compile(MESSAGE_ID_CHARACTERS)


@dataclass(frozen=True, slots=True)
class Send:
    """What a POST route works on: state, the transport, the authenticated sender, the body and
    its message id."""

    state: GatewayState
    transport: HttpTransport
    sender: Supplier
    raw: bytes
    message_id: str | None


async def send_request(request: Request) -> Send:
    """The partner (401, 403), then the body (413/400), then the message id (422), by plain
    calls (module docstring)."""
    state = gateway_state(request)
    sender = check_may_send(await supplier_for_key(state, _api_key(request)))
    raw = await read_limited_body(request, state.runtime.settings.max_body_bytes)
    message_id = request.headers.get(MESSAGE_ID_HEADER)
    if message_id is not None and len(message_id) > MAX_MESSAGE_ID:
        raise ApiError(
            422,
            "request.invalid",
            f"{MESSAGE_ID_HEADER} is longer than {MAX_MESSAGE_ID} characters",
        )
    if message_id is not None and _MESSAGE_ID.fullmatch(message_id) is None:
        raise ApiError(
            422,
            "request.invalid",
            f"{MESSAGE_ID_HEADER} may hold printable ASCII only, no control characters",
        )
    return Send(state, http_transport(request), sender, raw, message_id)


def _api_key(request: Request) -> str | None:
    """As ``bearer`` then ``api_key_header``: a ``Bearer`` credential wins over ``X-API-Key``."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.headers.get(api_key_header.model.name)


SEND_ERRORS = {
    400: "An empty or incomplete body, or a Content-Length that is not a number",
    401: "No API key, or an unknown one",
    403: "The HTTP transport is disabled for this partner",
    413: "Body over the size limit; nothing was stored",
    422: f"{MESSAGE_ID_HEADER} is too long or holds other characters than printable ASCII",
    503: "Too many request bodies at once (Retry-After): nothing was stored, send it again",
}
"""What ``send_request`` answers before a route sees the body (for the OpenAPI document)."""

SEND_OPENAPI = {
    "security": [{bearer.scheme_name: []}, {api_key_header.scheme_name: []}],
    "parameters": [
        {
            "name": MESSAGE_ID_HEADER,
            "in": "header",
            "required": False,
            "description": "Your id for this message: a re-send with the same id is a duplicate",
            "schema": {
                "type": "string",
                "maxLength": MAX_MESSAGE_ID,
                "pattern": MESSAGE_ID_CHARACTERS,
            },
        }
    ],
}
