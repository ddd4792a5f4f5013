"""Process settings: one pydantic-settings class, ``GATEWAY_`` prefix, secrets as ``SecretStr``.

Embedded defaults run the whole gateway in one process on SQLite with a local ERP sink; production
points ``GATEWAY_DATABASE_URL`` at PostgreSQL and ``GATEWAY_BROKER`` at Redis or RabbitMQ.
Where partner profiles, maps and the SQLite files are found: ``gateway.locations``.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.errors import ConfigurationError
from gateway.locations import Locations, locate
from gateway.x12.limits import DEFAULT_LIMITS, Limits

_L = DEFAULT_LIMITS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    home: Path | None = None
    """``GATEWAY_HOME``: the folder holding this gateway's ``partners/``, ``maps/`` and ``var/``.
    Unset: the working directory if it holds ``partners/``. See ``gateway.locations``."""
    data_dir: Path | None = None
    """Default: ``<home>/var``, else the user's data directory (``gateway.locations``)."""
    database_url: str = ""
    """Default: ``sqlite:///<data_dir>/gateway.db``."""
    broker: Literal["embedded", "redis", "rabbitmq", "stub"] = "embedded"
    broker_url: str = ""
    """``redis://127.0.0.1:6379/0`` or ``amqp://guest:guest@127.0.0.1:5672/%2F``."""
    queue_prefix: str = "gateway"
    embedded_workers: int = 4

    erp_connector: Literal["sink", "webhook", "sql", "memory", "tryton"] = "sink"
    erp_url: str = ""
    """Webhook URL, or SQLAlchemy URL of the ERP's interface tables; sink: its database URL;
    tryton: ``http://USER:PASSWORD@HOST:PORT/DATABASE/``."""
    erp_secret: SecretStr = SecretStr("")
    erp_po_poll_s: float = Field(60.0, ge=0)
    """An ERP connector that publishes purchase orders (tryton; sql from ``erp_purchase_orders``):
    ``gateway run`` pulls them into the PO registry every this many seconds; 0: only
    ``gateway po pull``."""
    sla_check_s: float = Field(60.0, gt=0, le=3600)
    """How often the workers look for purchase orders whose SLA timer ran out
    (``gateway.pipeline.sla``)."""
    erp_timeout: float = 10.0
    erp_ca_file: str = ""
    """Webhook over HTTPS: a CA file or folder to trust instead of the system's (an internal CA)."""
    erp_proxy: str | None = None
    """Webhook: ``http://[user:password@]host:port``; unset: ``https_proxy``/``http_proxy`` and
    ``no_proxy`` from the environment; empty: connect directly."""
    delivery_max_attempts: int = 8
    delivery_min_backoff_ms: int = 1_000
    delivery_max_backoff_ms: int = 300_000
    outbox_max_attempts: int = 8
    """Tries at sending an outbox item over a push transport (AS2, SFTP) before it is ``failed``
    (an operator retries it: ``gateway outbox retry``)."""
    outbox_min_backoff_ms: int = 5_000
    outbox_max_backoff_ms: int = 1_800_000
    recovery_limit: int = 5
    """Start-up sweeps that may take up an unfinished message again before it is given up as
    ``failed`` (it stopped its worker each time; ``pipeline.sweep``)."""
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
    public_url: str = ""
    """Where suppliers reach the gateway (``https://edi.example.com``), for onboarding sheets;
    unset: ``http://<host>:<port>``."""
    access_log: Literal["all", "errors", "off"] = "errors"
    """uvicorn's line per request: every one, only answers of 400 and above (accepted messages
    are in the database, with their client address and user agent), or none."""
    max_body_bytes: int = 20 * 1024 * 1024
    max_body_bytes_in_flight: int = Field(64 * 1024 * 1024, gt=0)
    """The request bodies one API process holds at once (``gateway.web.body.BodyBudget``);
    past it a body gets 503 and ``Retry-After``. At least ``max_body_bytes`` in effect."""
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
    """Default: ``<home>/partners``, else the packaged demo (``gateway.locations``)."""
    our_ids: str = "ZZ/GATEWAYBUYER"
    """Our own interchange ids, ``QUALIFIER/ID`` separated by commas (``ZZ/GATEWAYBUYER,
    01/123456789``): a supplier's ISA07/ISA08 must be one of them (its GS03 one of the ids), or
    the one its profile names (``x12.our_qualifier``/``our_id``, which must be in this list)."""
    maps_dir: Path | None = None
    """Default: ``<home>/maps`` if it exists, else the packaged maps (``gateway.locations``)."""
    reload_interval_s: float = Field(1.0, ge=0)
    """How often a running process (``gateway run``, each ``gateway worker``) looks for changed
    partner profiles and maps, taking a valid change in without a restart (``gateway.live``); 0:
    never (a profile this process writes itself is still taken in)."""
    api_key_cache_s: float = 5.0
    """How long the API trusts an API key it has looked up: a revoked key, or a suspended partner,
    stops working within this many seconds (0: look up every request)."""
    demo: bool = False
    """Demo mode (``gateway run --demo``, ``scripts/run.sh``): the demo partner gets
    ``demo_api_key`` if it has no key yet, and the start-up banner shows it while it is the
    partner's key. Off: no key is issued, none is shown."""
    demo_api_key: SecretStr = SecretStr("demo-supplier-key")
    """The demo partner's documented key (demo mode only)."""
    demo_admin_password: SecretStr = SecretStr("demo-admin-password")
    """The console's first login in demo mode: staff member ``admin`` is created with it when
    there is no staff member yet, and the banner shows it only while it is still admin's
    password (``gateway staff password admin`` changes it). Outside demo mode nobody is created:
    ``gateway staff add NAME --role admin``."""
    console_session_hours: float = Field(8.0, gt=0)
    """A console login lasts this long (then log in again); logout ends it at once."""
    console_dashboard_s: float = Field(30.0, ge=0)
    """The console's dashboard shows numbers at most this old, refreshed in the background
    (``gateway.console.snapshots``); 0: computed on every view."""
    console_login_attempts: int = Field(5, ge=1)
    """Failed console logins allowed per client address and per username in 5 minutes."""
    oidc_issuer: str = ""
    """OpenID Connect sign-in for the console (``gateway.console.pages_oidc``): the identity
    provider's issuer URL (its ``/.well-known/openid-configuration`` is read); empty: local
    accounts only."""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_name: str = "your identity provider"
    """Shown on the login page: "Sign in with ..."."""
    oidc_roles_claim: str = "groups"
    """The ID token claim listing the person's groups (a list, or one string)."""
    oidc_role_map: str = ""
    """``group=role,group=role``: which group gives which staff role (the first group of the
    person's that maps, in the order given here, wins)."""
    oidc_default_role: str = ""
    """The role of someone none of whose groups maps; empty: they are refused."""
    oidc_redirect_url: str = ""
    """Our callback as the provider knows it; empty: this server's own
    ``/console/oidc/callback``."""
    as2_id: str = "GATEWAYBUYER"
    """Our AS2 name: the AS2-To partners address (a profile's ``transports.as2.our_as2_id``
    may differ)."""
    as2_key_secret: SecretStr = SecretStr("")
    """The secret our AS2 private keys are encrypted with at rest (``transports.as2``)."""
    sftp_port: int = Field(2222, ge=0, le=65535)
    """Our hosted SFTP server's port (``gateway run``, ``transports.sftp``); 0: not served."""
    sftp_host: str = ""
    """The address it listens on; empty: ``host``, the API's."""
    sftp_root: Path | None = None
    """The partners' mailboxes (``<root>/<partner>/{inbound,outbound,archive}``); default:
    ``<data_dir>/sftp``."""
    sftp_max_connections: int = Field(64, ge=1, le=10_000)
    """SFTP connections served at once (a thread each); more are closed at once."""
    demo_as2_key_secret: SecretStr = SecretStr("demo-as2-key-secret")
    """Demo mode with ``as2_key_secret`` unset: the secret the demo's AS2 key is encrypted with
    (``samples/as2/gateway.key``, TEST ONLY, shipped in the wheel for the demo partner)."""
    admin_token: SecretStr = SecretStr("")
    """Bearer token of the operator API (``/ops``). Empty: ``/ops`` answers loopback clients only;
    set it whenever a reverse proxy on the same host forwards to the gateway (every request then
    looks local)."""

    _locations: Locations = PrivateAttr()

    @field_validator("home", "data_dir", "partners_dir", "maps_dir", "sftp_root", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _locate(self) -> Settings:
        """Fill in the three directories once, so every part of the process uses the same ones."""
        self._locations = locate(
            home=self.home,
            partners_dir=self.partners_dir,
            maps_dir=self.maps_dir,
            data_dir=self.data_dir,
        )
        self.partners_dir = self._locations.partners.path
        self.maps_dir = self._locations.maps.path
        self.data_dir = self._locations.data.path
        return self

    @property
    def locations(self) -> Locations:
        """The directories in use and the rule that chose each (``gateway run`` prints them)."""
        return self._locations

    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else self._locations.data.path

    @field_validator("our_ids")
    @classmethod
    def _check_our_ids(cls, value: str) -> str:
        parse_our_ids(value)
        return value

    def our_identities(self) -> tuple[tuple[str, str], ...]:
        """``our_ids`` as (qualifier, id) pairs."""
        return parse_our_ids(self.our_ids)

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

    def base_url(self) -> str:
        """``public_url``, else the address ``gateway run`` listens on."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def sftp_address(self) -> tuple[str, int]:
        """Where partners reach our SFTP server (the onboarding sheet): the host of
        ``public_url`` if set, else the address it listens on; and ``sftp_port``."""
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return public or self.sftp_host or self.host, self.sftp_port

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_data_dir() / 'gateway.db'}"

    def resolved_erp_url(self) -> str:
        if self.erp_url:
            return self.erp_url
        if self.erp_connector != "sink":
            return ""
        return f"sqlite:///{self.resolved_data_dir() / 'erp-sink.db'}"

    def require_database(self) -> None:
        """For commands that only read or change what is stored: a SQLite database must exist.

        ``gateway run``, ``worker`` and ``db upgrade`` create it; anything else run where there
        is none (another folder, a mistyped ``GATEWAY_HOME``) stops here instead of starting an
        empty one."""
        url = self.resolved_database_url()
        path = (
            url.split("///", 1)[1].split("?")[0]
            if url.startswith("sqlite") and "///" in url
            else ""
        )
        if not path or path == ":memory:" or Path(path).is_file():
            return
        where = "" if self.database_url else f" (data directory: {self._locations.data.source})"
        raise ConfigurationError(
            f"no database at {path}{where}; set GATEWAY_HOME (or GATEWAY_DATA_DIR, "
            "GATEWAY_DATABASE_URL) to the gateway's, or create one with `gateway db upgrade`",
            code="config.database.missing",
        )

        return f"sqlite:///{self.data_dir / 'erp-sink.db'}" if self.erp_connector == "sink" else ""


def parse_our_ids(text: str) -> tuple[tuple[str, str], ...]:
    """(qualifier, id) pairs from ``ZZ/GATEWAYBUYER,01/123456789``; ``ValueError`` naming every
    item that is not a 2-character qualifier, a ``/`` and an id of 1 to 15 characters."""
    pairs: list[tuple[str, str]] = []
    bad: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        qualifier, slash, id_ = (value.strip() for value in item.partition("/"))
        if slash and len(qualifier) == 2 and 1 <= len(id_) <= 15:
            pairs.append((qualifier, id_))
        elif item:
            bad.append(item)
    if bad or not pairs:
        raise ValueError(
            f"our ids are QUALIFIER/ID pairs separated by commas (ZZ/GATEWAYBUYER), not {bad or text!r}"
        )
    return tuple(pairs)
