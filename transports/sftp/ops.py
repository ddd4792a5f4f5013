"""``GET /ops/sftp/accounts``: what the hosted SFTP server saw of each partner's account (the
same as ``gateway sftp accounts``). Mounted by ``transports.sftp.web.install``, behind the operator
API's admin check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from gateway.web.auth import require_read
from gateway.web.errors import error_responses
from gateway.web.state import gateway_state
from transports.sftp.accounts import Accounts
from transports.sftp.activity import SftpActivity

router = APIRouter(
    prefix="/ops/sftp",
    tags=["ops: SFTP"],
    dependencies=[Depends(require_read)],
    responses=error_responses(
        401, 422, described={403: "GATEWAY_ADMIN_TOKEN is unset and the client is not on loopback"}
    ),
)


@router.get("/accounts")
async def list_accounts(request: Request) -> dict[str, Any]:
    """Every hosted SFTP account the profiles define (``enabled``), with its last login, files
    received and refusals (``auth``, ``quota``, ``traversal``); an account that never logged
    in shows zeros."""
    runtime = gateway_state(request).runtime
    return {
        "accounts": await run_in_threadpool(account_rows, runtime.db, runtime.settings.partners_dir)
    }


def account_rows(db: Any, partners_dir: Any) -> list[dict[str, Any]]:
    seen = {row["partner_id"]: row for row in SftpActivity(db).accounts()}
    rows = []
    for account in Accounts(partners_dir).all():
        row = seen.pop(account.partner_id, None) or _never(account.partner_id, account.username)
        rows.append(
            {**row, "username": account.username, "status": account.status, "enabled": True}
        )
    rows.extend({**row, "status": None, "enabled": False} for row in seen.values())
    return sorted(rows, key=lambda r: r["partner_id"])


def _never(partner_id: str, username: str) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "username": username,
        "last_login_at": None,
        "last_login_from": None,
        "logins": 0,
        "files_received": 0,
        "bytes_received": 0,
        "last_file_at": None,
        "auth_failures": 0,
        "quota_failures": 0,
        "traversal_failures": 0,
        "last_failure": None,
        "last_failure_at": None,
    }
