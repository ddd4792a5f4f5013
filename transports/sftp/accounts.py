"""Hosted accounts: which partner an SFTP user name is, and whether a key or password opens it.

Accounts come from the partner profiles (``transports.sftp``, ``mode: hosted``, ``enabled:
true``), read again when a profile file changes, so a new account, a revoked key or a
suspension holds from the next login without a restart. Passwords are kept as scrypt hashes
(``hash_password``: what ``gateway sftp hash-password`` prints); an unknown user costs the same
work as a known one, so timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from gateway.partner_sections import SftpSettings
from gateway.partners import default_partners_dir, read_partners

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)


@dataclass(frozen=True, slots=True)
class Account:
    partner_id: str
    settings: SftpSettings
    status: str
    """The profile's lifecycle status: ``draft`` and ``suspended`` accounts cannot log in."""

    @property
    def username(self) -> str:
        return self.settings.username

    def key_allowed(self, key_type: str, blob: bytes) -> bool:
        for line in self.settings.authorized_keys:  # readable: the profile checked them
            kind, encoded = line.split()[:2]
            if kind == key_type and hmac.compare_digest(base64.b64decode(encoded), blob):
                return True
        return False

    def password_allowed(self, password: str) -> bool:
        if self.settings.password_hash is None:
            verify_password(password, _DUMMY_HASH)
            return False
        return verify_password(password, self.settings.password_hash)


class Accounts:
    """User name -> ``Account``, from the profiles in ``partners_dir`` as they are now."""

    def __init__(self, partners_dir: Path | None) -> None:
        self.partners_dir = partners_dir or default_partners_dir()
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._by_user: dict[str, Account] = {}

    def find(self, username: str) -> Account | None:
        return self._current().get(username)

    def all(self) -> list[Account]:
        return sorted(self._current().values(), key=lambda a: a.partner_id)

    def _current(self) -> dict[str, Account]:
        signature = self._read_signature()
        with self._lock:
            if signature != self._signature:
                self._by_user = self._load()
                self._signature = signature
            return self._by_user

    def _read_signature(self) -> tuple[tuple[str, int, int], ...]:
        found = []
        for path in sorted(self.partners_dir.glob("*.yaml")):
            try:
                info = path.stat()
            except OSError:
                continue
            found.append((path.name, info.st_mtime_ns, info.st_size))
        return tuple(found)

    def _load(self) -> dict[str, Account]:
        """Valid profiles only (an invalid one is reported by ``gateway check-config`` and the
        live reload); two profiles claiming one user name open neither."""
        profiles, _problems = read_partners(self.partners_dir)
        by_user: dict[str, Account] = {}
        claimed: set[str] = set()
        for partner_id, profile in profiles.items():
            sftp = profile.transports.sftp
            if sftp is None or not sftp.enabled or sftp.mode != "hosted":
                continue
            if sftp.username in by_user or sftp.username in claimed:
                by_user.pop(sftp.username, None)
                claimed.add(sftp.username)
                continue
            by_user[sftp.username] = Account(partner_id, sftp, profile.status)
        return by_user


def username_clashes(partners_dir: Path) -> list[str]:
    """Hosted accounts two enabled profiles claim (``check-config``, the live reload): neither
    can log in until one is renamed."""
    profiles, _ = read_partners(partners_dir)
    owners: dict[str, list[str]] = {}
    for partner_id, profile in sorted(profiles.items()):
        sftp = profile.transports.sftp
        if sftp is not None and sftp.enabled and sftp.mode == "hosted":
            owners.setdefault(sftp.username, []).append(partner_id)
    return [
        f"{', '.join(f'{p}.yaml' for p in ids)}: transports.sftp.username {name!r} is claimed "
        "by each (neither logs in)"
        for name, ids in owners.items()
        if len(ids) > 1
    ]


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    encoded = [base64.b64encode(x).decode() for x in (salt, digest)]
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def new_password() -> str:
    """A password for a new account (``gateway partners new``), shown once."""
    return secrets.token_urlsafe(18)
