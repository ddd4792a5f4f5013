"""Partner profiles: validated data files (``partners/<id>.yaml``), never code.

Map overrides for a partner live in ``maps/<id>/``. A profile says who the partner is on the wire
(its sender ids, and which of our ids it addresses), what we accept from it,
how strictly we read it, how we acknowledge it, and what to do with duplicates. Every problem in
every file is reported at once (``check_partners``), at start-up and in CI.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gateway.errors import ConfigurationError
from gateway.locations import partners_from_environment
from gateway.partner_sections import (  # transports.as2 reads these here
    AS2CertificateFile as AS2CertificateFile,
)
from gateway.partner_sections import AS2KeyFiles as AS2KeyFiles
from gateway.partner_sections import AS2Settings as AS2Settings
from gateway.partner_sections import Certification, Transports
from gateway.strict_data import StrictData
from gateway.x12.acks.reply_envelope import AckOptions
from gateway.x12.headers import STANDARD_QUALIFIERS
from gateway.x12.identities import EnvelopeId, ExpectedIdentities
from gateway.x12.model import Delimiters
from gateway.x12.validate import SUPPORTED_SETS, ValidationPolicy

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class AckDelimiters(StrictData):
    element: str = Field("*", min_length=1, max_length=1)
    component: str = Field(">", min_length=1, max_length=1)
    segment: str = Field("~", min_length=1, max_length=1)
    repetition: str = Field("^", min_length=1, max_length=1)


class AckSettings(StrictData):
    kind: Literal["auto", "997", "999", "none"] = "auto"
    ta1: Literal["on_request", "always", "on_error"] = "on_request"
    delimiters: AckDelimiters | None = None
    newline_after_segment: bool = True


_UNPADDED = r"^\S(?:.*\S)?$"
DEFAULT_OUR_IDS = (EnvelopeId("ZZ", "GATEWAYBUYER"),)
"""The gateway's own ids when ``GATEWAY_OUR_IDS`` is not set (``Settings.our_ids``)."""


def _standard_qualifier(value: str | None) -> str | None:
    if value is not None and value not in STANDARD_QUALIFIERS:
        raise ValueError(
            f"{value!r} is not an ISA05/ISA07 code (ZZ mutually defined, 01 DUNS, 12 phone, "
            "14 DUNS+suffix, 08 UCC EDI, ...)"
        )
    return value


class SenderId(StrictData):
    """One ISA05/ISA06 pair a partner sends from, without padding."""

    qualifier: str = Field(min_length=2, max_length=2, pattern=_UNPADDED)
    id: str = Field(min_length=1, max_length=15, pattern=_UNPADDED)

    _qualifier_code = field_validator("qualifier")(_standard_qualifier)

    def envelope_id(self) -> EnvelopeId:
        return EnvelopeId(self.qualifier, self.id)


