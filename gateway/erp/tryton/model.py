"""What the connector reads from Tryton: the supplier's party, its purchase and the purchase's lines.

How gateway ids map onto Tryton's records (the "Connect Tryton" section of the README says the same):

* **Supplier**: the ``party.party`` that carries a ``party.identifier`` whose code is the gateway's
  partner id (``demo-supplier``). A document for a purchase of another party is refused as an
  unknown PO: a supplier can neither change nor probe another's purchases.
* **PO number**: the purchase's ``number`` (what our 850 sends as BEG03).
* **Line number**: the 1-based position of the purchase's goods lines (type ``line``), ordered as
  Tryton shows them (sequence, then id); PO101 of our 850. A line is found by its number when the
  document's part number agrees with it, else by the buyer part number (the product's code), else by
  the vendor part number (the product supplier's code).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.erp.tryton.rpc import TrytonRpc


class Refused(Exception):
    """The event cannot apply to this ERP's data (unknown PO, line or supplier): fatal, with a
    message a buyer understands; ``kind`` goes into the error code."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    id: int
    number: str
    product: int
    product_code: str | None
    vendor_code: str | None
    quantity: Decimal
    unit: int
    unit_price: Decimal
    description: str


@dataclass(frozen=True, slots=True)
class Purchase:
    id: int
    number: str
    party: int
    company: int
    currency: int
    payment_term: int | None
    warehouse: int | None
    lines: tuple[PurchaseLine, ...]

    def line(self, line_number: str | None, product_ids: dict[str, str]) -> PurchaseLine:
        buyer = product_ids.get("buyer_part_number")
        vendor = product_ids.get("vendor_part_number")
        by_number = next(
            (ln for ln in self.lines if ln.number == (line_number or "").lstrip("0")), None
        )
        if by_number is not None and (buyer is None or by_number.product_code in (None, buyer)):
            return by_number
        for candidate in self.lines:
            if buyer is not None and candidate.product_code == buyer:
                return candidate
        for candidate in self.lines:
            if vendor is not None and candidate.vendor_code == vendor:
                return candidate
        parts = ", ".join(
            f"{k} {v}" for k, v in (("buyer part", buyer), ("vendor part", vendor)) if v
        )
        raise Refused(
            f"PO {self.number} has no line {line_number or '?'}"
            + (f" and no line for {parts}" if parts else ""),
            kind="unknown_line",
        )


def supplier_party(rpc: TrytonRpc, partner_id: str) -> int:
    found = rpc.call(
        "party.identifier", "search_read", [("code", "=", partner_id)], 0, 2, None, ["party"]
    )
    if not found:
        raise Refused(
            f"no Tryton party carries the identifier {partner_id!r} (the gateway's partner id)",
            kind="unknown_supplier",
        )
    if len(found) > 1:
        raise Refused(
            f"several Tryton parties carry the identifier {partner_id!r}", kind="ambiguous_supplier"
        )
    return int(found[0]["party"])


_PURCHASE_FIELDS = ["number", "party", "company", "currency", "payment_term", "warehouse", "state"]
_LINE_FIELDS = [
    "product",
    "product.code",
    "product_supplier.code",
    "quantity",
    "unit",
    "unit_price",
    "description",
]


def purchase(rpc: TrytonRpc, po_number: str | None, party: int) -> Purchase:
    if not po_number:
        raise Refused("the document names no PO number", kind="unknown_po")
    found = rpc.call(
        "purchase.purchase",
        "search_read",
        [("number", "=", po_number), ("party", "=", party)],
        0,
        2,
        None,
        _PURCHASE_FIELDS,
    )
    if not found:
        raise Refused(f"no purchase {po_number} from this supplier in Tryton", kind="unknown_po")
    row = found[0]
    if row["state"] not in ("processing", "done", "confirmed"):
        raise Refused(
            f"purchase {po_number} is {row['state']} in Tryton, not confirmed",
            kind="po_not_confirmed",
        )
    lines = rpc.call(
        "purchase.line",
        "search_read",
        [("purchase", "=", row["id"]), ("type", "=", "line")],
        0,
        None,
        [("sequence", "ASC NULLS FIRST"), ("id", "ASC")],
        _LINE_FIELDS,
    )
    return Purchase(
        id=row["id"],
        number=row["number"],
        party=row["party"],
        company=row["company"],
        currency=row["currency"],
        payment_term=row["payment_term"],
        warehouse=row["warehouse"],
        lines=tuple(_line(i, ln) for i, ln in enumerate(lines, 1)),
    )


def _line(position: int, row: dict[str, Any]) -> PurchaseLine:
    product = row.get("product.") or {}
    supplier = row.get("product_supplier.") or {}
    return PurchaseLine(
        id=row["id"],
        number=str(position),
        product=row["product"],
        product_code=product.get("code"),
        vendor_code=supplier.get("code"),
        quantity=Decimal(str(row["quantity"])),
        unit=row["unit"],
        unit_price=Decimal(row["unit_price"] or 0),
        description=row.get("description") or "",
    )


def decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None
