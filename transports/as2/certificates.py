"""Certificates and our key pairs, per partner, with their validity windows.

A partner may list several certificates (a rollover): a signature from any of them verifies while
it is within its validity window, and we encrypt to the newest valid one. Our own key pairs are
listed the same way: we decrypt with whichever one a message is addressed to and sign with the
newest valid one.

Our private keys are kept encrypted at rest (PKCS#8, ``BestAvailableEncryption``: AES-256 with a
scrypt or PBKDF2 key) under ``GATEWAY_AS2_KEY_SECRET``; an unencrypted key file is refused, so a
key copied off the machine is no use without the secret. ``encrypt_key_file`` writes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.errors import ConfigurationError
from transports.as2.cms import KeyPair


@dataclass(frozen=True)
class CertificateInfo:
    """What ``gateway certs list`` shows of one certificate."""

    partner_id: str
    role: str
    """``partner`` (theirs: verify, encrypt to) or ``ours`` (sign, decrypt)."""
    path: str
    subject: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str
    use_from: str | None = None
    """The profile's ``use_from`` for it (a rollover not switched to yet), as written."""
    use_until: str | None = None

    def expires_within(self, days: int, now: datetime | None = None) -> bool:
        return self.not_after <= (now or datetime.now(UTC)) + timedelta(days=days)


def valid_at(certificate: x509.Certificate, when: datetime) -> bool:
    return certificate.not_valid_before_utc <= when <= certificate.not_valid_after_utc


def newest_valid(
    certificates: Sequence[x509.Certificate], when: datetime | None = None
) -> x509.Certificate | None:
    """The valid certificate that became valid last (during a rollover: the new one)."""
    now = when or datetime.now(UTC)
    valid = [c for c in certificates if valid_at(c, now)]
    return max(valid, key=lambda c: c.not_valid_before_utc, default=None)


@lru_cache(maxsize=256)
def _read_certificate(path: Path, mtime: float) -> x509.Certificate:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_certificate(path: Path) -> x509.Certificate:
    try:
        return _read_certificate(path, path.stat().st_mtime)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"AS2 certificate {path}: {exc}") from exc


@lru_cache(maxsize=64)
def _read_key(path: Path, mtime: float, secret: bytes) -> rsa.RSAPrivateKey:
    data = path.read_bytes()
    if b"ENCRYPTED" not in data:
        raise ValueError("the private key is not encrypted at rest (see encrypt_key_file)")
    key = serialization.load_pem_private_key(data, password=secret)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("only RSA keys are supported")
    return key


def load_key_pair(certificate: Path, key: Path, secret: str) -> KeyPair:
    if not secret:
        raise ConfigurationError(
            f"AS2 key {key}: set GATEWAY_AS2_KEY_SECRET, the secret our keys are encrypted with",
            code="config.as2.secret_missing",
        )
    try:
        private_key = _read_key(key, key.stat().st_mtime, secret.encode())
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"AS2 key {key}: {exc}", code="config.as2.key") from exc
    loaded = load_certificate(certificate)
    if loaded.public_key() != private_key.public_key():
        raise ConfigurationError(
            f"AS2 key {key} does not belong to certificate {certificate}", code="config.as2.key"
        )
    return KeyPair(loaded, private_key)


def encrypt_key_file(source: Path, target: Path, secret: str, source_password: str = "") -> None:
    """Write ``source`` (PEM, encrypted with ``source_password`` or not) to ``target``,
    encrypted with ``secret`` (mode 0600)."""
    key = serialization.load_pem_private_key(
        source.read_bytes(), password=source_password.encode() or None
    )
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret.encode()),
    )
    target.write_bytes(data)
    target.chmod(0o600)


def describe(partner_id: str, role: str, path: Path) -> CertificateInfo:
    certificate = load_certificate(path)
    return CertificateInfo(
        partner_id=partner_id,
        role=role,
        path=str(path),
        subject=certificate.subject.rfc4514_string(),
        serial=f"{certificate.serial_number:x}",
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha256=certificate.fingerprint(hashes.SHA256()).hex(),
    )