class X12Identity(StrictData):
    """Who the partner is on the wire and whom it addresses.

    ``sender_ids`` lists every ISA05/ISA06 it may send from (divisions, a test system); the first
    is its main one. The older one-id form, ``qualifier`` + ``id``, still reads as a one-entry
    list. ``our_qualifier``/``our_id``: the one of our ids (``GATEWAY_OUR_IDS``) this partner must
    address; unset, any of them."""

    sender_ids: tuple[SenderId, ...] = Field(min_length=1)
    our_qualifier: str | None = Field(None, min_length=2, max_length=2, pattern=_UNPADDED)
    our_id: str | None = Field(None, min_length=1, max_length=15, pattern=_UNPADDED)
    ack: AckSettings = AckSettings()

    _our_qualifier_code = field_validator("our_qualifier")(_standard_qualifier)

    @model_validator(mode="before")
    @classmethod
    def _one_id_form(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not {"qualifier", "id"} & data.keys():
            return data
        if "sender_ids" in data:
            raise ValueError("give x12.sender_ids or x12.qualifier/x12.id, not both")
        rest = {k: v for k, v in data.items() if k not in ("qualifier", "id")}
        one = {k: data[k] for k in ("qualifier", "id") if k in data}
        return {**rest, "sender_ids": [one]}

    @model_validator(mode="after")
    def _check_ids(self) -> X12Identity:
        if (self.our_qualifier is None) != (self.our_id is None):
            raise ValueError("give our_qualifier and our_id together, or neither")
        pairs = [s.envelope_id() for s in self.sender_ids]
        repeated = sorted({str(p) for p in pairs if pairs.count(p) > 1})
        if repeated:
            raise ValueError(f"sender_ids lists {', '.join(repeated)} more than once")
        return self

    @property
    def qualifier(self) -> str:
        """The main sender id's ISA05."""
        return self.sender_ids[0].qualifier

    @property
    def id(self) -> str:
        """The main sender id's ISA06."""
        return self.sender_ids[0].id

    def our(self) -> EnvelopeId | None:
        if self.our_qualifier is None or self.our_id is None:
            return None
        return EnvelopeId(self.our_qualifier, self.our_id)


class ValidationSettings(StrictData):
    segment_order: Literal["strict", "tolerant"] = "tolerant"
    group_mismatch: Literal["note", "reject"] = "note"


class ProcurementSettings(StrictData):
    """How far a supplier's documents may differ from the PO before it is a discrepancy
    (``gateway.procurement``)."""

    quantity_tolerance_percent: float = Field(0, ge=0, le=100)
    price_tolerance_percent: float = Field(0, ge=0, le=100)
    date_tolerance_days: int = Field(0, ge=0, le=365)
    functional_ack_hours: float = Field(24, gt=0, le=24 * 365)
    """SLA: the supplier's 997/999 for an 850/860 we sent is due this long after we sent it."""
    acknowledgement_hours: float = Field(48, gt=0, le=24 * 365)
    """SLA: its 855 is due this long after the 850 was sent."""
    ship_notice_days: float = Field(0, ge=-365, le=365)
    """SLA: its 856 is due this many days after the earliest requested date of the PO's lines
    (negative: before it, for a notice ahead of the goods)."""
    invoice_days: float = Field(30, gt=0, le=365)
    """SLA: its 810 is due this many days after the first ship notice."""
    send_purchase_orders: bool = True
    """Send the partner our 850s and 860s (``gateway.pipeline.purchase_orders``); false when the
    ERP sends its own and the gateway only tracks them."""


class Contact(StrictData):
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


DuplicateCheck = Literal["transport_id", "payload", "isa13", "gs06", "st02", "business_key"]
DUPLICATE_CHECKS: tuple[DuplicateCheck, ...] = (
    "transport_id",  # the transport's message id (X-Message-Id, AS2 Message-ID, file name)
    "payload",  # the same bytes again
    "isa13",  # ISA13 per ISA06/ISA08 pair
    "gs06",  # GS06 per GS02/GS03 pair, in an earlier interchange with accepted sets
    "st02",  # ST01+ST02 within that group, in an earlier interchange
    "business_key",  # BAK03+BAK04, BSN02, BIG02 with other content
)


PartnerStatus = Literal["draft", "testing", "live", "suspended"]
STATUSES: tuple[PartnerStatus, ...] = ("draft", "testing", "live", "suspended")
"""The lifecycle (``gateway.lifecycle``): ``draft`` sends nothing; ``testing`` sends, and all of it
is received, validated, acknowledged and kept, but nothing reaches the ERP; ``live`` reaches the
ERP; ``suspended`` sends nothing ("partner suspended")."""
LEGACY_STATUSES = {"test": "testing", "production": "live"}
"""Statuses of older profiles, read as their successors."""


def holds_from_erp(status: str, test_indicator: str, test_interchange: bool) -> bool:
    """Whether an event is kept from the ERP (stored, acknowledged, marked ``test``): anything
    from a partner that is not ``live``, and a live partner's ISA15=T interchange when its
    profile says ``test_indicator: hold``."""
    if status != "live":
        return True
    return test_interchange and test_indicator == "hold"


class PartnerProfile(StrictData):
    id: str
    name: str
    status: PartnerStatus = "testing"
    """What ``partners sync`` applies (``gateway partners promote`` rewrites it; a change made by
    hand goes through the same checks, ``gateway.lifecycle``)."""
    test_indicator: Literal["hold", "deliver"] = "hold"
    """A live partner's test interchanges (ISA15=T): kept from the ERP like ``testing`` ones
    (``hold``), or delivered (``deliver``: the ERP sees ``source.test``)."""
    x12: X12Identity
    accepted_sets: tuple[str, ...] = tuple(sorted(SUPPORTED_SETS))
    duplicate_policy: Literal["reject", "accept-and-flag", "ignore-silently"] = "reject"
    duplicate_checks: frozenset[DuplicateCheck] = frozenset(DUPLICATE_CHECKS)
    """The layers ``duplicate_policy`` applies to; leave one out for a partner whose quirk makes
    it meaningless (say ``gs06`` for a sender that numbers every group 1)."""
    validation: ValidationSettings = ValidationSettings()
    transports: Transports = Transports()
    contacts: tuple[Contact, ...] = ()
    certification: Certification = Certification()
    procurement: ProcurementSettings = ProcurementSettings()

    @model_validator(mode="before")
    @classmethod
    def _as2_moved(cls, data: Any) -> Any:
        """AS2 settings once sat in a top-level ``as2:`` block; one home now, said in words
        rather than as an unknown key."""
        if isinstance(data, dict) and "as2" in data:
            raise ValueError(
                "as2: the AS2 settings moved to transports.as2 (the same keys, plus "
                "enabled: true); move the block under transports:"
            )
        return data

    @field_validator("status", mode="before")
    @classmethod
    def _legacy_status(cls, value: Any) -> Any:
        return LEGACY_STATUSES.get(value, value) if isinstance(value, str) else value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("partner id: lower-case letters, digits and '-' (max 63)")
        return value

    @field_validator("accepted_sets")
    @classmethod
    def _check_sets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - SUPPORTED_SETS)
        if unknown:
            raise ValueError(
                f"no map for transaction sets {unknown}; supported: {sorted(SUPPORTED_SETS)}"
            )
        return value

    @model_validator(mode="after")
    def _certifiable(self) -> PartnerProfile:
        """A checklist item nothing could pass is a mistake, not a hard exam."""
        for n, item in enumerate(self.certification.documents):
            if item.document in SUPPORTED_SETS and item.document not in self.accepted_sets:
                raise ValueError(
                    f"certification.documents.{n}: {item.document} is not in accepted_sets"
                )
        return self

    def policy(self) -> ValidationPolicy:
        return ValidationPolicy(
            accepted_sets=frozenset(self.accepted_sets),
            segment_order=self.validation.segment_order,
            group_mismatch=self.validation.group_mismatch,
        )

    def expected_identities(
        self, our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS
    ) -> ExpectedIdentities:
        """What an interchange from this partner must carry (``x12.identities``): one of its
        sender ids, addressed to its ``our_id`` or, without one, to any of ``our_ids``.

        Raises ``ConfigurationError`` when ``our_id`` is not one of ``our_ids``: check-config
        reports it, and a message must not be read against an id the gateway does not own."""
        senders = tuple(s.envelope_id() for s in self.x12.sender_ids)
        our = self.x12.our()
        if our is not None and our not in our_ids:
            raise ConfigurationError(
                f"partner {self.id}: x12.our_id {our} is not one of the gateway's ids "
                f"({', '.join(map(str, our_ids))}; GATEWAY_OUR_IDS)",
                partner_id=self.id,
            )
        return ExpectedIdentities(senders, (our,) if our is not None else our_ids)

    def ack_options(self) -> AckOptions:
        d = self.x12.ack.delimiters
        delimiters = (
            Delimiters(d.element, d.component, d.segment, d.repetition) if d is not None else None
        )
        return AckOptions(delimiters=delimiters, newline=self.x12.ack.newline_after_segment)


