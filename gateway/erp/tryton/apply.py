"""How each canonical event lands in Tryton. Every record the connector creates carries the event id
(``gateway evt_...``), and the connector searches for it before creating: a repeated post finds it
and changes nothing. Each record is created by **one** call (one Tryton transaction), so a worker
killed mid-post leaves either the whole record or nothing, and the repeat completes what is missing.

* ``po_acknowledgment`` (855): the acknowledgement per line is written on the purchase as a note
  (accepted / changed / rejected, with the quantity, price and date the supplier gave). Changes the
  buyer must approve (another quantity or price, a rejected line) become **one draft purchase
  amendment** (module ``purchase_amendment``): nothing is applied until the buyer validates it.
  Date changes are in the note (an amendment cannot carry them).
* ``ship_notice`` (856): one **draft supplier shipment** (``stock.shipment.in``) with the
  purchase lines' own incoming moves for the shipped quantities: a move shipped in part is split (the
  shipped part goes into the shipment, the rest stays expected on the purchase line), all in the call
  that creates the shipment. Its reference is the supplier's shipment id, its planned date the
  expected delivery; SSCCs, lots, carrier, bill of lading and tracking numbers are in a note on it.
  Receiving stays a warehouse action.
* ``invoice`` (810): one **draft supplier invoice** with lines linked to the purchase lines (their
  origin), at the supplier's prices; what differs from the purchase (price, quantity invoiced
  against ordered) is in the invoice's comment for the accountant.
* ``functional_ack`` (997/999 from the supplier): a note on the supplier's party.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.canonical import (
    Event,
    FunctionalAck,
    FunctionalAckEvent,
    InterchangeAckEvent,
    Invoice,
    InvoiceEvent,
    PoAcknowledgment,
    PoAcknowledgmentEvent,
    PoOverdueEvent,
    ShipNotice,
    ShipNoticeEvent,
    SupplyDelayEvent,
)
from gateway.erp.tryton.model import (
    Purchase,
    PurchaseLine,
    Refused,
    decimal,
    purchase,
    supplier_party,
)
from gateway.erp.tryton.rpc import TrytonRpc


@dataclass(frozen=True, slots=True)
class Applied:
    summary: str
    duplicate: bool


def marker(event: Event) -> str:
    return f"gateway {event.id}"


def apply(rpc: TrytonRpc, event: Event) -> Applied:
    if not event.partner_id:
        raise Refused("the event names no partner", kind="unknown_supplier")
    party = supplier_party(rpc, event.partner_id)
    if isinstance(event, PoAcknowledgmentEvent):
        return _acknowledgment(rpc, event, event.document, party)
    if isinstance(event, ShipNoticeEvent):
        return _ship_notice(rpc, event, event.document, party)
    if isinstance(event, InvoiceEvent):
        return _invoice(rpc, event, event.document, party)
    if isinstance(event, PoOverdueEvent):
        text = f"EDI: {event.document.message}"
        return _purchase_note(rpc, event, event.document.po_number, party, text)
    if isinstance(event, SupplyDelayEvent):
        d = event.document
        text = (
            f"EDI supply delay: line {d.line_number} ({d.buyer_part_number or ''}) now "
            f"{d.new_date}, {d.days_late} day(s) after the requested {d.requested_date} "
            f"(the supplier's {d.document})"
        )
        return _purchase_note(rpc, event, d.po_number, party, text)
    if isinstance(event, InterchangeAckEvent):
        return _interchange_ack(rpc, event, party)
    assert isinstance(event, FunctionalAckEvent)
    return _functional_ack(rpc, event, event.document, party)


def _interchange_ack(rpc: TrytonRpc, event: InterchangeAckEvent, party: int) -> Applied:
    """The supplier's TA1 about our interchange: a note on the supplier, as a 997 is."""
    resource = f"party.party,{party}"
    if _notes(rpc, resource, event):
        return Applied("interchange acknowledgement already recorded", True)
    d = event.document
    text = (
        f"EDI TA1 from the supplier: our interchange {d.acknowledged_interchange} "
        f"{d.status or d.status_code or 'answered'}"
        + (f", note {d.note_code}: {d.note}" if d.note_code and d.note_code != "000" else "")
    )
    note = _note(rpc, resource, event, text)
    return Applied(f"interchange acknowledgement recorded (note {note})", False)


