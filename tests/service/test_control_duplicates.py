"""The GS06 and ST02 duplicate layers across interchanges, by the partner's policy and its
``duplicate_checks`` (SQLite and PostgreSQL, one message at a time and in a batch).

A sender re-enveloping a group it already sent (new ISA13, same GS06 and ST02) is caught even when
the content changed; numbers of a set that was rejected before do not count, so a corrected
re-send is accepted. The ERP is ``MemoryErpConnector``, the in-memory test double of the ERP seam.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.partners import PartnerProfile
from gateway.pipeline import batch_run
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.process import process, process_batch
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.store.models import TransactionRecord
from tests.service.conftest import CONFIG
from tests.support.documents import numbered_asn


def profile_with(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    original = batch_run.partner_profile

    def changed(partner_id: str | None, config: ProcessConfig) -> PartnerProfile | None:
        profile = original(partner_id, config)
        return profile.model_copy(update=changes) if profile else None

    monkeypatch.setattr(batch_run, "partner_profile", changed)


def store(rt: Runtime, raw: bytes) -> str:
    return receive(rt.db, partner_id="demo-supplier", transport="http", raw=raw).message_id


def transaction(rt: Runtime, message_id: str) -> TransactionRecord:
    with rt.db.sessions() as s:
        return s.execute(
            select(TransactionRecord).where(TransactionRecord.message_id == message_id)
        ).scalar_one()


def test_given_a_group_re_enveloped_with_changes_then_st02_duplicate_rejected(
    runtime: Runtime,
) -> None:
    first = store(runtime, numbered_asn(1, gs06=42, shipment="SHPGRP1"))
    assert len(process(runtime.db, first, CONFIG).delivery_ids) == 1
    # new ISA13 and BSN02, same GS06 and ST02: the same group sent again, altered
    second = store(runtime, numbered_asn(2, gs06=42, shipment="SHPGRP2"))

    outcome = process(runtime.db, second, CONFIG)

    assert outcome.status == "processed" and outcome.delivery_ids == []
    record = transaction(runtime, second)
    assert record.event_id is None and record.duplicate_of == transaction(runtime, first).event_id
    assert record.validation["duplicate"]["layer"] == "st02"
    assert "ST02 0001" in record.validation["duplicate"]["reason"]


def test_given_a_reused_gs06_with_other_st02_then_gs06_duplicate(runtime: Runtime) -> None:
    first = store(runtime, numbered_asn(1, gs06=43, shipment="SHPGS1"))
    process(runtime.db, first, CONFIG)
    other_set = numbered_asn(2, gs06=43, shipment="SHPGS2").replace(b"*0001~", b"*0002~")
    second = store(runtime, other_set)

    assert process(runtime.db, second, CONFIG).delivery_ids == []
    assert transaction(runtime, second).validation["duplicate"]["layer"] == "gs06"


def test_given_accept_and_flag_then_the_control_duplicate_is_delivered_flagged(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile_with(monkeypatch, duplicate_policy="accept-and-flag")
    first = store(runtime, numbered_asn(1, gs06=44, shipment="SHPFL1"))
    process(runtime.db, first, CONFIG)
    second = store(runtime, numbered_asn(2, gs06=44, shipment="SHPFL2"))

    assert len(process(runtime.db, second, CONFIG).delivery_ids) == 1
    assert transaction(runtime, second).duplicate_of is not None


def test_given_a_partner_that_numbers_every_group_1_then_its_checks_leave_gs06_out(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile_with(monkeypatch, duplicate_checks=frozenset({"isa13", "business_key"}))
    ids = [store(runtime, numbered_asn(n, gs06=1, shipment=f"SHPONE{n}")) for n in range(3)]

    assert [len(process(runtime.db, i, CONFIG).delivery_ids) for i in ids] == [1, 1, 1]


def test_given_a_set_rejected_before_then_its_corrected_re_send_is_accepted(
    runtime: Runtime,
) -> None:
    broken = numbered_asn(1, gs06=45, shipment="SHPFIX").replace(b"SE*34*", b"SE*99*", 1)
    first = store(runtime, broken)
    process(runtime.db, first, CONFIG)
    assert transaction(runtime, first).status == "R"  # SE01 does not count the segments
    second = store(runtime, numbered_asn(2, gs06=45, shipment="SHPFIX"))

    assert len(process(runtime.db, second, CONFIG).delivery_ids) == 1
    assert transaction(runtime, second).duplicate_of is None


def test_given_both_in_one_batch_then_the_later_is_the_duplicate(runtime: Runtime) -> None:
    first = store(runtime, numbered_asn(1, gs06=46, shipment="SHPB1"))
    second = store(runtime, numbered_asn(2, gs06=46, shipment="SHPB2"))

    outcomes = process_batch(runtime.db, first, CONFIG, limit=10)
    if len(outcomes) == 1:  # SQLite: one message per batch
        outcomes.append(process(runtime.db, second, CONFIG))

    assert [len(o.delivery_ids) for o in outcomes] == [1, 0]
    assert transaction(runtime, second).validation["duplicate"]["layer"] == "st02"


def test_given_the_payload_check_left_out_then_the_same_bytes_are_received_again(
    runtime: Runtime,
) -> None:
    raw = numbered_asn(1)

    def again(checks: tuple[str, ...]) -> str:
        return receive(
            runtime.db, partner_id="demo-supplier", transport="http", raw=raw, checks=checks
        ).status

    assert again(("transport_id", "payload")) == "received"
    assert again(("transport_id",)) == "received"  # same bytes, but the layer is off
    assert again(("transport_id", "payload")) == "duplicate"
