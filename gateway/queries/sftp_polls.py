"""The polls of suppliers' SFTP servers (mode ``remote``) per partner: last poll, files seen
and taken, errors by kind. Read by ``gateway sftp polls`` and ``GET /ops/sftp/polls``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from gateway.errors import ConfigurationError
from gateway.partner_sections import SftpSettings
from gateway.partners import read_profile
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


def polled_partners(partners_dir: Path) -> dict[str, SftpSettings]:
    """Partners whose profile says: poll their server (``transports.sftp``, mode remote)."""
    found = {}
    for path in sorted(partners_dir.glob("*.yaml")):
        try:
            sftp = read_profile(path.stem, partners_dir).transports.sftp
        except ConfigurationError:
            continue  # reported by check-config and at start-up
        if sftp is not None and sftp.enabled and sftp.mode == "remote":
            found[path.stem] = sftp
    return found


def poll_rows(db: Database, partners_dir: Path) -> list[dict[str, Any]]:
    """One row per polled partner (never polled: zeros), and per partner polled before but no
    longer configured (``enabled: false``)."""
    configured = polled_partners(partners_dir)
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
                "server": f"{settings.host}:{settings.port}" if settings else None,
                "inbox": settings.inbox if settings else None,
                "poll_interval_s": settings.poll_interval_s if settings else None,
                **values,
            }
        )
    return rows
