"""Dependencies of the operator API, as ``Annotated`` aliases: the gateway state and admin auth.

The state is put on ``app.state.gateway`` by ``transports.http.create_app``; routes never build a
``Runtime`` themselves, so tests hand the factory one on a temporary database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.errors import ApiError
from gateway.service import Runtime

LOOPBACK = frozenset({"127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class GatewayState:
    runtime: Runtime
    enqueue_process: Callable[[str], None]
    enqueue_deliveries: Callable[[list[int]], None]


async def gateway_state_dep(request: Request) -> GatewayState:
    """As a dependency it is async: FastAPI runs sync dependencies in its thread pool."""
    return gateway_state(request)


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


StateDep = Annotated[GatewayState, Depends(gateway_state_dep)]

admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="GATEWAY_ADMIN_TOKEN; when it is unset, /ops answers loopback clients only.",
)


async def require_admin(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> str:
    """The operator's name for the audit log, or 401/403."""
    token = state.runtime.settings.admin_token.get_secret_value()
    if token:
        given = credentials.credentials if credentials is not None else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise ApiError(
                401,
                "auth.admin_token",
                "the operator API needs 'Authorization: Bearer <admin token>'",
                headers={"WWW-Authenticate": 'Bearer realm="ops"'},
            )
        return "operator:token"
    host = request.client.host if request.client is not None else ""
    if host not in LOOPBACK:
        raise ApiError(
            403,
            "auth.loopback_only",
            "the operator API answers loopback clients only while GATEWAY_ADMIN_TOKEN is unset",
        )
    return f"operator:{host}"


AdminDep = Annotated[str, Depends(require_admin)]
