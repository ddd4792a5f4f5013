"""A gateway with both demo partners, one staff member per role, and a console client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.staff.support import cheap_hashes, staff_of_every_role
from tests.transports.harness import Gateway, build_gateway, runtime_for, settings_for


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    runtime = runtime_for(settings_for(tmp_path))
    try:
        gateway = build_gateway(runtime)
        staff_of_every_role(runtime)
        yield gateway
    finally:
        runtime.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway.app, base_url="http://127.0.0.1") as test_client:
        yield test_client


__all__ = ["cheap_hashes", "client", "gateway"]
