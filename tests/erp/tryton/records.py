"""What a Tryton database holds for an event: the records the connector marks with its id."""

from __future__ import annotations

from typing import Any

from gateway.erp.tryton.rpc import TrytonRpc


def records_for(admin: TrytonRpc, event_id: str) -> dict[str, list[dict[str, Any]]]:
    like = f"%{event_id}%"
    return {
        "notes": admin.call(
            "ir.note",
            "search_read",
            [("message", "ilike", like)],
            0,
            None,
            None,
            ["resource", "message"],
        ),
        "amendments": admin.call(
            "purchase.amendment",
            "search_read",
            [("description", "ilike", like)],
            0,
            None,
            None,
            ["purchase", "state", "lines"],
        ),
        "shipments": admin.call(
            "stock.shipment.in",
            "search_read",
            [("reference", "ilike", like)],
            0,
            None,
            None,
            ["state", "reference", "planned_date", "incoming_moves"],
        ),
        "invoices": admin.call(
            "account.invoice",
            "search_read",
            [("description", "ilike", like)],
            0,
            None,
            None,
            ["state", "type", "reference", "comment", "lines"],
        ),
    }


def effects(admin: TrytonRpc, event_id: str) -> int:
    """How many times the event took effect: one main record per event (the acknowledgement's or
    the functional ack's note, the shipment, the invoice)."""
    found = records_for(admin, event_id)
    main_notes = [n for n in found["notes"] if not n["resource"].startswith("stock.shipment.in,")]
    return len(main_notes) + len(found["shipments"]) + len(found["invoices"])
