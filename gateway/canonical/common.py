"""Pieces every canonical supply event shares: the envelope facts, parties, the event base.

Canonical models are the gateway's contract with the ERP side, so they are strict (unknown fields
are errors), frozen, and carry no I/O. Values follow one convention across all events:

* dates are ISO-8601 strings (``"2001-10-12"``), times ``"HH:MM"`` or ``"HH:MM:SS"``;
* money and quantities are decimal strings (``"2554.38"``), never floats;
* a value the document did not carry, or that could not be read, is ``null``; when that matters the
  event's ``warnings`` says why.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Final = "1.0"
"""Bumped on any change a consumer could notice; ``supply-events.schema.json`` records it."""


class CanonicalModel(BaseModel):
    """Base of every canonical model: strict, immutable, every field present in the JSON output."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class Source(CanonicalModel):
    """Where the event came from: the envelope of the document it was mapped from."""

    syntax: Literal["x12", "edifact", "cxml"] = "x12"
    version: str = Field(description="X12: GS08, e.g. 004010.")
    document_type: str = Field(description="X12: ST01, e.g. 855.")
    sender_id: str = Field(description="X12: ISA06, trimmed.")
    receiver_id: str = Field(description="X12: ISA08, trimmed.")
    interchange_control_number: str = Field(description="X12: ISA13.")
    group_control_number: str = Field(description="X12: GS06.")
    control_number: str = Field(description="X12: ST02.")
    test: bool = Field(default=False, description="X12: ISA15 == 'T'.")


class Party(CanonicalModel):
    """One N1 loop (name, identification, address)."""

    role: str = Field(description="Entity identifier code as sent (N101): ST, BY, SF, SU...")
    name: str | None = None
    id_qualifier: str | None = None
    id: str | None = None
    address_lines: list[str] = Field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class Discrepancy(CanonicalModel):
    """Where a supplier document differs from the purchase order it names, in a buyer's words."""

    po_number: str
    line_number: str | None = Field(default=None, description="None: the whole PO.")
    kind: str = Field(description="quantity_changed, price_above_po, over_shipment, ...")
    severity: Literal["info", "warning", "error"]
    message: str = Field(description="One sentence for the buyer.")


class EventBase(CanonicalModel):
    """Fields every event carries; subclasses add the ``type`` discriminator and ``document``."""

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    id: str = Field(description="Deterministic: the same input bytes and partner give the same id.")
    supplier_event_id: str | None = Field(
        default=None,
        description="JSON documents: the id the supplier gave the event; ``id`` is derived from "
        "it and the partner, so one partner's ids never meet another's.",
    )
    partner_id: str | None = None
    supersedes: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="A correction: the id of the delivered event this one replaces (the "
        "operator re-translated it with corrected maps, ``gateway replay --repost``). It has its "
        "own ``id`` (and idempotency key); apply it in place of the superseded event. Absent on "
        "every other event.",
    )
    source: Source
    warnings: list[str] = Field(
        default_factory=list,
        description="Values that were missing or unreadable and left null, one sentence each.",
    )
    discrepancies: list[Discrepancy] = Field(
        default_factory=list,
        exclude_if=lambda value: not value,
        description="Set by the gateway: where this 855, 856 or 810 differs from the purchase "
        "order it names, as checked before the event was posted (beyond the partner's "
        "tolerances). Absent when none was found or the PO was not known yet.",
    )
