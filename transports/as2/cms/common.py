"""What the CMS modules share: the errors (each naming its AS2 disposition), the algorithms we
accept, our key pairs, and reading a ContentInfo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.errors import DocumentError


class CmsError(DocumentError):
    """A CMS structure that cannot be opened or trusted; ``disposition`` is the AS2 error."""

    code = "as2.cms"
    disposition = "unexpected-processing-error"


class DecryptionFailed(CmsError):
    code = "as2.decryption_failed"
    disposition = "decryption-failed"


class IntegrityCheckFailed(CmsError):
    code = "as2.integrity_check_failed"
    disposition = "integrity-check-failed"


class AuthenticationFailed(CmsError):
    code = "as2.authentication_failed"
    disposition = "authentication-failed"


class TooLarge(CmsError):
    code = "as2.decompressed_too_large"
    disposition = "decompression-failed"


DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
CIPHERS = {  # our name -> (asn1crypto name, key bytes)
    "aes128-cbc": ("aes128_cbc", 16),
    "aes192-cbc": ("aes192_cbc", 24),
    "aes256-cbc": ("aes256_cbc", 32),
    "aes128-gcm": ("aes128_gcm", 16),
    "aes192-gcm": ("aes192_gcm", 24),
    "aes256-gcm": ("aes256_gcm", 32),
    "3des": ("tripledes_3key", 24),
}
KEY_TRANSPORTS = ("rsa-v1.5", "rsa-oaep")


class GCMParameters(core.Sequence):  # type: ignore[misc]
    """RFC 5084: the nonce and the tag length of AES-GCM."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


@dataclass(frozen=True, slots=True)
class KeyPair:
    """One of our certificates and its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class Verified:
    content: bytes
    """The signed content (for a detached signature, what the caller passed)."""
    digest: str
    """The signer's digest algorithm (``sha256``)."""
    signer: x509.Certificate


def content_type_of(der: bytes) -> str:
    """``signed_data``, ``enveloped_data``, ``authenticated_enveloped_data``, ``compressed_data``."""
    try:
        info = cms.ContentInfo.load(der)
        return str(info["content_type"].native)
    except (ValueError, TypeError) as exc:
        raise CmsError(f"not a CMS structure: {exc}") from exc


def load(der: bytes, expected: tuple[str, ...], error: type[CmsError]) -> Any:
    """The content of a ContentInfo of one of the ``expected`` types. asn1crypto parses inner
    fields when they are read: callers read them within ``reading``."""
    try:
        info = cms.ContentInfo.load(der)
        kind = info["content_type"].native
        if kind not in expected:
            raise error(f"expected CMS {' or '.join(expected)}, got {kind}")
        return info["content"]
    except CmsError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise error(f"unreadable CMS {expected[0]}: {exc}") from exc


@contextmanager
def reading(error: type[CmsError], what: str) -> Iterator[None]:
    """A structure that breaks while its fields are read (truncated, lengths tampered with) is
    ``error``, never an unexpected exception."""
    try:
        yield
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise error(f"unreadable CMS {what}: {exc}") from exc


@lru_cache(maxsize=256)
def asn1_cert(certificate: x509.Certificate) -> asn1_x509.Certificate:
    """Parsed once per certificate (every message names its signer and recipient)."""
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def identifies(identifier: Any, certificate: x509.Certificate) -> bool:
    """A SignerIdentifier or RecipientIdentifier names this certificate. The issuer is compared
    byte for byte first (senders copy it from the certificate), by asn1crypto's name rules
    (case, spaces) only when the bytes differ: those rules cost milliseconds per message."""
    cert = asn1_cert(certificate)
    if identifier.name == "issuer_and_serial_number":
        chosen = identifier.chosen
        if chosen["serial_number"].native != cert.serial_number:
            return False
        return bool(
            chosen["issuer"].dump() == cert.issuer.dump() or chosen["issuer"] == cert.issuer
        )
    return bool(identifier.chosen.native == cert.key_identifier)


def digest_of(name: str, data: bytes) -> bytes:
    h = hashes.Hash(DIGESTS[name]())
    h.update(data)
    return h.finalize()


def now() -> datetime:
    return datetime.now(UTC)
