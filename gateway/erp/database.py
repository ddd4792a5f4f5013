"""What the two database connectors (``sql`` and ``sink``) share: engines, insert-if-absent, errors.

Idempotency in a database is a unique key plus an insert that does nothing when the key is taken:
``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite (atomic, no race: a concurrent insert of the
same key waits for the first transaction and then does nothing), a look-then-insert elsewhere.

SQLAlchemy errors are translated at the boundary in one context manager, ``translate_db_errors``,
from one ordered table (first match wins)::

    DBAPIError with connection_invalidated   retriable  erp.<name>.disconnected
    OperationalError, InterfaceError,        retriable  erp.<name>.unavailable   (connection refused,
      DisconnectionError, TimeoutError,                                            locked, deadlock,
      InternalError                                                                serialization failure)
    IntegrityError                           fatal      erp.<name>.constraint    (not the idempotency key)
    DataError                                fatal      erp.<name>.invalid_value (too long, out of range)
    ProgrammingError, NotSupportedError,     fatal      erp.<name>.misconfigured (missing table, bad SQL,
      other DBAPIError                                                             wrong database)
    StatementError (a value failed to bind)  fatal      erp.<name>.invalid_value
    any other SQLAlchemyError                fatal      erp.<name>.misconfigured
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, insert, literal, select
from sqlalchemy import exc as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.erp.base import excerpt
from gateway.errors import ConfigurationError, FatalDeliveryError, RetriableDeliveryError
from gateway.masking import mask_secrets

_RETRIABLE = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,
    sa.InternalError,
)
ERROR_TABLE: tuple[tuple[type[Exception] | tuple[type[Exception], ...], bool, str], ...] = (
    (_RETRIABLE, True, "unavailable"),
    (sa.IntegrityError, False, "constraint"),
    (sa.DataError, False, "invalid_value"),
    (sa.DBAPIError, False, "misconfigured"),
    (sa.StatementError, False, "invalid_value"),
    (sa.SQLAlchemyError, False, "misconfigured"),
)
"""(SQLAlchemy classes, retriable?, code suffix), first match wins. Every DBAPI error subclasses
``StatementError``, so it comes after them: what reaches it is a value that failed to bind."""


def make_engine(url: str, connector: str) -> Engine:
    """An engine for ``url``, or ``ConfigurationError`` for a malformed URL or a missing driver."""
    try:
        return create_engine(url, pool_pre_ping=True)
    except (sa.ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            mask_secrets(f"{connector}: cannot use database URL: {exc}"),
            code=f"erp.{connector}.bad_url",
            connector=connector,
        ) from exc


def classify_db_error(exc: Exception) -> tuple[bool, str]:
    """(retriable?, code suffix) for a SQLAlchemy error, per ``ERROR_TABLE``."""
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return True, "disconnected"
    for classes, retriable, suffix in ERROR_TABLE:
        if isinstance(exc, classes):
            return retriable, suffix
    raise TypeError(f"not a SQLAlchemy error: {exc!r}")


@contextmanager
def translate_db_errors(connector: str, event_id: str | None) -> Iterator[None]:
    """Turn every SQLAlchemy error raised inside into the gateway's delivery errors."""
    try:
        yield
    except sa.SQLAlchemyError as exc:
        retriable, suffix = classify_db_error(exc)
        orig = exc.orig if isinstance(exc, sa.DBAPIError) else exc
        error = RetriableDeliveryError if retriable else FatalDeliveryError
        raise error(
            mask_secrets(f"{connector}: {type(exc).__name__}: {excerpt(str(orig)).strip()}"),
            code=f"erp.{connector}.{suffix}",
            connector=connector,
            event_id=event_id,
            status=None,
            sqlstate=getattr(orig, "sqlstate", None),
            response=mask_secrets(excerpt(str(orig))),
        ) from exc


def insert_if_absent(conn: Connection, table: Table, row: Mapping[str, Any]) -> bool:
    """Insert ``row`` unless its primary key is already there; True when it was inserted."""
    key = [column.name for column in table.primary_key.columns]
    if conn.dialect.name in ("postgresql", "sqlite"):
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = (
            dialect_insert(table)
            .values(dict(row))
            .on_conflict_do_nothing(index_elements=key)
            .returning(*table.primary_key.columns)  # a row back only when it was inserted
        )
        return conn.execute(stmt).first() is not None
    exists = select(literal(1)).select_from(table).where(*(table.c[k] == row[k] for k in key))
    if conn.execute(exists).first() is not None:
        return False
    try:
        conn.execute(insert(table).values(dict(row)))
    except sa.IntegrityError:
        if conn.execute(exists).first() is not None:  # a concurrent post won the race
            return False
        raise
    return True
