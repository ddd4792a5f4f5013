"""receive -> process -> deliver against a real database (SQLite and PostgreSQL), in-process.

The ERP here is ``MemoryErpConnector``, the in-memory test double of the ERP seam (a customer's
SAP cannot run here); the real webhook and SQL connectors are tested in tests/erp/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.canonical import Event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.erp.memory import MemoryErpConnector
from gateway.partners import PartnerProfile
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.deliver import deliver, post_claims
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.pipeline.replay import replay_transaction, retry_delivery
from gateway.pipeline.sweep import sweep
from gateway.runtime import Runtime
from gateway.store.models import (
    Acknowledgment,
    Delivery,
    EventRecord,
    InboundMessage,
    TransactionRecord,
)
from tests.service.conftest import CONFIG
from tests.support.documents import numbered_asn

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"
ASN = (SAMPLES / "856-SOPI-4010.edi").read_bytes()


def run_all(rt: Runtime, message_id: str, attempts: int = 3) -> list[str]:
    outcome = process(rt.db, message_id, CONFIG)
    return [deliver(rt.db, d, rt.connector, attempts).status for d in outcome.delivery_ids]


def test_given_stored_asn_when_processed_and_delivered_then_erp_has_it_once(
    runtime: Runtime,
) -> None:
    receipt = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    assert run_all(runtime, receipt.message_id) == ["delivered"]
    assert (
        process(runtime.db, receipt.message_id, CONFIG).delivery_ids == []
    )  # second run: nothing to do
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector) and erp.count() == 1
    with runtime.db.sessions() as s:
        message = s.get(InboundMessage, receipt.message_id)
        assert message is not None and message.raw == ASN and message.status == "processed"
        acks = list(s.execute(select(Acknowledgment.kind)).scalars())
        assert acks == ["997"]


def test_given_delivery_run_twice_then_one_post(runtime: Runtime) -> None:
    receipt = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    (delivery_id,) = process(runtime.db, receipt.message_id, CONFIG).delivery_ids
    assert deliver(runtime.db, delivery_id, runtime.connector, 3).status == "delivered"
    assert deliver(runtime.db, delivery_id, runtime.connector, 3).status == "delivered"
    assert isinstance(runtime.connector, MemoryErpConnector) and runtime.connector.count() == 1


def test_given_same_bytes_twice_when_policy_reject_then_second_is_a_stored_duplicate(
    runtime: Runtime,
) -> None:
    first = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    second = receive(
        runtime.db, partner_id="demo-supplier", transport="http", raw=ASN, duplicate_policy="reject"
    )
    assert second.status == "duplicate" and second.duplicate_of == first.message_id
    assert not second.needs_processing
    with runtime.db.sessions() as s:
        stored = s.get(InboundMessage, second.message_id)
        assert stored is not None and stored.raw == ASN  # nothing lost


def test_given_same_isa13_new_bytes_when_policy_reject_then_ta1_025(runtime: Runtime) -> None:
    first = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    run_all(runtime, first.message_id)
    changed = ASN.replace(b"BSN*00*", b"BSN*05*", 1)
    second = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=changed)
    outcome = process(runtime.db, second.message_id, CONFIG)
    assert outcome.status == "duplicate" and outcome.delivery_ids == []
    with runtime.db.sessions() as s:
        ta1 = s.execute(
            select(Acknowledgment.edi).where(Acknowledgment.message_id == second.message_id)
        ).scalar_one()
    assert "*R*025~" in ta1


def test_given_same_isa13_when_policy_accept_and_flag_then_processed_and_flagged(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.pipeline import batch_run

    original = batch_run.partner_profile

    def accept_and_flag(partner_id: str | None, config: ProcessConfig) -> PartnerProfile | None:
        profile = original(partner_id, config)
        return (
            profile.model_copy(update={"duplicate_policy": "accept-and-flag"}) if profile else None
        )

    monkeypatch.setattr(batch_run, "partner_profile", accept_and_flag)
    first = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    run_all(runtime, first.message_id)
    changed = ASN.replace(b"SN1*1*100*", b"SN1*1*90*", 1)  # same ISA13 and BSN02, other quantity
    second = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=changed)
    outcome = process(runtime.db, second.message_id, CONFIG)
    assert outcome.status == "processed" and len(outcome.delivery_ids) == 1
    with runtime.db.sessions() as s:
        message = s.get(InboundMessage, second.message_id)
        assert message is not None and message.meta["flagged_duplicate_of"] == first.message_id
        record = s.execute(
            select(TransactionRecord).where(TransactionRecord.message_id == second.message_id)
        ).scalar_one()
        assert record.duplicate_of is not None  # same BSN02: a business-key duplicate, flagged


def test_given_erp_down_when_delivering_then_retrying_then_dead_then_replayed(
    runtime: Runtime,
) -> None:
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    receipt = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    (delivery_id,) = process(runtime.db, receipt.message_id, CONFIG).delivery_ids
    erp.fail_next(2, retriable=True)
    first = deliver(runtime.db, delivery_id, erp, max_attempts=2)
    assert first.status == "retrying" and first.retry
    second = deliver(runtime.db, delivery_id, erp, max_attempts=2)
    assert second.status == "dead" and not second.retry
    assert sweep(runtime.db).delivery_ids == []  # dead letters wait for an operator
    assert retry_delivery(runtime.db, delivery_id)
    assert deliver(runtime.db, delivery_id, erp, max_attempts=5).status == "delivered"
    assert erp.count() == 1


def test_given_fatal_erp_answer_then_dead_at_once(runtime: Runtime) -> None:
    erp = runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    receipt = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    (delivery_id,) = process(runtime.db, receipt.message_id, CONFIG).delivery_ids
    erp.fail_next(1, retriable=False)
    assert deliver(runtime.db, delivery_id, erp, max_attempts=8).status == "dead"
    with runtime.db.sessions() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery is not None and delivery.attempts == 1 and delivery.last_error


def test_given_unfinished_work_when_swept_then_found(runtime: Runtime) -> None:
    pending = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    found = sweep(runtime.db)
    assert found.message_ids == [pending.message_id]
    delivery_ids = process(runtime.db, pending.message_id, CONFIG).delivery_ids
    assert sweep(runtime.db).delivery_ids == delivery_ids


def test_given_map_changed_when_transaction_replayed_then_diff_and_revision(
    runtime: Runtime,
) -> None:
    receipt = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=ASN)
    (delivery_id,) = process(runtime.db, receipt.message_id, CONFIG).delivery_ids
    with runtime.db.transaction() as s:
        record = s.execute(select(TransactionRecord)).scalar_one()
        event = s.get(EventRecord, record.event_id)
        assert event is not None
        stale = dict(event.payload)
        stale["document"] = {**stale["document"], "shipment_id": "OLD-MAP-VALUE"}
        event.payload = stale
        transaction_id = record.id
    result = replay_transaction(runtime.db, transaction_id, CONFIG)
    assert result.changed
    assert {
        "path": "/document/shipment_id",
        "old": "OLD-MAP-VALUE",
        "new": stale_new(runtime, result.event_id),
    } in result.diff
    assert result.delivery_ids == [delivery_id]


def stale_new(runtime: Runtime, event_id: str | None) -> str:
    with runtime.db.sessions() as s:
        event = s.get(EventRecord, event_id)
        assert event is not None and event.revision == 2
        return str(event.payload["document"]["shipment_id"])


class CountingRecorded(ErpConnector):
    """Before each post, how many deliveries the database already shows as delivered."""

    name = "memory"

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.seen: list[int] = []
        self.erp = MemoryErpConnector()

    def post(self, event: Event) -> DeliveryReceipt:
        with self.rt.db.sessions() as s:
            self.seen.append(
                len(s.scalars(select(Delivery.id).where(Delivery.status == "delivered")).all())
            )
        return self.erp.post(event)


def test_given_posts_slower_than_the_record_interval_then_they_are_recorded_while_posting(
    runtime: Runtime,
) -> None:
    """A worker killed while posting to a slow ERP leaves few posts unrecorded (each one would
    be posted again); a fast ERP still costs one recording transaction per batch."""
    outcomes = [
        process(
            runtime.db,
            receive(
                runtime.db,
                partner_id="demo-supplier",
                transport="http",
                raw=numbered_asn(800_000 + n),
            ).message_id,
            CONFIG,
            claim=True,
        )
        for n in range(6)
    ]
    claims = [c for o in outcomes for c in o.claims]
    erp = CountingRecorded(runtime)

    post_claims(runtime.db, claims[:3], erp, 3, record_every_s=0)  # every post is "slow"
    post_claims(runtime.db, claims[3:], erp, 3)  # fast: recorded at the end

    assert erp.seen == [0, 1, 2, 3, 3, 3]
    with runtime.db.sessions() as s:
        assert len(s.scalars(select(Delivery.id).where(Delivery.status == "delivered")).all()) == 6
