"""Dependencies of the supplier API, as ``Annotated`` aliases in one place.

Order matters and is kept by the routes' signatures: the partner is authenticated before a byte
of the body is read, so an unknown client can never make the gateway buffer anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.deps import StateDep
from gateway.api.errors import ApiError
from gateway.partners import PartnerProfile, load_partner
from gateway.service import cached_partner_for_key, partner_for_key
from transports.http.body import read_limited_body

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
    if not key:
        raise unauthorized("send your API key as 'Authorization: Bearer <key>' or 'X-API-Key'")
    runtime = state.runtime
    partner_id = None
    if len(key) <= MAX_KEY_LENGTH:
        partner_id = cached_partner_for_key(runtime, key) or await run_in_threadpool(
            partner_for_key, runtime, key
        )
    if partner_id is None:
        raise unauthorized("unknown API key")
    return Supplier(partner_id, _profile(partner_id, runtime.settings.partners_dir))


def _profile(partner_id: str, partners_dir: Path | None) -> PartnerProfile:
    """Profiles are cached after their first load (``load_partner``), so this rarely reads a
    file; it runs on the event loop."""
    return load_partner(partner_id, partners_dir)


SupplierDep = Annotated[Supplier, Depends(authenticate)]


async def sending_supplier(supplier: SupplierDep) -> Supplier:
    """A partner allowed to send over HTTP (``transports.http.enabled`` in its profile)."""
    if not supplier.profile.transports.http.enabled:
        raise ApiError(403, "transport.disabled", "the HTTP transport is disabled for this partner")
    return supplier


SenderDep = Annotated[Supplier, Depends(sending_supplier)]


async def raw_body(request: Request, state: StateDep, _sender: SenderDep) -> bytes:
    """The body exactly as sent, at most ``settings.max_body_bytes`` (413 beyond)."""
    return await read_limited_body(request, state.runtime.settings.max_body_bytes)


RawBody = Annotated[bytes, Depends(raw_body)]
MessageIdHeader = Annotated[
    str | None,
    Header(
        alias="X-Message-Id",
        max_length=255,
        description="Your id for this message: a re-send with the same id is a duplicate",
    ),
]
