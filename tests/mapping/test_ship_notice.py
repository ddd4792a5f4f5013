"""856 -> ship_notice: hierarchy shapes, inheritance, heading."""

from __future__ import annotations

from typing import Any

from gateway.canonical import HierarchyNode, ShipNoticeEvent
from gateway.mapping import load_map
from gateway.x12.model import Loop

from .x12tree import context, parse_segments, tree

HEAD = "BSN*00*SHIP-1*20240301*1200~DTM*011*20240302*0815"


def map_856(body: str, partner: str | None = None) -> ShipNoticeEvent:
    event = load_map("856", partner).to_canonical(
        tree(f"ST*856*0001~{body}~CTT*1~SE*99*0001~"), context("856", partner)
    )
    assert isinstance(event, ShipNoticeEvent)
    return event


def shape(nodes: list[HierarchyNode]) -> list[Any]:
    """The tree as nested (id, level, [children]) for compact assertions."""
    return [(n.id, n.level, shape(n.children)) for n in nodes]


def line_facts(event: ShipNoticeEvent) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(ln.hl_id, ln.po_number, ln.sscc, ln.quantity) for ln in event.document.lines]


def test_s_o_i_lines_inherit_the_order_po() -> None:
    # given shipment > order > two items
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-100~HL*3*2*I~LIN*1*BP*A-1*UP*0123~SN1**12*EA~"
        "HL*4*2*I~LIN*2*BP*B-2~SN1**3*CA"
    )
    # then each line carries the order's PO number and its own quantity
    assert line_facts(event) == [("3", "PO-100", None, "12"), ("4", "PO-100", None, "3")]
    first = event.document.lines[0]
    assert first.line_number == "1"
    assert first.product_ids == {"buyer_part_number": "A-1", "upc": "0123"}
    assert shape(event.document.hierarchy) == [
        ("1", "S", [("2", "O", [("3", "I", []), ("4", "I", [])])])
    ]
    assert event.warnings == []


def test_s_o_p_i_lines_take_their_carton_sscc() -> None:
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-1~HL*3*2*P~MAN*GM*000111~HL*4*3*I~LIN**UP*1~SN1**12*EA~"
        "HL*5*2*P~MAN*GM*000222~HL*6*5*I~LIN**UP*2~SN1**6*EA"
    )
    assert line_facts(event) == [("4", "PO-1", "000111", "12"), ("6", "PO-1", "000222", "6")]
    assert [(p.hl_id, p.sscc, p.po_number, p.parent_sscc) for p in event.document.packs] == [
        ("3", "000111", "PO-1", None),
        ("5", "000222", "PO-1", None),
    ]


def test_s_o_t_p_i_items_take_the_carton_sscc_not_the_pallet() -> None:
    # given a pallet (tare) holding a labelled carton and an unlabelled carton
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-9~HL*3*2*T~MAN*GM*PALLET-1~"
        "HL*4*3*P~MAN*GM*CARTON-1~HL*5*4*I~LIN**VP*X~SN1**4*EA~"
        "HL*6*3*P~HL*7*6*I~LIN**VP*Y~SN1**2*EA"
    )
    # then the first item is in CARTON-1; the second, in a carton without SSCC, gets the pallet's
    assert line_facts(event) == [("5", "PO-9", "CARTON-1", "4"), ("7", "PO-9", "PALLET-1", "2")]
    packs = {p.hl_id: p for p in event.document.packs}
    assert (packs["3"].role, packs["3"].sscc, packs["3"].parent_sscc) == ("tare", "PALLET-1", None)
    assert (packs["4"].role, packs["4"].parent_sscc) == ("pack", "PALLET-1")
    assert shape(event.document.hierarchy) == [
        (
            "1",
            "S",
            [
                (
                    "2",
                    "O",
                    [("3", "T", [("4", "P", [("5", "I", [])]), ("6", "P", [("7", "I", [])])])],
                )
            ],
        )
    ]


def test_s_i_reads_the_po_number_on_the_item_level() -> None:
    # given no order level: PRF sits on each item (automotive style)
    event = map_856(
        "BSN*00*SHIP-2*030619*1235~HL*1**S~REF*BM*25673~HL*2*1*I~LIN**BP*rt2371~"
        "SN1**1400*PC~PRF*B0389*0005~HL*3*1*I~LIN**BP*lt2372~SN1**1500*PC~PRF*B3489"
    )
    assert line_facts(event) == [("2", "B0389", None, "1400"), ("3", "B3489", None, "1500")]
    assert event.document.ship_date == "2003-06-19"  # no DTM*011: BSN03, six digits
    assert event.document.bill_of_lading == "25673"