def default_partners_dir() -> Path:
    """Where profiles are read when no directory is given (``gateway.locations``)."""
    return partners_from_environment()


def _read(path: Path) -> tuple[PartnerProfile | None, list[str]]:
    profile, _, problems = _read_versioned(path)
    return profile, problems


def _read_versioned(path: Path) -> tuple[PartnerProfile | None, str, list[str]]:
    """The profile, the version of the bytes it was read from (``version_of``), its problems."""
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, "", [f"{path.name}: cannot read: {exc}"]
    profile, problems = _checked(path, data)
    return profile, version_of(raw), problems


def version_of(raw: bytes) -> str:
    """A profile's version: sha256[:12] of its file's bytes."""
    return hashlib.sha256(raw).hexdigest()[:12]


def _checked(path: Path, data: Any) -> tuple[PartnerProfile | None, list[str]]:
    profile, errors = validate_profile(data)
    if profile is None:
        return None, [f"{path.name}: {where or '(file)'}: {message}" for where, message in errors]
    if profile.id != path.stem:
        return None, [f"{path.name}: id {profile.id!r} must match the file name"]
    return profile, []


def validate_profile(data: Any) -> tuple[PartnerProfile | None, list[tuple[str, str]]]:
    """The profile, or every (dotted path, message) that is wrong with ``data``."""
    try:
        return PartnerProfile.model_validate(data), []
    except ValidationError as exc:
        return None, [
            (".".join(str(p) for p in err["loc"]), err["msg"])
            for err in exc.errors(include_url=False)
        ]


