"""Discrepancies are checked before the event is posted and carried on it: the ERP receives the
855 with what differs from the PO, in the buyer's words (``Event.discrepancies``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway.canonical import PoAcknowledgmentEvent, SupplyDelayEvent
from gateway.canonical.purchase_order import PurchaseOrder
from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline.deliver import deliver, post_claims
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.procurement.registry import publish
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import EventRecord
from tests.service.conftest import CONFIG

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"


def _receive(runtime: Runtime, name: str) -> str:
    raw = (SAMPLES / name).read_bytes()
    return receive(runtime.db, partner_id="demo-supplier", transport="http", raw=raw).message_id


def _po(number: str) -> PurchaseOrder:
    return PurchaseOrder.model_validate_json((SAMPLES / f"po-{number}.json").read_text())


def test_given_a_known_po_when_its_855_changes_and_rejects_lines_then_the_erp_receives_why(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    erp = MemoryErpConnector()
    runtime = Runtime(Settings(data_dir=tmp_path), Database(database_url), erp, CONFIG)
    try:
        sync_partners(runtime.db)
        publish(runtime.db, _po("4500012345"))
        outcome = process(runtime.db, _receive(runtime, "855-accepted-4010.edi"), CONFIG)
        for delivery_id in outcome.delivery_ids:
            deliver(runtime.db, delivery_id, erp, 3)
        with runtime.db.transaction() as session:
            (stored,) = session.execute(
                select(EventRecord.payload).where(EventRecord.type == "po_acknowledgment")
            ).scalars()

        posted, delay = sorted(erp.events.values(), key=lambda e: e.type)
        assert isinstance(posted, PoAcknowledgmentEvent) and isinstance(delay, SupplyDelayEvent)
        assert (delay.document.line_number, delay.document.requested_date) == ("2", "2026-11-20")
        assert (delay.document.new_date, delay.document.days_late) == ("2026-11-27", 7)
        assert (delay.document.quantity, delay.document.document) == ("800", "855")
        assert delay.document.document_event_id == posted.id
        carried = [(d.line_number, d.kind, d.severity) for d in posted.discrepancies]
        assert sorted(carried) == [
            ("2", "date_changed", "warning"),
            ("2", "quantity_changed", "warning"),
            ("3", "line_rejected", "error"),
        ]
        assert {d.po_number for d in posted.discrepancies} == {"4500012345"}
        assert all(d.message.startswith("Line ") for d in posted.discrepancies)
        assert stored["discrepancies"] == [d.model_dump(mode="json") for d in posted.discrepancies]
    finally:
        runtime.close()


def test_given_an_unknown_po_or_a_clean_document_then_the_event_has_no_discrepancies_field(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    erp = MemoryErpConnector()
    runtime = Runtime(Settings(data_dir=tmp_path), Database(database_url), erp, CONFIG)
    try:
        sync_partners(runtime.db)
        held = process(runtime.db, _receive(runtime, "810-4010.edi"), CONFIG, claim=True)
        post_claims(runtime.db, held.recorded.claims if held.recorded else [], erp, 3)
        (posted,) = erp.events.values()

        assert posted.discrepancies == []
        assert "discrepancies" not in posted.model_dump(mode="json")
    finally:
        runtime.close()
