"""``ops_router``: every operator route under ``/ops``, all behind ``require_admin``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.api.routes import deliveries, erp_sink, messages, partners, replays, stats
from gateway.web.auth import require_admin

ops_router = APIRouter(prefix="/ops", dependencies=[Depends(require_admin)])
for _module in (messages, deliveries, replays, erp_sink, stats, partners):
    ops_router.include_router(_module.router)
