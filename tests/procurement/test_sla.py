"""SLA timers per PO (issue 12 §5): when the supplier's 997, 855, 856 and 810 are due, the
``overdue`` filter, one ``po.*_overdue`` event per PO and timer delivered to the ERP, and the
timers stopping as the documents arrive."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.canonical import PoOverdueEvent
from gateway.erp.memory import MemoryErpConnector
from gateway.pipeline.deliver import deliver
from gateway.pipeline.sla import fire_due_timers
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import Delivery, EventRecord
from tests.conftest import fresh_database
from tests.procurement.test_outbound import fetch, functional_ack, segments
from tests.procurement.test_purchase_orders import DEMO, OPS, po, publish, send, state
from tests.transports.harness import Gateway, build_gateway, runtime_for, settings_for

FAR = datetime(2030, 1, 1, tzinfo=UTC)


def timers(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["timer"]: t for t in view["timers"]}


def raise_and_deliver(gateway: Gateway, now: datetime = FAR) -> list[PoOverdueEvent]:
    runtime = gateway.runtime
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    for delivery_id in fire_due_timers(runtime.db, runtime.process_config.connectors, now):
        deliver(runtime.db, delivery_id, erp, 3)
    return sorted(
        (e for e in erp.events.values() if isinstance(e, PoOverdueEvent)), key=lambda e: e.type
    )


def test_given_a_sent_po_then_its_timers_follow_the_partners_terms(client: TestClient) -> None:
    before = datetime.now(UTC)
    publish(client, po("po-4500012345.json"))
    view = state(client, "4500012345")

    found = timers(view)
    assert sorted(found) == ["acknowledgement", "functional_ack", "ship_notice"]
    sent = datetime.fromisoformat(found["functional_ack"]["due_at"]) - timedelta(hours=24)
    assert before - timedelta(seconds=1) <= sent <= datetime.now(UTC)
    ack = datetime.fromisoformat(found["acknowledgement"]["due_at"])
    assert ack - datetime.fromisoformat(found["functional_ack"]["due_at"]) == timedelta(hours=24)
    # the 856 is due on the earliest requested date (2026-11-20): already past on this clock
    assert found["ship_notice"]["due_at"].startswith("2026-11-20T00:00:00")
    assert found["ship_notice"]["overdue"] is True and found["ship_notice"]["raised"] is False
    assert view["overdue"] is True
    assert found["functional_ack"]["expected_document"] == "997"


def test_given_an_unsent_po_then_no_timer_runs(gateway: Gateway, client: TestClient) -> None:
    from gateway.canonical.purchase_order import PurchaseOrder
    from gateway.procurement.registry import publish as register

    register(gateway.runtime.db, PurchaseOrder.model_validate(po("po-4500012349.json")))

    assert state(client, "4500012349")["timers"] == []
    assert raise_and_deliver(gateway) == []


def test_given_timers_that_ran_out_then_each_event_reaches_the_erp_once(
    gateway: Gateway, client: TestClient
) -> None:
    publish(client, po("po-4500012345.json"))

    first = raise_and_deliver(gateway)
    again = raise_and_deliver(gateway)

    assert [e.type for e in first] == [
        "po.ack_overdue",
        "po.functional_ack_overdue",
        "po.ship_notice_overdue",
    ]
    assert [e.id for e in again] == [e.id for e in first]  # nothing new was raised
    event = first[0]
    assert event.partner_id == "demo-supplier" and event.document.po_number == "4500012345"
    assert event.document.expected_document == "855"
    assert event.source.document_type == "850" and event.source.sender_id == "GATEWAYBUYER"
    assert "has not acknowledged (855) PO 4500012345" in event.document.message
    view = state(client, "4500012345")
    assert all(t["raised"] for t in view["timers"])
    with gateway.runtime.db.sessions() as session:
        stored = session.scalars(select(EventRecord).where(EventRecord.type.like("po.%"))).all()
        assert len(stored) == 3 and {e.message_id for e in stored} == {None}
        assert session.scalar(select(Delivery.status).limit(1)) == "delivered"


def test_given_the_documents_then_their_timers_stop(gateway: Gateway, client: TestClient) -> None:
    publish(client, po("po-4500012345.json"))
    (item,) = fetch(client)
    client.post(
        "/v1/x12", content=functional_ack(segments(item["payload"])[1][6]).encode(), headers=DEMO
    )
    after_997 = sorted(timers(state(client, "4500012345")))
    send(client, "855-accepted-4010.edi")
    after_855 = sorted(timers(state(client, "4500012345")))

    assert after_997 == ["acknowledgement", "ship_notice"]
    assert after_855 == ["ship_notice"]
    assert [e.type for e in raise_and_deliver(gateway)] == ["po.ship_notice_overdue"]


def test_given_a_shipped_po_then_the_invoice_is_due_after_the_partners_days(
    client: TestClient,
) -> None:
    publish(client, po("po-4500012349.json"))
    send(client, "856-SOPI-4010.edi")  # ships PO 4500012349

    found = timers(state(client, "4500012349"))

    assert "ship_notice" not in found and "invoice" in found
    due = datetime.fromisoformat(found["invoice"]["due_at"])
    assert timedelta(days=29, hours=23) < due - datetime.now(UTC) <= timedelta(days=30)


def test_given_the_overdue_filter_then_only_overdue_pos_are_listed(client: TestClient) -> None:
    publish(client, po("po-4500012345.json"))  # its 856 was due on 2026-11-20
    future = po("po-4500012349.json")
    for line in future["lines"]:
        line["requested_date"] = "2099-01-01"
    publish(client, future)

    overdue = client.get("/ops/purchase-orders?overdue=true", headers=OPS).json()
    every = client.get("/ops/purchase-orders", headers=OPS).json()
    csv = client.get("/ops/purchase-orders?overdue=true&format=csv", headers=OPS).text

    assert [(p["po_number"], p["overdue_timers"]) for p in overdue] == [
        ("4500012345", ["ship_notice"])
    ]
    assert {p["po_number"]: p["overdue"] for p in every} == {
        "4500012345": True,
        "4500012349": False,
    }
    assert csv.splitlines()[1].startswith("4500012345,") and ",True,ship_notice," in csv


def test_a_supplier_cannot_send_an_event_only_the_gateway_raises(client: TestClient) -> None:
    event = {
        "type": "po.ack_overdue",
        "id": "x-1",
        "source": {
            "version": "004010",
            "document_type": "850",
            "sender_id": "DEMOSUPPLIER",
            "receiver_id": "GATEWAYBUYER",
            "interchange_control_number": "1",
            "group_control_number": "1",
            "control_number": "0001",
        },
        "document": {
            "po_number": "4500012345",
            "timer": "acknowledgement",
            "expected_document": "855",
            "due_at": "2026-12-01T00:00:00+00:00",
            "po_status": "sent",
            "message": "forged",
        },
    }

    answer = client.post("/v1/documents", json=event, headers=DEMO)

    assert answer.status_code == 422, answer.text
    assert "set by the gateway only" in answer.text


def test_given_two_sweeps_at_once_on_postgresql_then_each_timer_is_raised_once(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None
) -> None:
    with fresh_database("postgresql", tmp_path_factory, pg_problem) as url:
        two_sweeps(tmp_path, url)


def two_sweeps(tmp_path: Path, postgres_url: str) -> None:
    upgrade(postgres_url)
    gateway = build_gateway(runtime_for(settings_for(tmp_path, database_url=postgres_url)))
    try:
        with TestClient(gateway.app) as client:
            for n in range(20):
                publish(client, po("po-4500012345.json", po_number=f"45000990{n:02d}"))
        db = gateway.runtime.db
        results: list[list[int]] = []

        def sweep() -> None:
            other = Database(postgres_url)
            try:
                results.append(fire_due_timers(other, ("memory",), FAR))
            finally:
                other.dispose()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with db.sessions() as session:
            raised = session.scalars(select(EventRecord.id).where(EventRecord.type.like("po.%")))
            assert len(list(raised)) == 60
        assert sorted(len(r) for r in results)[-1] <= 60 and sum(len(r) for r in results) == 60
    finally:
        gateway.runtime.close()
