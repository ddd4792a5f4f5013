"""The sender identity matrix (issue 9), written once for every transport that authenticates a
partner: the HTTP API now (``tests/transports/test_identity.py``), AS2 and SFTP when they land.

A transport's test builds a gateway with ``matrix_partners`` and ``MATRIX_OUR_IDS``, authenticates
as ``AUTHENTICATED`` in its own way, wraps that in a ``Channel`` and runs ``check_case`` for every
entry of ``CASES``. Each case is the demo 856 under another envelope (``envelope_bytes``); what is
expected is written next to it: accepted and delivered, or refused with a TA1 or 997/999 code, a
receipt that names the id that came and the ids expected, no event, nothing posted to the ERP, and
the raw bytes kept.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gateway.canonical import Event
from tests.support.documents import numbered_asn

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_5010 = ROOT / "samples" / "demo-supplier" / "856-5010.edi"
AUTHENTICATED = "demo-supplier"
SECOND_SENDER = ("ZZ", "DEMOSUPPLIERT")
"""A second sender id the matrix gives the demo partner (its test system)."""
MATRIX_OUR_IDS = "ZZ/GATEWAYBUYER,01/123456789"
"""``GATEWAY_OUR_IDS`` for the matrix: a second id of ours, which the demo partner (told
``ZZ/GATEWAYBUYER`` in its profile) must not use."""
EXPECTED_SENDERS = "ZZ/DEMOSUPPLIER, ZZ/DEMOSUPPLIERT"


def matrix_partners(tmp_path: Path) -> Path:
    """The shipped profiles, with ``SECOND_SENDER`` added to the demo partner's sender ids."""
    root = tmp_path / "partners"
    root.mkdir()
    for path in (ROOT / "partners").glob("*.yaml"):
        shutil.copy(path, root / path.name)
    demo = root / f"{AUTHENTICATED}.yaml"
    profile = yaml.safe_load(demo.read_text())
    qualifier, id_ = SECOND_SENDER
    profile["x12"]["sender_ids"].append({"qualifier": qualifier, "id": id_})
    demo.write_text(yaml.safe_dump(profile, sort_keys=False))
    return root


@dataclass(frozen=True)
class Envelope:
    isa05: str = "ZZ"
    isa06: str = "DEMOSUPPLIER"
    isa07: str = "ZZ"
    isa08: str = "GATEWAYBUYER"
    gs02: str = "DEMOSUPPLIER"
    gs03: str = "GATEWAYBUYER"


@dataclass(frozen=True)
class Case:
    name: str
    envelope: Envelope
    ta1_code: str | None = None
    """TA105 when the interchange must be rejected."""
    ak9_code: str | None = None
    """AK905/IK905 when the functional group must be rejected."""
    says: tuple[str, ...] = ()
    """What the receipt's errors must say: the id that came and the ids expected."""
    version: str = "4010"
    """``4010`` (answered with a 997) or ``5010`` (a 999)."""

    @property
    def accepted(self) -> bool:
        return self.ta1_code is None and self.ak9_code is None


OWN = Envelope()
CASES: tuple[Case, ...] = (
    Case("own id", OWN),
    Case("own second id", replace(OWN, isa06="DEMOSUPPLIERT", gs02="DEMOSUPPLIERT")),
    Case("own second id in GS02 only", replace(OWN, gs02="DEMOSUPPLIERT")),
    Case("own id, 5010", OWN, version="5010"),
    Case(
        "another partner's id",
        replace(OWN, isa06="ACMEFAST", gs02="ACMEFAST"),
        ta1_code="006",
        says=(f"ISA06 'ACMEFAST' is not your sender id (expected one of: {EXPECTED_SENDERS})",),
    ),
    Case(
        "unknown sender id",
        replace(OWN, isa06="999999999", gs02="999999999"),
        ta1_code="006",
        says=("ISA06 '999999999'", EXPECTED_SENDERS),
    ),
    Case(
        "wrong sender qualifier",
        replace(OWN, isa05="01"),
        ta1_code="005",
        says=("ISA05 '01'", "'DEMOSUPPLIER'", EXPECTED_SENDERS),
    ),
    Case(
        "our id wrong (ISA08)",
        replace(OWN, isa08="OTHERBUYER", gs03="OTHERBUYER"),
        ta1_code="009",
        says=("ISA08 'OTHERBUYER' is not one of our ids (expected one of: ZZ/GATEWAYBUYER)",),
    ),
    Case(
        "our other id, not the one this partner is told",
        replace(OWN, isa07="01", isa08="123456789", gs03="123456789"),
        ta1_code="009",
        says=("ISA08 '123456789'", "ZZ/GATEWAYBUYER"),
    ),
    Case(
        "wrong receiver qualifier",
        replace(OWN, isa07="01"),
        ta1_code="007",
        says=("ISA07 '01'", "'GATEWAYBUYER'", "ZZ/GATEWAYBUYER"),
    ),
    Case(
        "GS02 differing from ISA06",
        replace(OWN, gs02="ACMEFAST"),
        ak9_code="1",
        says=(
            "GS02 'ACMEFAST' is not your sender id (expected one of: DEMOSUPPLIER, DEMOSUPPLIERT)",
        ),
    ),
    Case(
        "GS02 differing from ISA06, 5010",
        replace(OWN, gs02="ACMEFAST"),
        ak9_code="1",
        says=("GS02 'ACMEFAST'",),
        version="5010",
    ),
    Case(
        "GS03 not ours",
        replace(OWN, gs03="OTHERBUYER"),
        ak9_code="1",
        says=("GS03 'OTHERBUYER' is not one of our ids (expected one of: GATEWAYBUYER)",),
    ),
)
IDS = [case.name for case in CASES]


