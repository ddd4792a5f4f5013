"""The ERP interface tables connector on SQLite and on a real PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text

from gateway.canonical import Event, parse_event
from gateway.erp import ErpConnector, SqlInterfaceErpConnector
from gateway.erp.sql import tables as s
from gateway.erp.sql.rows import document_number
from gateway.errors import (
    ConfigurationError,
    DeliveryError,
    FatalDeliveryError,
    RetriableDeliveryError,
)

from .conformance import ConnectorConformance, Harness
from .fake_erp import closed_port
from .samples import sample_events, sample_of


@dataclass
class Backend:
    url: str
    schema: str | None
    broken_url: str

    def connector(self, url: str | None = None, create: bool = True) -> SqlInterfaceErpConnector:
        return SqlInterfaceErpConnector(url or self.url, schema=self.schema, create=create)

    def engine(self) -> Engine:
        engine = create_engine(self.url)
        if self.schema is None:
            return engine
        return engine.execution_options(schema_translate_map={None: self.schema})


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Backend:
    return Backend(f"sqlite:///{tmp_path / 'erp.db'}", None, f"sqlite:///{tmp_path}/no/dir/erp.db")


@pytest.fixture
def postgresql_backend(postgres_url: str, postgres_schema: str) -> Backend:
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"
    return Backend(postgres_url, postgres_schema, unreachable)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Backend:
    chosen: Backend = request.getfixturevalue(f"{request.param}_backend")
    return chosen


@pytest.fixture
def db(backend: Backend) -> Iterator[Engine]:
    engine = backend.engine()
    yield engine
    engine.dispose()


@pytest.fixture
def sql(backend: Backend) -> Iterator[SqlInterfaceErpConnector]:
    with backend.connector() as connector:
        assert isinstance(connector, SqlInterfaceErpConnector)
        yield connector


def rows(db: Engine, table: Any, event_id: str) -> list[dict[str, Any]]:
    query = select(table).where(table.c.event_id == event_id)
    if "line_index" in table.c:
        query = query.order_by(table.c.line_index)
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count(db: Engine, table: Any, event_id: str | None = None) -> int:
    query = select(func.count()).select_from(table)
    if event_id is not None:
        query = query.where(table.c.event_id == event_id)
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def harness_for(backend: Backend) -> Iterator[Harness]:
    engine = backend.engine()
    with backend.connector() as connector:
        yield Harness(
            connector,
            lambda event_id: count(engine, s.inbound_documents, event_id),
            lambda: SqlInterfaceErpConnector(backend.broken_url, schema=backend.schema),
        )
    engine.dispose()


class TestSqlOnSqliteConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, sqlite_backend: Backend) -> Iterator[Harness]:
        yield from harness_for(sqlite_backend)


class TestSqlOnPostgresqlConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, postgresql_backend: Backend) -> Iterator[Harness]:
        yield from harness_for(postgresql_backend)


def with_first_line(event: Event, **changes: Any) -> Event:
    """A copy of ``event`` whose first line breaks the canonical contract (no validation)."""
    doc = event.document
    lines = list(doc.lines)  # type: ignore[union-attr]
    lines[0] = lines[0].model_copy(update=changes)
    return event.model_copy(update={"document": doc.model_copy(update={"lines": lines})})


# --- what lands in the tables ------------------------------------------------------------------------


def test_given_an_855_when_posted_then_inbound_header_and_line_rows_hold_its_values(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = sample_of("po_acknowledgment")  # 855-5010 sorts first: PO 4500012347

    receipt = sql.post(event)

    (inbound,) = rows(db, s.inbound_documents, event.id)
    (header,) = rows(db, s.po_acknowledgments, event.id)
    lines = rows(db, s.po_acknowledgment_lines, event.id)
    assert receipt.response.startswith("staged: erp_po_acknowledgments x1")
    assert inbound["event_type"] == "po_acknowledgment"
    assert inbound["document_number"] == "4500012347"
    assert inbound["partner_id"] == "demo-supplier"
    assert inbound["import_status"] == "new"
    assert parse_event(inbound["payload"]) == event
    assert header["po_date"] == date(2026, 11, 12)
    assert header["acknowledgment_date"] == date(2026, 11, 13)
    assert header["supplier_order_number"] == "SO-778835"
    assert [line["buyer_part_number"] for line in lines] == ["FST-20881", "FST-20890", "ELC-41120"]
    assert [line["quantity"] for line in lines] == [Decimal(2000), Decimal(1500), Decimal(0)]
    assert lines[0]["schedule_date"] == date(2026, 11, 24)
    assert [line["status"] for line in lines] == ["accepted", "changed", "rejected"]


def test_given_an_856_when_posted_then_every_item_is_a_line_row_with_sscc_and_lot(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = next(e for e in sample_events() if document_number(e) == "SHP0045003")  # 856-SOTPI
    sql.post(event)

    (header,) = rows(db, s.ship_notices, event.id)
    lines = rows(db, s.ship_notice_lines, event.id)
    assert header["shipment_id"] == "SHP0045003"
    assert header["carrier_scac"] == "EXLA"
    assert header["ship_date"] == date(2026, 11, 18)
    assert len(lines) == len(event.document.lines) == 3  # type: ignore[union-attr]
    chem = next(line for line in lines if line["buyer_part_number"] == "CHM-00912")
    assert chem["lot"] == "L26K0412"
    assert chem["expiration_date"] == date(2028, 10, 31)
    assert chem["sscc"] == "006141414500300030"
    assert chem["quantity"] == Decimal(48)


def test_given_an_810_when_posted_then_total_and_lines_are_exact_decimals(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = sample_of("invoice")  # 810-4010: INV-2026-00417
    sql.post(event)

    (header,) = rows(db, s.invoices, event.id)
    lines = rows(db, s.invoice_lines, event.id)
    assert header["invoice_number"] == "INV-2026-00417"
    assert header["total_amount"] == Decimal("411.59")
    assert header["invoice_date"] == date(2026, 11, 18)
    assert [line["unit_price"] for line in lines] == [
        Decimal("2.35"),
        Decimal("0.19"),
        Decimal("0.044"),
    ]
    assert '"C310"' in header["allowances_charges"]


def test_given_a_997_when_posted_then_the_functional_ack_row_has_its_counts(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = sample_of("functional_ack")
    doc = event.document
    sql.post(event)

    (header,) = rows(db, s.functional_acks, event.id)
    assert header["acknowledged_group_control_number"] == doc.acknowledged_group.control_number  # type: ignore[union-attr]
    assert header["status"] == doc.status
    assert header["included_count"] == doc.counts.included  # type: ignore[union-attr]


def test_given_a_staged_event_when_posted_again_then_no_row_is_added_or_changed(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = sample_of("ship_notice")
    sql.post(event)
    before = rows(db, s.inbound_documents, event.id)

    receipt = sql.post(event)

    assert receipt.duplicate
    assert rows(db, s.inbound_documents, event.id) == before
    assert count(db, s.ship_notices) == 1
    assert count(db, s.ship_notice_lines) == len(event.document.lines)  # type: ignore[union-attr]


def test_given_create_tables_twice_when_inspecting_then_the_staging_schema_exists_once(
    sql: SqlInterfaceErpConnector, db: Engine, backend: Backend
) -> None:
    sql.create_tables()

    with db.connect() as conn:
        names = set(inspect(conn).get_table_names(schema=backend.schema))
    assert set(s.metadata.tables) <= names
    assert set(s.metadata.tables) == {
        "erp_inbound_documents",
        "erp_po_acknowledgments",
        "erp_po_acknowledgment_lines",
        "erp_ship_notices",
        "erp_ship_notice_lines",
        "erp_invoices",
        "erp_invoice_lines",
        "erp_functional_acks",
        "erp_purchase_orders",
        "erp_purchase_order_lines",
    }


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"quantity": "lots"}, {"quantity": "NaN"}, {"unit_price": "1,5"}], ids=str
)
def test_given_a_value_that_is_not_a_decimal_when_posting_then_fatal_and_nothing_staged(
    sql: SqlInterfaceErpConnector, db: Engine, change: dict[str, str]
) -> None:
    event = with_first_line(sample_of("invoice"), **change)

    with pytest.raises(FatalDeliveryError) as caught:
        sql.post(event)

    assert caught.value.code == "erp.sql.invalid_value"
    assert count(db, s.inbound_documents) == 0


def test_given_a_date_that_is_not_iso_when_posting_then_fatal_and_nothing_staged(
    sql: SqlInterfaceErpConnector, db: Engine
) -> None:
    event = with_first_line(sample_of("po_acknowledgment"), schedule_date="11/20/2026")

    with pytest.raises(FatalDeliveryError):
        sql.post(event)

    assert count(db, s.inbound_documents) == 0


def test_given_no_staging_tables_when_posting_then_a_delivery_error_names_the_connector(
    backend: Backend,
) -> None:
    with backend.connector(create=False) as connector, pytest.raises(DeliveryError) as caught:
        connector.post(sample_of("invoice"))

    expected = {"sqlite": "erp.sql.unavailable", "postgresql": "erp.sql.misconfigured"}
    assert caught.value.code == expected[make_dialect(backend)]
    assert caught.value.context["connector"] == "sql"


def make_dialect(backend: Backend) -> str:
    return backend.url.split(":", 1)[0].split("+", 1)[0]


def test_given_a_value_too_long_for_its_column_on_postgresql_when_posting_then_fatal_and_rolled_back(
    postgresql_backend: Backend,
) -> None:
    event = sample_of("invoice")
    doc = event.document.model_copy(update={"po_number": "9" * 200})
    event = event.model_copy(update={"document": doc})
    engine = postgresql_backend.engine()
    with (
        postgresql_backend.connector() as connector,
        pytest.raises(FatalDeliveryError) as caught,
    ):
        connector.post(event)

    assert caught.value.code == "erp.sql.invalid_value"
    assert caught.value.context["sqlstate"] == "22001"  # string_data_right_truncation
    assert count(engine, s.inbound_documents) == 0  # the inbound row went with the transaction
    engine.dispose()


def test_given_a_locked_table_on_postgresql_when_posting_then_retriable_then_delivered(
    postgresql_backend: Backend,
) -> None:
    event = sample_of("ship_notice")
    url = postgresql_backend.url + "?options=-c%20lock_timeout%3D200"
    engine = postgresql_backend.engine()
    table = f'"{postgresql_backend.schema}".erp_inbound_documents'
    with postgresql_backend.connector(url) as connector:
        with engine.connect() as locker, locker.begin():
            locker.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(RetriableDeliveryError) as caught:
                connector.post(event)
        receipt = connector.post(event)  # the lock is gone: a retry delivers

    assert caught.value.code == "erp.sql.unavailable"
    assert caught.value.context["sqlstate"] == "55P03"  # lock_not_available
    assert not receipt.duplicate
    assert count(engine, s.inbound_documents, event.id) == 1
    engine.dispose()


def test_given_a_locked_sqlite_file_when_posting_then_retriable_then_delivered(
    tmp_path: Path,
) -> None:
    path = tmp_path / "erp.db"
    event = sample_of("invoice")
    with SqlInterfaceErpConnector(f"sqlite:///{path}?timeout=0.2", create=True) as connector:
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(RetriableDeliveryError) as caught:
            connector.post(event)
        locker.execute("ROLLBACK")
        locker.close()
        receipt = connector.post(event)

    assert caught.value.code == "erp.sql.unavailable"
    assert "locked" in caught.value.context["response"]
    assert not receipt.duplicate


def test_given_an_unreachable_postgresql_when_posting_then_retriable(
    postgresql_backend: Backend,
) -> None:
    with (
        SqlInterfaceErpConnector(postgresql_backend.broken_url) as connector,
        pytest.raises(RetriableDeliveryError) as caught,
    ):
        connector.post(sample_of("invoice"))

    assert caught.value.code == "erp.sql.unavailable"


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://host/db"])
def test_given_a_bad_database_url_when_building_then_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SqlInterfaceErpConnector(url)

    assert caught.value.code == "erp.sql.bad_url"


def test_given_a_connector_when_typed_as_the_seam_then_it_is_an_erp_connector(
    sql: SqlInterfaceErpConnector,
) -> None:
    seam: ErpConnector = sql
    assert seam.name == "sql"