def _as2_sections(partners_dir: Path) -> tuple[list[tuple[str, str, dict[str, Any]]], list[str]]:
    """(file name, partner id, ``transports.as2`` as data) of every profile with one, and the
    files that cannot be read. Read as data: a profile invalid for other reasons still has its
    certificates listed (``check-config`` reports the rest)."""
    import yaml

    found: list[tuple[str, str, dict[str, Any]]] = []
    problems: list[str] = []
    for path in sorted(partners_dir.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        transports = data.get("transports") if isinstance(data, dict) else None
        as2 = transports.get("as2") if isinstance(transports, dict) else None
        if isinstance(as2, dict):
            found.append((path.name, str(data.get("id", path.stem)), as2))
    return found, problems


def _path(entry: Any) -> Any:
    """A certificate entry's path: a plain path, or ``{path, use_from, use_until}``."""
    return entry.get("path") if isinstance(entry, dict) else entry


def _named(as2: dict[str, Any]) -> list[tuple[str, Any, dict[str, str]]]:
    """(role, path, its use window as written) of every certificate in a ``transports.as2``."""
    entries = [("partner", c, _path(c)) for c in as2.get("certificates") or []]
    if as2.get("certificate"):  # the first template's one-certificate form
        entries.append(("partner", as2["certificate"], as2["certificate"]))
    keys = as2.get("our_keys") or []
    entries += [("ours", k, k.get("certificate") if isinstance(k, dict) else None) for k in keys]
    return [
        (
            role,
            path,
            {w: str(e[w]) for w in ("use_from", "use_until") if isinstance(e, dict) and e.get(w)},
        )
        for role, e, path in entries
    ]


def inventory(partners_dir: Path) -> tuple[list[CertificateInfo], list[str]]:
    """Every certificate the AS2 profiles in ``partners_dir`` name (theirs and ours), soonest
    expiry first, and the problems (a file that cannot be read) without stopping."""
    found: list[CertificateInfo] = []
    sections, problems = _as2_sections(partners_dir)
    for name, partner_id, as2 in sections:
        for role, relative, window in _named(as2):
            try:
                info = describe(partner_id, role, partners_dir / relative)
                found.append(
                    replace(
                        info, use_from=window.get("use_from"), use_until=window.get("use_until")
                    )
                )
            except (ConfigurationError, TypeError) as exc:
                problems.append(f"{name}: {exc}")
    found.sort(key=lambda c: (c.not_after, c.partner_id))
    return found, problems


def check_files(partners_dir: Path, secret: str) -> list[str]:
    """``check-config``: for every enabled ``transports.as2``, each certificate readable, each of
    our key pairs readable, encrypted at rest and matching its certificate (with ``secret``; the
    keys are only checked to exist and be encrypted without it), and at least one certificate
    of theirs and one of ours valid today."""
    sections, problems = _as2_sections(partners_dir)
    now = datetime.now(UTC)
    for name, _, as2 in sections:
        if as2.get("enabled") is not True:
            continue
        theirs: list[x509.Certificate] = []
        for entry in as2.get("certificates") or []:
            try:
                theirs.append(load_certificate(partners_dir / str(_path(entry))))
            except ConfigurationError as exc:
                problems.append(f"{name}: transports.as2.certificates: {exc.message}")
        ours: list[x509.Certificate] = []
        for pair in as2.get("our_keys") or []:
            if not isinstance(pair, dict):
                continue  # the profile's own validation reports it
            crt, key = (
                partners_dir / str(pair.get("certificate")),
                partners_dir / str(pair.get("key")),
            )
            try:
                if secret:
                    ours.append(load_key_pair(crt, key, secret).certificate)
                else:
                    ours.append(load_certificate(crt))
                    if b"ENCRYPTED" not in key.read_bytes():
                        problems.append(f"{name}: AS2 key {key}: not encrypted at rest")
            except (ConfigurationError, OSError) as exc:
                message = exc.message if isinstance(exc, ConfigurationError) else str(exc)
                problems.append(f"{name}: transports.as2.our_keys: {message}")
        if theirs and not any(valid_at(c, now) for c in theirs):
            problems.append(f"{name}: transports.as2.certificates: none is valid today")
        if ours and not any(valid_at(c, now) for c in ours):
            problems.append(f"{name}: transports.as2.our_keys: none is valid today")
    return problems
