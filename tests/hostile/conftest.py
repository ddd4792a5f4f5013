"""Repetition bombs (``bench/bombs.py``) written once per session, shared by the hostile tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
