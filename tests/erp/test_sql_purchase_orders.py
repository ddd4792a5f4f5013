"""POs the ERP exports to ``erp_purchase_orders`` / ``erp_purchase_order_lines`` reach the PO
registry once per revision, read by the SQL interface connector (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert

from gateway.erp import SqlInterfaceErpConnector
from gateway.erp.sql import tables as s
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.purchase_orders import publisher
from gateway.procurement.pull import Publish, publishes, pull
from gateway.queries.purchase_orders import purchase_order
from gateway.store.db import Database
from gateway.store.migrate import upgrade

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"


@pytest.fixture(params=["sqlite", "postgresql"])
def erp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'erp.db'}", None
    else:
        url = request.getfixturevalue("postgres_url")
        yield url, request.getfixturevalue("postgres_schema")


@pytest.fixture
def gateway_db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    db = Database(url)
    sync_partners(db)
    yield db
    db.dispose()


def _engine(url: str, schema: str | None) -> Engine:
    engine = create_engine(url)
    if schema is None:
        return engine
    return engine.execution_options(schema_translate_map={None: schema})


def export(engine: Engine, body: dict[str, Any], revision: str) -> None:
    """What the ERP's export job does: one header row per revision and its lines, together."""
    with engine.begin() as conn:
        export_id = conn.execute(
            insert(s.purchase_orders).returning(s.purchase_orders.c.export_id),
            {
                "partner_id": body["partner_id"],
                "po_number": body["po_number"],
                "revision": revision,
                "status": body.get("status", "open"),
                "order_date": date.fromisoformat(body["order_date"]),
                "currency": body["currency"],
            },
        ).scalar_one()
        conn.execute(
            insert(s.purchase_order_lines),
            [
                {
                    "export_id": export_id,
                    "line_number": line["line_number"],
                    "buyer_part_number": line.get("buyer_part_number"),
                    "vendor_part_number": line.get("vendor_part_number"),
                    "description": line.get("description"),
                    "quantity": Decimal(line["quantity"]),
                    "uom": line.get("uom"),
                    "unit_price": Decimal(line["unit_price"]),
                    "requested_date": date.fromisoformat(line["requested_date"]),
                }
                for line in body["lines"]
            ],
        )


def _sample(number: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SAMPLES / f"po-{number}.json").read_text())
    return body


def _publisher(db: Database) -> Publish:
    """Publish and send, as ``gateway run``'s poller does (push items left to the sweep)."""
    return publisher(db, ProcessConfig())


def test_given_pos_in_the_interface_tables_then_each_revision_reaches_the_registry_once(
    erp: tuple[str, str | None], gateway_db: Database
) -> None:
    url, schema = erp
    engine = _engine(url, schema)
    with SqlInterfaceErpConnector(url, schema=schema, create=True) as connector:
        assert publishes(connector)
        first_po, second_po = _sample("4500012345"), _sample("4500012349")
        export(engine, first_po, "1")
        export(engine, second_po, "1")

        first = pull(connector, None, _publisher(gateway_db))
        polled_again = pull(connector, first.cursor, _publisher(gateway_db))
        changed = json.loads(json.dumps(first_po))
        changed["lines"][1]["quantity"] = "1200"
        export(engine, changed, "2")
        after_change = pull(connector, first.cursor, _publisher(gateway_db))
        restarted = pull(connector, None, _publisher(gateway_db))  # the cursor lost

    (view,) = purchase_order(gateway_db, "4500012345")
    assert dict(first.outcomes) == {"created": 2} and first.problems == []
    assert dict(polled_again.outcomes) == {} and polled_again.cursor == first.cursor
    assert dict(after_change.outcomes) == {"updated": 1}
    assert dict(restarted.outcomes) == {"unchanged": 2}  # revision 1 of 4500012345 is not read
    assert [(ln.line_number, ln.ordered_quantity, ln.unit_price) for ln in view.lines] == [
        ("1", "500", "0.085"),
        ("2", "1200", "0.42"),
        ("3", "250", "1.15"),
    ]
    # the supplier got the PO, then the change of line 2 (the revision read again: nothing)
    assert [(t.kind, t.revision) for t in view.transmissions] == [("850", "1"), ("860", "2")]
    engine.dispose()


def test_given_a_po_exported_without_lines_then_the_poller_reports_it_and_reads_on(
    erp: tuple[str, str | None], gateway_db: Database
) -> None:
    url, schema = erp
    engine = _engine(url, schema)
    with SqlInterfaceErpConnector(url, schema=schema, create=True) as connector:
        with engine.begin() as conn:
            conn.execute(
                insert(s.purchase_orders),
                {"partner_id": "demo-supplier", "po_number": "4500099999", "revision": "1"},
            )
        export(engine, _sample("4500012349"), "1")
        done = pull(connector, None, _publisher(gateway_db))

    assert dict(done.outcomes) == {"created": 1}
    assert len(done.problems) == 1 and done.problems[0].startswith("PO 4500099999:")
    assert purchase_order(gateway_db, "4500099999") == []
    engine.dispose()


def test_given_an_erp_without_the_po_tables_then_there_is_nothing_to_read_and_no_error(
    erp: tuple[str, str | None],
) -> None:
    url, schema = erp
    with SqlInterfaceErpConnector(url, schema=schema) as connector:
        nothing = connector.purchase_orders(None)
        connector.create_tables()  # the ERP starts exporting POs
        export(_engine(url, schema), _sample("4500012349"), "7")
        bodies, cursor = connector.purchase_orders(None)

    assert nothing == ([], None)
    assert [(b["po_number"], b["revision"], len(b["lines"])) for b in bodies] == [
        ("4500012349", "7", 3)
    ]
    assert cursor == "1"
