"""Partners in the store: profiles synced into rows (identity, status) and their API keys.

Profiles are data files (``gateway.partners``); the database holds what must be queried or
changed at run time: which partner a key belongs to, and whether the partner may send.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway.lifecycle import REMOVED, TransitionRefused, transition
from gateway.partners import (
    DEFAULT_OUR_IDS,
    PartnerProfile,
    default_partners_dir,
    forget_profiles,
    read_partners,
)
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Partner, PartnerKey, utcnow
from gateway.x12.identities import EnvelopeId

__all__ = ["REFUSED", "REMOVED", "KeyOwner", "PartnerKeys", "hash_api_key", "sync_partners"]

KEY_CACHE_SIZE = 10_000
"""Known keys are few; unknown ones are never cached, so guessing cannot grow the cache."""
PREFIX_LENGTH = 10
"""Characters of a key kept in clear (``gk_`` and 7 more): enough to tell a partner's keys apart."""
LAST_USED_EVERY = timedelta(minutes=1)
"""A key's ``last_used_at`` is written at most this often."""


def hash_api_key(key: str) -> str:
    """API keys are random 32-byte tokens, so one SHA-256 is enough (no dictionary to attack)."""
    return hashlib.sha256(key.encode()).hexdigest()


class _Refused(Exception):
    """Rolls a sync back: a file's status change may not happen."""


def sync_partners(
    db: Database,
    partners_dir: Path | None = None,
    our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS,
) -> list[str]:
    """Load every partner profile into the database (identity, status); returns the problems.

    With any problem nothing is loaded: a half-applied set of profiles (say two partners
    claiming one sender id) must not become what the gateway runs with. A partner seen for the
    first time takes its profile's status; a status changed in an existing profile is a
    lifecycle change like ``gateway partners promote`` (``lifecycle.transition``: audited, and
    refused when it would go live uncertified, which only ``promote`` can override)."""
    root = partners_dir or default_partners_dir()
    profiles, problems = read_partners(root, our_ids)
    if problems:
        return problems
    problems = apply_profiles(db, profiles)
    if not problems:
        forget_profiles()  # this process reads what it just synced
    return problems


def apply_profiles(db: Database, profiles: Mapping[str, PartnerProfile]) -> list[str]:
    """``sync_partners`` for profiles already read and checked as a whole (live reload): every
    row in one transaction, or none when a status change is refused; returns the refusals."""
    problems: list[str] = []
    try:
        with db.transaction() as session:
            refused = [_sync_one(session, profile) for profile in profiles.values()]
            problems = [problem for problem in refused if problem is not None]
            if problems:
                raise _Refused
            session.execute(  # profiles that are gone: kept for their history, refused at the door
                update(Partner)
                .where(Partner.id.not_in(list(profiles)), Partner.status != REMOVED)
                .values(status=REMOVED, updated_at=utcnow())
            )
    except _Refused:
        return problems
    return []


def _sync_one(session: Session, profile: PartnerProfile) -> str | None:
    row = session.get(Partner, profile.id)
    before = row.status if row is not None else None
    new = before is None or before == REMOVED
    if row is None:
        row = Partner(id=profile.id, status=profile.status)
        session.add(row)
    row.name = profile.name
    row.isa_qualifier, row.isa_id = profile.x12.qualifier, profile.x12.id
    if new:
        detail = {"status": profile.status, "from": before, "reason": "profile file"}
        row.status = profile.status
        session.add(
            AuditEntry(
                actor="partners sync",
                action="partner.registered",
                subject=profile.id,
                detail=detail,
            )
        )
        return None
    if row.status == profile.status:
        return None
    try:
        transition(
            session,
            profile,
            row,
            profile.status,
            actor="partners sync",
            reason=f"status changed in {profile.id}.yaml",
        )
    except TransitionRefused as exc:
        return (
            f"{profile.id}.yaml: status: {exc} (gateway partners promote {profile.id} "
            f"--to {profile.status} --override --reason TEXT)"
        )
    return None


REFUSED = {
    "draft": (
        "partner {id!r} is a draft: it may send once the gateway's operators move it to testing"
    ),
    "suspended": "partner {id!r} is suspended: ask the gateway's operators to reinstate it",
    REMOVED: "partner {id!r} is no longer registered with this gateway",
}
"""Partner statuses whose API keys authenticate no request, and what the 401 says."""


