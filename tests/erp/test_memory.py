"""The in-memory stub: the conformance suite, and its fault injection."""

from __future__ import annotations

import pytest

from gateway.erp import ErpConnector, MemoryErpConnector
from gateway.errors import FatalDeliveryError, RetriableDeliveryError

from .conformance import ConnectorConformance, Harness
from .samples import sample_of


def broken_memory() -> ErpConnector:
    connector = MemoryErpConnector()
    connector.fail_next(1)
    return connector


class TestMemoryConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Harness:
        connector = MemoryErpConnector()
        return Harness(connector, lambda event_id: int(event_id in connector.events), broken_memory)


def test_given_fail_next_two_when_posting_three_times_then_two_retriable_errors_then_stored() -> (
    None
):
    connector = MemoryErpConnector()
    event = sample_of("invoice")
    connector.fail_next(2)

    for _ in range(2):
        with pytest.raises(RetriableDeliveryError) as caught:
            connector.post(event)
        assert caught.value.code == "erp.memory.unavailable"
        assert connector.count() == 0
    receipt = connector.post(event)

    assert not receipt.duplicate
    assert connector.events == {event.id: event}
    assert connector.receipts(event.id) == 1


def test_given_a_fatal_failure_when_posting_then_fatal_error_and_nothing_stored() -> None:
    connector = MemoryErpConnector()
    connector.fail_next(retriable=False)

    with pytest.raises(FatalDeliveryError) as caught:
        connector.post(sample_of("ship_notice"))

    assert caught.value.code == "erp.memory.rejected"
    assert connector.count() == 0


def test_given_a_duplicate_post_when_counting_then_receipts_count_both_and_events_one() -> None:
    connector = MemoryErpConnector()
    event = sample_of("po_acknowledgment")

    connector.post(event)
    connector.post(event)

    assert connector.receipts(event.id) == 2
    assert connector.count() == 1
    assert connector.receipts("evt_unknown") == 0
