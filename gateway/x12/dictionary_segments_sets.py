"""Segments particular to the 855, 856, 810, 997 and 999 transaction sets, as laid out in ASC X12
004010 (the 999 segments IK3, IK4, IK5 and CTX as in 005010, the release that introduced them).

Source of truth: the ASC X12 004010 and 005010 segment directories. Choices made to be tolerant:

* Code lists are given only for BAK02, ACK01, AK501/IK501 and AK901, and each is the union of the
  codes valid in 004010 and 005010 (a superset never rejects a valid file).
* HL03 carries no code list: partners use their own hierarchical levels.
* TSD (trailer shipment details) is defined with its two elements so an 856 carrying it validates.
"""

from __future__ import annotations

from gateway.x12.dictionary_dsl import paired_rules, pairs, seg, table
from gateway.x12.spec import SegmentSpec

_PRODUCT_ID = ("X 235 ID 2 2", "X 234 AN 1 48")

ACKNOWLEDGMENT_TYPES = frozenset(
    {
        "AC", "AD", "AE", "AH", "AK", "AP", "AT", "NA", "RD", "RF", "RJ", "RN", "RO", "RR", "RS",
        "RV", "ZZ",
    }
)
"""Element 587 (BAK02)."""

LINE_ITEM_STATUSES = frozenset(
    {
        "AA", "AC", "AR", "BP", "DR", "IA", "IB", "IC", "ID", "IE", "IF", "IH", "IP", "IQ", "IR",
        "IS", "IW", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "SP",
    }
)
"""Element 668 (ACK01)."""

SET_ACK_CODES = frozenset({"A", "E", "M", "R", "W", "X"})
"""Element 717 (AK501, IK501)."""

GROUP_ACK_CODES = frozenset({"A", "E", "M", "P", "R", "W", "X"})
"""Element 715 (AK901): A, E, P, R, plus the security codes M, W, X."""

ORDERING: dict[str, SegmentSpec] = table(
    seg(
        "BAK",
        "Beginning Segment for Purchase Order Acknowledgment",
        "M 353 ID 2 2",
        "M 587 ID 2 2",
        "M 324 AN 1 22",
        "M 373 DT 8 8",
        "O 328 AN 1 30",
        "O 326 AN 1 45",
        "O 367 AN 1 30",
        "O 127 AN 1 30",
        "O 373 DT 8 8",
        "O 640 ID 2 2",
        codes={2: ACKNOWLEDGMENT_TYPES},
    ),
    seg(
        "PO1",
        "Baseline Item Data",
        "O 350 AN 1 20",
        "X 330 R 1 15",
        "O 355 ID 2 2",
        "X 212 R 1 17",
        "O 639 ID 2 2",
        *pairs(10, *_PRODUCT_ID),
        rules=("C0302", "C0504", *paired_rules(6, 10)),
    ),
    seg(
        "PO3",
        "Additional Item Detail",
        "M 371 ID 2 2",
        "O 373 DT 8 8",
        "X 236 ID 3 3",
        "X 212 R 1 17",
        "X 639 ID 2 2",
        "M 380 R 1 15",
        "M 355 ID 2 2",
        "O 352 AN 1 80",
        rules=("L030405", "P0405"),
    ),
    seg(
        "ACK",
        "Line Item Acknowledgment",
        "M 668 ID 2 2",
        "X 380 R 1 15",
        "X 355 ID 2 2",
        "O 374 ID 3 3",
        "X 373 DT 8 8",
        "O 326 AN 1 45",
        *pairs(10, *_PRODUCT_ID),
        "O 559 ID 2 2",
        "O 822 AN 1 15",
        "O 1271 AN 1 30",
        rules=("P0203", "C0405", *paired_rules(7, 10)),
        codes={1: LINE_ITEM_STATUSES},
    ),
    seg(
        "SCH",
        "Line Item Schedule",
        "M 380 R 1 15",
        "M 355 ID 2 2",
        "X 98 ID 2 3",
        "X 93 AN 1 60",
        "M 374 ID 3 3",
        "M 373 DT 8 8",
        "O 337 TM 4 8",
        "X 374 ID 3 3",
        "X 373 DT 8 8",
        "O 337 TM 4 8",
        "O 326 AN 1 45",
        "O 350 AN 1 20",
        rules=("C0304", "C0809"),
    ),
)