def _purchase_note(rpc: TrytonRpc, event: Event, po_number: str, party: int, text: str) -> Applied:
    """What planning and the buyer must see on the purchase: a note, once per event."""
    order = purchase(rpc, po_number, party)
    resource = f"purchase.purchase,{order.id}"
    if _notes(rpc, resource, event):
        return Applied(f"purchase {order.number}: {event.type} already recorded", True)
    note = _note(rpc, resource, event, text)
    return Applied(f"purchase {order.number}: {event.type} recorded (note {note})", False)


def _notes(rpc: TrytonRpc, resource: str, event: Event) -> list[int]:
    found = rpc.call(
        "ir.note",
        "search",
        [("resource", "=", resource), ("message", "ilike", f"%{event.id}%")],
        0,
        None,
        None,
    )
    return list(found)


def _note(rpc: TrytonRpc, resource: str, event: Event, text: str) -> int:
    (note,) = rpc.call(
        "ir.note", "create", [{"resource": resource, "message": f"{text}\n[{marker(event)}]"}]
    )
    return int(note)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# -- 855 -------------------------------------------------------------------------------------


def _acknowledgment(rpc: TrytonRpc, event: Event, doc: PoAcknowledgment, party: int) -> Applied:
    order = purchase(rpc, doc.po_number, party)
    resource = f"purchase.purchase,{order.id}"
    if _notes(rpc, resource, event):
        return Applied(f"purchase {order.number}: acknowledgement already recorded", True)
    rows: list[str] = []
    changes: list[dict[str, Any]] = []
    for ack in doc.lines:
        line = order.line(ack.line_number, ack.product_ids)
        quantity = decimal(ack.quantity)
        price = decimal(ack.unit_price)
        status = ack.status or "accepted"
        if status == "rejected":
            quantity = Decimal(0)
        words = [f"line {line.number} ({line.product_code or line.description}): {status}"]
        if quantity is not None and quantity != line.quantity:
            words.append(f"quantity {line.quantity.normalize():f} -> {quantity.normalize():f}")
        if price is not None and price != line.unit_price:
            words.append(f"price {line.unit_price.normalize():f} -> {price.normalize():f}")
        if ack.schedule_date:
            words.append(f"date {ack.schedule_date}")
        rows.append(", ".join(words))
        if (quantity is not None and quantity != line.quantity) or (
            price is not None and price != line.unit_price
        ):
            changes.append(_amendment_line(line, quantity, price))
    amendment = _amendment(rpc, event, order, doc, changes) if changes else None
    head = f"EDI 855 {doc.supplier_order_number or ''} from the supplier: {doc.status or 'acknowledged'}"
    pending = (
        f"\nchanges pending approval in amendment {amendment}" if amendment is not None else ""
    )
    _note(rpc, resource, event, head.strip() + "\n" + "\n".join(rows) + pending)
    return Applied(
        f"purchase {order.number}: acknowledgement recorded"
        + (f", amendment {amendment} pending approval" if amendment is not None else ""),
        False,
    )


def _amendment_line(
    line: PurchaseLine, quantity: Decimal | None, price: Decimal | None
) -> dict[str, Any]:
    return {
        "action": "line",
        "line": line.id,
        "product": line.product,
        "unit": line.unit,
        "quantity": float(quantity if quantity is not None else line.quantity),
        "unit_price": price if price is not None else line.unit_price,
    }


