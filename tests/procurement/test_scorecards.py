"""Supplier scorecards (issue 12 §5): on-time acknowledgement and ship notice, fill rate and
invoice accuracy over a period, from the API (JSON and CSV) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.procurement.test_purchase_orders import OPS, po, publish, send
from tests.transports.harness import Gateway, client_for, settings_for

ROOT = Path(__file__).resolve().parents[2]


def two_pos(client: TestClient) -> None:
    """PO 4500012345: acknowledged at once, never shipped (its 856 was due 2026-11-20).
    PO 4500012349: not acknowledged (not due yet), shipped and invoiced in full, on time (its
    lines are wanted in 2099), the invoice at the PO's prices."""
    publish(client, po("po-4500012345.json"))
    later = po("po-4500012349.json")
    for line in later["lines"]:
        line["requested_date"] = "2099-01-01"
    publish(client, later)
    send(client, "855-accepted-4010.edi")
    send(client, "856-SOPI-4010.edi")
    send(client, "810-4010.edi")


@pytest.fixture
def either_client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The harness's client on SQLite and on PostgreSQL: the scorecard reads line fields out of
    their JSON in SQL, which each database does its own way."""
    yield from client_for(settings_for(tmp_path, database_url=database_url))


def test_given_two_pos_then_the_scorecard_counts_each_measure(
    either_client: TestClient,
) -> None:
    client = either_client
    two_pos(client)

    (card,) = client.get("/ops/scorecards", headers=OPS).json()

    assert card["partner_id"] == "demo-supplier" and card["purchase_orders"] == 2
    assert card["acknowledgement"] == {"rate": 1.0, "on_time": 1, "due": 1}
    assert card["ship_notice"] == {"rate": 0.5, "on_time": 1, "due": 2}
    assert (card["ordered_quantity"], card["shipped_quantity"]) == ("3350", "1600")
    assert card["fill_rate"] == round(1600 / 3350, 4)
    assert card["invoice_accuracy"] == {"rate": 1.0, "on_time": 1, "due": 1}


def test_given_a_price_above_the_po_then_invoice_accuracy_drops(client: TestClient) -> None:
    expensive = po("po-4500012349.json")
    expensive["lines"][0]["unit_price"] = "2.00"  # the 810 bills 2.35
    publish(client, expensive)
    send(client, "856-SOPI-4010.edi")
    send(client, "810-4010.edi")

    (card,) = client.get("/ops/scorecards?partner=demo-supplier", headers=OPS).json()

    assert card["invoice_accuracy"] == {"rate": 0.0, "on_time": 0, "due": 1}


def test_given_a_period_without_pos_then_rates_are_null_not_zero(client: TestClient) -> None:
    two_pos(client)

    empty = client.get(
        "/ops/scorecards?partner=demo-supplier&date_from=2020-01-01&date_to=2020-12-31",
        headers=OPS,
    ).json()
    reversed_period = client.get(
        "/ops/scorecards?date_from=2099-12-31&date_to=2026-01-01", headers=OPS
    )
    past_month_end = client.get(
        "/ops/scorecards?partner=demo-supplier&date_to=2099-02-31", headers=OPS
    )

    assert [
        (c["purchase_orders"], c["fill_rate"], c["acknowledgement"]["rate"]) for c in empty
    ] == [(0, None, None)]
    assert [c["purchase_orders"] for c in reversed_period.json()] == [2]  # the days between
    assert [c["date_to"] for c in past_month_end.json()] == ["2099-02-28"]
    assert client.get("/ops/scorecards").status_code == 401


def test_given_csv_and_the_cli_then_both_say_the_same(gateway: Gateway, client: TestClient) -> None:
    two_pos(client)
    csv = client.get("/ops/scorecards?format=csv", headers=OPS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = gateway.runtime.db.url
    env["GATEWAY_DATA_DIR"] = str(gateway.runtime.settings.data_dir)
    today = datetime.now(UTC).date()
    command = [sys.executable, "-m", "gateway_app", "po", "scorecard"]
    period = ["--from", str(today - timedelta(days=90)), "--to", str(today)]

    table = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    as_csv = subprocess.run(
        [*command, *period, "--csv"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    bad = subprocess.run(
        [*command, "--from", "yesterday"], env=env, cwd=ROOT, capture_output=True, text=True
    )

    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    header, row = csv.text.splitlines()
    assert header.startswith("partner_id,date_from,date_to,purchase_orders,acknowledgement_on_time")
    assert row.startswith("demo-supplier,") and ",2,1.0,1,0.5,2," in row
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines() == csv.text.splitlines()
    assert csv.text.endswith("\r\n"), "RFC 4180 line ends"
    assert table.returncode == 0, table.stderr
    assert "demo-supplier" in table.stdout and "100% (1/1)" in table.stdout
    assert "50% (1/2)" in table.stdout
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr
