"""Operator commands that work through many items, with their progress on standard error:
``dead-letters --retry-all``, ``messages retry --status failed`` and ``replay --message``.
Embedded defaults (SQLite, the local ERP sink) in a temporary data directory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.cli import main
from gateway.pipeline.process import mark_failed, process
from gateway.pipeline.receive import receive
from gateway.progress import Progress
from gateway.service import Runtime, sync_partners
from gateway.settings import Settings
from gateway.store.models import Delivery, InboundMessage
from tests.support.documents import numbered_asn


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    rt = Runtime.from_settings(Settings())
    sync_partners(rt)
    return rt


def stored(rt: Runtime, n: int) -> str:
    return receive(
        rt.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(n)
    ).message_id


def test_given_dead_letters_when_all_retried_then_delivered_with_progress(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(3):
        process(runtime.db, stored(runtime, n), runtime.process_config)
    with runtime.db.transaction() as s:
        s.execute(update(Delivery).values(status="dead", attempts=8))

    assert main(["dead-letters", "--retry-all"]) == 0

    out, err = capsys.readouterr()
    assert "dead letters retried: 3/3 (3 delivered)" in out
    assert "dead letters retried: 0/3" in err  # the first progress line, before any work
    with runtime.db.sessions() as s:
        assert set(s.scalars(select(Delivery.status))) == {"delivered"}


def test_given_failed_messages_when_retried_then_processed_and_delivered(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [stored(runtime, n) for n in range(2)]
    for message_id in ids:
        mark_failed(runtime.db, message_id, "RuntimeError: a bug, since fixed")

    assert main(["messages", "retry", "--status", "failed"]) == 0

    assert "messages retried: 2/2 (2 processed)" in capsys.readouterr().out
    with runtime.db.sessions() as s:
        assert set(s.scalars(select(InboundMessage.status))) == {"processed"}
        assert set(s.scalars(select(Delivery.status))) == {"delivered"}


def test_given_a_message_when_replayed_whole_then_one_result_per_set(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    message_id = stored(runtime, 1)
    process(runtime.db, message_id, runtime.process_config)

    assert main(["replay", "--message", message_id]) == 0

    out = capsys.readouterr().out
    results = json.loads(out)
    assert [r["changed"] for r in results] == [False]


def test_given_a_terminal_then_the_bar_is_redrawn_in_place() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with Progress(4, "work", stream=screen) as progress:
        for outcome in ("ok", "ok", "failed", "ok"):
            progress.advance(outcome)
    assert screen.getvalue().count("\r") == 6 and screen.getvalue().endswith("\n")
    assert "[" + "#" * 30 + "] work: 4/4 (1 failed, 3 ok)" in screen.getvalue()
