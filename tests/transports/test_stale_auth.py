"""Authorisation follows the partner's current profile: a suspended or removed partner's keys
open nothing, with a 401 that says why (never a 500, never "unknown API key")."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from gateway.partner_store import sync_partners
from tests.transports.harness import (
    ACME_KEY,
    DEMO_KEY,
    SAMPLE_856,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)

SHIPPED = Path(__file__).resolve().parents[2] / "partners"


@pytest.fixture
def partners(tmp_path: Path) -> Path:
    root = tmp_path / "partners"
    shutil.copytree(SHIPPED, root, ignore=shutil.ignore_patterns("*.md"))
    return root


@pytest.fixture
def gateway(tmp_path: Path, partners: Path) -> Iterator[Gateway]:
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners, api_key_cache_s=0))
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


def resync(gateway: Gateway, partners: Path) -> None:
    assert sync_partners(gateway.runtime.db, partners) == []


def test_given_a_deleted_profile_when_synced_then_its_key_gets_a_clear_401(
    gateway: Gateway, partners: Path
) -> None:
    client = TestClient(gateway.app)
    (partners / "acme-fasteners.yaml").unlink()
    resync(gateway, partners)

    answer = client.get("/v1/receipts", headers=bearer(ACME_KEY))
    still = client.get("/v1/receipts", headers=bearer(DEMO_KEY))

    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == (
        "partner 'acme-fasteners' is no longer registered with this gateway"
    )
    assert still.status_code == 200


def test_given_a_suspended_partner_then_sending_gets_401_partner_suspended(
    gateway: Gateway, partners: Path
) -> None:
    path = partners / "demo-supplier.yaml"
    profile = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**profile, "status": "suspended"}))
    resync(gateway, partners)

    answer = TestClient(gateway.app).post(
        "/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY)
    )

    assert answer.status_code == 401
    assert "suspended" in answer.json()["error"]["message"]
    assert answer.headers["www-authenticate"].startswith("Bearer")
