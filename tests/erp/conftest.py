"""Shared peers for the ERP tests: the fake HTTP ERP and a throwaway PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from .fake_erp import PATH, FakeErp, ServerThread

POSTGRES_URL = os.environ.get(
    "GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def _fake_erp_server() -> Iterator[tuple[FakeErp, str]]:
    erp = FakeErp()
    server = ServerThread(erp.app)
    server.start()
    try:
        yield erp, f"http://127.0.0.1:{server.port}{PATH}"
    finally:
        server.stop()


@pytest.fixture
def fake_erp(_fake_erp_server: tuple[FakeErp, str]) -> FakeErp:
    erp, _ = _fake_erp_server
    erp.reset()
    return erp


@pytest.fixture
def fake_erp_url(_fake_erp_server: tuple[FakeErp, str]) -> str:
    return _fake_erp_server[1]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``$GATEWAY_TEST_POSTGRES_URL`` or the local trust-auth server; skips when unreachable."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {str(exc.orig).strip()}"
        print(f"\nskipping PostgreSQL tests: {reason}")
        pytest.skip(reason)
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh, uniquely named schema, dropped (with everything in it) after the test."""
    schema = f"erp_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
