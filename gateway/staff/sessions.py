"""Console sessions: a random id in the cookie, its SHA-256 in ``staff_sessions``, a CSRF token
per session.

Server-side rows rather than signed cookies: logging out, disabling a member or changing their
role ends their sessions at once, and no signing key has to be managed. A session lasts
``ttl`` from login (``GATEWAY_CONSOLE_SESSION_HOURS``); an expired row is removed at the next
login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from gateway.staff.accounts import Principal, token_hash
from gateway.store.db import Database
from gateway.store.models import AuditEntry, StaffMember, StaffSession, utcnow


@dataclass(frozen=True, slots=True)
class OpenSession:
    principal: Principal
    csrf_token: str


class ConsoleSessions:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl

    def open(self, principal: Principal, client: str = "") -> tuple[str, str]:
        """A new session: (the cookie's value, its CSRF token)."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.transaction() as session:
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
            session.add(
                StaffSession(
                    id_hash=token_hash(cookie),
                    username=principal.username,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.ttl,
                    client=client[:100],
                )
            )
        return cookie, csrf

    def find(self, cookie: str) -> OpenSession | None:
        """The session's member and CSRF token, while it has not expired and the member is
        enabled."""
        if not cookie or len(cookie) > 100:
            return None
        query = (
            select(StaffSession, StaffMember)
            .join(StaffMember, StaffMember.username == StaffSession.username)
            .where(StaffSession.id_hash == token_hash(cookie))
        )
        with self.db.sessions() as session:
            found = session.execute(query).first()
        if found is None:
            return None
        row, member = found
        if member.disabled_at is not None or _aware(row.expires_at) <= utcnow():
            return None
        return OpenSession(Principal(member.username, member.role), row.csrf_token)

    def close(self, cookie: str) -> None:
        with self.db.transaction() as session:
            row = session.get(StaffSession, token_hash(cookie))
            if row is None:
                return
            session.add(
                AuditEntry(
                    actor=f"staff:{row.username}",
                    action="staff.logout",
                    subject=row.username,
                    detail={},
                )
            )
            session.delete(row)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
