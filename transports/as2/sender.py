"""Sending one document to a partner over AS2, as its profile says.

Layers, innermost first: the payload entity; compressed (``compress``); signed as
``multipart/signed`` (``sign``: the digest); encrypted (``encrypt``: the cipher, with
``key_transport``). The Message-ID is derived from the outbound id, so a re-send of the same
document carries the same Message-ID and the partner can tell it is a duplicate.

The MDN: ``sync`` is read from the answer, its signature checked against the partner's
certificates and its MIC against ours; ``async`` is awaited at ``async_mdn_url`` (the transport's
``mdn_received``). Failures say what to do next: ``RetriableDeliveryError`` (no answer, 429, 5xx),
``FatalDeliveryError`` (another answer, a negative MDN, a MIC or signature that does not match).
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.http_client import HttpFailure, PostClient, UrlError
from transports.as2 import cms
from transports.as2.directory import AS2Partner
from transports.as2.mdn import Mic, ReceivedMdn, mic_label, read_mdn
from transports.as2.mime import base64_lines, build_entity, build_multipart

MDN_LIMIT = 1024 * 1024
Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Packed:
    """An AS2 message ready to post."""

    message_id: str
    headers: dict[str, str]
    body: bytes
    mic: Mic


def message_id_for(outbound_id: str, our_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", our_id)
    return f"<{outbound_id}@{safe}.as2>"


def outbound_id_in(message_id: str) -> str:
    """The outbound id ``message_id_for`` put in ``message_id`` (an MDN's Original-Message-ID)."""
    return message_id.strip().strip("<>").split("@", 1)[0]


def pack(
    partner: AS2Partner,
    payload: bytes,
    content_type: str,
    *,
    message_id: str,
    filename: str,
) -> Packed:
    s = partner.settings
    headers: Headers = [
        ("Content-Type", content_type),
        ("Content-Transfer-Encoding", "binary"),
        ("Content-Disposition", f'attachment; filename="{filename}"'),
    ]
    body, mic_data = payload, payload
    if s.compress:
        compressed = cms.compress(build_entity(headers, body))
        headers = [
            (
                "Content-Type",
                'application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"',
            ),
            ("Content-Transfer-Encoding", "binary"),
            ("Content-Disposition", 'attachment; filename="smime.p7z"'),
        ]
        body = compressed
    digest = s.sign or "sha256"
    if s.sign:
        signed_part = build_entity(headers, body)
        mic_data = signed_part
        signature = cms.sign(signed_part, partner.signer(), digest=s.sign)
        boundary = "as2-" + secrets.token_hex(12)
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
            boundary,
        )
        headers = [
            (
                "Content-Type",
                f'multipart/signed; protocol="application/pkcs7-signature"; '
                f'micalg={mic_label(s.sign)}; boundary="{boundary}"',
            )
        ]
    if s.encrypt:
        inner = build_entity(headers, body)
        if not s.sign:
            mic_data = inner
        body = cms.encrypt(
            inner,
            partner.encryption_certificate(),
            cipher=s.encrypt,
            key_transport=s.key_transport,
        )
        kind = "authenticated-enveloped-data" if s.encrypt.endswith("gcm") else "enveloped-data"
        headers = [
            ("Content-Type", f'application/pkcs7-mime; smime-type={kind}; name="smime.p7m"'),
            ("Content-Transfer-Encoding", "binary"),
            ("Content-Disposition", 'attachment; filename="smime.p7m"'),
        ]
    http_headers = {
        "AS2-Version": "1.2",
        "AS2-From": partner.our_id,
        "AS2-To": s.as2_id,
        "Message-ID": message_id,
        "Date": format_datetime(datetime.now(UTC)),
        "Subject": f"EDI from {partner.our_id}",
        "MIME-Version": "1.0",
        "EDIINT-Features": "AS2-Reliability",
        **dict(headers),
    }
    if s.mdn != "none":
        http_headers["Disposition-Notification-To"] = s.async_mdn_url or "edi@gateway.invalid"
        if s.mdn_signed:
            http_headers["Disposition-Notification-Options"] = (
                "signed-receipt-protocol=optional, pkcs7-signature; "
                f"signed-receipt-micalg=optional, {mic_label(digest)}"
            )
    if s.mdn == "async" and s.async_mdn_url:
        http_headers["Receipt-Delivery-Option"] = s.async_mdn_url
    return Packed(message_id, http_headers, body, Mic.over(mic_data, digest))


def post(partner: AS2Partner, packed: Packed) -> ReceivedMdn | None:
    """POST it; the sync MDN read and checked, ``None`` when none was asked for now."""
    s = partner.settings
    if not s.url:
        raise FatalDeliveryError(f"partner {partner.partner_id}: no as2.url to send to")
    try:
        client = PostClient(s.url, timeout=s.timeout_s)
    except (UrlError, OSError) as exc:
        raise FatalDeliveryError(f"as2.url {s.url!r}: {exc}") from exc
    try:
        answer = client.post(packed.body, packed.headers, limit=MDN_LIMIT)
    except HttpFailure as exc:
        error = RetriableDeliveryError if exc.retriable else FatalDeliveryError
        raise error(f"AS2 to {s.url}: {exc}", kind=exc.kind) from exc
    finally:
        client.close()
    if answer.status == 429 or answer.status >= 500:
        raise RetriableDeliveryError(f"AS2 to {s.url}: HTTP {answer.status}")
    if answer.status >= 300:
        raise FatalDeliveryError(
            f"AS2 to {s.url}: HTTP {answer.status}: {answer.body[:200]!r}", status=answer.status
        )
    if s.mdn != "sync":
        return None
    try:
        mdn = read_mdn(
            list(answer.headers.items()),
            answer.body,
            partner.certificates,
            require_signed=s.mdn_signed,
            allow_sha1=s.allow_sha1,
        )
    except (cms.CmsError, ValueError) as exc:
        raise FatalDeliveryError(f"the MDN from {s.as2_id} is not acceptable: {exc}") from exc
    check_mdn(mdn, packed)
    return mdn


def check_mdn(mdn: ReceivedMdn, packed: Packed) -> None:
    if mdn.original_message_id and mdn.original_message_id.strip() != packed.message_id:
        raise FatalDeliveryError(
            f"the MDN answers {mdn.original_message_id}, not {packed.message_id}"
        )
    if not mdn.processed:
        raise FatalDeliveryError(f"the partner refused it: {mdn.disposition}", mdn=mdn.text)
    if mdn.mic is None and "/warning" in mdn.disposition.lower():
        return  # "processed/warning: duplicate-document": it had the first one (with its MIC)
    if not mic_matches(mdn.mic, packed.mic):
        raise FatalDeliveryError(f"the MDN's MIC ({mdn.mic}) is not ours ({packed.mic})")


def mic_matches(got: Mic | None, sent: Mic) -> bool:
    return (
        got is not None
        and got.algorithm == sent.algorithm
        and hmac.compare_digest(got.digest, sent.digest)
    )
