"""Issue 16's end to end: a real ``gateway run`` posting to a real trytond. The supplier's 855 (one
line changed, one rejected), 856 (part of the order) and 810 arrive as X12 over the HTTP API; Tryton
then shows the acknowledgement per line, a draft supplier shipment with the shipped quantities and a
draft supplier invoice linked to the purchase."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live.support import home
from tests.onboarding.test_readme import free_port

from .conftest import Database
from .records import records_for
from .support import GATEWAY_PASSWORD

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "samples" / "demo-supplier"
KEY = "demo-supplier-key"


def test_given_a_gateway_on_tryton_when_a_supplier_sends_855_856_810_then_tryton_shows_them(
    tryton_db: Database, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_HOME": str(home(tmp_path)),
        "GATEWAY_PORT": str(port),
        "GATEWAY_SFTP_PORT": "0",
        "GATEWAY_ERP_CONNECTOR": "tryton",
        "GATEWAY_ERP_URL": tryton_db.url.replace(f":{GATEWAY_PASSWORD}@", "@"),
        "GATEWAY_ERP_SECRET": GATEWAY_PASSWORD,
    }
    log = tmp_path / "gateway.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gateway"), "run", "--demo"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            _wait(lambda: _answers(url), server, log, "gateway run did not start")
            receipts = {
                name: _post(url, SAMPLES / name)
                for name in ("855-5010.edi", "856-SOI-4010.edi", "810-4010.edi")
            }
            events = {name: _delivered(url, rid, server, log) for name, rid in receipts.items()}
        finally:
            server.terminate()
            server.wait(timeout=30)

    admin = tryton_db.admin()
    ack = records_for(admin, events["855-5010.edi"][0])
    (note,) = ack["notes"]
    assert "line 2 (FST-20890): changed, quantity 2000 -> 1500" in note["message"]
    assert "line 3 (ELC-41120): rejected, quantity 100 -> 0" in note["message"]
    assert [a["state"] for a in ack["amendments"]] == ["draft"]

    (shipment,) = records_for(admin, events["856-SOI-4010.edi"][0])["shipments"]
    moves = admin.call("stock.move", "read", shipment["incoming_moves"], ["quantity", "origin"])
    assert shipment["state"] == "draft"
    assert sorted(m["quantity"] for m in moves) == [500.0, 800.0, 2000.0]

    (invoice,) = records_for(admin, events["810-4010.edi"][0])["invoices"]
    lines = admin.call("account.invoice.line", "read", invoice["lines"], ["origin"])
    assert invoice["state"] == "draft"
    assert all(ln["origin"].startswith("purchase.line,") for ln in lines) and len(lines) == 3
    assert GATEWAY_PASSWORD not in log.read_text()


def _post(url: str, path: Path) -> str:
    answer = httpx.post(
        f"{url}/v1/x12",
        content=path.read_bytes(),
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["receipt_id"])


def _delivered(url: str, message_id: str, server: subprocess.Popen[bytes], log: Path) -> list[str]:
    found: list[str] = []

    def done() -> bool:
        detail = httpx.get(f"{url}/ops/messages/{message_id}", timeout=10).json()
        events = detail.get("events") or []
        deliveries = [d for e in events for d in e["deliveries"]]
        assert not any(d["status"] == "dead" for d in deliveries), detail
        if events and all(d["status"] == "delivered" for d in deliveries):
            found.extend(e["id"] for e in events)
            return True
        return False

    _wait(done, server, log, f"message {message_id} was not delivered to Tryton")
    return found


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(check, server: subprocess.Popen[bytes], log: Path, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 90
    while not check():
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{what}:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
