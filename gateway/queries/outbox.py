"""The outbox as every surface shows it: ``/ops/outbox`` and ``gateway outbox`` (any partner,
with every attempt), and the partner's own fetch list, ``GET /v1/outbox``.

Partner scoping happens here, in the query: another partner's item is simply not found.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select

from gateway.queries.rows import utc
from gateway.queries.views import (
    OutboxAttemptView,
    OutboxDocument,
    OutboxItemDetail,
    OutboxItemView,
)
from gateway.store.db import Database
from gateway.store.models import OutboxAttempt, OutboxItem, table_of

_OUTBOX = table_of(OutboxItem)
_SUMMARY = [c for c in _OUTBOX.c if c.name != "payload"]
FETCHED_OVER = "http"
"""The transport whose items partners fetch (``gateway.pipeline.outbox.PULL_TRANSPORT``)."""
FETCHABLE = ("queued", "sent")
V = TypeVar("V", bound=OutboxItemView)


def list_outbox(
    db: Database,
    *,
    partner_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[OutboxItemView]:
    """Newest first, without the payloads."""
    query = select(*_SUMMARY, func.length(_OUTBOX.c.payload).label("size"))
    if partner_id is not None:
        query = query.where(_OUTBOX.c.partner_id == partner_id)
    if status is not None:
        query = query.where(_OUTBOX.c.status == status)
    query = query.order_by(_OUTBOX.c.created_at.desc(), _OUTBOX.c.id).limit(limit)
    with db.sessions() as session:
        return [_view(OutboxItemView, row._mapping) for row in session.execute(query)]


def outbox_item(db: Database, item_id: str) -> OutboxItemDetail | None:
    """One item with every attempt at sending it."""
    query = select(*_SUMMARY, func.length(_OUTBOX.c.payload).label("size")).where(
        _OUTBOX.c.id == item_id
    )
    attempts = (
        select(OutboxAttempt).where(OutboxAttempt.item_id == item_id).order_by(OutboxAttempt.id)
    )
    with db.sessions() as session:
        row = session.execute(query).one_or_none()
        if row is None:
            return None
        history = [_attempt(a) for a in session.scalars(attempts)]
    return OutboxItemDetail(**_view(OutboxItemView, row._mapping).model_dump(), history=history)


def partner_outbox(
    db: Database, partner_id: str, *, after: str | None = None, limit: int = 50
) -> list[OutboxDocument] | None:
    """The partner's items to fetch (queued or sent, not yet acknowledged), oldest first, with
    their payloads; ``after``: the last id of the previous page. None when ``after`` is not
    one of the partner's items."""
    query = _fetchable(partner_id).where(_OUTBOX.c.status.in_(FETCHABLE))
    with db.sessions() as session:
        if after is not None:
            cursor = session.execute(
                select(_OUTBOX.c.created_at, _OUTBOX.c.id).where(
                    _OUTBOX.c.id == after, _OUTBOX.c.partner_id == partner_id
                )
            ).one_or_none()
            if cursor is None:
                return None
            created, cursor_id = cursor
            query = query.where(
                or_(
                    _OUTBOX.c.created_at > created,
                    and_(_OUTBOX.c.created_at == created, _OUTBOX.c.id > cursor_id),
                )
            )
        query = query.order_by(_OUTBOX.c.created_at, _OUTBOX.c.id).limit(limit)
        return [_view(OutboxDocument, row._mapping) for row in session.execute(query)]


def partner_document(db: Database, partner_id: str, item_id: str) -> OutboxDocument | None:
    """One of the partner's items to fetch, whatever its status."""
    with db.sessions() as session:
        row = session.execute(_fetchable(partner_id).where(_OUTBOX.c.id == item_id)).one_or_none()
        return _view(OutboxDocument, row._mapping) if row is not None else None


def _fetchable(partner_id: str) -> Select[Any]:
    return select(_OUTBOX, func.length(_OUTBOX.c.payload).label("size")).where(
        _OUTBOX.c.partner_id == partner_id, _OUTBOX.c.transport == FETCHED_OVER
    )


def _view(model: type[V], row: Any) -> V:
    values = dict(row)
    for key in ("created_at", "updated_at", "next_attempt_at", "sent_at", "acknowledged_at"):
        values[key] = utc(values[key])
    return model.model_validate(values)


def _attempt(a: OutboxAttempt) -> OutboxAttemptView:
    return OutboxAttemptView(
        id=a.id,
        transport=a.transport,
        started_at=utc(a.started_at),
        finished_at=utc(a.finished_at),
        result=a.result,
        error=a.error,
        transport_message_id=a.transport_message_id,
        detail=a.detail,
    )
