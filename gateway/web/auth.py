"""Operator authentication for ``/ops`` (and the console's staff roles to come).

With ``GATEWAY_ADMIN_TOKEN`` set, a bearer token is required; without it, only loopback clients
are answered, so a fresh install is never open to the network.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.web.errors import ApiError
from gateway.web.state import StateDep

LOOPBACK = frozenset({"127.0.0.1", "::1"})

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
