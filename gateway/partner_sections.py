"""Two sections of a partner profile (``gateway.partners``): how the partner reaches us
(``transports``) and what it must send before it goes live (``certification``).

``transports.as2`` is the one home of a partner's AS2 settings (``transports/as2`` reads it).
SFTP was validated here before its transport existed, so the onboarding templates for it were
complete profiles early; a mode not built yet (SFTP ``remote``) still refuses ``enabled: true``,
as a setting the gateway could not honour.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from gateway.strict_data import StrictData
from gateway.x12.validate import SUPPORTED_SETS

EVENT_TYPES = frozenset(
    {"po_acknowledgment", "ship_notice", "invoice", "functional_ack", "interchange_ack"}
)
"""The canonical event types (``gateway.canonical``; a test keeps the two in step): a JSON
partner's certification names these, an X12 partner's the transaction sets."""
X12_VERSIONS = frozenset({"003060", "004010", "004030", "004060", "005010"})
"""GS08 versions the validator reads (``x12/set_tables``); a checklist item may name one."""
_URL = r"^https?://[^\s/]+\S*$"
_NOT_BUILT = "the {name} transport is not built yet: keep transports.{key}.enabled false"


class HttpSettings(StrictData):
    enabled: bool = True


MicAlgorithm = Literal["sha1", "sha224", "sha256", "sha384", "sha512"]
Encryption = Literal["aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "3des"]
_LEGACY_ENCRYPTION = {"aes128": "aes128-cbc", "aes192": "aes192-cbc", "aes256": "aes256-cbc"}


class _UseWindow(StrictData):
    use_from: datetime | None = None
    """Not used to encrypt to (theirs) or to sign with (ours) before this moment, although the
    certificate may be valid earlier: a rollover is listed ahead and switches on its date."""
    use_until: datetime | None = None
    """Retired from this moment (not trusted, not used), although the certificate may still be
    valid."""

    @model_validator(mode="after")
    def _ordered(self) -> _UseWindow:
        for moment in (self.use_from, self.use_until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("use_from/use_until need a time zone (2027-01-15T00:00:00Z)")
        if self.use_from and self.use_until and self.use_from >= self.use_until:
            raise ValueError("use_from must be before use_until")
        return self


class AS2CertificateFile(_UseWindow):
    """One certificate of theirs; a plain path in the profile reads as ``{path: ...}``."""

    path: str = Field(min_length=1)


class AS2KeyFiles(_UseWindow):
    """One of our key pairs for this partner: certificate and private key (PKCS#8, encrypted
    with ``GATEWAY_AS2_KEY_SECRET``), paths relative to the partners directory."""

    certificate: str = Field(min_length=1)
    key: str = Field(min_length=1)


class AS2Settings(StrictData):
    """AS2 (RFC 4130) with this partner: the one place for it (``transports.as2``).

    Certificate and key paths are relative to the partners directory. Each certificate's own
    validity window decides when it is used, so a rollover lists the old and the new one: a
    signature verifies against any valid one, we encrypt to the newest valid one; likewise we
    decrypt with any of ``our_keys`` and sign with the newest valid one. ``enabled: false`` keeps
    a profile whose certificates are not exchanged yet (an onboarding) off ``POST /as2``."""

    enabled: bool = False
    as2_id: str = Field(min_length=1, max_length=128, pattern=r"^[!-~]+(?: [!-~]+)*$")
    """Their AS2 name: the AS2-From they send, the AS2-To we send to."""
    our_as2_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[!-~]+$")
    """The AS2-To they address; unset: ``GATEWAY_AS2_ID``."""
    url: str | None = Field(None, pattern=_URL)
    """Their AS2 endpoint, where we send our documents; unset: nothing is sent to them."""
    certificates: tuple[AS2CertificateFile, ...] = ()
    """Theirs: their signatures verify against these; we encrypt to the newest valid one."""
    our_keys: tuple[AS2KeyFiles, ...] = ()
    require_signed: bool = True
    require_encrypted: bool = True
    allow_sha1: bool = False
    """Accept SHA-1 signatures and MICs from them (never written by us unless ``sign: sha1``)."""
    allow_3des: bool = False
    max_decompressed_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    sign: MicAlgorithm | None = "sha256"
    """How we sign what we send (None: unsigned)."""
    encrypt: Encryption | None = "aes256-cbc"
    key_transport: Literal["rsa-v1.5", "rsa-oaep"] = "rsa-v1.5"
    compress: bool = False
    mdn: Literal["sync", "async", "none"] = "sync"
    """The MDN we ask for when we send."""
    mdn_signed: bool = True
    async_mdn_url: str | None = Field(None, pattern=_URL)
    """Where they POST asynchronous MDNs to us (``mdn: async``): our public ``/as2`` URL."""
    timeout_s: float = Field(60.0, gt=0, le=600)

    @model_validator(mode="before")
    @classmethod
    def _legacy_names(cls, data: Any) -> Any:
        """The first AS2 template wrote ``signing``/``encryption``/``certificate`` (disabled,
        before the transport existed): such profiles read as the current names."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "signing" in data and "sign" not in data:
            data["sign"] = data.pop("signing")
        if "encryption" in data and "encrypt" not in data:
            value = data.pop("encryption")
            data["encrypt"] = _LEGACY_ENCRYPTION.get(value, value)
        if "certificate" in data and "certificates" not in data:
            value = data.pop("certificate")
            data["certificates"] = [value] if value else []
        if isinstance(data.get("certificates"), list):
            data["certificates"] = [
                {"path": c} if isinstance(c, str) else c for c in data["certificates"]
            ]
        return data

    @model_validator(mode="after")
    def _check(self) -> AS2Settings:
        if self.mdn == "async" and not self.async_mdn_url:
            raise ValueError("mdn: async needs async_mdn_url (where the partner posts the MDN)")
        if self.enabled and not self.certificates:
            raise ValueError("enabled: true needs certificates (theirs, to verify and encrypt)")
        if self.enabled and not self.our_keys:
            raise ValueError("enabled: true needs our_keys (ours, to decrypt and sign)")
        if self.encrypt == "3des" and not self.allow_3des:
            raise ValueError("encrypt: 3des needs allow_3des: true")
        if self.sign == "sha1" and not self.allow_sha1:
            raise ValueError("sign: sha1 needs allow_sha1: true")
        return self


