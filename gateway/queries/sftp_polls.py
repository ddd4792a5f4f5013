"""The polls of suppliers' SFTP servers (mode ``remote``) per partner: last poll, files seen
and taken, errors by kind. Read by ``gateway sftp polls`` and ``GET /ops/sftp/polls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from gateway.store.db import Database
from gateway.store.models import PartnerPoll

_FIELDS = (
    "last_poll_at",
    "last_ok_at",
    "polls",
    "files_seen",
    "files_taken",
    "errors",
    "last_error_kind",
    "last_error",
    "last_error_at",
    "lease_owner",
    "lease_until",
)


def poll_rows(db: Database, configured: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per partner in ``configured`` (partner -> ``server``, ``inbox``,
    ``poll_interval_s``, from the profiles: ``transports.sftp.poller.polled_servers``; never
    polled: zeros), and per partner polled before but no longer configured (``enabled: false``)."""
    with db.sessions() as session:
        seen = {row.partner_id: row for row in session.scalars(select(PartnerPoll))}
    rows = []
    for partner_id in sorted(set(configured) | set(seen)):
        row, settings = seen.get(partner_id), configured.get(partner_id)
        values: dict[str, Any] = {name: getattr(row, name, None) for name in _FIELDS}
        for name in ("polls", "files_seen", "files_taken", "errors"):
            values[name] = values[name] or 0
        for name, value in values.items():
            if hasattr(value, "isoformat"):
                values[name] = value.isoformat()
        rows.append(
            {
                "partner_id": partner_id,
                "enabled": settings is not None,
                "server": settings["server"] if settings else None,
                "inbox": settings["inbox"] if settings else None,
                "poll_interval_s": settings["poll_interval_s"] if settings else None,
                **values,
            }
        )
    return rows
