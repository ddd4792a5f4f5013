"""``ship_notice``: what was shipped, packed how, for which orders (X12 856, EDIFACT DESADV)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import CanonicalModel, EventBase, Party

HierarchyRole = Literal["shipment", "order", "tare", "pack", "item"]


class Carrier(CanonicalModel):
    scac: str | None = None
    name: str | None = None
    mode: str | None = Field(default=None, description="Transportation method code as sent.")


class Pack(CanonicalModel):
    """A carton (pack level) or a pallet (tare level)."""

    hl_id: str
    level: str = Field(description="HL03 as sent: P, T...")
    role: HierarchyRole | None = None
    sscc: str | None = None
    parent_sscc: str | None = Field(
        default=None, description="SSCC of the nearest enclosing pack or tare (a carton's pallet)."
    )
    po_number: str | None = None
    tracking_number: str | None = None


class ShipNoticeLine(CanonicalModel):
    """One item level of the hierarchy, with what it inherits from its ancestors."""

    hl_id: str
    po_number: str | None = None
    sscc: str | None = Field(
        default=None, description="The item's own SSCC, else its nearest pack's, else its tare's."
    )
    line_number: str | None = None
    quantity: str | None = None
    uom: str | None = None
    product_ids: dict[str, str] = Field(default_factory=dict)
    lot: str | None = None
    expiration_date: str | None = None
    description: str | None = None


class HierarchyNode(CanonicalModel):
    """One HL level with its own facts (not inherited ones) and its children."""

    id: str
    level: str = Field(description="HL03 as sent.")
    role: HierarchyRole | None = None
    parent_id: str | None = Field(
        default=None, description="HL02, or the inferred parent when HL02 was left out."
    )
    po_number: str | None = None
    sscc: str | None = None
    tracking_number: str | None = None
    parties: list[Party] = Field(default_factory=list)
    children: list[HierarchyNode] = Field(default_factory=list)


class ShipNotice(CanonicalModel):
    shipment_id: str | None = None
    purpose: str | None = Field(default=None, description="BSN01 as sent.")
    ship_date: str | None = None
    ship_time: str | None = None
    estimated_delivery: str | None = None
    carrier: Carrier | None = None
    bill_of_lading: str | None = None
    tracking_numbers: list[str] = Field(
        default_factory=list, description="Shipment-level numbers first, then each pack's."
    )
    parties: list[Party] = Field(default_factory=list)
    packs: list[Pack] = Field(default_factory=list)
    lines: list[ShipNoticeLine] = Field(default_factory=list)
    hierarchy: list[HierarchyNode] = Field(default_factory=list)


class ShipNoticeEvent(EventBase):
    type: Literal["ship_notice"] = "ship_notice"
    document: ShipNotice
