"""``purchase_order``: what the buyer ordered, as the ERP publishes it (``POST /ops/purchase-orders``,
an ERP poller such as Tryton's). Not a supply event: it goes the other way, and the procurement
registry (``gateway.procurement``) correlates the supplier's 855, 856 and 810 with it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, field_validator

from gateway.canonical.common import CanonicalModel

_NUMBER = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")
_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _decimal(value: str | None, *, positive: bool = False) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a decimal number (e.g. 12.50)")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses these
        raise ValueError(str(exc)) from None
    if positive and number <= 0:
        raise ValueError(f"{value!r} must be more than 0")
    return text


class PurchaseOrderLine(CanonicalModel):
    line_number: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")
    buyer_part_number: str | None = Field(default=None, max_length=48)
    vendor_part_number: str | None = Field(default=None, max_length=48)
    description: str | None = Field(default=None, max_length=200)
    quantity: str = Field(
        pattern=r"^\d{1,12}(\.\d{1,6})?$", description="Ordered, e.g. 2000 or 12.5."
    )
    uom: str | None = Field(default=None, max_length=8)
    unit_price: str | None = Field(default=None, pattern=r"^-?\d{1,12}(\.\d{1,6})?$")
    requested_date: str | None = Field(default=None, pattern=_DATE)

    @field_validator("unit_price")
    @classmethod
    def _price(cls, value: str | None) -> str | None:
        return _decimal(value)


class PurchaseOrder(CanonicalModel):
    po_number: str = Field(min_length=1, max_length=40, pattern=r"^[!-~]+$")
    partner_id: str = Field(min_length=1, max_length=63)
    order_date: str | None = Field(default=None, pattern=_DATE)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    status: Literal["open", "cancelled"] = "open"
    revision: str | None = Field(
        default=None,
        max_length=40,
        description="The ERP's version of the PO (a timestamp, a change number): the same "
        "revision posted again changes nothing; unset, the content decides.",
    )
    lines: list[PurchaseOrderLine] = Field(min_length=1, max_length=5000)

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, lines: list[PurchaseOrderLine]) -> list[PurchaseOrderLine]:
        seen: set[str] = set()
        for line in lines:
            if line.line_number in seen:
                raise ValueError(f"line {line.line_number} appears twice")
            seen.add(line.line_number)
        return lines
