"""Partners as operators see them (``gateway partners list|show``, ``GET /ops/partners``): status
from the database, the profile from its file, keys, the certification checklist and the
lifecycle's audit trail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.certification import ChecklistItem, checklist
from gateway.partner_store import PartnerKeys
from gateway.partners import PartnerProfile, read_partners
from gateway.queries.rows import utc
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Partner, PartnerKey

HISTORY_ACTIONS = (
    "partner.created",
    "partner.registered",
    "partner.status",
    "partner.key_issued",
    "partner.key_revoked",
)


class PartnerSummary(BaseModel):
    id: str
    name: str
    status: str = Field(description="draft, testing, live, suspended, or removed (no profile)")
    sender_ids: list[str]
    keys: int
    certified: bool | None = Field(description="Checklist complete (None: no profile)")


class KeyView(BaseModel):
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ChecklistItemView(BaseModel):
    document: str
    version: str | None
    passed: bool
    message_ids: list[str] = Field(description="The accepted test messages that passed it")

    @classmethod
    def of(cls, item: ChecklistItem) -> ChecklistItemView:
        return cls(
            document=item.document,
            version=item.version,
            passed=item.passed,
            message_ids=list(item.message_ids),
        )


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class PartnerDetail(PartnerSummary):
    test_indicator: str | None
    profile_status: str | None = Field(description="The status in the profile file")
    transports: list[str]
    checklist: list[ChecklistItemView]
    key_list: list[KeyView]
    history: list[HistoryEntry]


def list_partners(db: Database, partners_dir: Path) -> list[PartnerSummary]:
    profiles, _ = read_partners(partners_dir)
    with db.sessions() as session:
        query = select(PartnerKey.partner_id, func.count()).group_by(PartnerKey.partner_id)
        counts = {row[0]: row[1] for row in session.execute(query)}
        rows = session.scalars(select(Partner).order_by(Partner.id)).all()
        return [_summary(row, profiles.get(row.id), counts.get(row.id, 0), session) for row in rows]


def partner_detail(
    db: Database, keys: PartnerKeys, partners_dir: Path, partner_id: str
) -> PartnerDetail | None:
    profiles, _ = read_partners(partners_dir)
    profile = profiles.get(partner_id)
    key_list = [
        KeyView(prefix=k.prefix, created_at=utc(k.created_at), last_used_at=utc(k.last_used_at))
        for k in keys.keys(partner_id)
    ]
    with db.sessions() as session:
        row = session.get(Partner, partner_id)
        if row is None:
            return None
        summary = _summary(row, profile, len(key_list), session)
        items = checklist(session, profile).items if profile is not None else ()
        history = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject == partner_id, AuditEntry.action.in_(HISTORY_ACTIONS))
            .order_by(AuditEntry.id)
        ).all()
        return PartnerDetail(
            **summary.model_dump(),
            test_indicator=profile.test_indicator if profile else None,
            profile_status=profile.status if profile else None,
            transports=_transports(profile),
            checklist=[ChecklistItemView.of(i) for i in items],
            key_list=key_list,
            history=[
                HistoryEntry(at=utc(h.at), actor=h.actor, action=h.action, detail=h.detail)
                for h in history
            ],
        )


def _summary(
    row: Partner, profile: PartnerProfile | None, key_count: int, session: Session
) -> PartnerSummary:
    certified = checklist(session, profile).complete if profile is not None else None
    senders = (
        [f"{s.qualifier}/{s.id}" for s in profile.x12.sender_ids]
        if profile is not None
        else [f"{row.isa_qualifier}/{row.isa_id}"]
    )
    return PartnerSummary(
        id=row.id,
        name=row.name,
        status=row.status,
        sender_ids=senders,
        keys=key_count,
        certified=certified,
    )


def _transports(profile: PartnerProfile | None) -> list[str]:
    if profile is None:
        return []
    t = profile.transports
    found = ["http" if t.http.enabled else "http (disabled)"]
    if t.as2 is not None:
        found.append("as2" if t.as2.enabled else "as2 (disabled)")
    if t.sftp is not None:
        found.append("sftp (not built yet)")
    return found
