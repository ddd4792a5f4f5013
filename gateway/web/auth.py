"""Who calls ``/ops``, and whether their role allows the action (``gateway.staff.roles``).

Three ways in:

- ``Authorization: Bearer <GATEWAY_ADMIN_TOKEN>``: automation, with every right (``admin``);
- ``Authorization: Bearer gs_...``: a staff member's personal token (``gateway staff token``),
  with that member's role, while the token is unrevoked and the member enabled;
- no admin token set and a loopback client: ``admin`` as before, so a fresh install is usable on
  its own host and never open to the network.

A supplier's API key is none of these: 401. Every route names its action with ``permits``; the
router requires ``read`` of everyone. A refusal is 403 ``auth.role`` naming the roles that may.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.staff.accounts import TOKEN_PREFIX, StaffAccounts
from gateway.staff.roles import Action, allows, roles_for
from gateway.web.errors import ApiError
from gateway.web.state import StateDep

LOOPBACK = frozenset({"127.0.0.1", "::1"})

admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="GATEWAY_ADMIN_TOKEN, or a staff member's personal token (gs_..., with their "
    "role); when the admin token is unset, loopback clients are admin.",
)


@dataclass(frozen=True, slots=True)
class Caller:
    actor: str
    """The name the audit log keeps: ``staff:alice``, ``operator:token``, ``operator:127.0.0.1``."""
    role: str


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "auth.admin_token", message, headers={"WWW-Authenticate": 'Bearer realm="ops"'}
    )


async def authenticate(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> Caller:
    """The caller, or 401/403."""
    token = state.runtime.settings.admin_token.get_secret_value()
    given = credentials.credentials if credentials is not None else ""
    if given.startswith(TOKEN_PREFIX):
        found = await run_in_threadpool(StaffAccounts(state.runtime.db).principal_for_token, given)
        if found is None:
            raise _unauthorized("this staff token is unknown, revoked, or its owner disabled")
        return Caller(found.actor, found.role)
    if token:
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise _unauthorized(
                "the operator API needs 'Authorization: Bearer <admin token or staff token>'"
            )
        return Caller("operator:token", "admin")
    host = request.client.host if request.client is not None else ""
    if host not in LOOPBACK:
        raise ApiError(
            403,
            "auth.loopback_only",
            "the operator API answers loopback clients only while GATEWAY_ADMIN_TOKEN is unset "
            "(or a staff token)",
        )
    return Caller(f"operator:{host}", "admin")


CallerDep = Annotated[Caller, Depends(authenticate)]


def permits(action: Action) -> Callable[..., Awaitable[str]]:
    """A dependency that answers the caller's audit name when their role allows ``action``,
    else 403 ``auth.role``. The action is kept on the function (``.action``) so tests can list
    every route's."""

    async def dependency(caller: CallerDep) -> str:
        if not allows(caller.role, action):
            raise ApiError(
                403,
                "auth.role",
                f"{caller.role!r} may not {action}; roles that may: {', '.join(roles_for(action))}",
            )
        return caller.actor

    dependency.action = action  # type: ignore[attr-defined]
    return dependency


require_read = permits("read")
