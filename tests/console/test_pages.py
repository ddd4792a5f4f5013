"""The console's pages doing their jobs: tracker search, the error at its segment, replay with
the diff first, the exception workbench's bulk retry, a partner from a template through to live."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.erp.memory import MemoryErpConnector
from tests.console.support import csrf_of, login
from tests.onboarding.support import CERTIFYING, NEWCO_VALUES, home, newco_file
from tests.staff.support import staff_of_every_role
from tests.transports.harness import (
    ACME_856,
    ACME_KEY,
    DEMO_KEY,
    SAMPLE_856,
    SAMPLES,
    Gateway,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)

BROKEN_856 = SAMPLES / "demo-supplier" / "broken" / "856-hl-parent-missing.edi"


def send(client: TestClient, path: Path, key: str = DEMO_KEY) -> str:
    answer = client.post("/v1/x12", content=path.read_bytes(), headers=bearer(key))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["receipt_id"])


def rows(html: str) -> list[str]:
    return re.findall(r'href="/console/messages/(msg_[0-9a-f]+)"', html)


def test_the_tracker_finds_by_type_control_number_document_number_status_and_partner(
    client: TestClient,
) -> None:
    demo, acme, bad = (
        send(client, SAMPLE_856),
        send(client, ACME_856, ACME_KEY),
        send(client, BROKEN_856),
    )
    login(client, "viewer-1")

    assert set(rows(client.get("/console/messages").text)) == {demo, acme, bad}
    assert rows(client.get("/console/messages?partner=acme-fasteners").text) == [acme]
    assert set(rows(client.get("/console/messages?type=856").text)) == {demo, acme, bad}
    assert rows(client.get("/console/messages?type=855").text) == []
    assert rows(client.get("/console/messages?control=000000204").text) == [bad]
    assert rows(client.get("/console/messages?number=SHP0045002").text) == [demo]
    assert rows(client.get("/console/messages?status=failed").text) == []
    assert set(rows(client.get("/console/messages?since=2000-01-01&until=2999-01-01").text)) == {
        demo,
        acme,
        bad,
    }
    assert rows(client.get("/console/messages?until=2000-01-01").text) == []
    fragment = client.get(
        "/console/messages?partner=acme-fasteners", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text and rows(fragment.text) == [acme]


def test_the_tracker_pages_by_cursor(client: TestClient) -> None:
    for _ in range(3):
        send(client, SAMPLE_856)  # duplicates: stored all the same
    login(client, "viewer-1")
    from gateway.console import pages_messages

    first = client.get("/console/messages")
    assert len(rows(first.text)) == 3 and "Older messages" not in first.text
    pages_messages.PAGE, before = 2, pages_messages.PAGE
    try:
        page_one = client.get("/console/messages")
        more = re.search(r'href="(/console/messages\?[^"]*before=[^"]+)"', page_one.text)
        assert more is not None
        page_two = client.get(more.group(1).replace("&amp;", "&"))
    finally:
        pages_messages.PAGE = before
    assert len(rows(page_one.text)) == 2 and len(rows(page_two.text)) == 1
    assert not set(rows(page_one.text)) & set(rows(page_two.text))


def test_a_rejected_set_shows_its_error_at_the_segment_in_words(client: TestClient) -> None:
    bad = send(client, BROKEN_856)
    login(client, "viewer-1")

    html = client.get(f"/console/messages/{bad}").text

    marked = re.findall(
        r'<li value="(\d+)" class="bad"><code>([^<]*)</code><span class="why"[^>]*>([^<]*)<', html
    )
    assert [(n, seg) for n, seg, _ in marked] == [("32", "HL*7*9*I~")]
    assert "HL02 &#39;9&#39; names no earlier HL" in marked[0][2]
    assert "rejected" in html and "997 · " in html  # the ack we returned, with its outbox state


def test_replay_shows_the_diff_first_and_changes_nothing_until_confirmed(
    client: TestClient, gateway: Gateway
) -> None:
    message = send(client, SAMPLE_856)
    transaction = client.get(f"/ops/messages/{message}", headers=bearer("ops-test-token")).json()[
        "transactions"
    ][0]["id"]
    csrf = login(client, "operator-1")

    preview = client.get(f"/console/transactions/{transaction}/replay")
    assert preview.status_code == 200 and "Confirm replay" in preview.text
    assert "Nothing changes" in preview.text and gateway.audit("transaction.replayed") == []

    done = client.post(f"/console/transactions/{transaction}/replay", data={"csrf_token": csrf})

    assert done.status_code == 200 and "Replayed with today" in done.text
    assert [a.actor for a in gateway.audit("transaction.replayed")] == ["staff:operator-1"]


def test_the_workbench_groups_dead_letters_and_retries_a_group_in_one_go(
    client: TestClient, gateway: Gateway
) -> None:
    connector = gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    connector.fail_next(2, retriable=False)
    send(client, SAMPLE_856)
    send(client, SAMPLES / "demo-supplier" / "856-SOI-4010.edi")
    send(client, BROKEN_856)
    csrf = login(client, "operator-1")

    page = client.get("/console/exceptions").text
    assert "dead letters" in page and "Retry all 2" in page
    assert "rejected sets" in page and "Replay all 1" in page
    ids = re.search(
        r'name="kind" value="dead_letter">\s*<input type="hidden" name="ids" value="([^"]+)"', page
    )
    assert ids is not None

    answer = client.post(
        "/console/exceptions/retry",
        data={"csrf_token": csrf, "kind": "dead_letter", "ids": ids.group(1)},
    )

    assert "Retried: 2 back in the queue." in answer.text
    assert {d.status for d in gateway.deliveries()} == {"delivered"}
    assert [a.actor for a in gateway.audit("delivery.retried")] == ["staff:operator-1"] * 2
    assert "dead letters" not in client.get("/console/exceptions").text


@pytest.fixture
def onboarding(tmp_path: Path) -> Iterator[tuple[Gateway, TestClient]]:
    partners = home(tmp_path) / "partners"
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners))
    try:
        gateway = build_gateway(runtime)
        staff_of_every_role(runtime)
        with TestClient(gateway.app, base_url="http://127.0.0.1") as client:
            yield gateway, client
    finally:
        runtime.close()


def test_onboarding_creates_a_partner_from_a_template_through_to_live(
    onboarding: tuple[Gateway, TestClient],
) -> None:
    gateway, client = onboarding
    login(client, "onboarding-1")
    form = client.get("/console/partners/new?template=x12-4010-api&id=newco")
    fields = {f"p_{k}": v for k, v in NEWCO_VALUES.items()}

    created = client.post(
        "/console/partners/new",
        data={
            "csrf_token": csrf_of(form.text),
            "template": "x12-4010-api",
            "id": "newco",
            **fields,
        },
    )
    key = re.search(r'<code id="api-key">(gk_[^<]+)</code>', created.text)
    assert created.status_code == 201 and key is not None
    created_page = client.get("/console/partners/newco").text
    csrf = csrf_of(created_page)
    early = client.post(
        "/console/partners/newco/promote",
        data={"csrf_token": csrf, "to": "live", "reason": "too soon"},
    )
    for sample in CERTIFYING:
        answer = client.post("/v1/x12", content=newco_file(sample), headers=bearer(key.group(1)))
        assert answer.status_code == 202, answer.text
    page = client.get("/console/partners/newco").text
    live = client.post(
        "/console/partners/newco/promote",
        data={"csrf_token": csrf, "to": "live", "reason": "certified"},
    )

    assert 'ps-testing">testing' in created_page and early.status_code == 409
    assert "is not certified" in early.text or "certif" in early.text
    assert "3 of 3 passed" in page
    assert live.status_code == 200 and 'ps-live">live' in live.text
    history = [
        (a.actor, a.detail.get("to"), a.detail.get("reason"))
        for a in gateway.audit("partner.status")
    ]
    assert history == [("staff:onboarding-1", "live", "certified")]
    assert [a.actor for a in gateway.audit("partner.created")] == ["staff:onboarding-1"]


def test_a_template_that_does_not_fit_lists_every_problem_and_creates_nothing(
    onboarding: tuple[Gateway, TestClient],
) -> None:
    gateway, client = onboarding
    csrf = login(client, "admin-1")

    answer = client.post(
        "/console/partners/new",
        data={"csrf_token": csrf, "template": "x12-4010-api", "id": "Bad Id", "p_ISA_ID": "X" * 20},
    )

    assert answer.status_code == 422 and "problem(s), nothing created" in answer.text
    assert gateway.audit("partner.created") == []


def test_the_dashboard_serves_a_snapshot_and_refreshes_it_in_the_background() -> None:
    from datetime import date

    from gateway.console.snapshots import DashboardSnapshots
    from gateway.queries.tracker import Dashboard

    calls: list[int] = []

    def compute() -> Dashboard:
        calls.append(1)
        return Dashboard([date.today().isoformat()], {}, {}, [len(calls)], {}, {}, {})

    snapshots = DashboardSnapshots(compute, max_age_s=0.05)
    first, again = snapshots.get(), snapshots.get()
    time.sleep(0.1)
    stale = snapshots.get()  # answered at once, a refresh started
    deadline = time.monotonic() + 5
    while snapshots.get().board.failures == [1] and time.monotonic() < deadline:
        time.sleep(0.01)

    assert first is again and stale is first and len(calls) == 2
    assert snapshots.get().board.failures == [2]
    assert DashboardSnapshots(compute, max_age_s=0).get().board.failures == [3]


def test_a_rejected_set_leaves_the_workbench_once_a_replay_made_its_event(
    client: TestClient, gateway: Gateway, tmp_path: Path
) -> None:
    from gateway.queries.tracker import exception_groups
    from gateway.store.models import TransactionRecord

    send(client, BROKEN_856)
    [group] = exception_groups(gateway.runtime.db)
    assert (group.kind, group.cause) == ("rejected", "856: HL02 … names no earlier HL")
    with gateway.runtime.db.transaction() as session:  # as replay_transaction leaves it
        for row in session.query(TransactionRecord):
            row.event_id = "evt_replayed"

    assert exception_groups(gateway.runtime.db) == []
