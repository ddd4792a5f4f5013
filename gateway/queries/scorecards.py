"""Supplier scorecards over a period (issue 12 §5), from the PO registry: of the POs sent to a
supplier in the period (by the day we sent them),

* **on-time acknowledgement**: acknowledged (855) within the partner's ``acknowledgement_hours``
  of being sent; a PO not yet acknowledged counts as late once that time has passed, and not at
  all before;
* **on-time ship notice**: first 856 by the earliest requested date plus ``ship_notice_days``
  (same rule for one not yet shipped);
* **fill rate**: shipped over ordered quantity, each line capped at its order (a rejected or cut
  line counts as not filled);
* **invoice accuracy**: invoiced POs without an invoice discrepancy (price above the PO, billed
  but not shipped, an unknown line).

Each rate comes with the counts it is made of; a rate with nothing to count is null.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import select

from gateway.queries.csv_text import csv_text
from gateway.store.db import Database
from gateway.store.models import PoDiscrepancy, PurchaseOrderLineRecord, PurchaseOrderRecord

INVOICE_FAULTS = ("price_above_po", "invoiced_not_shipped")


class Terms(Protocol):
    """A partner's SLA terms (its profile's ``procurement:``; ``procurement.state.Tolerances``)."""

    @property
    def acknowledgement_hours(self) -> float: ...

    @property
    def ship_notice_days(self) -> float: ...


DEFAULT_DAYS = 90
"""The period when none is given: the last 90 days."""


class Rate(BaseModel):
    rate: float | None
    """0..1; null when nothing was due."""
    on_time: int
    due: int


class Scorecard(BaseModel):
    partner_id: str
    date_from: date
    date_to: date
    purchase_orders: int
    acknowledgement: Rate
    ship_notice: Rate
    fill_rate: float | None
    ordered_quantity: str
    shipped_quantity: str
    invoice_accuracy: Rate


def scorecards(
    db: Database,
    terms_for: Callable[[str], Terms],
    date_from: date,
    date_to: date,
    partner_id: str | None = None,
    now: datetime | None = None,
) -> list[Scorecard]:
    """One scorecard per supplier that was sent POs in ``[date_from, date_to]`` (or only
    ``partner_id``'s, even when empty)."""
    now = now or datetime.now(UTC)
    start = datetime.combine(date_from, datetime.min.time(), UTC)
    end = datetime.combine(date_to, datetime.min.time(), UTC) + timedelta(days=1)
    po, line = PurchaseOrderRecord, PurchaseOrderLineRecord
    period = [po.sent_at >= start, po.sent_at < end]
    if partner_id is not None:
        period.append(po.partner_id == partner_id)
    in_period = select(po.id).where(*period)
    state = line.state
    with db.sessions() as session:
        orders = session.execute(
            select(
                po.id,
                po.partner_id,
                po.status,
                po.sent_at,
                po.acknowledged_at,
                po.shipped_at,
                po.invoiced_at,
            ).where(*period)
        ).all()
        lines: dict[int, list[_Line]] = {}
        for po_id, *fields in session.execute(
            select(
                line.purchase_order_id,
                state["requested_date"].as_string(),
                state["ordered_quantity"].as_string(),
                state["shipped_quantity"].as_string(),
            ).where(line.purchase_order_id.in_(in_period))
        ):
            lines.setdefault(po_id, []).append(fields)
        faulty = set(
            session.scalars(
                select(PoDiscrepancy.purchase_order_id).where(
                    PoDiscrepancy.purchase_order_id.in_(in_period),
                    PoDiscrepancy.kind.in_(INVOICE_FAULTS),
                )
            )
        )
    by_partner: dict[str, list[_Order]] = {}
    if partner_id is not None:
        by_partner[partner_id] = []
    for order in orders:
        by_partner.setdefault(order.partner_id, []).append(order)
    return [
        _card(p, rs, lines, faulty, terms_for(p), date_from, date_to, now)
        for p, rs in sorted(by_partner.items())
    ]


class _Order(Protocol):
    """A row of the PO query: only what the scorecard reads (not the PO's body)."""

    id: int
    partner_id: str
    status: str
    sent_at: datetime | None
    acknowledged_at: datetime | None
    shipped_at: datetime | None
    invoiced_at: datetime | None


_Line = Sequence[object]
"""A line's requested date, ordered and shipped quantity, taken out of its state's JSON by the
database (text; SQLite gives a number as a number)."""


@lru_cache(maxsize=4096)
def _quantity(value: object) -> Decimal:
    """A line quantity (0 when missing): few distinct values among many lines, so cached."""
    return Decimal(str(value or 0))


def _card(
    partner_id: str,
    records: list[_Order],
    lines: dict[int, list[_Line]],
    faulty: set[int],
    terms: Terms,
    date_from: date,
    date_to: date,
    now: datetime,
) -> Scorecard:
    ack, ship, invoice = _Count(), _Count(), _Count()
    ordered = shipped = Decimal(0)
    for r in records:
        sent = _aware(r.sent_at)
        assert sent is not None  # the query takes sent POs only
        ack.add(sent + timedelta(hours=terms.acknowledgement_hours), _aware(r.acknowledged_at), now)
        mine = lines.get(r.id, ())
        requested = [str(ln[0]) for ln in mine if ln[0]]
        if requested and r.status not in ("rejected", "cancelled"):
            due = datetime.fromisoformat(min(requested)).replace(tzinfo=UTC)
            ship.add(due + timedelta(days=terms.ship_notice_days), _aware(r.shipped_at), now)
        if r.invoiced_at is not None:
            invoice.due += 1
            invoice.on_time += r.id not in faulty
        for _, want_text, got_text in mine:
            want, got = _quantity(want_text), _quantity(got_text)
            ordered += want
            shipped += min(got, want)
    return Scorecard(
        partner_id=partner_id,
        date_from=date_from,
        date_to=date_to,
        purchase_orders=len(records),
        acknowledgement=ack.rate(),
        ship_notice=ship.rate(),
        fill_rate=round(float(shipped / ordered), 4) if ordered else None,
        ordered_quantity=f"{ordered.normalize():f}",
        shipped_quantity=f"{shipped.normalize():f}",
        invoice_accuracy=invoice.rate(),
    )


@dataclass
class _Count:
    on_time: int = 0
    due: int = 0

    def add(self, due_at: datetime, done_at: datetime | None, now: datetime) -> None:
        if done_at is None and due_at > now:
            return  # not due yet: neither on time nor late
        self.due += 1
        self.on_time += done_at is not None and done_at <= due_at

    def rate(self) -> Rate:
        value = round(self.on_time / self.due, 4) if self.due else None
        return Rate(rate=value, on_time=self.on_time, due=self.due)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone; the store writes UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


CSV_FIELDS = (
    "partner_id",
    "date_from",
    "date_to",
    "purchase_orders",
    "acknowledgement_on_time",
    "acknowledgements_due",
    "ship_notice_on_time",
    "ship_notices_due",
    "fill_rate",
    "ordered_quantity",
    "shipped_quantity",
    "invoice_accuracy",
    "invoices",
)


def as_csv(cards: list[Scorecard]) -> str:
    return csv_text(
        CSV_FIELDS,
        (
            (
                c.partner_id,
                c.date_from.isoformat(),
                c.date_to.isoformat(),
                c.purchase_orders,
                c.acknowledgement.rate,
                c.acknowledgement.due,
                c.ship_notice.rate,
                c.ship_notice.due,
                c.fill_rate,
                c.ordered_quantity,
                c.shipped_quantity,
                c.invoice_accuracy.rate,
                c.invoice_accuracy.due,
            )
            for c in cards
        ),
    )
