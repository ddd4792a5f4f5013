"""Purchase orders out of Tryton: confirmed purchases as canonical ``purchase_order`` bodies.

``changed_purchases(rpc, after)`` reads the purchases of gateway suppliers (a party with a
``party.identifier`` naming the partner, as in ``model.py``) that are confirmed, processing, done
or cancelled and changed after the cursor ``after`` (Tryton's ``write_date``, with the id to break
ties), oldest first. Each comes back as the body ``POST /ops/purchase-orders`` takes, with
``revision`` = its last change: the PO registry stores a revision once, so reading a purchase again
(an overlapping poll, a restart) doubles nothing, and a changed or cancelled purchase becomes a new
revision (an 860 where the procurement side sends one).

Line numbers are the 1-based positions of the goods lines, as ``model.py`` reads them back from
855/856/810; the buyer part number is the product's code, the vendor part number the product
supplier's code, the requested date the line's delivery date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.erp.tryton.rpc import TrytonRpc

STATES = ("confirmed", "processing", "done", "cancelled")
UNITS = {"u": "EA", "kg": "KG", "g": "GR", "m": "MR", "l": "LT", "h": "HR", "dozen": "DZ"}
"""Tryton unit symbols -> X12 unit codes (355); others are sent as Tryton writes them."""


@dataclass(frozen=True, slots=True)
class Cursor:
    write_date: dt.datetime
    purchase_id: int

    def as_text(self) -> str:
        return f"{self.write_date.isoformat()}#{self.purchase_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        when, _, ident = text.partition("#")
        return cls(dt.datetime.fromisoformat(when), int(ident or 0))


def changed_purchases(
    rpc: TrytonRpc, after: Cursor | None, limit: int = 200
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Up to ``limit`` purchase orders changed after ``after``, and the cursor to pass next time
    (``after`` itself when nothing changed)."""
    partners = {
        row["party"]: row["code"]
        for row in rpc.call("party.identifier", "search_read", [], 0, None, None, ["party", "code"])
    }
    if not partners:
        return [], after
    domain: list[Any] = [("state", "in", list(STATES)), ("party", "in", sorted(partners))]
    if after is not None:
        domain.append(
            [
                "OR",
                ("write_date", ">", after.write_date),
                [("write_date", "=", after.write_date), ("id", ">", after.purchase_id)],
            ]
        )
    rows = rpc.call(
        "purchase.purchase",
        "search_read",
        domain,
        0,
        limit,
        [("write_date", "ASC"), ("id", "ASC")],
        [
            "number",
            "party",
            "purchase_date",
            "currency.code",
            "state",
            "write_date",
            "create_date",
            "lines",
            "comment",
        ],
    )
    orders = [_order(rpc, row, partners[row["party"]]) for row in rows if row.get("number")]
    if not rows:
        return [], after
    last = rows[-1]
    return orders, Cursor(last["write_date"] or last["create_date"], last["id"])


def _order(rpc: TrytonRpc, row: dict[str, Any], partner_id: str) -> dict[str, Any]:
    lines = rpc.call(
        "purchase.line",
        "search_read",
        [("purchase", "=", row["id"]), ("type", "=", "line")],
        0,
        None,
        [("sequence", "ASC NULLS FIRST"), ("id", "ASC")],
        [
            "quantity",
            "unit.symbol",
            "unit_price",
            "product.code",
            "product_supplier.code",
            "description",
            "delivery_date",
        ],
    )
    changed = row["write_date"] or row["create_date"]
    return {
        "po_number": row["number"],
        "partner_id": partner_id,
        "order_date": _iso(row["purchase_date"]),
        "currency": (row.get("currency.") or {}).get("code"),
        "status": "cancelled" if row["state"] == "cancelled" else "open",
        "revision": changed.isoformat() if changed else None,
        "lines": [_line(i, ln) for i, ln in enumerate(lines, 1)],
    }


def _line(position: int, row: dict[str, Any]) -> dict[str, Any]:
    symbol = (row.get("unit.") or {}).get("symbol")
    price = row.get("unit_price")
    return {
        "line_number": str(position),
        "buyer_part_number": (row.get("product.") or {}).get("code"),
        "vendor_part_number": (row.get("product_supplier.") or {}).get("code"),
        "description": row.get("description") or None,
        "quantity": _number(Decimal(str(row["quantity"]))),
        "uom": UNITS.get(symbol or "", symbol),
        "unit_price": _number(price) if price is not None else None,
        "requested_date": _iso(row.get("delivery_date")),
    }


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
