"""What each event becomes in a real Tryton, and how failures are reported (erp/tryton/apply.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from gateway.canonical import Event
from gateway.erp.tryton import TrytonErpConnector
from gateway.erp.tryton.rpc import TrytonError, TrytonRpc
from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from tests.erp.samples import sample_events

from .conftest import Database
from .records import effects, records_for
from .support import GATEWAY_PASSWORD


def sample(event_type: str, po_number: str) -> Event:
    for event in sample_events():
        doc: Any = event.document
        numbers = {getattr(doc, "po_number", None)} | {
            getattr(ln, "po_number", None) for ln in getattr(doc, "lines", [])
        }
        if event.type == event_type and po_number in numbers:
            return event
    raise LookupError(f"no sample {event_type} for {po_number}")


def edited(event: Event, **document: Any) -> Event:
    return event.model_copy(update={"document": event.document.model_copy(update=document)})


def purchase_lines(admin: TrytonRpc, po_number: str) -> list[dict[str, Any]]:
    (purchase,) = admin.call(
        "purchase.purchase", "search", [("number", "=", po_number)], 0, None, None
    )
    return admin.call(
        "purchase.line",
        "search_read",
        [("purchase", "=", purchase), ("type", "=", "line")],
        0,
        None,
        [("sequence", "ASC NULLS FIRST"), ("id", "ASC")],
        ["quantity", "unit_price"],
    )


def test_given_an_855_changing_one_line_and_rejecting_another_then_the_purchase_notes_it_and_the_changes_wait_for_approval(
    tryton_db: Database,
) -> None:
    event = sample("po_acknowledgment", "4500012345")
    admin = tryton_db.admin()

    receipt = TrytonErpConnector(tryton_db.url).post(event)

    found = records_for(admin, event.id)
    (note,) = found["notes"]
    assert note["resource"].startswith("purchase.purchase,")
    text = note["message"]
    assert "line 1 (FST-10032): accepted" in text
    assert "line 2 (ELC-20417): changed, quantity 1000 -> 800" in text
    assert "line 3 (ELC-30988): rejected, quantity 250 -> 0" in text
    (amendment,) = found["amendments"]
    assert amendment["state"] == "draft"
    lines = admin.call(
        "purchase.amendment.line", "read", amendment["lines"], ["action", "quantity", "line"]
    )
    assert sorted(ln["quantity"] for ln in lines) == [0.0, 800.0]
    assert [ln["quantity"] for ln in purchase_lines(admin, "4500012345")] == [500.0, 1000.0, 250.0]
    assert "pending approval" in receipt.response and not receipt.duplicate


def test_given_a_partial_856_then_a_draft_supplier_shipment_takes_the_shipped_part_and_the_rest_stays_expected(
    tryton_db: Database,
) -> None:
    event = sample("ship_notice", "4500012345")
    admin = tryton_db.admin()

    TrytonErpConnector(tryton_db.url).post(event)

    (shipment,) = records_for(admin, event.id)["shipments"]
    assert shipment["state"] == "draft"
    assert str(shipment["planned_date"]) == event.document.estimated_delivery  # type: ignore[union-attr]
    moves = admin.call(
        "stock.move",
        "search_read",
        [("origin", "like", "purchase.line,%")],
        0,
        None,
        None,
        ["origin", "quantity", "shipment", "state"],
    )
    line_ids = [ln["id"] for ln in purchase_lines(admin, "4500012345")]
    of_line_2 = sorted(
        (m["quantity"], m["shipment"] is not None)
        for m in moves
        if m["origin"] == f"purchase.line,{line_ids[1]}"
    )
    assert of_line_2 == [(200.0, False), (800.0, True)]
    in_shipment = {m["id"] for m in moves if m["shipment"] == f"stock.shipment.in,{shipment['id']}"}
    assert in_shipment == set(shipment["incoming_moves"]) and len(in_shipment) == 3
    notes = [
        n
        for n in records_for(admin, event.id)["notes"]
        if n["resource"] == f"stock.shipment.in,{shipment['id']}"
    ]
    for item in event.document.lines:  # type: ignore[union-attr]
        if item.sscc:
            assert item.sscc in notes[0]["message"]


def test_given_an_810_above_the_po_price_then_a_draft_invoice_is_linked_to_the_purchase_lines_and_says_so(
    tryton_db: Database,
) -> None:
    base = sample("invoice", "4500012349")
    lines = list(base.document.lines)  # type: ignore[union-attr]
    lines[0] = lines[0].model_copy(update={"unit_price": "2.60"})
    event = edited(base, lines=lines)
    admin = tryton_db.admin()

    receipt = TrytonErpConnector(tryton_db.url).post(event)

    (invoice,) = records_for(admin, event.id)["invoices"]
    assert (invoice["state"], invoice["type"]) == ("draft", "in")
    assert "line 1: invoiced price 2.6, purchase price 2.35" in invoice["comment"]
    origins = admin.call("account.invoice.line", "read", invoice["lines"], ["origin", "unit_price"])
    line_ids = [ln["id"] for ln in purchase_lines(admin, "4500012349")]
    assert sorted(o["origin"] for o in origins) == sorted(f"purchase.line,{i}" for i in line_ids)
    assert Decimal("2.60") in {o["unit_price"] for o in origins}
    assert "1 differences" in receipt.response


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"po_number": "4599999999"}, "erp.tryton.unknown_po"),
        ({"partner_id": "acme-fasteners"}, "erp.tryton.unknown_po"),
        ({"partner_id": "nobody"}, "erp.tryton.unknown_supplier"),
        ({"bad_line": True}, "erp.tryton.unknown_line"),
    ],
    ids=["unknown-po", "another-suppliers-po", "unknown-supplier", "unknown-product"],
)
def test_given_an_event_that_cannot_apply_then_it_is_fatal_with_a_reason_and_nothing_is_half_applied(
    tryton_db: Database, change: dict[str, Any], code: str
) -> None:
    event = sample("po_acknowledgment", "4500012345")
    if "po_number" in change:
        event = edited(event, po_number=change["po_number"])
    if "partner_id" in change:
        event = event.model_copy(update={"partner_id": change["partner_id"]})
    if change.get("bad_line"):
        lines = list(event.document.lines)  # type: ignore[union-attr]
        lines[2] = lines[2].model_copy(
            update={"line_number": "9", "product_ids": {"buyer_part_number": "NOPE-1"}}
        )
        event = edited(event, lines=lines)

    with pytest.raises(FatalDeliveryError) as caught:
        TrytonErpConnector(tryton_db.url).post(event)

    assert caught.value.code == code
    assert str(caught.value).startswith("Tryton: ")
    found = records_for(tryton_db.admin(), event.id)
    assert found["notes"] == found["amendments"] == []


def test_given_a_user_without_rights_then_access_refused_is_fatal_and_the_retry_after_the_fix_applies_once(
    tryton_db: Database,
) -> None:
    event = sample("invoice", "4500012355")
    url = tryton_db.url.replace("gateway:", "no-rights:")
    admin = tryton_db.admin()

    with pytest.raises(FatalDeliveryError) as caught:
        TrytonErpConnector(url).post(event)
    assert caught.value.code == "erp.tryton.access_refused", caught.value
    (user,) = admin.call("res.user", "search", [("login", "=", "no-rights")], 0, None, None)
    groups = admin.call(
        "res.group", "search", [("name", "in", ["Purchase", "Stock", "Accounting"])], 0, None, None
    )
    admin.call("res.user", "write", [user], {"groups": [["add", groups]]})
    receipts = [TrytonErpConnector(url).post(event) for _ in range(2)]

    assert [r.duplicate for r in receipts] == [False, True]
    assert effects(admin, event.id) == 1


def test_given_a_wrong_password_then_access_refused_names_the_user_not_the_password(
    tryton_db: Database,
) -> None:
    url = tryton_db.url.replace(GATEWAY_PASSWORD, "wrong-password-123")

    with pytest.raises(FatalDeliveryError) as caught:
        TrytonErpConnector(url).post(sample("invoice", "4500012355"))

    assert caught.value.code == "erp.tryton.access_refused"
    assert "'gateway'" in str(caught.value) and "wrong-password" not in str(caught.value)


class _DiesAfterCreate(TrytonRpc):
    """A worker killed right after Tryton committed the shipment: the next call never happens."""

    def call(self, model: str, method: str, *args: Any) -> Any:
        if model == "ir.note" and method == "create":
            raise TrytonError("killed", kind="unreachable", retriable=True)
        return super().call(model, method, *args)


def test_given_a_post_that_died_after_the_shipment_was_created_then_the_repeat_completes_it_once(
    tryton_db: Database,
) -> None:
    event = sample("ship_notice", "4500012349")
    dying = TrytonErpConnector(tryton_db.url)
    dying.rpc = _DiesAfterCreate(dying.url, timeout=30)
    with pytest.raises(RetriableDeliveryError):
        dying.post(event)

    receipt = TrytonErpConnector(tryton_db.url).post(event)

    found = records_for(tryton_db.admin(), event.id)
    assert receipt.duplicate is True
    assert len(found["shipments"]) == 1
    assert len(found["notes"]) == 1


def test_given_a_functional_ack_then_it_is_a_note_on_the_suppliers_party(
    tryton_db: Database,
) -> None:
    event = next(e for e in sample_events() if e.type == "functional_ack")

    TrytonErpConnector(tryton_db.url).post(event)

    (note,) = records_for(tryton_db.admin(), event.id)["notes"]
    assert note["resource"].startswith("party.party,")
    assert note["message"].startswith("EDI 997 from the supplier: group")
