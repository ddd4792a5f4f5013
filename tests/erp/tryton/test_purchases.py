"""Confirmed purchases in Tryton come out as purchase orders, once per change (erp/tryton/purchases.py)."""

from __future__ import annotations

from gateway.erp.tryton.purchases import Cursor, changed_purchases
from gateway.erp.tryton.rpc import TrytonRpc, TrytonUrl

from .conftest import Database


def test_given_confirmed_purchases_then_each_comes_out_once_as_a_po_and_again_only_when_changed(
    tryton_db: Database,
) -> None:
    rpc = TrytonRpc(TrytonUrl.parse(tryton_db.url), timeout=30)

    orders, cursor = changed_purchases(rpc, None)
    again, same = changed_purchases(rpc, cursor)

    by_number = {o["po_number"]: o for o in orders}
    assert len(orders) == 10 and again == [] and same == cursor
    po = by_number["4500012345"]
    assert (po["partner_id"], po["currency"], po["status"]) == ("demo-supplier", "USD", "open")
    assert [
        (
            ln["line_number"],
            ln["buyer_part_number"],
            ln["vendor_part_number"],
            ln["quantity"],
            ln["uom"],
            ln["unit_price"],
        )
        for ln in po["lines"]
    ] == [
        ("1", "FST-10032", "HX-M8-25-ZP", "500", "EA", "0.085"),
        ("2", "ELC-20417", "CAP-100UF-25V", "1000", "EA", "0.42"),
        ("3", "ELC-30988", "REL-12V-10A", "250", "EA", "1.15"),
    ]
    assert cursor is not None and Cursor.parse(cursor.as_text()) == cursor

    admin = tryton_db.admin()
    (purchase,) = admin.call(
        "purchase.purchase", "search", [("number", "=", "4500012347")], 0, None, None
    )
    admin.call("purchase.purchase", "write", [purchase], {"comment": "expedite"})
    changed, _ = changed_purchases(rpc, cursor)

    assert [o["po_number"] for o in changed] == ["4500012347"]
    assert changed[0]["revision"] != by_number["4500012347"]["revision"]
