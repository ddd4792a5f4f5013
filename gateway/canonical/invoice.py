"""``invoice``: the supplier's bill (X12 810, EDIFACT INVOIC)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase, Party

AllowanceChargeIndicator = Literal["allowance", "charge", "none"]


class InvoiceLine(CanonicalModel):
    line_number: str = Field(description="IT101, else the 1-based position of the line.")
    quantity: str | None = None
    uom: str | None = None
    unit_price: str | None = None
    product_ids: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class AllowanceCharge(CanonicalModel):
    indicator: AllowanceChargeIndicator | None = None
    code: str | None = None
    amount: str | None = None
    percent: str | None = None
    rate: str | None = None
    description: str | None = None
    line_number: str | None = Field(default=None, description="null for invoice-level entries.")


class Tax(CanonicalModel):
    type: str | None = None
    amount: str | None = None
    percent: str | None = None
    jurisdiction_qualifier: str | None = None
    jurisdiction: str | None = None
    line_number: str | None = Field(default=None, description="null for invoice-level taxes.")


class Terms(CanonicalModel):
    type_code: str | None = None
    basis: str | None = None
    discount_percent: str | None = None
    discount_due_date: str | None = None
    discount_days_due: int | None = None
    net_due_date: str | None = None
    net_days: int | None = None
    discount_amount: str | None = None
    description: str | None = None


class Invoice(CanonicalModel):
    invoice_number: str | None = None
    invoice_date: str | None = None
    po_number: str | None = None
    po_date: str | None = None
    currency: str | None = None
    total_amount: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    terms: Terms | None = None
    parties: list[Party] = Field(default_factory=list)


class InvoiceEvent(EventBase):
    type: Literal["invoice"] = "invoice"
    document: Invoice