SFTP_KEY = r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [ -~]*)?$"
"""One OpenSSH public key line (``ssh-keygen`` writes them): type, base64 blob, comment."""
SFTP_PASSWORD_HASH = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$"
"""``scrypt$N$r$p$salt$hash`` (base64): what ``gateway sftp hash-password`` prints."""


class SftpSettings(StrictData):
    """SFTP, either an account on our server they upload to (``hosted``) or their server we poll
    (``remote``)."""

    enabled: bool = False
    mode: Literal["hosted", "remote"]
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    """``hosted``: the account we create for them; ``remote``: ours on their server."""
    host: str | None = Field(None, min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:-]+$")
    port: int = Field(22, ge=1, le=65535)
    host_key: str | None = Field(None, pattern=r"^SHA256:[A-Za-z0-9+/=]{43,44}$")
    """``remote``: their server's key fingerprint as ``ssh-keygen -l`` prints it."""
    inbox: str = Field("/inbox", pattern=r"^/\S*$")
    """``remote``: where their files are picked up from."""
    outbox: str = Field("/outbox", pattern=r"^/\S*$")
    """``remote``: where our acknowledgements are put."""
    poll_interval_s: int = Field(300, ge=1, le=86400)
    # --- remote (transports/sftp/remote.py, poller.py): their server, polled by our workers ---
    key_file: str | None = Field(None, min_length=1, max_length=500)
    """``remote``: our private key (OpenSSH format), relative to the partners folder."""
    password_env: str | None = Field(None, pattern=r"^GATEWAY_SFTP_[A-Z0-9_]{1,60}$")
    """``remote``: the environment variable holding our password (a secret: never in the file)."""
    pattern: str = Field("*", min_length=1, max_length=100, pattern=r"^[^/]+$")
    """``remote``: which names in ``inbox`` are theirs to take (``fnmatch``: ``*.edi``)."""
    completion: Literal["stable", "rename"] = "stable"
    """``remote``: a file is complete when its size and mtime held for ``stable_seconds``
    across polls (``stable``), or as soon as it has a name without a ``temp_suffixes`` one."""
    stable_seconds: float = Field(30, ge=0, le=3600)
    archive: str | None = Field(None, pattern=r"^/\S*$")
    """``remote``: where a taken file is moved (``after_commit: archive``); unset: ``<inbox>/archive``."""
    # --- hosted (transports/sftp/server.py): the account on our server ---------------------------
    authorized_keys: tuple[Annotated[str, Field(pattern=SFTP_KEY)], ...] = ()
    """``hosted``: public keys that log in as ``username`` (``authorized_keys`` lines)."""
    password_hash: str | None = Field(None, pattern=SFTP_PASSWORD_HASH)
    """``hosted``: a password that logs in too, hashed (``gateway sftp hash-password``)."""
    max_file_bytes: int = Field(50_000_000, ge=1, le=2_000_000_000)
    """``hosted``: the largest file they may upload; a write past it fails (quota)."""
    max_files: int = Field(500, ge=1, le=100_000)
    """``hosted``: files waiting in ``inbound/`` at once (uploads in progress count)."""
    temp_suffixes: tuple[Annotated[str, Field(pattern=r"^\.[A-Za-z0-9_-]{1,16}$")], ...] = (
        ".part",
        ".tmp",
    )
    """``hosted``: names being uploaded; a rename to another name completes the file."""
    after_commit: Literal["archive", "delete"] = "archive"
    """``hosted``: where a file goes once its bytes are stored: ``archive/`` (they can read it
    back) or nowhere."""

    @field_validator("authorized_keys")
    @classmethod
    def _keys_readable(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for line in keys:
            kind, blob = line.split()[:2]
            try:
                decoded = base64.b64decode(blob, validate=True)
            except ValueError as exc:
                raise ValueError(f"authorized key {blob[:20]}...: not base64") from exc
            if decoded[4 : 4 + len(kind)] != kind.encode():
                raise ValueError(f"authorized key {blob[:20]}...: not a {kind} key")
        return keys

    @model_validator(mode="after")
    def _check_mode(self) -> SftpSettings:
        if self.mode == "remote" and self.host is None:
            raise ValueError("mode remote needs the host we poll")
        if self.mode == "hosted":
            remote_only = {"host", "host_key", "inbox", "outbox", "port", "poll_interval_s"}
            remote_only |= {"key_file", "password_env", "pattern", "completion", "archive"}
            if set_here := sorted(remote_only & self.model_fields_set):
                raise ValueError(
                    f"mode hosted runs on our server (inbound/, outbound/, archive/): "
                    f"no {', '.join(set_here)}"
                )
            if self.enabled and not (self.authorized_keys or self.password_hash):
                raise ValueError("mode hosted needs authorized_keys or a password_hash")
        if self.enabled and self.mode == "remote":
            if self.host_key is None:
                raise ValueError("mode remote needs host_key, their server's pinned fingerprint")
            if not (self.key_file or self.password_env):
                raise ValueError("mode remote needs key_file or password_env")
        return self


class Transports(StrictData):
    http: HttpSettings = HttpSettings()
    as2: AS2Settings | None = None
    sftp: SftpSettings | None = None
    outbound: str = Field("http", pattern=r"^[a-z][a-z0-9-]{0,19}$")
    """The transport our documents (997/999/TA1, 850s) go out over, by its name in
    ``transports.TRANSPORTS``: ``http`` (default) holds them for the partner to fetch
    (``GET /v1/outbox``); a push transport (``as2``, ``sftp``) sends them from the workers."""

    @model_validator(mode="after")
    def _outbound_configured(self) -> Transports:
        if self.outbound == "as2" and (self.as2 is None or not self.as2.url):
            raise ValueError("outbound: as2 needs transports.as2 with the url we send to")
        return self


class CertificationItem(StrictData):
    """One kind of document a partner must get accepted while ``testing``: an X12 transaction
    set (``855``) in a version (GS08, ``004010``; unset: any), or a JSON event type.

    A "997 returned to us" item joins when the gateway sends 850s: nothing could satisfy it yet."""

    document: str
    version: str | None = None

    @model_validator(mode="after")
    def _known(self) -> CertificationItem:
        if self.document not in SUPPORTED_SETS | EVENT_TYPES:
            known = sorted(SUPPORTED_SETS) + sorted(EVENT_TYPES)
            raise ValueError(f"document {self.document!r} is none of {', '.join(known)}")
        if self.version is not None and self.version not in X12_VERSIONS:
            raise ValueError(
                f"version {self.version!r} is none of {', '.join(sorted(X12_VERSIONS))}"
            )
        return self

    @property
    def label(self) -> str:
        return f"{self.document} {self.version}" if self.version else self.document


class Certification(StrictData):
    documents: tuple[CertificationItem, ...] = ()
    """Each must be passed by an accepted document received in ``testing`` before going live."""
