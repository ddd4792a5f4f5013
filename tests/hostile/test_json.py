"""JSON bombs for ``POST /v1/documents``: 20 MB of empty objects, of tiny values, of nesting. Each
is refused by a count on the bytes before ``json.loads`` builds anything (``_too_big`` in
``gateway.pipeline.json_documents``), so the check at the door and the worker stay bounded."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from gateway.pipeline.json_documents import JSON_CONTENT_TYPE, JSON_TRANSPORT, check_json_message
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from tests.hostile.conftest import MB
from tests.service.conftest import CONFIG

SIZE = 20 * MB
BOMBS = {
    "empty-objects": b"[" + b"{}," * (SIZE // 3) + b"{}]",
    "tiny-values": b"[" + b"0," * (SIZE // 2) + b"0]",
    "nesting": b"[" * (SIZE // 2) + b"]" * (SIZE // 2),
    "one-event-with-wide-arrays": b'{"type":"ship_notice","document":{"lines":['
    + b"{}," * (SIZE // 3)
    + b"{}]}}",
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_given_a_20_mb_json_bomb_then_it_is_refused_by_name_in_bounded_memory_and_time(
    kind: str, sqlite_runtime: Runtime
) -> None:
    receipt = receive(
        sqlite_runtime.db,
        partner_id="demo-supplier",
        transport=JSON_TRANSPORT,
        raw=BOMBS[kind],
        content_type=JSON_CONTENT_TYPE,
    )
    started = time.perf_counter()
    tracemalloc.start()
    try:
        problem = check_json_message(sqlite_runtime.db, receipt.message_id, CONFIG)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    took = time.perf_counter() - started

    assert problem is not None
    assert "(limit)" in problem.message, problem.message
    assert peak < SIZE + 10 * MB, f"{kind}: {peak / MB:.0f} MB"  # the raw bytes, loaded once
    assert took < 5, f"{kind}: {took:.1f} s"


def test_given_a_normal_json_body_then_the_limits_do_not_refuse_it(sqlite_runtime: Runtime) -> None:
    body = b'{"type": "ship_notice", "document": {"shipment_id": "S-1", "lines": []}}'
    receipt = receive(
        sqlite_runtime.db,
        partner_id="demo-supplier",
        transport=JSON_TRANSPORT,
        raw=body,
        content_type=JSON_CONTENT_TYPE,
    )

    problem = check_json_message(sqlite_runtime.db, receipt.message_id, CONFIG)

    assert problem is None or "(limit)" not in problem.message
