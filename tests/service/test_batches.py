"""``process_batch`` and ``process_group``: one worker records many waiting messages in one
transaction (PostgreSQL).

Batches must change nothing but the cost: each message ends as it would alone, duplicates between
messages of one batch are found as if they had come one after the other, and a message another
worker holds, or one that failed before, is never taken. On SQLite (one writer, no SKIP LOCKED)
a batch is the requested message alone. The ERP is ``MemoryErpConnector``, the in-memory test
double of the ERP seam.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from gateway.pipeline.process import GroupOutcome, process, process_batch, process_group
from gateway.pipeline.receive import receive
from gateway.pipeline.records import BatchConflict
from gateway.runtime import Runtime
from gateway.store.models import Acknowledgment, Delivery, InboundMessage, TransactionRecord
from tests.service.conftest import CONFIG
from tests.support.documents import numbered_asn
from tests.transports.harness import sample_event


def asn(n: int, *, isa13: int | None = None, shipment: str | None = None) -> bytes:
    """The demo ASN with its own ISA13, GS06 and BSN02 (or the ones given)."""
    return numbered_asn(500_000 + n, isa13=isa13, shipment=shipment)


def store(rt: Runtime, raw: bytes, transport: str = "http") -> str:
    return receive(rt.db, partner_id="demo-supplier", transport=transport, raw=raw).message_id


def statuses(rt: Runtime, ids: list[str]) -> list[str]:
    with rt.db.sessions() as s:
        rows = dict(
            s.execute(
                select(InboundMessage.id, InboundMessage.status).where(InboundMessage.id.in_(ids))
            ).all()
        )
    return [rows[i] for i in ids]


def batching(rt: Runtime) -> bool:
    return rt.db.engine.dialect.name != "sqlite"


def test_given_waiting_messages_when_one_is_processed_in_a_batch_then_all_are_recorded(
    runtime: Runtime,
) -> None:
    ids = [store(runtime, asn(n)) for n in range(5)]

    outcomes = process_batch(runtime.db, ids[2], CONFIG, limit=10)

    assert outcomes[0].message_id == ids[2]  # the requested message leads
    if not batching(runtime):
        assert len(outcomes) == 1 and statuses(runtime, ids).count("received") == 4
        return
    assert sorted(o.message_id for o in outcomes) == sorted(ids)
    assert all(o.status == "processed" and len(o.delivery_ids) == 1 for o in outcomes)
    assert statuses(runtime, ids) == ["processed"] * 5
    # each one's own queue entry then finds nothing to do
    assert [process(runtime.db, i, CONFIG).delivery_ids for i in ids] == [[]] * 5
    with runtime.db.sessions() as s:
        acks = s.execute(select(Acknowledgment.message_id, Acknowledgment.edi)).all()
    assert sorted(m for m, _ in acks) == sorted(ids)  # one 997 each
    isa13s = {edi.split("*")[13] for _, edi in acks}
    assert len(isa13s) == 5  # with control numbers of their own


def test_given_a_limit_when_more_are_waiting_then_the_batch_stops_there(runtime: Runtime) -> None:
    ids = [store(runtime, asn(n)) for n in range(6)]

    outcomes = process_batch(runtime.db, ids[0], CONFIG, limit=3)

    assert len(outcomes) == (3 if batching(runtime) else 1)
    assert statuses(runtime, ids).count("processed") == len(outcomes)


def test_given_same_isa13_twice_in_one_batch_then_the_later_is_a_duplicate_with_ta1(
    runtime: Runtime,
) -> None:
    first = store(runtime, asn(1, isa13=777))
    second = store(runtime, asn(2, isa13=777))  # new bytes, same ISA13: a re-enveloped re-send

    outcomes = process_batch(runtime.db, first, CONFIG, limit=10)

    if not batching(runtime):
        outcomes.append(process(runtime.db, second, CONFIG))
    assert [o.status for o in outcomes] == ["processed", "duplicate"]
    with runtime.db.sessions() as s:
        message = s.get(InboundMessage, second)
        ta1 = s.execute(
            select(Acknowledgment.edi).where(Acknowledgment.message_id == second)
        ).scalar_one()
    assert message is not None and message.duplicate_of == first
    assert "*R*025~" in ta1


def test_given_same_business_key_twice_in_one_batch_then_the_later_event_is_rejected(
    runtime: Runtime,
) -> None:
    first = store(runtime, asn(1, shipment="SHPSAMEKEY"))
    changed = asn(2, shipment="SHPSAMEKEY").replace(b"SN1*1*100*", b"SN1*1*90*", 1)
    second = store(runtime, changed)  # other ISA13, same BSN02, other content

    outcomes = process_batch(runtime.db, first, CONFIG, limit=10)

    if not batching(runtime):
        outcomes.append(process(runtime.db, second, CONFIG))
    assert [len(o.delivery_ids) for o in outcomes] == [1, 0]  # demo-supplier's policy: reject
    with runtime.db.sessions() as s:
        rows = s.execute(
            select(
                TransactionRecord.message_id,
                TransactionRecord.event_id,
                TransactionRecord.duplicate_of,
            ).order_by(TransactionRecord.id)
        ).all()
    assert rows[0].message_id == first and rows[0].event_id is not None
    assert rows[1].message_id == second and rows[1].event_id is None
    assert rows[1].duplicate_of == rows[0].event_id


def test_given_one_event_id_with_two_contents_in_a_batch_then_batch_conflict_and_alone_works(
    runtime: Runtime,
) -> None:
    one = json.dumps(sample_event(id="evt_batch_same")).encode()
    other = sample_event(id="evt_batch_same")
    other["document"] = {**other["document"], "bill_of_lading": "BOL-OTHER"}
    first = store(runtime, one, transport="http-json")
    second = store(runtime, json.dumps(other).encode(), transport="http-json")
    if not batching(runtime):
        pytest.skip("SQLite processes one message per batch: no batch to conflict")

    with pytest.raises(BatchConflict):
        process_batch(runtime.db, first, CONFIG, limit=10)

    assert statuses(runtime, [first, second]) == ["received", "received"]  # rolled back whole
    assert process(runtime.db, first, CONFIG).status == "processed"
    assert process(runtime.db, second, CONFIG).status == "failed"  # id reused, other content


def test_given_a_message_that_failed_before_then_other_batches_leave_it_alone(
    runtime: Runtime,
) -> None:
    ids = [store(runtime, asn(n)) for n in range(3)]
    with runtime.db.transaction() as s:
        s.execute(update(InboundMessage).where(InboundMessage.id == ids[1]).values(attempts=1))

    outcomes = process_batch(runtime.db, ids[0], CONFIG, limit=10)

    assert ids[1] not in [o.message_id for o in outcomes]
    assert statuses(runtime, ids)[1] == "received"  # its own queue entry will retry it
    assert process(runtime.db, ids[1], CONFIG).status == "processed"


def test_given_claim_when_batched_then_every_delivery_is_claimed_with_its_event(
    runtime: Runtime,
) -> None:
    ids = [store(runtime, asn(n)) for n in range(3)]

    outcomes = process_batch(runtime.db, ids[0], CONFIG, claim=True, limit=10)

    claims = [c for o in outcomes for c in o.claims]
    assert len(claims) == len(outcomes) and all(c.attempt == 1 for c in claims)
    with runtime.db.sessions() as s:
        attempts = dict(s.execute(select(Delivery.id, Delivery.attempts)).all())
    assert {attempts[c.delivery_id] for c in claims} == {1}
    assert {c.event.type for c in claims} == {"ship_notice"}


def test_given_a_group_then_exactly_its_waiting_messages_are_one_batch(
    runtime: Runtime,
) -> None:
    ids = [store(runtime, asn(n)) for n in range(5)]
    group = [ids[3], ids[1], ids[4]]

    result = process_group(runtime.db, group, CONFIG)

    if not batching(runtime):
        assert result == GroupOutcome(alone=group)  # each on its own, by the caller
        return
    assert [o.message_id for o in result.outcomes] == [ids[1], ids[3], ids[4]]  # by arrival
    assert all(o.status == "processed" and len(o.delivery_ids) == 1 for o in result.outcomes)
    assert (result.alone, result.busy) == ([], [])
    # the others wait for their own group
    assert statuses(runtime, ids) == ["received", "processed", "received", "processed", "processed"]


def test_given_a_group_with_done_held_and_failed_messages_then_those_are_left_to_the_caller(
    runtime: Runtime,
) -> None:
    if not batching(runtime):
        pytest.skip("SQLite leaves every message of a group to the caller (no SKIP LOCKED)")
    done, held, failed, fresh = (store(runtime, asn(n)) for n in range(4))
    assert process(runtime.db, done, CONFIG).status == "processed"
    with runtime.db.transaction() as s:
        s.execute(update(InboundMessage).where(InboundMessage.id == failed).values(attempts=1))
    with runtime.db.transaction() as other_worker:
        other_worker.get(InboundMessage, held, with_for_update=True)  # held until this block ends

        result = process_group(runtime.db, [done, held, failed, fresh], CONFIG)

    assert [o.message_id for o in result.outcomes] == [fresh]  # never waited for the held one
    assert (result.busy, result.alone) == ([held], [failed])
    assert statuses(runtime, [done, held, failed, fresh]) == [
        "processed",
        "received",
        "received",
        "processed",
    ]


def test_given_a_group_with_an_id_never_stored_then_it_is_dropped_not_looked_at_again(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    if not batching(runtime):
        pytest.skip("SQLite leaves every message of a group to the caller (no SKIP LOCKED)")
    fresh = store(runtime, asn(0))

    result = process_group(runtime.db, ["msg_never_stored", fresh], CONFIG)

    assert [o.message_id for o in result.outcomes] == [fresh]
    assert (result.busy, result.alone) == ([], [])  # not re-sent every 2 s for ever
    assert "not in the database, skipped: msg_never_stored" in caplog.text
