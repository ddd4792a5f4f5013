"""Staff who sign in through an OpenID Connect provider (``gateway.console.pages_oidc``): the
person is found by (issuer, subject), never by e-mail or name, or given a new account named after
their ``preferred_username`` (made unique, never an existing local account's); their role comes
from the provider's groups at every sign-in, so a change there counts at the next login. Such an
account has no password (a local login with its name always fails). Audited like local logins.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.staff.accounts import Principal, audit
from gateway.store.db import Database
from gateway.store.models import StaffIdentity, StaffMember, utcnow

NO_PASSWORD = "!oidc"
"""The password hash of an account that signs in through its provider only: no argon2 hash, so
no password ever verifies against it."""
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def sign_in(
    db: Database, issuer: str, subject: str, preferred: str, role: str, *, client: str = ""
) -> Principal | None:
    """The member the provider vouched for, with ``role``; None when the account is disabled."""
    with db.transaction() as session:
        link = session.get(StaffIdentity, (issuer, subject), with_for_update=True)
        if link is None:
            username = _free_name(session, preferred or subject)
            session.add(StaffMember(username=username, role=role, password_hash=NO_PASSWORD))
            session.flush()
            link = StaffIdentity(issuer=issuer, subject=subject, username=username)
            session.add(link)
            audit(session, "console", "staff.added", username, role=role, issuer=issuer)
        member = session.get(StaffMember, link.username)
        assert member is not None
        if member.disabled_at is not None:
            audit(session, "console", "staff.login_failed", member.username, why="disabled")
            return None
        if member.role != role:
            before, member.role = member.role, role
            audit(session, "console", "staff.role_changed", member.username, role=role, was=before)
        member.last_login_at = link.last_login_at = utcnow()
        audit(
            session,
            f"staff:{member.username}",
            "staff.login",
            member.username,
            client=client,
            via=issuer,
        )
        return Principal(member.username, member.role)


def _free_name(session: Session, wanted: str) -> str:
    base = _UNSAFE.sub("-", wanted.lower()).strip("-._")[:50] or "sso"
    if not base[0].isalnum():
        base = "sso-" + base
    taken = set(
        session.scalars(select(StaffMember.username).where(StaffMember.username.like(f"{base}%")))
    )
    for n in range(1000):
        name = base if n == 0 else f"{base}-{n + 1}"
        if name not in taken:
            return name
    raise RuntimeError(f"no free staff name for {wanted!r}")  # pragma: no cover


def refused(db: Database, subject: str, why: str, *, client: str = "") -> None:
    """A sign-in through the provider that opened no session: in the audit log, with why."""
    with db.transaction() as session:
        audit(
            session, "console", "staff.login_failed", subject[:100], why=why[:300], via="oidc",
            client=client,
        )  # fmt: skip
