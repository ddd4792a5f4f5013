"""``ops_router``: every operator route under ``/ops``, all behind ``require_admin``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.api.routes import (
    deliveries,
    erp_sink,
    messages,
    outbox,
    partners,
    purchase_orders,
    replays,
    stats,
)
from gateway.web.auth import require_admin
from gateway.web.errors import error_responses

ops_router = APIRouter(
    prefix="/ops",
    dependencies=[Depends(require_admin)],
    responses=error_responses(
        401, described={403: "GATEWAY_ADMIN_TOKEN is unset and the client is not on loopback"}
    ),
)
for _module in (messages, deliveries, outbox, replays, erp_sink, stats, partners, purchase_orders):
    ops_router.include_router(_module.router)
