"""Rows to views: one function per stored row type, shared by every query module."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from gateway.queries.views import DeliveryView, EventSummary
from gateway.store.models import Delivery, EventRecord


def event_summary(e: EventRecord) -> EventSummary:
    return EventSummary(
        id=e.id,
        type=e.type,
        document_number=e.document_number,
        partner_id=e.partner_id,
        message_id=e.message_id,
        revision=e.revision,
        flagged_duplicate_of=e.flagged_duplicate_of,
        test=e.test,
        profile_version=e.profile_version,
        map_version=e.map_version,
        supersedes=e.supersedes,
        superseded_by=e.superseded_by,
    )


def delivery_view(d: Delivery) -> DeliveryView:
    return DeliveryView(
        id=d.id,
        connector=d.connector,
        status=d.status,
        attempts=d.attempts,
        last_error=d.last_error,
        last_status_code=d.last_status_code,
        updated_at=utc(d.updated_at),
        delivered_at=utc(d.delivered_at),
    )


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone; the store writes UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
