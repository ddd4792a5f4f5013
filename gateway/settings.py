"""Process settings: one pydantic-settings class, ``GATEWAY_`` prefix, secrets as ``SecretStr``.

Embedded defaults run the whole gateway in one process on SQLite with a local ERP sink; production
points ``GATEWAY_DATABASE_URL`` at PostgreSQL and ``GATEWAY_BROKER`` at Redis or RabbitMQ.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Literal, Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.x12.limits import DEFAULT_LIMITS, Limits

_L = DEFAULT_LIMITS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    """Default: ``sqlite:///<data_dir>/gateway.db``."""
    broker: Literal["embedded", "redis", "rabbitmq", "stub"] = "embedded"
    broker_url: str = ""
    """``redis://127.0.0.1:6379/0`` or ``amqp://guest:guest@127.0.0.1:5672/%2F``."""
    queue_prefix: str = "gateway"
    embedded_workers: int = 4

    erp_connector: Literal["sink", "webhook", "sql", "memory"] = "sink"
    erp_url: str = ""
    """Webhook URL, or SQLAlchemy URL of the ERP's interface tables; sink: its database URL."""
    erp_secret: SecretStr = SecretStr("")
    erp_timeout: float = 10.0
    erp_ca_file: str = ""
    """Webhook over HTTPS: a CA file or folder to trust instead of the system's (an internal CA)."""
    erp_proxy: str | None = None
    """Webhook: ``http://[user:password@]host:port``; unset: ``https_proxy``/``http_proxy`` and
    ``no_proxy`` from the environment; empty: connect directly."""
    delivery_max_attempts: int = 8
    delivery_min_backoff_ms: int = 1_000
    delivery_max_backoff_ms: int = 300_000
    process_batch: int = 20
    """A worker that takes a message records up to this many waiting ones in the same transaction
    (PostgreSQL; see ``pipeline.process.process_batch``). 1 turns batching off."""
    deliver_inline: bool = True
    """Post a message's new events right after it is processed, in the same worker (no queue
    round trip); after a retriable failure the deliver queue takes over, with backoff, and inline
    posting pauses for ``deliver_inline_pause_s`` so a slow ERP does not hold up processing."""
    deliver_inline_pause_s: float = 30.0
    enqueue_group_ms: float = 50.0
    """The API enqueues the messages it stored in groups of up to ``process_batch``, at most one
    queue message this often (a message after a quiet spell goes at once); a worker records a
    group in one transaction (see ``workers.grouping``). 0: one queue message per message."""

    host: str = "127.0.0.1"
    port: int = 8080
    access_log: Literal["all", "errors", "off"] = "errors"
    """uvicorn's line per request: every one, only answers of 400 and above (accepted messages
    are in the database, with their client address and user agent), or none."""
    max_body_bytes: int = 20 * 1024 * 1024
    partners_dir: Path | None = None
    maps_dir: Path | None = None
    api_key_cache_s: float = 5.0
    """How long the API trusts an API key it has looked up: a revoked key, or a suspended partner,
    stops working within this many seconds (0: look up every request)."""
    demo_api_key: SecretStr = SecretStr("demo-supplier-key")
    """API key given to the demo partner on first start (embedded mode only)."""
    admin_token: SecretStr = SecretStr("")
    """Bearer token of the operator API (``/ops``). Empty: ``/ops`` answers loopback clients only;
    set it whenever a reverse proxy on the same host forwards to the gateway (every request then
    looks local)."""

    # Bounded work per document (translate and the workers): what happens past each limit is in
    # gateway/x12/limits.py. The names are ``Limits``' own.
    max_errors_per_transaction: int = _L.max_errors_per_transaction
    max_errors_per_interchange: int = _L.max_errors_per_interchange
    max_errors_per_document: int = _L.max_errors_per_document
    max_error_entries: int = _L.max_error_entries
    max_segments_per_transaction: int = _L.max_segments_per_transaction
    max_elements_per_transaction: int = _L.max_elements_per_transaction
    max_elements_per_segment: int = _L.max_elements_per_segment
    max_components_per_element: int = _L.max_components_per_element
    max_repeats_per_element: int = _L.max_repeats_per_element
    max_transactions_per_document: int = _L.max_transactions_per_document
    max_groups_per_document: int = _L.max_groups_per_document
    max_interchanges_per_document: int = _L.max_interchanges_per_document
    max_seconds_per_document: float = _L.max_seconds_per_document

    @model_validator(mode="after")
    def _limits_valid(self) -> Self:
        self.limits()  # a limit under its floor fails at start-up, not in a worker
        return self

    def limits(self) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"

    def resolved_erp_url(self) -> str:
        if self.erp_url:
            return self.erp_url
        return f"sqlite:///{self.data_dir / 'erp-sink.db'}" if self.erp_connector == "sink" else ""
