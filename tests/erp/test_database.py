"""The database connectors' shared boundary: every SQLAlchemy error maps into our tree, and
insert-if-absent works on the dialects without ON CONFLICT too."""

from __future__ import annotations

import inspect as pyinspect
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, func, select
from sqlalchemy import exc as sa

from gateway.erp.database import classify_db_error, insert_if_absent, translate_db_errors
from gateway.errors import FatalDeliveryError, RetriableDeliveryError

SQLALCHEMY_ERRORS = sorted(
    (
        obj
        for obj in vars(sa).values()
        if pyinspect.isclass(obj) and issubclass(obj, sa.SQLAlchemyError)
    ),
    key=lambda cls: cls.__name__,
)
EXPECTED = {
    sa.OperationalError: (True, "unavailable"),
    sa.InterfaceError: (True, "unavailable"),
    sa.InternalError: (True, "unavailable"),
    sa.DisconnectionError: (True, "unavailable"),
    sa.InvalidatePoolError: (True, "unavailable"),
    sa.TimeoutError: (True, "unavailable"),
    sa.IntegrityError: (False, "constraint"),
    sa.DataError: (False, "invalid_value"),
    sa.StatementError: (False, "invalid_value"),
    sa.ProgrammingError: (False, "misconfigured"),
    sa.NotSupportedError: (False, "misconfigured"),
    sa.DatabaseError: (False, "misconfigured"),
    sa.DBAPIError: (False, "misconfigured"),
}


def an_instance(cls: type[sa.SQLAlchemyError]) -> sa.SQLAlchemyError:
    if issubclass(cls, sa.StatementError):
        return cls("boom", "INSERT INTO t VALUES (?)", {}, Exception("driver says no"))  # type: ignore[arg-type]
    error = cls.__new__(cls)  # constructors differ; classification only looks at the class
    Exception.__init__(error, "boom")
    return error


@pytest.mark.parametrize("cls", SQLALCHEMY_ERRORS, ids=lambda cls: cls.__name__)
def test_given_any_sqlalchemy_error_when_classified_then_it_has_a_place_in_the_table(
    cls: type[sa.SQLAlchemyError],
) -> None:
    retriable, suffix = classify_db_error(an_instance(cls))

    assert (retriable, suffix) == EXPECTED.get(cls, (False, "misconfigured"))


def test_given_the_sqlalchemy_error_classes_when_listed_then_the_walk_found_them_all() -> None:
    assert len(SQLALCHEMY_ERRORS) > 35
    assert set(EXPECTED) <= set(SQLALCHEMY_ERRORS)


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_given_a_postgresql_deadlock_or_serialization_failure_when_translated_then_retriable(
    orig: psycopg.Error,
) -> None:
    wrapped = sa.DBAPIError.instance("UPDATE t SET x = 1", {}, orig, psycopg.Error)

    with pytest.raises(RetriableDeliveryError) as caught, translate_db_errors("sql", "evt_1"):
        raise wrapped

    assert caught.value.code == "erp.sql.unavailable"
    assert caught.value.context["sqlstate"] == orig.sqlstate
    assert caught.value.context["event_id"] == "evt_1"
    assert caught.value.__cause__ is wrapped


def test_given_an_invalidated_connection_when_translated_then_retriable_disconnected() -> None:
    wrapped = sa.DBAPIError.instance(
        "SELECT 1",
        {},
        psycopg.errors.ProgrammingError("x"),
        psycopg.Error,
        connection_invalidated=True,
    )

    with pytest.raises(RetriableDeliveryError) as caught, translate_db_errors("sink", None):
        raise wrapped

    assert caught.value.code == "erp.sink.disconnected"


def test_given_a_constraint_violation_when_translated_then_fatal_with_the_driver_message() -> None:
    wrapped = sa.DBAPIError.instance(
        "INSERT", {}, psycopg.errors.NotNullViolation("null value in column"), psycopg.Error
    )

    with pytest.raises(FatalDeliveryError) as caught, translate_db_errors("sql", "evt_2"):
        raise wrapped

    assert caught.value.code == "erp.sql.constraint"
    assert "null value in column" in caught.value.context["response"]


def test_given_a_non_database_exception_when_raised_inside_then_it_is_not_disguised() -> None:
    with pytest.raises(ZeroDivisionError), translate_db_errors("sql", "evt_3"):
        raise ZeroDivisionError


def test_given_a_dialect_without_on_conflict_when_inserting_twice_then_the_second_is_absent(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'generic.db'}")
    engine.dialect.name = "generic"  # take the portable look-then-insert path
    table = Table("t", MetaData(), Column("event_id", String(64), primary_key=True))
    table.metadata.create_all(engine)

    with engine.begin() as conn:
        first = insert_if_absent(conn, table, {"event_id": "evt_1"})
        second = insert_if_absent(conn, table, {"event_id": "evt_1"})
        rows = conn.execute(select(func.count()).select_from(table)).scalar_one()

    assert (first, second, rows) == (True, False, 1)
    engine.dispose()
