"""``SqlInterfaceErpConnector``: stage events in the ERP's ``erp_*`` interface tables, and read the
purchase orders the ERP exports to ``erp_purchase_orders`` (``purchase_orders.py``).

One database transaction per event: the ``erp_inbound_documents`` row (whose primary key is the
event id), the typed header row and its line rows (``tables.py``, ``rows.py``) are written together
or not at all. The inbound row goes first with insert-if-absent, so a second post of the same event
finds its key taken, writes nothing and returns ``duplicate=True``; two workers posting the same
event at once cannot both write it.

Works with any SQLAlchemy URL; tested on SQLite and PostgreSQL (``postgresql+psycopg://...``).
``schema=`` puts the tables in a named schema (PostgreSQL) without changing the table definitions.
Errors follow ``gateway/erp/database.py``: unreachable, locked, deadlocked -> retriable; values the
tables refuse, missing tables -> fatal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, inspect

from gateway.canonical import Event
from gateway.erp.base import DeliveryReceipt, ErpConnector
from gateway.erp.database import insert_if_absent, make_engine, translate_db_errors
from gateway.erp.sql.purchase_orders import read_purchase_orders
from gateway.erp.sql.rows import staging_rows
from gateway.erp.sql.tables import metadata
from gateway.errors import FatalDeliveryError


class SqlInterfaceErpConnector(ErpConnector):
    name = "sql"

    def __init__(self, url: str, *, schema: str | None = None, create: bool = False) -> None:
        """``create=True`` creates any missing staging table now (demos, tests)."""
        self._root = make_engine(url, self.name)
        self._schema = schema
        self._exports_pos = False
        self._engine: Engine = self._root
        if schema is not None:
            self._engine = self._root.execution_options(schema_translate_map={None: schema})
        if create:
            self.create_tables()

    def create_tables(self) -> None:
        """Create the staging tables that do not exist yet (``metadata.create_all``)."""
        with translate_db_errors(self.name, None):
            metadata.create_all(self._engine)

    def post(self, event: Event) -> DeliveryReceipt:
        received_at = datetime.now(UTC)
        try:
            (inbound, (header,)), *typed = staging_rows(event, received_at)
        except ValueError as exc:
            raise FatalDeliveryError(
                f"sql: event {event.id} breaks the canonical contract: {exc}",
                code="erp.sql.invalid_value",
                connector=self.name,
                event_id=event.id,
                status=None,
                response=str(exc),
            ) from exc
        with translate_db_errors(self.name, event.id), self._engine.begin() as conn:
            if not insert_if_absent(conn, inbound, header):
                return DeliveryReceipt(self.name, event.id, None, "already staged", True)
            written = []
            for table, rows in typed:
                if rows:
                    conn.execute(insert(table), rows)
                    written.append(f"{table.name} x{len(rows)}")
        return DeliveryReceipt(self.name, event.id, None, "staged: " + ", ".join(written))

    def purchase_orders(self, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """POs the ERP exported to ``erp_purchase_orders`` after the cursor (``purchase_orders.py``).

        An ERP without the tables exports none (a deployment that only stages events): nothing
        to read, and nothing to warn about every poll."""
        with translate_db_errors(self.name, None), self._engine.connect() as conn:
            if not self._exports_pos:
                self._exports_pos = inspect(conn).has_table(
                    "erp_purchase_orders", schema=self._schema
                )
                if not self._exports_pos:
                    return [], after
            return read_purchase_orders(conn, after)

    def close(self) -> None:
        self._root.dispose()
