"""MDNs (RFC 8098, AS2 use in RFC 4130 section 7): what the sender asked for, building ours,
reading theirs.

An MDN is a ``multipart/report`` (a line of text and a ``message/disposition-notification``),
signed as ``multipart/signed`` when the sender asked for a signed receipt. The MIC is written
``sha-256`` (RFC 5751's micalg names); ``sha256`` from peers is read as the same thing.
"""

from __future__ import annotations

import base64
import secrets
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from cryptography import x509

from transports.as2 import cms
from transports.as2.mime import (
    ContentType,
    Entity,
    MimeError,
    base64_lines,
    build_entity,
    build_multipart,
    entity_from,
    parse_entity,
    parse_headers,
    split_multipart,
)

REPORTING_UA = "supplier-gateway AS2"
ERRORS = (
    "authentication-failed",
    "decryption-failed",
    "integrity-check-failed",
    "unknown-trading-partner",
    "insufficient-message-security",
    "decompression-failed",
    "unexpected-processing-error",
)


def mic_name(label: str) -> str | None:
    """``sha-256``, ``sha256``, ``SHA256`` -> ``sha256``; ``None`` for what we do not compute."""
    name = label.strip().lower().replace("-", "")
    return name if name in cms.DIGESTS else None


def mic_label(name: str) -> str:
    """``sha256`` -> ``sha-256`` (how we write it)."""
    return name.replace("sha", "sha-", 1)


@dataclass(frozen=True, slots=True)
class MdnRequest:
    """What the sender's headers ask for."""

    wanted: bool
    signed: bool
    mic_algorithms: tuple[str, ...]
    """In the sender's order, the ones we can compute."""
    async_url: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> MdnRequest:
        wanted = bool(headers.get("disposition-notification-to"))
        options = headers.get("disposition-notification-options") or ""
        signed, algorithms = False, []
        for option in options.split(";"):
            name, _, values = option.partition("=")
            items = [v.strip() for v in values.split(",")]
            if name.strip().lower() == "signed-receipt-protocol":
                signed = any(v.lower() == "pkcs7-signature" for v in items[1:])
            elif name.strip().lower() == "signed-receipt-micalg":
                algorithms = [n for v in items[1:] if (n := mic_name(v))]
        url = (headers.get("receipt-delivery-option") or "").strip() or None
        return cls(wanted, signed, tuple(algorithms), url)

    def mic_algorithm(self, signature_digest: str | None) -> str:
        """The first requested algorithm we compute; else the signature's; else SHA-256."""
        if self.mic_algorithms:
            return self.mic_algorithms[0]
        return signature_digest or "sha256"


@dataclass(frozen=True, slots=True)
class Mic:
    digest: bytes
    algorithm: str

    @classmethod
    def over(cls, data: bytes, algorithm: str) -> Mic:
        return cls(cms.digest_of(algorithm, data), algorithm)

    def __str__(self) -> str:
        return f"{base64.b64encode(self.digest).decode()}, {mic_label(self.algorithm)}"


@dataclass(frozen=True, slots=True)
class Mdn:
    """An MDN ready to send: HTTP headers (the top-level MIME headers among them) and body."""

    headers: dict[str, str]
    body: bytes
    message_id: str


def new_message_id(domain: str = "") -> str:
    return f"<{datetime.now(UTC):%Y%m%d%H%M%S}.{secrets.token_hex(8)}@{domain or _host()}>"


def _host() -> str:
    return (socket.gethostname() or "gateway").split(".")[0] or "gateway"


