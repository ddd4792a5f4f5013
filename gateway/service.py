"""The running gateway's parts, built once per process from ``Settings``: database, ERP connector,
pipeline configuration and the sweep that re-enqueues unfinished work after a crash.

Workers, the HTTP API and the CLI all take a ``Runtime``; nothing here knows about Dramatiq or
FastAPI, so each of them stays replaceable.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from gateway.erp.base import ErpConnector
from gateway.erp.registry import build_connector
from gateway.partners import check_partners, default_partners_dir, load_partner
from gateway.pipeline.process import ProcessConfig
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import Delivery, InboundMessage, Partner, utcnow

KEY_CACHE_SIZE = 10_000
"""Known keys are few; unknown ones are never cached, so guessing cannot grow the cache."""


def hash_api_key(key: str) -> str:
    """API keys are random 32-byte tokens, so one SHA-256 is enough (no dictionary to attack)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Runtime:
    settings: Settings
    db: Database
    connector: ErpConnector
    process_config: ProcessConfig = field(default_factory=ProcessConfig)
    key_cache: dict[str, tuple[str, float]] = field(default_factory=dict)
    """API-key hash -> (partner id, monotonic expiry): see ``partner_for_key``."""

    @classmethod
    def from_settings(
        cls, settings: Settings, *, migrate: bool = True, pre_ping: bool = True
    ) -> Runtime:
        url = settings.resolved_database_url()
        if migrate:
            upgrade(url)
        db = Database(url, pre_ping=pre_ping)
        connector = build_connector(settings.erp_connector, **_connector_settings(settings))
        config = ProcessConfig(
            connectors=(settings.erp_connector,),
            partners_dir=settings.partners_dir,
            maps_dir=settings.maps_dir,
            limits=settings.limits(),
        )
        return cls(settings, db, connector, config)

    def close(self) -> None:
        self.connector.close()
        self.db.dispose()


def _connector_settings(settings: Settings) -> dict[str, object]:
    name = settings.erp_connector
    if name == "webhook":
        return {
            "url": settings.erp_url,
            "secret": settings.erp_secret.get_secret_value(),
            "timeout": settings.erp_timeout,
            "verify": settings.erp_ca_file or True,
            "proxy": settings.erp_proxy,
        }
    if name == "sql":
        return {"url": settings.resolved_erp_url()}
    if name == "sink":
        return {"path_or_url": settings.resolved_erp_url()}
    return {}


def sync_partners(runtime: Runtime) -> list[str]:
    """Load every partner profile into the database (identity, status); returns the problems."""
    root = runtime.settings.partners_dir or default_partners_dir()
    problems = check_partners(root)
    with runtime.db.transaction() as session:
        for path in sorted(root.glob("*.yaml")):
            try:
                profile = load_partner(path.stem, root)
            except Exception:  # reported in problems
                continue
            row = session.get(Partner, profile.id)
            if row is None:
                row = Partner(
                    id=profile.id,
                    name=profile.name,
                    status=profile.status,
                    isa_qualifier=profile.x12.qualifier,
                    isa_id=profile.x12.id,
                )
                session.add(row)
            row.name, row.status = profile.name, profile.status
            row.isa_qualifier, row.isa_id = profile.x12.qualifier, profile.x12.id
    return problems


def issue_api_key(runtime: Runtime, partner_id: str, key: str | None = None) -> str:
    """A new API key for ``partner_id`` (shown once; only its hash is stored)."""
    key = key or "gk_" + secrets.token_urlsafe(32)
    with runtime.db.transaction() as session:
        partner = session.get(Partner, partner_id)
        if partner is None:
            raise KeyError(partner_id)
        partner.api_key_hash = hash_api_key(key)
        partner.api_key_prefix = key[:8]
    runtime.key_cache.clear()
    return key


def cached_partner_for_key(runtime: Runtime, key: str) -> str | None:
    """``partner_for_key``'s answer while it is cached (no I/O: callable from an event loop)."""
    return _cached(runtime, hash_api_key(key), time.monotonic())


def _cached(runtime: Runtime, digest: str, now: float) -> str | None:
    cached = runtime.key_cache.get(digest)
    return cached[0] if cached is not None and cached[1] > now else None


def partner_for_key(runtime: Runtime, key: str) -> str | None:
    """The active partner whose API key this is; answers are kept ``api_key_cache_s`` seconds."""
    digest = hash_api_key(key)
    now = time.monotonic()
    if (cached := _cached(runtime, digest, now)) is not None:
        return cached
    with runtime.db.sessions() as session:
        partner_id = session.execute(
            select(Partner.id).where(Partner.api_key_hash == digest, Partner.status != "suspended")
        ).scalar()
    ttl = runtime.settings.api_key_cache_s
    if ttl > 0 and partner_id is not None:
        if len(runtime.key_cache) >= KEY_CACHE_SIZE:
            runtime.key_cache.clear()
        runtime.key_cache[digest] = (partner_id, now + ttl)
    return partner_id


@dataclass(frozen=True, slots=True)
class SweepResult:
    message_ids: list[str]
    delivery_ids: list[int]


def sweep(runtime: Runtime, older_than: timedelta | None = None) -> SweepResult:
    """Work stored but not finished: messages not yet processed, deliveries not yet done.

    At start-up (``older_than=None``) everything unfinished is returned; the periodic sweep only
    returns work untouched for ``older_than`` (its queue message was lost with a broker or worker).
    """
    with runtime.db.sessions() as session:
        messages = select(InboundMessage.id).where(InboundMessage.status == "received")
        deliveries = select(Delivery.id).where(Delivery.status.in_(("pending", "retrying")))
        if older_than is not None:
            cutoff = utcnow() - older_than
            messages = messages.where(InboundMessage.received_at < cutoff)
            deliveries = deliveries.where(Delivery.updated_at < cutoff)
        return SweepResult(
            [row[0] for row in session.execute(messages.order_by(InboundMessage.received_at))],
            [row[0] for row in session.execute(deliveries.order_by(Delivery.id))],
        )