def test_omitted_hl02_is_inferred_from_the_previous_higher_level() -> None:
    # given HL02 left out everywhere (seen in real 856s)
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2**O~PRF*PO-A~HL*3**P~MAN*GM*C1~HL*4**I~SN1**1*EA~"
        "HL*5**P~MAN*GM*C2~HL*6**I~SN1**2*EA~HL*7**O~PRF*PO-B~HL*8**I~SN1**3*EA"
    )
    # then the tree is what HL02 would have said, and lines inherit through it
    assert shape(event.document.hierarchy) == [
        (
            "1",
            "S",
            [
                ("2", "O", [("3", "P", [("4", "I", [])]), ("5", "P", [("6", "I", [])])]),
                ("7", "O", [("8", "I", [])]),
            ],
        )
    ]
    assert line_facts(event) == [
        ("4", "PO-A", "C1", "1"),
        ("6", "PO-A", "C2", "2"),
        ("8", "PO-B", None, "3"),
    ]
    assert event.document.hierarchy[0].children[0].parent_id == "1"
    assert event.warnings == []


def test_pick_and_pack_orders_under_cartons() -> None:
    # given one carton holding items of two orders (S-P-O-I)
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2*1*P~MAN*GM*MIXED-1~HL*3*2*O~PRF*PO-X~HL*4*3*I~SN1**1*EA~"
        "HL*5*2*O~PRF*PO-Y~HL*6*5*I~SN1**2*EA"
    )
    assert line_facts(event) == [("4", "PO-X", "MIXED-1", "1"), ("6", "PO-Y", "MIXED-1", "2")]
    pack = event.document.packs[0]
    assert (pack.sscc, pack.po_number) == ("MIXED-1", None)  # the carton spans two orders


def test_pick_and_pack_with_omitted_hl02_follows_the_order_levels_appear_in() -> None:
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2**P~MAN*GM*M1~HL*3**O~PRF*PO-X~HL*4**I~SN1**1*EA~"
        "HL*5**O~PRF*PO-Y~HL*6**I~SN1**2*EA"
    )
    assert shape(event.document.hierarchy) == [
        ("1", "S", [("2", "P", [("3", "O", [("4", "I", [])]), ("5", "O", [("6", "I", [])])])])
    ]


