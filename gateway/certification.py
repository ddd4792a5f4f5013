"""A partner's certification checklist, filled by the documents themselves.

The profile lists what must pass (``certification.documents``: a transaction set and version, or a
JSON event type); an item is passed by an accepted document (AK5 ``A`` or ``E``) whose event was
kept as a test (``events.test``: sent while the partner was ``testing``, or as an ISA15=T test
under ``test_indicator: hold``). Nothing is recorded apart: the checklist is read from the
documents each time, so it can never disagree with them, and it names the messages that proved
each item. Going live waits for it (``gateway.lifecycle``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.partner_sections import CertificationItem
from gateway.partners import PartnerProfile
from gateway.store.models import EventRecord, TransactionRecord

PROOFS_SHOWN = 5
"""Messages named per item (the first that passed it)."""
_ACCEPTED = ("A", "E")


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    document: str
    version: str | None
    message_ids: tuple[str, ...]
    """The messages whose accepted test documents passed it, first first (at most
    ``PROOFS_SHOWN``); empty: not passed yet."""

    @property
    def passed(self) -> bool:
        return bool(self.message_ids)

    @property
    def label(self) -> str:
        return f"{self.document} {self.version}" if self.version else self.document


@dataclass(frozen=True, slots=True)
class Checklist:
    partner_id: str
    items: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return all(item.passed for item in self.items)

    def missing(self) -> list[str]:
        return [item.label for item in self.items if not item.passed]


def checklist(session: Session, profile: PartnerProfile) -> Checklist:
    """``profile``'s checklist as its stored test documents fill it (one query)."""
    required = profile.certification.documents
    if not required:
        return Checklist(profile.id, ())
    version = EventRecord.payload[("source", "version")].as_string()
    rows = session.execute(
        select(TransactionRecord.code, EventRecord.type, version, EventRecord.message_id)
        .join(EventRecord, EventRecord.id == TransactionRecord.event_id)
        .where(
            EventRecord.partner_id == profile.id,
            EventRecord.test.is_(True),
            TransactionRecord.status.in_(_ACCEPTED),
        )
        .order_by(EventRecord.created_at, TransactionRecord.id)
    ).all()
    items = []
    for item in required:
        proofs = dict.fromkeys(
            message_id
            for code, event_type, found_version, message_id in rows
            if _passes(item, code, event_type, found_version)
        )
        items.append(ChecklistItem(item.document, item.version, tuple(list(proofs)[:PROOFS_SHOWN])))
    return Checklist(profile.id, tuple(items))


def _passes(item: CertificationItem, code: str, event_type: str, version: str | None) -> bool:
    if item.document not in (code, event_type):
        return False
    return item.version is None or item.version == version
