"""855 -> po_acknowledgment."""

from __future__ import annotations

import pytest

from gateway.canonical import PoAcknowledgmentEvent
from gateway.mapping import load_map

from .x12tree import context, tree


def map_855(body: str, partner: str | None = None) -> PoAcknowledgmentEvent:
    event = load_map("855", partner).to_canonical(
        tree(f"ST*855*0001~{body}~SE*99*0001~"), context("855", partner)
    )
    assert isinstance(event, PoAcknowledgmentEvent)
    return event


@pytest.mark.parametrize(
    ("bak02", "status"),
    [
        ("AC", "accepted_with_changes"),
        ("AD", "accepted"),
        ("AE", "accepted_with_changes"),
        ("AH", "accepted"),
        ("AK", "accepted"),
        ("AT", "accepted"),
        ("RD", "rejected"),
        ("RJ", "rejected"),
        ("RO", "rejected"),
        ("ZZ", "accepted_with_changes"),
    ],
)
def test_header_status_follows_the_bak02_table(bak02: str, status: str) -> None:
    # given an 855 with acknowledgment type bak02, when mapped
    event = map_855(f"BAK*00*{bak02}*PO-1*20240105")
    # then the status is translated and the raw code kept
    assert event.document.status == status
    assert event.document.status_code == bak02
    assert event.warnings == []


def test_unknown_bak02_leaves_status_null_and_warns() -> None:
    event = map_855("BAK*00*QQ*PO-1*20240105")
    assert event.document.status is None
    assert event.document.status_code == "QQ"
    assert event.warnings == ["status: unknown code 'QQ'"]


def test_header_fields() -> None:
    # given a full heading
    event = map_855(
        "BAK*00*AC*PO-77*20240105****SO-9*20240107~CUR*SE*EUR~"
        "N1*ST*Plant 4*92*0004~N3*1 Main St*Dock 2~N4*Springfield*IL*62701*US"
    )
    doc = event.document
    # then every heading value lands in its field, dates as ISO
    assert (doc.po_number, doc.po_date, doc.purpose) == ("PO-77", "2024-01-05", "00")
    assert (doc.supplier_order_number, doc.acknowledgment_date) == ("SO-9", "2024-01-07")
    assert doc.currency == "EUR"
    assert doc.parties[0].model_dump() == {
        "role": "ST",
        "name": "Plant 4",
        "id_qualifier": "92",
        "id": "0004",
        "address_lines": ["1 Main St", "Dock 2"],
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    }


def test_supplier_order_number_falls_back_to_ref_vn() -> None:
    event = map_855("BAK*00*AD*PO-1*20240105~REF*VN*SO-REF")
    assert event.document.supplier_order_number == "SO-REF"


def test_missing_po_number_is_null_with_a_warning() -> None:
    event = map_855("BAK*00*AD**20240105")
    assert event.document.po_number is None
    assert "po_number: not found (BAK03)" in event.warnings


def test_unreadable_date_is_null_with_a_warning() -> None:
    event = map_855("BAK*00*AD*PO-1*20240231")
    assert event.document.po_date is None
    assert event.warnings == ["po_date: unreadable value '20240231' at BAK04"]


def test_six_digit_dates_use_the_century_window() -> None:
    assert map_855("BAK*00*AD*PO-1*490105").document.po_date == "2049-01-05"
    assert map_855("BAK*00*AD*PO-1*500105").document.po_date == "1950-01-05"


def test_acknowledged_quantity_comes_from_the_first_ack_that_has_one() -> None:
    # given a line whose first ACK changes the price and a later one the quantity
    event = map_855(
        "BAK*00*AC*PO-1*20240105~PO1*1*25*EA*9.50*CT*MG*XX-1234~"
        "ACK*IP~ACK*DR***068*20240520~ACK*IQ*20*EA"
    )
    line = event.document.lines[0]
    # then ordered and acknowledged quantities differ, status follows the first ACK
    assert (line.ordered_quantity, line.quantity, line.uom) == ("25", "20", "EA")
    assert (line.status, line.status_code) == ("changed", "IP")
    assert line.schedule_date == "2024-05-20"
    assert [
        (a.status_code, a.quantity, a.date_qualifier, a.date) for a in line.acknowledgments
    ] == [
        ("IP", None, None, None),
        ("DR", None, "068", "2024-05-20"),
        ("IQ", "20", None, None),
    ]