def test_unknown_parent_is_inferred_and_warned() -> None:
    event = map_856(f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-1~HL*3*99*I~SN1**1*EA")
    assert line_facts(event) == [("3", "PO-1", None, "1")]
    assert event.warnings == ["hierarchy: HL '3' names parent '99', not an earlier level"]


def test_item_without_po_number_warns() -> None:
    event = map_856(f"{HEAD}~HL*1**S~HL*2*1*I~SN1**1*EA")
    assert event.document.lines[0].po_number is None
    assert event.warnings == [
        "lines[0].po_number: not found on HL '2' or above (PRF01, REF02[REF01=PO], LIN02/ON)"
    ]


def test_older_856s_carry_the_po_as_a_lin_pair() -> None:
    # given a 002001-style item with the customer order number as a LIN pair
    event = map_856(f"{HEAD}~HL*1**S~HL*2*1*T~HL*3*2*I~LIN**BP*7389141*ON*RG61372~SN1**1000*PC")
    line = event.document.lines[0]
    assert (line.po_number, line.product_ids) == ("RG61372", {"buyer_part_number": "7389141"})


def test_heading_carrier_dates_and_tracking() -> None:
    event = map_856(
        "BSN*00*000009*20090921*0801~HL*1**S~TD1*CTN*5~TD5**2*OVNT*M*OVERNITE~"
        "REF*BM*BOL-1~REF*CN*PRO-8741~DTM*011*20090921*1530~DTM*017*20090925~"
        "N1*SF*SOME COMPANY*92*000009~N1*ST*RETAILER*92*0001~"
        "HL*2*1*O~PRF*PO-1~HL*3*2*P~MAN*CP*1Z999~HL*4*3*I~LIN**UP*1~SN1**1*EA"
    )
    doc = event.document
    assert (doc.shipment_id, doc.purpose) == ("000009", "00")
    assert (doc.ship_date, doc.ship_time, doc.estimated_delivery) == (
        "2009-09-21",
        "15:30",
        "2009-09-25",
    )
    assert doc.carrier is not None
    assert doc.carrier.model_dump() == {"scac": "OVNT", "name": "OVERNITE", "mode": "M"}
    assert doc.bill_of_lading == "BOL-1"
    assert doc.tracking_numbers == ["PRO-8741", "1Z999"]  # shipment level, then each pack
    assert [p.role for p in doc.parties] == ["SF", "ST"]


def test_no_td5_means_no_carrier() -> None:
    assert map_856(f"{HEAD}~HL*1**S~HL*2*1*I~PRF*P~SN1**1*EA").document.carrier is None


def test_lot_and_expiration_date() -> None:
    event = map_856(
        f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-1~HL*3*2*I~LIN*7*VP*V-1*LT*LOT-42*PL*003~SN1**5*EA~"
        "DTM*036*20261231~PID*F****Widget"
    )
    line = event.document.lines[0]
    assert (line.lot, line.expiration_date, line.description) == ("LOT-42", "2026-12-31", "Widget")
    assert line.product_ids == {"vendor_part_number": "V-1"}  # LT and PL are not product ids


def test_line_number_falls_back_to_the_pl_pair() -> None:
    event = map_856(f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-1~HL*3*2*I~LIN**PL*003*VP*V~SN1**1*EA")
    assert event.document.lines[0].line_number == "003"


def test_order_level_parties_stay_on_their_node() -> None:
    event = map_856(f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PO-1~N1*BY*STORE 2*92*002~HL*3*2*I~SN1**1*EA")
    order = event.document.hierarchy[0].children[0]
    assert [(p.role, p.id) for p in order.parties] == [("BY", "002")]
    assert event.document.parties == []


def test_partner_reads_po_from_ref_po_and_translates_units_and_qualifiers() -> None:
    body = f"{HEAD}~HL*1**S~HL*2*1*O~PRF*PRF-PO~REF*PO*ACME-PO-7~HL*3*2*I~LIN**IN*BOLT-8~SN1**4*CA"
    acme = map_856(body, "acme-fasteners").document.lines[0]
    assert (acme.po_number, acme.uom, acme.product_ids) == (
        "ACME-PO-7",
        "CS",
        {"buyer_part_number": "BOLT-8"},
    )
    base = map_856(body).document.lines[0]
    assert (base.po_number, base.uom, base.product_ids) == (
        "PRF-PO",
        "CA",
        {"buyer_item_number": "BOLT-8"},
    )


def test_a_very_deep_hierarchy_is_cut_with_a_warning() -> None:
    levels = "~".join(f"HL*{n}*{n - 1 if n > 1 else ''}*P" for n in range(1, 40))
    event = map_856(f"{HEAD}~{levels}")
    depth, nodes = 0, event.document.hierarchy
    while nodes:
        depth, nodes = depth + 1, nodes[0].children
    assert depth <= 17
    assert any("nested deeper than" in w for w in event.warnings)


def test_no_items_warns() -> None:
    event = map_856(f"{HEAD}~HL*1**S")
    assert event.document.lines == []
    assert "lines: the ship notice has no item levels" in event.warnings


def test_hl_loops_nested_by_the_validator_read_the_same_as_siblings() -> None:
    # given a tree where each HL loop sits inside its parent's loop, N1 and CLD nested below
    st_, bsn, hl1, td5, hl2, prf, n1, hl3, lin, sn1, cld, ref, ctt, se = parse_segments(
        "ST*856*0001~BSN*00*SHIP-9*20240301~HL*1**S~TD5**2*UPSN~HL*2*1*O~PRF*PO-N~"
        "N1*BY*Store 9~HL*3*2*I~LIN**VP*V-1~SN1**5*EA~CLD*1*5~REF*LT*LOT-1~CTT*1~SE*14*0001"
    )
    item = Loop("HL", [hl3, lin, sn1], [Loop("CLD", [cld, ref])])
    order = Loop("HL", [hl2, prf], [Loop("N1", [n1]), item])
    ts = Loop("ST", [st_, bsn, ctt, se], [Loop("HL", [hl1, td5], [order])])
    # when mapped
    event = load_map("856").to_canonical(ts, context("856"))
    assert isinstance(event, ShipNoticeEvent)
    # then levels, inheritance and nested loops come out as for flat HL loops
    line = event.document.lines[0]
    assert (line.hl_id, line.po_number, line.quantity, line.lot) == ("3", "PO-N", "5", "LOT-1")
    assert shape(event.document.hierarchy) == [("1", "S", [("2", "O", [("3", "I", [])])])]
    assert event.document.carrier is not None and event.document.carrier.scac == "UPSN"
    assert event.document.hierarchy[0].children[0].parties[0].name == "Store 9"
    assert event.warnings == []
