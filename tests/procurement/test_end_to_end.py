"""Procurement end to end through a real ``gateway run --demo`` process (SQLite, embedded workers,
the local ERP sink, the hosted SFTP server) and the real OpenSSH ``sftp`` client as the supplier
(issue 12, "Done when"):

the ERP posts a PO; the gateway sends the 850 to the supplier's ``outbound/``; the supplier
fetches it and drops, in that order, a 997 for it, an 855 that changes one line's quantity and
rejects another, an 856 shipping part of the order and an 810 with a price above tolerance. The
API then shows the exact state per line and the three discrepancies, and the ERP sink holds the
events with the discrepancies carried on them, the ``supply.delay`` of the line the 855 dated
later, and the ``po.ack_overdue`` of a second PO the supplier never acknowledged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.live.support import home
from tests.onboarding.test_readme import free_port
from tests.transports.sftp.conftest import DEMO_KEY, ROOT
from tests.transports.sftp.test_end_to_end import _answers, _listens

PO = "4500012345"


@dataclass
class Supplier:
    """The demo supplier's side: its SFTP client and the files it writes."""

    url: str
    sftp_port: int
    root: Path
    work: Path
    key: Path
    known_hosts: Path

    def sftp(self, batch: str) -> str:
        script = self.work / "batch"
        script.write_text(batch)
        done = subprocess.run(
            [
                "sftp", "-P", str(self.sftp_port), "-i", str(self.key),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-b", str(script), "demo-supplier@127.0.0.1",
            ],
            cwd=self.work, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def drop(self, name: str, text: str) -> None:
        (self.work / name).write_text(text)
        self.sftp(f"put {name} inbound/{name}.part\nrename inbound/{name}.part inbound/{name}\n")

    def ops(self, path: str) -> Any:
        answer = httpx.get(f"{self.url}{path}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def sink(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.ops("/ops/erp-sink")["events"]
        return events

    def wait(self, check: Any, what: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            assert time.monotonic() < deadline, f"{what}: {self.ops('/ops/messages')}"
            time.sleep(0.2)


@pytest.fixture
def supplier(tmp_path: Path) -> Iterator[Supplier]:
    root = home(tmp_path)
    profile_path = root / "partners" / "demo-supplier.yaml"
    profile = yaml.safe_load(profile_path.read_text())
    profile["transports"]["outbound"] = "sftp"  # our 850s go to its outbound/ folder
    profile["procurement"] = {
        "quantity_tolerance_percent": 0,
        "price_tolerance_percent": 2,
        "date_tolerance_days": 7,
        "acknowledgement_hours": 0.005,  # 18 s: the second PO, never acknowledged, runs out
    }
    profile_path.write_text(yaml.safe_dump(profile, sort_keys=False))
    port, sftp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_HOME": str(root),
        "GATEWAY_PORT": str(port),
        "GATEWAY_SFTP_PORT": str(sftp_port),
        "GATEWAY_SLA_CHECK_S": "1",
    }
    work = tmp_path / "supplier"
    work.mkdir()
    key = work / "key"
    shutil.copy(DEMO_KEY, key)
    key.chmod(0o600)
    command = Path(sys.executable).parent / "gateway"
    log = tmp_path / "gateway.log"
    with (tmp_path / "gateway.out").open("wb") as out, log.open("wb") as err:
        server = subprocess.Popen(
            [str(command), "run", "--demo"], cwd=root, env=env, stdout=out, stderr=err
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not (_answers(url) and _listens(sftp_port)):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gateway run did not start"
                time.sleep(0.2)
            known = work / "known_hosts"
            scan = subprocess.run(
                ["ssh-keyscan", "-p", str(sftp_port), "127.0.0.1"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            known.write_text(scan.stdout)
            yield Supplier(url, sftp_port, root, work, key, known)
        finally:
            server.terminate()
            server.wait(timeout=30)


def interchange(control: int, functional_id: str, body: str) -> str:
    """The supplier's envelope around one transaction set (``body`` from ST to before SE)."""
    count = body.count("~") + 1
    return (
        "ISA*00*          *00*          *ZZ*DEMOSUPPLIER   *ZZ*GATEWAYBUYER   *261204*1000*U*"
        f"00401*{control:09d}*0*P*>~GS*{functional_id}*DEMOSUPPLIER*GATEWAYBUYER*20261204*1000*"
        f"{control}*X*004010~{body}SE*{count}*0001~GE*1*{control}~IEA*1*{control:09d}~"
    )


def functional_ack(group: str) -> str:
    return interchange(901, "FA", f"ST*997*0001~AK1*PO*{group}~AK2*850*0001~AK5*A~AK9*A*1*1*1~")


ACK_855 = interchange(
    902,
    "PR",
    f"ST*855*0001~BAK*00*AC*{PO}*20261110****SO-900001~"
    "PO1*1*500*EA*0.085*PE*BP*FST-10032*VP*HX-M8-25-ZP~ACK*IA*500*EA*068*20261120~"
    "PO1*2*1000*EA*0.42*PE*BP*ELC-20417*VP*CAP-100UF-25V~ACK*IQ*800*EA*068*20261124~"
    "PO1*3*250*EA*1.15*PE*BP*ELC-30988*VP*REL-12V-10A~ACK*IR*0*EA~CTT*3*1750~",
)
"""Line 1 accepted, line 2 cut to 800 (and 4 days late: within the 7-day tolerance), line 3
rejected."""

ASN_856 = interchange(
    903,
    "SH",
    "ST*856*0001~BSN*00*SHP0090001*20261118*0915*0001~HL*1**S~TD1*CTN25*2****G*19.4*LB~"
    "TD5*B*2*UPSN*U*UPS GROUND~DTM*011*20261118~HL*2*1*O~PRF*" + PO + "***20261110~"
    "HL*3*2*P~MAN*GM*006141414590000017~HL*4*3*I~LIN*1*BP*FST-10032*VP*HX-M8-25-ZP~"
    "SN1*1*500*EA~HL*5*3*I~LIN*2*BP*ELC-20417*VP*CAP-100UF-25V~SN1*2*400*EA~CTT*5*900~",
)
"""All of line 1, half of what was acknowledged of line 2."""

INVOICE_810 = interchange(
    904,
    "IN",
    f"ST*810*0001~BIG*20261119*INV-2026-09001*20261110*{PO}~CUR*SE*USD~"
    "IT1*1*500*EA*0.095*PE*BP*FST-10032*VP*HX-M8-25-ZP~"
    "IT1*2*400*EA*0.42*PE*BP*ELC-20417*VP*CAP-100UF-25V~TDS*21550~CTT*2*900~",
)
"""Line 1 at 0.095 where the PO says 0.085 (+11.8%, past the 2% tolerance)."""


def publish(supplier: Supplier, number: str) -> dict[str, Any]:
    body = (ROOT / "samples" / "demo-supplier" / f"po-{number}.json").read_text()
    published = httpx.post(
        f"{supplier.url}/ops/purchase-orders",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert published.status_code == 200, published.text
    answer: dict[str, Any] = published.json()
    return answer


def test_given_a_po_sent_over_sftp_then_the_suppliers_answers_give_the_exact_line_state(
    supplier: Supplier,
) -> None:
    assert publish(supplier, PO)["sent"] == "850"
    assert publish(supplier, "4500012349")["sent"] == "850"  # never answered: its timer runs out

    outbound = supplier.root / "var" / "sftp" / "demo-supplier" / "outbound"
    supplier.wait(lambda: len(list(outbound.glob("850-*.edi"))) == 2, "no 850s in outbound/")
    listing = supplier.sftp("ls -1 outbound\nget outbound/850-* .\n")
    assert listing.count("850-") >= 2
    (order,) = [
        text
        for path in supplier.work.glob("850-*.edi")
        if f"BEG*00*SA*{PO}*" in (text := path.read_text())
    ]
    assert f"BEG*00*SA*{PO}**20261110~" in order and "PO1*3*250*EA*1.15**BP*ELC-30988" in order
    group = order.split("GS*PO*", 1)[1].split("~", 1)[0].split("*")[4]

    supplier.drop("997.edi", functional_ack(group))
    state = supplier.wait(
        lambda: (
            (s := supplier.ops(f"/ops/purchase-orders/{PO}"))["status"]
            == "functionally_acknowledged"
            and s
        ),
        "the 997 did not reach the PO",
    )
    assert state["transmissions"][0]["functional_ack"] == "accepted"
    assert state["transmissions"][0]["outbox_status"] == "acknowledged"  # they fetched it

    for name, text in (("855.edi", ACK_855), ("856.edi", ASN_856), ("810.edi", INVOICE_810)):
        supplier.drop(name, text)
    state = supplier.wait(
        lambda: (
            (s := supplier.ops(f"/ops/purchase-orders/{PO}"))["status"] == "partially_invoiced"
            and len(s["documents"]) == 4
            and s
        ),
        "the 855, 856 and 810 did not all reach the PO",
    )

    lines = [
        (
            ln["line_number"],
            ln["status"],
            ln["ordered_quantity"],
            ln["acknowledged_quantity"],
            ln["shipped_quantity"],
            ln["invoiced_quantity"],
        )
        for ln in state["lines"]
    ]
    assert lines == [
        ("1", "invoiced", "500", "500", "500", "500"),
        ("2", "partially_invoiced", "1000", "800", "400", "400"),
        ("3", "rejected", "250", "0", "0", "0"),
    ]
    found = sorted((d["kind"], d["severity"], d["line_number"]) for d in state["discrepancies"])
    assert found == [
        ("line_rejected", "error", "3"),
        ("price_above_po", "error", "1"),
        ("quantity_changed", "warning", "2"),
    ]
    assert [d["kind"] for d in state["documents"]] == ["997", "855", "856", "810"]

    def arrived() -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for event in supplier.sink():
            payload = supplier.ops(f"/ops/erp-sink/{event['event_id']}")["payload"]
            found.setdefault(event["event_type"], []).append(payload)
        wanted = {"functional_ack", "po_acknowledgment", "ship_notice", "invoice"}
        wanted |= {"supply.delay", "po.ack_overdue"}
        return found if wanted <= set(found) else {}

    events = supplier.wait(arrived, "the events at the ERP sink", timeout=60)
    (invoice,) = events["invoice"]
    assert [d["kind"] for d in invoice["discrepancies"]] == ["price_above_po"]
    (delay,) = events["supply.delay"]  # line 2 now on 2026-11-24, requested 2026-11-20
    assert (delay["document"]["po_number"], delay["document"]["line_number"]) == (PO, "2")
    assert (delay["document"]["new_date"], delay["document"]["days_late"]) == ("2026-11-24", 4)
    overdue = [e["document"]["po_number"] for e in events["po.ack_overdue"]]
    assert "4500012349" in overdue
    listed = supplier.ops("/ops/purchase-orders?overdue=true")
    assert "4500012349" in [p["po_number"] for p in listed]
