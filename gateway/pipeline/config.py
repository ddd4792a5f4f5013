"""``ProcessConfig``: what processing needs beyond the message (connectors, where data lives)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.mapping.loader import map_version
from gateway.partners import DEFAULT_OUR_IDS, PartnerProfile, load_partner, profile_version
from gateway.procurement.state import Tolerances
from gateway.x12.identities import EnvelopeId
from gateway.x12.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class ProcessConfig:
    connectors: tuple[str, ...] = ("sink",)
    """The ERP connectors every new event gets a delivery row for."""
    partners_dir: Path | None = None
    maps_dir: Path | None = None
    our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS
    """The gateway's own interchange ids (``Settings.our_identities``)."""
    limits: Limits = DEFAULT_LIMITS
    """Bounded work per message (``Settings.limits()``)."""


DEFAULT_CONFIG = ProcessConfig()


def partner_profile(partner_id: str | None, config: ProcessConfig) -> PartnerProfile | None:
    """The profile of the partner the channel authenticated; None for a message without one.

    A partner without a readable profile raises ``ConfigurationError`` rather than being read
    with defaults: that would skip the sender identity check (the message fails, visibly, and
    ``gateway messages retry`` takes it again once the profile is fixed)."""
    if partner_id is None:
        return None
    return load_partner(partner_id, config.partners_dir)


def versions_of(
    partner_id: str | None, config: ProcessConfig, *, mapped: bool = True
) -> tuple[str | None, str | None]:
    """(profile version, map version) of what ``partner_id``'s messages are translated with now;
    ``mapped=False``: documents no map touches (JSON), no map version. Dictionary lookups in a
    process with live reload, read once and cached otherwise: nothing per document."""
    profile = profile_version(partner_id, config.partners_dir) if partner_id else None
    return profile, map_version(partner_id, config.maps_dir) if mapped else None


def procurement_tolerances(partner_id: str, config: ProcessConfig) -> Tolerances:
    """How far the partner's documents may differ from its POs (``procurement:`` in its
    profile); none for a partner without a readable profile."""
    try:
        profile = partner_profile(partner_id, config)
    except ConfigurationError:
        return Tolerances()
    if profile is None:
        return Tolerances()
    p = profile.procurement
    return Tolerances(
        Decimal(str(p.quantity_tolerance_percent)),
        Decimal(str(p.price_tolerance_percent)),
        p.date_tolerance_days,
        p.functional_ack_hours,
        p.acknowledgement_hours,
        p.ship_notice_days,
        p.invoice_days,
    )
