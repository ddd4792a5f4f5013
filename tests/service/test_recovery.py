"""A message that can never be finished does not come back for ever: the start-up sweep gives up
on it after ``recovery_limit`` recoveries, and an operator can cancel a received message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gateway.pipeline import sweep as sweep_module
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.pipeline.replay import cancel_message, retry_message
from gateway.pipeline.sweep import sweep
from gateway.runtime import Runtime
from gateway.store.models import AuditEntry, InboundMessage
from gateway_app.cli import main
from tests.support.documents import numbered_asn


def stored(rt: Runtime, n: int) -> str:
    return receive(
        rt.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(n)
    ).message_id


def restart(rt: Runtime, monkeypatch: pytest.MonkeyPatch, limit: int = 3) -> list[str]:
    """One start-up sweep, as a worker process runs it (the window between starts elapsed)."""
    monkeypatch.setattr(sweep_module, "RECOVERY_WINDOW", timedelta(0))
    return sweep(rt.db, recovery_limit=limit).message_ids


def test_given_a_message_that_never_finishes_then_given_up_after_the_limit(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    crasher, fine = stored(runtime, 1), stored(runtime, 2)
    process(runtime.db, fine)

    for _ in range(3):  # each start takes it up again; the worker dies on it each time
        assert restart(runtime, monkeypatch) == [crasher]
    assert restart(runtime, monkeypatch) == []  # the fourth start gives up

    with runtime.db.sessions() as s:
        message = s.get(InboundMessage, crasher)
        assert message is not None and message.status == "failed"
        assert "given up after 3 recoveries" in (message.error or "")
        audit = s.scalars(select(AuditEntry.action).where(AuditEntry.subject == crasher)).all()
        assert "message.given_up" in audit
    assert retry_message(runtime.db, crasher)  # after a fix it can be taken again, from zero
    assert restart(runtime, monkeypatch) == [crasher]


def test_given_worker_processes_starting_together_then_one_recovery_is_counted(
    runtime: Runtime,
) -> None:
    message_id = stored(runtime, 3)
    for _ in range(4):  # four processes start within the window
        sweep(runtime.db, recovery_limit=3)
    with runtime.db.sessions() as s:
        assert (
            s.scalar(select(InboundMessage.recoveries).where(InboundMessage.id == message_id)) == 1
        )


def test_given_the_periodic_sweep_then_nothing_is_counted(runtime: Runtime) -> None:
    message_id = stored(runtime, 4)
    with runtime.db.transaction() as s:
        s.execute(
            update(InboundMessage).values(
                received_at=InboundMessage.received_at - timedelta(hours=1)
            )
        )
    assert sweep(runtime.db, timedelta(minutes=5)).message_ids == [message_id]
    with runtime.db.sessions() as s:
        assert s.scalar(select(InboundMessage.recoveries)) == 0


def test_given_a_received_message_when_cancelled_then_workers_and_sweep_skip_it(
    runtime: Runtime,
) -> None:
    message_id = stored(runtime, 5)

    assert (
        cancel_message(runtime.db, message_id, "operator:test", "partner sent it by mistake")
        == "received"
    )

    assert sweep(runtime.db).message_ids == []
    assert process(runtime.db, message_id).status == "cancelled"
    assert cancel_message(runtime.db, message_id, "operator:test", "again") == "cancelled"
    assert cancel_message(runtime.db, "msg_" + "0" * 24, "operator:test", "x") is None


def test_given_the_cli_when_cancelling_then_reason_required_and_kept(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.partner_store import sync_partners
    from gateway.settings import Settings

    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    rt = Runtime.from_settings(Settings())
    sync_partners(rt.db)
    message_id = stored(rt, 6)

    assert main(["messages", "cancel", message_id]) == 2  # no reason
    assert main(["messages", "cancel", message_id, "--reason", "test file"]) == 0
    assert main(["messages", "cancel", message_id, "--reason", "twice"]) == 1
    with rt.db.sessions() as s:
        message = s.get(InboundMessage, message_id)
        assert message is not None and message.status == "cancelled"
        assert message.error == "cancelled by operator:cli: test file"
    rt.close()
