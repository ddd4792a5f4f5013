"""``ops_router``: every operator route under ``/ops``; reading needs a staff role (``read``),
each change its own action (``gateway.staff.roles``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.api.routes import (
    audit,
    deliveries,
    erp_sink,
    messages,
    outbox,
    partners,
    purchase_orders,
    replays,
    scorecards,
    stats,
)
from gateway.web.auth import require_read
from gateway.web.errors import error_responses

ops_router = APIRouter(
    prefix="/ops",
    dependencies=[Depends(require_read)],
    responses=error_responses(
        401,
        described={
            403: "The caller's role may not do this (auth.role), or GATEWAY_ADMIN_TOKEN is "
            "unset and the client is not on loopback"
        },
    ),
)
for _module in (
    messages,
    deliveries,
    outbox,
    replays,
    erp_sink,
    stats,
    partners,
    audit,
    purchase_orders,
    scorecards,
):
    ops_router.include_router(_module.router)
