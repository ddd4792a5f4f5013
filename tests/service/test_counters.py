"""Outbound control numbers in the database: never handed out twice, blocks given back when
possible, wrap past 999999999 (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, select

from gateway.store.counters import MAX_CONTROL, NumberBlocks, StoreControlNumbers
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import ControlCounter


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def autocommit(db: Database) -> Iterator[Connection]:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def value(db: Database, name: str) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(ControlCounter.value).where(ControlCounter.name == name)))


def test_given_a_block_when_partly_used_then_the_rest_is_given_back(
    db: Database, autocommit: Connection
) -> None:
    blocks = NumberBlocks(autocommit, {"acme": 5})
    assert [blocks.take("isa:acme") for _ in range(2)] == [1, 2]
    assert value(db, "isa:acme") == 5  # reserved 1..5 in one statement
    blocks.give_back()
    assert value(db, "isa:acme") == 2
    with db.transaction() as session:
        assert StoreControlNumbers(session, "acme").next("isa") == 3  # no gap


def test_given_someone_took_numbers_after_the_block_then_nothing_is_given_back(
    db: Database, autocommit: Connection
) -> None:
    blocks = NumberBlocks(autocommit, {"acme": 5})
    assert blocks.take("isa:acme") == 1
    with db.transaction() as session:
        assert StoreControlNumbers(session, "acme").next("isa") == 6  # after the block
    blocks.give_back()
    assert value(db, "isa:acme") == 6  # 2..5 stay a gap: never handed out twice


def test_given_a_block_used_up_then_another_is_reserved(
    db: Database, autocommit: Connection
) -> None:
    blocks = NumberBlocks(autocommit, {"acme": 2})
    assert [blocks.take("gs:acme") for _ in range(5)] == [1, 2, 3, 4, 5]
    blocks.give_back()
    assert value(db, "gs:acme") == 5


def test_given_the_counter_near_its_maximum_then_a_block_wraps_to_one(
    db: Database, autocommit: Connection
) -> None:
    with db.transaction() as session:
        session.add(ControlCounter(name="isa:acme", value=MAX_CONTROL - 1))
    blocks = NumberBlocks(autocommit, {"acme": 3})
    assert [blocks.take("isa:acme") for _ in range(3)] == [1, 2, 3]
    with db.transaction() as session:
        session.add(ControlCounter(name="gs:acme", value=MAX_CONTROL - 1))
    with db.transaction() as session:
        numbers = StoreControlNumbers(session, "acme")
        assert [numbers.next("gs") for _ in range(2)] == [MAX_CONTROL, 1]