def test_line_without_ack_takes_quantity_from_po1_and_status_from_the_header() -> None:
    event = map_855("BAK*00*AC*PO-1*20240105~PO1*1*0012.50*CA*3.~PO1**4*EA*1")
    first, second = event.document.lines
    assert (first.quantity, first.uom, first.unit_price) == ("12.50", "CA", "3")
    assert (first.status, first.status_code) == ("accepted", None)
    assert second.line_number == "2"  # PO101 blank: the line's position


def test_lines_of_a_rejected_order_without_ack_are_rejected() -> None:
    event = map_855("BAK*00*RJ*PO-1*20240105~PO1*1*5*EA")
    assert event.document.lines[0].status == "rejected"


@pytest.mark.parametrize(
    ("ack01", "status"),
    [
        ("IA", "accepted"),
        ("IR", "rejected"),
        ("R2", "rejected"),
        ("IB", "backordered"),
        ("BP", "partial_shipment"),
        ("IS", "substituted"),
        ("ID", "deleted"),
        ("IH", "on_hold"),
        ("DR", "changed"),
    ],
)
def test_line_status_follows_the_ack01_table(ack01: str, status: str) -> None:
    event = map_855(f"BAK*00*AC*PO-1*20240105~PO1*1*5*EA~ACK*{ack01}*5*EA")
    assert event.document.lines[0].status == status


def test_product_ids_are_translated_and_unknown_qualifiers_kept() -> None:
    # given PO1 pairs with known and unknown qualifiers, and an ACK pair repeating one
    event = map_855(
        "BAK*00*AD*PO-1*20240105~PO1*1*140*EA***UP*893647*VP*EXPI9301*BP*9999*XX*odd~"
        "ACK*IA*140*EA****VP*OTHER*EN*4006381333931"
    )
    # then qualifiers become names, PO1 values win, ACK adds what PO1 lacked
    assert event.document.lines[0].product_ids == {
        "upc": "893647",
        "vendor_part_number": "EXPI9301",
        "buyer_part_number": "9999",
        "XX": "odd",
        "ean": "4006381333931",
    }


def test_substituted_line_names_the_substitute_first() -> None:
    event = map_855("BAK*00*AC*PO-1*20240105~PO1*1*5*EA*1**MG*XX-1234~ACK*IS*5*EA****MG*XX-1234-A")
    assert event.document.lines[0].product_ids == {"manufacturer_part_number": "XX-1234-A"}


def test_line_data_nested_deeper_is_still_found() -> None:
    # given PID and SCH in their own nested loops inside the PO1 loop
    event = map_855(
        "BAK*00*AD*PO-1*20240105~PO1*1*5*EA~PID*F****Hex bolt M8~SCH*5*EA***002*20240301"
    )
    line = event.document.lines[0]
    assert line.description == "Hex bolt M8"
    assert line.schedule_date == "2024-03-01"


def test_partner_override_translates_in_and_units() -> None:
    # given acme-fasteners, who sends our part number under IN and cases as CA
    event = map_855("BAK*00*AD*PO-1*20240105~PO1*1*2*CA*30**IN*BOLT-8", "acme-fasteners")
    line = event.document.lines[0]
    assert line.product_ids == {"buyer_part_number": "BOLT-8"}
    assert line.uom == "CS"
    # and the base map, for anyone else, keeps IN and CA as they are
    base = map_855("BAK*00*AD*PO-1*20240105~PO1*1*2*CA*30**IN*BOLT-8").document.lines[0]
    assert (base.product_ids, base.uom) == ({"buyer_item_number": "BOLT-8"}, "CA")