def gateway_ids(pairs: Iterable[tuple[str, str]]) -> tuple[EnvelopeId, ...]:
    """``Settings.our_identities()`` as envelope ids."""
    return tuple(EnvelopeId(qualifier, id_) for qualifier, id_ in pairs)


def check_partners(
    partners_dir: Path | None = None, our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS
) -> list[str]:
    """Every problem in every profile (templates: ``gateway.onboarding``): see ``read_partners``."""
    return read_partners(partners_dir, our_ids)[1]


def read_partners(
    partners_dir: Path | None = None, our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS
) -> tuple[dict[str, PartnerProfile], list[str]]:
    """Every profile, read now (not cached), and every problem: each file's own, a sender id two
    profiles claim (a file from it could not be told apart), one of our own ids claimed as a
    sender id, an ``our_id`` that is not one of ``our_ids``."""
    found, problems = read_partner_set(partners_dir, our_ids)
    return {partner_id: profile for partner_id, (profile, _) in found.items()}, problems


def read_partner_set(
    partners_dir: Path | None = None, our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS
) -> tuple[dict[str, tuple[PartnerProfile, str]], list[str]]:
    """``read_partners`` with each profile's version (``version_of`` its bytes)."""
    root = partners_dir or default_partners_dir()
    if not root.is_dir():
        return {}, [f"{root}: no such directory"]
    profiles: dict[str, tuple[PartnerProfile, str]] = {}
    problems: list[str] = []
    seen: dict[EnvelopeId, str] = {}
    for path in sorted(root.glob("*.yaml")):
        profile, version, found = _read_versioned(path)
        problems.extend(found)
        if profile is not None:
            problems.extend(identity_problems(path.name, profile, our_ids, seen))
            profiles[profile.id] = (profile, version)
    return profiles, problems


def identity_problems(
    name: str, profile: PartnerProfile, our_ids: tuple[EnvelopeId, ...], seen: dict[EnvelopeId, str]
) -> list[str]:
    """``identity_findings``, each started with ``name``."""
    return [f"{name}: {where}: {why}" for where, why in identity_findings(profile, our_ids, seen)]


