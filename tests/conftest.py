"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL; and the
session-wide watch that no secret a test registered appears in any log or captured output
(``tests/support/leaks.py``)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support import leaks

_WATCH = leaks.LeakWatch()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_WATCH)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_WATCH)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if leaks.SECRETS:
        for title, content in report.sections:
            leaks.record_sighting(f"{report.nodeid} {title}", content)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if leaks.SIGHTINGS:
        terminalreporter.section("registered secrets found in logs or output", red=True)
        for line in leaks.SIGHTINGS:
            terminalreporter.line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if leaks.SIGHTINGS and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


PG_ADMIN_URL = os.environ.get(
    "GATEWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_available() -> str | None:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # reported as the skip reason
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_problem() -> str | None:
    return _pg_available()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory, pg_problem) as url:
        yield url


@contextmanager
def fresh_database(
    kind: str, tmp_path_factory: pytest.TempPathFactory, pg_problem: str | None
) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` (sqlite, postgresql), dropped afterwards;
    for fixtures of a wider scope than ``database_url``'s."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
        return
    if pg_problem:
        print(pg_problem)
        pytest.skip(pg_problem)
    from sqlalchemy import create_engine, text

    name = "gw_test_" + secrets.token_hex(6)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
