"""The in-process runtime the service tests share: a migrated database (SQLite and PostgreSQL,
from ``database_url``), the partner profiles, and ``MemoryErpConnector``, the in-memory test double
of the ERP seam (a customer's ERP cannot run here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade

CONFIG = ProcessConfig(connectors=("memory",))


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    upgrade(database_url)
    rt = Runtime(Settings(data_dir=tmp_path), Database(database_url), MemoryErpConnector(), CONFIG)
    sync_partners(rt.db)
    yield rt
    rt.db.dispose()
