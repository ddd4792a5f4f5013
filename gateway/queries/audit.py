"""The audit log as every surface shows it: who did what to which subject, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from gateway.queries.rows import utc
from gateway.store.db import Database
from gateway.store.models import AuditEntry


class AuditView(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


def audit_entries(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AuditView]:
    """Newest first; ``action`` ending in ``.`` matches every action under it (``staff.``)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(
            AuditEntry.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEntry.action == action
        )
    if subject:
        query = query.where(AuditEntry.subject == subject)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    with db.sessions() as session:
        return [
            AuditView(
                id=e.id,
                at=utc(e.at),
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                detail=e.detail,
            )
            for e in session.scalars(query)
        ]
