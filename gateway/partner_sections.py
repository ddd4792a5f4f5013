"""Two sections of a partner profile (``gateway.partners``): how the partner reaches us
(``transports``) and what it must send before it goes live (``certification``).

AS2 and SFTP were validated here before their transports existed, so the onboarding templates
for them were complete profiles early; a mode not built yet (SFTP ``remote``) still refuses
``enabled: true``, as a setting the gateway could not honour.
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.x12.validate import SUPPORTED_SETS

EVENT_TYPES = frozenset({"po_acknowledgment", "ship_notice", "invoice", "functional_ack"})
"""The canonical event types (``gateway.canonical``; a test keeps the two in step): a JSON
partner's certification names these, an X12 partner's the transaction sets."""
X12_VERSIONS = frozenset({"003060", "004010", "004030", "004060", "005010"})
"""GS08 versions the validator reads (``x12/set_tables``); a checklist item may name one."""
_URL = r"^https?://[^\s/]+\S*$"
_NOT_BUILT = "the {name} transport is not built yet: keep transports.{key}.enabled false"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(_Strict):
    enabled: bool = True


class As2Settings(_Strict):
    """AS2 (RFC 4130): who they are (AS2-From), whom they address, where MDNs go."""

    enabled: bool = False
    as2_id: str = Field(min_length=1, max_length=128, pattern=r"^[!-~]+$")
    """Their AS2 name: the AS2-From of what they send, the AS2-To of what we send them."""
    our_as2_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[!-~]+$")
    """The AS2-To they must address; unset, the gateway's own."""
    url: str = Field(pattern=_URL)
    """Their AS2 endpoint: asynchronous MDNs and, later, our documents go there."""
    mdn: Literal["sync", "async"] = "sync"
    signing: Literal["sha256", "sha384", "sha512"] = "sha256"
    encryption: Literal["aes128", "aes192", "aes256"] = "aes256"
    certificate: str | None = None
    """Their certificate (PEM file, relative to the partners folder)."""

    @model_validator(mode="after")
    def _not_yet(self) -> As2Settings:
        if self.enabled:
            raise ValueError(_NOT_BUILT.format(name="AS2", key="as2"))
        return self


SFTP_KEY = r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [ -~]*)?$"
"""One OpenSSH public key line (``ssh-keygen`` writes them): type, base64 blob, comment."""
SFTP_PASSWORD_HASH = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$"
"""``scrypt$N$r$p$salt$hash`` (base64): what ``gateway sftp hash-password`` prints."""


class SftpSettings(_Strict):
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
    poll_interval_s: int = Field(300, ge=30, le=86400)
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
            if set_here := sorted(remote_only & self.model_fields_set):
                raise ValueError(
                    f"mode hosted runs on our server (inbound/, outbound/, archive/): "
                    f"no {', '.join(set_here)}"
                )
            if self.enabled and not (self.authorized_keys or self.password_hash):
                raise ValueError("mode hosted needs authorized_keys or a password_hash")
        if self.enabled and self.mode == "remote":
            raise ValueError(_NOT_BUILT.format(name="SFTP remote", key="sftp"))
        return self


class Transports(_Strict):
    http: HttpSettings = HttpSettings()
    as2: As2Settings | None = None
    sftp: SftpSettings | None = None
    outbound: str = Field("http", pattern=r"^[a-z][a-z0-9-]{0,19}$")
    """The transport our documents (997/999/TA1, 850s) go out over, by its name in
    ``transports.TRANSPORTS``: ``http`` (default) holds them for the partner to fetch
    (``GET /v1/outbox``); a push transport (``as2``, ``sftp``) sends them from the workers."""


class CertificationItem(_Strict):
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


class Certification(_Strict):
    documents: tuple[CertificationItem, ...] = ()
    """Each must be passed by an accepted document received in ``testing`` before going live."""
