"""Local staff accounts and personal API tokens, every change in the audit log.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile); an
unknown name is checked against a dummy hash, so a login takes as long whether or not the name
exists. Tokens (``gs_`` + 32 random bytes) are stored as SHA-256: they carry 256 bits, so a fast
hash loses nothing, and looking one up costs one indexed read per request. Accounts are disabled,
never deleted: the audit log keeps naming real people. Disabling ends the member's sessions and
revokes their tokens in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gateway.staff.roles import ROLES
from gateway.store.db import Database
from gateway.store.models import AuditEntry, StaffMember, StaffSession, StaffToken, utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MIN_PASSWORD = 12
TOKEN_PREFIX = "gs_"
TOKEN_USE_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (a script may call many times)."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class StaffRefused(Exception):
    """A staff change that does not fit (bad name, role or password; unknown member)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, and with which role."""

    username: str
    role: str

    @property
    def actor(self) -> str:
        """The name the audit log keeps."""
        return f"staff:{self.username}"


@dataclass(frozen=True, slots=True)
class MemberView:
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    tokens: int


@dataclass(frozen=True, slots=True)
class TokenView:
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffRefused(f"a password needs at least {MIN_PASSWORD} characters")
    if password.strip() != password:
        raise StaffRefused("a password may not start or end with a space")


class StaffAccounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, username: str, role: str, password: str, *, actor: str) -> MemberView:
        if not USERNAME.match(username):
            raise StaffRefused(
                f"{username!r}: a name is 1-63 of a-z 0-9 . _ - (starting with a letter or digit)"
            )
        _check_role(role)
        check_password(password)
        with self.db.transaction() as session:
            if session.get(StaffMember, username) is not None:
                raise StaffRefused(f"{username!r} exists already")
            member = StaffMember(username=username, role=role, password_hash=_hasher.hash(password))
            session.add(member)
            audit(session, actor, "staff.added", username, role=role)
            session.flush()
            return _view(member, 0)

    def members(self) -> list[MemberView]:
        tokens = (
            select(StaffToken.username, func.count())
            .where(StaffToken.revoked_at.is_(None))
            .group_by(StaffToken.username)
        )
        with self.db.sessions() as session:
            counts: dict[str, int] = {name: n for name, n in session.execute(tokens)}
            rows = session.scalars(select(StaffMember).order_by(StaffMember.username))
            return [_view(m, counts.get(m.username, 0)) for m in rows]

    def member(self, username: str) -> MemberView | None:
        return next((m for m in self.members() if m.username == username), None)

    def exists(self) -> bool:
        with self.db.sessions() as session:
            return session.scalar(select(StaffMember.username).limit(1)) is not None

    def set_password(self, username: str, password: str, *, actor: str) -> None:
        check_password(password)
        with self.db.transaction() as session:
            member = _existing(session, username)
            member.password_hash = _hasher.hash(password)
            member.password_changed_at = utcnow()
            audit(session, actor, "staff.password", username)

    def set_role(self, username: str, role: str, *, actor: str) -> None:
        _check_role(role)
        with self.db.transaction() as session:
            member = _existing(session, username)
            before, member.role = member.role, role
            session.execute(delete(StaffSession).where(StaffSession.username == username))
            audit(session, actor, "staff.role", username, before=before, after=role)

    def disable(self, username: str, *, actor: str) -> None:
        """Disabled at once: sessions closed, tokens revoked, the password kept (re-enabling
        needs a new one from an admin)."""
        with self.db.transaction() as session:
            member = _existing(session, username)
            if member.disabled_at is not None:
                raise StaffRefused(f"{username!r} is disabled already")
            now = utcnow()
            member.disabled_at = now
            session.execute(delete(StaffSession).where(StaffSession.username == username))
            revoked = _rowcount(
                session.execute(
                    update(StaffToken)
                    .where(StaffToken.username == username, StaffToken.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            )
            audit(session, actor, "staff.disabled", username, tokens_revoked=revoked)

    def enable(self, username: str, password: str, *, actor: str) -> None:
        check_password(password)
        with self.db.transaction() as session:
            member = _existing(session, username)
            member.disabled_at = None
            member.password_hash = _hasher.hash(password)
            member.password_changed_at = utcnow()
            audit(session, actor, "staff.enabled", username)

    def verifies(self, username: str, password: str) -> bool:
        """Whether ``password`` is the member's, changing nothing (the demo banner's check)."""
        with self.db.sessions() as session:
            member = session.get(StaffMember, username)
            return member is not None and _verify(member.password_hash, password)

    def authenticate(self, username: str, password: str, *, client: str = "") -> Principal | None:
        """The member, when the password is theirs and the account enabled; audited either way
        (``staff.login`` / ``staff.login_failed``), never with the password."""
        with self.db.transaction() as session:
            member = session.get(StaffMember, username) if USERNAME.match(username) else None
            ok = _verify(member.password_hash if member else _DUMMY_HASH, password)
            if member is None or not ok or member.disabled_at is not None:
                why = "unknown" if member is None else "password" if not ok else "disabled"
                name = username if member is not None else "?"  # typed passwords stay out
                audit(session, "console", "staff.login_failed", name, why=why, client=client)
                return None
            if _hasher.check_needs_rehash(member.password_hash):
                member.password_hash = _hasher.hash(password)
            member.last_login_at = utcnow()
            audit(session, f"staff:{username}", "staff.login", username, client=client)
            return Principal(member.username, member.role)

    def issue_token(self, username: str, *, actor: str) -> str:
        """A new personal token, returned once; only its hash and prefix are kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.transaction() as session:
            member = _existing(session, username)
            if member.disabled_at is not None:
                raise StaffRefused(f"{username!r} is disabled")
            session.add(
                StaffToken(username=username, token_hash=token_hash(token), prefix=token[:10])
            )
            audit(session, actor, "staff.token_issued", username, prefix=token[:10])
        return token

    def tokens(self, username: str) -> list[TokenView]:
        query = select(StaffToken).where(StaffToken.username == username).order_by(StaffToken.id)
        with self.db.sessions() as session:
            return [
                TokenView(t.prefix, t.created_at, t.last_used_at, t.revoked_at is not None)
                for t in session.scalars(query)
            ]

    def revoke_token(self, username: str, prefix: str, *, actor: str) -> int:
        with self.db.transaction() as session:
            _existing(session, username)
            count = _rowcount(
                session.execute(
                    update(StaffToken)
                    .where(
                        StaffToken.username == username,
                        StaffToken.prefix == prefix,
                        StaffToken.revoked_at.is_(None),
                    )
                    .values(revoked_at=utcnow())
                )
            )
            if count:
                audit(session, actor, "staff.token_revoked", username, prefix=prefix)
            return count

    def principal_for_token(self, token: str) -> Principal | None:
        """The token's owner while the token is unrevoked and the owner enabled."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        query = (
            select(StaffToken, StaffMember)
            .join(StaffMember, StaffMember.username == StaffToken.username)
            .where(StaffToken.token_hash == token_hash(token))
        )
        with self.db.sessions() as session:
            found = session.execute(query).first()
            if found is None:
                return None
            row, member = found
            if row.revoked_at is not None or member.disabled_at is not None:
                return None
            principal = Principal(member.username, member.role)
            used, token_id = row.last_used_at, row.id
        now = utcnow()
        if used is None or now - _aware(used) > TOKEN_USE_EVERY:
            with self.db.transaction() as session:
                session.execute(
                    update(StaffToken).where(StaffToken.id == token_id).values(last_used_at=now)
                )
        return principal


def _rowcount(result: object) -> int:
    """Rows an UPDATE touched (``CursorResult.rowcount``; the ORM types it as a plain Result)."""
    return int(getattr(result, "rowcount", 0))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored in UTC."""
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StaffRefused(f"{role!r}: the roles are {', '.join(ROLES)}")


def _existing(session: Session, username: str) -> StaffMember:
    member = session.get(StaffMember, username, with_for_update=True)
    if member is None:
        raise StaffRefused(f"no staff member {username!r}")
    return member


def _view(member: StaffMember, tokens: int) -> MemberView:
    return MemberView(
        member.username,
        member.role,
        member.disabled_at is not None,
        member.created_at,
        member.last_login_at,
        tokens,
    )


def audit(session: Session, actor: str, action: str, subject: str, **detail: object) -> None:
    """An audit log entry in ``session``'s transaction (staff accounts, sign-ins)."""
    session.add(AuditEntry(actor=actor[:80], action=action, subject=subject[:80], detail=detail))
