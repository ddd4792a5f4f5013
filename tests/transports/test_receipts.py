"""``GET /v1/receipts``: a partner sees its own messages, and only those; plus docs and health."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gateway.store.db import Database
from gateway.store.models import Partner
from tests.support.documents import numbered_asn
from tests.transports.harness import ACME_856, ACME_KEY, DEMO_KEY, SAMPLE_856, Gateway, bearer


def test_given_another_partners_receipt_id_when_read_then_404_exactly_like_an_unknown_id(
    client: TestClient,
) -> None:
    theirs = client.post("/v1/x12", content=ACME_856.read_bytes(), headers=bearer(ACME_KEY)).json()

    foreign = client.get(theirs["links"]["self"], headers=bearer(DEMO_KEY))
    unknown = client.get("/v1/receipts/msg_000000000000000000000000", headers=bearer(DEMO_KEY))

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "receipt.not_found"
    assert client.get(theirs["links"]["self"], headers=bearer(ACME_KEY)).status_code == 200


def test_given_messages_of_two_partners_when_listing_then_only_own_newest_first(
    client: TestClient,
) -> None:
    demo_ids = [
        client.post("/v1/x12", content=body, headers=bearer(DEMO_KEY)).json()["receipt_id"]
        for body in (SAMPLE_856.read_bytes(), b"not x12 at all")
    ]
    client.post("/v1/x12", content=ACME_856.read_bytes(), headers=bearer(ACME_KEY))

    listed = client.get("/v1/receipts", headers=bearer(DEMO_KEY))

    assert listed.status_code == 200
    assert {r["receipt_id"] for r in listed.json()["receipts"]} == set(demo_ids)
    one = client.get("/v1/receipts?limit=1", headers=bearer(DEMO_KEY)).json()["receipts"]
    assert [r["receipt_id"] for r in one] == [demo_ids[1]]


def test_given_a_status_filter_when_listing_then_only_that_status(client: TestClient) -> None:
    raw = SAMPLE_856.read_bytes()
    client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY))
    duplicate = client.post("/v1/x12", content=raw, headers=bearer(DEMO_KEY)).json()

    listed = client.get("/v1/receipts?status=duplicate", headers=bearer(DEMO_KEY)).json()

    assert [r["receipt_id"] for r in listed["receipts"]] == [duplicate["receipt_id"]]
    bad = client.get("/v1/receipts?status=nonsense&limit=0", headers=bearer(DEMO_KEY))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "request.invalid"


def test_given_no_key_when_reading_receipts_then_401(client: TestClient) -> None:
    answer = client.get("/v1/receipts")

    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")


def test_given_a_suspended_partner_when_its_key_is_used_then_401(
    gateway: Gateway, client: TestClient
) -> None:
    with gateway.runtime.db.transaction() as session:
        partner = session.get(Partner, "demo-supplier")
        assert partner is not None
        partner.status = "suspended"

    answer = client.post("/v1/x12", content=SAMPLE_856.read_bytes(), headers=bearer(DEMO_KEY))

    assert answer.status_code == 401 and gateway.count() == 0


def test_given_no_auth_when_asking_health_and_docs_then_they_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/x12", "/v1/documents", "/v1/receipts/{receipt_id}", "/ops/messages"} <= set(paths)
    assert "application/edi-x12" in paths["/v1/x12"]["post"]["requestBody"]["content"]
    for send in (paths["/v1/x12"]["post"], paths["/v1/documents"]["post"]):
        assert send["security"] == [{"PartnerBearer": []}, {"PartnerApiKey": []}]
        assert [p["name"] for p in send["parameters"]] == ["X-Message-Id"]
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {"PartnerBearer", "PartnerApiKey"} <= set(schemes)


def test_given_an_unreachable_database_when_asking_health_then_503(
    gateway: Gateway, client: TestClient
) -> None:
    healthy = gateway.runtime.db
    gateway.runtime.db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")  # refused
    try:
        answer = client.get("/healthz")
    finally:
        gateway.runtime.db.dispose()
        gateway.runtime.db = healthy

    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"


def many_sets(count: int) -> bytes:
    """One interchange with ``count`` ship notices (own ST02 and BSN02 each)."""
    lines = numbered_asn(9_001).decode().splitlines(keepends=True)
    head, body, tail = lines[:2], lines[2:36], lines[36:]
    sets = []
    for n in range(1, count + 1):
        text = "".join(body).replace("ST*856*0001~", f"ST*856*{n:04d}~")
        text = text.replace("SE*34*0001~", f"SE*34*{n:04d}~").replace("SHPN009001", f"SHPM{n:06d}")
        sets.append(text)
    tail[0] = re.sub(r"^GE\*1\*", f"GE*{count}*", tail[0])
    return ("".join(head) + "".join(sets) + "".join(tail)).encode()


def test_given_a_message_of_250_sets_then_its_receipt_comes_in_pages(
    gateway: Gateway, client: TestClient
) -> None:
    posted = client.post("/v1/x12", content=many_sets(250), headers=bearer(DEMO_KEY))
    receipt_id = posted.json()["receipt_id"]

    pages, url = [], f"/v1/receipts/{receipt_id}"
    while url:
        page = client.get(url, headers=bearer(DEMO_KEY)).json()
        pages.append(page)
        url = page["links"].get("next")

    assert [len(p["transactions"]) for p in pages] == [100, 100, 50]
    assert {p["transactions_total"] for p in pages} == {250}
    ordinals = [t["ordinal"] for p in pages for t in p["transactions"]]
    assert ordinals == list(range(1, 251))
    assert [len(p["events"]) for p in pages] == [100, 100, 50]
    assert {p["outcome"] for p in pages} == {"accepted"}
    small = client.get(f"/v1/receipts/{receipt_id}?limit=10", headers=bearer(DEMO_KEY)).json()
    assert len(small["transactions"]) == 10 and small["links"]["next"].endswith("after=10")
