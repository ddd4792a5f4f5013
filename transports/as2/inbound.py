"""Opening an AS2 message: decrypt, verify, decompress, in whatever order the sender nested them.

The outer entity is the HTTP request (its headers are the MIME headers; ``binary`` or ``base64``
transfer encoding). Each layer is peeled until a payload remains:

* ``application/pkcs7-mime`` or ``application/x-pkcs7-mime``: enveloped-data or
  authenticated-enveloped-data (decrypt), compressed-data (inflate under the partner's limit) or
  signed-data (opaque signature); the layer is told by the CMS content type, not only by the
  ``smime-type`` parameter, which some senders leave out;
* ``multipart/signed``: the first part, byte for byte, is what the signature covers.

The MIC (RFC 4130 section 7.3.1) is over the signed entity (headers and content) when signed,
else over the decrypted entity when encrypted, else over the content alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from transports.as2 import cms
from transports.as2.directory import AS2Partner
from transports.as2.mdn import Mic
from transports.as2.mime import ContentType, Entity, MimeError, parse_entity, split_multipart

PKCS7_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")
MAX_LAYERS = 6


class InsufficientSecurity(cms.CmsError):
    code = "as2.insufficient_security"
    disposition = "insufficient-message-security"


@dataclass(frozen=True, slots=True)
class Opened:
    content: bytes
    """The payload exactly as the sender wrapped it (transfer encoding undone, nothing else)."""
    content_type: str
    filename: str | None
    signed: bool
    encrypted: bool
    compressed: bool
    signature_digest: str | None
    mic_data: bytes
    """What the MIC is computed over (module docstring)."""

    def mic(self, algorithm: str) -> Mic:
        return Mic.over(self.mic_data, algorithm)


def open_message(entity: Entity, partner: AS2Partner) -> Opened:
    """Raises ``cms.CmsError`` (its ``disposition`` says which) or ``MimeError``."""
    settings = partner.settings
    signed = encrypted = compressed = False
    signed_bytes: bytes | None = None
    decrypted: bytes | None = None
    digest: str | None = None
    data = entity.decoded_body()
    for _ in range(MAX_LAYERS):
        kind = entity.content_type.type
        if kind in PKCS7_MIME:
            layer = _layer(data, entity.content_type.param("smime-type"))
            if layer in ("enveloped_data", "authenticated_enveloped_data"):
                inner = cms.decrypt(data, partner.keys, allow_3des=settings.allow_3des)
                encrypted, decrypted = True, inner
            elif layer == "compressed_data":
                inner = cms.decompress(data, settings.max_decompressed_bytes)
                compressed = True
            elif layer == "signed_data":
                verified = cms.verify(
                    data, None, partner.certificates, allow_sha1=settings.allow_sha1
                )
                inner, signed, digest = verified.content, True, verified.digest
                signed_bytes = inner
            else:
                raise MimeError(f"unexpected CMS content {layer}")
        elif kind == "multipart/signed":
            parts = split_multipart(data, entity.content_type.param("boundary") or "")
            if len(parts) != 2:
                raise cms.IntegrityCheckFailed(f"multipart/signed with {len(parts)} parts")
            signature = parse_entity(parts[1]).decoded_body()
            verified = cms.verify(
                signature, parts[0], partner.certificates, allow_sha1=settings.allow_sha1
            )
            inner, signed, digest = parts[0], True, verified.digest
            signed_bytes = inner
        else:
            break
        entity = parse_entity(inner)
        data = entity.decoded_body()
    else:
        raise MimeError(f"more than {MAX_LAYERS} nested layers")
    if settings.require_encrypted and not encrypted:
        raise InsufficientSecurity("this partner's messages must be encrypted")
    if settings.require_signed and not signed:
        raise InsufficientSecurity("this partner's messages must be signed")
    mic_data = signed_bytes if signed_bytes is not None else decrypted
    return Opened(
        content=data,
        content_type=entity.header("content-type") or "application/octet-stream",
        filename=_filename(entity),
        signed=signed,
        encrypted=encrypted,
        compressed=compressed,
        signature_digest=digest,
        mic_data=mic_data if mic_data is not None else data,
    )


_UNREADABLE: dict[str, type[cms.CmsError]] = {
    "enveloped-data": cms.DecryptionFailed,
    "authenticated-enveloped-data": cms.DecryptionFailed,
    "signed-data": cms.IntegrityCheckFailed,
}


def _layer(data: bytes, smime_type: str | None) -> str:
    """The CMS content type; unreadable (say truncated), the error its ``smime-type`` means."""
    try:
        return cms.content_type_of(data)
    except cms.CmsError as exc:
        error = _UNREADABLE.get((smime_type or "").lower(), cms.CmsError)
        raise error(exc.message) from exc


def _filename(entity: Entity) -> str | None:
    disposition = entity.header("content-disposition")
    if not disposition:
        return None
    return ContentType.parse(disposition).param("filename")
