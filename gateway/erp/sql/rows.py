"""The rows one canonical event becomes in the ``erp_*`` staging tables (``tables.py``).

Pure: no connection, no I/O. Decimal strings become ``Decimal``, ISO dates ``date``; a value the
canonical contract does not allow raises ``ValueError`` (the connector turns it into a fatal error:
retrying cannot make it valid).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Table

from gateway.canonical import (
    Event,
    FunctionalAckEvent,
    InterchangeAckEvent,
    InvoiceEvent,
    Party,
    PoAcknowledgmentEvent,
    PoOverdueEvent,
    ShipNoticeEvent,
    SupplyDelayEvent,
)
from gateway.erp.sql.tables import (
    functional_acks,
    inbound_documents,
    invoice_lines,
    invoices,
    po_acknowledgment_lines,
    po_acknowledgments,
    ship_notice_lines,
    ship_notices,
)

Rows = list[dict[str, Any]]


def staging_rows(event: Event, received_at: datetime) -> list[tuple[Table, Rows]]:
    """The rows ``event`` becomes, tables in insert order (``erp_inbound_documents`` first).

    Raises ``ValueError`` for a decimal or date string the canonical contract does not allow.
    """
    return [(inbound_documents, [_inbound_row(event, received_at)]), *_typed_rows(event)]


def document_number(event: Event) -> str | None:
    """The number an ERP user searches by: PO (855), shipment (856), invoice (810), group (997)."""
    if isinstance(event, PoAcknowledgmentEvent):
        return event.document.po_number
    if isinstance(event, ShipNoticeEvent):
        return event.document.shipment_id
    if isinstance(event, InvoiceEvent):
        return event.document.invoice_number
    if isinstance(event, PoOverdueEvent | SupplyDelayEvent):
        return event.document.po_number
    if isinstance(event, InterchangeAckEvent):
        return event.document.acknowledged_interchange
    return event.document.acknowledged_group.control_number


def _typed_rows(event: Event) -> list[tuple[Table, Rows]]:
    if isinstance(event, PoAcknowledgmentEvent):
        return _po_ack_rows(event)
    if isinstance(event, ShipNoticeEvent):
        return _ship_notice_rows(event)
    if isinstance(event, InvoiceEvent):
        return _invoice_rows(event)
    if isinstance(event, PoOverdueEvent | SupplyDelayEvent | InterchangeAckEvent):
        return []  # the inbound_documents row says it all (its payload holds the event)
    return _functional_ack_rows(event)


def _inbound_row(event: Event, received_at: datetime) -> dict[str, Any]:
    source = event.source
    return {
        "event_id": event.id,
        "event_type": event.type,
        "partner_id": event.partner_id,
        "document_number": document_number(event),
        "source_syntax": source.syntax,
        "source_document_type": source.document_type,
        "source_version": source.version,
        "sender_id": source.sender_id,
        "receiver_id": source.receiver_id,
        "interchange_control_number": source.interchange_control_number,
        "control_number": source.control_number,
        "test": source.test,
        "received_at": received_at,
        "payload": event.model_dump_json(),
    }


def _po_ack_rows(event: PoAcknowledgmentEvent) -> list[tuple[Table, Rows]]:
    doc = event.document
    header = {
        "event_id": event.id,
        "po_number": doc.po_number,
        "po_date": _date(doc.po_date),
        "status": doc.status,
        "status_code": doc.status_code,
        "purpose": doc.purpose,
        "supplier_order_number": doc.supplier_order_number,
        "acknowledgment_date": _date(doc.acknowledgment_date),
        "currency": doc.currency,
        "parties": _parties(doc.parties),
    }
    lines = [
        _line(event.id, i, line.line_number, line.quantity, line.uom, line.product_ids)
        | {
            "ordered_quantity": _decimal(line.ordered_quantity),
            "unit_price": _decimal(line.unit_price),
            "status": line.status,
            "status_code": line.status_code,
            "schedule_date": _date(line.schedule_date),
            "description": line.description,
            "acknowledgments": _json([a.model_dump(mode="json") for a in line.acknowledgments]),
        }
        for i, line in enumerate(doc.lines)
    ]
    return [(po_acknowledgments, [header]), (po_acknowledgment_lines, lines)]


def _ship_notice_rows(event: ShipNoticeEvent) -> list[tuple[Table, Rows]]:
    doc = event.document
    carrier = doc.carrier
    header = {
        "event_id": event.id,
        "shipment_id": doc.shipment_id,
        "purpose": doc.purpose,
        "ship_date": _date(doc.ship_date),
        "ship_time": doc.ship_time,
        "estimated_delivery": _date(doc.estimated_delivery),
        "carrier_scac": carrier.scac if carrier else None,
        "carrier_name": carrier.name if carrier else None,
        "carrier_mode": carrier.mode if carrier else None,
        "bill_of_lading": doc.bill_of_lading,
        "tracking_numbers": _json(doc.tracking_numbers),
        "parties": _parties(doc.parties),
        "packs": _json([p.model_dump(mode="json") for p in doc.packs]),
    }
    lines = [
        _line(event.id, i, line.line_number, line.quantity, line.uom, line.product_ids)
        | {
            "hl_id": line.hl_id,
            "po_number": line.po_number,
            "sscc": line.sscc,
            "lot": line.lot,
            "expiration_date": _date(line.expiration_date),
            "description": line.description,
        }
        for i, line in enumerate(doc.lines)
    ]
    return [(ship_notices, [header]), (ship_notice_lines, lines)]


def _invoice_rows(event: InvoiceEvent) -> list[tuple[Table, Rows]]:
    doc = event.document
    header = {
        "event_id": event.id,
        "invoice_number": doc.invoice_number,
        "invoice_date": _date(doc.invoice_date),
        "po_number": doc.po_number,
        "po_date": _date(doc.po_date),
        "currency": doc.currency,
        "total_amount": _decimal(doc.total_amount),
        "terms": _json(doc.terms.model_dump(mode="json") if doc.terms else None),
        "allowances_charges": _json([a.model_dump(mode="json") for a in doc.allowances_charges]),
        "taxes": _json([t.model_dump(mode="json") for t in doc.taxes]),
        "parties": _parties(doc.parties),
    }
    lines = [
        _line(event.id, i, line.line_number, line.quantity, line.uom, line.product_ids)
        | {"unit_price": _decimal(line.unit_price), "description": line.description}
        for i, line in enumerate(doc.lines)
    ]
    return [(invoices, [header]), (invoice_lines, lines)]


def _functional_ack_rows(event: FunctionalAckEvent) -> list[tuple[Table, Rows]]:
    doc = event.document
    header = {
        "event_id": event.id,
        "acknowledged_functional_id": doc.acknowledged_group.functional_id,
        "acknowledged_group_control_number": doc.acknowledged_group.control_number,
        "acknowledged_version": doc.acknowledged_group.version,
        "status": doc.status,
        "status_code": doc.status_code,
        "error_codes": _json(doc.error_codes),
        "included_count": doc.counts.included,
        "received_count": doc.counts.received,
        "accepted_count": doc.counts.accepted,
        "transaction_sets": _json([s.model_dump(mode="json") for s in doc.transaction_sets]),
    }
    return [(functional_acks, [header])]


def _line(
    event_id: str,
    index: int,
    line_number: str | None,
    quantity: str | None,
    uom: str | None,
    product_ids: dict[str, str],
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "line_index": index,
        "line_number": line_number,
        "quantity": _decimal(quantity),
        "uom": uom,
        "buyer_part_number": product_ids.get("buyer_part_number"),
        "vendor_part_number": product_ids.get("vendor_part_number"),
        "product_ids": _json(product_ids),
    }


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return number


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _parties(parties: Sequence[Party]) -> str:
    return _json([p.model_dump(mode="json") for p in parties])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
