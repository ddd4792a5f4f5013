"""Hostile input through the worker path: stored, processed, answered, all bounded.

Issue 17: 1 MB of repeated ``N9~`` took 2.7 GB in a worker, stored about 198 MB each in the
transaction's validation and the message's metadata, and made a 361 MB receipt. Each bomb is
stored here with ``receive`` and processed in-process (SQLite) as a worker does; then:

* the message is ``processed`` (a document error, answered; never ``failed`` or retried);
* every stored row it left (message metadata, transaction validations, interchange results,
  acknowledgements) and its receipt, as the supplier API serves it, are under 1 MB;
* the worker's own allocations (``tracemalloc`` peak while processing) stay flat: past the raw
  bytes, a set within the limits is held once, and a bomb past them is not held at all.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.queries import messages as views
from gateway.runtime import Runtime
from gateway.store.models import (
    Acknowledgment,
    InboundMessage,
    InterchangeRecord,
    TransactionRecord,
)
from tests.hostile.conftest import KINDS, MB
from tests.service.conftest import CONFIG
from transports.http.schemas import receipt_from

SIZE = 8 * MB
MAX_STORED = 1 * MB
HELD = {"elements", "components", "repeats"}
"""Bombs whose one set stays within the set limits until late: held once, as any set is."""


def stored_sizes(runtime: Runtime, message_id: str) -> dict[str, int]:
    """The largest stored value of each kind the message left, in bytes of JSON or EDI."""
    with runtime.db.sessions() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == "processed", message and message.error
        sizes = {"meta": len(json.dumps(message.meta))}
        for name, column in (
            ("validation", TransactionRecord.validation),
            ("interchange", InterchangeRecord.result),
        ):
            values = session.execute(select(column)).scalars().all()
            sizes[name] = max((len(json.dumps(v)) for v in values), default=0)
        acks = session.execute(select(Acknowledgment.edi)).scalars().all()
        sizes["ack"] = max((len(edi) for edi in acks), default=0)
    view = views.message_detail(runtime.db, message_id)
    assert view is not None
    sizes["receipt"] = len(receipt_from(view).model_dump_json())
    return sizes


@pytest.mark.parametrize("kind", KINDS)
def test_given_bomb_when_processed_by_a_worker_then_stored_answer_and_memory_are_bounded(
    kind: str, bomb_file: Callable[[str, int], Path], sqlite_runtime: Runtime
) -> None:
    raw = bomb_file(kind, SIZE).read_bytes()
    receipt = receive(sqlite_runtime.db, partner_id="demo-supplier", transport="http", raw=raw)
    del raw
    tracemalloc.start()
    try:
        outcome = process(sqlite_runtime.db, receipt.message_id, CONFIG)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.status == "processed" and outcome.errors and outcome.event_ids == []
    sizes = stored_sizes(sqlite_runtime, receipt.message_id)
    assert max(sizes.values()) < MAX_STORED, sizes
    # The message's raw bytes are loaded once, and a set within the limits is held once (its
    # text, then its segments); nothing else grows with the input.
    held = 2 * SIZE if kind in HELD else SIZE
    assert peak < held + 40 * MB, f"{kind}: {peak / MB:.0f} MB peak"


def test_given_the_issue_reproduction_when_processed_then_memory_is_flat_in_its_size(
    bomb_file: Callable[[str, int], Path], sqlite_runtime: Runtime
) -> None:
    """Four times the input: only the raw bytes' own growth shows in the peak."""
    peaks = []
    for size in (2 * MB, SIZE):
        raw = bomb_file("undefined", size).read_bytes()
        receipt = receive(sqlite_runtime.db, partner_id="demo-supplier", transport="http", raw=raw)
        del raw
        tracemalloc.start()
        try:
            process(sqlite_runtime.db, receipt.message_id, CONFIG)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] - peaks[0] < 1.5 * (SIZE - 2 * MB), [p / MB for p in peaks]
