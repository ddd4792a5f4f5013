"""Partners in the store: profiles synced into rows (identity, status) and their API keys.

Profiles are data files (``gateway.partners``); the database holds what must be queried or
changed at run time: which partner a key belongs to, and whether the partner may send.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from gateway.partners import DEFAULT_OUR_IDS, check_partners, default_partners_dir, load_partner
from gateway.store.db import Database
from gateway.store.models import Partner
from gateway.x12.identities import EnvelopeId

KEY_CACHE_SIZE = 10_000
"""Known keys are few; unknown ones are never cached, so guessing cannot grow the cache."""


def hash_api_key(key: str) -> str:
    """API keys are random 32-byte tokens, so one SHA-256 is enough (no dictionary to attack)."""
    return hashlib.sha256(key.encode()).hexdigest()


def sync_partners(
    db: Database,
    partners_dir: Path | None = None,
    our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS,
) -> list[str]:
    """Load every partner profile into the database (identity, status); returns the problems.

    With any problem nothing is loaded: a half-applied set of profiles (say two partners
    claiming one sender id) must not become what the gateway runs with."""
    root = partners_dir or default_partners_dir()
    problems = check_partners(root, our_ids)
    if problems:
        return problems
    with db.transaction() as session:
        synced: set[str] = set()
        for path in sorted(root.glob("*.yaml")):
            profile = load_partner(path.stem, root)
            row = session.get(Partner, profile.id)
            if row is None:
                row = Partner(id=profile.id)
                session.add(row)
            row.name, row.status = profile.name, profile.status
            row.isa_qualifier, row.isa_id = profile.x12.qualifier, profile.x12.id
            synced.add(profile.id)
        session.execute(  # profiles that are gone: kept for their history, refused at the door
            update(Partner).where(Partner.id.not_in(synced)).values(status=REMOVED)
        )
    return problems


REMOVED = "removed"
"""The status of a partner whose profile was deleted: its messages stay, its keys are refused."""
REFUSED = {
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


class PartnerKeys:
    """Which partner an API key belongs to, with answers cached ``ttl_s`` seconds.

    Keys are stored hashed; a hit is cached so the API's hot path needs no query, a miss never is.
    """

    def __init__(self, db: Database, ttl_s: float) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[KeyOwner, float]] = {}
        """Key hash -> (its owner, monotonic expiry)."""

    def issue(self, partner_id: str, key: str | None = None) -> str:
        """A new API key for ``partner_id`` (shown once; only its hash is stored)."""
        key = key or "gk_" + secrets.token_urlsafe(32)
        with self.db.transaction() as session:
            partner = session.get(Partner, partner_id)
            if partner is None:
                raise KeyError(partner_id)
            partner.api_key_hash = hash_api_key(key)
            partner.api_key_prefix = key[:8]
        self._cache.clear()
        return key

    def cached(self, key: str) -> KeyOwner | None:
        """``partner_for``'s answer while it is cached (no I/O: callable from an event loop)."""
        return self._lookup(hash_api_key(key), time.monotonic())

    def partner_for(self, key: str) -> KeyOwner | None:
        """The partner whose API key this is, with its status as the database has it now (a
        suspension or removal is seen within ``ttl_s``)."""
        digest = hash_api_key(key)
        now = time.monotonic()
        if (cached := self._lookup(digest, now)) is not None:
            return cached
        with self.db.sessions() as session:
            row = session.execute(
                select(Partner.id, Partner.status).where(Partner.api_key_hash == digest)
            ).first()
        owner = KeyOwner(row.id, row.status) if row is not None else None
        if self.ttl_s > 0 and owner is not None:
            if len(self._cache) >= KEY_CACHE_SIZE:
                self._cache.clear()
            self._cache[digest] = (owner, now + self.ttl_s)
        return owner

    def _lookup(self, digest: str, now: float) -> KeyOwner | None:
        cached = self._cache.get(digest)
        return cached[0] if cached is not None and cached[1] > now else None
