"""Operator commands that work through many items, with their progress on standard error:
``dead-letters --retry-all``, ``messages retry --status failed`` and ``replay --message``.
Embedded defaults (SQLite, the local ERP sink) in a temporary data directory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.partner_store import sync_partners
from gateway.pipeline.process import mark_failed, process
from gateway.pipeline.receive import receive
from gateway.progress import Progress
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import Delivery, InboundMessage
from gateway_app.cli import main
from tests.support.documents import numbered_asn


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    rt = Runtime.from_settings(Settings())
    sync_partners(rt.db)
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


def test_given_a_processed_message_then_cli_and_operator_api_show_the_same_view(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from gateway_app.webapp import create_app

    message_id = stored(runtime, 7)
    process(runtime.db, message_id, runtime.process_config)
    capsys.readouterr()

    assert main(["messages", "show", message_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    app = create_app(runtime, lambda _id: None, lambda _ids: None)
    answered = TestClient(app, client=("127.0.0.1", 5000)).get(f"/ops/messages/{message_id}")

    assert answered.status_code == 200
    assert shown == answered.json()
    assert shown["transactions"][0]["code"] == "856"