def _amendment(
    rpc: TrytonRpc,
    event: Event,
    order: Purchase,
    doc: PoAcknowledgment,
    lines: list[dict[str, Any]],
) -> int:
    found = rpc.call(
        "purchase.amendment",
        "search",
        [("purchase", "=", order.id), ("description", "ilike", f"%{event.id}%")],
        0,
        None,
        None,
    )
    if found:
        return int(found[0])
    (amendment,) = rpc.call(
        "purchase.amendment",
        "create",
        [
            {
                "purchase": order.id,
                "date": _date(doc.acknowledgment_date) or dt.date.today(),
                "description": f"EDI 855 {doc.supplier_order_number or ''} ({marker(event)})",
                "lines": [["create", lines]],
            }
        ],
    )
    return int(amendment)


# -- 856 -------------------------------------------------------------------------------------


def _ship_notice(rpc: TrytonRpc, event: Event, doc: ShipNotice, party: int) -> Applied:
    found = rpc.call(
        "stock.shipment.in",
        "search",
        [("supplier", "=", party), ("reference", "ilike", f"%{event.id}%")],
        0,
        None,
        None,
    )
    if found:
        _shipment_note(rpc, event, int(found[0]), doc)
        return Applied(f"supplier shipment {found[0]} already created", True)
    orders: dict[str, Purchase] = {}
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    lines: dict[int, PurchaseLine] = {}
    labels: dict[int, str] = {}
    for item in doc.lines:
        po_number = item.po_number or _only_po(doc)
        if po_number not in orders:
            orders[po_number] = purchase(rpc, po_number, party)
        line = orders[po_number].line(item.line_number, item.product_ids)
        quantity = decimal(item.quantity)
        if quantity is None or quantity <= 0:
            continue
        shipped[line.id] += quantity
        lines[line.id] = line
        labels[line.id] = f"{po_number} line {line.number}"
    if not shipped:
        raise Refused("the ship notice ships no quantity", kind="empty_shipment")
    first = next(iter(orders.values()))
    planned = _date(doc.estimated_delivery) or _date(doc.ship_date)
    operations = _move_operations(rpc, first, shipped, lines, planned)
    warehouse = rpc.call(
        "stock.location", "read", [first.warehouse], ["input_location", "storage_location"]
    )[0]
    (shipment,) = rpc.call(
        "stock.shipment.in",
        "create",
        [
            {
                "supplier": party,
                "company": first.company,
                "warehouse": first.warehouse,
                "warehouse_input": warehouse["input_location"],
                "warehouse_storage": warehouse["storage_location"],
                "reference": f"{doc.shipment_id or ''} ({marker(event)})".strip(),
                "planned_date": planned,
                "incoming_moves": operations,
            }
        ],
    )
    _shipment_note(rpc, event, int(shipment), doc)
    return Applied(
        f"draft supplier shipment {shipment}: "
        + ", ".join(f"{labels[i]} x {q.normalize():f}" for i, q in shipped.items()),
        False,
    )


def _only_po(doc: ShipNotice) -> str:
    numbers = {p.po_number for p in doc.packs if getattr(p, "po_number", None)}
    if len(numbers) == 1:
        return str(numbers.pop())
    raise Refused("a ship notice line names no PO number", kind="unknown_po")


def _move_operations(
    rpc: TrytonRpc,
    order: Purchase,
    shipped: dict[int, Decimal],
    lines: dict[int, PurchaseLine],
    planned: dt.date | None,
) -> list[list[Any]]:
    """The One2Many operations that put the shipped quantities into the new shipment, in its
    create call: whole moves are added, a move shipped in part is copied into the shipment with
    the shipped quantity and keeps the rest; more than expected is a new move for the excess."""
    moves = rpc.call(
        "stock.move",
        "search_read",
        [
            ("origin", "in", [f"purchase.line,{i}" for i in shipped]),
            ("shipment", "=", None),
            ("state", "=", "draft"),
        ],
        0,
        None,
        [("quantity", "DESC"), ("id", "ASC")],
        ["origin", "quantity", "from_location", "to_location", "unit", "unit_price", "currency"],
    )
    by_line: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for move in moves:
        by_line[int(move["origin"].split(",")[1])].append(move)
    add: list[int] = []
    operations: list[list[Any]] = []
    for line_id, quantity in shipped.items():
        left = quantity
        for move in by_line.get(line_id, []):
            if left <= 0:
                break
            available = Decimal(str(move["quantity"]))
            if available <= left:
                add.append(move["id"])
                left -= available
            else:
                extra: dict[str, Any] = {"quantity": float(left)}
                if planned is not None:
                    extra["planned_date"] = planned
                operations.append(["copy", [move["id"]], extra])
                operations.append(["write", [move["id"]], {"quantity": float(available - left)}])
                left = Decimal(0)
        if left > 0:
            known = by_line.get(line_id)
            template = known[0] if known else None
            operations.append(
                ["create", [_excess_move(rpc, order, lines[line_id], left, template, planned)]]
            )
    if add:
        operations.insert(0, ["add", add])
    return operations


