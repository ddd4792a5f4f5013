"""Real-world documents from ``../shared/corpus``: known facts come out, and nothing crashes.

The sets are cut out with a tolerant test-only splitter (not the gateway's reader, which is tested
on its own), then nested by ``x12tree``. Skipped when the corpus is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.canonical import (
    Event,
    FunctionalAckEvent,
    InvoiceEvent,
    PoAcknowledgmentEvent,
    ShipNoticeEvent,
    Source,
)
from gateway.mapping import DOCUMENT_TYPES, EventContext, load_map
from gateway.x12.model import Delimiters, Segment
from tests.corpus import CORPUS

from .x12tree import build_tree

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set GATEWAY_CORPUS)"
    ),
]
FOLDERS = ("x12-855", "x12-856", "x12-810", "x12-997", "x12-999")


def _delimiters(text: str) -> tuple[Delimiters, int]:
    start = text.find("ISA")
    if start < 0:
        return Delimiters(), 0
    element, seps, i = text[start + 3], 0, start
    while seps < 16 and i < len(text):
        seps += text[i] == element
        i += 1
    isa = text[start:i].split(element)
    terminator = text[i + 1] if i + 1 < len(text) else "~"
    repetition = isa[11] if isa[12] >= "00402" and not isa[11].isalnum() else None
    if terminator in "\r\n":
        terminator = "\n"
    return Delimiters(element, text[i], terminator, repetition), start


def sets_in(path: Path) -> list[tuple[Source, list[Segment]]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    d, start = _delimiters(text)
    raw = [p.strip() for p in text[start:].split(d.segment)]
    segments = [Segment(p.split(d.element), d) for p in raw if p]
    isa = next((s for s in segments if s.tag == "ISA"), None)
    gs = next((s for s in segments if s.tag == "GS"), None)
    out: list[tuple[Source, list[Segment]]] = []
    current: list[Segment] | None = None
    for segment in segments:
        if segment.tag == "ST":
            current = []
        if current is not None:
            segment.position = len(current) + 1
            current.append(segment)
        if segment.tag == "SE" and current:
            out.append((_source(isa, gs, current[0]), current))
            current = None
    return out


def _source(isa: Segment | None, gs: Segment | None, st: Segment) -> Source:
    def value(seg: Segment | None, n: int) -> str:
        return seg.get(n).strip() if seg else ""

    return Source(
        version=value(gs, 8),
        document_type=st.get(1),
        sender_id=value(isa, 6),
        receiver_id=value(isa, 8),
        interchange_control_number=value(isa, 13),
        group_control_number=value(gs, 6),
        control_number=st.get(2),
        test=value(isa, 15) == "T",
    )


def map_file(relative: str) -> list[Event]:
    events = []
    for n, (source, segments) in enumerate(sets_in(CORPUS / relative)):
        if source.document_type not in DOCUMENT_TYPES:
            continue  # e.g. the 850s of mixed files
        ctx = EventContext(event_id=f"{relative}#{n}", partner_id=None, source=source)
        events.append(load_map(source.document_type).to_canonical(build_tree(segments), ctx))
    return events


def all_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return [
        f"{folder}/{p.name}" for folder in FOLDERS for p in sorted((CORPUS / folder).glob("*.edi"))
    ]


@pytest.mark.parametrize("relative", all_files())
def test_every_corpus_set_maps_without_raising(relative: str) -> None:
    for event in map_file(relative):
        assert event.id.startswith(relative)


def test_855_dandh() -> None:
    (event,) = map_file("x12-855/x12types_855_DandH_4010.edi")
    assert isinstance(event, PoAcknowledgmentEvent)
    doc = event.document
    assert (doc.po_number, doc.status, doc.po_date) == (
        "801222",
        "accepted_with_changes",
        "2015-01-29",
    )
    line = doc.lines[0]
    assert line.product_ids == {
        "upc": "893647",
        "vendor_part_number": "EXPI9301CTBLK",
        "buyer_part_number": "999999999999",
    }
    assert (line.status, line.quantity) == ("accepted", "140")
    # its PO1 pairs (and ACK date) sit one element late: pairs are read anyway, and it is said
    assert event.warnings == [
        "lines[0].product_ids: PO1 qualifier/value pairs are misaligned",
        "lines[0].product_ids: ACK qualifier/value pairs are misaligned",
    ]


def test_855_aerospace_minor_changes() -> None:
    (event,) = map_file("x12-855/stupidedi_855_X358_aerospace_minor_changes.edi")
    assert isinstance(event, PoAcknowledgmentEvent)
    first, second, third = event.document.lines
    assert (first.ordered_quantity, first.quantity, first.status) == ("25", "20", "changed")
    assert first.schedule_date == "2017-05-20"
    assert (second.status, third.status) == ("accepted", "rejected")
    assert event.source.test is True


def test_856_crossdock_s_o_p_i() -> None:
    (event,) = map_file("x12-856/ediengine_856_crossdock_SOPI.edi")
    assert isinstance(event, ShipNoticeEvent)
    doc = event.document
    assert [(ln.po_number, ln.sscc) for ln in doc.lines] == [
        ("POREF00", "00000715670002152360"),
        ("POREF00", "00000715670002152377"),
        ("POREF00", "00000715670002152384"),
        ("POREF00", "00000715670002152391"),
        ("POREF01", "00000715670002152111"),
    ]
    assert doc.carrier is not None and doc.carrier.scac == "OVNT"
    assert (doc.bill_of_lading, doc.ship_date, doc.estimated_delivery) == (
        "000001",
        "2009-09-21",
        "2009-09-25",
    )
    assert doc.lines[1].product_ids == {"ean": "0000000000831"}


def test_856_automotive_s_i() -> None:
    (event,) = map_file("x12-856/oop_856_3060_SI_automotive.edi")
    assert isinstance(event, ShipNoticeEvent)
    assert [(ln.po_number, ln.quantity, ln.uom) for ln in event.document.lines] == [
        ("B00000389", "1400", "PC"),
        ("B00003489", "1500", "PC"),
    ]
    assert event.document.ship_date == "2003-06-19"


def test_810_walmart() -> None:
    (event,) = map_file("x12-810/oop_810_Walmart_5010.edi")
    assert isinstance(event, InvoiceEvent)
    doc = event.document
    assert (doc.invoice_number, doc.po_number, doc.total_amount) == (
        "6463367",
        "3376103367",
        "3875.30",
    )
    line = doc.lines[0]
    assert (line.line_number, line.quantity, line.unit_price) == ("1", "1080", "3.61")
    assert line.product_ids["gtin_14"] == "00221089552284"
    (sac,) = doc.allowances_charges
    assert (sac.indicator, sac.amount, sac.line_number) == ("allowance", "23.50", "1")
    assert doc.terms is not None and doc.terms.net_days == 45


def test_997_reject_without_envelope() -> None:
    (event,) = map_file("x12-997/x12types_997_boomi_AK3AK4_reject.edi")
    assert isinstance(event, FunctionalAckEvent)
    (ts,) = event.document.transaction_sets
    assert (event.document.status, ts.status) == ("rejected", "rejected")
    assert [(e.segment_id, e.position, e.bad_value) for e in ts.errors] == [
        ("REF", 3, "BM"),
        ("REF", 4, "DP"),
    ]


def test_999_with_errors() -> None:
    (event,) = map_file("x12-999/staedi_999_5010X231_with_errors.edi")
    assert isinstance(event, FunctionalAckEvent)
    doc = event.document
    assert doc.status == "partially_accepted"
    assert [s.status for s in doc.transaction_sets] == ["accepted", "rejected", "rejected"]
    assert doc.transaction_sets[1].errors[0].context == ["CLM01:123456789"]
    assert doc.transaction_sets[2].errors[0].context[0].startswith("SITUATIONAL TRIGGER^")
