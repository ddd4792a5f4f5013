"""The ``erp_*`` staging tables: the interface schema ``SqlInterfaceErpConnector`` writes.

Many ERPs import supplier documents from interface tables: an external system inserts rows, an ERP
job picks up the ``new`` ones and sets ``import_status``. This is that schema for our four events.
``erp_inbound_documents`` has one row per event (its primary key ``event_id`` is the idempotency
key, ``payload`` the full canonical JSON); each event type adds a typed header row and, where it has
lines, one row per line. Money and quantities are ``NUMERIC`` without a fixed scale, so the decimal
strings of the canonical events arrive exactly; dates are ``DATE``; lists and nested objects that an
importer rarely filters on (parties, product ids, taxes, packs...) are JSON text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()
ID, CODE, NUMBER = String(64), String(16), String(80)


def _event_key(parent: str = "erp_inbound_documents") -> Column[str]:
    fk = ForeignKey(f"{parent}.event_id", ondelete="CASCADE")
    return Column("event_id", ID, fk, primary_key=True)


def _line_table(name: str, header: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        _event_key(header),
        Column("line_index", Integer, primary_key=True, comment="0-based position in the event"),
        Column("line_number", String(35)),
        Column("quantity", Numeric),
        Column("uom", CODE),
        *columns,
        Column("buyer_part_number", NUMBER),
        Column("vendor_part_number", NUMBER),
        Column("product_ids", Text, comment="JSON object: qualifier name -> id"),
        Column("description", Text),
    )


inbound_documents = Table(
    "erp_inbound_documents",
    metadata,
    Column("event_id", ID, primary_key=True, comment="the event's idempotency key"),
    Column("event_type", String(32), nullable=False),
    Column("partner_id", ID),
    Column("document_number", NUMBER, comment="PO, shipment, invoice or acknowledged group number"),
    Column("source_syntax", CODE, nullable=False),
    Column("source_document_type", CODE, nullable=False),
    Column("source_version", CODE, nullable=False),
    Column("sender_id", String(35), nullable=False),
    Column("receiver_id", String(35), nullable=False),
    Column("interchange_control_number", String(35), nullable=False),
    Column("control_number", String(35), nullable=False),
    Column("test", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("import_status", CODE, nullable=False, server_default="new", comment="set by the ERP"),
    Column("imported_at", DateTime(timezone=True), comment="set by the ERP"),
    Column("payload", Text, nullable=False, comment="the canonical event as JSON"),
)
po_acknowledgments = Table(
    "erp_po_acknowledgments",
    metadata,
    _event_key(),
    Column("po_number", NUMBER),
    Column("po_date", Date),
    Column("status", String(32)),
    Column("status_code", CODE),
    Column("purpose", CODE),
    Column("supplier_order_number", NUMBER),
    Column("acknowledgment_date", Date),
    Column("currency", CODE),
    Column("parties", Text, comment="JSON list"),
)
po_acknowledgment_lines = _line_table(
    "erp_po_acknowledgment_lines",
    "erp_po_acknowledgments",
    Column("ordered_quantity", Numeric),
    Column("unit_price", Numeric),
    Column("status", String(32)),
    Column("status_code", CODE),
    Column("schedule_date", Date),
    Column("acknowledgments", Text, comment="JSON list: one entry per ACK segment"),
)
ship_notices = Table(
    "erp_ship_notices",
    metadata,
    _event_key(),
    Column("shipment_id", NUMBER),
    Column("purpose", CODE),
    Column("ship_date", Date),
    Column("ship_time", CODE),
    Column("estimated_delivery", Date),
    Column("carrier_scac", CODE),
    Column("carrier_name", Text),
    Column("carrier_mode", CODE),
    Column("bill_of_lading", NUMBER),
    Column("tracking_numbers", Text, comment="JSON list"),
    Column("parties", Text, comment="JSON list"),
    Column("packs", Text, comment="JSON list: cartons and pallets with their SSCCs"),
)
ship_notice_lines = _line_table(
    "erp_ship_notice_lines",
    "erp_ship_notices",
    Column("hl_id", String(35)),
    Column("po_number", NUMBER),
    Column("sscc", String(35)),
    Column("lot", NUMBER),
    Column("expiration_date", Date),
)
invoices = Table(
    "erp_invoices",
    metadata,
    _event_key(),
    Column("invoice_number", NUMBER),
    Column("invoice_date", Date),
    Column("po_number", NUMBER),
    Column("po_date", Date),
    Column("currency", CODE),
    Column("total_amount", Numeric),
    Column("terms", Text, comment="JSON object"),
    Column("allowances_charges", Text, comment="JSON list"),
    Column("taxes", Text, comment="JSON list"),
    Column("parties", Text, comment="JSON list"),
)
invoice_lines = _line_table("erp_invoice_lines", "erp_invoices", Column("unit_price", Numeric))
functional_acks = Table(
    "erp_functional_acks",
    metadata,
    _event_key(),
    Column("acknowledged_functional_id", CODE),
    Column("acknowledged_group_control_number", String(35)),
    Column("acknowledged_version", CODE),
    Column("status", String(32)),
    Column("status_code", CODE),
    Column("error_codes", Text, comment="JSON list"),
    Column("included_count", Integer),
    Column("received_count", Integer),
    Column("accepted_count", Integer),
    Column("transaction_sets", Text, comment="JSON list: one entry per AK2/IK5"),
)

# The other direction: purchase orders the ERP exports for the gateway to read
# (``SqlInterfaceErpConnector.purchase_orders``, see ``purchase_orders.py``). The ERP inserts one
# header row per revision of a PO, with its lines, in one transaction; the gateway never writes here.
purchase_orders = Table(
    "erp_purchase_orders",
    metadata,
    Column("export_id", Integer, primary_key=True, autoincrement=True, comment="the read cursor"),
    Column("partner_id", ID, nullable=False, comment="the gateway's partner id of the supplier"),
    Column("po_number", String(40), nullable=False),
    Column("revision", String(40), comment="the ERP's version of the PO; unset: content decides"),
    Column("status", CODE, nullable=False, server_default="open", comment="open or cancelled"),
    Column("order_date", Date),
    Column("currency", CODE),
    Column("exported_at", DateTime(timezone=True)),
)
purchase_order_lines = Table(
    "erp_purchase_order_lines",
    metadata,
    Column(
        "export_id",
        Integer,
        ForeignKey("erp_purchase_orders.export_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("line_number", String(20), primary_key=True),
    Column("buyer_part_number", String(48)),
    Column("vendor_part_number", String(48)),
    Column("description", String(200)),
    Column("quantity", Numeric, nullable=False),
    Column("uom", String(8)),
    Column("unit_price", Numeric),
    Column("requested_date", Date),
)
