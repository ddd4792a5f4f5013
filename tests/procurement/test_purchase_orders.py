"""Procurement through the API: the ERP publishes POs, the supplier's 855, 856 and 810 are linked
to them per line whatever order they come in, and the status, quantities and discrepancies are
what a buyer needs (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.transports.harness import ACME_KEY, ADMIN_TOKEN, DEMO_KEY

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier"
OPS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DEMO = {"Authorization": f"Bearer {DEMO_KEY}"}


def po(name: str, **changes: Any) -> dict[str, Any]:
    body = json.loads((SAMPLES / name).read_text())
    body.update(changes)
    return body


def publish(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/ops/purchase-orders", json=body, headers=OPS)
    assert answer.status_code == 200, answer.text
    return answer.json()


def send(client: TestClient, name: str, text: str | None = None) -> str:
    raw = text.encode() if text is not None else (SAMPLES / name).read_bytes()
    answer = client.post("/v1/x12", content=raw, headers=DEMO)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["receipt_id"])


def state(client: TestClient, po_number: str) -> dict[str, Any]:
    answer = client.get(f"/ops/purchase-orders/{po_number}", headers=OPS)
    assert answer.status_code == 200, answer.text
    return answer.json()


def lines(view: dict[str, Any]) -> list[tuple[str, str, str, str | None, str, str]]:
    return [
        (
            ln["line_number"],
            ln["status"],
            ln["ordered_quantity"],
            ln["acknowledged_quantity"],
            ln["shipped_quantity"],
            ln["invoiced_quantity"],
        )
        for ln in view["lines"]
    ]


def kinds(view: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted((d["kind"], d["severity"], d["line_number"]) for d in view["discrepancies"])


def test_given_the_sample_pos_then_the_samples_855_856_810_give_each_line_its_state(
    client: TestClient,
) -> None:
    for name in ("po-4500012345.json", "po-4500012349.json"):
        assert publish(client, po(name))["outcome"] == "created"
    for name in ("855-accepted-4010.edi", "856-SOI-4010.edi", "856-SOPI-4010.edi", "810-4010.edi"):
        send(client, name)

    first, second = state(client, "4500012345"), state(client, "4500012349")

    assert first["status"] == "shipped"
    assert lines(first) == [
        ("1", "shipped", "500", "500", "500", "0"),
        ("2", "shipped", "1000", "800", "800", "0"),
        ("3", "rejected", "250", "0", "0", "0"),
    ]
    assert kinds(first) == [
        ("date_changed", "warning", "2"),
        ("line_rejected", "error", "3"),
        ("quantity_changed", "warning", "2"),
    ]
    messages = {d["message"] for d in first["discrepancies"]}
    assert "Line 2: the supplier acknowledged 800 EA of 1000 EA ordered." in messages
    assert "Line 2: scheduled for 2026-11-27, requested 2026-11-20 (7 days late)." in messages
    assert [d["kind"] for d in first["documents"]] == ["855", "856"]
    assert second["status"] == "closed" and kinds(second) == []
    assert lines(second) == [
        ("1", "invoiced", "100", None, "100", "100"),
        ("2", "invoiced", "500", None, "500", "500"),
        ("3", "invoiced", "1000", None, "1000", "1000"),
    ]


def test_given_documents_before_their_po_then_they_are_held_and_linked_when_it_arrives_in_any_order(
    client: TestClient,
) -> None:
    send(client, "856-SOI-4010.edi")  # the 856 before the 855, both before the PO
    send(client, "855-accepted-4010.edi")
    assert client.get("/ops/purchase-orders/4500012345", headers=OPS).status_code == 404

    published = publish(client, po("po-4500012345.json"))

    assert published["linked_documents"] == 2
    view = state(client, "4500012345")
    assert view["status"] == "shipped"
    assert lines(view)[1] == ("2", "shipped", "1000", "800", "800", "0")
    listed = client.get("/ops/messages", params={"po_number": "4500012345"}, headers=OPS).json()
    assert len(listed) == 2
    assert client.get("/ops/messages", params={"po_number": "4599999999"}, headers=OPS).json() == []


def test_given_an_invoice_above_the_po_price_an_over_shipment_and_an_unknown_line_then_each_is_named(
    client: TestClient,
) -> None:
    body = po("po-4500012349.json")
    body["lines"][2]["quantity"] = "800"  # the sample 856 ships 1000 of line 3
    body["lines"] = body["lines"][:1] + body["lines"][2:]  # line 2 is not on this PO
    body["lines"][0]["unit_price"] = "2.10"  # the sample 810 bills 2.35
    publish(client, body)
    send(client, "856-SOPI-4010.edi")
    send(client, "810-4010.edi")

    view = state(client, "4500012349")

    assert ("over_shipment", "error", "3") in kinds(view)
    assert ("price_above_po", "error", "1") in kinds(view)
    assert sum(1 for k in kinds(view) if k[0] == "unknown_line") == 2  # in the 856 and the 810
    over = next(d for d in view["discrepancies"] if d["kind"] == "over_shipment")
    assert over["message"] == "Line 3: 1000 EA shipped, 800 EA expected (200 over)."
    price = next(d for d in view["discrepancies"] if d["kind"] == "price_above_po")
    assert price["message"] == "Line 1: invoiced at 2.35, 2.1 on the PO (+11.9%)."


def test_given_the_same_revision_then_nothing_changes_and_a_new_one_recomputes(
    client: TestClient,
) -> None:
    publish(client, po("po-4500012345.json"))
    send(client, "855-accepted-4010.edi")

    again = publish(client, po("po-4500012345.json"))
    changed = po("po-4500012345.json", revision="2")
    changed["lines"][1]["quantity"] = "800"
    updated = publish(client, changed)

    assert again["outcome"] == "unchanged"
    assert updated["outcome"] == "updated"
    assert ("quantity_changed", "warning", "2") not in kinds(state(client, "4500012345"))


def test_given_a_supplier_key_then_it_sees_only_its_own_open_pos(client: TestClient) -> None:
    publish(client, po("po-4500012345.json"))
    publish(client, po("po-4500012349.json", partner_id="acme-fasteners"))

    mine = client.get("/v1/purchase-orders", headers=DEMO).json()
    theirs = client.get(
        "/v1/purchase-orders", headers={"Authorization": f"Bearer {ACME_KEY}"}
    ).json()

    assert [p["po_number"] for p in mine] == ["4500012345"]
    assert [p["po_number"] for p in theirs] == ["4500012349"]
    assert client.get("/v1/purchase-orders/4500012349", headers=DEMO).status_code == 404
    assert (
        client.get("/v1/purchase-orders/4500012345", headers=DEMO).json()["status"] == "sent"
    )  # the 850 is in its outbox
    assert client.get("/ops/purchase-orders", headers=DEMO).status_code == 401


def test_given_filters_and_csv_then_the_list_answers_them(client: TestClient) -> None:
    publish(client, po("po-4500012345.json"))
    publish(client, po("po-4500012349.json"))
    send(client, "856-SOPI-4010.edi")
    send(client, "810-4010.edi")

    closed = client.get("/ops/purchase-orders", params={"status": "closed"}, headers=OPS).json()
    dated = client.get(
        "/ops/purchase-orders", params={"date_from": "2026-11-11"}, headers=OPS
    ).json()
    csv = client.get("/ops/purchase-orders", params={"format": "csv"}, headers=OPS)

    assert [p["po_number"] for p in closed] == ["4500012349"]
    assert [p["po_number"] for p in dated] == ["4500012349"]
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("po_number,partner_id,status")
    assert len(csv.text.splitlines()) == 3
    assert (
        client.get("/ops/purchase-orders", params={"status": "bogus"}, headers=OPS).status_code
        == 422
    )


def test_given_a_bad_po_then_422_names_the_field_and_an_unknown_partner_404(
    client: TestClient,
) -> None:
    bad = po("po-4500012345.json")
    bad["lines"][0]["quantity"] = "-5"
    unknown = po("po-4500012345.json", partner_id="nobody")

    assert client.post("/ops/purchase-orders", json=bad, headers=OPS).status_code == 422
    assert client.post("/ops/purchase-orders", json=unknown, headers=OPS).status_code == 404
