"""855 Purchase Order Acknowledgment (functional group PR), 004010 and 005010.

Source of truth: the ASC X12 004010 and 005010 transaction set tables for the 855 (heading, detail,
summary in position order). Choices made to be tolerant:

* The PO1 loop is optional: a BAK-only acknowledgment (accept or reject the whole order) is valid.
* The summary CTT loop (CTT, AMT) is optional.
* The ACK loop also accepts a DTM after the ACK, the common way partners date an acknowledged line.
* Segments suppliers essentially never send in an 855 (NX2, ADV, CN1, SPI, LS/LE, PCT, the FA1 and
  AMT loops) are left out; such a segment is reported as not defined in the set.
* The 004010 and 005010 tables differ in the elements of their segments, not in the arrangement of
  the segments an acknowledgment uses, so both versions share one layout.
"""

from __future__ import annotations

from gateway.x12.set_tables._build import UNBOUNDED, loop, seg, transaction
from gateway.x12.spec import TransactionSpec

_CARRIER = (seg("TD1", "O", 2), seg("TD5", "O", 12), seg("TD3", "O", 12), seg("TD4", "O", 5))

_HEADING = (
    seg("BAK", "M"),
    seg("CUR"),
    seg("REF", "O", UNBOUNDED),
    seg("PER", "O", 3),
    seg("TAX", "O", UNBOUNDED),
    seg("FOB", "O", UNBOUNDED),
    seg("CTP", "O", UNBOUNDED),
    seg("PAM", "O", 10),
    seg("CSH", "O", 5),
    loop("SAC", "O", 25, seg("CUR")),
    seg("ITD", "O", 5),
    seg("DIS", "O", 20),
    seg("INC"),
    seg("DTM", "O", 10),
    seg("LDT", "O", 12),
    seg("LIN", "O", 5),
    seg("SI", "O", UNBOUNDED),
    seg("PID", "O", 200),
    seg("MEA", "O", 40),
    seg("PWK", "O", 25),
    seg("PKG", "O", 25),
    *_CARRIER,
    seg("MAN", "O", 10),
    seg("CTB", "O", 5),
    seg("TXI", "O", UNBOUNDED),
    loop("N9", "O", 1000, seg("DTM", "O", UNBOUNDED), seg("MSG", "O", 1000)),
    loop(
        "N1",
        "O",
        200,
        seg("N2", "O", 2),
        seg("N3", "O", 2),
        seg("N4", "O", 1),
        seg("REF", "O", 12),
        seg("PER", "O", UNBOUNDED),
        seg("SI", "O", UNBOUNDED),
        seg("FOB"),
        *_CARRIER,
        seg("PKG", "O", 200),
    ),
)

_SUBLINE = loop(
    "SLN",
    "O",
    1000,
    seg("MSG", "O", UNBOUNDED),
    seg("SI", "O", UNBOUNDED),
    seg("PID", "O", 1000),
    seg("PO3", "O", 104),
    seg("TC2", "O", UNBOUNDED),
    seg("DTM", "O", 10),
    seg("CTP", "O", 25),
    seg("PAM", "O", 10),
    seg("PO4"),
    seg("TAX", "O", 3),
    loop("SAC", "O", 25, seg("CUR")),
    loop(
        "N1",
        "O",
        10,
        seg("N2", "O", 2),
        seg("N3", "O", 2),
        seg("N4", "O", 1),
        seg("REF", "O", 12),
        seg("PER", "O", 3),
    ),
)

_LINE = loop(
    "PO1",
    "O",
    100000,
    seg("LIN", "O", UNBOUNDED),
    seg("SI", "O", UNBOUNDED),
    seg("CUR"),
    seg("PO3", "O", 25),
    loop("CTP", "O", UNBOUNDED, seg("CUR")),
    seg("PAM", "O", 10),
    seg("MEA", "O", 40),
    loop("PID", "O", 1000, seg("MEA", "O", 10)),
    seg("PWK", "O", 25),
    seg("PO4", "O", UNBOUNDED),
    seg("REF", "O", UNBOUNDED),
    seg("PER", "O", 3),
    loop("SAC", "O", 25, seg("CUR")),
    seg("IT8"),
    seg("CSH", "O", UNBOUNDED),
    seg("ITD", "O", 2),
    seg("DIS", "O", 20),
    seg("INC"),
    seg("TAX", "O", UNBOUNDED),
    seg("FOB", "O", UNBOUNDED),
    seg("SDQ", "O", 500),
    seg("IT3", "O", 5),
    seg("DTM", "O", 10),
    seg("TC2", "O", UNBOUNDED),
    seg("TD1"),
    *_CARRIER[1:],
    loop("ACK", "O", 104, seg("DTM", "O", 10)),
    seg("MAN", "O", 10),
    seg("MSG", "O", 12),
    seg("TXI", "O", UNBOUNDED),
    seg("CTB", "O", UNBOUNDED),
    loop("QTY", "O", UNBOUNDED, seg("SI", "O", UNBOUNDED)),
    loop("SCH", "O", 200, *_CARRIER, seg("REF", "O", UNBOUNDED)),
    loop("N9", "O", 1000, seg("DTM", "O", UNBOUNDED), seg("MSG", "O", 1000)),
    loop(
        "N1",
        "O",
        200,
        seg("N2", "O", 2),
        seg("N3", "O", 2),
        seg("N4", "O", 1),
        seg("QTY", "O", UNBOUNDED),
        seg("REF", "O", 12),
        seg("PER", "O", 3),
        seg("SI", "O", UNBOUNDED),
        seg("DTM"),
        seg("FOB"),
        seg("SCH", "O", 200),
        *_CARRIER,
        seg("PKG", "O", 200),
    ),
    _SUBLINE,
    loop("LM", "O", UNBOUNDED, seg("LQ", "M", UNBOUNDED)),
)

_SUMMARY = (loop("CTT", "O", 1, seg("AMT")),)

_ROOT = transaction(*_HEADING, _LINE, *_SUMMARY)

SPEC_4010 = TransactionSpec("855", "Purchase Order Acknowledgment", "PR", _ROOT)
SPEC_5010 = TransactionSpec("855", "Purchase Order Acknowledgment", "PR", _ROOT)
