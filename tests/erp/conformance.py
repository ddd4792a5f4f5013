"""What every ``ErpConnector`` promises, as a test class each implementation's tests subclass.

A subclass provides one fixture, ``harness``: the connector under test, a probe that counts what the
receiving side holds for an event id (rows, stored requests), and a way to get a connector whose
posts fail (unreachable peer, dropped table, injected fault). The class then checks the contract of
``gateway/erp/base.py``: a receipt for the posted id, idempotency on ``event.id`` (also under
concurrent posts), all four event types, and nothing but the gateway's delivery errors escaping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from gateway.canonical import Event
from gateway.erp import DeliveryReceipt, ErpConnector
from gateway.erp.base import RESPONSE_EXCERPT_CHARS
from gateway.errors import DeliveryError, FatalDeliveryError, RetriableDeliveryError

from .samples import EVENT_TYPES, one_of_each_type, sample_events, sample_of


@dataclass
class Harness:
    connector: ErpConnector
    stored: Callable[[str], int]
    """How many copies of the event's effect the receiving side holds (rows, processed requests)."""
    broken: Callable[[], ErpConnector]
    """A connector of the same kind whose next post fails."""


def post_until_delivered(
    connector: ErpConnector, event: Event, attempts: int = 20
) -> DeliveryReceipt:
    """What a worker does: retry retriable failures (e.g. SQLite "database is locked")."""
    for _ in range(attempts - 1):
        try:
            return connector.post(event)
        except RetriableDeliveryError:
            continue
    return connector.post(event)


class ConnectorConformance:
    """Subclass as ``TestXxxConformance`` and define a ``harness`` fixture."""

    def test_given_an_event_when_posted_then_the_receipt_is_for_that_event(
        self, harness: Harness
    ) -> None:
        event = sample_of("po_acknowledgment")

        receipt = harness.connector.post(event)

        assert isinstance(receipt, DeliveryReceipt)
        assert receipt.event_id == event.id
        assert receipt.connector == harness.connector.name
        assert receipt.duplicate is False
        assert len(receipt.response) <= RESPONSE_EXCERPT_CHARS
        assert harness.stored(event.id) == 1

    def test_given_a_posted_event_when_posted_again_then_it_takes_effect_once(
        self, harness: Harness
    ) -> None:
        event = sample_of("ship_notice")
        first = harness.connector.post(event)

        second = harness.connector.post(event)

        assert (first.duplicate, second.duplicate) == (False, True)
        assert second.event_id == event.id
        assert harness.stored(event.id) == 1

    def test_given_one_event_of_each_type_when_posted_then_all_four_types_are_accepted(
        self, harness: Harness
    ) -> None:
        events = one_of_each_type()

        receipts = [harness.connector.post(e) for e in events]

        assert {e.type for e in events} == EVENT_TYPES
        assert [r.event_id for r in receipts] == [e.id for e in events]
        assert all(harness.stored(e.id) == 1 for e in events)

    @pytest.mark.parametrize(
        "event", sample_events(), ids=lambda e: f"{e.type}-{e.source.version}-{e.id[-6:]}"
    )
    def test_given_any_sample_event_when_posted_then_it_is_stored_once(
        self, harness: Harness, event: Event
    ) -> None:
        receipt = harness.connector.post(event)

        assert not receipt.duplicate
        assert harness.stored(event.id) == 1

    def test_given_many_threads_when_they_post_one_event_at_once_then_it_takes_effect_once(
        self, harness: Harness
    ) -> None:
        event = sample_of("invoice")
        start = threading.Barrier(8)
        receipts: list[DeliveryReceipt] = []
        errors: list[BaseException] = []

        def worker() -> None:
            start.wait()
            try:
                receipts.append(post_until_delivered(harness.connector, event))
            except BaseException as exc:  # collected, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

        assert errors == []
        assert len(receipts) == 8
        assert sorted(r.duplicate for r in receipts) == [False] + [True] * 7
        assert harness.stored(event.id) == 1

    def test_given_a_failing_erp_when_posting_then_only_a_delivery_error_escapes(
        self, harness: Harness
    ) -> None:
        event = sample_of("functional_ack")
        connector = harness.broken()

        try:
            with pytest.raises(DeliveryError) as caught:
                connector.post(event)
        finally:
            connector.close()

        error = caught.value
        assert isinstance(error, RetriableDeliveryError | FatalDeliveryError)
        assert error.code.startswith(f"erp.{connector.name}.")
        assert error.context["connector"] == connector.name
        assert error.context["event_id"] == event.id
