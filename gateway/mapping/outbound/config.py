"""The schema of an outbound purchase-order map (``maps/base/outbound-850.yaml``, overridden per
partner by ``maps/<partner_id>/outbound-850.yaml``): how we write one partner's 850s and 860s.

Data, validated with ``extra="forbid"`` like the inbound maps: a misspelt key is an error.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from gateway.strict_data import StrictData

_CODE = re.compile(r"[A-Z0-9]{1,3}")


class OutboundDelimiters(StrictData):
    element: str = Field("*", min_length=1, max_length=1)
    component: str = Field(">", min_length=1, max_length=1)
    segment: str = Field("~", min_length=1, max_length=1)
    repetition: str = Field("^", min_length=1, max_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> OutboundDelimiters:
        chosen = [self.element, self.component, self.segment, self.repetition]
        if len(set(chosen)) != len(chosen):
            raise ValueError("element, component, segment and repetition must all differ")
        if any(c.isalnum() or c == " " for c in chosen):
            raise ValueError("a delimiter must not be a letter, a digit or a space")
        return self


class PartQualifiers(StrictData):
    """The product id qualifier (PO106, PO108...) each canonical part number goes out with."""

    buyer_part_number: str | None = "BP"
    vendor_part_number: str | None = "VP"

    @field_validator("buyer_part_number", "vendor_part_number")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None and not _CODE.fullmatch(value):
            raise ValueError(f"{value!r} is not a product id qualifier such as BP")
        return value


class Party(StrictData):
    """An N1 loop written into every PO (say the buyer, ``BY``, or a fixed ship-to, ``ST``)."""

    code: str = Field(pattern=r"^[A-Z0-9]{2,3}$")
    name: str = Field(min_length=1, max_length=60)
    id_qualifier: str | None = Field(None, pattern=r"^[A-Z0-9]{1,2}$")
    id: str | None = Field(None, min_length=1, max_length=80)

    @model_validator(mode="after")
    def _pair(self) -> Party:
        if (self.id_qualifier is None) != (self.id is None):
            raise ValueError("give id_qualifier and id together, or neither")
        return self


class OutboundPoMapConfig(StrictData):
    version: Literal["004010", "005010"] = "004010"
    """GS08 and the ISA12 that goes with it (00401 / 00501)."""
    order_type: str = Field("SA", pattern=r"^[A-Z]{2}$")
    """BEG02 / BCH02: SA stand-alone, BK blanket, DS drop ship..."""
    part_qualifiers: PartQualifiers = PartQualifiers()
    default_uom: str = Field("EA", pattern=r"^[A-Z0-9]{2}$")
    """PO103 for a line the ERP gave no unit of measure."""
    requested_date_qualifier: str = Field("002", pattern=r"^[0-9]{3}$")
    """DTM01 of each line's requested date: 002 delivery requested, 010 requested ship."""
    description: bool = True
    """Write each line's description as PID*F."""
    currency: bool = True
    """Write the PO's currency as CUR*BY."""
    parties: tuple[Party, ...] = ()
    delimiters: OutboundDelimiters = OutboundDelimiters()
    newline_after_segment: bool = True
    extends: str | None = None
    """The directory this file is merged over (``base``), as for inbound maps."""
