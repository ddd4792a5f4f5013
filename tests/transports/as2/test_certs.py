"""Certificates for operators: ``gateway certs list|expiring`` and ``GET /ops/certs``; refused
AS2 messages per partner in ``GET /ops/messages``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway_app.cli import main
from tests.transports.as2.conftest import SECRET, AS2Gateway, as2_home
from tests.transports.as2.openssl_peer import build, read_mdn
from tests.transports.harness import ADMIN_TOKEN, bearer, build_gateway, runtime_for, settings_for


def test_given_an_expired_certificate_when_listing_expiring_then_it_is_named_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_PARTNERS_DIR", str(as2_home(tmp_path)))

    status = main(["certs", "expiring", "--days", "30"])

    out = capsys.readouterr().out
    assert status == 1
    assert [line.split()[1:3] for line in out.splitlines()] == [["demo-supplier", "partner"]]
    assert "expired.crt" in out
    assert main(["certs", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 6  # demo: 3 of theirs and 1 of ours; acme (test home): 1 and 1
    assert {line.split()[2] for line in listed} == {"partner", "ours"}


def test_given_the_ops_api_then_certificates_with_days_left(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, partners_dir=as2_home(tmp_path), as2_key_secret=SECRET)
    runtime = runtime_for(settings)
    try:
        with TestClient(build_gateway(runtime).app) as client:
            everything = client.get("/ops/certs", headers=bearer(ADMIN_TOKEN)).json()
            soon = client.get("/ops/certs?expiring_days=30", headers=bearer(ADMIN_TOKEN)).json()
            refused = client.get("/ops/certs")
    finally:
        runtime.close()

    assert len(everything["certificates"]) == 6 and everything["problems"] == []
    [expired] = soon["certificates"]
    assert (
        expired["expired"] and expired["days_left"] < 0 and expired["partner_id"] == "demo-supplier"
    )
    assert refused.status_code == 401


def test_given_refused_messages_then_operators_see_them_per_partner(
    as2_gateway: AS2Gateway,
) -> None:
    work = as2_gateway.workdir()
    message = build(b"not even X12", work)
    message.body = message.body[:100]
    assert read_mdn(as2_gateway.post(message, work), work).disposition.endswith("decryption-failed")

    with TestClient(as2_gateway.gateway.app) as client:
        answer = client.get(
            "/ops/messages?status=refused&partner=demo-supplier", headers=bearer(ADMIN_TOKEN)
        )

    assert answer.status_code == 200, answer.text
    found = [m for m in answer.json() if m["transport_message_id"] == message.message_id]
    assert [(m["status"], m["partner_id"]) for m in found] == [("refused", "demo-supplier")]
