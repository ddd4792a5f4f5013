"""The purchase orders we send: the 850 for a new PO and the 860 for a changed or cancelled one,
written by the partner's outbound map, queued in its outbox with the PO's revision, and tracked
by the supplier's 997 (issue 12 §1)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.mapping.loader import load_outbound_po_map
from gateway.mapping.outbound.config import OutboundPoMapConfig
from gateway.mapping.outbound.purchase_orders import (
    Envelope,
    NothingChanged,
    Written,
    write_850,
    write_860,
)
from gateway.x12.acks.reply_envelope import MemoryControlNumbers
from gateway.x12.identities import EnvelopeId
from tests.procurement.test_purchase_orders import DEMO, OPS, kinds, po, publish, state
from tests.transports.harness import Gateway

ROOT = Path(__file__).resolve().parents[2]
MAPS = ROOT / "maps"
NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
ENVELOPE = Envelope(EnvelopeId("ZZ", "GATEWAYBUYER"), EnvelopeId("ZZ", "DEMOSUPPLIER"), "P")


def segments(edi: str) -> list[list[str]]:
    return [s.strip().split("*") for s in edi.split("~") if s.strip()]


def body_of(written: Written) -> list[list[str]]:
    """The segments between ST and SE."""
    found = segments(written.edi)
    return found[3:-3]


def write(order: dict[str, Any], partner: str = "demo-supplier") -> Written:
    return write_850(
        order, ENVELOPE, load_outbound_po_map(partner, MAPS), MemoryControlNumbers(41), NOW
    )


def change(before: dict[str, Any], after: dict[str, Any], number: int = 1) -> Written:
    config = load_outbound_po_map("demo-supplier", MAPS)
    return write_860(after, before, ENVELOPE, config, MemoryControlNumbers(42), NOW, number)


def test_given_the_sample_po_then_the_850_carries_every_line_in_a_valid_envelope() -> None:
    written = write(po("po-4500012345.json"))

    assert written.kind == "850" and written.lines == 3
    assert body_of(written) == [
        ["BEG", "00", "SA", "4500012345", "", "20261110"],
        ["CUR", "BY", "USD"],
        ["N1", "BY", "Gateway Buyer Manufacturing", "92", "GATEWAYBUYER"],
        ["PO1", "1", "500", "EA", "0.085", "", "BP", "FST-10032", "VP", "HX-M8-25-ZP"],
        ["PID", "F", "", "", "", "HEX BOLT M8X25 ZINC"],
        ["DTM", "002", "20261120"],
        ["PO1", "2", "1000", "EA", "0.42", "", "BP", "ELC-20417", "VP", "CAP-100UF-25V"],
        ["PID", "F", "", "", "", "CAPACITOR 100UF 25V"],
        ["DTM", "002", "20261120"],
        ["PO1", "3", "250", "EA", "1.15", "", "BP", "ELC-30988", "VP", "REL-12V-10A"],
        ["PID", "F", "", "", "", "RELAY 12V 10A"],
        ["DTM", "002", "20261120"],
        ["CTT", "3", "1750"],
    ]
    isa, gs, st = segments(written.edi)[:3]
    assert (isa[5:9], isa[12:16]) == (
        ["ZZ", "GATEWAYBUYER   ", "ZZ", "DEMOSUPPLIER   "],
        ["00401", "000000041", "0", "P"],
    )
    assert written.interchange_control == "000000041"
    assert gs[1:4] == ["PO", "GATEWAYBUYER", "DEMOSUPPLIER"] and gs[6:] == ["41", "X", "004010"]
    assert written.group_control == "41" and st == ["ST", "850", "0001"]
    found = segments(written.edi)
    assert found[-3] == ["SE", str(len(body_of(written)) + 2), "0001"]
    assert found[-2] == ["GE", "1", "41"] and found[-1] == ["IEA", "1", "000000041"]
    assert len(written.edi.split("~")[0]) == 105  # ISA is fixed width (106 with its terminator)


def test_given_a_partner_map_then_its_version_and_qualifiers_are_used() -> None:
    written = write(po("po-4500012349.json", partner_id="acme-fasteners"), "acme-fasteners")

    isa, gs = segments(written.edi)[:2]
    assert isa[12] == "00501" and isa[11] == "^" and gs[8] == "005010"
    po1 = next(s for s in body_of(written) if s[0] == "PO1")
    assert po1[6] == "IN" and po1[8] == "VP"


def test_given_delimiters_in_the_data_then_they_never_break_the_850() -> None:
    order = po("po-4500012345.json")
    order["lines"][0]["description"] = "BOLT*M8~ZINC>COATED"

    written = write(order)

    pid = body_of(written)[4]
    assert pid == ["PID", "F", "", "", "", "BOLT M8 ZINC COATED"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda o: o["lines"][0].update(quantity="600"), ["1", "QI", "600", "600", "EA", "0.085"]),
        (lambda o: o["lines"][0].update(quantity="400"), ["1", "QD", "400", "400", "EA", "0.085"]),
        (
            lambda o: o["lines"][0].update(unit_price="0.09"),
            ["1", "PC", "500", "500", "EA", "0.09"],
        ),
        (
            lambda o: o["lines"][0].update(requested_date="2026-11-27"),
            ["1", "CA", "500", "500", "EA", "0.085"],
        ),
        (
            lambda o: o["lines"][0].update(quantity="600", unit_price="0.09"),
            ["1", "CA", "600", "600", "EA", "0.09"],
        ),
    ],
)
def test_given_a_changed_line_then_the_860_says_what_changed(
    edit: Any, expected: list[str]
) -> None:
    before = po("po-4500012345.json")
    after = copy.deepcopy(before)
    edit(after)

    written = change(before, after)

    body = body_of(written)
    assert body[0] == ["BCH", "04", "SA", "4500012345", "", "1", "20261110"]
    pocs = [s for s in body if s[0] == "POC"]
    assert [p[1:7] for p in pocs] == [expected]
    assert segments(written.edi)[1][1] == "PC"


def test_given_lines_added_and_removed_then_the_860_adds_and_deletes_them() -> None:
    before = po("po-4500012345.json")
    after = copy.deepcopy(before)
    removed = after["lines"].pop(1)
    after["lines"].append({**removed, "line_number": "4", "quantity": "20"})

    written = change(before, after, number=3)

    pocs = [s for s in body_of(written) if s[0] == "POC"]
    assert [(p[1], p[2]) for p in pocs] == [("4", "AI"), ("2", "DI")]
    assert pocs[1][3:6] == ["0", "0", "EA"] and pocs[1][8:10] == ["BP", "ELC-20417"]
    assert body_of(written)[0][5] == "3"


def test_given_a_cancelled_po_then_the_860_cancels_it_whole() -> None:
    before = po("po-4500012345.json")
    written = change(before, {**before, "status": "cancelled"})

    assert body_of(written) == [["BCH", "01", "SA", "4500012345", "", "1", "20261110"]]


def test_given_only_the_revision_label_changed_then_there_is_no_860() -> None:
    before = po("po-4500012345.json")
    with pytest.raises(NothingChanged):
        change(before, {**before, "revision": "2"})


def test_given_an_invalid_outbound_map_then_it_is_said_in_words(tmp_path: Path) -> None:
    from gateway.errors import ConfigurationError
    from gateway.mapping.loader import check_maps

    maps = tmp_path / "maps"
    (maps / "base").mkdir(parents=True)
    for path in (MAPS / "base").iterdir():
        (maps / "base" / path.name).write_bytes(path.read_bytes())
    (maps / "demo-supplier").mkdir()
    (maps / "demo-supplier" / "outbound-850.yaml").write_text(
        "extends: base\nversion: '003020'\ndelimiters: {element: '~'}\n"
    )

    with pytest.raises(ConfigurationError) as raised:
        load_outbound_po_map("demo-supplier", maps)
    problems = check_maps(maps)

    assert "version" in str(raised.value) and "delimiters" in str(raised.value)
    assert any("demo-supplier/outbound-850.yaml: version" in p for p in problems)
    assert OutboundPoMapConfig().version == "004010"


# --- through the API: outbox, revisions, the supplier's 997 ------------------------------------


def fetch(client: TestClient) -> list[dict[str, Any]]:
    answer = client.get("/v1/outbox", headers=DEMO)
    assert answer.status_code == 200, answer.text
    return [i for i in answer.json()["items"] if i["kind"] in ("850", "860")]


def functional_ack(group: str, code: str = "A", set_code: str = "850") -> str:
    ak5 = "AK5*A~" if code == "A" else "AK3*PO1*7**8~AK4*2*380*6*X~AK5*R*5~"
    body = f"AK1*{'PO' if set_code == '850' else 'PC'}*{group}~AK2*{set_code}*0001~{ak5}AK9*{code}*1*1*{1 if code == 'A' else 0}~"
    count = body.count("~") + 2
    return (
        "ISA*00*          *00*          *ZZ*DEMOSUPPLIER   *ZZ*GATEWAYBUYER   *261204*1000*U*00401*"
        "000000777*0*P*>~GS*FA*DEMOSUPPLIER*GATEWAYBUYER*20261204*1000*777*X*004010~ST*997*0001~"
        f"{body}SE*{count}*0001~GE*1*777~IEA*1*000000777~"
    )


def test_given_a_published_po_then_the_supplier_fetches_its_850_and_its_997_is_tracked(
    client: TestClient,
) -> None:
    done = publish(client, po("po-4500012345.json"))
    (item,) = fetch(client)
    group = segments(item["payload"])[1][6]
    answer = client.post("/v1/x12", content=functional_ack(group).encode(), headers=DEMO)
    view = state(client, "4500012345")

    assert done["sent"] == "850" and done["outbox_id"] == item["id"] and done["status"] == "sent"
    assert segments(item["payload"])[3][:4] == ["BEG", "00", "SA", "4500012345"]
    assert answer.status_code == 202, answer.text
    assert view["status"] == "functionally_acknowledged"
    (transmission,) = view["transmissions"]
    assert transmission["kind"] == "850" and transmission["group_control"] == group
    assert transmission["functional_ack"] == "accepted"
    assert transmission["outbox_status"] == "sent"
    assert [d["kind"] for d in view["documents"]] == ["997"]


def test_given_a_997_that_rejects_our_850_then_the_po_shows_it_as_an_error(
    client: TestClient,
) -> None:
    publish(client, po("po-4500012345.json"))
    (item,) = fetch(client)
    group = segments(item["payload"])[1][6]
    client.post("/v1/x12", content=functional_ack(group, "R").encode(), headers=DEMO)
    view = state(client, "4500012345")

    assert view["status"] == "sent"
    assert ("functional_ack_rejected", "error", None) in kinds(view)
    assert view["transmissions"][0]["functional_ack"] == "rejected"


def test_given_a_997_for_a_group_we_never_sent_then_no_po_moves(client: TestClient) -> None:
    publish(client, po("po-4500012345.json"))
    client.post("/v1/x12", content=functional_ack("987654").encode(), headers=DEMO)

    assert state(client, "4500012345")["status"] == "sent"


def test_given_new_revisions_then_each_change_goes_out_as_an_860_and_the_same_one_never(
    client: TestClient,
) -> None:
    first = po("po-4500012345.json")
    publish(client, first)
    changed = po("po-4500012345.json", revision="2")
    changed["lines"][1]["quantity"] = "1200"
    second = publish(client, changed)
    again = publish(client, changed)
    relabelled = publish(client, {**changed, "revision": "3"})
    cancelled = publish(client, {**changed, "revision": "4", "status": "cancelled"})

    items = fetch(client)
    assert [i["kind"] for i in items] == ["850", "860", "860"]
    assert second["sent"] == "860" and again["outcome"] == "unchanged" and again["sent"] is None
    assert relabelled["sent"] is None and "no line differs" in relabelled["note"]
    poc = next(s for s in segments(items[1]["payload"]) if s[0] == "POC")
    assert poc[1:4] == ["2", "QI", "1200"]
    assert segments(items[2]["payload"])[3][:2] == ["BCH", "01"]
    assert cancelled["status"] == "cancelled"
    view = state(client, "4500012345")
    assert [(t["kind"], t["revision"]) for t in view["transmissions"]] == [
        ("850", "1"),
        ("860", "2"),
        ("860", "4"),
    ]
    controls = {t["interchange_control"] for t in view["transmissions"]}
    assert len(controls) == 3  # never an ISA13 twice


def test_given_a_suspended_partner_then_nothing_is_sent_and_the_answer_says_why(
    gateway: Gateway, client: TestClient
) -> None:
    from sqlalchemy import update

    from gateway.store.models import OutboxItem, Partner

    with gateway.runtime.db.transaction() as session:  # as `gateway partners promote` leaves it
        session.execute(
            update(Partner).where(Partner.id == "demo-supplier").values(status="suspended")
        )
    done = publish(client, po("po-4500012345.json"))

    assert done["sent"] is None and "suspended" in done["note"]
    assert gateway.count(OutboxItem) == 0 and done["status"] == "open"

    with gateway.runtime.db.transaction() as session:  # reinstated
        session.execute(update(Partner).where(Partner.id == "demo-supplier").values(status="live"))
    again = publish(client, po("po-4500012345.json"))  # the same revision, never sent
    twice = publish(client, po("po-4500012345.json"))

    assert again["outcome"] == "unchanged" and again["sent"] == "850"
    assert twice["sent"] is None and gateway.count(OutboxItem) == 1


def test_given_a_po_cancelled_before_it_was_sent_then_no_860_goes_out(client: TestClient) -> None:
    done = publish(client, po("po-4500012345.json", status="cancelled"))

    assert done["sent"] is None and "cancelled before" in done["note"]
    assert fetch(client) == []


def set_status(gateway: Gateway, status: str) -> None:
    from sqlalchemy import update

    from gateway.store.models import Partner

    with gateway.runtime.db.transaction() as session:  # as `gateway partners promote` leaves it
        session.execute(update(Partner).where(Partner.id == "demo-supplier").values(status=status))


def send_unsent(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.post(
        "/ops/purchase-orders/send", params={"partner": "demo-supplier", **params}, headers=OPS
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_given_pos_held_while_suspended_then_send_sends_each_once_reinstated(
    gateway: Gateway, client: TestClient
) -> None:
    set_status(gateway, "suspended")
    held = publish(client, po("po-4500012345.json"))
    publish(client, po("po-4500012349.json"))
    while_suspended = send_unsent(client)
    set_status(gateway, "live")

    only_one = send_unsent(client, po_number="4500012349")
    rest = send_unsent(client)
    again = send_unsent(client)

    assert held["held"] is True and held["sent"] is None
    assert [(d["po_number"], d["held"], d["sent"]) for d in while_suspended] == [
        ("4500012345", True, None),
        ("4500012349", True, None),
    ]
    assert [(d["po_number"], d["sent"]) for d in only_one] == [("4500012349", "850")]
    assert [(d["po_number"], d["sent"]) for d in rest] == [("4500012345", "850")]
    assert again == []
    assert sorted(segments(i["payload"])[3][3] for i in fetch(client)) == [
        "4500012345",
        "4500012349",
    ]


def test_given_a_change_made_while_suspended_then_its_860_goes_out_when_reinstated(
    gateway: Gateway, client: TestClient
) -> None:
    """The revision that was never sent is owed even though an earlier one was: publishing it
    again (or ``send``) sends its 860, against the 850 the supplier has."""
    publish(client, po("po-4500012345.json"))
    set_status(gateway, "suspended")
    changed = po("po-4500012345.json", revision="2")
    changed["lines"][1]["quantity"] = "1200"
    held = publish(client, changed)
    set_status(gateway, "live")

    (sent,) = send_unsent(client)
    relabelled = publish(client, {**changed, "revision": "3"})  # no line differs: nothing owed
    after = send_unsent(client)

    assert held["held"] is True and held["sent"] is None
    assert (sent["revision"], sent["sent"]) == ("2", "860")
    poc = next(s for s in segments(fetch(client)[-1]["payload"]) if s[0] == "POC")
    assert poc[1:4] == ["2", "QI", "1200"]
    assert relabelled["held"] is False and "no line differs" in relabelled["note"]
    assert [(d["revision"], d["sent"], d["held"]) for d in after] == [("3", None, False)]


def test_given_an_unknown_partner_then_send_answers_404(client: TestClient) -> None:
    answer = client.post("/ops/purchase-orders/send", params={"partner": "nope"}, headers=OPS)

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "partner.not_found"
