"""CSV exports (purchase orders, scorecards): one writer, every text cell made safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def csv_text(fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header line of ``fields``, then one line per row, lines ending in CRLF (RFC 4180). The
    writer quotes a cell holding a character of the line terminator; ending lines in ``\\n``
    alone, a supplier's value with a carriage return went out unquoted and broke its row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula: quoted with a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
