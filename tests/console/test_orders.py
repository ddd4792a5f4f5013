"""Procurement's job in the console: find a PO with a changed line and see why."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.console.support import login
from tests.transports.harness import ADMIN_TOKEN, DEMO_KEY, SAMPLES, Gateway, bearer

DEMO = SAMPLES / "demo-supplier"


def test_procurement_finds_a_po_with_a_changed_line_and_reads_why(client: TestClient) -> None:
    po = json.loads((DEMO / "po-4500012345.json").read_text())
    assert (
        client.post("/ops/purchase-orders", json=po, headers=bearer(ADMIN_TOKEN)).status_code == 200
    )
    sent = client.post(
        "/v1/x12", content=(DEMO / "855-accepted-4010.edi").read_bytes(), headers=bearer(DEMO_KEY)
    )
    assert sent.status_code == 202
    login(client, "procurement-1")

    listed = client.get("/console/orders", params={"status": "acknowledged_with_changes"})
    page = client.get("/console/orders/4500012345", params={"partner": "demo-supplier"})

    assert listed.status_code == 200 and "4500012345" in listed.text
    assert 'href="/console/orders"' in listed.text  # in the navigation
    assert page.status_code == 200
    assert "Line 2: the supplier acknowledged 800 EA of 1000 EA ordered." in page.text
    assert "Line 3 (ELC-30988): rejected by the supplier." in page.text
    assert f'href="/console/messages/{sent.json()["receipt_id"]}"' in page.text
    assert "Sent to the supplier" in page.text and "<td>850</td><td>1</td>" in page.text
    assert "856 (ship notice) due" in page.text and "<strong>overdue</strong>" in page.text
    overdue = client.get("/console/orders", params={"overdue": "1"})
    assert overdue.status_code == 200 and "4500012345" in overdue.text
    dashboard = client.get("/console")
    assert 'href="/console/orders?overdue=1"><span class="big">1</span>' in dashboard.text
    assert client.get("/console/orders/4599999999").status_code == 404


def test_without_a_staff_login_the_orders_pages_are_closed(client: TestClient) -> None:
    answer = client.get("/console/orders", headers=bearer(DEMO_KEY), follow_redirects=False)

    assert answer.status_code in (302, 303, 401)
    assert "4500012345" not in answer.text


def test_procurement_reads_the_supplier_scorecards(client: TestClient) -> None:
    from tests.procurement.test_scorecards import two_pos

    two_pos(client)
    login(client, "procurement-1")

    page = client.get("/console/scorecards")
    empty = client.get(
        "/console/scorecards", params={"date_from": "2020-01-01", "date_to": "2020-02-01"}
    )

    assert page.status_code == 200
    assert 'href="/console/scorecards"' in page.text  # in the navigation
    assert "demo-supplier" in page.text and "2 POs sent" in page.text
    assert (
        "On-time ship notice (856)" in page.text and "50% <small>(1 of 2 due)</small>" in page.text
    )
    assert 'aria-label="Fill rate: 47%"' in page.text
    assert "format=csv" in page.text
    assert "No purchase order was sent" in empty.text


def test_procurement_sends_the_pos_held_while_a_partner_was_suspended(
    gateway: Gateway, client: TestClient
) -> None:
    from sqlalchemy import update

    from gateway.store.models import OutboxItem, Partner

    def set_status(status: str) -> None:
        with gateway.runtime.db.transaction() as session:
            session.execute(
                update(Partner).where(Partner.id == "demo-supplier").values(status=status)
            )

    set_status("suspended")
    po = json.loads((DEMO / "po-4500012345.json").read_text())
    assert client.post("/ops/purchase-orders", json=po, headers=bearer(ADMIN_TOKEN)).json()["held"]
    viewer_csrf = login(client, "viewer-1")
    viewer_page = client.get("/console/partners/demo-supplier")
    viewer_send = client.post(
        "/console/partners/demo-supplier/send-purchase-orders",
        data={"csrf_token": viewer_csrf},
        follow_redirects=False,
    )
    csrf = login(client, "procurement-1")
    page = client.get("/console/partners/demo-supplier")
    still_suspended = client.post(
        "/console/partners/demo-supplier/send-purchase-orders", data={"csrf_token": csrf}
    )
    set_status("live")
    sent = client.post(
        "/console/partners/demo-supplier/send-purchase-orders",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    after = client.get(sent.headers["location"])

    assert (
        "Purchase orders not sent" in viewer_page.text and "Send them now" not in viewer_page.text
    )
    assert viewer_send.status_code == 403
    assert 'href="/console/orders/4500012345?partner=demo-supplier"' in page.text
    assert "Send them now" in page.text
    assert (
        still_suspended.status_code == 409 and "demo-supplier is suspended" in still_suspended.text
    )
    assert sent.status_code == 303 and gateway.count(OutboxItem) == 1
    assert "Sent 1 purchase order(s)" in after.text and "Purchase orders not sent" not in after.text