SHIPPING: dict[str, SegmentSpec] = table(
    seg(
        "BSN",
        "Beginning Segment for Ship Notice",
        "M 353 ID 2 2",
        "M 396 AN 2 30",
        "M 373 DT 8 8",
        "M 337 TM 4 8",
        "O 1005 ID 4 4",
        "X 640 ID 2 2",
        "O 641 ID 3 3",
        rules=("C0706",),
    ),
    seg(
        "HL",
        "Hierarchical Level",
        "M 628 AN 1 12",
        "O 734 AN 1 12",
        "M 735 ID 1 2",
        "O 736 ID 1 1",
    ),
    seg(
        "SN1",
        "Item Detail (Shipment)",
        "O 350 AN 1 20",
        "M 382 R 1 10",
        "M 355 ID 2 2",
        "O 646 R 1 15",
        "X 330 R 1 15",
        "X 355 ID 2 2",
        "O 728 ID 1 2",
        "O 668 ID 2 2",
        rules=("P0506",),
    ),
    seg(
        "PRF",
        "Purchase Order Reference",
        "M 324 AN 1 22",
        "O 328 AN 1 30",
        "O 327 AN 1 8",
        "O 373 DT 8 8",
        "O 350 AN 1 20",
        "O 367 AN 1 30",
        "O 92 ID 2 2",
    ),
    seg(
        "CLD",
        "Load Detail",
        "M 622 N0 1 5",
        "M 382 R 1 10",
        "O 103 AN 3 5",
        "X 357 R 1 8",
        "X 355 ID 2 2",
        rules=("P0405",),
    ),
    seg("TSD", "Trailer Shipment Details", "O 350 AN 1 20", "O 219 AN 1 3"),
    seg(
        "PAL",
        "Pallet Information",
        "O 883 ID 1 2",
        "O 884 N0 1 3",
        "O 885 N0 1 3",
        "O 356 N0 1 6",
        "X 395 R 1 8",
        "X 355 ID 2 2",
        "O 82 R 1 8",
        "O 189 R 1 8",
        "O 65 R 1 8",
        "X 355 ID 2 2",
        "X 384 R 1 9",
        "X 355 ID 2 2",
        "X 385 R 1 9",
        "X 355 ID 2 2",
        "O 399 ID 1 1",
        "O 810 N0 1 6",
        rules=("P0506", "C0710", "C0810", "C0910"),
    ),
    seg(
        "SHP",
        "Shipped/Received Information",
        "O 673 ID 2 2",
        "X 380 R 1 15",
        "X 374 ID 3 3",
        "X 373 DT 8 8",
        "X 337 TM 4 8",
        "O 373 DT 8 8",
        "X 337 TM 4 8",
        rules=("C0102", "L03040506", "C0403", "C0503", "C0706"),
    ),
    seg(
        "CAD",
        "Carrier Detail",
        "O 91 ID 1 2",
        "O 206 AN 1 4",
        "O 207 AN 1 10",
        "X 140 ID 2 4",
        "X 387 AN 1 35",
        "O 368 ID 2 2",
        "X 128 ID 2 3",
        "X 127 AN 1 30",
        "O 284 ID 2 2",
        rules=("R0405", "P0708"),
    ),
)

INVOICING: dict[str, SegmentSpec] = table(
    seg(
        "BIG",
        "Beginning Segment for Invoice",
        "M 373 DT 8 8",
        "M 76 AN 1 22",
        "O 373 DT 8 8",
        "O 324 AN 1 22",
        "O 328 AN 1 30",
        "O 327 AN 1 8",
        "O 640 ID 2 2",
        "O 353 ID 2 2",
        "O 306 ID 1 2",
        "O 76 AN 1 22",
    ),
    seg(
        "IT1",
        "Baseline Item Data (Invoice)",
        "O 350 AN 1 20",
        "X 358 R 1 10",
        "X 355 ID 2 2",
        "X 212 R 1 17",
        "O 639 ID 2 2",
        *pairs(10, *_PRODUCT_ID),
        rules=("P020304", *paired_rules(6, 10)),
    ),
    seg(
        "TDS",
        "Total Monetary Value Summary",
        "M 610 N2 1 15",
        "O 610 N2 1 15",
        "O 610 N2 1 15",
        "O 610 N2 1 15",
    ),
    seg(
        "ISS",
        "Invoice Shipment Summary",
        "X 382 R 1 10",
        "X 355 ID 2 2",
        "X 81 R 1 10",
        "X 355 ID 2 2",
        "X 183 R 1 8",
        "X 355 ID 2 2",
        "X 380 R 1 15",
        "O 81 R 1 10",
        rules=("P0102", "P0304", "P0506"),
    ),
)

ACKNOWLEDGING: dict[str, SegmentSpec] = table(
    seg("AK1", "Functional Group Response Header", "M 479 ID 2 2", "M 28 N0 1 9"),
    seg("AK2", "Transaction Set Response Header", "M 143 ID 3 3", "M 329 AN 4 9"),
    seg(
        "AK3",
        "Data Segment Note",
        "M 721 ID 2 3",
        "M 719 N0 1 6",
        "O 447 AN 1 6",
        "O 720 ID 1 3",
    ),
    seg("AK4", "Data Element Note", "M C030", "O 725 N0 1 4", "M 723 ID 1 3", "O 724 AN 1 99"),
    seg(
        "AK5",
        "Transaction Set Response Trailer",
        "M 717 ID 1 1",
        *(("O 718 ID 1 3",) * 5),
        codes={1: SET_ACK_CODES},
    ),
    seg(
        "AK9",
        "Functional Group Response Trailer",
        "M 715 ID 1 1",
        "M 97 N0 1 6",
        "M 123 N0 1 6",
        "M 2 N0 1 6",
        *(("O 716 ID 1 3",) * 5),
        codes={1: GROUP_ACK_CODES},
    ),
    seg(
        "IK3",
        "Implementation Data Segment Note",
        "M 721 ID 2 3",
        "M 719 N0 1 10",
        "O 447 AN 1 4",
        "O 620 ID 1 3",
    ),
    seg(
        "IK4",
        "Implementation Data Element Note",
        "M C030",
        "O 725 N0 1 4",
        "M 621 ID 1 3",
        "O 724 AN 1 99",
    ),
    seg(
        "IK5",
        "Implementation Transaction Set Response Trailer",
        "M 717 ID 1 1",
        *(("O 618 ID 1 3",) * 5),
        codes={1: SET_ACK_CODES},
    ),
    seg(
        "CTX",
        "Context",
        "M C998",
        "X 721 ID 2 3",
        "X 719 N0 1 10",
        "O 447 AN 1 4",
        "O C030",
        "O C999",
        rules=("P0203",),
    ),
)
