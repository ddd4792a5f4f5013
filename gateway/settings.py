"""Process settings: one pydantic-settings class, ``GATEWAY_`` prefix, secrets as ``SecretStr``.

Embedded defaults run the whole gateway in one process on SQLite with a local ERP sink; production
points ``GATEWAY_DATABASE_URL`` at PostgreSQL and ``GATEWAY_BROKER`` at Redis or RabbitMQ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    header_timeout_s: float = Field(10.0, gt=0)
    """A request line and headers must arrive within this many seconds of the connection (on a
    kept-alive connection: of the request's first byte); else 408 and the connection is closed."""
    body_timeout_s: float = Field(15.0, gt=0)
    """The longest pause while a request body arrives; also the grace before
    ``body_min_bytes_per_s`` counts. Else 408 and the connection is closed."""
    body_min_bytes_per_s: float = Field(4096.0, ge=0)
    """After the first ``body_timeout_s``, a body must average at least this rate (20 MB may take
    up to about 85 minutes); 0: only pauses count."""
    keep_alive_timeout_s: int = Field(5, gt=0)
    """An idle kept-alive connection is closed after this many seconds."""
    send_timeout_s: float = Field(30.0, gt=0)
    """An answer the client does not read for this many seconds is dropped."""
    max_connections_per_client: int = Field(64, ge=0)
    """Open connections from one address (IPv6: one /64); one more is answered 503 and closed.
    0: no limit. Behind a reverse proxy every client is the proxy: raise it, or set 0 and limit
    connections at the proxy."""
    max_connections: int = Field(1000, ge=0)
    """Open connections in all (``gateway run`` keeps it below the descriptor limit); 0: only
    the descriptor limit."""
    partners_dir: Path | None = None
    maps_dir: Path | None = None
    api_key_cache_s: float = 5.0
    """How long the API trusts an API key it has looked up: a revoked key, or a suspended partner,
    stops working within this many seconds (0: look up every request)."""
    demo: bool = False
    """Demo mode (``gateway run --demo``, ``scripts/run.sh``): the demo partner gets
    ``demo_api_key`` if it has no key yet, and the start-up banner shows it while it is the
    partner's key. Off: no key is issued, none is shown."""
    demo_api_key: SecretStr = SecretStr("demo-supplier-key")
    """The demo partner's documented key (demo mode only)."""
    admin_token: SecretStr = SecretStr("")
    """Bearer token of the operator API (``/ops``). Empty: ``/ops`` answers loopback clients only;
    set it whenever a reverse proxy on the same host forwards to the gateway (every request then
    looks local)."""

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"

    def resolved_erp_url(self) -> str:
        if self.erp_url:
            return self.erp_url
        return f"sqlite:///{self.data_dir / 'erp-sink.db'}" if self.erp_connector == "sink" else ""
