"""``GET /healthz``: is the database reachable? No authentication, no details."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gateway.queries.stats import database_ok
from gateway.web.state import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(state: StateDep) -> JSONResponse:
    if await run_in_threadpool(database_ok, state.runtime.db):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