@dataclass(frozen=True, slots=True)
class KeyOwner:
    partner_id: str
    status: str

    @property
    def refusal(self) -> str | None:
        """Why this partner's key opens nothing right now, or None when it may send."""
        template = REFUSED.get(self.status)
        return template.format(id=self.partner_id) if template is not None else None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``keys`` shows of a key: never the key."""

    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class PartnerKeys:
    """Which partner an API key belongs to, with answers cached ``ttl_s`` seconds.

    Keys are stored hashed, several per partner (``partner_keys``: overlapping rotation). A hit
    is cached so the API's hot path is one dict lookup; a miss never is. The lookup behind the
    cache (every ``ttl_s`` per key in use) also writes the key's ``last_used_at`` when it is more
    than ``LAST_USED_EVERY`` old.
    """

    def __init__(self, db: Database, ttl_s: float) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[KeyOwner, float]] = {}
        """Key hash -> (its owner, monotonic expiry)."""

    def issue(self, partner_id: str, key: str | None = None, *, actor: str = "operator") -> str:
        """A new API key for ``partner_id`` beside its others (shown once; only its hash is
        stored). Issuing a key the partner already holds changes nothing. ``KeyError``: no such
        partner; ``ValueError``: the key is another partner's."""
        key = key or "gk_" + secrets.token_urlsafe(32)
        with self.db.transaction() as session:
            self.add(session, partner_id, key, actor=actor)
        return key

    def add(self, session: Session, partner_id: str, key: str, *, actor: str) -> None:
        """``issue`` in the caller's transaction (a new partner and its first key commit together)."""
        partner = session.get(Partner, partner_id)
        if partner is None or partner.status == REMOVED:
            raise KeyError(partner_id)
        digest = hash_api_key(key)
        holder = session.scalar(select(PartnerKey.partner_id).where(PartnerKey.key_hash == digest))
        if holder == partner_id:
            return
        if holder is not None:
            raise ValueError("that key belongs to another partner")
        session.add(PartnerKey(partner_id=partner_id, key_hash=digest, prefix=key[:PREFIX_LENGTH]))
        session.add(
            AuditEntry(
                actor=actor,
                action="partner.key_issued",
                subject=partner_id,
                detail={"prefix": key[:PREFIX_LENGTH]},
            )
        )

    def keys(self, partner_id: str) -> list[KeyInfo]:
        """``partner_id``'s keys, oldest first."""
        query = (
            select(PartnerKey.prefix, PartnerKey.created_at, PartnerKey.last_used_at)
            .where(PartnerKey.partner_id == partner_id)
            .order_by(PartnerKey.id)
        )
        with self.db.sessions() as session:
            return [KeyInfo(*row) for row in session.execute(query)]

    def revoke(self, partner_id: str, prefix: str, *, actor: str = "operator") -> int:
        """Delete ``partner_id``'s keys starting with ``prefix``; how many there were (0: none,
        several: ambiguous, nothing deleted). Other processes stop accepting it within ``ttl_s``."""
        if not prefix:
            return 0
        with self.db.transaction() as session:
            found = [
                key
                for key in session.scalars(
                    select(PartnerKey).where(PartnerKey.partner_id == partner_id)
                )
                if key.prefix.startswith(prefix) or prefix.startswith(key.prefix)
            ]
            if len(found) == 1:
                session.execute(delete(PartnerKey).where(PartnerKey.id == found[0].id))
                session.add(
                    AuditEntry(
                        actor=actor,
                        action="partner.key_revoked",
                        subject=partner_id,
                        detail={"prefix": found[0].prefix},
                    )
                )
        if len(found) == 1:
            self._cache.clear()
        return len(found)

    def cached(self, key: str) -> KeyOwner | None:
        """``partner_for``'s answer while it is cached (no I/O: callable from an event loop)."""
        return self._lookup(hash_api_key(key), time.monotonic())

    def partner_for(self, key: str) -> KeyOwner | None:
        """The partner whose API key this is, with its status as the database has it now (a
        suspension or a revoked key is seen within ``ttl_s``)."""
        digest = hash_api_key(key)
        now = time.monotonic()
        if (cached := self._lookup(digest, now)) is not None:
            return cached
        with self.db.sessions() as session:
            row = session.execute(
                select(PartnerKey.id, PartnerKey.last_used_at, Partner.id, Partner.status)
                .join(Partner, Partner.id == PartnerKey.partner_id)
                .where(PartnerKey.key_hash == digest)
            ).first()
        if row is None:
            return None
        key_id, last_used, partner_id, status = row
        _note_use(self.db, key_id, last_used)
        owner = KeyOwner(partner_id, status)
        if self.ttl_s > 0:
            if len(self._cache) >= KEY_CACHE_SIZE:
                self._cache.clear()
            self._cache[digest] = (owner, now + self.ttl_s)
        return owner

    def _lookup(self, digest: str, now: float) -> KeyOwner | None:
        cached = self._cache.get(digest)
        return cached[0] if cached is not None and cached[1] > now else None


def _note_use(db: Database, key_id: int, last_used: datetime | None) -> None:
    now = utcnow()
    if last_used is not None:
        if last_used.tzinfo is None:  # SQLite keeps no zone; the store writes UTC
            last_used = last_used.replace(tzinfo=now.tzinfo)
        if now - last_used < LAST_USED_EVERY:
            return
    with db.transaction() as session:
        session.execute(update(PartnerKey).where(PartnerKey.id == key_id).values(last_used_at=now))