def identity_findings(
    profile: PartnerProfile, our_ids: tuple[EnvelopeId, ...], seen: dict[EnvelopeId, str]
) -> list[tuple[str, str]]:
    """(dotted path, problem) for ``profile``'s ids against the others' (``seen``: sender id ->
    partner, filled as it goes) and ours."""
    found: list[tuple[str, str]] = []
    for n, sender in enumerate(profile.x12.sender_ids):
        key = sender.envelope_id()
        if key in seen and seen[key] != profile.id:
            found.append((f"x12.sender_ids.{n}", f"{key} is already a sender id of {seen[key]}"))
        elif key in our_ids:
            found.append((f"x12.sender_ids.{n}", f"{key} is one of our own ids"))
        else:
            seen[key] = profile.id
    our = profile.x12.our()
    if our is not None and our not in our_ids:
        known = ", ".join(map(str, our_ids))
        found.append(
            ("x12.our_id", f"{our} is not one of the gateway's ids ({known}; GATEWAY_OUR_IDS)")
        )
    return found


LiveProfiles = Mapping[str, tuple[PartnerProfile, str]]
"""Partner id -> (profile, version): a whole checked set of profiles (``use_profiles``)."""
_LIVE: dict[Path, LiveProfiles] = {}
_AFTER_FORGET: list[Callable[[], None]] = []


def use_profiles(partners_dir: Path, profiles: LiveProfiles | None) -> None:
    """Read ``partners_dir``'s profiles from ``profiles`` from now on, in this process (live
    reload installs each checked set); None: read the files again. One assignment: a reader gets
    the old set or the new one. A partner the set does not know (a profile written since) is read
    from its file, as without a set."""
    if profiles is None:
        _LIVE.pop(partners_dir, None)
    else:
        _LIVE[partners_dir] = profiles
    _cached_profile.cache_clear()
    _version_on_disk.cache_clear()


def after_forget(callback: Callable[[], None] | None, *, remove: bool = False) -> None:
    """Call ``callback`` whenever ``forget_profiles`` runs (live reload takes the change in at
    once); ``remove=True`` stops that."""
    if remove:
        if callback in _AFTER_FORGET:
            _AFTER_FORGET.remove(callback)
    elif callback is not None:
        _AFTER_FORGET.append(callback)


def forget_profiles() -> None:
    """Drop the profiles ``load_partner`` cached: after this process wrote a profile file."""
    _cached_profile.cache_clear()
    _version_on_disk.cache_clear()
    for callback in list(_AFTER_FORGET):
        callback()


def read_profile(partner_id: str, partners_dir: Path | None = None) -> PartnerProfile:
    """``partner_id``'s profile as its file says now; ``ConfigurationError`` when it has none or
    it is invalid. Processes read profiles through ``load_partner`` (cached)."""
    root = partners_dir or default_partners_dir()
    path = root / f"{partner_id}.yaml"
    if not _ID.fullmatch(partner_id) or not path.is_file():
        raise ConfigurationError(
            f"no partner profile {partner_id!r} in {root}", partner_id=partner_id
        )
    profile, problems = _read(path)
    if profile is None:
        raise ConfigurationError(f"partner profile {path.name} is invalid: {'; '.join(problems)}")
    return profile


def load_partner(partner_id: str, partners_dir: Path | None = None) -> PartnerProfile:
    """The one way processes read a partner's profile: from the installed set of
    ``partners_dir`` (``use_profiles``) when there is one, else ``read_profile`` cached."""
    if partners_dir is not None:
        live = _LIVE.get(partners_dir)
        if live is not None and partner_id in live:
            return live[partner_id][0]
    return _cached_profile(partner_id, partners_dir)


def profile_version(partner_id: str, partners_dir: Path | None = None) -> str | None:
    """The version of the profile ``load_partner`` gives (None: no readable file)."""
    if partners_dir is not None:
        live = _LIVE.get(partners_dir)
        if live is not None and partner_id in live:
            return live[partner_id][1]
    return _version_on_disk(partner_id, partners_dir)


@lru_cache(maxsize=128)
def _cached_profile(partner_id: str, partners_dir: Path | None) -> PartnerProfile:
    return read_profile(partner_id, partners_dir)


@lru_cache(maxsize=128)
def _version_on_disk(partner_id: str, partners_dir: Path | None) -> str | None:
    if not _ID.fullmatch(partner_id):
        return None
    try:
        return version_of(
            ((partners_dir or default_partners_dir()) / f"{partner_id}.yaml").read_bytes()
        )
    except OSError:
        return None
