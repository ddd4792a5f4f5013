"""``queries.csv_text``: the one CSV writer of the exports (purchase orders, scorecards). A
supplier controls PO references, party names and notes that end up in these cells; a cell that a
spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

from gateway.queries.csv_text import csv_text


def test_given_cells_a_spreadsheet_would_run_then_they_are_written_as_text() -> None:
    hostile = ["split\rrow", '=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]

    text = csv_text(["value", "count"], [(cell, -5) for cell in hostile] + [("PO-1", 3)])

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["value", "count"]
    assert [r[0] for r in rows[1:-1]] == ["split\rrow"] + ["'" + cell for cell in hostile[1:]]
    assert rows[-1] == ["PO-1", "3"]
    assert all(r[1] == "-5" for r in rows[1:-1]), "numbers are numbers, negative or not"


def test_the_exports_share_the_writer() -> None:
    from gateway.queries import purchase_orders, scorecards

    assert purchase_orders.csv_text is scorecards.csv_text is csv_text
