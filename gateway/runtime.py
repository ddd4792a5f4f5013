"""``Runtime``: the running gateway's parts, built once per process from ``Settings``.

Workers, the HTTP apps and the CLI all take a ``Runtime``; nothing here knows about Dramatiq or
FastAPI, so each of them stays replaceable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gateway.erp.base import ErpConnector
from gateway.erp.registry import build_connector
from gateway.live.snapshot import ExtraCheck
from gateway.live.watcher import LiveConfig
from gateway.partner_store import PartnerKeys
from gateway.partners import gateway_ids
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.outbox import Sender
from gateway.pipeline.send import SendPolicy
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    db: Database
    connector: ErpConnector
    process_config: ProcessConfig = field(default_factory=ProcessConfig)
    senders: Mapping[str, Sender] = field(default_factory=dict)
    """Push transports' ``send`` by name, for the outbox worker. The composition root fills it
    (``gateway_app.senders``: the gateway never imports a transport); without a sender here,
    an item waits (pull items for the partner, push items for a process that has one)."""
    keys: PartnerKeys = field(init=False)
    live: LiveConfig | None = None
    """The profiles and maps this process runs with, reloaded on change (``watch_config``)."""

    def __post_init__(self) -> None:
        self.keys = PartnerKeys(self.db, ttl_s=self.settings.api_key_cache_s)

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
            our_ids=gateway_ids(settings.our_identities()),
            limits=settings.limits(),
        )
        return cls(settings, db, connector, config)

    @property
    def send_policy(self) -> SendPolicy:
        s = self.settings
        return SendPolicy(s.outbox_max_attempts, s.outbox_min_backoff_ms, s.outbox_max_backoff_ms)

    def watch_config(self, extra_checks: Sequence[ExtraCheck] = ()) -> list[str]:
        """Load the profiles and maps as one checked set (to the database too) and watch them
        for changes (``gateway.live``); every problem when the set cannot run (nothing loaded)."""
        config = self.process_config
        assert (
            config.partners_dir is not None and config.maps_dir is not None
        )  # Settings fills them
        live = LiveConfig(
            config.partners_dir,
            config.maps_dir,
            db=self.db,
            our_ids=config.our_ids,
            extra_checks=extra_checks,
            interval_s=self.settings.reload_interval_s,
        )
        problems = live.load()
        if not problems:
            live.start()
            self.live = live
        return problems

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
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
    if name == "tryton":
        return {
            "url": settings.erp_url,
            "password": settings.erp_secret.get_secret_value(),
            "timeout": settings.erp_timeout,
            "verify": settings.erp_ca_file or True,
        }
    return {}