def _excess_move(
    rpc: TrytonRpc,
    order: Purchase,
    line: PurchaseLine,
    quantity: Decimal,
    template: dict[str, Any] | None,
    planned: dt.date | None,
) -> dict[str, Any]:
    if template is None:
        row = rpc.call("purchase.line", "read", [line.id], ["from_location", "to_location"])[0]
        locations = (row["from_location"], row["to_location"])
    else:
        locations = (template["from_location"], template["to_location"])
    return {
        "product": line.product,
        "unit": line.unit,
        "quantity": float(quantity),
        "from_location": locations[0],
        "to_location": locations[1],
        "company": order.company,
        "unit_price": line.unit_price,
        "currency": order.currency,
        "origin": f"purchase.line,{line.id}",
        "planned_date": planned,
    }


def _shipment_note(rpc: TrytonRpc, event: Event, shipment: int, doc: ShipNotice) -> None:
    resource = f"stock.shipment.in,{shipment}"
    if _notes(rpc, resource, event):
        return
    rows = [
        f"EDI 856 {doc.shipment_id or ''} shipped {doc.ship_date or '?'}, expected {doc.estimated_delivery or '?'}"
    ]
    if doc.carrier is not None:
        rows.append(f"carrier {doc.carrier.scac or ''} {doc.carrier.name or ''}".rstrip())
    if doc.bill_of_lading:
        rows.append(f"bill of lading {doc.bill_of_lading}")
    if doc.tracking_numbers:
        rows.append("tracking " + ", ".join(doc.tracking_numbers))
    for item in doc.lines:
        details = [
            f"{k} {v}"
            for k, v in (("SSCC", item.sscc), ("lot", item.lot), ("expires", item.expiration_date))
            if v
        ]
        rows.append(
            f"PO {item.po_number} line {item.line_number}: {item.quantity} {item.uom or ''}"
            + (" (" + ", ".join(details) + ")" if details else "")
        )
    _note(rpc, resource, event, "\n".join(rows))


# -- 810 -------------------------------------------------------------------------------------


