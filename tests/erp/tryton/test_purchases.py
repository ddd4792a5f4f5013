"""Confirmed purchases in Tryton come out as purchase orders, once per change (erp/tryton/purchases.py)."""

from __future__ import annotations

from pathlib import Path

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


def test_given_confirmed_purchases_then_pull_publishes_them_to_the_registry_once(
    tryton_db: Database, tmp_path: Path
) -> None:
    from gateway.erp.tryton import TrytonErpConnector
    from gateway.partner_store import sync_partners
    from gateway.pipeline.config import ProcessConfig
    from gateway.pipeline.purchase_orders import publisher
    from gateway.procurement.pull import pull
    from gateway.queries.purchase_orders import purchase_order
    from gateway.store.db import Database as GatewayDb
    from gateway.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    db = GatewayDb(url)
    sync_partners(db)
    connector = TrytonErpConnector(tryton_db.url)

    publish = publisher(db, ProcessConfig())
    first = pull(connector, None, publish)
    again = pull(connector, None, publish)  # a restart: the cursor is lost

    (view,) = purchase_order(db, "4500012345")
    assert (dict(first.outcomes), dict(again.outcomes)) == ({"created": 10}, {"unchanged": 10})
    assert first.problems == []
    assert [(ln.line_number, ln.buyer_part_number, ln.ordered_quantity) for ln in view.lines] == [
        ("1", "FST-10032", "500"),
        ("2", "ELC-20417", "1000"),
        ("3", "ELC-30988", "250"),
    ]
    assert [t.kind for t in view.transmissions] == ["850"]  # sent once, not again on the rerun
    db.dispose()
