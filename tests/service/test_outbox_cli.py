"""``gateway outbox list|retry``: embedded defaults (SQLite) in a temporary data directory, the
demo supplier sending its documents over a push transport (``memory``, the seam's stub, which the
command line's own sender table holds like any registered push transport)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from gateway.partner_store import sync_partners
from gateway.pipeline.process import mark_failed, process
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import OutboxItem
from gateway_app.cli import main
from tests.support.documents import numbered_asn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    partners = tmp_path / "partners"
    partners.mkdir()
    for source in (ROOT / "partners").glob("*.yaml"):
        profile = yaml.safe_load(source.read_text())
        if profile["id"] == "demo-supplier":
            profile["transports"]["outbound"] = "memory"
        (partners / source.name).write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_PARTNERS_DIR", str(partners))
    rt = Runtime.from_settings(Settings())
    sync_partners(rt.db, partners)
    return rt


def failed_item(rt: Runtime) -> str:
    message_id = receive(
        rt.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(5)
    ).message_id
    (ref,) = process(rt.db, message_id, rt.process_config).outbound
    with rt.db.transaction() as s:
        s.execute(update(OutboxItem).values(status="failed", attempts=8, last_error="refused"))
    return ref.id


def test_given_a_failed_item_when_listed_and_retried_then_sent_from_the_command_line(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id = failed_item(runtime)

    assert main(["outbox", "list", "--status", "failed"]) == 0
    listed = capsys.readouterr().out
    assert main(["outbox", "retry", item_id]) == 0
    retried = capsys.readouterr().out
    assert main(["outbox", "retry", item_id]) == 0  # sent, never acknowledged: again
    assert main(["outbox", "retry", "out_000000000000000000000000"]) == 1

    assert item_id in listed and "demo-supplier" in listed and "refused" in listed
    assert f"outbox item {item_id}: sent" in retried
    with runtime.db.sessions() as s:
        assert s.scalar(select(OutboxItem.status)) == "sent"
    runtime.close()


def test_given_a_failed_message_when_retried_then_its_997_is_sent_in_process(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    message_id = receive(
        runtime.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(6)
    ).message_id
    mark_failed(runtime.db, message_id, "a bug, since fixed")

    assert main(["messages", "retry", message_id]) == 0

    with runtime.db.sessions() as s:
        assert list(s.execute(select(OutboxItem.kind, OutboxItem.status))) == [("997", "sent")]
    runtime.close()


def test_given_a_profile_naming_an_unknown_outbound_transport_then_check_config_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = yaml.safe_load((ROOT / "partners" / "demo-supplier.yaml").read_text())
    profile["transports"]["outbound"] = "carrier-pigeon"
    (tmp_path / "demo-supplier.yaml").write_text(yaml.safe_dump(profile))

    code = main(["check-config", "--partners", str(tmp_path)])

    assert code == 1
    err = capsys.readouterr().err
    assert "demo-supplier.yaml: transports.outbound: no transport 'carrier-pigeon'" in err
