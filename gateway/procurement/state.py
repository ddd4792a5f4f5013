"""A purchase order's state, computed from the PO and every document linked to it (pure).

Computed from scratch each time something changes (a document arrives, the PO is published again),
so the answer never depends on the order things arrived in: an 856 before its 855, an 810 before
the PO, a re-sent 855 that replaces the first.

* **Acknowledged** quantity, price, date and status per line: from the latest 855 that names the
  line (a rejected line: 0).
* **Shipped** per line: the sum of every 856; **invoiced**: the sum of every 810, at the last
  invoiced price.
* **Expected** per line: the acknowledged quantity once acknowledged, else the ordered one.
* **Discrepancies**, each with a severity and a sentence a buyer understands: 855 vs the PO
  (quantity, price, date, a rejected or unknown line), 856 vs the expected quantity (over-shipment,
  unknown line, an SSCC already received), 810 vs the PO price and vs the shipped quantity
  (three-way match). Tolerances come from the partner's profile (``procurement:``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Tolerances:
    """A partner's procurement terms (``procurement:`` in its profile): how far its documents may
    differ from the PO, and when each is due (the SLA timers, ``gateway.procurement.sla``)."""

    quantity_percent: Decimal = ZERO
    price_percent: Decimal = ZERO
    date_days: int = 0
    functional_ack_hours: float = 24
    acknowledgement_hours: float = 48
    ship_notice_days: float = 0
    invoice_days: float = 30


NO_TOLERANCES = Tolerances()


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """What one document says of one line (decimal strings as in canonical events)."""

    line_number: str | None
    buyer_part_number: str | None = None
    vendor_part_number: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    status: str | None = None
    date: str | None = None
    sscc: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("line_number", self.line_number),
                ("buyer_part_number", self.buyer_part_number),
                ("vendor_part_number", self.vendor_part_number),
                ("quantity", self.quantity),
                ("unit_price", self.unit_price),
                ("status", self.status),
                ("date", self.date),
                ("sscc", self.sscc),
            )
            if v is not None
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> DocumentLine:
        return cls(**{k: value.get(k) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Document:
    event_id: str
    kind: str
    """855, 856 or 810; 997 or 999 (the supplier's functional ack of an 850/860 we sent:
    ``number`` names it, ``status`` is the ack's, ``lines`` is empty)."""
    number: str | None
    status: str | None
    lines: tuple[DocumentLine, ...]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: str
    severity: str
    """``error`` (the buyer must act) or ``warning`` (worth a look)."""
    line_number: str | None
    message: str
    event_id: str | None


@dataclass
class LineState:
    line_number: str
    buyer_part_number: str | None
    vendor_part_number: str | None
    uom: str | None
    ordered_quantity: Decimal
    unit_price: Decimal | None
    requested_date: str | None
    acknowledged_quantity: Decimal | None = None
    acknowledged_price: Decimal | None = None
    acknowledged_date: str | None = None
    ack_status: str | None = None
    shipped_quantity: Decimal = ZERO
    invoiced_quantity: Decimal = ZERO
    invoiced_price: Decimal | None = None
    status: str = "open"

    @property
    def expected(self) -> Decimal:
        return (
            self.acknowledged_quantity
            if self.acknowledged_quantity is not None
            else self.ordered_quantity
        )

    def as_dict(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else f"{value.normalize():f}"

        return {
            "line_number": self.line_number,
            "status": self.status,
            "buyer_part_number": self.buyer_part_number,
            "vendor_part_number": self.vendor_part_number,
            "uom": self.uom,
            "ordered_quantity": text(self.ordered_quantity),
            "acknowledged_quantity": text(self.acknowledged_quantity),
            "shipped_quantity": text(self.shipped_quantity),
            "invoiced_quantity": text(self.invoiced_quantity),
            "unit_price": text(self.unit_price),
            "acknowledged_price": text(self.acknowledged_price),
            "invoiced_price": text(self.invoiced_price),
            "requested_date": self.requested_date,
            "acknowledged_date": self.acknowledged_date,
            "ack_status": self.ack_status,
        }


@dataclass
class PoState:
    status: str
    lines: list[LineState]
    discrepancies: list[Discrepancy] = field(default_factory=list)
    acknowledged: bool = False
    shipped: bool = False
    invoiced: bool = False


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except ArithmeticError:
        return None


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def match(lines: list[LineState], item: DocumentLine) -> LineState | None:
    """The PO line a document line means: by line number when its part number agrees (or it has
    none), else by the buyer part number, else by the vendor part number."""
    number = (item.line_number or "").lstrip("0") or item.line_number
    for line in lines:
        if line.line_number.lstrip("0") == number and (
            item.buyer_part_number is None
            or line.buyer_part_number in (None, item.buyer_part_number)
        ):
            return line
    for attr in ("buyer_part_number", "vendor_part_number"):
        wanted = getattr(item, attr)
        if wanted is None:
            continue
        found = [line for line in lines if getattr(line, attr) == wanted]
        if len(found) == 1:
            return found[0]
    return None


def _label(item: DocumentLine) -> str:
    parts = [p for p in (item.buyer_part_number, item.vendor_part_number) if p]
    return f"line {item.line_number or '?'}" + (f" ({', '.join(parts)})" if parts else "")


_ACK_STATUS = {
    "accepted": "acknowledged",
    "accepted_with_changes": "acknowledged_with_changes",
    "rejected": "rejected",
}


def compute(
    order: dict[str, Any],
    documents: list[Document],
    tolerances: Tolerances = NO_TOLERANCES,
    sent: bool = False,
    sscc_elsewhere: frozenset[str] = frozenset(),
) -> PoState:
    """``order``: the canonical purchase order (as published); ``documents`` in arrival order;
    ``sscc_elsewhere``: SSCCs the partner sent in ship notices for other POs."""
    lines = [
        LineState(
            line_number=ln["line_number"],
            buyer_part_number=ln.get("buyer_part_number"),
            vendor_part_number=ln.get("vendor_part_number"),
            uom=ln.get("uom"),
            ordered_quantity=Decimal(ln["quantity"]),
            unit_price=_decimal(ln.get("unit_price")),
            requested_date=ln.get("requested_date"),
        )
        for ln in order["lines"]
    ]
    found: list[Discrepancy] = []
    acks = [d for d in documents if d.kind == "855"]
    latest_ack = acks[-1] if acks else None
    for ack in acks:
        for item in ack.lines:
            line = match(lines, item)
            if line is None:
                if ack is latest_ack:
                    found.append(
                        Discrepancy(
                            "unknown_line",
                            "error",
                            item.line_number,
                            f"The 855 acknowledges {_label(item)}, which is not on the PO.",
                            ack.event_id,
                        )
                    )
                continue
            status = item.status or "accepted"
            quantity = ZERO if status == "rejected" else _decimal(item.quantity)
            line.ack_status = status
            line.acknowledged_quantity = quantity if quantity is not None else line.ordered_quantity
            line.acknowledged_price = _decimal(item.unit_price) or line.unit_price
            line.acknowledged_date = item.date
    if latest_ack is not None:
        found += _ack_discrepancies(lines, latest_ack, tolerances)
    seen_ssccs: dict[str, str] = {}
    for doc in documents:
        if doc.kind == "856":
            for item in doc.lines:
                line = match(lines, item)
                if item.sscc:
                    if (
                        item.sscc in sscc_elsewhere
                        or seen_ssccs.get(item.sscc, doc.event_id) != doc.event_id
                    ):
                        found.append(
                            Discrepancy(
                                "sscc_already_received",
                                "error",
                                line.line_number if line else item.line_number,
                                f"Pallet or carton SSCC {item.sscc} in ship notice {doc.number or ''} was "
                                "already received in another ship notice.".replace("  ", " "),
                                doc.event_id,
                            )
                        )
                    seen_ssccs.setdefault(item.sscc, doc.event_id)
                if line is None:
                    found.append(
                        Discrepancy(
                            "unknown_line",
                            "error",
                            item.line_number,
                            f"Ship notice {doc.number or ''} ships {_label(item)}, which is not on the PO.".replace(
                                "  ", " "
                            ),
                            doc.event_id,
                        )
                    )
                    continue
                line.shipped_quantity += _decimal(item.quantity) or ZERO
        elif doc.kind == "810":
            for item in doc.lines:
                line = match(lines, item)
                if line is None:
                    found.append(
                        Discrepancy(
                            "unknown_line",
                            "error",
                            item.line_number,
                            f"Invoice {doc.number or ''} bills {_label(item)}, which is not on the PO.".replace(
                                "  ", " "
                            ),
                            doc.event_id,
                        )
                    )
                    continue
                line.invoiced_quantity += _decimal(item.quantity) or ZERO
                line.invoiced_price = _decimal(item.unit_price) or line.invoiced_price
    found += _functional_ack_discrepancies(documents)
    found += _shipment_discrepancies(lines, documents, tolerances)
    found += _invoice_discrepancies(lines, documents, tolerances)
    for line in lines:
        line.status = _line_status(line, order.get("status") == "cancelled")
    return PoState(
        status=_po_status(order, lines, latest_ack, sent, _latest_functional_ack(documents)),
        lines=lines,
        discrepancies=found,
        acknowledged=latest_ack is not None,
        shipped=any(ln.shipped_quantity > 0 for ln in lines),
        invoiced=any(ln.invoiced_quantity > 0 for ln in lines),
    )


def _beyond(actual: Decimal, expected: Decimal, percent: Decimal) -> bool:
    return abs(actual - expected) > abs(expected) * percent / 100


def _ack_discrepancies(lines: list[LineState], ack: Document, tol: Tolerances) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    for item in ack.lines:
        line = match(lines, item)
        if line is None or line.acknowledged_quantity is None:
            continue
        n, uom = line.line_number, f" {line.uom}" if line.uom else ""
        if line.ack_status == "rejected":
            found.append(
                Discrepancy(
                    "line_rejected",
                    "error",
                    n,
                    f"Line {n} ({line.buyer_part_number or 'no part number'}): rejected by the supplier.",
                    ack.event_id,
                )
            )
            continue
        if line.ack_status == "backordered":
            found.append(
                Discrepancy(
                    "line_backordered",
                    "warning",
                    n,
                    f"Line {n}: backordered by the supplier.",
                    ack.event_id,
                )
            )
        if _beyond(line.acknowledged_quantity, line.ordered_quantity, tol.quantity_percent):
            found.append(
                Discrepancy(
                    "quantity_changed",
                    "warning",
                    n,
                    f"Line {n}: the supplier acknowledged {_text(line.acknowledged_quantity)}{uom} of "
                    f"{_text(line.ordered_quantity)}{uom} ordered.",
                    ack.event_id,
                )
            )
        price, ordered = line.acknowledged_price, line.unit_price
        if price is not None and ordered is not None and _beyond(price, ordered, tol.price_percent):
            found.append(
                Discrepancy(
                    "price_changed",
                    "warning",
                    n,
                    f"Line {n}: acknowledged at {_text(price)}, {_text(ordered)} on the PO "
                    f"({_percent(price, ordered)}).",
                    ack.event_id,
                )
            )
        late = _days_late(line.acknowledged_date, line.requested_date)
        if late is not None and late > tol.date_days:
            found.append(
                Discrepancy(
                    "date_changed",
                    "warning",
                    n,
                    f"Line {n}: scheduled for {line.acknowledged_date}, requested {line.requested_date} "
                    f"({late} days late).",
                    ack.event_id,
                )
            )
    return found


def _shipment_discrepancies(
    lines: list[LineState], documents: list[Document], tol: Tolerances
) -> list[Discrepancy]:
    last = next((d for d in reversed(documents) if d.kind == "856"), None)
    found = []
    for line in lines:
        limit = line.expected * (1 + tol.quantity_percent / 100)
        if line.shipped_quantity > limit and last is not None:
            uom = f" {line.uom}" if line.uom else ""
            found.append(
                Discrepancy(
                    "over_shipment",
                    "error",
                    line.line_number,
                    f"Line {line.line_number}: {_text(line.shipped_quantity)}{uom} shipped, "
                    f"{_text(line.expected)}{uom} expected ({_text(line.shipped_quantity - line.expected)} over).",
                    last.event_id,
                )
            )
    return found


def _invoice_discrepancies(
    lines: list[LineState], documents: list[Document], tol: Tolerances
) -> list[Discrepancy]:
    invoices = [d for d in documents if d.kind == "810"]
    if not invoices:
        return []
    last = invoices[-1]
    found = []
    for line in lines:
        if line.invoiced_quantity <= 0:
            continue
        n = line.line_number
        price, ordered = line.invoiced_price, line.unit_price
        if (
            price is not None
            and ordered is not None
            and price > ordered * (1 + tol.price_percent / 100)
        ):
            found.append(
                Discrepancy(
                    "price_above_po",
                    "error",
                    n,
                    f"Line {n}: invoiced at {_text(price)}, {_text(ordered)} on the PO "
                    f"({_percent(price, ordered)}).",
                    last.event_id,
                )
            )
        if line.invoiced_quantity > line.shipped_quantity * (1 + tol.quantity_percent / 100):
            shipped = _text(line.shipped_quantity)
            found.append(
                Discrepancy(
                    "invoiced_not_shipped",
                    "error" if line.shipped_quantity > 0 else "warning",
                    n,
                    f"Line {n}: {_text(line.invoiced_quantity)} invoiced, {shipped} shipped.",
                    last.event_id,
                )
            )
    return found


def _percent(actual: Decimal, expected: Decimal) -> str:
    if expected == 0:
        return "the PO price is 0"
    change = (actual - expected) / expected * 100
    return f"{'+' if change > 0 else ''}{change.quantize(Decimal('0.1'))}%"


def _days_late(acknowledged: str | None, requested: str | None) -> int | None:
    if not acknowledged or not requested:
        return None
    try:
        return (date.fromisoformat(acknowledged) - date.fromisoformat(requested)).days
    except ValueError:
        return None


def _line_status(line: LineState, cancelled: bool) -> str:
    if cancelled:
        return "cancelled"
    expected = line.expected
    if line.ack_status == "rejected" and line.shipped_quantity == 0:
        return "rejected"
    if line.invoiced_quantity > 0:
        return "invoiced" if line.invoiced_quantity >= expected else "partially_invoiced"
    if line.shipped_quantity > 0:
        return "shipped" if line.shipped_quantity >= expected else "partially_shipped"
    if line.ack_status == "backordered":
        return "backordered"
    if line.ack_status is not None:
        changed = line.acknowledged_quantity != line.ordered_quantity or (
            line.acknowledged_price not in (None, line.unit_price)
        )
        return (
            "acknowledged_with_changes"
            if changed or line.ack_status == "changed"
            else "acknowledged"
        )
    return "open"


FUNCTIONAL_ACKS = ("997", "999")


def _latest_functional_ack(documents: list[Document]) -> Document | None:
    acks = [d for d in documents if d.kind in FUNCTIONAL_ACKS]
    return acks[-1] if acks else None


def _functional_ack_discrepancies(documents: list[Document]) -> list[Discrepancy]:
    """The supplier's translator refused what we sent (the latest 997/999 for the PO rejects
    it): the supplier may not have the order at all."""
    latest = _latest_functional_ack(documents)
    if latest is None or latest.status not in ("rejected", "partially_accepted"):
        return []
    what = "rejected" if latest.status == "rejected" else "accepted only part of"
    return [
        Discrepancy(
            "functional_ack_rejected",
            "error",
            None,
            f"The supplier's {latest.kind} {what} our {latest.number or 'purchase order'}: "
            "they may not have the order; see the acknowledgement for the segments in error.",
            latest.event_id,
        )
    ]


def _po_status(
    order: dict[str, Any],
    lines: list[LineState],
    ack: Document | None,
    sent: bool,
    functional_ack: Document | None = None,
) -> str:
    if order.get("status") == "cancelled":
        return "cancelled"
    live = [ln for ln in lines if ln.expected > 0]
    if live and all(
        ln.invoiced_quantity >= ln.expected and ln.shipped_quantity >= ln.expected for ln in live
    ):
        return "closed"
    if live and all(ln.invoiced_quantity >= ln.expected for ln in live):
        return "invoiced"
    if any(ln.invoiced_quantity > 0 for ln in lines):
        return "partially_invoiced"
    if live and all(ln.shipped_quantity >= ln.expected for ln in live):
        return "shipped"
    if any(ln.shipped_quantity > 0 for ln in lines):
        return "partially_shipped"
    if ack is not None:
        if any(ln.ack_status == "backordered" for ln in lines):
            return "backordered"
        if ack.status in _ACK_STATUS:
            return _ACK_STATUS[ack.status]
        changed = any(ln.status in ("acknowledged_with_changes", "rejected") for ln in lines)
        return "acknowledged_with_changes" if changed else "acknowledged"
    if sent and functional_ack is not None and functional_ack.status != "rejected":
        return "functionally_acknowledged"
    return "sent" if sent else "open"
