"""The embedded demo ERP: the conformance suite on a SQLite file, and its browsing calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from gateway.erp import ErpConnector, LocalSinkErpConnector
from gateway.errors import ConfigurationError

from .conformance import ConnectorConformance, Harness
from .samples import one_of_each_type, sample_of


def rows_for(path: Path, event_id: str) -> int:
    with sqlite3.connect(path) as db:
        (n,) = db.execute(
            "SELECT count(*) FROM erp_sink_received WHERE event_id = ?", (event_id,)
        ).fetchone()
    return int(n)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[LocalSinkErpConnector]:
    with LocalSinkErpConnector(tmp_path / "sink.db") as connector:
        assert isinstance(connector, LocalSinkErpConnector)
        yield connector


class TestSinkConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[Harness]:
        path = tmp_path / "sink.db"

        def broken() -> ErpConnector:
            connector = LocalSinkErpConnector(tmp_path / "broken.db")
            with sqlite3.connect(tmp_path / "broken.db") as db:
                db.execute("DROP TABLE erp_sink_received")
            return connector

        with LocalSinkErpConnector(path) as connector:
            yield Harness(connector, lambda event_id: rows_for(path, event_id), broken)


def test_given_a_duplicate_post_when_browsing_then_count_is_distinct_and_receipts_count_posts(
    sink: LocalSinkErpConnector,
) -> None:
    events = one_of_each_type()
    for event in events:
        sink.post(event)

    again = sink.post(events[0])

    assert again.duplicate
    assert sink.count() == len(events)
    assert sink.receipts(events[0].id) == 2
    assert [sink.receipts(e.id) for e in events[1:]] == [1] * (len(events) - 1)
    assert sink.receipts("evt_never_posted") == 0


def test_given_posted_events_when_listing_then_newest_first_without_payloads(
    sink: LocalSinkErpConnector,
) -> None:
    events = one_of_each_type()
    for event in events:
        sink.post(event)

    listed = sink.list()

    assert [r["event_id"] for r in listed] == [e.id for e in reversed(events)]
    assert all("payload" not in r for r in listed)
    assert listed[0]["event_type"] == events[-1].type
    assert listed[0]["partner_id"] == "demo-supplier"
    assert listed[0]["times_received"] == 1
    assert datetime.fromisoformat(listed[0]["received_at"]).utcoffset() is not None


def test_given_posted_events_when_listing_by_type_with_a_limit_then_only_those_are_returned(
    sink: LocalSinkErpConnector,
) -> None:
    for event in one_of_each_type():
        sink.post(event)

    invoices = sink.list(event_type="invoice")
    first_two = sink.list(limit=2)
    rest = sink.list(limit=50, offset=2)

    assert [r["event_type"] for r in invoices] == ["invoice"]
    assert len(first_two) == 2
    assert {r["event_id"] for r in first_two} | {r["event_id"] for r in rest} == {
        e.id for e in one_of_each_type()
    }


def test_given_a_posted_event_when_getting_it_then_the_payload_is_the_canonical_event(
    sink: LocalSinkErpConnector,
) -> None:
    event = sample_of("ship_notice")
    sink.post(event)

    record = sink.get(event.id)

    assert record is not None
    assert record["payload"] == event.model_dump(mode="json")
    assert record["event_type"] == "ship_notice"
    assert sink.get("evt_never_posted") is None


def test_given_a_sink_file_when_reopened_then_what_it_received_is_still_there(
    tmp_path: Path,
) -> None:
    event = sample_of("invoice")
    with LocalSinkErpConnector(tmp_path / "nested" / "dir" / "sink.db") as first:
        first.post(event)

    with LocalSinkErpConnector(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'sink.db'}") as again:
        receipt = again.post(event)
        assert receipt.duplicate
        assert again.receipts(event.id) == 2


def test_given_a_path_under_a_regular_file_when_building_then_configuration_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("not a folder")

    with pytest.raises(ConfigurationError) as caught:
        LocalSinkErpConnector(tmp_path / "file" / "sink.db")

    assert caught.value.code == "erp.sink.bad_path"