def envelope_bytes(case: Case, n: int = 1) -> bytes:
    """The demo 856 (``case.version``) under ``case.envelope``, numbered ``n`` (ISA13, GS06,
    BSN02) so that cases never collide as duplicates."""
    if case.version == "5010":
        text = SAMPLE_5010.read_text().replace("SHP0045006", f"SHPID{n:05d}")
    else:
        text = numbered_asn(n, prefix="SHPID").decode()
    e = case.envelope
    isa, rest = text.split("~", 1)
    elements = isa.split("*")
    elements[5:9] = [e.isa05, e.isa06.ljust(15), e.isa07, e.isa08.ljust(15)]
    rest = re.sub(r"GS\*(\w+)\*[^*]*\*[^*]*\*", rf"GS*\g<1>*{e.gs02}*{e.gs03}*", rest, count=1)
    return ("*".join(elements) + "~" + rest).encode()


@dataclass
class Channel:
    """One authenticated way in, as the matrix needs it."""

    send: Callable[[bytes], dict[str, Any]]
    """Send raw bytes as ``AUTHENTICATED``; the receipt (``GET /v1/receipts/{id}``'s body) once
    the message is processed."""
    stored: Callable[[str], bytes | None]
    """The raw bytes the gateway kept under a receipt id."""
    delivered: Callable[[], dict[str, Event]]
    """Every event the ERP received, by id."""
    sent: list[str] = field(default_factory=list)


def check_case(case: Case, channel: Channel, n: int = 1) -> dict[str, Any]:
    """Given ``case``'s file, when sent over ``channel``, then the outcome is ``case``'s."""
    raw = envelope_bytes(case, n)
    before = set(channel.delivered())

    receipt = channel.send(raw)

    assert receipt["status"] == "processed", receipt
    assert channel.stored(receipt["receipt_id"]) == raw, "the raw bytes are kept"
    delivered = {i: e for i, e in channel.delivered().items() if i not in before}
    messages = " | ".join(str(e.get("message")) for e in receipt["errors"])
    acks = {a["kind"]: a["edi"] for a in receipt["acknowledgments"]}
    if case.accepted:
        assert receipt["outcome"] == "accepted" and not receipt["errors"], messages
        [event] = receipt["events"]
        assert event["deliveries"][0]["status"] == "delivered"
        assert set(delivered) == {event["id"]}
        assert delivered[event["id"]].partner_id == AUTHENTICATED
        return receipt
    assert receipt["outcome"] == "rejected", receipt
    assert receipt["events"] == [] and delivered == {}, "nothing reaches the ERP"
    for words in case.says:
        assert words in messages, f"{words!r} not in {messages!r}"
    if case.ta1_code is not None:
        assert re.search(rf"\nTA1\*\d{{9}}\*\d{{6}}\*\d{{4}}\*R\*{case.ta1_code}~", acks["TA1"])
        assert receipt["transactions"] == []  # nothing inside a rejected interchange is read
        assert set(acks) == {"TA1"}
    else:
        kind, set_trailer = ("999", "IK5") if case.version == "5010" else ("997", "AK5")
        assert f"\n{set_trailer}*R*1~" in acks[kind]
        assert f"\nAK9*R*1*1*0*{case.ak9_code}~" in acks[kind]
        assert [t["status"] for t in receipt["transactions"]] == ["R"]
    return receipt