def build_mdn(
    *,
    original_message_id: str,
    our_id: str,
    their_id: str,
    mic: Mic | None,
    error: str | None,
    text: str,
    signer: cms.KeyPair | None,
    digest: str = "sha256",
) -> Mdn:
    """A positive MDN (``error`` None) or ``processed/error: <error>``; signed when ``signer``."""
    disposition = "automatic-action/MDN-sent-automatically; processed"
    if error is not None:
        disposition += f"/error: {error}"
    fields = [
        ("Reporting-UA", REPORTING_UA),
        ("Original-Recipient", f"rfc822; {our_id}"),
        ("Final-Recipient", f"rfc822; {our_id}"),
        ("Original-Message-ID", original_message_id),
    ]
    if mic is not None:
        fields.append(("Received-content-MIC", str(mic)))
    fields.append(("Disposition", disposition))
    boundary = "report-" + secrets.token_hex(12)
    report = build_multipart(
        [
            build_entity(
                [("Content-Type", "text/plain"), ("Content-Transfer-Encoding", "7bit")],
                text.encode("ascii", "replace") + b"\r\n",
            ),
            build_entity(
                [
                    ("Content-Type", "message/disposition-notification"),
                    ("Content-Transfer-Encoding", "7bit"),
                ],
                build_entity(fields, b"")[:-2],
            ),
        ],
        boundary,
    )
    report_type = f'multipart/report; report-type=disposition-notification; boundary="{boundary}"'
    message_id = new_message_id()
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": _quoted(our_id),
        "AS2-To": _quoted(their_id),
        "Message-ID": message_id,
        "Date": format_datetime(datetime.now(UTC)),
        "Subject": "Message Disposition Notification",
        "MIME-Version": "1.0",
    }
    if signer is None:
        return Mdn({**headers, "Content-Type": report_type}, report, message_id)
    signed_part = build_entity([("Content-Type", report_type)], report)
    signature = cms.sign(signed_part, signer, digest=digest, detached=True)
    outer = "signed-" + secrets.token_hex(12)
    body = build_multipart(
        [
            signed_part,
            build_entity(
                [
                    ("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
                    ("Content-Transfer-Encoding", "base64"),
                    ("Content-Disposition", 'attachment; filename="smime.p7s"'),
                ],
                base64_lines(signature),
            ),
        ],
        outer,
    )
    content_type = (
        f'multipart/signed; protocol="application/pkcs7-signature"; '
        f'micalg={mic_label(digest)}; boundary="{outer}"'
    )
    return Mdn({**headers, "Content-Type": content_type}, body, message_id)


def _quoted(as2_id: str) -> str:
    return f'"{as2_id}"' if " " in as2_id else as2_id


def unquote_id(value: str | None) -> str:
    value = (value or "").strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


# --- reading an MDN ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivedMdn:
    original_message_id: str | None
    disposition: str
    error: str | None
    """The modifier after ``processed/error:`` (or ``failed/...``), ``None`` when processed
    (``processed/warning: duplicate-document`` included: the partner has it)."""
    mic: Mic | None
    signed: bool
    text: str

    @property
    def processed(self) -> bool:
        return self.error is None and "processed" in self.disposition.lower()


def is_mdn(content_type: ContentType, body: bytes) -> bool:
    """An MDN (sync answer or async post) rather than a message: a ``multipart/report``, bare or
    as the first part of a ``multipart/signed``."""
    if content_type.type == "multipart/report":
        return True
    if content_type.type != "multipart/signed":
        return False
    try:
        first = split_multipart(body, content_type.param("boundary") or "")[0]
        return parse_entity(first).content_type.type == "multipart/report"
    except (MimeError, IndexError):
        return False


def read_mdn(
    headers: Sequence[tuple[str, str]],
    body: bytes,
    certificates: Sequence[x509.Certificate],
    *,
    require_signed: bool,
    allow_sha1: bool = False,
) -> ReceivedMdn:
    """Parse an MDN; a signed one must verify against ``certificates`` (``cms`` errors)."""
    entity = entity_from(headers, body)
    signed = entity.content_type.type == "multipart/signed"
    if signed:
        parts = split_multipart(entity.decoded_body(), entity.content_type.param("boundary") or "")
        if len(parts) != 2:
            raise MimeError("a signed MDN has two parts")
        signature = parse_entity(parts[1]).decoded_body()
        cms.verify(signature, parts[0], certificates, allow_sha1=allow_sha1)
        entity = parse_entity(parts[0])
    elif require_signed:
        raise cms.AuthenticationFailed("we asked for a signed MDN and got an unsigned one")
    return _report(entity, signed)


def _report(entity: Entity, signed: bool) -> ReceivedMdn:
    if entity.content_type.type != "multipart/report":
        raise MimeError(f"an MDN is a multipart/report, not {entity.content_type.type}")
    text, fields = "", {}
    for part in split_multipart(entity.body, entity.content_type.param("boundary") or ""):
        sub = parse_entity(part)
        if sub.content_type.type == "message/disposition-notification":
            block = sub.decoded_body().strip(b"\r\n")
            fields = {k.lower(): v for k, v in parse_headers(block)}
        elif sub.content_type.type == "text/plain":
            text = sub.decoded_body().decode("utf-8", "replace").strip()
    disposition = fields.get("disposition", "")
    if not disposition:
        raise MimeError("the MDN has no Disposition")
    _, _, status = disposition.partition(";")
    error = None
    kind, _, modifier = status.strip().partition(":")
    kind = kind.strip().lower()
    if kind != "processed" and kind != "processed/warning":  # a warning is still processed
        error = modifier.strip() or kind
    return ReceivedMdn(
        original_message_id=fields.get("original-message-id"),
        disposition=disposition,
        error=error,
        mic=_mic(fields.get("received-content-mic")),
        signed=signed,
        text=text,
    )


def _mic(value: str | None) -> Mic | None:
    if not value:
        return None
    digest, _, label = value.partition(",")
    name = mic_name(label)
    try:
        return Mic(base64.b64decode(digest.strip()), name) if name else None
    except ValueError:
        return None
