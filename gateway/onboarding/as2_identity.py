"""Our AS2 identity for one partner: a key pair made at onboarding, and what the sheet says of it.

``gateway partners new`` (and ``POST /ops/partners``) with an AS2 template makes, for each of
``transports.as2.our_keys`` whose files do not exist yet, an RSA-3072 key and a self-signed
certificate (SHA-256, ``VALID_DAYS``): the common practice for AS2, where the partner pins the
certificate itself rather than trusting a CA. ``make`` does it in memory (``onboarding.prepare``
checks before anything is written); ``write`` puts the files in place, the key as PKCS#8
encrypted with ``GATEWAY_AS2_KEY_SECRET`` (mode 0600), as ``transports.as2.certificates`` loads
it; ``remove`` takes them away again when the rest of the onboarding does not commit.

Core code: it reads and writes certificate files with ``cryptography`` and never imports a
transport (``transports.as2`` loads the same files).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 3072
VALID_DAYS = 730
"""Two years: long enough not to roll over during onboarding, short enough that a rollover
(a second entry in ``our_keys``) is practised; ``gateway certs expiring`` warns ahead."""


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    """What the onboarding sheet tells the partner about one certificate of ours."""

    path: Path
    subject: str
    sha256: str
    """Colon-separated upper-case hex, as most AS2 products show it."""
    not_before: datetime
    not_after: datetime
    pem: str


@dataclass(frozen=True, slots=True)
class NewIdentity:
    """A key pair made in memory, not yet written."""

    certificate_path: Path
    key_path: Path
    certificate_pem: bytes
    key_pem: bytes
    """PKCS#8, encrypted with the key secret."""


def summarize(path: Path, data: bytes | None = None) -> CertificateSummary:
    """The sheet's view of the certificate at ``path`` (``data``: its bytes, when known)."""
    raw = path.read_bytes() if data is None else data
    certificate = (
        x509.load_pem_x509_certificate(raw)
        if b"-----BEGIN" in raw
        else x509.load_der_x509_certificate(raw)
    )
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return CertificateSummary(
        path=path,
        subject=certificate.subject.rfc4514_string(),
        sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


def make(
    certificate_path: Path,
    key_path: Path,
    *,
    our_as2_id: str,
    partner_id: str,
    secret: str,
    now: datetime | None = None,
    days: int = VALID_DAYS,
) -> NewIdentity:
    """An RSA-3072 key and its self-signed certificate, CN our AS2 id, OU the partner (so that a
    certificate read out of context says whom it was made for)."""
    if not secret:
        raise ValueError("GATEWAY_AS2_KEY_SECRET is not set: our AS2 keys are kept encrypted")
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)  # clocks differ a little
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, our_as2_id[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"AS2 for {partner_id}"[:64]),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return NewIdentity(
        certificate_path=certificate_path,
        key_path=key_path,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret.encode()),
        ),
    )


def write(identity: NewIdentity) -> list[Path]:
    """Create both files (never over an existing one: ``FileExistsError``), the key 0600; returns
    what was created, folders included, for ``remove``."""
    created: list[Path] = []
    try:
        for folder in {identity.certificate_path.parent, identity.key_path.parent}:
            missing = [p for p in (folder, *folder.parents) if not p.exists()]
            folder.mkdir(parents=True, exist_ok=True)
            created += sorted(missing, key=lambda p: len(p.parts))
        for path, data, mode in (
            (identity.key_path, identity.key_pem, 0o600),
            (identity.certificate_path, identity.certificate_pem, 0o644),
        ):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            created.append(path)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
    except BaseException:
        remove(created)
        raise
    return created


def remove(created: list[Path]) -> None:
    """Undo ``write``: the files, then the folders it made (if they are empty)."""
    for path in reversed(created):
        with contextlib.suppress(OSError):  # a folder someone else put a file in stays
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
