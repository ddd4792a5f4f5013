"""``GET /ops/certs``: the AS2 certificates every profile names, soonest expiry first (operators;
the same as ``gateway certs list|expiring``). Mounted by ``transports.as2.web.install``, behind the
operator API's admin check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from gateway.partners import default_partners_dir
from gateway.web.auth import require_read
from gateway.web.errors import error_responses
from gateway.web.state import gateway_state
from transports.as2.certificates import inventory

router = APIRouter(
    prefix="/ops",
    tags=["ops: AS2"],
    dependencies=[Depends(require_read)],
    responses=error_responses(
        401, 422, described={403: "GATEWAY_ADMIN_TOKEN is unset and the client is not on loopback"}
    ),
)


@router.get("/certs")
async def list_certificates(
    request: Request,
    expiring_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    """Every AS2 certificate (``role``: ``partner`` or ``ours``) with its validity; with
    ``expiring_days``, only those that expire within that many days (or have expired)."""
    root = gateway_state(request).runtime.settings.partners_dir or default_partners_dir()
    found, problems = await run_in_threadpool(inventory, root)
    now = datetime.now(UTC)
    if expiring_days is not None:
        found = [c for c in found if c.expires_within(expiring_days, now)]
    return {
        "certificates": [
            {**c.__dict__, "expired": c.not_after < now, "days_left": (c.not_after - now).days}
            for c in found
        ],
        "problems": problems,
    }
