"""810 -> invoice."""

from __future__ import annotations

from gateway.canonical import InvoiceEvent
from gateway.mapping import load_map

from .x12tree import context, tree


def map_810(body: str) -> InvoiceEvent:
    event = load_map("810").to_canonical(tree(f"ST*810*0001~{body}~SE*99*0001~"), context("810"))
    assert isinstance(event, InvoiceEvent)
    return event


INVOICE = (
    "BIG*20240310*INV-1*20240301*PO-55~CUR*SE*USD~REF*IA*123456~"
    "N1*RI*SUPPLIER INC*92*SUP1~N3*9 Mill Rd~N4*Akron*OH*44301~"
    "ITD*05*3*2**10**30*****2% 10 NET 30~DTM*011*20240305~"
    "IT1*1*48*EA*3.25**MG*R5656-2*UP*012345678905~PID*F****Hex nut~SAC*A*C310***1500~"
    "IT1**2*CA*0010.50**VP*V-9~TXI*ST*1.47*7~"
    "TDS*255438~TXI*ST*12.50*6.25*SP*OH~SAC*C*D240***2500*3*1.5*****06***FREIGHT~CTT*2"
)


def test_heading() -> None:
    doc = map_810(INVOICE).document
    assert (doc.invoice_number, doc.invoice_date) == ("INV-1", "2024-03-10")
    assert (doc.po_number, doc.po_date, doc.currency) == ("PO-55", "2024-03-01", "USD")
    assert [(p.role, p.name, p.city) for p in doc.parties] == [("RI", "SUPPLIER INC", "Akron")]


def test_total_amount_has_two_implied_decimals() -> None:
    # given TDS*255438, when mapped, then the total is 2554.38 as a decimal string
    assert map_810(INVOICE).document.total_amount == "2554.38"


def test_lines_keep_r_type_decimals_and_fall_back_to_position() -> None:
    first, second = map_810(INVOICE).document.lines
    assert (first.line_number, first.quantity, first.uom, first.unit_price) == (
        "1",
        "48",
        "EA",
        "3.25",
    )
    assert first.product_ids == {"manufacturer_part_number": "R5656-2", "upc": "012345678905"}
    assert first.description == "Hex nut"
    assert (second.line_number, second.unit_price) == ("2", "10.50")


def test_allowances_and_charges_have_implied_decimals_and_their_line() -> None:
    sacs = map_810(INVOICE).document.allowances_charges
    assert [s.model_dump() for s in sacs] == [
        {
            "indicator": "allowance",
            "code": "C310",
            "amount": "15.00",
            "percent": None,
            "rate": None,
            "description": None,
            "line_number": "1",
        },
        {
            "indicator": "charge",
            "code": "D240",
            "amount": "25.00",
            "percent": "1.5",
            "rate": None,
            "description": "FREIGHT",
            "line_number": None,
        },
    ]


def test_taxes_keep_their_decimals_as_sent() -> None:
    taxes = map_810(INVOICE).document.taxes
    assert [(t.type, t.amount, t.percent, t.jurisdiction, t.line_number) for t in taxes] == [
        ("ST", "1.47", "7", None, "2"),
        ("ST", "12.50", "6.25", "OH", None),
    ]


def test_terms() -> None:
    terms = map_810(INVOICE).document.terms
    assert terms is not None
    assert terms.model_dump() == {
        "type_code": "05",
        "basis": "3",
        "discount_percent": "2",
        "discount_due_date": None,
        "discount_days_due": 10,
        "net_due_date": None,
        "net_days": 30,
        "discount_amount": None,
        "description": "2% 10 NET 30",
    }


def test_no_itd_means_no_terms_and_missing_total_warns() -> None:
    event = map_810("BIG*20240310*INV-2**PO-1~IT1*1*1*EA*1")
    assert event.document.terms is None
    assert event.document.total_amount is None
    assert "total_amount: not found (TDS01)" in event.warnings


def test_po_number_falls_back_to_ref_po() -> None:
    event = map_810("BIG*20240310*INV-3~REF*PO*PO-REF~TDS*100")
    assert event.document.po_number == "PO-REF"
    assert event.document.total_amount == "1.00"


def test_total_with_a_decimal_point_is_taken_as_written_with_a_warning() -> None:
    event = map_810("BIG*20240310*INV-4**PO-1~TDS*2554.38")
    assert event.document.total_amount == "2554.38"
    assert event.warnings == ["total_amount: TDS01 '2554.38' has a decimal point; taken as written"]


def test_unreadable_amount_is_null_with_a_warning() -> None:
    event = map_810("BIG*20240310*INV-5**PO-1~TDS*12A4")
    assert event.document.total_amount is None
    assert "total_amount: unreadable value '12A4' at TDS01" in event.warnings
