"""Purchase orders read from the ERP's ``erp_purchase_orders`` / ``erp_purchase_order_lines``.

The ERP inserts a header row per revision of a PO (``export_id`` from its sequence) and the lines
under it, in one transaction. The gateway reads pages in ``export_id`` order after a cursor (the last
``export_id`` read) and only the **newest row of each PO**: an older revision met after a newer one
(a cursor lost with a restart reads everything again) would otherwise set the PO back, then forward,
making two revisions out of none. The registry stores each revision once, so reading again what it
already has changes nothing ("unchanged").

Known limit, as with any sequence-keyed interface table: a row whose transaction commits after a row
with a higher ``export_id`` was read is skipped until the next restart of the poller (which reads
all newest rows again). ERPs that export from one job do not interleave.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import aliased

from gateway.erp.sql.tables import purchase_order_lines as lines_table
from gateway.erp.sql.tables import purchase_orders as headers

PAGE = 200


def _decimal(value: Decimal | float | int | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def _date(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _newest_after(after: int, limit: int) -> Any:
    newer = aliased(headers)
    superseded = (
        select(newer.c.export_id)
        .where(
            newer.c.partner_id == headers.c.partner_id,
            newer.c.po_number == headers.c.po_number,
            newer.c.export_id > headers.c.export_id,
        )
        .exists()
    )
    return (
        select(headers)
        .where(headers.c.export_id > after, ~superseded)
        .order_by(headers.c.export_id)
        .limit(limit)
    )


def _body(header: Row[Any], lines: list[Row[Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "po_number": header.po_number,
        "partner_id": header.partner_id,
        "order_date": _date(header.order_date),
        "currency": header.currency,
        "status": header.status,
        "lines": [
            {
                "line_number": line.line_number,
                "buyer_part_number": line.buyer_part_number,
                "vendor_part_number": line.vendor_part_number,
                "description": line.description,
                "quantity": _decimal(line.quantity),
                "uom": line.uom,
                "unit_price": _decimal(line.unit_price),
                "requested_date": _date(line.requested_date),
            }
            for line in lines
        ],
    }
    if header.revision is not None:
        body["revision"] = header.revision
    return body


def read_purchase_orders(
    conn: Connection, after: str | None, limit: int = PAGE
) -> tuple[list[dict[str, Any]], str | None]:
    """Bodies of ``POST /ops/purchase-orders`` for the newest rows after ``after``, and the next
    cursor (``after`` itself when there is nothing new). A header without lines is passed on: the
    registry refuses it with a reason the poller logs, rather than it vanishing here."""
    start = int(after) if after else 0
    found = conn.execute(_newest_after(start, limit)).all()
    if not found:
        return [], after
    ids = [row.export_id for row in found]
    by_header: dict[int, list[Row[Any]]] = {export_id: [] for export_id in ids}
    query = (
        select(lines_table)
        .where(lines_table.c.export_id.in_(ids))
        .order_by(lines_table.c.export_id, lines_table.c.line_number)
    )
    for line in conn.execute(query):
        by_header[line.export_id].append(line)
    bodies = [_body(row, _in_order(by_header[row.export_id])) for row in found]
    return bodies, str(ids[-1])


def _in_order(lines: list[Row[Any]]) -> list[Row[Any]]:
    """Numeric line numbers in numeric order (2 before 10), the others after, as text."""
    return sorted(
        lines,
        key=lambda line: (
            (0, int(line.line_number), "")
            if line.line_number.isdigit()
            else (1, 0, line.line_number)
        ),
    )
