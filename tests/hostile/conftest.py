"""Repetition bombs (``bench/bombs.py``) written once per session, shared by the hostile tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.erp.memory import MemoryErpConnector
from gateway.partner_store import sync_partners
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from tests.service.conftest import CONFIG
from tests.x12.test_fastpath import bombs

KINDS = ("undefined", "elements", "components", "repeats", "tiny_sets", "deep_hl")
MB = 1_000_000


@pytest.fixture(scope="session")
def bomb_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], Path]:
    """``bomb_file(kind, size)``: the path of a ``kind`` bomb of ``size`` bytes (cached)."""
    folder = tmp_path_factory.mktemp("bombs")
    made: dict[tuple[str, int], Path] = {}

    def make(kind: str, size: int) -> Path:
        if (kind, size) not in made:
            made[kind, size] = bombs().write_bomb(kind, folder / f"{kind}-{size}.edi", size)
        return made[kind, size]

    return make


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """The service runtime on a fresh SQLite database (the worker path, in-process)."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    runtime = Runtime(Settings(data_dir=tmp_path), Database(url), MemoryErpConnector(), CONFIG)
    sync_partners(runtime.db)
    yield runtime
    runtime.db.dispose()
