"""Each role's main job in a real browser: Debian's Chromium driven by Playwright (never a browser
download), against the real app served over HTTP on 127.0.0.1, the pipeline run inline.

- login per role; the role matrix through the console (a viewer sees no action button, and a form
  posted with a viewer's session is refused);
- onboarding: a partner from a template through to ``live``;
- operator: a rejected 856, its error read at the segment, the partner's settings fixed in the
  file (live reload takes it in), the set replayed after reading the diff, and delivered.

The screenshots of the main pages are written to ``docs/screenshots/`` (the README shows them), so
they follow the pages. Skipped, with the reason printed, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from gateway.pipeline.config import partner_profile
from gateway.staff.roles import ROLES
from gateway.store.models import EventRecord, InboundMessage, OutboxItem, Partner, utcnow
from tests.onboarding.support import CERTIFYING, NEWCO_VALUES, home, newco_file
from tests.staff.support import PASSWORD, staff_of_every_role
from tests.transports.harness import (
    ACME_856,
    ACME_KEY,
    ADMIN_TOKEN,
    DEMO_KEY,
    SAMPLES,
    Gateway,
    ServerThread,
    bearer,
    build_gateway,
    runtime_for,
    settings_for,
)

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO = SAMPLES / "demo-supplier"


def _why_not() -> str | None:
    if not CHROMIUM.exists():
        return "no /usr/bin/chromium (apt-get install chromium; scripts/services.sh does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _why_not()
    if reason:
        print(f"SKIP browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


def out_of_sequence_856() -> bytes:
    """The demo 856 with an FOB before its REFs: REF is out of sequence. The demo profile's
    ``segment_order: strict`` rejects the set; ``tolerant`` accepts it with the finding noted."""
    text = (DEMO / "856-SOPI-4010.edi").read_text()
    text = text.replace("REF*BM*", "FOB*PP~\nREF*BM*", 1).replace("*000000112*", "*000000812*")
    text = text.replace("IEA*1*000000112", "IEA*1*000000812")
    count = int(re.search(r"SE\*(\d+)\*", text).group(1))  # type: ignore[union-attr]
    return re.sub(r"SE\*\d+\*", f"SE*{count + 1}*", text, count=1).encode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    partners = home(tmp_path) / "partners"
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners, reload_interval_s=0.1))
    try:
        gateway = build_gateway(runtime)
        staff_of_every_role(runtime)
        assert runtime.watch_config() == []
        with ServerThread(gateway.app) as server:
            yield gateway, server.url
    finally:
        runtime.close()


def log_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/console/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/console/$"))


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.1)


def test_each_role_logs_in_through_the_form_and_a_viewer_cannot_change_anything(
    browser: Any, served: tuple[Gateway, str]
) -> None:
    gateway, url = served
    message = httpx.post(
        f"{url}/v1/x12", content=(DEMO / "856-SOPI-4010.edi").read_bytes(), headers=bearer(DEMO_KEY)
    ).json()["receipt_id"]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/console/login")
    shot(page, "login")
    for role in ROLES:
        context.clear_cookies()
        log_in(page, url, f"{role}-1")
        assert page.locator(".who .role").inner_text() == role
    page.goto(f"{url}/console/messages/{message}")  # still the viewer: the last role
    assert page.locator("main form[method=post]").count() == 0
    assert page.get_by_role("link", name="Replay…").count() == 0
    csrf = page.locator("header input[name=csrf_token]").input_value()
    refused = page.request.post(
        f"{url}/console/messages/{message}/cancel", form={"csrf_token": csrf, "reason": "viewer"}
    )
    assert refused.status == 403 and "may not" in refused.text()
    assert gateway.message(message).status == "processed"  # type: ignore[union-attr]
    context.close()


def test_procurement_finds_a_po_with_a_changed_line_and_sees_why(
    browser: Any, served: tuple[Gateway, str]
) -> None:
    _, url = served
    po = (DEMO / "po-4500012345.json").read_bytes()
    published = httpx.post(
        f"{url}/ops/purchase-orders",
        content=po,
        headers={**bearer(ADMIN_TOKEN), "Content-Type": "application/json"},
    )
    assert published.status_code == 200, published.text
    for name in ("855-accepted-4010.edi", "856-SOI-4010.edi"):
        sent = httpx.post(
            f"{url}/v1/x12", content=(DEMO / name).read_bytes(), headers=bearer(DEMO_KEY)
        )
        assert sent.status_code == 202
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, url, "procurement-1")

    page.get_by_role("link", name="Purchase orders", exact=True).click()
    page.get_by_label("Status").select_option("shipped")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="4500012345").click()

    assert page.locator("h1").inner_text().startswith("PO 4500012345")
    why = page.locator("ul.discrepancies").inner_text()
    assert "Line 2: the supplier acknowledged 800 EA of 1000 EA ordered." in why
    assert "Line 3 (ELC-30988): rejected by the supplier." in why
    row = page.locator("tbody tr").filter(has_text="ELC-20417")
    assert "1000" in row.inner_text() and "800" in row.inner_text()
    shot(page, "purchase-order")

    page.get_by_role("link", name="Scorecards").click()
    card = page.locator("section.scorecard").filter(has_text="demo-supplier")
    assert "On-time acknowledgement (855)" in card.inner_text()
    shot(page, "scorecards")
    context.close()


def test_procurement_sends_the_pos_held_while_the_supplier_was_suspended(
    browser: Any, served: tuple[Gateway, str]
) -> None:
    gateway, url = served

    def set_status(status: str) -> None:
        with gateway.runtime.db.transaction() as session:
            session.execute(
                update(Partner).where(Partner.id == "demo-supplier").values(status=status)
            )

    set_status("suspended")
    published = httpx.post(
        f"{url}/ops/purchase-orders",
        content=(DEMO / "po-4500012345.json").read_bytes(),
        headers={**bearer(ADMIN_TOKEN), "Content-Type": "application/json"},
    )
    assert published.status_code == 200 and published.json()["held"], published.text
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, url, "procurement-1")
    page.goto(f"{url}/console/partners/demo-supplier")
    held = page.locator("section").filter(has_text="Purchase orders not sent")
    assert "4500012345" in held.inner_text()
    page.get_by_role("button", name="Send them now").click()
    assert "demo-supplier is suspended" in page.locator("body").inner_text()  # still held: 409
    assert gateway.count(OutboxItem) == 0

    set_status("live")
    page.goto(f"{url}/console/partners/demo-supplier")
    page.get_by_role("button", name="Send them now").click()
    assert "Sent 1 purchase order(s)" in page.locator(".note").inner_text()
    assert page.get_by_text("Purchase orders not sent").count() == 0
    assert gateway.count(OutboxItem) == 1
    context.close()


def test_onboarding_creates_a_partner_from_a_template_through_to_live(
    browser: Any, served: tuple[Gateway, str]
) -> None:
    gateway, url = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, url, "onboarding-1")
    page.get_by_role("navigation").get_by_role("link", name="Partners", exact=True).click()
    shot(page, "partners")
    page.get_by_role("link", name="New partner from a template").click()
    page.get_by_label(re.compile("x12-4010-api")).check()
    page.get_by_label("Partner id").fill("newco")
    page.get_by_role("button", name="Next").click()
    for name, value in NEWCO_VALUES.items():
        page.locator(f"#p-{name}").fill(value)
    shot(page, "partner-new")
    page.get_by_role("button", name="Create partner").click()
    key = page.locator("#api-key").inner_text()
    assert key.startswith("gk_")
    for sample in CERTIFYING:  # the supplier sends its test documents with that key
        answer = httpx.post(f"{url}/v1/x12", content=newco_file(sample), headers=bearer(key))
        assert answer.status_code == 202
    page.get_by_role("link", name="Open the partner").click()
    assert "3 of 3 passed" in page.locator("main").inner_text()
    page.get_by_label("New status").select_option("live")
    page.get_by_label("Reason (kept in the audit log)").fill("certified: 855, 856 and 810 passed")
    page.get_by_role("button", name="Change status").click()
    assert page.locator("h1 .status").inner_text() == "live"
    assert "Status changed." in page.locator(".note").inner_text()
    shot(page, "partner")
    page.get_by_role("link", name="Onboarding sheet (printable)").click()
    assert "Onboarding sheet: NewCo Parts (newco)" in page.locator("pre.sheet").inner_text()
    assert [(a.actor, a.detail["to"]) for a in gateway.audit("partner.status")] == [
        ("staff:onboarding-1", "live")
    ]
    context.close()


def test_operator_reads_a_rejected_856_at_its_segment_fixes_the_profile_replays_it_delivered(
    browser: Any, served: tuple[Gateway, str], tmp_path: Path
) -> None:
    gateway, url = served
    _seed_history(gateway, url)
    answer = httpx.post(f"{url}/v1/x12", content=out_of_sequence_856(), headers=bearer(DEMO_KEY))
    message = answer.json()["receipt_id"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, url, "operator-1")
    shot(page, "dashboard")
    page.get_by_role("navigation").get_by_role("link", name="Messages", exact=True).click()
    page.get_by_label("Document type").select_option("856")
    page.get_by_role("button", name="Search").click()
    shot(page, "messages")
    page.locator("tr", has=page.locator(".s-R")).get_by_role("link", name=message).click()
    marked = page.locator("ol.raw li.bad")
    assert marked.count() >= 1
    assert marked.first.locator("code").inner_text() == "REF*BM*BOL2026111702~"
    assert "REF is not in its proper sequence" in marked.first.locator(".why").inner_text()
    shot(page, "message-error")

    profile = tmp_path / "home" / "partners" / "demo-supplier.yaml"  # the fix, in the file
    profile.write_text(
        profile.read_text().replace("segment_order: strict", "segment_order: tolerant")
    )
    runtime = gateway.runtime
    wait_until(
        lambda: (
            partner_profile("demo-supplier", runtime.process_config).policy().segment_order  # type: ignore[union-attr]
            == "tolerant"
        )
    )

    page.get_by_role("link", name="Replay…").click()
    panel = page.locator("#replay-panel")
    panel.get_by_role("button", name="Confirm replay").wait_for()
    assert "What changes" in panel.inner_text() and "/document/shipment_id" in panel.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "replay-diff.png"))
    panel.get_by_role("button", name="Confirm replay").click()
    page.wait_for_url(re.compile(r".*note=replayed"))
    delivered = page.locator("article.event .dl-delivered")
    assert delivered.count() == 1
    assert [a.actor for a in gateway.audit("transaction.replayed")] == ["staff:operator-1"]
    page.get_by_role("navigation").get_by_role("link", name="Exceptions", exact=True).click()
    shot(page, "exceptions")

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    small = phone.new_page()
    small.context.add_cookies(context.cookies())
    small.goto(f"{url}/console/messages/{message}")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll inside
    shot(small, "phone-message")
    small.keyboard.press("Tab")  # the first stop is the skip link
    assert small.evaluate("document.activeElement.className") == "skip"
    phone.close()
    context.close()


def _seed_history(gateway: Gateway, url: str) -> None:
    """A fortnight of traffic for the dashboard's charts: the samples, spread over past days."""
    files = [DEMO / f"{name}.edi" for name in ("855-accepted-4010", "856-SOI-4010", "810-4010")]
    for day in range(10):
        sent = []
        for n, path in enumerate(files[: 1 + day % 3]):
            control = f"{700 + day * 3 + n:09d}"
            text = path.read_text()
            isa13 = text[90:99]
            group = re.search(r"GS\*(?:[^*]*\*){5}([^*]*)\*", text).group(1)  # type: ignore[union-attr]
            text = text.replace(isa13, control).replace(f"*{group}*X*", f"*{control[-4:]}*X*")
            text = text.replace(f"GE*1*{group}~", f"GE*1*{control[-4:]}~")
            text = re.sub(
                r"(BSN\*00\*|BAK\*00\*AC\*|BIG\*\d{8}\*)(\w+)", rf"\g<1>\g<2>{day}{n}", text
            )
            answer = httpx.post(f"{url}/v1/x12", content=text.encode(), headers=bearer(DEMO_KEY))
            sent.append(answer.json()["receipt_id"])
        moment = utcnow() - timedelta(days=9 - day)
        with gateway.runtime.db.transaction() as session:
            session.execute(
                update(EventRecord)
                .where(EventRecord.message_id.in_(sent))
                .values(created_at=moment)
            )
            session.execute(
                update(InboundMessage).where(InboundMessage.id.in_(sent)).values(received_at=moment)
            )
    httpx.post(f"{url}/v1/x12", content=ACME_856.read_bytes(), headers=bearer(ACME_KEY))
    httpx.post(
        f"{url}/v1/x12",
        content=(DEMO / "broken" / "856-hl-parent-missing.edi").read_bytes(),
        headers=bearer(DEMO_KEY),
    )
