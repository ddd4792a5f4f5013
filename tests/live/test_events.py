"""Versions on every stored event, ``gateway partners test`` and the corrected replay
(``replay --repost``), on a runtime that runs live reload as ``gateway run`` does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.erp.memory import MemoryErpConnector
from gateway.live.history import previous_map_version
from gateway.partners import profile_version
from gateway.pipeline.deliver import deliver
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.pipeline.repost import repost_transaction
from gateway.queries.messages import message_detail
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import Base, Delivery, EventRecord, TransactionRecord
from gateway_app.cli import main
from tests.live.support import DEMO, UOM_EACH, home, renumbered, units, write_override


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return home(tmp_path)


@pytest.fixture
def runtime(root: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    values = {
        "home": root,
        "database_url": database_url,
        "erp_connector": "memory",
        "reload_interval_s": 0,  # the tests call check() themselves
    }
    for name, value in values.items():  # the CLI commands of the tests read the same
        monkeypatch.setenv(f"GATEWAY_{name.upper()}", str(value))
    rt = Runtime.from_settings(Settings(_env_file=None, **values))  # type: ignore[arg-type]
    assert rt.watch_config() == []
    yield rt
    assert rt.live is not None
    rt.live.stop(uninstall_snapshot=True)
    rt.close()


def received(runtime: Runtime, n: int, *, post: bool = True) -> int:
    """Receive, process and (``post``) deliver the demo 856 numbered ``n``; its transaction id."""
    stored = receive(runtime.db, partner_id=DEMO, transport="http", raw=renumbered(n))
    outcome = process(runtime.db, stored.message_id, runtime.process_config)
    if post:
        for delivery_id in outcome.delivery_ids:
            deliver(runtime.db, delivery_id, runtime.connector, 3)
    with runtime.db.sessions() as session:
        return session.scalars(
            select(TransactionRecord.id).where(TransactionRecord.message_id == stored.message_id)
        ).one()


def event_of(runtime: Runtime, event_id: str) -> EventRecord:
    with runtime.db.sessions() as session:
        event = session.get(EventRecord, event_id)
        assert event is not None
        return event


def transaction_event(runtime: Runtime, transaction_id: int) -> EventRecord:
    with runtime.db.sessions() as session:
        record = session.get(TransactionRecord, transaction_id)
        assert record is not None and record.event_id is not None
    return event_of(runtime, record.event_id)


def row_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.db.sessions() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def change_map(runtime: Runtime, root: Path) -> None:
    write_override(root, UOM_EACH)
    assert runtime.live is not None and runtime.live.check() is True


def test_given_a_map_change_then_each_event_records_the_versions_it_was_made_with(
    runtime: Runtime, root: Path
) -> None:
    first = transaction_event(runtime, received(runtime, 201))
    change_map(runtime, root)
    second = transaction_event(runtime, received(runtime, 202))

    live = runtime.live
    assert live is not None and live.snapshot is not None
    assert (
        first.profile_version == second.profile_version == profile_version(DEMO, root / "partners")
    )
    assert first.map_version is not None and second.map_version == live.snapshot.map_version(DEMO)
    assert first.map_version != second.map_version
    assert units(first.payload) == {"EA"} and units(second.payload) == {"EACH"}
    detail = message_detail(runtime.db, second.message_id)
    assert detail is not None and detail.events[0].map_version == second.map_version


def test_given_a_delivered_event_and_corrected_maps_when_reposted_then_a_new_event_supersedes_it(
    runtime: Runtime, root: Path
) -> None:
    connector = runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    transaction_id = received(runtime, 301)
    original = transaction_event(runtime, transaction_id)
    change_map(runtime, root)

    result = repost_transaction(runtime.db, transaction_id, runtime.process_config)
    assert result.refused == ""
    assert result.event_id is not None and result.event_id != original.id
    assert result.supersedes == original.id
    assert {d["path"].rsplit("/", 1)[-1] for d in result.diff} == {"uom"}
    for delivery_id in result.delivery_ids:
        assert deliver(runtime.db, delivery_id, connector, 3).status == "delivered"
        assert deliver(runtime.db, delivery_id, connector, 3).status == "delivered"  # no-op

    posted = connector.events[result.event_id]
    assert posted.supersedes == original.id and units(posted.model_dump(mode="json")) == {"EACH"}
    assert connector.receipts(result.event_id) == 1 and connector.receipts(original.id) == 1
    assert event_of(runtime, original.id).superseded_by == result.event_id
    correction = event_of(runtime, result.event_id)
    assert correction.supersedes == original.id
    assert correction.map_version != original.map_version
    detail = message_detail(runtime.db, original.message_id)
    assert detail is not None
    assert [(e.id, e.superseded_by, e.supersedes) for e in detail.events] == [
        (original.id, result.event_id, None),
        (result.event_id, None, original.id),
    ]

    counts = row_counts(runtime)
    again = repost_transaction(runtime.db, transaction_id, runtime.process_config)
    assert "same output" in again.refused and again.event_id is None
    assert row_counts(runtime) == counts
    assert connector.count() == 2


def test_given_nothing_delivered_when_reposted_then_it_is_refused_in_words(
    runtime: Runtime, root: Path
) -> None:
    pending = received(runtime, 401, post=False)
    change_map(runtime, root)

    result = repost_transaction(runtime.db, pending, runtime.process_config)

    assert "not delivered yet (pending)" in result.refused
    assert "without --repost" in result.refused
    with runtime.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 1
    with pytest.raises(KeyError):
        repost_transaction(runtime.db, 999_999, runtime.process_config)


def test_given_the_cli_when_replay_repost_runs_twice_then_one_correction_is_delivered(
    runtime: Runtime, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transaction_id = received(runtime, 501)
    original = transaction_event(runtime, transaction_id)
    assert main(["replay", str(transaction_id), "--repost"]) == 1  # same maps: refused
    assert "same output" in capsys.readouterr().err
    change_map(runtime, root)

    assert main(["replay", str(transaction_id), "--repost"]) == 0
    out, err = capsys.readouterr()
    [shown] = json.loads(out)
    assert shown["supersedes"] == original.id and "delivery: delivered" in err
    assert main(["replay", str(transaction_id), "--repost"]) == 1
    assert "same output" in capsys.readouterr().err
    with runtime.db.sessions() as session:
        rows = session.execute(select(Delivery.event_id, Delivery.status)).all()
    assert sorted(rows) == sorted([(original.id, "delivered"), (shown["event_id"], "delivered")])


def test_given_partners_test_then_it_prints_the_output_and_the_diff_and_stores_nothing(
    runtime: Runtime, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "asn.edi"
    sample.write_bytes(renumbered(601))
    counts = row_counts(runtime)

    assert main(["partners", "test", DEMO, str(sample)]) == 0
    output, rest = split(capsys.readouterr().out)
    assert output["outcome"] == "translated" and output["to_erp"] == ["delivered"]
    assert units(output["documents"][0]) == {"EA"}
    assert rest.startswith(f"# no previous map version of {DEMO} in the history")

    change_map(runtime, root)  # the running gateway takes it in, and keeps the old version
    counts = row_counts(runtime)
    assert main(["partners", "test", DEMO, str(sample)]) == 0
    output, rest = split(capsys.readouterr().out)
    assert units(output["documents"][0]) == {"EACH"}
    previous = previous_map_version(runtime.db, DEMO, output["map_version"])
    assert previous is not None
    assert rest.startswith(f"# compared with the previous map version {previous.version}")
    assert '-          "uom": "EA"' in rest and '+          "uom": "EACH"' in rest
    assert row_counts(runtime) == counts


def test_given_partners_test_with_a_file_from_another_sender_then_it_says_rejected(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "asn.edi"
    sample.write_bytes(renumbered(701).replace(b"DEMOSUPPLIER", b"ACMEFAST    "))

    assert main(["partners", "test", DEMO, str(sample)]) == 1

    captured = capsys.readouterr()
    output, _ = split(captured.out)
    assert output["outcome"] == "rejected" and output["documents"] == []
    assert "rejected:" in captured.err and "ACMEFAST" in captured.err


def test_given_invalid_maps_then_partners_test_lists_the_problems_and_translates_nothing(
    runtime: Runtime, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_override(root, "extends: base\nuom: [broken]\n")
    sample = tmp_path / "asn.edi"
    sample.write_bytes(renumbered(801))

    assert main(["partners", "test", DEMO, str(sample)]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "maps/demo-supplier/x12-856.yaml" in captured.err
    assert "keep its previous version" in captured.err


def split(text: str) -> tuple[dict[str, Any], str]:
    """The JSON object at the start of ``text``, and what follows it."""
    value, end = json.JSONDecoder().raw_decode(text)
    return value, text[end:].lstrip()
