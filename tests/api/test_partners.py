"""``/ops/partners``: a new API partner from nothing to live over the operator API, and the refusals
on the way (every problem of a bad request at once, go-live before certification)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.store.models import AuditEntry, Partner, PartnerKey
from tests.onboarding.support import CERTIFYING, NEWCO_VALUES, gateway_on, home, newco_file
from tests.transports.harness import ADMIN_TOKEN, Gateway, bearer, settings_for

OPS = bearer(ADMIN_TOKEN)


@pytest.fixture
def partners(tmp_path: Path) -> Path:
    return home(tmp_path) / "partners"


@pytest.fixture
def gateway(tmp_path: Path, partners: Path) -> Iterator[Gateway]:
    gateway = gateway_on(settings_for(tmp_path, partners_dir=partners, api_key_cache_s=0))
    assert sync_partners(gateway.runtime.db, partners) == []
    try:
        yield gateway
    finally:
        gateway.runtime.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway.app) as test_client:
        yield test_client


def erp(gateway: Gateway) -> MemoryErpConnector:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    return connector


def send(client: TestClient, key: str, raw: bytes) -> dict[str, Any]:
    answer = client.post("/v1/x12", content=raw, headers=bearer(key))
    assert answer.status_code == 202, answer.text
    receipt = client.get(answer.json()["links"]["self"], headers=bearer(key))
    return dict(receipt.json())


def test_given_a_new_api_partner_when_onboarded_over_ops_then_it_goes_from_nothing_to_live(
    gateway: Gateway, client: TestClient, partners: Path
) -> None:
    templates = client.get("/ops/partners/templates", headers=OPS).json()
    assert {"x12-4010-api", "x12-5010-api", "json-api", "x12-4010-as2"} <= {
        t["name"] for t in templates
    }

    created = client.post(
        "/ops/partners",
        json={"id": "newco", "template": "x12-4010-api", "values": NEWCO_VALUES},
        headers=OPS,
    )

    assert created.status_code == 201, created.text
    answer = created.json()
    key, sheet = answer["api_key"], answer["sheet"]
    assert key.startswith("gk_") and key not in sheet and key[:10] in sheet
    for expected in ("ZZ/NEWCOPARTSUS", "ZZ/GATEWAYBUYER", "004010 / 00401", "/v1/x12"):
        assert expected in sheet
    assert "[ ] 856 004010" in sheet
    assert answer["partner"]["status"] == "testing"
    assert yaml.safe_load((partners / "newco.yaml").read_text())["status"] == "testing"

    early = client.post("/ops/partners/newco/promote", json={"to": "live"}, headers=OPS)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "partner.not_certified"
    assert [i["passed"] for i in early.json()["error"]["checklist"]] == [False] * 3

    receipts = [send(client, key, newco_file(sample)) for sample in CERTIFYING]

    for receipt in receipts:
        assert (receipt["status"], receipt["outcome"]) == ("processed", "accepted")
        assert "AK5*A~" in receipt["acknowledgments"][0]["edi"]
        [event] = receipt["events"]
        assert event["test"] is True and event["deliveries"] == []
    assert erp(gateway).count() == 0  # nothing reached the ERP
    shown = client.get(f"/ops/messages/{receipts[0]['receipt_id']}", headers=OPS).json()
    assert shown["events"][0]["test"] is True
    detail = client.get("/ops/partners/newco", headers=OPS).json()
    assert [(i["document"], i["passed"], i["message_ids"]) for i in detail["checklist"]] == [
        (doc, True, [r["receipt_id"]])
        for doc, r in zip(("855", "856", "810"), receipts, strict=True)
    ]
    assert detail["certified"] is True

    live = client.post(
        "/ops/partners/newco/promote",
        json={"to": "live", "reason": "certified by its test files"},
        headers=OPS,
    )

    assert live.status_code == 200, live.text
    assert (live.json()["before"], live.json()["after"], live.json()["overridden"]) == (
        "testing",
        "live",
        False,
    )
    assert yaml.safe_load((partners / "newco.yaml").read_text())["status"] == "live"
    [audit] = gateway.audit("partner.status")
    assert (audit.actor, audit.subject) == ("operator:token", "newco")
    assert audit.detail["reason"] == "certified by its test files"
    assert audit.detail["checklist"]["856 004010"] == [receipts[1]["receipt_id"]]

    first = send(client, key, newco_file("856-SOTPI-4010", usage="P"))
    still_test = send(client, key, newco_file("856-SI-4010", usage="T"))

    [event] = first["events"]
    assert event["test"] is False and event["deliveries"][0]["status"] == "delivered"
    assert still_test["events"][0]["test"] is True  # test_indicator: hold
    assert list(erp(gateway).events) == [event["id"]]


def test_given_a_bad_request_then_every_problem_is_answered_at_once_and_nothing_created(
    gateway: Gateway, client: TestClient, partners: Path
) -> None:
    values = {"ISA_ID": "DEMOSUPPLIER", "CONTACT_NAME": "Ann", "FOO": "1"}

    answer = client.post(
        "/ops/partners", json={"id": "newco", "template": "x12-4010-api", "values": values},
        headers=OPS,
    )  # fmt: skip

    assert answer.status_code == 422
    problems = answer.json()["error"]["problems"]
    assert {tuple(p["placeholders"]) for p in problems} == {
        ("FOO",),
        ("PARTNER_NAME",),
        ("CONTACT_EMAIL",),
        ("ISA_QUALIFIER", "ISA_ID"),
    }
    clash = next(p for p in problems if p["field"] == "x12.sender_ids.0")
    assert clash["message"] == "ZZ/DEMOSUPPLIER is already a sender id of demo-supplier"
    unknown = client.post(
        "/ops/partners", json={"id": "New Co", "template": "x12-4010-apx"}, headers=OPS
    )
    assert unknown.status_code == 422
    assert [p["field"] for p in unknown.json()["error"]["problems"]] == [None, "template"]
    assert not (partners / "newco.yaml").exists()
    with gateway.runtime.db.sessions() as session:
        assert session.get(Partner, "newco") is None
        assert session.scalars(select(PartnerKey)).all() == []
        assert session.scalars(select(AuditEntry).where(AuditEntry.subject == "newco")).all() == []


def test_given_an_unknown_partner_then_404_and_an_override_needs_a_reason(
    client: TestClient,
) -> None:
    assert client.get("/ops/partners/nobody", headers=OPS).status_code == 404
    promote = client.post("/ops/partners/nobody/promote", json={"to": "live"}, headers=OPS)
    assert promote.status_code == 404
    created = client.post(
        "/ops/partners",
        json={"id": "newco", "template": "x12-4010-api", "values": NEWCO_VALUES},
        headers=OPS,
    )
    assert created.status_code == 201

    bare = client.post(
        "/ops/partners/newco/promote", json={"to": "live", "override": True}, headers=OPS
    )
    forced = client.post(
        "/ops/partners/newco/promote",
        json={"to": "live", "override": True, "reason": "urgent: certified by phone"},
        headers=OPS,
    )

    assert bare.status_code == 409 and "needs a reason" in bare.json()["error"]["message"]
    assert forced.status_code == 200 and forced.json()["overridden"] is True
    listed = {p["id"]: p for p in client.get("/ops/partners", headers=OPS).json()}
    assert listed["newco"]["status"] == "live" and listed["newco"]["certified"] is False
