"""What a supplier document says of each PO it names: canonical events -> ``Document`` per PO."""

from __future__ import annotations

from collections import defaultdict

from gateway.canonical import Event, InvoiceEvent, PoAcknowledgmentEvent, ShipNoticeEvent
from gateway.procurement.state import Document, DocumentLine

KINDS = {"po_acknowledgment": "855", "ship_notice": "856", "invoice": "810"}
"""Event types that name POs, and the X12 set each stands for (JSON events use the same)."""


def documents_of(event: Event) -> dict[str, Document]:
    """PO number -> what ``event`` says of that PO (empty: the event names no PO)."""
    if isinstance(event, PoAcknowledgmentEvent):
        doc = event.document
        if not doc.po_number:
            return {}
        lines = tuple(
            DocumentLine(
                line_number=ln.line_number,
                buyer_part_number=ln.product_ids.get("buyer_part_number"),
                vendor_part_number=ln.product_ids.get("vendor_part_number"),
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                status=ln.status,
                date=ln.schedule_date,
            )
            for ln in doc.lines
        )
        return {
            doc.po_number: Document(event.id, "855", doc.supplier_order_number, doc.status, lines)
        }
    if isinstance(event, ShipNoticeEvent):
        notice = event.document
        default_po = {p.po_number for p in notice.packs if p.po_number}
        by_po: dict[str, list[DocumentLine]] = defaultdict(list)
        for ln in notice.lines:
            po = ln.po_number or (next(iter(default_po)) if len(default_po) == 1 else None)
            if po is None:
                continue
            by_po[po].append(
                DocumentLine(
                    line_number=ln.line_number,
                    buyer_part_number=ln.product_ids.get("buyer_part_number"),
                    vendor_part_number=ln.product_ids.get("vendor_part_number"),
                    quantity=ln.quantity,
                    date=notice.estimated_delivery,
                    sscc=ln.sscc,
                )
            )
        return {
            po: Document(event.id, "856", notice.shipment_id, None, tuple(lines))
            for po, lines in by_po.items()
        }
    if isinstance(event, InvoiceEvent):
        invoice = event.document
        if not invoice.po_number:
            return {}
        lines = tuple(
            DocumentLine(
                line_number=ln.line_number,
                buyer_part_number=ln.product_ids.get("buyer_part_number"),
                vendor_part_number=ln.product_ids.get("vendor_part_number"),
                quantity=ln.quantity,
                unit_price=ln.unit_price,
            )
            for ln in invoice.lines
        )
        return {invoice.po_number: Document(event.id, "810", invoice.invoice_number, None, lines)}
    return {}
