"""Every map version a gateway process has loaded, per partner, with the files' text
(``map_versions``): the previous one can always be found again (``gateway partners test``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.live.snapshot import Snapshot
from gateway.store.db import Database
from gateway.store.models import MapVersion


@dataclass(frozen=True, slots=True)
class KnownVersion:
    partner_id: str
    version: str
    files: dict[str, str]
    """Path under the maps directory -> the file's text."""
    first_seen_at: datetime


def record_map_versions(db: Database, snapshot: Snapshot) -> list[str]:
    """Keep each partner's map version of ``snapshot`` that the history does not have yet;
    returns the partners whose version was new. Safe to run from several processes at once."""
    wanted = {pid: snapshot.map_version(pid) for pid in snapshot.profiles}
    with db.sessions() as session:
        query = select(MapVersion.partner_id, MapVersion.version).where(
            MapVersion.partner_id.in_(list(wanted))
        )
        known = {(row[0], row[1]) for row in session.execute(query)}
    added = []
    for partner_id, version in sorted(wanted.items()):
        if (partner_id, version) in known:
            continue
        try:
            with db.transaction() as session:
                files = snapshot.map_files(partner_id)
                session.add(MapVersion(partner_id=partner_id, version=version, files=files))
        except IntegrityError:  # another process recorded it first
            continue
        added.append(partner_id)
    return added


def previous_map_version(db: Database, partner_id: str, current: str) -> KnownVersion | None:
    """The latest version of ``partner_id``'s maps seen before other than ``current``."""
    with db.sessions() as session:
        row = session.scalars(
            select(MapVersion)
            .where(MapVersion.partner_id == partner_id, MapVersion.version != current)
            .order_by(MapVersion.first_seen_at.desc(), MapVersion.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return KnownVersion(row.partner_id, row.version, dict(row.files), row.first_seen_at)
