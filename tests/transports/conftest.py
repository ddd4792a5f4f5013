"""Fixtures for the supplier HTTP API tests (see ``harness.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.transports.harness import Gateway, build_gateway, runtime_for, settings_for


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    runtime = runtime_for(settings_for(tmp_path))
    try:
        yield build_gateway(runtime)
    finally:
        runtime.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway.app) as test_client:
        yield test_client
