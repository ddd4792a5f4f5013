"""The lifecycle on a running gateway: what each status lets through, test documents kept from the
ERP (and from replays), a status changed in the file, and API keys' last use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.erp.memory import MemoryErpConnector
from gateway.lifecycle import with_status
from gateway.partner_store import sync_partners
from gateway.pipeline.replay import replay_transaction
from gateway.queries.rows import utc
from gateway.store.models import Delivery, EventRecord, Partner, PartnerKey, utcnow
from tests.onboarding.support import home
from tests.transports.harness import (
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    sample_event,
    settings_for,
)


@pytest.fixture
def partners(tmp_path: Path) -> Path:
    root = home(tmp_path) / "partners"
    (root / "acme-fasteners.yaml").write_text(
        (Path(__file__).resolve().parents[2] / "partners" / "acme-fasteners.yaml").read_text()
    )
    return root


@pytest.fixture
def gateway(tmp_path: Path, partners: Path) -> Iterator[Gateway]:
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners, api_key_cache_s=0))
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


def set_profile(gateway: Gateway, partners: Path, **changes: Any) -> list[str]:
    path = partners / "demo-supplier.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), **changes}))
    return sync_partners(gateway.runtime.db, partners)


def erp(gateway: Gateway) -> MemoryErpConnector:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    return connector


def events(gateway: Gateway) -> list[tuple[bool, int]]:
    """(test, deliveries) of every stored event."""
    with gateway.runtime.db.sessions() as session:
        found = []
        for event in session.scalars(select(EventRecord)):
            count = session.scalars(select(Delivery).where(Delivery.event_id == event.id)).all()
            found.append((event.test, len(count)))
        return found


def test_given_a_live_partner_then_its_isa15_t_files_follow_its_test_indicator(
    gateway: Gateway, partners: Path
) -> None:
    client = TestClient(gateway.app)
    client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))
    assert events(gateway) == [(False, 1)] and erp(gateway).count() == 1  # deliver (the demo)

    assert set_profile(gateway, partners, test_indicator="hold") == []
    other = SAMPLE_856.parent / "856-SOI-4010.edi"
    receipt = client.post("/v1/x12", content=other.read_bytes(), headers=bearer(DEMO_KEY))

    found = client.get(receipt.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    assert found["outcome"] == "accepted" and found["events"][0]["test"] is True
    assert sorted(events(gateway)) == [(False, 1), (True, 0)] and erp(gateway).count() == 1


def test_given_a_testing_partner_then_json_documents_are_kept_too_and_replays_keep_them(
    gateway: Gateway, partners: Path
) -> None:
    assert set_profile(gateway, partners, status="testing") == []
    client = TestClient(gateway.app)

    other = SAMPLE_856.parent / "856-SOI-4010.edi"  # not the JSON event's shipment again

    client.post("/v1/documents", json=sample_event(id="evt_1"), headers=bearer(DEMO_KEY))
    x12 = client.post("/v1/x12", content=other.read_bytes(), headers=bearer(DEMO_KEY))

    assert events(gateway) == [(True, 0), (True, 0)] and erp(gateway).count() == 0
    receipt = client.get(x12.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    replayed = replay_transaction(
        gateway.runtime.db, receipt["transactions"][0]["id"], gateway.runtime.process_config
    )
    assert replayed.delivery_ids == [] and events(gateway) == [(True, 0), (True, 0)]


def test_given_a_draft_or_suspended_partner_then_its_key_gets_a_401_that_says_so(
    gateway: Gateway, partners: Path
) -> None:
    client = TestClient(gateway.app)
    messages = {}
    for status in ("draft", "suspended"):
        with gateway.runtime.db.transaction() as session:
            session.execute(update(Partner).values(status=status))
        answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))
        assert answer.status_code == 401
        messages[status] = answer.json()["error"]["message"]

    assert messages == {
        "draft": "partner 'demo-supplier' is a draft: it may send once the gateway's operators "
        "move it to testing",
        "suspended": "partner 'demo-supplier' is suspended: ask the gateway's operators to "
        "reinstate it",
    }
    assert gateway.count() == 0


def test_given_a_status_changed_in_the_file_then_sync_applies_it_audited_or_refuses_it(
    gateway: Gateway, partners: Path
) -> None:
    certified = [{"document": "856", "version": "004010"}]
    assert (
        set_profile(gateway, partners, status="testing", certification={"documents": certified})
        == []
    )
    [change] = gateway.audit("partner.status")
    assert (change.actor, change.detail["from"], change.detail["to"]) == (
        "partners sync",
        "live",
        "testing",
    )

    refused = set_profile(gateway, partners, status="live")

    assert refused == [
        "demo-supplier.yaml: status: partner demo-supplier cannot go live: certification "
        "incomplete (856 004010 not passed yet by an accepted test document); an operator may "
        "override with a reason (gateway partners promote demo-supplier --to live --override "
        "--reason TEXT)"
    ]
    with gateway.runtime.db.sessions() as session:
        assert session.get(Partner, "demo-supplier").status == "testing"  # type: ignore[union-attr]

    TestClient(gateway.app).post(
        "/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY)
    )
    assert sync_partners(gateway.runtime.db, partners) == []  # now certified: it goes live
    assert [a.detail["to"] for a in gateway.audit("partner.status")] == ["testing", "live"]


def test_given_a_profile_then_with_status_changes_its_status_line_only() -> None:
    text = "# comment\nid: x\nname: X\nstatus: testing   # why\nx12: {}\n"

    assert with_status(text, "live") == "# comment\nid: x\nname: X\nstatus: live   # why\nx12: {}\n"
    assert with_status("id: x\nname: X\nx12: {}\n", "draft") == (
        "id: x\nname: X\nstatus: draft\nx12: {}\n"
    )


def test_given_a_key_in_use_then_its_last_use_is_written_at_most_once_a_minute(
    gateway: Gateway,
) -> None:
    keys = gateway.runtime.keys

    def last_used() -> Any:
        with gateway.runtime.db.sessions() as session:
            return session.scalars(
                select(PartnerKey.last_used_at).where(PartnerKey.partner_id == "demo-supplier")
            ).one()

    assert last_used() is None
    keys.partner_for(DEMO_KEY)
    first = last_used()
    keys.partner_for(DEMO_KEY)
    assert first is not None and last_used() == first
    with gateway.runtime.db.transaction() as session:
        session.execute(update(PartnerKey).values(last_used_at=utcnow() - timedelta(minutes=2)))
    keys.partner_for(DEMO_KEY)
    assert utc(last_used()) >= utc(first)  # written again: the last write was 2 minutes old
