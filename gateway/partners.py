"""Partner profiles: validated data files (``partners/<id>.yaml``), never code.

Map overrides for a partner live in ``maps/<id>/``. A profile says who the partner is on the wire (ISA qualifier and id), what we accept from it,
how strictly we read it, how we acknowledge it, and what to do with duplicates. Every problem in
every file is reported at once (``check_partners``), at start-up and in CI.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.errors import ConfigurationError
from gateway.locations import partners_from_environment
from gateway.x12.acks.envelope import AckOptions
from gateway.x12.model import Delimiters
from gateway.x12.validate import SUPPORTED_SETS, ValidationPolicy

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AckDelimiters(_Strict):
    element: str = Field("*", min_length=1, max_length=1)
    component: str = Field(">", min_length=1, max_length=1)
    segment: str = Field("~", min_length=1, max_length=1)
    repetition: str = Field("^", min_length=1, max_length=1)


class AckSettings(_Strict):
    kind: Literal["auto", "997", "999", "none"] = "auto"
    ta1: Literal["on_request", "always", "on_error"] = "on_request"
    delimiters: AckDelimiters | None = None
    newline_after_segment: bool = True


class X12Identity(_Strict):
    qualifier: str = Field(min_length=2, max_length=2)
    id: str = Field(min_length=1, max_length=15)
    our_qualifier: str = Field("ZZ", min_length=2, max_length=2)
    our_id: str = Field("GATEWAYBUYER", min_length=1, max_length=15)
    ack: AckSettings = AckSettings()


class ValidationSettings(_Strict):
    segment_order: Literal["strict", "tolerant"] = "tolerant"
    group_mismatch: Literal["note", "reject"] = "note"


class HttpTransport(_Strict):
    enabled: bool = True


class Transports(_Strict):
    http: HttpTransport = HttpTransport()


class Contact(_Strict):
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


class PartnerProfile(_Strict):
    id: str
    name: str
    status: Literal["test", "production", "suspended"] = "test"
    x12: X12Identity
    accepted_sets: tuple[str, ...] = tuple(sorted(SUPPORTED_SETS))
    duplicate_policy: Literal["reject", "accept-and-flag", "ignore-silently"] = "reject"
    duplicate_checks: frozenset[DuplicateCheck] = frozenset(DUPLICATE_CHECKS)
    """The layers ``duplicate_policy`` applies to; leave one out for a partner whose quirk makes
    it meaningless (say ``gs06`` for a sender that numbers every group 1)."""
    validation: ValidationSettings = ValidationSettings()
    transports: Transports = Transports()
    contacts: tuple[Contact, ...] = ()

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

    def policy(self) -> ValidationPolicy:
        return ValidationPolicy(
            accepted_sets=frozenset(self.accepted_sets),
            segment_order=self.validation.segment_order,
            group_mismatch=self.validation.group_mismatch,
        )

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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [f"{path.name}: cannot read: {exc}"]
    try:
        profile = PartnerProfile.model_validate(data)
    except ValidationError as exc:
        return None, [
            f"{path.name}: {'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}"
            for err in exc.errors()
        ]
    if profile.id != path.stem:
        return None, [f"{path.name}: id {profile.id!r} must match the file name"]
    return profile, []


def check_partners(partners_dir: Path | None = None) -> list[str]:
    """Every problem in every profile (templates are checked by onboarding, not here)."""
    root = partners_dir or default_partners_dir()
    if not root.is_dir():
        return [f"{root}: no such directory"]
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(root.glob("*.yaml")):
        profile, found = _read(path)
        problems.extend(found)
        if profile is not None:
            key = (profile.x12.qualifier, profile.x12.id)
            if key in seen:
                problems.append(f"{path.name}: ISA identity {key} already used by {seen[key]}")
            seen[key] = profile.id
    return problems


@lru_cache(maxsize=128)
def load_partner(partner_id: str, partners_dir: Path | None = None) -> PartnerProfile:
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
