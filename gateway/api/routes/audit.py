"""``/ops/audit`` (admin): who did what, and when; ``/ops/staff`` (admin): the staff members."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from gateway.queries.audit import AuditView, audit_entries
from gateway.staff.accounts import StaffAccounts
from gateway.web.auth import permits
from gateway.web.errors import error_responses
from gateway.web.params import PRINTABLE
from gateway.web.state import StateDep

router = APIRouter(tags=["ops: staff and audit"], responses=error_responses(403, 422))


@router.get("/audit", response_model=list[AuditView], dependencies=[Depends(permits("audit.read"))])
async def get_audit(
    state: StateDep,
    actor: Annotated[str | None, Query(max_length=80, pattern=PRINTABLE)] = None,
    action: Annotated[
        str | None, Query(max_length=80, pattern=PRINTABLE, description="'staff.' for a prefix")
    ] = None,
    subject: Annotated[str | None, Query(max_length=80, pattern=PRINTABLE)] = None,
    before: Annotated[int | None, Query(ge=1, description="Entries older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditView]:
    """Newest first: every operator and staff action (promote, replay, retry, cancel, keys,
    logins), with its actor (``staff:alice``, ``operator:token``...)."""
    return await run_in_threadpool(
        partial(
            audit_entries,
            state.runtime.db,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            limit=limit,
        )
    )


class StaffView(BaseModel):
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    tokens: int


@router.get(
    "/staff", response_model=list[StaffView], dependencies=[Depends(permits("staff.manage"))]
)
async def get_staff(state: StateDep) -> list[StaffView]:
    """Every staff member with their role (accounts are managed with ``gateway staff``)."""
    members = await run_in_threadpool(StaffAccounts(state.runtime.db).members)
    return [StaffView.model_validate(m, from_attributes=True) for m in members]
