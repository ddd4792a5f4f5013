"""Fixtures: one real trytond per test session, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.erp.tryton.rpc import TrytonRpc, TrytonUrl
from tests.erp.samples import sample_events

from .support import (
    ADMIN_PASSWORD,
    CACHE,
    TrytonServer,
    TrytonUnavailable,
    prepare_template,
    spec_for,
    venv,
)


@dataclass
class Tryton:
    server: TrytonServer
    template: Path

    def database(self) -> Database:
        name = f"t{uuid.uuid4().hex[:12]}"
        return Database(self.server, name, self.server.database(self.template, name))


@dataclass
class Database:
    server: TrytonServer
    name: str
    url: str
    """The gateway user's connector URL."""

    def admin(self) -> TrytonRpc:
        """An administrator's client, to look at what the connector did."""
        return TrytonRpc(
            TrytonUrl.parse(self.server.url(self.name, "admin", ADMIN_PASSWORD)), timeout=30
        )


@pytest.fixture(scope="session")
def tryton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tryton]:
    folder = tmp_path_factory.mktemp("tryton")
    try:
        env = venv()
        template = prepare_template(env, CACHE, spec_for(sample_events()))
        server = TrytonServer(env, folder)
    except TrytonUnavailable as exc:
        print(f"\nskipping the Tryton tests: {exc}")
        pytest.skip(f"Tryton unavailable: {exc}")
    try:
        yield Tryton(server, template)
    finally:
        server.stop()


@pytest.fixture
def tryton_db(tryton: Tryton) -> Database:
    return tryton.database()