def _invoice(rpc: TrytonRpc, event: Event, doc: Invoice, party: int) -> Applied:
    found = rpc.call(
        "account.invoice",
        "search",
        [("type", "=", "in"), ("party", "=", party), ("description", "ilike", f"%{event.id}%")],
        0,
        None,
        None,
    )
    if found:
        return Applied(f"draft supplier invoice {found[0]} already created", True)
    order = purchase(rpc, doc.po_number, party)
    lines: list[dict[str, Any]] = []
    differences: list[str] = []
    accounts = _expense_accounts(rpc, order)
    for item in doc.lines:
        line = order.line(item.line_number, item.product_ids)
        quantity = decimal(item.quantity) or Decimal(0)
        price = decimal(item.unit_price)
        if price is None:
            price = line.unit_price
        if price != line.unit_price:
            differences.append(
                f"line {line.number}: invoiced price {price.normalize():f}, "
                f"purchase price {line.unit_price.normalize():f}"
            )
        if quantity > line.quantity:
            differences.append(
                f"line {line.number}: invoiced quantity {quantity.normalize():f} over the ordered "
                f"{line.quantity.normalize():f}"
            )
        lines.append(
            {
                "type": "line",
                "product": line.product,
                "unit": line.unit,
                "quantity": float(quantity),
                "unit_price": price,
                "account": accounts[line.product],
                "origin": f"purchase.line,{line.id}",
                "description": item.description or line.description or line.product_code or "",
            }
        )
    invoice_party = rpc.call("party.party", "read", [party], ["account_payable", "addresses"])[0]
    if not invoice_party["addresses"]:
        raise Refused("the supplier's party has no address to invoice", kind="no_address")
    comment = (
        "Differences from purchase " + order.number + ":\n" + "\n".join(differences)
        if differences
        else f"Matches purchase {order.number}."
    )
    if doc.total_amount:
        comment += f"\nInvoice total as sent: {doc.total_amount} {doc.currency or ''}".rstrip()
    (invoice,) = rpc.call(
        "account.invoice",
        "create",
        [
            {
                "type": "in",
                "party": party,
                "company": order.company,
                "currency": order.currency,
                "invoice_address": invoice_party["addresses"][0],
                "account": invoice_party["account_payable"] or _default_payable(rpc),
                "payment_term": order.payment_term,
                "invoice_date": _date(doc.invoice_date),
                "reference": doc.invoice_number,
                "description": f"EDI 810 {doc.invoice_number or ''} for {order.number} ({marker(event)})",
                "comment": comment,
                "lines": [["create", lines]],
            }
        ],
    )
    return Applied(
        f"draft supplier invoice {invoice} for purchase {order.number}"
        + (f" ({len(differences)} differences)" if differences else ""),
        False,
    )


def _expense_accounts(rpc: TrytonRpc, order: Purchase) -> dict[int, int]:
    products = rpc.call(
        "product.product",
        "read",
        sorted({ln.product for ln in order.lines}),
        ["template.account_category"],
    )
    categories = {p["id"]: (p.get("template.") or {}).get("account_category") for p in products}
    ids = sorted({c for c in categories.values() if c})
    accounts = {
        c["id"]: c["account_expense"]
        for c in rpc.call("product.category", "read", ids, ["account_expense"])
    }
    default = None
    result: dict[int, int] = {}
    for product, category in categories.items():
        account = accounts.get(category) if category else None
        if account is None:
            if default is None:
                default = rpc.call(
                    "account.configuration", "read", [1], ["default_category_account_expense"]
                )[0]["default_category_account_expense"]
            account = default
        if account is None:
            raise Refused(f"product {product} has no expense account in Tryton", kind="no_account")
        result[product] = int(account)
    return result


def _default_payable(rpc: TrytonRpc) -> int:
    account = rpc.call("account.configuration", "read", [1], ["default_account_payable"])[0][
        "default_account_payable"
    ]
    if account is None:
        raise Refused("Tryton has no payable account for the supplier", kind="no_account")
    return int(account)


# -- 997/999 ---------------------------------------------------------------------------------


def _functional_ack(rpc: TrytonRpc, event: Event, doc: FunctionalAck, party: int) -> Applied:
    resource = f"party.party,{party}"
    if _notes(rpc, resource, event):
        return Applied("functional acknowledgement already recorded", True)
    text = (
        f"EDI {event.source.document_type if event.source else '997'} from the supplier: "
        + _ack_words(doc)
    )
    note = _note(rpc, resource, event, text)
    return Applied(f"functional acknowledgement recorded (note {note})", False)


def _ack_words(doc: FunctionalAck) -> str:
    group = doc.acknowledged_group
    words = [
        f"group {group.functional_id or ''} {group.control_number or ''}".rstrip(),
        str(doc.status or doc.status_code or "received"),
    ]
    for item in doc.transaction_sets:
        words.append(
            f"set {item.code or ''} {item.control_number or ''}: {item.status or item.status_code or ''}"
        )
    return "; ".join(w for w in words if w.strip())
