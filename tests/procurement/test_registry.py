"""The registry on both databases, through the worker path (receive, process): documents linked in
the transaction that stores their events, and the state computed again from scratch."""

from __future__ import annotations

from pathlib import Path

from gateway.canonical.purchase_order import PurchaseOrder
from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.procurement.registry import publish
from gateway.queries.purchase_orders import purchase_order
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from tests.service.conftest import CONFIG

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"


def test_given_documents_around_a_po_then_the_state_is_the_same_on_either_database(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    runtime = Runtime(
        Settings(data_dir=tmp_path), Database(database_url), MemoryErpConnector(), CONFIG
    )
    try:
        sync_partners(runtime.db)
        for name in ("856-SOI-4010.edi", "855-accepted-4010.edi"):  # before the PO, 856 first
            receipt = receive(
                runtime.db,
                partner_id="demo-supplier",
                transport="http",
                raw=(SAMPLES / name).read_bytes(),
            )
            process(runtime.db, receipt.message_id, CONFIG)
        order = PurchaseOrder.model_validate_json((SAMPLES / "po-4500012345.json").read_text())

        published = publish(runtime.db, order)
        (view,) = purchase_order(runtime.db, "4500012345")

        assert (published.outcome, published.linked_documents) == ("created", 2)
        assert view.status == "shipped"
        assert [
            (ln.line_number, ln.acknowledged_quantity, ln.shipped_quantity) for ln in view.lines
        ] == [
            ("1", "500", "500"),
            ("2", "800", "800"),
            ("3", "0", "0"),
        ]
        assert {d.kind for d in view.discrepancies} == {
            "quantity_changed",
            "date_changed",
            "line_rejected",
        }
    finally:
        runtime.close()
