"""``GET /ops/sftp/polls``: the polls of suppliers' SFTP servers per partner (the same as
``gateway sftp polls``): last poll, files seen and taken, errors (``host_key``, ``auth``,
``network``, ``quota``...) with their text. Mounted by ``transports.sftp.web.install``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from gateway.queries.sftp_polls import poll_rows
from gateway.web.auth import require_read
from gateway.web.errors import error_responses
from gateway.web.state import gateway_state
from transports.sftp.poller import polled_servers

router = APIRouter(
    prefix="/ops/sftp",
    tags=["ops: SFTP"],
    dependencies=[Depends(require_read)],
    responses=error_responses(
        401, 422, described={403: "GATEWAY_ADMIN_TOKEN is unset and the client is not on loopback"}
    ),
)


@router.get("/polls")
async def list_polls(request: Request) -> dict[str, Any]:
    """Every partner whose server we poll (mode ``remote``, ``enabled``), and any polled
    before: last poll and last success, counters, the last error's kind and text."""
    runtime = gateway_state(request).runtime
    assert runtime.settings.partners_dir is not None  # resolved by Settings
    configured = await run_in_threadpool(polled_servers, runtime.settings.partners_dir)
    return {"polls": await run_in_threadpool(poll_rows, runtime.db, configured)}
