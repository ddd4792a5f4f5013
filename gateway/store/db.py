"""Engine and sessions. SQLite gets WAL and a busy timeout so the API and embedded workers can
write concurrently; PostgreSQL gets a pool sized for the worker threads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from gateway.store.types import storable_json


def make_engine(url: str, *, pre_ping: bool = True) -> Engine:
    kwargs: dict[str, Any] = {"future": True, "json_serializer": storable_json}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=pre_ping)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _counter_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit TO OFF")
    cursor.close()


class Database:
    """One engine and its session factory; ``transaction()`` commits or rolls back as a unit."""

    def __init__(self, url: str, *, pre_ping: bool = True) -> None:
        """``pre_ping=False`` skips the liveness check on every checkout (a round trip): for
        workers, whose broker retries a message that failed on a connection the server dropped
        (the pool then replaces it)."""
        self.url = url
        self.engine = make_engine(url, pre_ping=pre_ping)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def counters_engine(self) -> Engine | None:
        """PostgreSQL: an autocommit engine for control numbers (``store.counters``), whose commits
        need not wait for the disk; ``None`` on SQLite, where numbers are taken in the caller's
        transaction."""
        if self.engine.dialect.name == "sqlite":
            return None
        engine = create_engine(
            self.url,
            json_serializer=storable_json,
            isolation_level="AUTOCOMMIT",
            pool_size=4,
            max_overflow=20,
            pool_pre_ping=False,
        )
        event.listen(engine, "connect", _counter_pragmas)
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if "counters_engine" in self.__dict__ and self.counters_engine is not None:
            self.counters_engine.dispose()
