"""``Directory``: AS2 names -> partners, with their certificates and our key pairs loaded.

Profiles with ``transports.as2`` enabled are indexed by (their AS2 id, the AS2 id they address). The index
is rebuilt when a lookup misses (a profile added since), at most every ``REFRESH_S`` seconds so
that a stream of unknown names cannot make the gateway re-read the partners directory each time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from gateway.errors import ConfigurationError
from gateway.partners import (
    AS2CertificateFile,
    AS2KeyFiles,
    AS2Settings,
    PartnerProfile,
    default_partners_dir,
    load_partner,
)
from transports.as2.certificates import load_certificate, load_key_pair, newest_valid, valid_at
from transports.as2.cms import KeyPair

REFRESH_S = 5.0


@dataclass(frozen=True, slots=True)
class AS2Partner:
    partner_id: str
    profile: PartnerProfile
    settings: AS2Settings
    our_id: str
    certificates: tuple[x509.Certificate, ...]
    """Theirs, every one listed and not retired (``use_until``); validity is checked where
    they are used."""
    keys: tuple[KeyPair, ...]
    """Ours for this partner, not retired: any decrypts."""
    encrypt_to: tuple[x509.Certificate, ...] = ()
    """Theirs whose ``use_from`` has come: the newest valid one is encrypted to."""
    sign_with: tuple[KeyPair, ...] = ()
    """Ours whose ``use_from`` has come: the newest valid one signs."""

    def signer(self, when: datetime | None = None) -> KeyPair:
        """Our newest valid key pair in use (``ConfigurationError`` when none is)."""
        now = when or datetime.now(UTC)
        valid = [k for k in self.sign_with if valid_at(k.certificate, now)]
        if not valid:
            raise ConfigurationError(f"partner {self.partner_id}: none of our AS2 keys is valid")
        return max(valid, key=lambda k: k.certificate.not_valid_before_utc)

    def encryption_certificate(self) -> x509.Certificate:
        found = newest_valid(self.encrypt_to)
        if found is None:
            raise ConfigurationError(
                f"partner {self.partner_id}: none of its AS2 certificates is valid and in use"
            )
        return found


def _window(entry: AS2CertificateFile | AS2KeyFiles, now: datetime) -> tuple[bool, bool]:
    """(retired, in use) at ``now``."""
    retired = entry.use_until is not None and now >= entry.use_until
    started = entry.use_from is None or now >= entry.use_from
    return retired, started and not retired


class Directory:
    def __init__(self, partners_dir: Path | None, our_id: str, key_secret: str) -> None:
        self.partners_dir = partners_dir
        self.our_id = our_id
        self.key_secret = key_secret
        self._index: dict[tuple[str, str], str | None] = {}
        """None: two profiles claim the pair (refused until one is fixed)."""
        self._built_at = float("-inf")
        self._lock = threading.Lock()

    def find(self, their_id: str, our_id: str) -> AS2Partner | None:
        """The partner sending as ``their_id`` to ``our_id``; ``None`` for an unknown pair."""
        key = (their_id, our_id)
        if key not in self._index and time.monotonic() - self._built_at > REFRESH_S:
            self.refresh()
        if key not in self._index:
            return None
        partner_id = self._index[key]
        if partner_id is None:
            raise ConfigurationError(f"AS2 ids {their_id} -> {our_id} are in several profiles")
        return self.partner(partner_id)

    def partner(self, partner_id: str) -> AS2Partner:
        """``ConfigurationError`` when the profile's AS2 is not enabled or a file is unusable."""
        profile = load_partner(partner_id, self.partners_dir)
        settings = profile.transports.as2
        if settings is None or not settings.enabled:
            raise ConfigurationError(
                f"partner {partner_id}: transports.as2 is "
                + ("missing" if settings is None else "not enabled")
                + " in its profile",
                partner_id=partner_id,
            )
        root = self.partners_dir or default_partners_dir()
        now = datetime.now(UTC)
        theirs = [
            (load_certificate(root / c.path), *_window(c, now)) for c in settings.certificates
        ]
        ours = [
            (load_key_pair(root / k.certificate, root / k.key, self.key_secret), *_window(k, now))
            for k in settings.our_keys
        ]
        return AS2Partner(
            partner_id=partner_id,
            profile=profile,
            settings=settings,
            our_id=settings.our_as2_id or self.our_id,
            certificates=tuple(c for c, retired, _ in theirs if not retired),
            keys=tuple(k for k, retired, _ in ours if not retired),
            encrypt_to=tuple(c for c, _, in_use in theirs if in_use),
            sign_with=tuple(k for k, _, in_use in ours if in_use),
        )

    def refresh(self) -> None:
        root = self.partners_dir or default_partners_dir()
        index: dict[tuple[str, str], str | None] = {}
        for path in sorted(root.glob("*.yaml")):
            try:
                profile = load_partner(path.stem, self.partners_dir)
            except ConfigurationError:
                continue  # check-config reports it; it cannot be an AS2 partner meanwhile
            as2 = profile.transports.as2
            if as2 is not None and as2.enabled:
                pair = (as2.as2_id, as2.our_as2_id or self.our_id)
                index[pair] = None if pair in index else profile.id
        with self._lock:
            self._index, self._built_at = index, time.monotonic()
